"""`hub graph ...`: the local Neo4j server, the outbox sync, rebuild and consistency check."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Annotated

import typer
from neo4j import Driver
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, inspect

from graph_sync.driver import GraphUnavailable, open_driver
from hub.settings import Settings

graph_app = typer.Typer(no_args_is_help=True, help="The relationship graph (Neo4j) projected from the records.")
console = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    # plain echo with the whitespace folded: one line, never wrapped to the terminal's width
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    return typer.Exit(code=1)


def _engine(settings: Settings) -> Engine:
    from hub.db import make_engine

    engine = make_engine(settings)
    if not inspect(engine).has_table("graph_outbox"):
        raise _fail(f"the database at {settings.database_url} has no graph outbox; run `hub db upgrade` first")
    return engine


@contextmanager
def _driver(settings: Settings) -> Iterator[Driver]:
    try:
        driver = open_driver(settings)
    except GraphUnavailable as error:
        raise _fail(str(error)) from None
    try:
        yield driver
    finally:
        driver.close()


@graph_app.command("up")
def up(wait: Annotated[float, typer.Option(help="Seconds to wait for Bolt.")] = 120.0) -> None:
    """Start the local Neo4j server (built with Maven the first time)."""
    from graph_sync.local_server import Neo4jLocalError, Neo4jLocalUnavailable, start

    try:
        server = start(Settings.from_env(), wait_seconds=wait)
    except Neo4jLocalUnavailable as error:
        raise _fail(f"cannot start the local Neo4j server: {error}") from None
    except Neo4jLocalError as error:
        raise _fail(str(error)) from None
    verb = "already running" if server.already_running else "started"
    console.print(f"Neo4j {verb}, listening at {server.uri} (pid {server.pid}; data {server.home}; log {server.log_path})")


@graph_app.command("down")
def down(timeout: Annotated[float, typer.Option(help="Seconds before it is killed.")] = 60.0) -> None:
    """Stop the local Neo4j server."""
    from graph_sync.local_server import Neo4jLocalError, stop

    try:
        stopped = stop(Settings.from_env(), timeout_seconds=timeout)
    except Neo4jLocalError as error:
        raise _fail(str(error)) from None
    console.print("stopped" if stopped else "not running")


@graph_app.command("status")
def status() -> None:
    """Whether the local server runs and Bolt answers, and how far the sync is behind (exit 3 if Neo4j is down)."""
    from graph_sync.local_server import status as server_status

    settings = Settings.from_env()
    current = server_status(settings)
    console.print(f"Neo4j: {current.describe()}")
    try:
        from graph_sync.sync import pending_count
        from hub.db import make_engine
        from hub.sessions import make_session_factory

        engine = make_engine(settings)
        if inspect(engine).has_table("graph_outbox"):
            console.print(f"outbox rows waiting for the graph: {pending_count(make_session_factory(engine)):,}")
    except Exception as error:
        console.print(f"database: {error}")
    if not current.reachable:
        raise typer.Exit(code=3)


@graph_app.command("sync")
def sync(
    follow: Annotated[bool, typer.Option("--follow", help="Keep applying new outbox rows until interrupted.")] = False,
    batch_size: Annotated[int, typer.Option(help="Outbox rows per Neo4j transaction.")] = 500,
    interval: Annotated[float, typer.Option(help="With --follow: seconds between looks at the outbox.")] = 0.5,
) -> None:
    """Apply pending outbox rows to the graph (once, or continuously with --follow)."""
    from graph_sync.cypher import ensure_schema
    from graph_sync.leadership import leadership_for
    from graph_sync.sync import SyncWorker, apply_pending, pending_count
    from hub.sessions import make_session_factory

    settings = Settings.from_env()
    factory = make_session_factory(_engine(settings))
    if not follow:
        leadership = leadership_for(factory.kw.get("bind"))
        if not leadership.try_acquire():  # two appliers could interleave stale upserts
            leadership.release()
            console.print(f"another sync process leads and applies the outbox; {pending_count(factory):,} pending")
            return
        try:
            with _driver(settings) as driver:
                ensure_schema(driver)
                started = time.perf_counter()
                applied = apply_pending(factory, driver, batch_size)
                seconds = time.perf_counter() - started
        finally:
            leadership.release()
        console.print(f"applied {applied:,} outbox rows in {seconds:.1f}s; {pending_count(factory):,} pending")
        return

    worker = SyncWorker(settings, factory, interval, batch_size=batch_size)
    stopping = False

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    worker.start()
    console.print(f"following the outbox of {settings.database_url} into {settings.neo4j_uri} (Ctrl-C stops)")
    shown: tuple[bool, int, str | None] | None = None
    try:
        while not stopping:
            time.sleep(0.25)
            current = (worker.leader, worker.applied, worker.last_error)
            if current != shown:
                role = "leader" if worker.leader else "standby (another sync process leads)"
                error = f"; last error: {worker.last_error}" if worker.last_error else ""
                console.print(f"{role}: applied {worker.applied:,}; pending {worker.lag():,}{error}", soft_wrap=True)
                shown = current
    except KeyboardInterrupt:
        pass
    finally:
        worker.stop()
    console.print(f"stopped after applying {worker.applied:,} rows")


@graph_app.command("rebuild")
def rebuild_command(
    batch_size: Annotated[int, typer.Option(help="Records per Neo4j transaction.")] = 5000,
) -> None:
    """Delete the graph and project every record again; the sync then continues from that point."""
    from graph_sync.leadership import leadership_for
    from graph_sync.rebuild import rebuild

    settings = Settings.from_env()
    engine = _engine(settings)
    # A sync worker applying the outbox meanwhile would write into the graph being rebuilt and move the checkpoint.
    leadership = leadership_for(engine)
    if not leadership.try_acquire():
        leadership.release()
        raise _fail(
            "a graph sync worker is applying the outbox: stop `hub graph sync --follow` and the hubs with "
            "HUB_GRAPH_SYNC=1 (or set it to 0 on them) before rebuilding"
        )
    try:
        with _driver(settings) as driver:
            summary = rebuild(engine, driver, batch_size=batch_size, progress=True)
    finally:
        leadership.release()
    table = Table("kind", "written")
    for kind, count in [*summary.nodes.items(), *summary.edges.items()]:
        table.add_row(kind, f"{count:,}")
    Console().print(table)
    console.print(
        f"emptied the graph ({summary.deleted_nodes:,} nodes) in {summary.delete_seconds:.1f}s, then wrote "
        f"{summary.records:,} nodes and edges in {summary.seconds - summary.delete_seconds:.1f}s "
        f"({summary.records_per_second:,.0f} records/s); checkpoint at outbox id {summary.checkpoint}"
    )
    if summary.skipped_edges:
        console.print(f"[yellow]{summary.skipped_edges:,} edges skipped: an endpoint record is missing[/yellow]")


@graph_app.command("check")
def check_command(
    sample: Annotated[int, typer.Option(help="Random nodes per node kind and edges per edge table to compare.")] = 200,
    seed: Annotated[int | None, typer.Option(help="Seed of the sample (random if not given).")] = None,
) -> None:
    """Compare the graph with the records; exit 1 if they differ."""
    from graph_sync.check import check

    settings = Settings.from_env()
    engine = _engine(settings)
    with _driver(settings) as driver:
        report = check(engine, driver, sample=sample, seed=seed)
    table = Table("kind", "records", "graph")
    for kind, (records, found) in [*report.node_counts.items(), *report.edge_counts.items()]:
        style = "" if records == found else "red"
        table.add_row(kind, f"{records:,}", f"{found:,}", style=style)
    Console().print(table)
    console.print(f"compared {report.sampled_nodes:,} sampled nodes and {report.sampled_edges:,} sampled edges")
    if not report.ok:
        for difference in report.differences:
            console.print(f"[red]differs:[/red] {difference}")
        raise typer.Exit(code=1)
    console.print("graph matches the records")
