"""Counters and latency histograms in the Prometheus text format (``/metrics``).

Small enough to keep in-house: a few counters with labels and one histogram family, guarded by
one lock, rendered on demand.
"""

from __future__ import annotations

import threading
from collections import defaultdict

BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_HELP = {
    "stratowatch_requests_total": "HTTP requests by route and status",
    "stratowatch_request_seconds": "HTTP request latency by route",
    "stratowatch_objects_delivered_total": "object versions delivered to partners by path",
    "stratowatch_objects_received_total": "object versions stored from partners",
    "stratowatch_objects_rejected_total": "objects refused on arrival",
    "stratowatch_published_objects_total": "objects this node signed and stored",
    "stratowatch_invalid_objects_total": "objects this node made that failed validation",
    "stratowatch_observations_total": "observations ingested",
    "stratowatch_forecasts_total": "forecasts computed",
    "stratowatch_forecast_failures_total": "forecasts that could not be computed",
    "stratowatch_audit_rows_total": "audit rows written",
    "stratowatch_auth_failures_total": "requests refused for bad or missing credentials",
}

Labels = tuple[tuple[str, str], ...]


class Metrics:
    """Thread-safe counters and histograms."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, dict[Labels, float]] = defaultdict(dict)
        self._hist: dict[str, dict[Labels, list[float]]] = defaultdict(dict)

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        """Add to a counter."""
        key = tuple(sorted(labels.items()))
        with self._lock:
            family = self._counters[name]
            family[key] = family.get(key, 0.0) + amount

    def observe(self, name: str, value_s: float, **labels: str) -> None:
        """Record one latency (seconds) in a histogram."""
        key = tuple(sorted(labels.items()))
        with self._lock:
            family = self._hist[name]
            counts = family.get(key)
            if counts is None:
                counts = family[key] = [0.0] * (len(BUCKETS_S) + 2)  # buckets, +Inf, sum
            for i, bound in enumerate(BUCKETS_S):
                if value_s <= bound:
                    counts[i] += 1
            counts[len(BUCKETS_S)] += 1
            counts[-1] += value_s

    def value(self, name: str, **labels: str) -> float:
        """A counter's current value (0 if never incremented)."""
        with self._lock:
            return self._counters.get(name, {}).get(tuple(sorted(labels.items())), 0.0)

    def render(self) -> str:
        """The Prometheus text exposition (version 0.0.4)."""
        lines: list[str] = []
        with self._lock:
            for name in sorted(self._counters):
                lines += [f"# HELP {name} {_HELP.get(name, name)}", f"# TYPE {name} counter"]
                for key, value in sorted(self._counters[name].items()):
                    lines.append(f"{name}{_labels(key)} {value:g}")
            for name in sorted(self._hist):
                lines += [f"# HELP {name} {_HELP.get(name, name)}", f"# TYPE {name} histogram"]
                for key, counts in sorted(self._hist[name].items()):
                    for bound, count in zip(BUCKETS_S, counts, strict=False):
                        lines.append(f"{name}_bucket{_labels((*key, ('le', f'{bound:g}')))} "
                                     f"{count:g}")
                    total = counts[len(BUCKETS_S)]
                    lines.append(f"{name}_bucket{_labels((*key, ('le', '+Inf')))} {total:g}")
                    lines.append(f"{name}_sum{_labels(key)} {counts[-1]:.6f}")
                    lines.append(f"{name}_count{_labels(key)} {total:g}")
        return "\n".join(lines) + "\n"


def _labels(key: Labels) -> str:
    if not key:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in key)
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
