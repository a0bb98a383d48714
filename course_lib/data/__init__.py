"""The USPS handwritten digits, shipped inside the package (see USPS.md beside this file).

7291 training and 2007 test images of 16x16 pixels: a 256-dim input and 10 classes,
the running example of the lecture (point 9).
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np

USPS_PATH = Path(__file__).with_name("usps.npz")
USPS_SHA256 = "73ed0c9b9928f9ff34b8f92b7f758702307b239dc120bc3d5cc19d3c7716b856"
# sha256 of each array's raw bytes: still valid if the npz is re-zipped (from USPS.md)
ARRAY_SHA256 = {
    "x_train": "2f7c143ae36230217969192bdf6cf789ab7d6b192094d8469106db85e5f32496",
    "y_train": "ee5027fd47b76715ac18ca27e72fa1332bde98e0b8ce593b503bb2bdb6c03da0",
    "x_test": "0d676bfeece8e58939a4cf88aa0de0b720c60556b6ab1d02e37e9c1ca07b758b",
    "y_test": "0b8b792b8ca1c5c704fd9d5bbd1b261623a359e6c8c65b23db428257beea7800",
}
ARRAY_SHAPES = {
    "x_train": (7291, 16, 16),
    "y_train": (7291,),
    "x_test": (2007, 16, 16),
    "y_test": (2007,),
}


class DataError(RuntimeError):
    """The data file is missing, corrupted or not the expected USPS file."""


Split = tuple[np.ndarray, np.ndarray]


def verify_usps(path: str | Path = USPS_PATH) -> dict[str, np.ndarray]:
    """Read the npz and check it against the published checksums; return its arrays.

    The whole file's sha256 is checked first; a file with another sha256 (for example
    re-zipped) is accepted only if every array's own sha256, shape and dtype match.
    Raises DataError saying what is wrong otherwise.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"USPS data file not found at {path}; reinstall the course package")
    raw = path.read_bytes()
    file_ok = hashlib.sha256(raw).hexdigest() == USPS_SHA256
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in ARRAY_SHA256 if name in npz.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        raise DataError(
            f"USPS data file {path} is corrupted: it is not a readable npz archive ({err}). "
            f"Expected sha256 {USPS_SHA256}; reinstall the course package."
        ) from None
    if file_ok:
        return arrays
    problems = []
    for name, digest in ARRAY_SHA256.items():
        if name not in arrays:
            problems.append(f"array {name!r} is missing")
        elif arrays[name].shape != ARRAY_SHAPES[name] or arrays[name].dtype != np.uint8:
            problems.append(
                f"{name} should be uint8 of shape {ARRAY_SHAPES[name]}, "
                f"got {arrays[name].dtype} of shape {arrays[name].shape}"
            )
        elif hashlib.sha256(np.ascontiguousarray(arrays[name]).tobytes()).hexdigest() != digest:
            problems.append(f"{name} has different contents (sha256 mismatch)")
    if problems:
        raise DataError(
            f"USPS data file {path} does not match its published checksum "
            f"(expected sha256 {USPS_SHA256}): " + "; ".join(problems)
        )
    return arrays


def load_usps(path: str | Path = USPS_PATH) -> tuple[Split, Split]:
    """``(X_train, y_train), (X_test, y_test)``, checked against the published checksums.

    X: (N, 256) float32 in [0, 1] (0 = background, 1 = full ink), one 16x16 image
    per row in row-major order; y: (N,) int64 digit labels 0..9.
    N is 7291 for training and 2007 for testing.
    """
    d = verify_usps(path)

    def split(x: np.ndarray, y: np.ndarray) -> Split:
        return x.reshape(len(x), 256).astype(np.float32) / np.float32(255), y.astype(np.int64)

    return split(d["x_train"], d["y_train"]), split(d["x_test"], d["y_test"])


SHIFTS = ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))  # none, up, down, left, right


def shift_images(X: np.ndarray, dr: int, dc: int) -> np.ndarray:
    """Shift every 16x16 image by ``dr`` rows and ``dc`` columns, filling with background.

    X: (N, 256) -> (N, 256).
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 256:
        raise ValueError(f"shift_images expected images of shape (N, 256), got {X.shape}")
    img = X.reshape(-1, 16, 16)
    out = np.zeros_like(img)
    rs, rd = (slice(0, 16 - dr), slice(dr, 16)) if dr >= 0 else (slice(-dr, 16), slice(0, 16 + dr))
    cs, cd = (slice(0, 16 - dc), slice(dc, 16)) if dc >= 0 else (slice(-dc, 16), slice(0, 16 + dc))
    out[:, rd, cd] = img[:, rs, cs]
    return out.reshape(-1, 256)


def augment_shifts(X: np.ndarray, y: np.ndarray) -> Split:
    """The data plus its four 1-pixel shifts (up, down, left, right): (5N, 256), (5N,)."""
    X_aug = np.concatenate([shift_images(X, dr, dc) for dr, dc in SHIFTS])
    return X_aug, np.tile(np.asarray(y), len(SHIFTS))
