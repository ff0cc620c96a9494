"""What the object store hands back: stored objects, manifest entries and pages of either.

Objects keep their JSON as stored text, so a TAXII server can splice a page into a response
without parsing and re-serialising 100 objects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from stratowatch.store.stamps import format_us

STIX_MEDIA_TYPE = "application/stix+json;version={}"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """One version of one object: what ingestion is idempotent by."""

    stix_id: str
    version_us: int

    @property
    def version(self) -> str:
        """The version as a STIX timestamp."""
        return format_us(self.version_us)


@dataclass(frozen=True, slots=True)
class StoredObject:
    """One stored version of a STIX object, with where and when it was added."""

    added_seq: int
    collection_id: str
    stix_id: str
    type: str
    spec_version: str
    version_us: int
    created_us: int | None
    created_by_ref: str | None
    owner: str | None
    date_added_us: int
    json: str
    signature: str | None

    def data(self) -> dict[str, Any]:
        """The object as a dict (parsed on each call)."""
        parsed: dict[str, Any] = json.loads(self.json)
        return parsed

    @property
    def version(self) -> str:
        """The ``modified`` (else ``created``) timestamp this row is the version of."""
        return format_us(self.version_us)

    @property
    def date_added(self) -> str:
        """When this node added it, to the microsecond (TAXII ``date_added``)."""
        return format_us(self.date_added_us, precision="us")

    @property
    def media_type(self) -> str:
        """The TAXII media type of this version."""
        return STIX_MEDIA_TYPE.format(self.spec_version)


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One row of a TAXII manifest (or of a versions listing)."""

    added_seq: int
    stix_id: str
    version_us: int
    date_added_us: int
    spec_version: str

    @property
    def version(self) -> str:
        """The version as a STIX timestamp."""
        return format_us(self.version_us)

    @property
    def date_added(self) -> str:
        """When this node added it, to the microsecond."""
        return format_us(self.date_added_us, precision="us")

    @property
    def media_type(self) -> str:
        """The TAXII media type of this version."""
        return STIX_MEDIA_TYPE.format(self.spec_version)

    def to_taxii(self) -> dict[str, str]:
        """The TAXII 2.1 manifest-record resource."""
        return {"id": self.stix_id, "date_added": self.date_added, "version": self.version,
                "media_type": self.media_type}


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing, oldest addition first.

    ``next`` is the cursor for the following page, present exactly when ``more`` is true; the
    ``date_added_*`` bounds are those of the items on this page (TAXII's X-TAXII-Date-Added-First
    and -Last headers), None when the page is empty.
    """

    items: list[T]
    more: bool
    next: str | None
    date_added_first_us: int | None
    date_added_last_us: int | None

    @property
    def date_added_first(self) -> str | None:
        """The first date_added on the page, to the microsecond."""
        first = self.date_added_first_us
        return None if first is None else format_us(first, precision="us")

    @property
    def date_added_last(self) -> str | None:
        """The last date_added on the page, to the microsecond."""
        last = self.date_added_last_us
        return None if last is None else format_us(last, precision="us")


@dataclass(frozen=True, slots=True)
class AddResult:
    """What one ``add_objects`` batch did: versions added, and versions it already had."""

    added: list[ObjectRef]
    duplicates: list[ObjectRef]
    date_added_first_us: int | None
    date_added_last_us: int | None
