"""Issue 10: the wire format between the grader and a learner's process round-trips every
value it carries, and rejects anything else with DecodeError (never another exception)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from course_lib.exercises import codec
from course_lib.exercises.inputs import USPS, Fn

DTYPES = st.sampled_from(
    ["bool", "int8", "int32", "int64", "uint8", "uint64", "float32", "float64"]
)
ARRAYS = DTYPES.flatmap(
    lambda d: hnp.arrays(d, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
VALUES = st.recursive(
    SCALARS | ARRAYS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=4).map(tuple)
        | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


def same(a, b) -> bool:
    """Equal values of equal types (NaN equals NaN, arrays compared by dtype, shape, bytes)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_every_carried_value_round_trips(value):
    line = codec.dumps(value)
    assert "\n" not in line  # one message, one line
    json.loads(line, parse_constant=lambda name: pytest.fail(f"bare {name} in {line}"))
    assert same(codec.loads(line), value)


@settings(max_examples=100, deadline=None)
@given(ARRAYS)
def test_numpy_scalars_come_back_as_numpy_scalars(arr):
    scalar = arr.reshape(-1)[0] if arr.size else arr.dtype.type(0)
    back = codec.loads(codec.dumps(scalar))
    assert type(back) is type(scalar) and same(np.asarray(back), np.asarray(scalar))


def test_named_inputs_round_trip():
    for value in (Fn("bowl", {"A": np.eye(2), "c": np.zeros(2)}), USPS("x_train")):
        back = codec.loads(codec.dumps(value))
        assert type(back) is type(value) and back.describe() == value.describe()


def test_objects_it_does_not_carry_become_their_type_name():
    class Liar:
        def __eq__(self, other):
            return True

    back = codec.loads(codec.dumps([Liar(), np.array([object()]), {1: 2}]))
    assert [type(v) for v in back] == [codec.Other] * 3
    assert "Liar" in back[0].type_name and "object" in back[1].type_name


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_json_decodes_or_is_rejected_with_decode_error(data):
    try:
        codec.loads(json.dumps(data))
    except codec.DecodeError:
        pass


@pytest.mark.parametrize(
    "line",
    [
        b"not json",
        b'{"__array__": {"dtype": "O", "shape": [1], "data": "AA=="}}',
        b'{"__array__": {"dtype": "<f8", "shape": [3], "data": "AAAAAAAAAAA="}}',
        b'{"__array__": {"dtype": "<f8", "shape": [-1], "data": ""}}',
        b'{"__float__": "1e400"}',
        b'{"__pickle__": "gASV"}',
        b"NaN",
        b'{"a": 1, "b": 2, "c": 3}',
        b"[" * 100 + b"]" * 100,
        "\ud800".encode("utf-8", "surrogatepass"),
    ],
)
def test_hostile_lines_are_rejected(line):
    with pytest.raises(codec.DecodeError):
        codec.loads(line)
