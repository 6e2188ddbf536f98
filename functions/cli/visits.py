"""``python -m functions visits import``: bring a clinic's CSV export in, with its row report."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click

from functions.cli.group import echo_json, main
from functions.services import Services

# Files this long get a progress bar on stderr (stdout stays the JSON report).
PROGRESS_FROM = 2000


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
    """Import a CSV export; print what was imported, updated and rejected (with line numbers)."""
    from functions.visits.csv_files import import_csv

    found = services.clinic(clinic_id)
    if found is None:
        raise click.ClickException(f"no clinic {clinic_id!r}")
    pairs = dict(item.split("=", 1) for item in mapping if "=" in item)

    def progress(rows: list) -> Iterator:
        if len(rows) < PROGRESS_FROM:
            yield from rows
            return
        with click.progressbar(rows, label="importing", file=sys.stderr) as bar:
            yield from bar

    report = import_csv(services.store, found, file.read_bytes(), services.settings.token_days, pairs, progress)
    echo_json(report.as_dict())
    if report.rejected and not (report.imported or report.updated):
        sys.exit(1)
