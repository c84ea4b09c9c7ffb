"""Array-API backends: NumPy by default; PyTorch's CPU build exercises the non-NumPy path."""
import numpy as np
import pytest

from numeric.xp import backend, matmul_flops, synchronize, to_numpy


def test_numpy_is_the_default():
    be = backend()
    assert be.name == "numpy" and be.label == "cpu" and not be.is_gpu
    assert backend("cpu") == be
    x = be.asarray([1, 2, 3])
    assert isinstance(x, np.ndarray) and x.dtype == np.float64
    assert to_numpy(x) is x


@pytest.mark.parametrize("bad", ["gpu", "cuda:x", "torch:tpu", "cupy:a", "", 3])
def test_bad_device_strings(bad):
    with pytest.raises(ValueError, match="device"):
        backend(bad)


def test_torch_cpu_backend():
    torch = pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    be = backend("torch:cpu")
    assert be.name == "torch" and be.device == torch.device("cpu") and not be.is_gpu
    a = be.asarray(np.arange(6.0).reshape(2, 3))
    assert isinstance(a, torch.Tensor) and a.dtype == torch.float64
    b = be.xp.matmul(a, be.xp.permute_dims(a, (1, 0)))
    A = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(to_numpy(b), A @ A.T)
    synchronize(be)                                     # a no-op off the GPU
    assert matmul_flops(be, size=64, repeats=2) > 0


def test_cuda_without_gpu_says_why():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    try:
        import cupy  # noqa: F401
        pytest.skip("CuPy installed")
    except ImportError:
        pass
    with pytest.raises(RuntimeError, match="no usable GPU library"):
        backend("cuda")
    with pytest.raises(RuntimeError, match="CUDA"):
        backend("torch:cuda")


def test_matmul_flops_arguments():
    be = backend()
    assert matmul_flops(be, size=32, repeats=1) > 0
    with pytest.raises(ValueError, match="size"):
        matmul_flops(be, size=0)
    with pytest.raises(ValueError, match="repeats"):
        matmul_flops(be, size=8, repeats=0)
