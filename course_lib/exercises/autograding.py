"""Whether a check cell runs under an autograder, where a failing check must raise.

In a learner's own notebook a check only prints its verdict and never raises, so "Run
all" reaches the end. An autograder that scores a cell by whether it raised (nbgrader:
a grade cell with an error output, or with anything written to stderr, gets 0 points)
would then give full points to an untouched notebook. So a check asks :func:`strict`
after printing its verdict, and raises :class:`CheckFailed` when the function did not
pass and the answer is True.

How the autograder is recognised:

- nbgrader (0.9.x) sets ``NBGRADER_EXECUTION`` in its own process around the execution of
  a notebook, and the kernel it starts inherits it: ``"autograde"`` in ``nbgrader
  autograde`` (``nbgrader/converters/autograde.py``, ``Autograde.convert_single_notebook``)
  and ``"validate"`` in ``nbgrader validate`` and the Validate button
  (``nbgrader/validator.py``, ``Validator._preprocess``, which also sets
  ``NBGRADER_VALIDATING=1``). nbgrader's FAQ documents the variable ("Can I modify the
  notebook behavior during autograding or validation?"). ``nbgrader generate_assignment``
  executes nothing, and ``nbgrader generate_solution`` sets no variable.
- ``COURSE_LIB_STRICT_CHECKS=1`` (or ``true``, ``yes``, ``on``) makes checks raise under
  any other autograder. It only turns strictness on: any other value (``0`` included)
  leaves it to nbgrader, so that a learner's answer cell cannot make nbgrader's checks
  advisory by setting it (a learner's code runs in the same kernel as the checks, so it
  can still defeat them in other ways: only ``course-lib grade`` is tamper-proof).

``course-lib grade`` and ``course-lib check`` do not need this: they replace the check
cells with their own checks, in another process.
"""

from __future__ import annotations

import os

__all__ = ["CheckFailed", "strict", "NBGRADER_ENV", "NBGRADER_STRICT_VALUES", "OVERRIDE_ENV"]

#: set by nbgrader around the execution of a notebook (to one of the values below)
NBGRADER_ENV = "NBGRADER_EXECUTION"
#: the values with which nbgrader 0.9 executes a notebook to score it or to validate it
NBGRADER_STRICT_VALUES = frozenset({"autograde", "validate"})
#: the explicit switch, for other autograders (it only turns strictness on)
OVERRIDE_ENV = "COURSE_LIB_STRICT_CHECKS"

_TRUE = frozenset({"1", "true", "yes", "on"})


class CheckFailed(AssertionError):
    """A check that did not pass, raised only when :func:`strict` says so.

    An AssertionError, as a failing test in a grade cell usually is; its message is the
    check's report (the same text that was printed).
    """


def strict() -> bool:
    """True when a failing check must raise: under ``nbgrader autograde`` or ``nbgrader
    validate``, or when ``COURSE_LIB_STRICT_CHECKS`` is ``1`` (``true``, ``yes``, ``on``).

    Reads the environment on every call (nbgrader sets it per notebook); never raises.
    """
    if os.environ.get(OVERRIDE_ENV, "").strip().lower() in _TRUE:
        return True
    return os.environ.get(NBGRADER_ENV, "").strip().lower() in NBGRADER_STRICT_VALUES
