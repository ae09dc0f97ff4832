"""``flask seed-demo``: load the demo data."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.core.cli import fail


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the realistic demo data (idempotent). Refused when APP_ENV=production."""
    if not current_app.config.get("SEED_DEMO_ALLOWED", False) or current_app.config.get("APP_ENV") == "production":
        fail("seed-demo is disabled when APP_ENV=production")
    from app.seed.demo import seed_demo
    summary = seed_demo(echo=click.echo)
    click.echo("Demo data ready: " + ", ".join(f"{k}={v}" for k, v in summary.items()))
