"""Same seeds, same numbers: per-trial results pinned bit for bit across refactors.

The digests below were computed at commit eca6b66 (before issue 19's restructuring of
``numeric``) by this very file's :func:`_digest`. They pin the exact float64 bytes of every
per-trial quantity for a sample of scenarios covering both engines and their paths (wishart
block streams and trial streams, interpolating fits, idle weak directions, ridge; samples with
Gaussian and Rademacher features; the task path and :func:`numeric.simulate_blocks`).

They depend on the NumPy/BLAS build as well as on the code: if this test fails after a NumPy or
BLAS upgrade with no change to ``numeric``, recompute the digests (``python -m
tests.numeric.test_pinned_numbers``) and say so in the commit; if it fails after a code change,
that change altered the numbers.
"""
import hashlib
import warnings

import numpy as np
import pytest

from numeric import Scenario, simulate, simulate_blocks
from numeric.executors import SerialExecutor
from numeric.result import PER_TRIAL_KEYS
from numeric.seeding import as_seed_sequence

SEED = 20261129
TRIALS = 37                    # two full seed blocks and a partial one

CASES = {
    "wishart-small": (lambda: Scenario(4, 6, 20, 12, 0.5, d_sw=2.5, theta=np.full(11, 0.2)),
                      "wishart"),
    "wishart-interp": (lambda: Scenario(4, 6, 5, 3, 0.5, d_sw=2.5, theta=np.full(11, 0.2)),
                       "wishart"),
    "wishart-idle": (lambda: Scenario(12, 30, 50, 70, 1.0, d_sw=4.0), "wishart"),
    "wishart-trial-streams": (lambda: Scenario(30, 60, 100, 40, 1.0, d_sw=6.0), "wishart"),
    "wishart-ridge": (lambda: Scenario(5, 8, 12, 20, 0.7, d_sw=3.0, lambda_w=0.3, lambda_s=0.1),
                      "wishart"),
    "samples-gauss": (lambda: Scenario(4, 6, 20, 12, 0.5, d_sw=2.5, theta=np.full(11, 0.2)),
                      "samples"),
    "samples-rademacher": (lambda: Scenario(4, 6, 20, 12, 0.5, d_sw=2.5, features="rademacher"),
                           "samples"),
    "samples-ridge": (lambda: Scenario(5, 8, 30, 20, 0.7, d_sw=3.0, lambda_w=0.3, lambda_s=0.1),
                      "samples"),
}

PINNED = {
    'wishart-small': 'ea53edd1368f7c77331eb6a8bb974cf60d65ef728c6d430e527c53c6a359b98c',
    'wishart-interp': '2e93476d931b58792c2fe9e446f0bcc41e566e48b466376b6272c72a4640f120',
    'wishart-idle': '6d2eeae7bba8fd14782ebf7c4d8da0679802b06f7040a12c82dc5e5015a66d4c',
    'wishart-trial-streams': 'bbfdbf8e20593c9c34d4671b41bbd5f09248d067784f66ea174c45ae3c15a48a',
    'wishart-ridge': '27e5900c2ebaea0f074ea4b8a3ff456024d45bb3f5c9f9932d7687740f87c277',
    'samples-gauss': '246b7decb2a113a6fb880996ff289493cf40b10833d518ad088574c2a106bd7c',
    'samples-rademacher': '558ee81ff11434eeadafac3627eb30a81f81ecfa9f9d8176fbba0c271de5001c',
    'samples-ridge': 'ce4cae84218808c612477e6cef2e4872194d531ce0a73634db9561ff0b40cebf',
    'tasks': 'ea53edd1368f7c77331eb6a8bb974cf60d65ef728c6d430e527c53c6a359b98c',
    'blocks': '5607cc216e60a080403ee7b03073109a4397f6aafc8550efa9ad4351b6e88a9f',
}


def _digest(per_trial) -> str:
    h = hashlib.sha256()
    for k in PER_TRIAL_KEYS:
        h.update(k.encode())
        h.update(np.ascontiguousarray(per_trial[k], dtype="<f8").tobytes())
    return h.hexdigest()


def _compute(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)     # singular Rademacher Grams
        if name == "tasks":
            make, eng = CASES["wishart-small"]
            return _digest(simulate(make(), TRIALS, seed=SEED, engine=eng,
                                    executor=SerialExecutor()).per_trial)
        if name == "blocks":
            outs = simulate_blocks(CASES["wishart-idle"][0](), as_seed_sequence(7), [0, 3])
            return _digest({k: np.concatenate([o[k] for o in outs]) for k in PER_TRIAL_KEYS})
        make, eng = CASES[name]
        return _digest(simulate(make(), TRIALS, seed=SEED, engine=eng).per_trial)


@pytest.mark.parametrize("name", [*CASES, "tasks", "blocks"])
def test_same_seed_same_bytes(name):
    assert _compute(name) == PINNED[name]


if __name__ == "__main__":
    for name in [*CASES, "tasks", "blocks"]:
        print(f"    {name!r}: {_compute(name)!r},")
