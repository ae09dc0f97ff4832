"""``flask users``: create and import user accounts."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from app.core.cli import fail, format_errors
from app.core.errors import ValidationFailed
from app.core.uow import command_boundary

users_cli = AppGroup("users", help="Create and import user accounts.")


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
        fail(format_errors(error.fields) or error.message)
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
        fail(f"{path}: cannot open: {exc.strerror}", 2)
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
            except json.JSONDecodeError as exc:
                fail(f"{path}:{number}: malformed JSON: {exc.msg}; nothing was created", 2)
            if not isinstance(data, dict):
                fail(f"{path}:{number}: each line must be a JSON object; nothing was created", 2)
            role = data.get("role") or data.get("roles")
            roles = role if isinstance(role, list) else ([role] if role else [])
            if not all(isinstance(value, (str, type(None))) for key, value in data.items() if key != "roles"):
                fail(f"{path}:{number}: every field must be a string; nothing was created", 2)
            items.append((number, NewUser(
                email=data.get("email") or "", password=data.get("password") or "", roles=roles,
                region=data.get("region"), organisation=data.get("organisation"), name=data.get("name") or "")))
    try:
        users = create_users_bulk(items)
    except ValidationFailed as error:
        fail(f"{path}: {error.message}; nothing was created", 1)
    click.echo(f"Created {len(users)} users")
