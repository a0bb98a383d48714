"""Augmentation: warps that are exact where they can be checked by hand, and stay digits."""

import numpy as np
import pytest

from course_lib.augment import (
    affine_positions,
    elastic_displacement,
    gaussian_smoother,
    identity_positions,
    random_distortion,
    warp,
)
from course_lib.data import load_usps, shift_images


@pytest.fixture(scope="module")
def digits():
    (X, y), _ = load_usps()
    return X[:200], y[:200]


def test_identity_warp_returns_the_images(digits):
    X, _ = digits
    rows, cols = identity_positions(len(X))
    np.testing.assert_array_equal(warp(X, rows, cols), X)


@pytest.mark.parametrize("dr, dc", [(1, 0), (-1, 0), (0, 2), (-2, -1)])
def test_integer_shift_equals_shift_images(digits, dr, dc):
    X, _ = digits
    n = len(X)
    rows, cols = affine_positions(np.zeros(n), np.ones(n), np.full(n, dr), np.full(n, dc))
    np.testing.assert_allclose(warp(X, rows, cols), shift_images(X, dr, dc), atol=1e-6)


def test_half_pixel_shift_is_the_mean_of_neighbours():
    X = np.zeros((1, 256), dtype=np.float64)
    X[0, 5 * 16 + 7] = 1.0  # one inked pixel at row 5, column 7
    rows, cols = affine_positions(np.zeros(1), np.ones(1), np.zeros(1), np.full(1, 0.5))
    out = warp(X, rows, cols).reshape(16, 16)
    assert out[5, 7] == pytest.approx(0.5) and out[5, 8] == pytest.approx(0.5)
    assert out.sum() == pytest.approx(1.0)


def test_quarter_turn_is_a_rotation_of_the_array():
    rng = np.random.default_rng(0)
    X = rng.random((3, 256))
    rows, cols = affine_positions(np.full(3, np.pi / 2), np.ones(3), np.zeros(3), np.zeros(3))
    turned = warp(X, rows, cols).reshape(3, 16, 16)
    # +90 degrees, counter-clockwise on the screen, is numpy's rot90 of each image
    np.testing.assert_allclose(turned, np.rot90(X.reshape(3, 16, 16), axes=(1, 2)), atol=1e-9)


def test_scaling_up_spreads_the_ink_away_from_the_centre():
    X = np.zeros((1, 256))
    X[0, 4 * 16 + 4 : 4 * 16 + 12] = 1.0  # a horizontal bar from column 4 to 11
    rows, cols = affine_positions(np.zeros(1), np.full(1, 1.5), np.zeros(1), np.zeros(1))
    out = warp(X, rows, cols).reshape(16, 16)
    inked = np.flatnonzero(out.max(axis=0) > 0.5)
    assert inked.min() < 4 and inked.max() > 11  # wider than before


def test_far_outside_reads_paper():
    X = np.ones((2, 256))
    rows, cols = identity_positions(2)
    np.testing.assert_array_equal(warp(X, rows + 40, cols), 0)


def test_gaussian_smoother_rows_sum_to_one():
    G = gaussian_smoother(2.0)
    np.testing.assert_allclose(G.sum(axis=1), 1.0)
    assert G[8, 8] > G[8, 9] > G[8, 12]


def test_elastic_displacement_is_smooth_and_sized():
    rng = np.random.default_rng(0)
    dr, dc = elastic_displacement(50, rng, alpha=0.8, sigma=3.0)
    assert dr.shape == dc.shape == (50, 16, 16)
    assert np.sqrt(np.mean(np.concatenate([dr, dc]) ** 2)) == pytest.approx(0.8)
    # neighbours move together: the step to the next pixel is far smaller than the field
    assert np.abs(np.diff(dr, axis=2)).mean() < 0.3 * np.abs(dr).mean()


def test_random_distortion_is_seeded_keeps_ink_and_changes_images(digits):
    X, _ = digits
    a = random_distortion(X, rng=3)
    np.testing.assert_array_equal(a, random_distortion(X, rng=3))
    assert a.shape == X.shape and a.dtype == X.dtype
    assert 0 <= a.min() and a.max() <= 1
    assert not np.allclose(a, X)
    # the amount of ink changes with the scaling (area ~ factor^2), by no more on average
    ratio = a.sum(axis=1) / X.sum(axis=1)
    assert 0.5 < ratio.min() and ratio.max() < 1.5
    assert abs(ratio.mean() - 1) < 0.1  # some ink is pushed out past the edges


def test_no_distortion_at_all_is_the_identity(digits):
    X, _ = digits
    same = random_distortion(X, rng=0, rotation=0, scale=0, shift=0, elastic=0)
    np.testing.assert_allclose(same, X, atol=1e-6)


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r"images of shape \(N, 256\), got \(3, 10\)"):
        random_distortion(np.zeros((3, 10)))
    with pytest.raises(ValueError, match=r"rows and cols of shape \(2, 16, 16\)"):
        warp(np.zeros((2, 256)), np.zeros((1, 16, 16)), np.zeros((1, 16, 16)))
