"""The first schema: objects with audience tokens, partners, collections, audit, observations.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at_us", sa.BigInteger(), nullable=False),
        sa.Column("partner_id", sa.String(length=128), nullable=False),
        sa.Column("collection_id", sa.String(length=64), nullable=True),
        sa.Column("stix_id", sa.String(length=128), nullable=False),
        sa.Column("version_us", sa.BigInteger(), nullable=True),
        sa.Column("path", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit")),
    )
    op.create_index(
        op.f("ix_audit_partner_id_at_us"), "audit", ["partner_id", "at_us"], unique=False
    )
    op.create_index(
        op.f("ix_audit_stix_id_version_us"), "audit", ["stix_id", "version_us"], unique=False
    )
    op.create_table(
        "collections",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("alias", sa.String(length=128), nullable=True),
        sa.Column("can_read", sa.Boolean(), nullable=False),
        sa.Column("can_write", sa.Boolean(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collections")),
        sa.UniqueConstraint("alias", name=op.f("uq_collections_alias")),
    )
    op.create_table(
        "forecasts",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("track_id", sa.String(length=128), nullable=True),
        sa.Column("issued_us", sa.BigInteger(), nullable=False),
        sa.Column("valid_from_us", sa.BigInteger(), nullable=True),
        sa.Column("valid_to_us", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecasts")),
    )
    op.create_index(op.f("ix_forecasts_issued_us"), "forecasts", ["issued_us"], unique=False)
    op.create_index(
        op.f("ix_forecasts_track_id_issued_us"),
        "forecasts",
        ["track_id", "issued_us"],
        unique=False,
    )
    op.create_table(
        "observations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("time_us", sa.BigInteger(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("alt_m", sa.Double(), nullable=False),
        sa.Column("sensor_id", sa.String(length=128), nullable=True),
        sa.Column("source", sa.String(length=128), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("sigma_h_m", sa.Double(), nullable=True),
        sa.Column("sigma_v_m", sa.Double(), nullable=True),
        sa.Column("vx_mps", sa.Double(), nullable=True),
        sa.Column("vy_mps", sa.Double(), nullable=True),
        sa.Column("vz_mps", sa.Double(), nullable=True),
        sa.Column("icao24", sa.String(length=8), nullable=True),
        sa.Column("callsign", sa.String(length=16), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=True),
        sa.Column("rcs_dbsm", sa.Double(), nullable=True),
        sa.Column("ref", sa.Text(), nullable=True),
        sa.Column("added_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observations")),
    )
    op.create_index(op.f("ix_observations_icao24"), "observations", ["icao24"], unique=False)
    op.create_index(
        op.f("ix_observations_sensor_id_time_us"),
        "observations",
        ["sensor_id", "time_us"],
        unique=False,
    )
    op.create_index(op.f("ix_observations_time_us"), "observations", ["time_us"], unique=False)
    op.create_table(
        "partners",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("identity_ref", sa.String(length=128), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
    )
    op.create_table(
        "peer_cursors",
        sa.Column("peer_id", sa.String(length=128), nullable=False),
        sa.Column("collection_id", sa.String(length=64), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("peer_id", "collection_id", name=op.f("pk_peer_cursors")),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "status",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("collection_id", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("request_us", sa.BigInteger(), nullable=False),
        sa.Column("total_count", sa.Integer(), nullable=False),
        sa.Column("success_count", sa.Integer(), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("pending_count", sa.Integer(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status")),
    )
    op.create_table(
        "tracks",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.Column("classification", sa.String(length=32), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracks")),
    )
    op.create_index(op.f("ix_tracks_updated_us"), "tracks", ["updated_us"], unique=False)
    op.create_table(
        "collection_grants",
        sa.Column("collection_id", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.String(length=128), nullable=False),
        sa.Column("can_read", sa.Boolean(), nullable=False),
        sa.Column("can_write", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name=op.f("fk_collection_grants_collection_id_collections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_collection_grants_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("collection_id", "partner_id", name=op.f("pk_collection_grants")),
    )
    op.create_table(
        "credentials",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("username", sa.String(length=256), nullable=True),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("revoked_us", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_credentials_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credentials")),
        sa.UniqueConstraint("username", name=op.f("uq_credentials_username")),
    )
    op.create_index(op.f("ix_credentials_partner_id"), "credentials", ["partner_id"], unique=False)
    op.create_table(
        "forecast_tokens",
        sa.Column("forecast_id", sa.String(length=128), nullable=False),
        sa.Column("token", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["forecast_id"],
            ["forecasts.id"],
            name=op.f("fk_forecast_tokens_forecast_id_forecasts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("forecast_id", "token", name=op.f("pk_forecast_tokens")),
    )
    op.create_table(
        "objects",
        sa.Column(
            "added_seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("collection_id", sa.String(length=64), nullable=False),
        sa.Column("stix_id", sa.String(length=128), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("spec_version", sa.String(length=8), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=True),
        sa.Column("version_us", sa.BigInteger(), nullable=False),
        sa.Column("created_by_ref", sa.String(length=128), nullable=True),
        sa.Column("owner", sa.String(length=128), nullable=True),
        sa.Column("date_added_us", sa.BigInteger(), nullable=False),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
        sa.Column("is_first", sa.Boolean(), nullable=False),
        sa.Column("json", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["collection_id"], ["collections.id"], name=op.f("fk_objects_collection_id_collections")
        ),
        sa.PrimaryKeyConstraint("added_seq", name=op.f("pk_objects")),
        sa.UniqueConstraint(
            "collection_id",
            "stix_id",
            "version_us",
            name=op.f("uq_objects_collection_id_stix_id_version_us"),
        ),
    )
    op.create_index(
        op.f("ix_objects_collection_id_added_seq"),
        "objects",
        ["collection_id", "added_seq"],
        unique=False,
    )
    op.create_index(op.f("ix_objects_date_added_us"), "objects", ["date_added_us"], unique=False)
    op.create_table(
        "observation_tokens",
        sa.Column(
            "observation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("token", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["observations.id"],
            name=op.f("fk_observation_tokens_observation_id_observations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("observation_id", "token", name=op.f("pk_observation_tokens")),
    )
    op.create_table(
        "partner_groups",
        sa.Column("partner_id", sa.String(length=128), nullable=False),
        sa.Column("group_name", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_groups_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("partner_id", "group_name", name=op.f("pk_partner_groups")),
    )
    op.create_table(
        "track_tokens",
        sa.Column("track_id", sa.String(length=128), nullable=False),
        sa.Column("token", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_track_tokens_track_id_tracks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("track_id", "token", name=op.f("pk_track_tokens")),
    )
    op.create_table(
        "object_tokens",
        sa.Column(
            "added_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("token", sa.String(length=128), nullable=False),
        sa.Column("collection_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
        sa.Column("is_first", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_seq"],
            ["objects.added_seq"],
            name=op.f("fk_object_tokens_added_seq_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("added_seq", "token", name=op.f("pk_object_tokens")),
    )
    op.create_index(
        "ix_object_tokens_page",
        "object_tokens",
        ["collection_id", "token", "added_seq", "is_latest", "is_first", "type"],
        unique=False,
    )

    # The key that signs TAXII ``next`` cursors: per database, so every process of a node agrees.
    settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.Text))
    op.bulk_insert(settings, [{"key": "cursor_key", "value": secrets.token_hex(32)}])


def downgrade() -> None:
    op.drop_index(
        "ix_object_tokens_page",
        table_name="object_tokens",
    )
    op.drop_table("object_tokens")
    op.drop_table("track_tokens")
    op.drop_table("partner_groups")
    op.drop_table("observation_tokens")
    op.drop_index(op.f("ix_objects_date_added_us"), table_name="objects")
    op.drop_index(op.f("ix_objects_collection_id_added_seq"), table_name="objects")
    op.drop_table("objects")
    op.drop_table("forecast_tokens")
    op.drop_index(op.f("ix_credentials_partner_id"), table_name="credentials")
    op.drop_table("credentials")
    op.drop_table("collection_grants")
    op.drop_index(op.f("ix_tracks_updated_us"), table_name="tracks")
    op.drop_table("tracks")
    op.drop_table("status")
    op.drop_table("settings")
    op.drop_table("peer_cursors")
    op.drop_table("partners")
    op.drop_index(op.f("ix_observations_time_us"), table_name="observations")
    op.drop_index(op.f("ix_observations_sensor_id_time_us"), table_name="observations")
    op.drop_index(op.f("ix_observations_icao24"), table_name="observations")
    op.drop_table("observations")
    op.drop_index(op.f("ix_forecasts_track_id_issued_us"), table_name="forecasts")
    op.drop_index(op.f("ix_forecasts_issued_us"), table_name="forecasts")
    op.drop_table("forecasts")
    op.drop_table("collections")
    op.drop_index(op.f("ix_audit_stix_id_version_us"), table_name="audit")
    op.drop_index(op.f("ix_audit_partner_id_at_us"), table_name="audit")
    op.drop_table("audit")
