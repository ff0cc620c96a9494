"""Drift: flight profiles, the compiled ensemble integrator and its forecast products."""

from stratowatch.drift.ensemble import Ensemble, MemberStatus
from stratowatch.drift.perturb import Perturbation, wind_error_msd_m2
from stratowatch.drift.profiles import FloatProfile, ManeuveringProfile, Profile, StandardProfile
from stratowatch.drift.run import backtrack, forecast

__all__ = [
    "Ensemble",
    "FloatProfile",
    "ManeuveringProfile",
    "MemberStatus",
    "Perturbation",
    "Profile",
    "StandardProfile",
    "backtrack",
    "forecast",
    "wind_error_msd_m2",
]
