"""The modules a process may import first (entry points, each stage's store protocol, the records) import on
their own in a fresh interpreter: none depends on another having been imported before it (a package's
``__init__`` importing its importer is a cycle the import graph in test_layout.py does not see)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


FIRST = ("functions.app", "functions.jobs", "functions.cli", "functions.store.records", "functions.store.base",
         "functions.cases.timeline", "functions.cases.moves")


def test_entry_points_and_stage_protocols_import_first() -> None:
    protocols = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in (ROOT / "functions").glob("*/store.py")]
    modules = sorted({*FIRST, *protocols})
    script = ("import importlib, subprocess, sys\n"
              "failed = []\n"
              "for name in sys.argv[1:]:\n"
              "    run = subprocess.run([sys.executable, '-c', f'import {name}'], capture_output=True, text=True)\n"
              "    if run.returncode:\n"
              "        failed.append((name, run.stderr.strip().splitlines()[-1]))\n"
              "print(failed)\n")
    answer = subprocess.run([sys.executable, "-c", script, *modules], capture_output=True, text=True, cwd=ROOT,
                            check=True, env={"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"})
    assert answer.stdout.strip() == "[]", answer.stdout
