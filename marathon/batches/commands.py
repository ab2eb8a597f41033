"""CLI: ``flask marathon worker``, ``requeue-stale``, ``jobs-status``."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from sqlalchemy import select

from marathon.batches.models import Batch
from marathon.batches.service import ACTIVE, is_stale, requeue_stale
from marathon.extensions import db
from marathon.jobs import rq_queue, run_worker


def register(group: click.Group) -> None:
    """Add this package's commands to the ``marathon`` group."""

    @group.command("worker")
    @click.option("--burst", is_flag=True, help="Run the jobs waiting now, then stop.")
    @click.option(
        "--queues",
        default=None,
        help="Comma-separated queue names (default: the marathon queue).",
    )
    def worker_command(burst: bool, queues: str | None) -> None:
        """Run background jobs (print batches, letter renders) from Redis with RQ."""
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        if not app.config["REDIS_URL"]:
            click.echo(
                "MARATHON_REDIS_URL is not set: there is no queue to work on. Without Redis, "
                "jobs already run inside the web process; set MARATHON_REDIS_URL (for example "
                "redis://127.0.0.1:6379/0) to run them in workers.",
                err=True,
            )
            raise SystemExit(2)
        names = [name.strip() for name in queues.split(",") if name.strip()] if queues else None
        run_worker(app, burst=burst, queues=names)

    @group.command("requeue-stale")
    @click.option(
        "--older-than",
        type=click.IntRange(min=0),
        default=120,
        show_default=True,
        help="Seconds without progress after which a running batch counts as stale.",
    )
    def requeue_stale_command(older_than: int) -> None:
        """Queue again the batches whose worker died mid-way (they start over cleanly)."""
        ids = requeue_stale(timedelta(seconds=older_than))
        click.echo(
            f"{len(ids)} batch(es) requeued" + (f": {', '.join(map(str, ids))}" if ids else "")
        )

    @group.command("jobs-status")
    def jobs_status_command() -> None:
        """Show the batches queued or running, and the RQ queue's length."""
        if current_app.config["REDIS_URL"]:
            queue = rq_queue()
            click.echo(f"queue {queue.name}: {queue.count} waiting")
        else:
            click.echo("no Redis: jobs run in-process")
        for batch in db.session.scalars(select(Batch).where(Batch.status.in_(ACTIVE))):
            stale = " (stale)" if is_stale(batch) else ""
            click.echo(f"batch {batch.id} {batch.status} {batch.done}/{batch.total}{stale}")
