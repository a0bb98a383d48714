"""The class at a glance, as data: how each exercise went across the class, the known
mistakes ranked by how many made them, the exercises blocked by an earlier one, the
time-outs and crashes, and the submissions worth a human look. Both pages of the report
(:mod:`.page`, :mod:`.markdown_page`) are written from one :class:`Summary`.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from ....exercises.spec import Assignment, Exercise, Failure
from ...build import find_root
from ...results import ClassResults, Graded
from . import findings as F
from .similarity import ALIKE, MIN_SHARED, NOISE, Pair, available, groups, similar_pairs

# what an exercise gave a submission, in the order the plot stacks them
CATEGORIES = {
    "full": "full points",
    "part": "part of the points",
    "mistake": "a known mistake",
    "wrong": "another wrong answer",
    "blocked": "blocked by an earlier exercise",
    "stopped": "a time-out or a crash",
    "not done": "not done or not gradable",
    "other": "0 set by the instructor",
}


@dataclass(frozen=True)
class Learner:
    name: str  # how the report names them: the roster's name and id, else the submission's
    graded: Graded
    findings: F.Findings

    @property
    def submission(self) -> str:
        return self.graded.submission


@dataclass
class Mistake:
    """A known mistake and the learners who made it."""

    exercise: Exercise
    name: str  # its name in solutions/mistakes.py
    words: str  # what the learner reads about it
    learners: list[str] = field(default_factory=list)


@dataclass
class Count:
    """Learners who share something about one exercise: an unrecognised failure, a block."""

    exercise: Exercise
    what: str  # the failure in words, or the earlier exercise that blocks it
    learners: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Row:
    """One line of a table about one learner: where (an exercise, cells, the notebook),
    what happened, and what was said (learner text)."""

    learner: str
    where: str
    what: str
    said: str


@dataclass(frozen=True)
class Summary:
    assignment: Assignment
    learners: list[Learner]
    outcomes: dict[str, Counter]  # by grade_id: CATEGORIES key -> learners
    totals: Counter  # total -> learners
    mistakes: list[Mistake]  # most made first
    unrecognised: list[Count]  # wrong answers no known mistake explains, by failure
    blocked: list[Count]  # most blocked first
    stops: list[Row]  # time-outs, crashes, notebooks not gradable, cells that failed
    flags: list[Row]  # calls off limits, a switched-off call monitor
    pairs: list[Pair]  # near-identical answers (by the learners' names)
    groups: list[list[str]]  # learners linked by such pairs
    compared: bool  # whether the answers were compared (copydetect is there)
    starter: str  # the starter code subtracted ("" if not found)
    without_submission: int = 0  # students of the roster

    @property
    def size(self) -> int:
        return len(self.learners)

    def share(self, n: int) -> str:
        """``n`` learners as a percentage of the class."""
        return f"{round(100 * n / self.size)}%" if self.size else "0%"

    @property
    def mean(self) -> float:
        totals = [x.graded.total for x in self.learners]
        return statistics.fmean(totals) if totals else 0.0

    @property
    def median(self) -> float:
        totals = [x.graded.total for x in self.learners]
        return statistics.median(totals) if totals else 0.0


def counted(n: int, what: str) -> str:
    """``n`` and ``what``, plural unless n is 1: "1 pair", "3 pairs"."""
    return f"{n} {what}{'' if n == 1 else 's'}"


def findings(graded: Graded) -> F.Findings:
    """What the report keeps of one submission: from its result, or (kept by --resume)
    from its grading.json."""
    if graded.result is not None:
        return F.of_result(graded.result)
    if graded.kept_findings:
        return F.from_record(graded.kept_findings, graded.assignment)
    return F.Findings({})


def category(ex: Exercise, points: int, f: F.Finding | None) -> str:
    """What one exercise gave one submission (a key of CATEGORIES)."""
    if points == ex.points:
        return "full"
    if points > 0:
        return "part"
    if f is None or f.status in (F.NOT_DONE, F.NOT_GRADED):
        return "not done"
    if f.status == F.PASSED:
        return "other"
    if f.blocked_by:
        return "blocked"
    if f.stopped:
        return "stopped"
    return "mistake" if f.mistake else "wrong"


def names(run: ClassResults) -> dict[str, str]:
    """Each submission's name in the report: its student's name and id (the submission
    that counts for a student of the roster), else its own."""
    named = {}
    for e in run.book:
        if e.graded is not None:
            s = e.student
            named[e.graded.submission] = f"{s.name} ({s.student_id})" if s.name else s.student_id
    return {g.submission: named.get(g.submission, g.submission) for g in run.graded}


def starter_cells(assignment: Assignment) -> tuple[str, dict[str, str]]:
    """The answer cells as released, exercises/NN_name.ipynb of the course folder, and
    that file's name ("" and {} when it is not there)."""
    path = find_root() / "exercises" / f"{assignment.stem}.ipynb"
    cells = F.answer_sources(path.read_bytes(), assignment) if path.is_file() else {}
    return (f"exercises/{path.name}" if cells else ""), cells


def summary(run: ClassResults) -> Summary:
    a = run.assignment
    named = names(run)
    learners = sorted(
        (Learner(named[g.submission], g, findings(g)) for g in run.graded),
        key=lambda learner: learner.submission,
    )
    outcomes = {ex.grade_id: Counter() for ex in a.exercises}
    mistakes: dict[tuple[str, str], Mistake] = {}
    unrecognised: dict[tuple[str, str], Count] = {}
    blocked: dict[tuple[str, str], Count] = {}
    stops: list[Row] = []
    flags: list[Row] = []
    by_id = {ex.grade_id: ex for ex in a.exercises}
    for learner in learners:
        who = learner.name
        for ex in a.exercises:
            f = learner.findings.exercises.get(ex.grade_id)
            outcomes[ex.grade_id][category(ex, learner.graded.scores[ex.grade_id], f)] += 1
            if f is None or f.status != F.FAILED:
                continue
            where = f"{ex.number} {ex.function}"
            if f.mistake:
                key = (ex.grade_id, f.mistake)
                mistakes.setdefault(key, Mistake(ex, f.mistake, mistake_words(ex, f.mistake)))
                mistakes[key].learners.append(who)
            elif f.blocked_by:
                blocker = by_id.get(f.blocked_by)
                what = f"{blocker.number} {blocker.function}" if blocker else f.blocked_by
                blocked.setdefault((ex.grade_id, what), Count(ex, what)).learners.append(who)
            elif f.failure and not f.stopped:
                what = Failure[f.failure].value
                unrecognised.setdefault((ex.grade_id, what), Count(ex, what)).learners.append(who)
            if f.stopped:
                stops.append(Row(who, where, f.stopped, f.detail))
            if f.failure in ("FORBIDDEN", "TAMPERED"):
                flags.append(Row(who, where, Failure[f.failure].value, f.detail))
        if learner.findings.problem:
            stops.append(Row(who, "the notebook", "not gradable", learner.findings.problem))
        for how in (F.TIMEOUT, F.CRASHED, F.ERROR):
            cells = [c for c in learner.findings.cells if c[1] == how]
            if cells:
                numbers = ", ".join(str(c[0]) for c in cells)
                where = f"cell{'s' if len(cells) > 1 else ''} {numbers}"
                stops.append(Row(who, where, f"{how} in a cell", cells[0][2]))
    place = {ex.grade_id: i for i, ex in enumerate(a.exercises)}

    def ranked(counts, key):
        return sorted(counts, key=lambda c: (-len(c.learners), place[c.exercise.grade_id], key(c)))

    starter, pairs = alike(a, learners)
    return Summary(
        a,
        learners,
        outcomes,
        Counter(x.graded.total for x in learners),
        ranked(mistakes.values(), lambda m: m.name),
        ranked(unrecognised.values(), lambda c: c.what),
        ranked(blocked.values(), lambda c: c.what),
        stops,
        flags,
        [Pair(named[p.first], named[p.second], p.similarity, p.shared) for p in pairs],
        [[named[s] for s in group] for group in groups(pairs)],
        available(),
        starter,
        len(run.missing),
    )


def alike(a: Assignment, learners: list[Learner]) -> tuple[str, list[Pair]]:
    """The starter code's file, and the pairs of submissions whose answer cells are
    near-identical (by submission name)."""
    starter, cells = starter_cells(a)
    order = [ex.grade_id for ex in a.exercises]
    answers = {
        x.submission: [x.graded.answers.get(gid, "") for gid in order]
        for x in learners
        if x.graded.answers
    }
    if not available():
        return starter, []
    return starter, similar_pairs(answers, [cells.get(gid, "") for gid in order])


def mistake_words(ex: Exercise, name: str) -> str:
    """What the learner reads about the known mistake ``name`` of ``ex``."""
    from ...key import ANSWERS

    answer = ANSWERS.get(ex.grade_id)
    said = [m.message for m in answer.mistakes if m.name == name] if answer else []
    said += [e.message for e in ex.errors if e.name == name]
    return said[0] if said else ""


def headlines(s: Summary) -> list[str]:
    """The first things to read: what most learners got wrong, and what needs a look."""
    said = [
        f"{s.share(len(m.learners))} ({len(m.learners)}) made the mistake {m.name} in "
        f"{m.exercise.number} {m.exercise.function}"
        for m in s.mistakes[:3]
    ]
    said += [
        f"{s.share(len(c.learners))} ({len(c.learners)}) lost {c.exercise.number} "
        f"{c.exercise.function} to {c.what}, which it requires"
        for c in s.blocked[:1]
    ]
    stopped = sum(r.what in (F.TIMEOUT, F.CRASHED) for r in s.stops)
    if stopped:
        said.append(f"{counted(stopped, 'call')} timed out or crashed")
    look = {r.learner for r in s.flags} | {n for p in s.pairs for n in (p.first, p.second)}
    if look:
        said.append(f"{counted(len(look), 'submission')} worth a human look")
    return said


def stopped(s: Summary) -> str:
    """The time-outs and crashes, counted."""
    timeouts = counted(sum(r.what == F.TIMEOUT for r in s.stops), "call")
    crashes = sum(r.what == F.CRASHED for r in s.stops)
    return (
        f"{timeouts} timed out and {crashes} crashed; notebooks that could not be graded and "
        "cells that failed when run from top to bottom are listed too."
    )


def similarity(s: Summary) -> str:
    """How the answers were compared."""
    if not s.compared:
        return (
            "The answers were not compared: copydetect is not installed (it comes with "
            "course_lib's grader extra, or pip install copydetect)."
        )
    starter = f"the starter code ({s.starter}) left out" if s.starter else "no starter code found"
    return (
        f"Answer cells compared with copydetect (k-grams of {NOISE} characters of tokenised "
        f"code, names and strings replaced), {starter}; a pair is listed when at least "
        f"{round(100 * ALIKE)}% of one's code is in the other's, {MIN_SHARED} tokens or more."
    )


def lead(s: Summary) -> str:
    """The report's first sentence: how many were graded, and how the totals went."""
    a = s.assignment
    text = f"{s.size} submissions graded"
    if s.without_submission:
        text += f"; {s.without_submission} students of the roster submitted nothing"
    if s.size:
        text += f". Total: mean {s.mean:.1f}, median {s.median:g}, of {a.max_score} points."
    return text
