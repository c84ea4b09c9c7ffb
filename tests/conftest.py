"""Shared pytest configuration: Hypothesis profiles, the matplotlib backend, shared fixtures."""
import builtins
import os

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("thorough", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def without_dask(monkeypatch):
    """Imports of ``dask`` and ``distributed`` fail, as without the ``distributed`` extra."""
    real = builtins.__import__

    def blocked(name, *args, **kwargs):
        if name.startswith("dask") or name.startswith("distributed"):
            raise ImportError(name)
        return real(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", blocked)
