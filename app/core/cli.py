"""Command-line interface: ``flask users``, ``flask seed-demo``, ``flask jobs``; domains add their own."""
from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from app.core.errors import ValidationFailed
from app.core.uow import command_boundary

users_cli = AppGroup("users", help="Create and import user accounts.")
jobs_cli = AppGroup("jobs", help="Background jobs: worker, outbox drain.")


def _fail(message: str, code: int = 1):
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _format_errors(fields: dict) -> str:
    return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in fields.items())


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", "roles", required=True, multiple=True,
              help="researcher, org_head, expert, council, investor, akimat, mnvo or admin (repeatable)")
@click.option("--region", default=None, help="region code; required for akimat")
@click.option("--organisation", default=None)
@click.option("--name", default="")
@command_boundary
def create_user_command(email, password, roles, region, organisation, name):
    """Create one user."""
    from app.accounts.services import NewUser, create_user
    try:
        user = create_user(NewUser(email=email, password=password, roles=list(roles), region=region,
                                   organisation=organisation, name=name))
    except ValidationFailed as error:
        _fail(_format_errors(error.fields) or error.message)
    click.echo(f"Created user {user.id} <{user.email}> with roles {', '.join(user.roles)}")


@users_cli.command("import")
@click.option("--file", "path", required=True, type=click.Path(dir_okay=False))
@command_boundary
def import_users_command(path):
    """Create many users from a JSON Lines file; all or nothing."""
    from app.accounts.services import NewUser, create_users_bulk
    items = []
    try:
        handle = open(path, encoding="utf-8")
    except OSError as exc:
        _fail(f"{path}: cannot open: {exc.strerror}", 2)
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
            except json.JSONDecodeError as exc:
                _fail(f"{path}:{number}: malformed JSON: {exc.msg}; nothing was created", 2)
            if not isinstance(data, dict):
                _fail(f"{path}:{number}: each line must be a JSON object; nothing was created", 2)
            role = data.get("role") or data.get("roles")
            roles = role if isinstance(role, list) else ([role] if role else [])
            if not all(isinstance(value, (str, type(None))) for key, value in data.items() if key != "roles"):
                _fail(f"{path}:{number}: every field must be a string; nothing was created", 2)
            items.append((number, NewUser(
                email=data.get("email") or "", password=data.get("password") or "", roles=roles,
                region=data.get("region"), organisation=data.get("organisation"), name=data.get("name") or "")))
    try:
        users = create_users_bulk(items)
    except ValidationFailed as error:
        _fail(f"{path}: {error.message}; nothing was created", 1)
    click.echo(f"Created {len(users)} users")


@jobs_cli.command("worker")
@click.option("--queues", default="default,matching,mail", show_default=True)
@click.option("--burst", is_flag=True, help="exit when the queues are empty")
def worker_command(queues, burst):
    """Run a worker (non-forking: slow models load once per process) after draining the outbox."""
    from app.jobs.worker import run_worker
    run_worker(queues.split(","), burst=burst)


@jobs_cli.command("drain")
def drain_command():
    """Hand jobs left in the outbox (e.g. while Redis was down) to the queue."""
    from app.jobs import drain
    click.echo(f"Dispatched {drain()} jobs")


@jobs_cli.command("check")
def check_command():
    """Enqueue a health-check job and print its id (run a worker to execute it)."""
    from app.jobs import enqueue
    job = enqueue("app.jobs.tasks.health_check", "cli", title="health check")
    click.echo(str(job.id))


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the realistic demo data (idempotent). Refused when APP_ENV=production."""
    if not current_app.config.get("SEED_DEMO_ALLOWED", False) or current_app.config.get("APP_ENV") == "production":
        _fail("seed-demo is disabled when APP_ENV=production")
    from app.seed import seed_demo
    summary = seed_demo(echo=click.echo)
    click.echo("Demo data ready: " + ", ".join(f"{k}={v}" for k, v in summary.items()))


def register_commands(app) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(seed_demo_command)
    from app.matching import cli as matching_commands
    from app.scoring import cli as scoring_commands
    matching_commands.register(app)
    scoring_commands.register(app)

