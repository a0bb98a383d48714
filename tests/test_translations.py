"""Issue 21: the Chinese notebooks (notebooks/zh, exercises/zh), built from the English ones and
the PO catalogs in translations/zh (course_lib/instructor/translate.py).

- the same notebook in both languages: the same cells, ids, code, outputs and metadata (so
  the Chinese notebooks pass strict nbval exactly when the English ones do; nbval re-runs the
  welcome notebook from its Chinese folder, and the others are not run twice);
- no paragraph left untranslated or stale, and the built notebooks up to date;
- a changed English paragraph marks its translation stale: the build check fails and names
  the notebook and the cell, and the Chinese notebook shows the English until it is fixed;
- math, code, link targets, HTML tags and markdown structure untouched by translation;
- the glossary of notebook 00 is the single source of terms: where an English notebook uses
  a glossary term, its Chinese version uses the glossary's Chinese for it;
- the learner's language picks the welcome notebook (`course-lib lab`) and the edition.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from course_lib.cli import course_language, welcome_notebook
from course_lib.instructor.translate import (
    FOLDERS,
    build_translations,
    is_prose,
    markup_differences,
    read_catalog,
    split_paragraphs,
    write_or_check,
)

ROOT = Path(__file__).resolve().parent.parent
PAIRS = [
    (path, ROOT / folder / "zh" / path.name)
    for folder in FOLDERS
    for path in sorted((ROOT / folder).glob("*.ipynb"))
]
IDS = [f"{english.parent.name}/{english.stem}" for english, _ in PAIRS]


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


@pytest.mark.parametrize(("english", "chinese"), PAIRS, ids=IDS)
def test_code_cells_and_outputs_are_the_english_ones(english, chinese):
    assert chinese.is_file(), f"{chinese} is missing: run `course-lib build`"
    en, zh = cells(english), cells(chinese)
    assert [c["id"] for c in zh] == [c["id"] for c in en]
    for a, b in zip(en, zh, strict=True):
        assert b["cell_type"] == a["cell_type"]
        if a["cell_type"] == "code":
            assert b == a, f"{chinese.name}, cell {a['id']}: code, outputs or metadata differ"
        else:
            assert b["metadata"] == a["metadata"]
    meta = json.loads(chinese.read_text(encoding="utf-8"))["metadata"]
    assert meta["course_lib"]["lang"] == "zh"


def test_every_paragraph_is_translated_and_every_built_file_up_to_date():
    built = build_translations(ROOT)
    assert [str(p) for p in built.problems] == []
    assert write_or_check(built, check=True) == [], "run `course-lib build`"


@pytest.mark.parametrize(("english", "chinese"), PAIRS, ids=IDS)
def test_translations_keep_math_code_links_and_structure(english, chinese):
    catalog = read_catalog(
        ROOT / "translations" / "zh" / english.parent.name / f"{english.stem}.po", "zh"
    )
    problems = [
        f"[{m.context}] {d}: {m.id[:60]!r}"
        for m in catalog
        if m.id and m.string
        for d in markup_differences(m.id, m.string)
    ]
    assert problems == []
    prose = " ".join(source(c) for c in cells(chinese) if c["cell_type"] == "markdown")
    assert re.search(r"[\u4e00-\u9fff]", prose), f"{chinese.name} has no Chinese"


@pytest.mark.parametrize(("english", "chinese"), PAIRS, ids=IDS)
def test_relative_links_of_the_chinese_notebooks_resolve(english, chinese):
    for cell in cells(chinese):
        if cell["cell_type"] != "markdown":
            continue
        for target in re.findall(r"\]\(([^)#\s]+)", source(cell)):
            if not re.match(r"[a-z]+:", target):
                assert (chinese.parent / target).exists(), f"{chinese.name}: {target}"


def test_a_changed_english_paragraph_marks_its_translation_stale(tmp_path):
    name = "03_forward_pass"
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "exercises").mkdir()
    (tmp_path / "translations" / "zh" / "notebooks").mkdir(parents=True)
    po = tmp_path / "translations" / "zh" / "notebooks" / f"{name}.po"
    shutil.copy(ROOT / "translations" / "zh" / "notebooks" / f"{name}.po", po)
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    index, cell = next(
        (i, c) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown" and i > 2
    )
    first = next(p for p, _ in split_paragraphs(source(cell)) if is_prose(p))
    cell["source"] = source(cell).replace(first, first + " One more sentence.", 1)
    (tmp_path / "notebooks" / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")

    built = build_translations(tmp_path)
    assert len(built.problems) == 1
    problem = built.problems[0]
    assert (problem.cell, problem.cell_id, problem.stale) == (index + 1, cell["id"], True)
    assert f"cell {index + 1} (id {cell['id']}): stale" in str(problem)
    write_or_check(built, check=False)
    # the catalog keeps the old translation, marked fuzzy with the English it translated
    text = po.read_text(encoding="utf-8")
    assert "#, fuzzy" in text and "#| msgid" in text
    # the Chinese notebook shows the new English for that paragraph, Chinese elsewhere
    zh = cells(tmp_path / "notebooks" / "zh" / f"{name}.ipynb")
    assert first + " One more sentence." in source(zh[index])
    assert re.search(r"[\u4e00-\u9fff]", " ".join(source(c) for c in zh))


# ----- the glossary is the single source of terms -----

# Chinese that the glossary's terms replace (a translator's usual alternatives)
NOT_USED = {"代价": "成本 (cost)", "前向传播": "正向计算", "前向计算": "正向计算", "权值": "权重"}


def glossary() -> list[tuple[list[str], list[str]]]:
    """(English alternatives, Chinese alternatives) for each row of 00's glossary table."""
    welcome = cells(ROOT / "notebooks" / "00_welcome.ipynb")
    table = next(source(c) for c in welcome if "| English | 中文" in source(c))
    rows = []
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            continue
        english, chinese = (p.strip() for p in line.strip("|").split("|")[:2])
        if english == "English" or english.startswith("---"):
            continue
        english = re.sub(r"\s*\([^)]*\)", "", english)
        chinese = chinese.rstrip(" *")
        # "converge / diverge" is two terms, as "收敛 / 发散"; so is "training data, example"
        en_parts, zh_parts = re.split(r",| / ", english), re.split(r"，| / ", chinese)
        if len(en_parts) != len(zh_parts):
            en_parts, zh_parts = [english], [chinese]
        for en, zh in zip(en_parts, zh_parts, strict=True):
            # "正向计算（正向传播）": either; "目标（讲义记作 $\hat{y}$）": 目标
            zh_forms = [re.sub(r"（.*）", "", zh).strip(), *re.findall(r"（([^）$]*)）", zh)]
            zh_forms += re.findall(r"[A-Za-z]{2,}", zh)  # "sigmoid 函数": sigmoid will do
            rows.append(([en.strip()], [f.strip() for f in zh_forms if f.strip()]))
    return rows


def _prose(markdown: str) -> str:
    markdown = re.sub(
        r"\$\$.*?\$\$|(?<!\\)\$.+?(?<!\\)\$|`[^`]*`|\]\([^)]*\)", " ", markdown, flags=re.S
    )
    return re.sub(r"\bfor example\b|\be\.g\.", " ", markdown, flags=re.I)


def test_the_glossary_is_read():
    terms = {en[0]: zh for en, zh in glossary()}
    assert terms["forward pass"] == ["正向计算", "正向传播"]
    assert terms["cost"] == ["成本"] and terms["example"] == ["样本"]
    assert len(terms) >= 45


@pytest.mark.parametrize(("english", "chinese"), PAIRS, ids=IDS)
def test_glossary_terms_are_used_as_given(english, chinese):
    en = _prose(" ".join(source(c) for c in cells(english) if c["cell_type"] == "markdown"))
    zh = _prose(" ".join(source(c) for c in cells(chinese) if c["cell_type"] == "markdown"))
    missing = []
    for en_terms, zh_terms in glossary():
        # whole words, any case, a plural allowed ("weights")
        if any(re.search(rf"\b{re.escape(t)}(s|es)?\b", en, re.I) for t in en_terms):
            if not any(t in zh for t in zh_terms):
                missing.append(f"{en_terms[0]} → {zh_terms[0]}")
    assert missing == [], f"{chinese.name} does not use the glossary's term for: {missing}"
    used = [
        f"{word} (the glossary says {instead})" for word, instead in NOT_USED.items() if word in zh
    ]
    assert used == [], f"{chinese.name}: {used}"


# ----- the learner's language -----


def test_the_language_comes_from_course_lib_lang_then_the_locale():
    assert course_language({"COURSE_LIB_LANG": "zh", "LANG": "en_GB.UTF-8"}) == "zh"
    assert course_language({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert course_language({"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"
    assert course_language({"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}) == "zh"
    assert course_language({}) == "en"


def test_lab_opens_the_welcome_notebook_in_the_learners_language(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert welcome_notebook({"LANG": "zh_TW.UTF-8"}) == "notebooks/zh/00_welcome.ipynb"
    assert welcome_notebook({"LANG": "en_US.UTF-8"}) == "notebooks/00_welcome.ipynb"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_edition_in_one_language_has_only_its_notebooks(tmp_path, lang, monkeypatch):
    from course_lib.instructor.release import build_release

    written = build_release(tmp_path / "edition", ROOT, lang=lang)
    notebooks = [p for p in written if p.endswith(".ipynb")]
    assert notebooks and all(("/zh/" in p) == (lang == "zh") for p in notebooks)
    monkeypatch.chdir(tmp_path / "edition")
    expected = "notebooks/zh/00_welcome.ipynb" if lang == "zh" else "notebooks/00_welcome.ipynb"
    assert welcome_notebook({"LANG": "C.UTF-8"}) == expected  # the one this edition has
    readme = (tmp_path / "edition" / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([\w/]+\.ipynb)\)", readme):
        assert (tmp_path / "edition" / target).is_file(), target
    assert ("中文版" in readme) == (lang == "zh")  # an English edition does not offer Chinese
