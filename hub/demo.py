"""`hub demo`: a seeded SQLite database and ready-to-run example requests for every agency."""

from __future__ import annotations

import json
import shlex

from rich.console import Console
from sqlalchemy import Engine, func, select

from graph_sync import local_server
from graph_sync.driver import GraphUnavailable, graph_session, open_driver
from graph_sync.rebuild import rebuild
from hub.auth import mint_token
from hub.db import make_engine
from hub.migrate import upgrade
from hub.models import Cadre
from hub.seed import seed_database
from hub.settings import Settings

CITY = "huzhou"

EXAMPLES: dict[str, tuple[str, str]] = {
    "org": (
        "Cadres on the negative list, with posts, relatives and records",
        "{ cadres(filter: {onNegativeList: true}, first: 3) { totalCount edges { node { name idNumber rank "
        "posts { title unit { name } } relatives { kind person { name occupation } } "
        "negativeRecords { category status reportingAgency } } } } }",
    ),
    "discipline": (
        "Its own reports and the identity file (ID numbers masked)",
        "{ negativeRecords(first: 3) { totalCount edges { node { category status facts cadre { name idNumber } } } } }",
    ),
    "police": (
        "Its own reports of public-order and speech records",
        "{ negativeRecords(first: 3) { totalCount edges { node { category severity reportedOn cadre { name } } } } }",
    ),
    "court": ("Its own litigation reports", "{ negativeRecords(first: 3) { totalCount edges { node { category status } } } }"),
    "procuratorate": ("Its own prosecution reports", "{ negativeRecords(first: 3) { totalCount } }"),
    "audit": ("Its own audit findings", "{ negativeRecords(first: 3) { totalCount edges { node { category facts } } } }"),
    "petition": ("Petitions and reports it registered", "{ negativeRecords(first: 3) { totalCount edges { node { facts } } } }"),
    "health": (
        "Its own family-planning reports (the other departments alike: ecology, emergency, political_legal, finance)",
        "{ negativeRecords(first: 3) { totalCount edges { node { category status reportedOn } } } }",
    ),
    "market": (
        "The personal matters inquiries put to it (real_estate, banking and securities alike)",
        "{ mattersInquiries(pending: true, first: 5) { totalCount edges { node { id askedOn cadre { name } } } } }",
    ),
    "unit": (
        "Its own cadres, its appointment requests and the selections for its posts",
        "{ cadres(first: 5) { totalCount edges { node { name rank posts { title } } } } "
        "appointmentRequests(first: 5) { totalCount edges { node { status post { title } } } } "
        "selections(first: 5) { edges { node { status reviewOutcomes { conclusion } } } } }",
    ),
    "inspector": (
        "The network two hops around a cadre, drawn from Neo4j (send X-Purpose)",
        '{ network(personId: "cadre:1", hops: 2, limit: 25) { truncated nodes { id kind properties } '
        "edges { kind source target } } }",
    ),
    "security": (
        "Who read what, and why",
        "{ accessAudit(first: 5) { totalCount edges { node { at agency user operation fields cadreIds purpose } } } }",
    ),
}


def prepare_demo(settings: Settings, *, cadres: int, console: Console) -> str:
    """Migrate and (if empty) seed the database; return the text to show the user."""
    engine = make_engine(settings)
    upgrade(engine)
    with engine.connect() as connection:
        existing = connection.scalar(select(func.count()).select_from(Cadre)) or 0
        if existing == 0:
            console.print(f"seeding {cadres:,} cadres into {settings.database_url} ...")
            seed_database(engine, cadres=cadres, seed=7, progress=True)
        else:
            console.print(f"using the existing demo database ({existing:,} cadres) at {settings.database_url}")
        unit_id = connection.scalar(select(Cadre.unit_id).order_by(Cadre.id).limit(1))
    prepare_graph(settings, engine, console)
    engine.dispose()
    return examples_text(settings, unit_id)


def prepare_graph(settings: Settings, engine: Engine, console: Console) -> None:
    """Start the local Neo4j when Java and Maven allow it and project the records into an empty graph.

    Without it the relational API serves as usual and graph queries answer 'graph store unavailable'.
    """
    try:
        server = local_server.start(settings)
        console.print(f"graph: Neo4j listening at {server.uri}")
        driver = open_driver(settings)
    except (local_server.Neo4jLocalError, GraphUnavailable) as error:
        console.print(f"[yellow]graph store unavailable, serving the records only:[/yellow] {error}")
        return
    try:
        with graph_session(driver, read=True) as session:
            nodes = session.run("MATCH (n) RETURN count(n) AS n").single(strict=True)["n"]
        if nodes == 0:
            console.print("graph: projecting the records into Neo4j ...")
            rebuild(engine, driver, progress=True)
    finally:
        driver.close()


def examples_text(settings: Settings, unit_id: int | None) -> str:
    url = f"http://{settings.host}:{settings.port}/graphql"
    lines = [
        f"The hub serves GraphQL at {url}; in a browser, open http://{settings.host}:{settings.port}/graphiql",
        "(GraphiQL) or /explore (the investigator view) and log in with one of these tokens.",
        "One example request per agency:",
        "",
    ]
    for agency, (title, query) in EXAMPLES.items():
        token = mint_token(
            settings, agency=agency, user=f"demo-{agency}", jurisdiction=CITY, level="city",
            unit_id=unit_id if agency == "unit" else None,
        )
        headers = ["-H", "Content-Type: application/json", "-H", f"Authorization: Bearer {token}"]
        if agency == "inspector":
            headers += ["-H", "X-Purpose: XC-2025-0001 demo: review of the two circles"]  # names a case
        command = ["curl", "-s", url, *headers, "-d", json.dumps({"query": query}, ensure_ascii=False)]
        lines += [f"# {agency}: {title}", " ".join(shlex.quote(part) for part in command), ""]
    return "\n".join(lines)
