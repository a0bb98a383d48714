"""The course's exercises, as learners get them: one module per exercise notebook (hints,
tolerances, what each function may not call, how a wrong answer is explained), completed
from two data files that ``course-lib build`` writes from the instructor's side:
``catalog.json`` (titles, grade ids and points, from the solution notebooks) and
``public.json`` (each exercise's public cases with their expected answers and the known
mistakes' answers, from the answer key, ``course_lib.instructor.key``).
"""

from __future__ import annotations

from pathlib import Path

from ...i18n import _
from ..spec import CATALOG, PUBLIC, Assignment, Exercise, load_assignments
from . import backward_pass, chain_rule, digit_classification, forward_pass, gradient_descent

SPECS: dict[str, Exercise] = {
    **gradient_descent.EXERCISES,
    **chain_rule.EXERCISES,
    **forward_pass.EXERCISES,
    **backward_pass.EXERCISES,
    **digit_classification.EXERCISES,
}
ASSIGNMENTS: dict[str, Assignment] = load_assignments(SPECS, CATALOG, PUBLIC)


def find_exercise(grade_id: str) -> tuple[Assignment, Exercise]:
    """The assignment and exercise with this grade_id (grade_ids are unique across notebooks)."""
    for assignment in ASSIGNMENTS.values():
        for ex in assignment.exercises:
            if ex.grade_id == grade_id:
                return assignment, ex
    known = ", ".join(ex.grade_id for a in ASSIGNMENTS.values() for ex in a.exercises)
    said = _("unknown exercise {grade_id!r}; known exercises: {known}")
    raise KeyError(said.format(grade_id=grade_id, known=known))


def assignment_of(nb, path: Path | str) -> Assignment | None:
    """The assignment a notebook belongs to: from its metadata, else from its file name."""
    stem = nb.metadata.get("course_lib", {}).get("assignment")
    if stem in ASSIGNMENTS:
        return ASSIGNMENTS[stem]
    for name, assignment in ASSIGNMENTS.items():
        if Path(path).stem.startswith(name) or Path(path).stem.startswith(name[:3]):
            return assignment
    return None
