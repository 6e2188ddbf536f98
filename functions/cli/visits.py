"""``python -m functions visits import``: bring a clinic's CSV export in, with its row report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

import click

from functions.cli.group import echo_json, main
from functions.services import Services, utcnow

# Files this large get a progress bar on stderr (stdout stays the JSON report).
PROGRESS_FROM = 64 * 1024


class _Counted:
    """The file as the importer reads it, moving the progress bar by the bytes read."""

    def __init__(self, handle: BinaryIO, bar: click.progressbar) -> None:  # type: ignore[type-arg]
        self.handle = handle
        self.bar = bar

    def read(self, size: int = -1, /) -> bytes:
        chunk = self.handle.read(size)
        self.bar.update(len(chunk))
        return chunk


@main.group()
def visits() -> None:
    """Bring visits in from the clinic's system."""


@visits.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--clinic", "clinic_id", required=True)
@click.option("--map", "mapping", multiple=True, metavar="FIELD=HEADER",
              help="Name an odd header, e.g. --map phone='Моб. тел.'")
@click.pass_obj
def visits_import(services: Services, file: Path, clinic_id: str, mapping: tuple[str, ...]) -> None:
    """Import a CSV export; print what was imported, updated and rejected (with line numbers).

    The file is read as it streams in, so its size does not matter to memory.
    """
    from functions.visits.csv_files import import_csv

    found = services.clinic(clinic_id)
    if found is None:
        raise click.ClickException(f"no clinic {clinic_id!r}")
    pairs = dict(item.split("=", 1) for item in mapping if "=" in item)
    size = file.stat().st_size
    with file.open("rb") as handle:
        if size < PROGRESS_FROM:
            report = import_csv(services.store, found, handle, services.settings.token_days, pairs, now=utcnow())
        else:
            with click.progressbar(length=size, label="importing", file=sys.stderr) as bar:
                report = import_csv(services.store, found, _Counted(handle, bar), services.settings.token_days,
                                    pairs, now=utcnow())
    echo_json(report.as_dict())
    if report.rejected and not (report.imported or report.updated):
        sys.exit(1)
