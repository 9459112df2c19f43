"""The .fvecs/.ivecs format shared by the ANN reference scripts: each row is int32 dim, then dim values."""
import sys

import numpy as np


def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    if raw.size == 0:
        sys.exit(f"{path}: empty")
    dim = int(raw[0])
    if dim < 1 or raw.size % (dim + 1) != 0:
        sys.exit(f"{path}: not a whole number of {dim}-dimensional rows")
    rows = raw.reshape(-1, dim + 1)
    if not (rows[:, 0] == dim).all():
        sys.exit(f"{path}: rows of different dimensions")
    return np.ascontiguousarray(rows[:, 1:]).view(dtype)


def write_vecs(path, array):
    """Writes in blocks of 100,000 rows so a 1M x 384 set needs no second full-size copy in memory."""
    array = np.ascontiguousarray(array)
    n, dim = array.shape
    with open(path, "wb") as f:
        for start in range(0, n, 100_000):
            block = array[start:start + 100_000]
            out = np.empty((len(block), dim + 1), dtype=np.int32)
            out[:, 0] = dim
            out[:, 1:] = block.view(np.int32)
            out.tofile(f)
