"""BLAS thread limits for the engines (:func:`blas_limit`)."""
from __future__ import annotations

import contextlib
import contextvars

try:                                   # a runtime dependency; without it the limit is a no-op
    from threadpoolctl import ThreadpoolController
except ImportError:                    # pragma: no cover
    ThreadpoolController = None

__all__ = ["blas_limit"]

_CONTROLLER = None
_BLAS_ACTIVE = contextvars.ContextVar("numeric_blas_limit", default=None)


def blas_limit(threads):
    """Context limiting BLAS threads (``threadpoolctl``); a no-op for ``None`` or if missing.

    The engines make many small (d <= a few hundred) BLAS calls; on a shared machine a
    multi-threaded BLAS spins and can be an order of magnitude slower than one thread.
    Inside a limit to the same count that this function set (e.g. the ambient
    :func:`numeric.executors.using` of a serial run) it costs nothing: setting the limit
    takes ~0.1 ms, more than a small seed block's arithmetic.
    """
    global _CONTROLLER
    if threads is None or _BLAS_ACTIVE.get() == threads:
        return contextlib.nullcontext()
    if _CONTROLLER is None:
        if ThreadpoolController is None:
            return contextlib.nullcontext()
        _CONTROLLER = ThreadpoolController()      # library discovery is slow: do it once
    return _limited(threads)


@contextlib.contextmanager
def _limited(threads):
    with _CONTROLLER.limit(limits=threads, user_api="blas"):
        token = _BLAS_ACTIVE.set(threads)
        try:
            yield
        finally:
            _BLAS_ACTIVE.reset(token)
