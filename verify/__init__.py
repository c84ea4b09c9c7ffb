"""w2s-verifier's checking layer: claims about the theory set against simulation.

Public API: :class:`Claim` (expectation claims), :class:`SymbolicClaim` (SymPy proofs with
spot checks), :class:`CustomClaim` (base class / protocol for other checks),
:class:`Observation`, :class:`Context`, :func:`run_claims`, :func:`registry`. See
``notes/verify.md`` for the protocol.

The names are imported lazily, so that ``python -m verify`` can configure the process (BLAS
threads) before NumPy is first imported.
"""
import importlib

_EXPORTS = {
    "Claim": "verify.claims", "CustomClaim": "verify.claims", "Observation": "verify.claims",
    "SymbolicClaim": "verify.claims", "load_claims_file": "verify.claims", "registry": "verify.claimsets",
    "select": "verify.claims", "Context": "verify.context", "ClaimResult": "verify.runner",
    "RunResult": "verify.runner", "run_claims": "verify.runner",
}

__all__ = list(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'verify' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
