"""Inputs that are not plain arrays: named test functions and the USPS data.

A case's inputs must travel to the learner's process as data only, so a function
argument is sent as its *name* and parameters (:class:`Fn`) and the digits as a
reference to the bundled data set (:class:`USPS`). Both sides turn them back into
Python objects with :func:`resolve`; this module imports nothing but numpy (and the
messages' catalog, :mod:`course_lib.i18n`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..i18n import N_, _


def _bowl(A: np.ndarray, c: np.ndarray) -> Callable[[np.ndarray], float]:
    """f(theta) = 1/2 theta^T A theta - c^T theta: a quadratic bowl."""
    return lambda theta: float(0.5 * theta @ A @ theta - c @ theta)


def _wavy(k: np.ndarray) -> Callable[[np.ndarray], float]:
    """f(theta) = sum_i sin(k_i theta_i) + 1/4 ||theta||^4: curved in every direction."""
    return lambda theta: float(np.sum(np.sin(k * theta)) + 0.25 * np.sum(theta**2) ** 2)


FUNCTIONS: dict[str, Callable[..., Callable[[np.ndarray], float]]] = {
    "bowl": _bowl,
    "wavy": _wavy,
}


@dataclass(frozen=True)
class Fn:
    """A scalar test function of an array theta, known by name: ``Fn("bowl", A=..., c=...)``."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        return _("the {name} function").format(name=self.name)


@dataclass(frozen=True)
class USPS:
    """One array of the bundled USPS digits: part is x_train, y_train, x_test or y_test."""

    part: str

    def describe(self) -> str:
        return _(USPS_PARTS.get(self.part, USPS_DATA))


USPS_DATA = N_("the USPS data")
USPS_PARTS = {
    "x_train": N_("the USPS x train data"),
    "y_train": N_("the USPS y train data"),
    "x_test": N_("the USPS x test data"),
    "y_test": N_("the USPS y test data"),
}
_usps_cache: dict[str, np.ndarray] = {}


def with_data(value: Any) -> Any:
    """``value`` with its USPS references replaced by the arrays themselves (Fn references
    stay names): what the grader sends into a sandbox that holds no digits of its own."""
    if isinstance(value, USPS):
        return resolve(value)
    if isinstance(value, list | tuple):
        return type(value)(with_data(v) for v in value)
    if isinstance(value, dict):
        return {k: with_data(v) for k, v in value.items()}
    return value


def resolve(value: Any) -> Any:
    """Turn Fn and USPS references (also inside lists, tuples, dicts) into real objects."""
    if isinstance(value, Fn):
        params = {k: np.array(v) for k, v in value.params.items()}
        return FUNCTIONS[value.name](**params)
    if isinstance(value, USPS):
        if not _usps_cache:
            from ..data import load_usps

            (x_train, y_train), (x_test, y_test) = load_usps()
            _usps_cache.update(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
        return _usps_cache[value.part].copy()
    if isinstance(value, list | tuple):
        return type(value)(resolve(v) for v in value)
    if isinstance(value, dict):
        return {k: resolve(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.copy()  # every call gets its own copy: a function may change its inputs
    return value
