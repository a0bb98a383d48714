"""Sphinx configuration of the course website (`make site`).

The site is built from the stored notebooks, never executed, and works offline: MathJax is
served from the site itself (sphinx-mathjax-offline) and no widget or font script comes from
a CDN. ``_ext/course_site.py`` copies the notebooks, exercises and guides into this folder at
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

# Where the learner edition lives: the Binder links of the notebook pages use these
# (README.md, "Launch for a class").
course_binder_repo = "OWNER/REPO"
course_binder_branch = "main"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx-mathjax-offline",  # MathJax 3 copied into _static/mathjax: no CDN
    "course_site",
]

exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store", "**/.ipynb_checkpoints"]
html_static_path = ["_static"]
html_css_files = ["course.css"]

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
}
html_context = {"default_mode": "auto"}  # light or dark, as the reader's system
html_show_sourcelink = False
html_copy_source = True  # the theme's download button offers each page's .ipynb or .md
