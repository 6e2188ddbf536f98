"""``python -m functions site …``: build the static rating page and upload it."""

from __future__ import annotations

from pathlib import Path

import click

from functions.cli.group import main
from functions.services import Services


@main.group()
def site() -> None:
    """The static rating page."""


@site.command("build")
@click.option("--api-url", required=True, help="Where the API answers, e.g. https://api.otklik.ru")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build/site"), show_default=True)
def site_build(api_url: str, out: Path) -> None:
    """Write the deployable page folder."""
    from functions.answers.page import build_site, style_source

    for path in build_site(out, api_url):
        click.echo(path)
    click.echo(f"inline stylesheet: style-src 'self' {style_source()} (the page's own CSP allows it; a CSP header "
               "set by the CDN must too)")


@site.command("deploy")
@click.option("--bucket", required=True, help="The S3 bucket behind the page's CDN.")
@click.option("--api-url", required=True, help="Where the API answers, e.g. https://api.otklik.ru")
@click.pass_obj
def site_deploy(services: Services, bucket: str, api_url: str) -> None:
    """Build the page and upload it with the right Content-Type and Cache-Control."""
    import tempfile

    from functions.answers.page import build_site, deploy_site
    from functions.transports.aws import client

    with tempfile.TemporaryDirectory() as folder:
        build_site(Path(folder), api_url)
        for key, content_type, cache_control in deploy_site(Path(folder), client("s3", services.settings), bucket):
            click.echo(f"{key}  {content_type}  {cache_control}")
