"""numpy's BLAS held to one thread (`blas.py`), where spaCy's layers then multiply with it."""

import numpy as np
import pytest

from chronicle import blas


def test_numpy_blas_is_held_to_one_thread_and_still_multiplies():
    before = blas.threads()
    if before is None:
        pytest.skip("numpy's BLAS here is not an OpenBLAS found in /proc/self/maps")
    assert blas.one_thread() is True
    assert blas.threads() == 1
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((300, 288)), rng.standard_normal((288, 96))
    # the product numpy gives on one thread is the product (checked against a plain sum)
    assert np.allclose(a @ b, np.einsum("ij,jk->ik", a, b))
