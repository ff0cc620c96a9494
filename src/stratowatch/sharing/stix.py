"""The STIX 2.1 mapping: partners, balloons, sightings, tracks, forecasts and alerts.

STIX has no aerial object, so the balloon, its track, its forecast and an airspace alert are new
SDO types, each declared by an `extension-definition` (`extension_type: new-sdo`) whose creator is
the stratowatch project identity. A sensor report is a standard `sighting` of the balloon with a
property extension carrying time, position, uncertainty, velocity and sensor kind. Every object
carries `object_marking_refs` from its `Marking` and a `created_by_ref`; the node signs it with
`signing.Signer` before it leaves.

Objects are plain JSON-ready dicts (fast to build, to sign and to store); `stix2.parse(obj,
allow_custom=True)` reads them, and `validation_errors` runs the OASIS validator on them.
Ids are UUIDv5 of the creator and a local key, so a replay rebuilds identical objects (the
validator warns that SDO ids SHOULD be UUIDv4; that is a recommendation we knowingly depart from).
`created`/`modified` default to the data time, for the same reason.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stratowatch.errors import ConfigError, MissingExtraError, ReleasabilityError
from stratowatch.sharing._ids import det_id, now_s, parse_stix_time, random_id, stix_time
from stratowatch.sharing.markings import (
    RELEASABILITY_EXTENSION_ID,
    Marking,
    SanitisationRecord,
    Tlp,
    most_restrictive,
)
from stratowatch.sharing.policy import Partner
from stratowatch.sharing.signing import SIGNATURE_EXTENSION_ID, unsigned

BALLOON_TYPE = "x-stratowatch-balloon"
TRACK_TYPE = "x-stratowatch-track"
FORECAST_TYPE = "x-stratowatch-forecast"
ALERT_TYPE = "x-stratowatch-alert"
NEW_SDO_TYPES = (BALLOON_TYPE, TRACK_TYPE, FORECAST_TYPE, ALERT_TYPE)

#: extension-definition id per new SDO type.
SDO_EXTENSION_IDS: dict[str, str] = {
    t: det_id("extension-definition", t, "1") for t in NEW_SDO_TYPES
}
#: The property extension on `sighting` that carries a sensor report.
OBSERVATION_EXTENSION_ID = det_id("extension-definition", "observation", "1")
#: The identity that created the extension definitions: the stratowatch project itself.
PROJECT_IDENTITY_ID = det_id("identity", "stratowatch-project")

SENSOR_KINDS = ("radar", "adsb", "telemetry", "visual", "optical", "fused", "other")
CLASSES = ("free-balloon", "aircraft", "bird-or-clutter", "unknown")
ALERT_LEVELS = ("info", "warning", "critical")
_DEFINED = "2025-01-01T00:00:00.000Z"


# -- the project's own definitions --------------------------------------------------------------

def project_identity() -> dict[str, Any]:
    """The identity that created stratowatch's extension definitions (constant, unsigned)."""
    return {
        "type": "identity", "spec_version": "2.1", "id": PROJECT_IDENTITY_ID,
        "created_by_ref": PROJECT_IDENTITY_ID, "created": _DEFINED, "modified": _DEFINED,
        "name": "stratowatch", "identity_class": "system",
        "description": "The open-source stratowatch software, author of its STIX extensions.",
        "object_marking_refs": [Tlp.CLEAR.marking_definition_id],
    }


_EXTENSIONS: dict[str, tuple[str, str, str]] = {
    SDO_EXTENSION_IDS[BALLOON_TYPE]: (
        "stratowatch balloon", "new-sdo",
        "A free balloon (or other lighter-than-air object) seen by one or more partners. "
        "Properties: name, classification (free-balloon|aircraft|bird-or-clutter|unknown), "
        "class_probability (0-1), description."),
    SDO_EXTENSION_IDS[TRACK_TYPE]: (
        "stratowatch track", "new-sdo",
        "A fused track of one balloon. Properties: balloon_ref, first_seen, last_seen, states "
        "(time, lat, lon, alt_m, velocity_mps [east, north, up], sigma_h_m, sigma_v_m), "
        "sighting_refs, source_refs (identities of the partners whose reports it fuses), "
        "classification, class_probability."),
    SDO_EXTENSION_IDS[FORECAST_TYPE]: (
        "stratowatch forecast", "new-sdo",
        "A trajectory forecast. Properties: subject_ref (balloon or track), issued, "
        "lead_times_s, median_track (time, lat, lon, alt_m), regions (lead_s, level 0.5|0.9, "
        "geojson: a GeoJSON geometry as text), airspace_entries (zone_id, probability, "
        "entry_time_q10/q50/q90; may be empty until airspace analysis runs), members, "
        "wind_source."),
    SDO_EXTENSION_IDS[ALERT_TYPE]: (
        "stratowatch alert", "new-sdo",
        "An airspace alert. Properties: subject_ref, forecast_ref, zone_id, alert_level "
        "(info|warning|critical), probability, entry_time, message."),
    OBSERVATION_EXTENSION_ID: (
        "stratowatch observation", "property-extension",
        "On a sighting: one sensor report. Properties: time, lat, lon (WGS84 degrees), alt_m "
        "(above mean sea level), sigma_h_m, sigma_v_m (1-sigma), velocity_mps [east, north, up], "
        "sensor_kind (radar|adsb|telemetry|visual|optical|fused|other), sensor_id."),
    SIGNATURE_EXTENSION_ID: (
        "stratowatch signature", "property-extension",
        "Ed25519 signature of the creator over the RFC 8785 canonical JSON of the object "
        "without this extension. Properties: alg (Ed25519), key_id, signature (base64url)."),
    RELEASABILITY_EXTENSION_ID: (
        "stratowatch releasability", "property-extension",
        "On a marking-definition: rel_to, a list of clauses, each a list of labels "
        "(partner:<id> or group:<name>); a recipient must match one label of every clause. "
        "An empty clause releases to nobody beyond the creator."),
}


def extension_definitions() -> list[dict[str, Any]]:
    """Every extension-definition stratowatch objects use (constant, shipped with each bundle)."""
    out = []
    for ext_id, (name, kind, text) in _EXTENSIONS.items():
        out.append({
            "type": "extension-definition", "spec_version": "2.1", "id": ext_id,
            "created_by_ref": PROJECT_IDENTITY_ID, "created": _DEFINED, "modified": _DEFINED,
            "name": name, "description": text, "schema": text, "version": "1.0.0",
            "extension_types": [kind],
            "object_marking_refs": [Tlp.CLEAR.marking_definition_id],
        })
    return out


# -- value types for the payloads ---------------------------------------------------------------

@dataclass(frozen=True)
class TrackPoint:
    """One state of a track or forecast median: UTC seconds, WGS84 degrees, metres, m/s."""

    time_s: float
    lat: float
    lon: float
    alt_m: float
    velocity_mps: tuple[float, float, float] | None = None
    sigma_h_m: float | None = None
    sigma_v_m: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The STIX payload form of this point."""
        return _clean({
            "time": stix_time(self.time_s), "lat": _lat(self.lat), "lon": _lon(self.lon),
            "alt_m": _num(self.alt_m, "alt_m"),
            "velocity_mps": _vec(self.velocity_mps),
            "sigma_h_m": _opt(self.sigma_h_m, "sigma_h_m"),
            "sigma_v_m": _opt(self.sigma_v_m, "sigma_v_m"),
        })


@dataclass(frozen=True)
class ForecastRegion:
    """A probability region at one lead time: `level` 0.5 or 0.9, geometry as GeoJSON."""

    lead_s: float
    level: float
    geojson: Mapping[str, Any] | str

    def to_json(self) -> dict[str, Any]:
        """The STIX payload form (the geometry as compact GeoJSON text)."""
        text = self.geojson if isinstance(self.geojson, str) else json.dumps(
            self.geojson, separators=(",", ":"), sort_keys=True)
        if not 0.0 < self.level < 1.0:
            raise ConfigError(f"region level must be in (0, 1), got {self.level}")
        return {"lead_s": _num(self.lead_s, "lead_s"), "level": float(self.level),
                "geojson": text}


@dataclass(frozen=True)
class AirspaceEntry:
    """Probability that the balloon enters a zone, and entry-time quantiles (UTC seconds)."""

    zone_id: str
    probability: float
    entry_time_quantiles_s: Mapping[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The STIX payload form (`entry_time_q10` ... as STIX timestamps)."""
        out: dict[str, Any] = {"zone_id": self.zone_id,
                               "probability": _prob(self.probability, "probability")}
        for q, t in sorted(self.entry_time_quantiles_s.items()):
            out[f"entry_time_{q}"] = stix_time(t)
        return out


# -- builders -----------------------------------------------------------------------------------

def identity(partner: Partner, *, created_s: float, marking: Marking | None = None,
             description: str | None = None, contact: str | None = None) -> dict[str, Any]:
    """The organisation's own `identity` (a node publishes its own; partners publish theirs)."""
    m = marking or Marking.of(Tlp.GREEN)
    when = stix_time(created_s)
    return _clean({
        "type": "identity", "spec_version": "2.1", "id": partner.identity_id,
        "created_by_ref": partner.identity_id, "created": when, "modified": when,
        "name": partner.name, "identity_class": "organization",
        "description": description, "contact_information": contact,
        "object_marking_refs": m.object_marking_refs(),
    })


def balloon(*, creator: str, local_id: str, marking: Marking, created_s: float,
            name: str | None = None, classification: str = "free-balloon",
            class_probability: float | None = None,
            description: str | None = None) -> dict[str, Any]:
    """The balloon object (`x-stratowatch-balloon`), id from creator and local id."""
    _choice(classification, CLASSES, "classification")
    return _sdo(BALLOON_TYPE, det_id(BALLOON_TYPE, creator, local_id), creator, created_s,
                marking, {
                    "name": name or f"balloon {local_id}", "classification": classification,
                    "class_probability": _opt_prob(class_probability, "class_probability"),
                    "description": description,
                })


def sighting(*, creator: str, balloon_ref: str, marking: Marking, time_s: float, lat: float,
             lon: float, alt_m: float, sensor_kind: str, sigma_h_m: float | None = None,
             sigma_v_m: float | None = None,
             velocity_mps: tuple[float, float, float] | None = None,
             sensor_id: str | None = None, report_key: str | None = None,
             created_s: float | None = None) -> dict[str, Any]:
    """One sensor report as a `sighting` of the balloon, seen by the creator's organisation.

    `report_key` names the report uniquely for the creator (a sensor message id); without it the
    id derives from the report's time, position and sensor.
    """
    _require_type(balloon_ref, BALLOON_TYPE, "balloon_ref")
    _choice(sensor_kind, SENSOR_KINDS, "sensor_kind")
    key = report_key or f"{float(time_s)!r}/{float(lat)!r}/{float(lon)!r}/{float(alt_m)!r}/" \
                        f"{sensor_kind}/{sensor_id}"
    when = stix_time(time_s)
    created = stix_time(time_s if created_s is None else created_s)
    obs = _clean({
        "extension_type": "property-extension",
        "time": when, "lat": _lat(lat), "lon": _lon(lon), "alt_m": _num(alt_m, "alt_m"),
        "sigma_h_m": _opt(sigma_h_m, "sigma_h_m"), "sigma_v_m": _opt(sigma_v_m, "sigma_v_m"),
        "velocity_mps": _vec(velocity_mps), "sensor_kind": sensor_kind, "sensor_id": sensor_id,
    })
    return {
        "type": "sighting", "spec_version": "2.1",
        "id": det_id("sighting", creator, balloon_ref, key),
        "created_by_ref": creator, "created": created, "modified": created,
        "first_seen": when, "last_seen": when, "count": 1,
        "sighting_of_ref": balloon_ref, "where_sighted_refs": [creator],
        "object_marking_refs": marking.object_marking_refs(),
        "extensions": {OBSERVATION_EXTENSION_ID: obs},
    }


def track(*, creator: str, local_id: str, balloon_ref: str, marking: Marking,
          states: Sequence[TrackPoint], sighting_refs: Sequence[str] = (),
          source_refs: Sequence[str] = (), classification: str = "free-balloon",
          class_probability: float | None = None, created_s: float | None = None,
          modified_s: float | None = None) -> dict[str, Any]:
    """A fused track (`x-stratowatch-track`); its marking: `most_restrictive` of its inputs'."""
    _require_type(balloon_ref, BALLOON_TYPE, "balloon_ref")
    _choice(classification, CLASSES, "classification")
    if not states:
        raise ConfigError("a track needs at least one state")
    for ref in sighting_refs:
        _require_type(ref, "sighting", "sighting_refs")
    for ref in source_refs:
        _require_type(ref, "identity", "source_refs")
    ordered = sorted(states, key=lambda s: s.time_s)
    created = ordered[0].time_s if created_s is None else created_s
    return _sdo(TRACK_TYPE, det_id(TRACK_TYPE, creator, local_id), creator, created, marking, {
        "balloon_ref": balloon_ref,
        "first_seen": stix_time(ordered[0].time_s), "last_seen": stix_time(ordered[-1].time_s),
        "states": [s.to_json() for s in ordered],
        "sighting_refs": list(sighting_refs) or None,
        "source_refs": sorted(set(source_refs)) or None,
        "classification": classification,
        "class_probability": _opt_prob(class_probability, "class_probability"),
    }, modified_s=ordered[-1].time_s if modified_s is None else modified_s)


def forecast(*, creator: str, local_id: str, subject_ref: str, marking: Marking,
             issued_s: float, lead_times_s: Sequence[float], median_track: Sequence[TrackPoint],
             regions: Sequence[ForecastRegion] = (),
             airspace_entries: Sequence[AirspaceEntry] = (),
             members: int | None = None, wind_source: str | None = None) -> dict[str, Any]:
    """A forecast (`x-stratowatch-forecast`) of a balloon or track, issued at `issued_s`.

    `airspace_entries` is a placeholder until the airspace layer computes entry probabilities:
    empty lists are omitted (STIX forbids them), so an absent field means "not computed".
    """
    _require_type(subject_ref, (BALLOON_TYPE, TRACK_TYPE), "subject_ref")
    if members is not None and members < 1:
        raise ConfigError(f"members must be >= 1, got {members}")
    return _sdo(FORECAST_TYPE, det_id(FORECAST_TYPE, creator, local_id), creator, issued_s,
                marking, {
                    "subject_ref": subject_ref, "issued": stix_time(issued_s),
                    "lead_times_s": [_num(t, "lead_times_s") for t in lead_times_s],
                    "median_track": [p.to_json() for p in median_track],
                    "regions": [r.to_json() for r in regions],
                    "airspace_entries": [a.to_json() for a in airspace_entries],
                    "members": members, "wind_source": wind_source,
                })


def alert(*, creator: str, local_id: str, subject_ref: str, marking: Marking, created_s: float,
          zone_id: str, alert_level: str, message: str, probability: float | None = None,
          entry_time_s: float | None = None, forecast_ref: str | None = None) -> dict[str, Any]:
    """An airspace alert (`x-stratowatch-alert`) about a balloon or track."""
    _require_type(subject_ref, (BALLOON_TYPE, TRACK_TYPE), "subject_ref")
    if forecast_ref is not None:
        _require_type(forecast_ref, FORECAST_TYPE, "forecast_ref")
    _choice(alert_level, ALERT_LEVELS, "alert_level")
    return _sdo(ALERT_TYPE, det_id(ALERT_TYPE, creator, local_id), creator, created_s, marking, {
        "subject_ref": subject_ref, "forecast_ref": forecast_ref, "zone_id": zone_id,
        "alert_level": alert_level, "message": message,
        "probability": _opt_prob(probability, "probability"),
        "entry_time": None if entry_time_s is None else stix_time(entry_time_s),
    })


def bundle(objects: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A STIX bundle of these objects (fresh random id)."""
    return {"type": "bundle", "id": random_id("bundle"), "objects": [dict(o) for o in objects]}


# -- versioning ---------------------------------------------------------------------------------

_FIXED = frozenset({"type", "id", "spec_version", "created", "created_by_ref", "modified"})


def new_version(obj: Mapping[str, Any], *, by: str, changes: Mapping[str, Any] | None = None,
                marking: Marking | None = None, current_marking: Marking | None = None,
                sanitisation: SanitisationRecord | None = None,
                modified_s: float | None = None) -> dict[str, Any]:
    """The next version of an object; only its creator (`by` == `created_by_ref`) may make one.

    The result is unsigned (sign it). `modified` moves forward by at least a millisecond. A new
    `marking` must be at least as restrictive as `current_marking` (the object's marking now),
    unless a `sanitisation` record (from `markings.sanitise`) for this object and marking is given.
    """
    if obj.get("created_by_ref") != by:
        raise ReleasabilityError(f"{obj.get('id')}: only its creator "
                                 f"{obj.get('created_by_ref')!r} may version it, not {by!r}")
    changes = dict(changes or {})
    bad = sorted(_FIXED.intersection(changes) | ({"object_marking_refs"} & changes.keys()))
    if bad:
        raise ConfigError(f"new_version may not change {', '.join(bad)} "
                          "(re-mark with the marking argument)")
    out = unsigned(obj)
    out.update(changes)
    out = _clean(out)
    if marking is not None:
        _check_remark(obj, marking, current_marking, sanitisation)
        out["object_marking_refs"] = marking.object_marking_refs()
    previous = parse_stix_time(str(obj["modified"]))
    when = now_s() if modified_s is None else modified_s
    out["modified"] = stix_time(max(when, previous + 0.001))
    return out


def _check_remark(obj: Mapping[str, Any], marking: Marking, current: Marking | None,
                  sanitisation: SanitisationRecord | None) -> None:
    if sanitisation is not None:
        if sanitisation.object_id != obj.get("id") or sanitisation.to_marking != marking:
            raise ReleasabilityError(f"{obj.get('id')}: the sanitisation record is for another "
                                     "object or marking")
        return
    refs = list(obj.get("object_marking_refs", []))
    if current is None or current.object_marking_refs() != refs:
        raise ReleasabilityError(f"{obj.get('id')}: give the object's current marking to re-mark")
    if most_restrictive([current, marking]) != marking:
        raise ReleasabilityError(f"{obj.get('id')}: {marking} is wider than {current}; "
                                 "only an audited sanitise() may widen a release")


# -- validation ---------------------------------------------------------------------------------

def validation_report(obj: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(errors, warnings) from the OASIS stix2-validator for one object or bundle."""
    try:
        from stix2validator import ValidationOptions, validate_instance
    except ImportError as exc:  # pragma: no cover - exercised only without the package
        raise MissingExtraError("validating STIX needs stix2-validator: "
                                "pip install stix2-validator") from exc
    result = validate_instance(dict(obj), ValidationOptions(version="2.1"))
    return [str(e) for e in result.errors], [str(w) for w in result.warnings]


def validation_errors(obj: Mapping[str, Any]) -> list[str]:
    """The validator's errors (not warnings) for one object or bundle; empty when valid."""
    return validation_report(obj)[0]


# -- helpers ------------------------------------------------------------------------------------

def _sdo(stix_type: str, obj_id: str, creator: str, created_s: float, marking: Marking,
         props: Mapping[str, Any], modified_s: float | None = None) -> dict[str, Any]:
    _require_type(creator, "identity", "creator")
    created = stix_time(created_s)
    modified = stix_time(max(created_s, modified_s)) if modified_s is not None else created
    base: dict[str, Any] = {
        "type": stix_type, "spec_version": "2.1", "id": obj_id, "created_by_ref": creator,
        "created": created, "modified": modified,
    }
    base.update(props)
    base["object_marking_refs"] = marking.object_marking_refs()
    base["extensions"] = {SDO_EXTENSION_IDS[stix_type]: {"extension_type": "new-sdo"}}
    return _clean(base)


def _clean(d: Mapping[str, Any]) -> dict[str, Any]:
    # STIX forbids empty lists; an absent property says "not known (yet)" instead.
    return {k: v for k, v in d.items() if v is not None and v != []}


def _num(x: float, name: str) -> float:
    value = float(x)
    if not math.isfinite(value):
        raise ConfigError(f"{name} must be finite, got {x!r}")
    return value


def _opt(x: float | None, name: str) -> float | None:
    if x is None:
        return None
    value = _num(x, name)
    if value < 0:
        raise ConfigError(f"{name} must be >= 0, got {x!r}")
    return value


def _prob(x: float, name: str) -> float:
    value = _num(x, name)
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{name} must be within [0, 1], got {x!r}")
    return value


def _opt_prob(x: float | None, name: str) -> float | None:
    return None if x is None else _prob(x, name)


def _lat(x: float) -> float:
    value = _num(x, "lat")
    if not -90.0 <= value <= 90.0:
        raise ConfigError(f"lat must be within [-90, 90], got {x!r}")
    return value


def _lon(x: float) -> float:
    value = _num(x, "lon")
    return (value + 180.0) % 360.0 - 180.0


def _vec(v: tuple[float, float, float] | None) -> list[float] | None:
    if v is None:
        return None
    if len(v) != 3:
        raise ConfigError(f"velocity_mps must be (east, north, up), got {v!r}")
    return [_num(c, "velocity_mps") for c in v]


def _choice(value: str, allowed: tuple[str, ...], name: str) -> None:
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def _require_type(ref: str, types: str | tuple[str, ...], name: str) -> None:
    wanted = (types,) if isinstance(types, str) else types
    if not isinstance(ref, str) or ref.partition("--")[0] not in wanted:
        raise ConfigError(f"{name} must be a {' or '.join(wanted)} id, got {ref!r}")


__all__ = [
    "ALERT_LEVELS",
    "ALERT_TYPE",
    "BALLOON_TYPE",
    "CLASSES",
    "FORECAST_TYPE",
    "NEW_SDO_TYPES",
    "OBSERVATION_EXTENSION_ID",
    "PROJECT_IDENTITY_ID",
    "SDO_EXTENSION_IDS",
    "SENSOR_KINDS",
    "TRACK_TYPE",
    "AirspaceEntry",
    "ForecastRegion",
    "TrackPoint",
    "alert",
    "balloon",
    "bundle",
    "extension_definitions",
    "forecast",
    "identity",
    "new_version",
    "project_identity",
    "sighting",
    "track",
    "validation_errors",
    "validation_report",
]
