"""The tables of the store, as SQLAlchemy Core metadata (the current shape; migrations build it).

Times are integer microseconds since the epoch (``*_us``) so that both databases compare and
index them exactly. Every releasable row has a side table of audience tokens: a reader sees a row
only if it holds one of them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

#: A 64-bit key that is SQLite's rowid (so it stays a cheap alias) and BIGINT on PostgreSQL.
Key = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

settings = Table(
    "settings", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

partners = Table(
    "partners", metadata,
    Column("id", String(128), primary_key=True),
    Column("name", Text, nullable=False),
    Column("identity_ref", String(128), nullable=True),
    Column("enabled", Boolean, nullable=False),
    Column("created_us", BigInteger, nullable=False),
)

partner_groups = Table(
    "partner_groups", metadata,
    Column("partner_id", String(128), ForeignKey("partners.id", ondelete="CASCADE"),
           primary_key=True),
    Column("group_name", String(128), primary_key=True),
)

credentials = Table(
    "credentials", metadata,
    Column("id", String(64), primary_key=True),
    Column("partner_id", String(128), ForeignKey("partners.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("username", String(256), nullable=True, unique=True),
    Column("label", Text, nullable=False),
    Column("secret_hash", Text, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("revoked_us", BigInteger, nullable=True),
)

collections = Table(
    "collections", metadata,
    Column("id", String(64), primary_key=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("alias", String(128), nullable=True, unique=True),
    Column("can_read", Boolean, nullable=False),
    Column("can_write", Boolean, nullable=False),
    Column("created_us", BigInteger, nullable=False),
)

collection_grants = Table(
    "collection_grants", metadata,
    Column("collection_id", String(64), ForeignKey("collections.id", ondelete="CASCADE"),
           primary_key=True),
    Column("partner_id", String(128), ForeignKey("partners.id", ondelete="CASCADE"),
           primary_key=True),
    Column("can_read", Boolean, nullable=False),
    Column("can_write", Boolean, nullable=False),
)

objects = Table(
    "objects", metadata,
    # The ingest sequence is the key: allocated under the write lock, so its order is commit order.
    Column("added_seq", Key, primary_key=True, autoincrement=False),
    Column("collection_id", String(64), ForeignKey("collections.id"), nullable=False),
    Column("stix_id", String(128), nullable=False),
    Column("type", String(64), nullable=False),
    Column("spec_version", String(8), nullable=False),
    Column("created_us", BigInteger, nullable=True),
    Column("version_us", BigInteger, nullable=False),
    Column("created_by_ref", String(128), nullable=True),
    Column("owner", String(128), nullable=True),
    Column("date_added_us", BigInteger, nullable=False),
    Column("is_latest", Boolean, nullable=False),
    Column("is_first", Boolean, nullable=False),
    Column("json", Text, nullable=False),
    Column("signature", Text, nullable=True),
    UniqueConstraint("collection_id", "stix_id", "version_us"),
    Index(None, "collection_id", "added_seq"),
    Index(None, "date_added_us"),
)

object_tokens = Table(
    "object_tokens", metadata,
    Column("added_seq", Key, ForeignKey("objects.added_seq", ondelete="CASCADE"),
           primary_key=True),
    Column("token", String(128), primary_key=True),
    # Copies of the object's columns, so a page is read from this index alone, token by token.
    Column("collection_id", String(64), nullable=False),
    Column("type", String(64), nullable=False),
    Column("is_latest", Boolean, nullable=False),
    Column("is_first", Boolean, nullable=False),
    Index("ix_object_tokens_page", "collection_id", "token", "added_seq", "is_latest", "is_first",
          "type"),
)

status = Table(
    "status", metadata,
    Column("id", String(64), primary_key=True),
    Column("collection_id", String(64), nullable=False),
    Column("partner_id", String(128), nullable=True),
    Column("status", String(16), nullable=False),
    Column("request_us", BigInteger, nullable=False),
    Column("total_count", Integer, nullable=False),
    Column("success_count", Integer, nullable=False),
    Column("failure_count", Integer, nullable=False),
    Column("pending_count", Integer, nullable=False),
    Column("details", Text, nullable=False),
)

audit = Table(
    "audit", metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("at_us", BigInteger, nullable=False),
    Column("partner_id", String(128), nullable=False),
    Column("collection_id", String(64), nullable=True),
    Column("stix_id", String(128), nullable=False),
    Column("version_us", BigInteger, nullable=True),
    Column("path", String(64), nullable=False),
    Index(None, "partner_id", "at_us"),
    Index(None, "stix_id", "version_us"),
)

peer_cursors = Table(
    "peer_cursors", metadata,
    Column("peer_id", String(128), primary_key=True),
    Column("collection_id", String(64), primary_key=True),
    Column("cursor", Text, nullable=False),
    Column("updated_us", BigInteger, nullable=False),
)

observations = Table(
    "observations", metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("time_us", BigInteger, nullable=False),
    Column("lat", Double, nullable=False),
    Column("lon", Double, nullable=False),
    Column("alt_m", Double, nullable=False),
    Column("sensor_id", String(128), nullable=True),
    Column("source", String(128), nullable=True),
    Column("kind", String(16), nullable=True),
    Column("sigma_h_m", Double, nullable=True),
    Column("sigma_v_m", Double, nullable=True),
    Column("vx_mps", Double, nullable=True),
    Column("vy_mps", Double, nullable=True),
    Column("vz_mps", Double, nullable=True),
    Column("icao24", String(8), nullable=True),
    Column("callsign", String(16), nullable=True),
    Column("category", String(16), nullable=True),
    Column("rcs_dbsm", Double, nullable=True),
    Column("ref", Text, nullable=True),
    Column("added_us", BigInteger, nullable=False),
    Index(None, "time_us"),
    Index(None, "sensor_id", "time_us"),
    Index(None, "icao24"),
)

observation_tokens = Table(
    "observation_tokens", metadata,
    Column("observation_id", Key, ForeignKey("observations.id", ondelete="CASCADE"),
           primary_key=True),
    Column("token", String(128), primary_key=True),
)

tracks = Table(
    "tracks", metadata,
    Column("id", String(128), primary_key=True),
    Column("created_us", BigInteger, nullable=False),
    Column("updated_us", BigInteger, nullable=False),
    Column("classification", String(32), nullable=True),
    Column("payload", Text, nullable=False),
    Index(None, "updated_us"),
)

track_tokens = Table(
    "track_tokens", metadata,
    Column("track_id", String(128), ForeignKey("tracks.id", ondelete="CASCADE"),
           primary_key=True),
    Column("token", String(128), primary_key=True),
)

forecasts = Table(
    "forecasts", metadata,
    Column("id", String(128), primary_key=True),
    Column("track_id", String(128), nullable=True),
    Column("issued_us", BigInteger, nullable=False),
    Column("valid_from_us", BigInteger, nullable=True),
    Column("valid_to_us", BigInteger, nullable=True),
    Column("payload", Text, nullable=False),
    Index(None, "track_id", "issued_us"),
    Index(None, "issued_us"),
)

forecast_tokens = Table(
    "forecast_tokens", metadata,
    Column("forecast_id", String(128), ForeignKey("forecasts.id", ondelete="CASCADE"),
           primary_key=True),
    Column("token", String(128), primary_key=True),
)
