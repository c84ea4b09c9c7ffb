"""Array-API namespaces by device: NumPy on the CPU (default), CuPy or PyTorch on a GPU.

Everything goes through ``array_api_compat`` so that code written against the array API
standard runs unchanged on each library. Device strings:

* ``None`` or ``"cpu"`` -- NumPy (no optional dependency needed);
* ``"cuda"`` / ``"cuda:K"`` -- CuPy if it is installed and sees a GPU, else PyTorch with CUDA;
* ``"torch"`` / ``"torch:cpu"`` / ``"torch:cuda[:K]"`` -- PyTorch explicitly (``"torch:cpu"``
  runs the array-API code path on the CPU, which is how the tests exercise it without a GPU);
* ``"cupy"`` / ``"cupy:K"`` -- CuPy explicitly.

CuPy, PyTorch and ``array_api_compat`` are optional and imported only when asked for.
"""
from __future__ import annotations

import importlib
import time
from dataclasses import dataclass

import numpy as np

from numeric.validation import check_scalar

__all__ = ["Backend", "backend", "to_numpy", "synchronize", "matmul_flops"]


@dataclass(frozen=True)
class Backend:
    """An array library on one device.

    Attributes
    ----------
    name : {"numpy", "cupy", "torch"}
    xp : module
        The array-API compatible namespace (``array_api_compat.<name>``, or NumPy itself when
        ``array_api_compat`` is not installed and the backend is NumPy).
    device : object
        What the library calls the device (``"cpu"``, a ``torch.device``, a CuPy device).
    label : str
        The device string it was made from, normalised (``"cpu"``, ``"cuda:0"``, ...).
    """

    name: str
    xp: object
    device: object
    label: str

    def asarray(self, x, dtype=None):
        """``x`` as an array of this backend, on its device (float64 unless ``dtype``)."""
        xp = self.xp
        dtype = xp.float64 if dtype is None else dtype
        if self.name == "numpy":
            return np.asarray(x, dtype=dtype)
        return xp.asarray(x, dtype=dtype, device=self.device)

    @property
    def is_gpu(self) -> bool:
        return self.label.startswith("cuda")


def _compat(name):
    try:
        return importlib.import_module(f"array_api_compat.{name}")
    except ImportError:
        if name == "numpy":
            return np
        raise ImportError("GPU backends need array-api-compat: pip install array-api-compat") \
            from None


def _torch(index: str | None, want_cuda: bool) -> Backend:
    try:
        import torch          # optional dependency: imported only when a device asks for it
    except ImportError:
        raise ImportError("device needs PyTorch: pip install torch (a CUDA build for a GPU)") \
            from None
    if want_cuda:
        if not torch.cuda.is_available():
            raise RuntimeError("PyTorch sees no CUDA device (torch.cuda.is_available() is False)")
        label = f"cuda:{index or 0}"
        return Backend("torch", _compat("torch"), torch.device(label), label)
    return Backend("torch", _compat("torch"), torch.device("cpu"), "cpu")


def _cupy(index: str | None) -> Backend:
    try:
        import cupy           # optional dependency: imported only when a device asks for it
    except ImportError:
        raise ImportError("device needs CuPy: pip install cupy-cuda12x (or the build for your CUDA)") \
            from None
    if cupy.cuda.runtime.getDeviceCount() < 1:
        raise RuntimeError("CuPy sees no CUDA device")
    k = int(index or 0)
    return Backend("cupy", _compat("cupy"), cupy.cuda.Device(k), f"cuda:{k}")


def backend(device: str | None = None) -> Backend:
    """The :class:`Backend` for a device string (see the module docstring).

    Raises
    ------
    ValueError
        For a malformed device string.
    ImportError, RuntimeError
        When the library asked for is missing or sees no GPU (the message says what to install).
    """
    if device is None or device == "cpu" or device == "numpy":
        return Backend("numpy", _compat("numpy"), "cpu", "cpu")
    if not isinstance(device, str):
        raise ValueError(f"device must be None or a string like 'cpu', 'cuda', 'cuda:0', "
                         f"'torch:cpu', got {device!r}")
    lib, _, rest = device.partition(":")
    if lib == "cuda":
        if rest and not rest.isdigit():
            raise ValueError(f"device must be 'cuda' or 'cuda:K' with K >= 0, got {device!r}")
        try:
            return _cupy(rest or None)
        except (ImportError, RuntimeError) as exc:
            try:
                return _torch(rest or None, want_cuda=True)
            except (ImportError, RuntimeError) as exc2:
                raise RuntimeError(f"device {device!r}: no usable GPU library ({exc}; {exc2})") \
                    from None
    if lib == "torch":
        if rest in ("", "cpu"):
            return _torch(None, want_cuda=False)
        kind, _, idx = rest.partition(":")
        if kind == "cuda" and (idx == "" or idx.isdigit()):
            return _torch(idx or None, want_cuda=True)
        raise ValueError(f"device must be 'torch', 'torch:cpu' or 'torch:cuda[:K]', got {device!r}")
    if lib == "cupy":
        if rest and not rest.isdigit():
            raise ValueError(f"device must be 'cupy' or 'cupy:K' with K >= 0, got {device!r}")
        return _cupy(rest or None)
    raise ValueError(f"device must be 'cpu', 'cuda[:K]', 'torch[:cpu|:cuda[:K]]' or "
                     f"'cupy[:K]', got {device!r}")


def to_numpy(x) -> np.ndarray:
    """A NumPy copy (or view, for NumPy input) of an array of any backend, on the host."""
    if isinstance(x, np.ndarray):
        return x
    mod = type(x).__module__
    if mod.startswith("torch"):
        return x.detach().cpu().numpy()
    if mod.startswith("cupy"):
        return x.get()
    return np.asarray(x)


def synchronize(be: Backend) -> None:
    """Wait for queued device work (GPU kernels are asynchronous); a no-op on the CPU."""
    if not be.is_gpu:
        return
    # Optional dependencies: only a backend made by that library gets here.
    if be.name == "torch":
        import torch
        torch.cuda.synchronize(be.device)
    elif be.name == "cupy":
        import cupy
        cupy.cuda.Device(be.device.id).synchronize()


def matmul_flops(be: Backend, size: int = 4096, repeats: int = 5, dtype=None) -> float:
    r"""Measured matrix-multiply rate (FLOP/s) of ``size x size`` float64 products.

    Best of ``repeats`` timed products after one warm-up; a product costs :math:`2 s^3` FLOPs.
    This is the device's *measured* FP64 GEMM peak used to express an engine's speed as a
    fraction of what the hardware can do.
    """
    size = check_scalar(size, "size", int, min_val=1)
    repeats = check_scalar(repeats, "repeats", int, min_val=1)
    rng = np.random.default_rng(0)
    a = be.asarray(rng.standard_normal((size, size)), dtype)
    b = be.asarray(rng.standard_normal((size, size)), dtype)
    xp = be.xp
    c = xp.matmul(a, b)
    synchronize(be)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        c = xp.matmul(a, b)
        synchronize(be)
        best = min(best, time.perf_counter() - t)
    del c
    return 2.0 * size ** 3 / best
