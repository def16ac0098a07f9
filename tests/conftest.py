"""Shared test settings: Hypothesis profiles.

``ci`` (the default) keeps the whole suite fast on a small machine; ``thorough`` is
for a long local run: ``HYPOTHESIS_PROFILE=thorough python -m pytest tests``.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The suite's expected texts are English unless a test asks for a language: the
# language would otherwise follow the machine's locale (LANG=zh_CN.UTF-8 → Chinese).
os.environ["ZJJ_MEDICAL_LANG"] = "en"
