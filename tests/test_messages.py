"""Issue 21: the course's feedback in Chinese, through gettext catalogs.

- every message of both catalogs (the learner's, the instructor's) is translated, and each
  translation keeps its placeholders, numbers, names, code and formulas; the compiled
  catalogs are up to date (``course-lib build --check`` says the same, in test_translations);
- every message reaches the learner through the catalog: run under a *pseudo-translation*
  (each message's words wrapped in ⟦ ⟧, its placeholders left bare), the check's verdict on
  every known mistake, with its hints, the other verdicts, ``course-lib check``'s report
  and feedback.md hold no English outside ⟦ ⟧ but names, numbers, values and what the
  learner's own code raised;
- the language: a notebook of exercises/zh speaks Chinese in the kernel (its folder, or
  JupyterLab's JPY_SESSION_NAME) and in ``course-lib check``; COURSE_LIB_LANG, then the
  locale, decide for an English notebook; ``doctor`` and ``lab`` follow them;
- ``_()`` is only ever given a constant template or data, never a sentence already made.
"""

from __future__ import annotations

import ast
import dataclasses
import gettext
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from exercise_tools import ROOT
from test_feedback import CATALOGUE, ENTRIES, namespace

from course_lib import i18n
from course_lib.exercises import check
from course_lib.exercises.assignments import SPECS, find_exercise
from course_lib.exercises.inputs import FUNCTIONS
from course_lib.instructor import messages
from course_lib.instructor.messages import INSTRUCTOR, LEARNER

CHECK = sys.modules["course_lib.exercises.checking"]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def fresh_counts(monkeypatch):
    monkeypatch.setattr(CHECK, "_failures", {})
    monkeypatch.setattr(CHECK, "_hints", {})


# ----- the catalogs -----


@pytest.fixture(scope="module")
def built():
    return messages.build_messages()


def test_every_message_is_translated_and_keeps_its_placeholders(built):
    assert [str(p) for p in built.problems] == []
    for domain in (LEARNER, INSTRUCTOR):
        catalog = messages.read_catalog(
            messages.FOLDERS[domain] / "zh" / "LC_MESSAGES" / f"{domain}.po", "zh", domain
        )
        assert len([m for m in catalog if m.id]) > (300 if domain == LEARNER else 50)


def test_the_compiled_catalogs_are_up_to_date(built):
    stale = [str(p) for p, data in built.files.items() if not p.is_file() or p.read_bytes() != data]
    assert stale == [], "run `course-lib build`"


def test_a_translation_that_loses_a_placeholder_a_number_or_a_name_is_named():
    english = "It is N = {batch} times too large (N is the batch size): is a 1/N missing?"
    assert (
        messages.lost_in_translation(english, "它是 N = {batch} 倍（N 是批量大小）：少了 1/N？")
        == []
    )
    assert messages.lost_in_translation(english, "它大了 N 倍：少了 1/N？")  # {batch} lost
    assert messages.lost_in_translation(english, "它是 N = {batch} 倍：少了除以 N？")  # 1 lost
    hint = "∂C/∂z = σ′(z) ⊙ ∂C/∂a, and dC_db is summed"
    assert messages.lost_in_translation(hint, "∂C/∂z = σ′(z) ⊙ ∂C/∂a，dC_db 要求和") == []
    assert messages.lost_in_translation(hint, "∂C/∂z = σ(z) ⊙ ∂C/∂a，dC_db 要求和")
    assert messages.lost_in_translation(hint, "∂C/∂z = σ′(z) ⊙ ∂C/∂a，dCdb 要求和")


def test_the_learner_catalog_holds_nothing_of_the_answer_key(built):
    """Hidden cases' labels and the mistakes no public case shows are the instructor's."""
    from course_lib.instructor.key.hidden import HIDDEN

    learner = messages.templates()[LEARNER]
    public = set(learner)
    hidden = {case.label for cases in HIDDEN.values() for case in cases}
    assert hidden - public, "the hidden labels must be in the instructor's catalog"
    po = (messages.FOLDERS[LEARNER] / "zh" / "LC_MESSAGES" / "course_lib.po").read_text("utf-8")
    for label in hidden - public:
        assert f'msgid "{label}"' not in po, label


def test_underscore_is_given_a_template_or_data_never_a_made_sentence():
    """Babel extracts only constant strings; a sentence made before ``_()`` (an f-string, a
    + or a .format()) cannot be in any catalog."""
    bad = []
    for path in sorted((ROOT / "course_lib").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in ("_", "N_", "ngettext") or not node.args:
                continue
            for arg in node.args[: 2 if node.func.id == "ngettext" else 1]:
                made = isinstance(arg, ast.JoinedStr | ast.BinOp) or (
                    isinstance(arg, ast.Call)
                    and isinstance(arg.func, ast.Attribute)
                    and arg.func.attr == "format"
                )
                if made or (node.func.id != "_" and not isinstance(arg, ast.Constant)):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert bad == []


# ----- every message goes through the catalog: a pseudo-translation -----

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def pseudo(message: str) -> str:
    """``message`` with its words wrapped in ⟦ ⟧ and its placeholders left bare."""
    out, last = [], 0
    for match in _PLACEHOLDER.finditer(message):
        if message[last : match.start()]:
            out.append("⟦" + message[last : match.start()] + "⟧")
        out.append(match.group())
        last = match.end()
    if message[last:]:
        out.append("⟦" + message[last:] + "⟧")
    return "".join(out)


@pytest.fixture(scope="module")
def pseudo_catalogs(tmp_path_factory):
    """Both catalogs, every message pseudo-translated, compiled into a folder of their own."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    root = tmp_path_factory.mktemp("pseudo-locale")
    found = []
    for domain, found_messages in messages.templates().items():
        catalog = Catalog(locale="zh", domain=domain)
        for message in found_messages:
            if isinstance(message, str):
                catalog.add(message, pseudo(message))
            else:
                catalog.add(message, tuple(pseudo(m) for m in message))
        folder = root / domain / "zh" / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with (folder / f"{domain}.mo").open("wb") as f:
            write_mo(f, catalog)
        found.append((domain, root / domain))
    return found


@pytest.fixture
def pseudo_zh(monkeypatch, pseudo_catalogs):
    monkeypatch.setattr(i18n, "_catalogs", list(pseudo_catalogs))
    i18n._translations.cache_clear()
    with i18n.speaking("zh"):
        yield
    i18n._translations.cache_clear()


# English a learner may read in any language: names of the course's code, numpy's words
# for values, and what Python and numpy say when the learner's own code raises
_NAMES = re.compile(
    r"\b(?:array|dtype|float\d*|int\d*|bool|NaN|nan|inf|True|False|None|shape|numpy|"
    r"np|check|hint|inputs|raise|NotImplementedError|[A-Z]\w*(?:Error|Exception|Warning)|"
    r"[a-z]+(?:_[\w\[\]]+)+|[A-Za-z]+\d\w*|d[A-Z]\w*|[A-Z])\b"
)
_LEARNER_ERROR = re.compile(r"\b[A-Z]\w*(?:Error|Exception|Warning|Exit)\b:?.*")


def residue(text: str, extra: tuple[str, ...] = ()) -> list[str]:
    """The English words of ``text`` said outside a catalog's message: what is left once
    ⟦translated⟧ text, names, values and the learner's own errors are taken out."""
    left = []
    for line in text.splitlines():
        pieces = re.split(r"⟦[^⟧]*⟧", line)
        for piece in pieces:
            piece = _LEARNER_ERROR.sub(" ", piece)
            piece = re.sub(r"'[^']*'", " ", piece)  # a value the learner gave or returned
            for name in extra:
                piece = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", piece)
            piece = _NAMES.sub(" ", piece)
            left += [w for w in re.findall(r"[A-Za-z]{2,}", piece)]
    return left


def names_of(gid: str) -> tuple[str, ...]:
    _, ex = find_exercise(gid)
    named_inputs = tuple(FUNCTIONS)  # "the bowl function": the name of a case's input
    return (gid, *ex.arguments, *ex.returns, *ex.uses, *ex.requires, *named_inputs)


@pytest.mark.parametrize(("gid", "name"), ENTRIES, ids=[f"{g}-{n}" for g, n in ENTRIES])
def test_every_verdict_and_hint_goes_through_the_catalog(gid, name, capsys, pseudo_zh):
    assignment, _ = find_exercise(gid)
    ns = namespace(assignment.stem)
    exec(CATALOGUE[gid][name], ns)
    for _ in range(3):  # two rungs of hints and the word on the next
        check(gid, ns[gid], hint=True)
    out = capsys.readouterr().out
    assert "⟦" in out
    assert residue(out, names_of(gid)) == [], out


def test_the_other_verdicts_go_through_the_catalog(capsys, pseudo_zh):
    def not_done(a, dC_da):
        raise NotImplementedError()

    def crashes(a, dC_da):
        raise ValueError("bad")

    def endless(a, dC_da):
        while True:
            pass

    cases = [not_done, crashes, lambda a, dC_da: "text", lambda a, dC_da: (a, a), 3]
    for func in cases:
        check("sigmoid_backward", func)
    ns = namespace("04_backward_pass")
    check("sigmoid_backward", ns["sigmoid_backward"])  # passes
    check("unknown_exercise", ns["sigmoid_backward"])
    ex = find_exercise("sigmoid_backward")[1]
    monkey = pytest.MonkeyPatch()
    try:  # the check's time limit, made short
        import course_lib.exercises.assignments as a

        short = dataclasses.replace(ex, call_timeout=0.2)
        monkey.setattr(a, "find_exercise", lambda gid: (None, short))
        check("sigmoid_backward", endless)
    finally:
        monkey.undo()
    out = capsys.readouterr().out
    every = tuple(SPECS)  # the unknown exercise's message lists the known ones
    assert residue(out, names_of("sigmoid_backward") + ("unknown_exercise", *every)) == [], out


# ----- the real Chinese -----


def test_a_wrong_answer_gets_its_verdict_remark_and_hint_in_chinese(capsys):
    with i18n.speaking("zh"):
        check("sigmoid_backward", lambda a, dC_da: dC_da, hint=True)
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first.startswith("❌ sigmoid_backward") and CJK.search(first), out
    translation = gettext.translation("course_lib", i18n.LOCALE, languages=["zh"]).gettext(
        find_exercise("sigmoid_backward")[1].hints[0]
    )
    assert CJK.search(translation) and translation in out
    assert "hint 1 of 2" not in out and "did not pass" not in out


def run_in(folder: Path, code: str, env: dict[str, str] | None = None) -> str:
    import os

    environ = {k: v for k, v in os.environ.items() if k != "JPY_SESSION_NAME"}
    environ.update(env or {})
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=folder,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


WRONG = (
    "from course_lib.exercises import check\ncheck('sigmoid_backward', lambda a, dC_da: dC_da)\n"
)


def test_the_kernel_of_a_chinese_notebook_speaks_chinese():
    """A kernel runs in its notebook's folder; JupyterLab also names the notebook."""
    assert CJK.search(run_in(ROOT / "exercises" / "zh", WRONG))  # COURSE_LIB_LANG=en: still
    assert not CJK.search(run_in(ROOT / "exercises", WRONG))
    named = {"JPY_SESSION_NAME": "exercises/zh/04_backward_pass.ipynb"}
    assert CJK.search(run_in(ROOT, WRONG, named))
    english = {"JPY_SESSION_NAME": "exercises/04_backward_pass.ipynb"}
    assert not CJK.search(run_in(ROOT / "exercises" / "zh", WRONG, english))
    assert CJK.search(run_in(ROOT / "exercises", WRONG, {"COURSE_LIB_LANG": "zh"}))
    assert CJK.search(
        run_in(ROOT / "exercises", WRONG, {"COURSE_LIB_LANG": "", "LANG": "zh_CN.UTF-8"})
    )


def test_language_order():
    environ = {"COURSE_LIB_LANG": "en", "LANG": "zh_CN.UTF-8"}
    assert i18n.course_language(environ) == "en"
    assert i18n.kernel_notebook_language({}, ROOT / "exercises" / "zh") == "zh"
    assert i18n.kernel_notebook_language({}, ROOT / "exercises") is None
    with i18n.speaking("zh"):
        assert i18n.language() == "zh"
        with i18n.speaking("en"):
            assert i18n.language() == "en"
    with pytest.raises(ValueError, match="expected a language among en, zh, got 'fr'"):
        with i18n.speaking("fr"):
            pass


def course_lib(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess:
    """``course-lib ARGS`` in ``cwd``, with ``env`` added to this environment."""
    import os

    return subprocess.run(
        [sys.executable, "-m", "course_lib.cli", *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_course_lib_check_reports_a_chinese_notebook_in_chinese(tmp_path):
    for name, folder in (("zh", tmp_path / "zh"), ("en", tmp_path / "en")):
        folder.mkdir()
        source = ROOT / "exercises" / ("zh" if name == "zh" else "") / "01_gradient_descent.ipynb"
        (folder / "mine.ipynb").write_bytes(source.read_bytes())
    # the metadata says Chinese (the folder zh too); COURSE_LIB_LANG=en does not win
    out = course_lib("check", str(tmp_path / "zh" / "mine.ipynb")).stdout
    assert CJK.search(out) and "exercises pass" not in out, out
    english = course_lib("check", str(tmp_path / "en" / "mine.ipynb")).stdout
    assert not CJK.search(english) and "exercises pass" in english, english


def test_doctor_and_lab_speak_the_learners_language(tmp_path):
    lab = course_lib("lab", cwd=tmp_path, COURSE_LIB_LANG="zh")
    assert lab.returncode == 2 and CJK.search(lab.stderr), lab.stderr
    doctor = course_lib("doctor", COURSE_LIB_LANG="zh")
    lines = [line for line in doctor.stdout.splitlines() if line.strip()]
    # each finding in Chinese but a bare version ("[ok ] Python: 3.11.7"), and the verdict
    words = [line for line in lines if not re.fullmatch(r"\[\w+ *\] Python: [\d.]+\S*", line)]
    assert len(words) > 10 and all(CJK.search(line) for line in words), doctor.stdout


def test_numbers_in_messages_are_the_same_in_both_languages(capsys):
    with i18n.speaking("zh"):
        check("sigmoid_backward", lambda a, dC_da: np.ones((4, 3)))
    out = capsys.readouterr().out
    assert "(4, 3)" in out and "(3, 4)" in out and CJK.search(out), out


# ----- the grader: each learner's feedback in the language of the notebook submitted -----

STEM = "03_forward_pass"
NO_SIGMOID = "return float(np.dot(w, x) + b)  # forgot the sigmoid"


def submissions(folder: Path) -> Path:
    """Two learners who forgot 3.1's sigmoid: one in the English notebook, one in Chinese."""
    from exercise_tools import EXERCISES, answer_body, answers, with_sources

    sources = answers(STEM) | answer_body(STEM, "neuron", NO_SIGMOID)
    folder.mkdir()
    with_sources(EXERCISES / f"{STEM}.ipynb", folder / "en_learner.ipynb", sources)
    with_sources(EXERCISES / "zh" / f"{STEM}.ipynb", folder / "zh_learner.ipynb", sources)
    return folder


def feedback(out: Path, name: str) -> str:
    return (out / "submissions" / name / "feedback.md").read_text(encoding="utf-8")


def test_the_grader_writes_each_feedback_in_the_language_of_the_notebook(tmp_path):
    from course_lib.cli import main

    subs = submissions(tmp_path / "subs")
    args = ["grade", "--assignment", STEM, "--no-progress", "--jobs", "2"]
    assert main([*args, "--out", str(tmp_path / "own"), str(subs)]) == 0
    english, chinese = (
        feedback(tmp_path / "own", "en_learner"),
        feedback(tmp_path / "own", "zh_learner"),
    )
    assert not CJK.search(english) and "# Feedback on" in english
    assert CJK.search(chinese) and "# Feedback on" not in chinese
    for text in (english, chinese):  # the same verdict: the neuron fails, the rest passes
        assert "❌ neuron" in text and "✅ layer_forward" in text
    results = json.loads(
        (tmp_path / "own" / "submissions" / "zh_learner" / "results.json").read_text()
    )
    assert CJK.search(results["output"]) and CJK.search(
        json.dumps(results["tests"], ensure_ascii=False)
    )
    # --lang forces one language for the whole class
    assert main([*args, "--lang", "en", "--out", str(tmp_path / "en"), str(subs)]) == 0
    assert not CJK.search(feedback(tmp_path / "en", "zh_learner"))
    assert main([*args, "--lang", "zh", "--out", str(tmp_path / "zh"), str(subs)]) == 0
    assert CJK.search(feedback(tmp_path / "zh", "en_learner"))
    # grades do not depend on the language
    grades = [(tmp_path / d / "grades.csv").read_text() for d in ("own", "en", "zh")]
    assert grades[0] == grades[1] == grades[2]
