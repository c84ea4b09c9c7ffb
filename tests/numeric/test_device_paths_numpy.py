"""The device code paths (``wishart_xp``, ``samples_xp``) run with NumPy posing as a device.

The torch/CuPy tests (``test_xp_engines.py``, ``test_xp_samples.py``) skip where neither is
installed, which left the device paths unrun on such machines (the samples device path failed
on every call after the ridge penalties came in, and nothing said so). A
:class:`numeric.xp.Backend` whose namespace is NumPy itself but whose name is not ``"numpy"``
takes every device branch with arithmetic that needs no extra library.
"""
import hashlib
import warnings

import numpy as np
import pytest

from numeric.design import build_design
from numeric.engines import run_engine
from numeric.seeding import as_seed_sequence, child, trial_generator
from numeric.xp import Backend
from tests.numeric.test_pinned_numbers import CASES as PINNED_CASES

FAKE = Backend("numpy-as-device", np, "cpu", "cpu")

# Scenarios of the pinned host runs, one per device branch: idle directions marginalised or
# not (wishart), a ridge fit and a non-Gaussian law (samples).
CASES = {name: PINNED_CASES[name] for name in
         ("wishart-idle", "wishart-small", "samples-ridge", "samples-rademacher")}

# Bytes of the device path's output with this backend, pinned (before issue 19's restructuring
# of numeric/engines) so that moving code between the host and device modules cannot change them.
PINNED = {
    'device-wishart-idle': '0cb396f9a75c88ac877c716a6900ece277cfe944316761b5b32bb4be50955199',
    'device-wishart-small': '8c195b90ee2d400889cbc42515cfd992c5ba5b3dca019865c8d373fb477cfac6',
    'device-samples-ridge': '56742421dde542c3d37f4d4e692982b0686ba6cf9df530c8ad07b404afc847b1',
    'device-samples-rademacher': 'b37e08f08ab87c7e0c5312d7e6f747ebb0b89891d4830ad7f642c1d27e1e555f',
}


def _run(name, backend):
    make, engine = CASES[name]
    sc = make()
    gens = [trial_generator(child(as_seed_sequence(5), i)) for i in range(5)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)     # singular Rademacher Grams
        return run_engine(engine, build_design(sc), gens, sc.n, sc.N, backend=backend)


def _digest(out) -> str:
    h = hashlib.sha256()
    for k in sorted(out):
        h.update(k.encode())
        h.update(np.ascontiguousarray(out[k], dtype="<f8").tobytes())
    return h.hexdigest()


@pytest.mark.parametrize("name", list(CASES))
def test_device_path_agrees_with_host(name):
    dev, host = _run(name, FAKE), _run(name, None)
    assert sorted(dev) == sorted(host)
    for k in host:
        np.testing.assert_allclose(dev[k], host[k], rtol=1e-9, atol=0, err_msg=k)


@pytest.mark.parametrize("name", list(CASES))
def test_device_path_bytes_pinned(name):
    assert _digest(_run(name, FAKE)) == PINNED["device-" + name]
