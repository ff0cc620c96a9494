"""Detection benchmark (issue 3): classification on seeded, *simulated* scenarios.

1. A mixed scenario (floating and ascending balloons, aircraft from traffic's samples, birds,
   weather clutter; radar, ADS-B, telemetry, visual): confusion matrix of confirmed tracks and
   ROC/AUC of p_balloon, with the wind field and without.
2. The 2023 failure mode: the same scenario's radar with a low-speed velocity gate on and off.
   Balloons a conventional gated radar loses (a confirmed radar track without the gate, none
   with it), and how many of them stratowatch classifies as balloons from the ungated radar
   plots alone (no ADS-B, no telemetry).
3. False balloons among 10,000 radar-only aircraft tracks (no transponder: physics only) and
   among bird/clutter tracks.
4. Reliability of p_balloon on a held-out scenario.

Run: python bench/detect.py [--seed 301] [--aircraft 10000] [--gate-mps 25.7] [--quick]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from stratowatch.sensing.simulate import (
    AdsbReceiver,
    Radar,
    Scenario,
    Simulation,
    TelemetryReceiver,
    VisualObserver,
    simulate,
)
from stratowatch.tracking.classification import LABELS, classify
from stratowatch.tracking.classification.evaluate import (
    confirmed,
    confusion,
    reliability,
    roc_auc,
    roc_points,
)
from stratowatch.tracking.classification.fit import training_scenario, training_winds
from stratowatch.winds import WindField

LAT, LON = 45.0, -100.0


def sensors(gate_mps: float | None) -> list[Radar | AdsbReceiver | TelemetryReceiver |
                                         VisualObserver]:
    return [Radar("radar-1", LAT, LON, min_speed_mps=gate_mps),
            AdsbReceiver("adsb-1", LAT, LON, update_s=10.0), TelemetryReceiver(),
            VisualObserver("visual-1", LAT, LON)]


def mixed(seed: int, scale: float, gate_mps: float | None) -> Scenario:
    def k(n: int) -> int:
        return max(1, int(n * scale))

    return Scenario(floating=k(1000), ascending=k(1000), aircraft=k(2000), birds=k(4000),
                    clutter=k(2000), seed=seed, lat_deg=LAT, lon_deg=LON,
                    sensors=sensors(gate_mps))


def print_confusion(sim: Simulation, winds: WindField | None, title: str) -> None:
    began, cpu = time.perf_counter(), time.process_time()
    c = classify(sim.observations, winds)
    took, took_cpu = time.perf_counter() - began, time.process_time() - cpu
    keep = confirmed(c.features)
    truth = sim.truth.label_of(c.ref)
    m = confusion(truth[keep], c.label[keep])
    print(f"\n{title}: {int(keep.sum())} confirmed tracks of {len(c)} "
          f"({len(sim.observations):,} reports classified in {took:.2f} s wall, "
          f"{took_cpu:.2f} s CPU)")
    print("  truth \\ label " + "".join(f"{lab:>10s}" for lab in LABELS))
    for i, lab in enumerate(LABELS):
        print(f"  {lab:14s}" + "".join(f"{v:10d}" for v in m[i]))
    kinds = sim.truth.kind_of(c.ref)
    for kind in ("balloon_float", "balloon_ascent", "aircraft", "bird", "clutter"):
        sel = keep & (kinds == kind)
        hit = int((c.p_balloon[sel] >= 0.5).sum())
        what = "recall" if kind.startswith("balloon") else "false balloons"
        print(f"  {kind:15s} {int(sel.sum()):6d} tracks, p_balloon >= 0.5: {hit:6d} "
              f"({what} {hit / max(int(sel.sum()), 1):.2%})")
    positive = truth[keep] == "balloon"
    auc = roc_auc(c.p_balloon[keep], positive)
    print(f"  ROC AUC (balloon vs rest) {auc:.5f}; "
          + "; ".join(f"t={t:g}: TPR {tp:.4f} FPR {fp:.4f}"
                      for t, tp, fp in roc_points(c.p_balloon[keep], positive,
                                                  (0.1, 0.5, 0.9))))


def gate_study(seed: int, scale: float, gate_mps: float, winds: WindField) -> None:
    tracks = {}
    for gate in (None, gate_mps):
        sim = simulate(mixed(seed, scale, gate), winds)
        radar = sim.observations[sim.observations.kind == "radar"]
        c = classify(radar, winds)
        kinds = sim.truth.kind_of(c.ref)
        keep = confirmed(c.features) & np.char.startswith(kinds.astype(str), "balloon")
        tracks[gate] = (set(c.ref[keep].tolist()), c)
    open_refs, c_open = tracks[None]
    gated_refs, _ = tracks[gate_mps]
    lost = sorted(open_refs - gated_refs)
    p = dict(zip(c_open.ref.tolist(), c_open.p_balloon.tolist(), strict=True))
    found = sum(p[r] >= 0.5 for r in lost)
    print(f"\nvelocity gate at {gate_mps:g} m/s ground speed ({gate_mps / 0.514444:.0f} kt), "
          "radar plots only:")
    print(f"  balloons with a confirmed radar track, gate off: {len(open_refs)}; gate on: "
          f"{len(gated_refs)}; lost to the gate: {len(lost)}")
    print(f"  of those lost, stratowatch (ungated plots, with winds) classifies as balloon: "
          f"{found} ({found / max(len(lost), 1):.1%})")
    in_open = sum(p[r] >= 0.5 for r in open_refs)
    print(f"  all balloon radar tracks found by stratowatch: {in_open} of {len(open_refs)}")


def aircraft_study(seed: int, n: int, winds: WindField) -> None:
    mixes = {"radar-only (no transponder)": [Radar("radar-1", LAT, LON,
                                                   false_alarms_per_scan=0.0)],
             "radar + ADS-B (80% cooperative)": sensors(None)[:2]}
    for what, kit in mixes.items():
        sc = Scenario(floating=0, ascending=0, aircraft=n, birds=0, clutter=0, seed=seed,
                      lat_deg=LAT, lon_deg=LON, sensors=kit)
        began = time.perf_counter()
        sim = simulate(sc, winds)
        sim_s = time.perf_counter() - began
        for w, name in ((winds, "with winds"), (None, "without winds")):
            began, cpu = time.perf_counter(), time.process_time()
            c = classify(sim.observations, w)
            took, took_cpu = time.perf_counter() - began, time.process_time() - cpu
            keep = confirmed(c.features)
            bad = int((c.p_balloon[keep] >= 0.5).sum())
            print(f"  aircraft, {what}, {name}: {int(keep.sum())} confirmed tracks "
                  f"({len(sim.observations):,} reports; simulated in {sim_s:.1f} s, classified "
                  f"in {took:.2f} s wall, {took_cpu:.2f} s CPU): {bad} false balloons "
                  f"({1e4 * bad / max(int(keep.sum()), 1):.1f} per 10,000), max p_balloon "
                  f"{float(c.p_balloon[keep].max()):.4f}")


def clutter_study(seed: int, scale: float, winds: WindField) -> None:
    sc = Scenario(floating=0, ascending=0, aircraft=0, birds=int(20000 * scale),
                  clutter=int(10000 * scale), seed=seed, lat_deg=LAT, lon_deg=LON,
                  sensors=[Radar("radar-1", LAT, LON, false_alarms_per_scan=0.0)])
    sim = simulate(sc, winds)
    for w, name in ((winds, "with winds"), (None, "without winds")):
        c = classify(sim.observations, w)
        keep = confirmed(c.features)
        bad = int((c.p_balloon[keep] >= 0.5).sum())
        print(f"  birds and clutter {name}: {int(keep.sum())} confirmed tracks: {bad} false "
              f"balloons ({100.0 * bad / max(int(keep.sum()), 1):.2f} per 100)")


def calibration(seed: int, scale: float) -> None:
    winds = training_winds(seed)
    sim = simulate(training_scenario(seed, scale=scale), winds)
    for w, name in ((winds, "with winds"), (None, "without winds")):
        c = classify(sim.observations, w)
        outcome = sim.truth.label_of(c.ref) == "balloon"
        print(f"\nreliability of p_balloon, held-out scenario seed {seed}, {name} "
              f"({len(c)} tracks, all of them)")
        for equal in (False, True):
            print("  " + ("deciles of the predictions" if equal else "fixed-width bins"))
            for b in reliability(c.p_balloon, outcome, equal_count=equal):
                print(f"    [{b.low:.3f}, {b.high:.3f}] n={b.n:5d} mean p {b.mean_p:.4f} "
                      f"observed {b.observed:.4f} gap {b.gap:+.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=301)
    parser.add_argument("--aircraft", type=int, default=13000,
                        help="about 10,000 of them become confirmed tracks")
    parser.add_argument("--gate-mps", type=float, default=25.7, help="50 kt")
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    winds = training_winds(args.seed)
    print(f"simulated scenarios (seed {args.seed}) on {winds!r}")
    sim = simulate(mixed(args.seed, scale, None), winds)
    print_confusion(sim, winds, "mixed scenario, with winds")
    print_confusion(sim, None, "mixed scenario, without winds")
    gate_study(args.seed, scale, args.gate_mps, winds)
    print("\nfalse balloons")
    aircraft_study(args.seed + 1, int(args.aircraft * scale), winds)
    clutter_study(args.seed + 2, scale, winds)
    calibration(args.seed + 3, scale)


if __name__ == "__main__":
    main()
