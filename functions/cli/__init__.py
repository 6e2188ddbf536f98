"""The command line: ``python -m functions --help``.

``group.py`` holds the ``main`` group; each other module registers the commands of one concern on it,
so nothing here imports the module that imports it.
"""

from __future__ import annotations

from functions.cli import cases, channels, clinics, members, patients, rewards, run, site, visits  # noqa: F401  (commands on ``main``)
from functions.cli.group import main

__all__ = ["main"]
