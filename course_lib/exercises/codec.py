"""A data-only message format between the grader and the learner's process.

Values are JSON with tagged objects for what JSON lacks: numeric numpy arrays
(``{"__array__": {"dtype", "shape", "data" (base64)}}``), tuples, and the named
inputs of :mod:`.inputs`. Decoding only ever builds numbers, strings, lists,
dicts and numeric arrays: reading a message can never run code (no pickle).
Anything else the learner returns is encoded as ``{"__other__": type name}`` (a numpy
array of another dtype as ``{"__other__": "numpy.ndarray", "dtype": its dtype}``).

The learner's process does not know the learner's language: what it sends is data, in
English where it is words (:data:`NESTED`, :data:`UNKNOWN`); :attr:`Other.description`
says it in the language of the process that shows it.
"""

from __future__ import annotations

import base64
import json
import math
import unicodedata
from typing import Any

import numpy as np

from ..i18n import N_, _
from .inputs import USPS, Fn

ALLOWED_KINDS = "biuf"  # bool, signed and unsigned int, float: nothing that holds objects
MAX_DEPTH = 20

# What an Other stands for where no type name will do (a type name always has a dot): sent
# in English, as data, by the learner's process; Other.description translates them.
NESTED = N_("a structure nested too deeply")
UNKNOWN = N_("an unknown object")
ARRAY = "numpy.ndarray"  # the type name sent with the dtype of an array it does not carry


class DecodeError(ValueError):
    """A message is not in the expected format."""


def encode(value: Any, depth: int = 0) -> Any:
    """A JSON-ready form of ``value``. Only exact, well-known types are kept as they are."""
    if depth > MAX_DEPTH:
        return {"__other__": NESTED}
    t = type(value)
    if value is None or t in (bool, int, str):
        return value
    if t is float:
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if t is list:
        return [encode(v, depth + 1) for v in value]
    if t is tuple:
        return {"__tuple__": [encode(v, depth + 1) for v in value]}
    if t is dict and all(type(k) is str for k in value):
        return {"__dict__": {k: encode(v, depth + 1) for k, v in value.items()}}
    if t is Fn:
        return {"__fn__": value.name, "params": encode(value.params, depth + 1)}
    if t is USPS:
        return {"__usps__": value.part}
    if t is np.ndarray or (isinstance(value, np.generic) and t.__module__ == "numpy"):
        arr = np.asarray(value)
        if arr.dtype.kind in ALLOWED_KINDS:
            arr = arr.copy(order="C")  # (np.ascontiguousarray would turn 0-d into 1-d)
            tag = "__array__" if t is np.ndarray else "__scalar__"
            return {
                tag: {
                    "dtype": arr.dtype.str,
                    "shape": list(arr.shape),
                    "data": base64.b64encode(arr.tobytes()).decode("ascii"),
                }
            }
        return {"__other__": ARRAY, "dtype": str(arr.dtype)}
    return {"__other__": _type_name(value)}


def _type_name(value: Any) -> str:
    try:
        return f"{type(value).__module__}.{type(value).__qualname__}"[:100]
    except Exception:  # a hostile type can break even this
        return UNKNOWN


def text(value: str, limit: int = 600) -> str:
    """Text that came from the learner's process (an error message, a type name, printed
    output), made safe to show anywhere: valid Unicode (lone surrogates replaced), on one
    line (control characters, newlines included, become spaces), at most ``limit`` long."""
    value = str(value).encode("utf-8", "replace").decode("utf-8")
    folded = "".join(
        " " if unicodedata.category(c)[0] in "CZ" and c != " " else c for c in value[: limit + 1]
    )
    return folded if len(folded) <= limit else folded[: limit - 1] + "…"


class Other:
    """Stands for a returned object the format does not carry (its type name only; the
    dtype too for a numpy array)."""

    def __init__(self, type_name: str, dtype: str | None = None) -> None:
        self.dtype = None if dtype is None else text(dtype, 100)
        if dtype is not None:  # in English, as data: description says it in the language
            type_name = f"numpy array of dtype {dtype}"
        self.type_name = text(type_name, 100)

    @property
    def description(self) -> str:
        """What the object was, for the learner, in the current language: its type name
        ("mymodule.Net"), or what stands for it where no type name will do."""
        if self.dtype is not None:
            # TRANSLATORS: what a function returned; {dtype} is a numpy dtype, e.g. object
            said = _("numpy array of dtype {dtype}").format(dtype=self.dtype)
            return text(said, 100)
        if self.type_name in (NESTED, UNKNOWN):
            return _(self.type_name)
        return self.type_name

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"


def decode(value: Any, depth: int = 0) -> Any:
    """The inverse of :func:`encode`, for already-parsed JSON; raises DecodeError."""
    if depth > MAX_DEPTH + 1:
        raise DecodeError("nested too deeply")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [decode(v, depth + 1) for v in value]
    if not isinstance(value, dict) or len(value) not in (1, 2):
        raise DecodeError(f"unexpected value of type {type(value).__name__}")
    if "__float__" in value:
        text = value["__float__"]
        if text not in ("nan", "inf", "-inf"):
            raise DecodeError(f"bad float {text!r}")
        return float(text)
    if "__tuple__" in value:
        return tuple(decode(v, depth + 1) for v in _list(value["__tuple__"]))
    if "__dict__" in value:
        items = value["__dict__"]
        if not isinstance(items, dict):
            raise DecodeError("bad dict")
        return {str(k): decode(v, depth + 1) for k, v in items.items()}
    if "__array__" in value or "__scalar__" in value:
        arr = _decode_array(value.get("__array__", value.get("__scalar__")))
        return arr if "__array__" in value else arr[()]
    if "__fn__" in value:
        return Fn(str(value["__fn__"]), decode(value.get("params", {}), depth + 1))
    if "__usps__" in value:
        return USPS(str(value["__usps__"]))
    if "__other__" in value:
        dtype = value.get("dtype")
        return Other(value["__other__"], None if dtype is None else str(dtype))
    raise DecodeError(f"unknown tag {sorted(value)}")


def _list(value: Any) -> list:
    if not isinstance(value, list):
        raise DecodeError("expected a list")
    return value


def _decode_array(spec: Any) -> np.ndarray:
    if not isinstance(spec, dict):
        raise DecodeError("bad array")
    try:
        dtype = np.dtype(str(spec["dtype"]))
        shape = tuple(int(s) for s in _list(spec["shape"]))
        data = base64.b64decode(str(spec["data"]), validate=True)
    except (KeyError, TypeError, ValueError) as err:
        raise DecodeError(f"bad array: {err}") from None
    if dtype.kind not in ALLOWED_KINDS or dtype.hasobject:
        raise DecodeError(f"arrays of dtype {dtype} are not accepted")
    if any(s < 0 for s in shape) or len(data) != dtype.itemsize * math.prod(shape):
        raise DecodeError("array data does not match its shape")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


def dumps(value: Any) -> str:
    """One line of JSON (no NaN literals: non-finite floats are tagged)."""
    return json.dumps(encode(value), allow_nan=False, separators=(",", ":"))


def loads(line: str | bytes) -> Any:
    """Parse and decode one line; raises DecodeError on anything unexpected."""
    try:
        parsed = json.loads(line, parse_constant=_no_constants)
    except (ValueError, RecursionError) as err:
        raise DecodeError(f"not valid JSON: {err}") from None
    return decode(parsed)


def _no_constants(name: str) -> Any:
    raise DecodeError(f"unexpected constant {name}")
