"""The `hub` command: serve, demo, database, seed, tokens, policy, audit and schema tools."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hub.graph_cli import graph_app
from hub.logs import configure_logging
from hub.settings import InsecureConfiguration, Settings, refuse_insecure_production
from hub.shell.detect_cli import detect_app

app = typer.Typer(no_args_is_help=True, add_completion=False, help="The cadre data hub.")
db_app = typer.Typer(no_args_is_help=True, help="The relational database.")
policy_app = typer.Typer(no_args_is_help=True, help="The Casbin access policy.")
audit_app = typer.Typer(no_args_is_help=True, help="The access audit.")
schema_app = typer.Typer(no_args_is_help=True, help="The GraphQL schema each agency sees.")
app.add_typer(db_app, name="db")
app.add_typer(policy_app, name="policy")
app.add_typer(audit_app, name="audit")
app.add_typer(schema_app, name="schema")
app.add_typer(graph_app, name="graph")
app.add_typer(detect_app, name="detect")

console = Console(stderr=True)


def _settings() -> Settings:
    return Settings.from_env()


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)  # plain echo: one line, never wrapped to the terminal's width
    return typer.Exit(code=1)


def _refuse(refusal: InsecureConfiguration) -> typer.Exit:
    typer.echo(f"error: {refusal}", err=True)  # plain echo: one line, never wrapped to the terminal's width
    return typer.Exit(code=1)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Create or migrate the database schema (Alembic)."""
    from hub.db import make_engine
    from hub.migrate import upgrade

    settings = _settings()
    upgrade(make_engine(settings), revision)
    console.print(f"database at {settings.database_url} is at revision {revision}")


@app.command()
def seed(
    cadres: Annotated[int, typer.Option(help="How many cadres (100 to 200,000).")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 7,
    batch_size: Annotated[int, typer.Option(help="Cadres per transaction.")] = 2000,
) -> None:
    """Fill an empty database with deterministic demo data."""
    from hub.db import make_engine
    from hub.migrate import upgrade
    from hub.seed import SeedError, seed_database

    if not 100 <= cadres <= 200_000:
        raise _fail("--cadres must be between 100 and 200,000")
    engine = make_engine(_settings())
    upgrade(engine)
    try:
        summary = seed_database(engine, cadres=cadres, seed=seed, batch_size=batch_size, progress=True)
    except SeedError as error:
        raise _fail(str(error)) from None
    table = Table("table", "rows")
    for name, count in summary.counts.items():
        table.add_row(name, f"{count:,}")
    Console().print(table)


# uvicorn[standard]: the uvloop event loop and the httptools HTTP parser instead of asyncio's loop and pure-Python h11.
# Every `uvicorn.run` below passes loop="uvloop", http="httptools".


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (HUB_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (HUB_PORT).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, envvar="HUB_WORKERS", help="Worker processes, each serving the whole API (uvicorn workers)."),
    ] = None,
) -> None:
    """Serve the hub (GraphQL at /graphql)."""
    import uvicorn

    from hub.app import create_app

    settings = _settings()
    settings = replace(settings, host=host or settings.host, port=port or settings.port)
    if workers is not None and workers > 1:
        try:
            refuse_insecure_production(settings)
        except InsecureConfiguration as refusal:
            raise _refuse(refusal) from None
        # Each worker builds its own app from the environment, so the options travel there.
        os.environ["HUB_HOST"], os.environ["HUB_PORT"] = settings.host, str(settings.port)
        uvicorn.run(
            "hub.app:create_app", factory=True, workers=workers, host=settings.host, port=settings.port,
            log_level="info", loop="uvloop", http="httptools",
        )
        return
    try:
        application = create_app(settings)
    except InsecureConfiguration as refusal:
        raise _refuse(refusal) from None
    log_config = configure_logging(settings.log_format, settings.log_level, settings.log_casbin)
    uvicorn.run(application, host=settings.host, port=settings.port, log_config=log_config, loop="uvloop", http="httptools")


@app.command()
def demo(
    cadres: Annotated[int, typer.Option(help="Cadres to seed into a new demo database.")] = 1000,
    port: Annotated[int | None, typer.Option(help="Listen port.")] = None,
) -> None:
    """Create the SQLite database, seed demo data, print a token and example query per agency, and serve."""
    import uvicorn

    from hub.app import create_app
    from hub.demo import PortInUse, check_port, prepare_demo, stop_graph

    settings = _settings()
    settings = replace(settings, port=port or settings.port)
    try:
        check_port(settings)  # before anything is printed or started
        refuse_insecure_production(settings)
    except PortInUse as busy:
        raise _fail(str(busy)) from None
    except InsecureConfiguration as refusal:
        raise _refuse(refusal) from None
    demo = prepare_demo(settings, cadres=cadres, console=console)
    # The demo's console shows the example requests and where to go: plain text, warnings only.
    log_config = configure_logging("text", "WARNING", settings.log_casbin)
    application = create_app(settings)
    print(demo.examples, flush=True)
    try:
        uvicorn.run(application, host=settings.host, port=settings.port, log_config=log_config, loop="uvloop", http="httptools")
    finally:
        if demo.started_neo4j:
            stop_graph(settings, console)


@app.command()
def token(
    agency: Annotated[str, typer.Option(help="Agency code from the policy (org, police, ...).")],
    user: Annotated[str, typer.Option(help="User id inside the agency.")],
    jurisdiction: Annotated[str | None, typer.Option(help="Jurisdiction code, e.g. huzhou or wuxing.")] = "huzhou",
    level: Annotated[str | None, typer.Option(help="Management authority: city or county.")] = "city",
    unit_id: Annotated[int | None, typer.Option(help="The employing unit (for the unit agency).")] = None,
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds.")] = 8 * 3600,
) -> None:
    """Mint a development token (HS256 with HUB_JWT_SECRET)."""
    from hub.auth import mint_token

    if level not in (None, "city", "county"):
        raise _fail("--level must be city or county")
    print(
        mint_token(
            _settings(), agency=agency, user=user, jurisdiction=jurisdiction, level=level, unit_id=unit_id,
            ttl_seconds=ttl,
        )
    )


@policy_app.command("check")
def policy_check(
    matrix: Annotated[bool, typer.Option(help="Print the agency × Type.field × read/write matrix.")] = True,
) -> None:
    """Check every policy line names an existing type or field; print the access matrix."""
    from policies.check import check_policy, print_matrix
    from schema.build import build_full_schema

    settings = _settings()
    problems, store = check_policy(build_full_schema, settings.policy_dir, settings.policy_db_url)
    if matrix:  # wide enough for every agency's column: a truncated code would name no agency
        print_matrix(store, Console(width=max(240, 48 + sum(len(agency) + 3 for agency in store.agencies))))
    if problems:
        for problem in problems:
            console.print(f"[red]policy:[/red] {problem}")
        raise typer.Exit(code=1)
    console.print("policy OK")


@policy_app.command("reload")
def policy_reload() -> None:
    """Check the policy, then have running hubs reload it (they watch it; on PostgreSQL they are also told)."""
    from policies.check import check_policy
    from policies.watch import announce_policy_reload
    from schema.build import build_full_schema

    settings = _settings()
    problems, store = check_policy(build_full_schema, settings.policy_dir, settings.policy_db_url)
    if problems:
        for problem in problems:
            console.print(f"[red]policy:[/red] {problem}")
        raise _fail("the policy has errors; running hubs keep the previous one")
    if not settings.policy_db_url:
        (settings.policy_dir / "policy.csv").touch()
    try:
        announced = announce_policy_reload(settings.database_url, store.digest)
    except Exception as error:
        raise _fail(
            f"policy OK, but running hubs could not be told ({error}); those watching it reload within a second"
        ) from None
    told = "running hubs were told to reload it" if announced else "running hubs pick it up within a second"
    typer.echo(f"policy OK (digest {store.digest}); {told}", err=True)


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain of the access audit; exit 1 if any entry was edited, removed or inserted."""
    from hub import audit
    from hub.audit_seal import AuditKeyMissing
    from hub.db import make_engine
    from hub.sessions import make_session_factory

    with make_session_factory(make_engine(_settings()))() as session:
        try:
            problems = audit.verify(session)
        except AuditKeyMissing as missing:
            raise _fail(str(missing)) from None
    if problems:
        for problem in problems:
            where = f"entry {problem.entry_id}" if problem.entry_id else "chain"
            console.print(f"[red]tampered:[/red] {where}: {escape(problem.reason)}")
        raise typer.Exit(code=1)
    console.print("audit chain intact")


@audit_app.command("review")
def audit_review() -> None:
    """Scan the audit entries appended since the last review and record anomaly alerts for the security officer
    (reads outside the purpose's case or selection, volume far above the user's baseline, repeated lookups, bulk
    exports, senior cadres); entries already scanned never alert again. Run it from cron or a timer."""
    from hub.db import make_engine
    from hub.services.audit_review import Thresholds, review
    from hub.sessions import make_session_factory

    settings = _settings()
    with make_session_factory(make_engine(settings))() as session:
        result = review(session, Thresholds.of(settings))
    for key in result.raised:
        console.print(f"alert: {escape(key)}")
    console.print(f"reviewed {result.scanned} audit entries; {len(result.raised)} new alert(s)")


@schema_app.command("export")
def schema_export(
    agency: Annotated[str, typer.Option(help="Agency code.")],
    output: Annotated[Path | None, typer.Option(help="Write here instead of standard output.")] = None,
) -> None:
    """Write the SDL that one agency sees (for frontend code generators)."""
    from policies.agencies import load_agencies
    from policies.enforcement import PolicyStore, UnknownAgency
    from schema.build import build_full_schema

    settings = _settings()
    schema = build_full_schema(agencies=load_agencies(settings.policy_dir))
    store = PolicyStore(schema, settings.policy_dir, settings.policy_db_url)
    try:
        sdl = str(store.grant(agency).schema)
    except UnknownAgency:
        raise _fail(f"the policy has no agency '{agency}' (known: {', '.join(store.agencies)})") from None
    if output:
        output.write_text(sdl + "\n", encoding="utf-8")
    else:
        sys.stdout.write(sdl + "\n")


def main() -> None:
    try:
        app()
    except Exception as error:
        from hub.operator_errors import operator_hint

        hint = operator_hint(error)
        if hint is None:
            raise
        typer.echo(f"error: {hint}", err=True)  # plain echo: one line, never wrapped to the terminal's width
        sys.exit(1)


if __name__ == "__main__":
    main()



