"""The bundled USPS data: shapes, ranges, checksum verification, augmentation."""

import shutil

import numpy as np
import pytest

from course_lib.data import USPS_PATH, DataError, augment_shifts, load_usps, shift_images


def test_shapes_dtypes_and_ranges():
    (X, y), (X_test, y_test) = load_usps()
    assert X.shape == (7291, 256) and X_test.shape == (2007, 256)
    assert X.dtype == np.float32 and X.min() == 0.0 and X.max() == 1.0
    assert y.shape == (7291,) and np.issubdtype(y.dtype, np.integer)
    # label counts published in USPS.md
    assert np.bincount(y).tolist() == [1194, 1005, 731, 658, 652, 556, 664, 645, 542, 644]
    assert np.bincount(y_test).tolist() == [359, 264, 198, 166, 200, 160, 170, 147, 166, 177]


def test_provenance_ships_with_the_data():
    text = USPS_PATH.with_name("USPS.md").read_text()
    assert "Hull" in text and "sha256" in text


def test_corrupted_file_is_reported_as_such(tmp_path):
    bad = tmp_path / "usps.npz"
    data = bytearray(USPS_PATH.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(DataError, match="corrupted|does not match"):
        load_usps(bad)


def test_not_a_zip_file_is_reported(tmp_path):
    bad = tmp_path / "usps.npz"
    bad.write_text("not data")
    with pytest.raises(DataError, match="corrupted: it is not a readable npz archive"):
        load_usps(bad)


def test_modified_contents_are_reported(tmp_path):
    (X, y), (X_test, y_test) = load_usps()
    raw = np.load(USPS_PATH)
    arrays = {k: raw[k] for k in raw.files}
    arrays["y_test"] = arrays["y_test"].copy()
    arrays["y_test"][0] = (arrays["y_test"][0] + 1) % 10
    path = tmp_path / "usps.npz"
    np.savez(path, **arrays)
    with pytest.raises(DataError, match="y_test has different contents"):
        load_usps(path)


def test_rezipped_but_identical_contents_are_accepted(tmp_path):
    raw = np.load(USPS_PATH)
    path = tmp_path / "usps.npz"
    np.savez(path, **{k: raw[k] for k in raw.files})  # uncompressed: another sha256
    (X, _), _ = load_usps(path)
    assert X.shape == (7291, 256)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_usps(tmp_path / "nothing.npz")
    shutil.rmtree(tmp_path)


def test_shifts_move_ink_by_one_pixel():
    img = np.zeros((1, 16, 16), dtype=np.float32)
    img[0, 5, 7] = 1.0
    X = img.reshape(1, 256)
    assert shift_images(X, 1, 0).reshape(16, 16)[6, 7] == 1.0
    assert shift_images(X, 0, -1).reshape(16, 16)[5, 6] == 1.0
    edge = np.zeros((1, 16, 16), dtype=np.float32)
    edge[0, 15, 0] = 1.0
    assert shift_images(edge.reshape(1, 256), 1, 0).sum() == 0.0  # pushed out, background fills
    X_aug, y_aug = augment_shifts(np.vstack([X, X]), np.array([3, 4]))
    assert X_aug.shape == (10, 256) and y_aug.tolist() == [3, 4] * 5
    with pytest.raises(ValueError, match=r"shape \(N, 256\), got \(2, 3\)"):
        shift_images(np.zeros((2, 3)), 1, 0)
