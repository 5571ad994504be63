from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# `HYPOTHESIS_PROFILE=deep pytest tests/unit` runs the property tests far longer than CI does.
settings.register_profile("ci", max_examples=300, deadline=None)
settings.register_profile(
    "deep",
    max_examples=5_000,
    deadline=None,
    stateful_step_count=100,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
