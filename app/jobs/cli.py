"""``flask jobs``: the worker, the outbox drain and a health check."""
from __future__ import annotations

import click
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Background jobs: worker, outbox drain.")


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
