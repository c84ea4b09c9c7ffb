"""w2s-verifier's checking layer: claims about the theory set against simulation.

Public API: :class:`Claim` (expectation claims), :class:`SymbolicClaim` (SymPy proofs with
spot checks), :class:`CustomClaim` (base class / protocol for other checks),
:class:`Observation`, :class:`Context`, :func:`run_claims`, :func:`registry`. See
``notes/verify.md`` for the protocol.
"""
from verify.claims import (
    Claim,
    CustomClaim,
    Observation,
    SymbolicClaim,
    load_claims_file,
    registry,
    select,
)
from verify.context import Context
from verify.runner import ClaimResult, RunResult, run_claims

__all__ = [
    "Claim", "CustomClaim", "Observation", "SymbolicClaim", "Context", "ClaimResult", "RunResult",
    "load_claims_file", "registry", "run_claims", "select",
]
