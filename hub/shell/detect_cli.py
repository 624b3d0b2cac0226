"""`hub detect run`: the detection rules over every cadre of a scope (or only what changed since the last run),
with a progress bar, then a table of what each rule found."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from hub.settings import Settings

detect_app = typer.Typer(no_args_is_help=True, help="Detection runs: the rules over the cadres, each hit an alert.")
console = Console(stderr=True)


@detect_app.command("run")
def detect_run(
    incremental: Annotated[bool, typer.Option(
        "--incremental", help="Only the cadres whose neighbourhood changed since the last run.")] = False,
    jurisdiction: Annotated[str | None, typer.Option(help="Only the cadres of this jurisdiction.")] = None,
    level: Annotated[str | None, typer.Option(help="Only cadres of this management level: city or county.")] = None,
    as_of: Annotated[str | None, typer.Option(help="The day the rules look at (YYYY-MM-DD; default today).")] = None,
    batch_size: Annotated[int, typer.Option(help="Cadres per batch (one transaction each).")] = 1000,
    graph: Annotated[bool, typer.Option(help="Run the graph rules (conflicts, nominator ties) on Neo4j.")] = True,
) -> None:
    """Run every detection rule; each hit becomes an alert (the same evidence never twice)."""
    from graph_sync.driver import open_driver
    from hub.db import make_engine
    from hub.migrate import upgrade
    from hub.models.enums import ManagementLevel
    from hub.services.detection.runner import run_full, run_incremental
    from hub.services.detection.scope import CadreSet
    from hub.services.workflows import clock
    from hub.sessions import make_session_factory

    settings = Settings.from_env()
    try:
        day = date.fromisoformat(as_of) if as_of else clock.today()
        scope = CadreSet(jurisdiction=jurisdiction, level=ManagementLevel(level) if level else None)
    except ValueError as error:
        raise _fail(str(error)) from None
    if not 1 <= batch_size <= 5000:
        raise _fail("--batch-size must be between 1 and 5000")
    if incremental and not graph:
        raise _fail("--incremental follows the graph sync: it needs the graph")
    engine = make_engine(settings)
    upgrade(engine)
    sessions = make_session_factory(engine)
    driver = open_driver(settings) if graph else None
    columns = (TextColumn("detecting"), BarColumn(), MofNCompleteColumn(), TextColumn("cadres"),
               TimeElapsedColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task("detect", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            if incremental:
                assert driver is not None
                changed = run_incremental(sessions, driver, day, cadres=scope, progress=advance)
                console.print(f"outbox {changed.outbox_from}→{changed.outbox_to}: {changed.cadres} cadres changed")
                summary = changed.run
            else:
                summary = run_full(sessions, driver, day, cadres=scope, batch_size=batch_size, progress=advance)
    finally:
        if driver is not None:
            driver.close()
        engine.dispose()
    if summary is None:
        console.print("nothing changed since the last run")
        return
    table = Table("rule", "findings")
    for rule, count in sorted(summary.by_rule.items()):
        table.add_row(rule, f"{count:,}")
    Console().print(table)
    recorded = summary.recorded
    Console().print(
        f"{summary.cadres:,} cadres in {summary.seconds:.1f} s ({summary.cadres_per_second:,.0f}/s): "
        f"{recorded.created} new alerts, {recorded.reopened} reopened, {recorded.changed} with new evidence, "
        f"{recorded.seen} seen again"
    )


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)
