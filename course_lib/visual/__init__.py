"""Plots and ipywidgets for the notebooks, one module per lecture topic.

Each widget also shows a real initial state when a notebook is only executed.
"""
