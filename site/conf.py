"""Sphinx configuration of the course website (`make site`).

The site is built from the stored notebooks, never executed, and works offline: MathJax is
served from the site itself (the one component the pages use, from the files of
sphinx-mathjax-offline: ``_ext/course_assets.py``) and no widget or font script comes from a
CDN. ``_ext/course_site.py`` copies the notebooks, exercises and guides into this folder at
build time, adds the "run it" note to each notebook page, shows the widgets' stored state and
builds the glossary from notebooks/00_welcome.ipynb.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE / "_ext"), str(ROOT)]

import course_site  # noqa: E402

course_site.copy_sources(HERE, ROOT)  # copies, gitignored

project = "Backpropagation, derived and run"
author = "the course authors"
copyright = "the course authors, MIT licence"

# Where the learner edition lives (its git URL, branch, and a JupyterHub): set once, in
# pyproject.toml's [tool.course]; the launch links are built from it, and left out when the
# repository is empty (README.md, "Launch for a class").

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",  # MathJax 3 from the site itself (course_assets): no CDN
    "sphinx_copybutton",
    "course_site",
]
mathjax_path = "mathjax/course-mathjax.js"
templates_path = ["_templates"]

exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store", "**/.ipynb_checkpoints"]
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_favicon = "_static/favicon.svg"

# ---- MyST and MyST-NB: stored outputs only, no widget JavaScript from a CDN ----
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 4
nb_execution_mode = "off"
nb_ipywidgets_js = {}
nb_merge_streams = True
suppress_warnings = ["myst.header"]  # notebooks start at "#", then some cells skip a level

# ---- API reference ----
autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = True
napoleon_numpy_docstring = True

# ---- theme ----
html_theme = "sphinx_book_theme"
html_title = project
html_last_updated_fmt = None
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "use_issues_button": False,
    "use_edit_page_button": False,
    "primary_sidebar_end": ["course-get.html"],  # download the course, launch it
    # the switch to the other language (English / 中文), then the theme's buttons
    "article_header_end": ["course-lang.html", "article-header-buttons.html"],
}
html_context = {"default_mode": "auto"}  # light or dark, as the reader's system
html_show_sourcelink = False
html_copy_source = True  # the theme's download button offers each page's .ipynb or .md

# ---- copy buttons: not on prompts or outputs' line numbers ----
copybutton_exclude = ".linenos, .gp, .go"
