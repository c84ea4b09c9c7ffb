"""Fixtures of the verify tests: small, fast run contexts."""
import pytest

from verify.context import Context


@pytest.fixture
def ctx_small():
    return Context(seed=1, examples=2, trials=512, trials_budget=2048, resolution=0.2)
