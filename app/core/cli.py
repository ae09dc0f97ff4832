"""Helpers of the command-line interface. Each domain registers its own commands in its ``init_app``
(``flask users``, ``flask jobs``, ``flask scoring``, ``flask matching``, ``flask seed-demo``)."""
from __future__ import annotations

import sys

import click


def fail(message: str, code: int = 1):
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def format_errors(fields: dict) -> str:
    return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in fields.items())
