"""Data augmentation: new training digits made by gently deforming the old ones.

A 3 that is turned by 8 degrees, made 10% larger, moved by a pixel or written with a
slightly wobbly hand is still a 3. Showing the network such variants, a fresh random set
every epoch, teaches it what does *not* change the answer, which a plain MLP cannot know
(it has no idea that neighbouring pixels belong together).

Every deformation here is a *warp*: output pixel (i, j) takes the ink found at a source
position (r, c) in the original image, which is in general between pixels, so the ink there
is read by bilinear interpolation of the four nearest pixels. Outside the image is paper (0).

- :func:`warp`: read every image at given source positions (bilinear interpolation).
- :func:`affine_positions`: source positions for a rotation, a scaling and a shift.
- :func:`elastic_displacement`: a smooth random displacement field (elastic distortion).
- :func:`random_distortion`: all of it at random, one new deformation per image; this is
  what ``course-lib train`` applies to the training set at every epoch.

Images are rows of 256 numbers (16x16, row-major), as everywhere in ``course_lib``.
"""

from __future__ import annotations

import numpy as np

SIDE = 16  # a USPS image is SIDE x SIDE pixels
CENTRE = (SIDE - 1) / 2  # rotations and scalings turn about the middle of the image


def _check_images(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != SIDE * SIDE:
        raise ValueError(f"expected images of shape (N, {SIDE * SIDE}), got {X.shape}")
    return X


def warp(X: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Each output pixel (i, j) of image n reads image n at (rows[n, i, j], cols[n, i, j]).

    X: (N, 256); rows, cols: (N, 16, 16) source positions (in pixels, may lie between
    pixels or outside the image). Returns (N, 256) in X's dtype. Bilinear interpolation:
    the value at (r, c) mixes the four surrounding pixels, each weighted by how close it is.
    ``warp(X, i, j)`` with the pixel grid itself (:func:`identity_positions`) returns X.
    """
    X = _check_images(X)
    n = len(X)
    if rows.shape != (n, SIDE, SIDE) or cols.shape != (n, SIDE, SIDE):
        raise ValueError(
            f"expected rows and cols of shape ({n}, {SIDE}, {SIDE}), got {rows.shape}, {cols.shape}"
        )
    # A border of paper around the image (one pixel before it, two after), so a position
    # just outside reads 0. Positions further out are clipped into that border: paper too.
    P = SIDE + 3  # side of the padded image
    padded = np.zeros((n, P, P), dtype=X.dtype)
    padded[:, 1 : SIDE + 1, 1 : SIDE + 1] = X.reshape(n, SIDE, SIDE)
    r = np.clip(rows, -1.0, SIDE) + 1.0  # the same position in the padded image
    c = np.clip(cols, -1.0, SIDE) + 1.0
    r_floor, c_floor = np.floor(r), np.floor(c)
    fr, fc = (r - r_floor).astype(X.dtype), (c - c_floor).astype(X.dtype)  # in [0, 1): how far
    r0, c0 = r_floor.astype(np.intp), c_floor.astype(np.intp)
    # index of pixel (r0, c0) of image k in the flattened padded images
    base = np.arange(n).reshape(n, 1, 1) * P * P + r0 * P + c0
    flat = padded.reshape(-1)
    top = flat[base] * (1 - fc) + flat[base + 1] * fc  # row r0, between columns c0 and c0+1
    bottom = flat[base + P] * (1 - fc) + flat[base + P + 1] * fc  # row r0 + 1
    return (top * (1 - fr) + bottom * fr).reshape(n, SIDE * SIDE)


def identity_positions(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The pixel grid itself for n images: rows, cols of shape (n, 16, 16)."""
    grid = np.arange(SIDE, dtype=np.float32)
    rows, cols = np.meshgrid(grid, grid, indexing="ij")  # rows[i, j] = i, cols[i, j] = j
    return np.broadcast_to(rows, (n, SIDE, SIDE)).copy(), np.broadcast_to(
        cols, (n, SIDE, SIDE)
    ).copy()


def affine_positions(
    angle: np.ndarray, scale: np.ndarray, shift_rows: np.ndarray, shift_cols: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Source positions that rotate by ``angle`` (radians), scale by ``scale`` and shift.

    All four arguments: (N,), one value per image. Returns rows, cols: (N, 16, 16).
    An output pixel at offset p from the centre reads the original at R(-angle) p / scale,
    moved back by the shift: the digit appears turned by +angle (counter-clockwise on the
    screen), ``scale`` times larger, and ``shift_rows`` pixels lower, ``shift_cols`` to the right.
    """
    n = len(angle)
    rows, cols = identity_positions(n)  # float32, like the images: precise enough
    dr, dc = rows - CENTRE, cols - CENTRE  # offsets from the centre
    cos = (np.cos(angle) / scale).astype(np.float32).reshape(n, 1, 1)
    sin = (np.sin(angle) / scale).astype(np.float32).reshape(n, 1, 1)
    # rows grow downwards (y = -row), so turning (dr, dc) back by -angle on the screen is:
    shift_r = np.asarray(shift_rows, dtype=np.float32).reshape(n, 1, 1)
    shift_c = np.asarray(shift_cols, dtype=np.float32).reshape(n, 1, 1)
    src_r = cos * dr + sin * dc + (CENTRE - shift_r)
    src_c = -sin * dr + cos * dc + (CENTRE - shift_c)
    return src_r, src_c


def gaussian_smoother(sigma: float, size: int = SIDE) -> np.ndarray:
    """(size, size) matrix G whose rows are normalised Gaussians: ``G @ f`` blurs f along axis 0."""
    d = np.arange(size)[:, None] - np.arange(size)[None, :]
    g = np.exp(-0.5 * (d / sigma) ** 2)
    return g / g.sum(axis=1, keepdims=True)


def elastic_displacement(
    n: int, rng: np.random.Generator, alpha: float, sigma: float
) -> tuple[np.ndarray, np.ndarray]:
    """A smooth random displacement (in pixels) per image: two (n, 16, 16) arrays.

    Every pixel first gets an independent uniform displacement in [-1, 1]; blurring with a
    Gaussian of width ``sigma`` pixels makes neighbours move together (a wobble of the
    pen, not noise); ``alpha`` sets the size. The blur is ``G @ field @ G.T``.
    """
    G = gaussian_smoother(sigma).astype(np.float32)  # float32: precise enough, 4x faster
    field = rng.uniform(-1.0, 1.0, size=(2, n, SIDE, SIDE)).astype(np.float32)
    smooth = G @ field @ G.T  # blur along rows, then along columns, of every (16, 16) field
    # the blur shrinks the field; rescale so that alpha is the typical size in pixels
    smooth *= alpha / max(float(np.sqrt(np.mean(smooth**2))), 1e-12)
    return smooth[0], smooth[1]


def random_distortion(
    X: np.ndarray,
    rng: np.random.Generator | int | None = None,
    rotation: float = 12.0,
    scale: float = 0.10,
    shift: float = 1.5,
    elastic: float = 0.6,
    elastic_sigma: float = 3.0,
) -> np.ndarray:
    """A new random deformation of every image: (N, 256) -> (N, 256).

    Per image: a rotation uniform in +-``rotation`` degrees, a scaling by a factor uniform
    in [1 - ``scale``, 1 + ``scale``], a shift uniform in +-``shift`` pixels along each axis,
    and an elastic displacement of typical size ``elastic`` pixels (0 turns a part off).
    """
    X = _check_images(X)
    rng = np.random.default_rng(rng)
    n = len(X)
    angle = np.deg2rad(rng.uniform(-rotation, rotation, n))
    factor = rng.uniform(1 - scale, 1 + scale, n)
    shift_r, shift_c = rng.uniform(-shift, shift, (2, n))
    rows, cols = affine_positions(angle, factor, shift_r, shift_c)
    if elastic > 0:
        er, ec = elastic_displacement(n, rng, elastic, elastic_sigma)
        rows, cols = rows + er, cols + ec
    return warp(X, rows, cols)
