"""Zappa's ``zip`` callback (``callbacks.zip`` in zappa_settings.json): compiled bytecode for every module
in the Lambda package, added to the zip that ``zappa package``, ``deploy`` and ``update`` build.

Lambda's ``/var/task`` is read-only, so without bytecode in the package every cold start compiles
every module it imports again (README's cold-start figure measures it). The bytecode is
"unchecked-hash": Python uses it without comparing the source's modification time, which the zip
does not keep, and it names ``/var/task/...`` as the source of tracebacks, as Lambda unpacks it there.
"""

from __future__ import annotations

import compileall
import py_compile
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

TASK_ROOT = "/var/task"


def add_bytecode(cli: Any) -> None:
    """The callback: Zappa hands over its CLI object, whose ``zip_path`` is the package just built."""
    runtime = getattr(cli, "runtime", "")
    here = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if runtime and runtime != here:
        # Bytecode of another Python is ignored by Lambda's: skip it rather than ship dead weight.
        print(f"bytecode: not added, this is {here} and the function runs {runtime}")
        return
    added = add_to_zip(Path(cli.zip_path))
    print(f"bytecode: {added} modules compiled into {cli.zip_path}")


def add_to_zip(package: Path) -> int:
    """Compile every ``.py`` in the zip and append its ``__pycache__`` file; answers how many were added."""
    with zipfile.ZipFile(package) as archive:
        sources = [n for n in archive.namelist() if n.endswith(".py")]
        present = set(archive.namelist())
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            archive.extractall(root, members=sources)
            # workers=0: one process per core; a file another Python would reject is left without bytecode.
            compileall.compile_dir(root, ddir=TASK_ROOT, quiet=2, workers=0,
                                   invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
            compiled = sorted(p for p in root.rglob("*.pyc") if p.relative_to(root).as_posix() not in present)
            with zipfile.ZipFile(package, "a", zipfile.ZIP_DEFLATED) as out:
                for path in compiled:
                    entry = zipfile.ZipInfo(path.relative_to(root).as_posix())
                    entry.create_system = 3  # unix, so the mode below is read
                    entry.external_attr = 0o644 << 16
                    out.writestr(entry, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return len(compiled)
