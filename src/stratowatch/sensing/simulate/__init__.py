"""stratowatch.sensing.simulate: seeded, deterministic *simulated* scenarios.

Balloons (floating and ascending, moved by the drift engine), aircraft (real trajectories from
traffic's samples, moved in time and place), birds and weather clutter, seen by simulated radar
(with an optional low-speed velocity gate), ADS-B, balloon telemetry and visual observers. The
Observations carry ``ref`` = the truth object's id; :class:`Truth` says what each object is.
None of this is real sensor data.
"""

from stratowatch.sensing.simulate.aircraft import (
    SampleFlight,
    sample_flights,
    split_flights,
    synthetic_aircraft,
    traffic_samples_dir,
)
from stratowatch.sensing.simulate.balloons import BalloonMix, simulate_balloons
from stratowatch.sensing.simulate.lowlevel import simulate_birds, simulate_clutter
from stratowatch.sensing.simulate.scenario import (
    Scenario,
    Simulation,
    default_sensors,
    simulate,
)
from stratowatch.sensing.simulate.sensors import (
    AdsbReceiver,
    Radar,
    Sensor,
    TelemetryReceiver,
    VisualObserver,
)
from stratowatch.sensing.simulate.trajectories import Trajectories
from stratowatch.sensing.simulate.truth import FALSE_ALARM_PREFIX, KINDS, LABEL_OF_KIND, Truth

__all__ = [
    "FALSE_ALARM_PREFIX",
    "KINDS",
    "LABEL_OF_KIND",
    "AdsbReceiver",
    "BalloonMix",
    "Radar",
    "SampleFlight",
    "Scenario",
    "Sensor",
    "Simulation",
    "TelemetryReceiver",
    "Trajectories",
    "Truth",
    "VisualObserver",
    "default_sensors",
    "sample_flights",
    "simulate",
    "simulate_balloons",
    "simulate_birds",
    "simulate_clutter",
    "split_flights",
    "synthetic_aircraft",
    "traffic_samples_dir",
]
