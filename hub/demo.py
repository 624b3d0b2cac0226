"""`hub demo`: a seeded SQLite database and ready-to-run example requests for every agency.

What a newcomer reads last is where to go: the examples come first, then the address, the page to open and how
to stop. The port is checked before anything is printed or started; the local Neo4j the demo started is stopped
when the demo stops.
"""

from __future__ import annotations

import errno
import json
import shlex
import socket
from dataclasses import dataclass
from urllib.parse import quote

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
    "procuratorate": (
        "The identity file of the cadres it may vet, and its own prosecution reports",
        "{ cadres(first: 3) { totalCount edges { node { name rank unit { name } } } } "
        "negativeRecords(first: 3) { totalCount edges { node { category severity } } } }",
    ),
    "audit": ("Its own audit findings", "{ negativeRecords(first: 3) { totalCount edges { node { category facts } } } }"),
    "petition": ("Petitions and reports it registered", "{ negativeRecords(first: 3) { totalCount edges { node { facts } } } }"),
    "health": (
        "The identity file of the cadres it may vet, and its own family-planning reports (the other departments "
        "alike: ecology, emergency, political_legal, finance)",
        "{ cadres(first: 3) { totalCount edges { node { name rank } } } "
        "negativeRecords(first: 3) { totalCount edges { node { category status reportedOn } } } }",
    ),
    "market": (
        "The identity file of the cadres it may vet, and the personal matters inquiries put to it (real_estate, "
        "banking and securities alike)",
        "{ cadres(first: 3) { totalCount edges { node { name rank } } } "
        "mattersInquiries(pending: true, first: 5) { totalCount edges { node { id askedOn cadre { name } } } } }",
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


class PortInUse(Exception):
    pass


def check_port(settings: Settings) -> None:
    """Raises PortInUse, naming the port and how to change it, when the demo could not listen on it."""
    with socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: a closing socket is no obstacle
        try:
            probe.bind((settings.host, settings.port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            raise PortInUse(
                f"port {settings.port} on {settings.host} is already in use; "
                f"set HUB_PORT to another port (e.g. HUB_PORT={settings.port + 1} make demo) or stop what holds it"
            ) from None


@dataclass(frozen=True)
class Demo:
    examples: str  # the example requests, then the address, the page to open and how to stop
    started_neo4j: bool  # the demo started the local Neo4j (and so stops it)


def prepare_demo(settings: Settings, *, cadres: int, console: Console) -> Demo:
    """Migrate and (if empty) seed the database, start the graph; return the text to show the user."""
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
    started_neo4j = prepare_graph(settings, engine, console)
    engine.dispose()
    return Demo(examples_text(settings, unit_id, started_neo4j=started_neo4j), started_neo4j)


def prepare_graph(settings: Settings, engine: Engine, console: Console) -> bool:
    """Start the local Neo4j when Java and Maven allow it and project the records into an empty graph; whether
    this call started it.

    Without it the relational API serves as usual and graph queries answer 'graph store unavailable'.
    """
    try:
        server = local_server.start(settings)
        console.print(f"graph: Neo4j listening at {server.uri}")
        driver = open_driver(settings)
    except (local_server.Neo4jLocalError, GraphUnavailable) as error:
        console.print(f"[yellow]graph store unavailable, serving the records only:[/yellow] {error}")
        return False
    started = not server.already_running
    try:
        with graph_session(driver, read=True) as session:
            nodes = session.run("MATCH (n) RETURN count(n) AS n").single(strict=True)["n"]
        if nodes == 0:
            console.print("graph: projecting the records into Neo4j ...")
            rebuild(engine, driver, progress=True)
    finally:
        driver.close()
    return started


def stop_graph(settings: Settings, console: Console) -> None:
    console.print("stopping the local Neo4j the demo started ...")
    local_server.stop(settings)


def examples_text(settings: Settings, unit_id: int | None, *, started_neo4j: bool = False) -> str:
    site = f"http://{settings.host}:{settings.port}"
    url = f"{site}/graphql"
    lines = ["One example request per agency (each with its own token):", ""]
    for agency, (title, query) in EXAMPLES.items():
        token = mint_token(
            settings, agency=agency, user=f"demo-{agency}", jurisdiction=CITY, level="city",
            unit_id=unit_id if agency == "unit" else None,
        )
        headers = ["-H", "Content-Type: application/json", "-H", f"Authorization: Bearer {token}"]
        if agency == "inspector":
            # A configured reason (线索核查: checking a lead), percent-encoded as the header travels; a case number would
            # have to name one of the inspectors' cases.
            headers += ["-H", f"X-Purpose: {quote('线索核查：两个圈子')}"]
        command = ["curl", "-s", url, *headers, "-d", json.dumps({"query": query}, ensure_ascii=False)]
        lines += [f"# {agency}: {title}", " ".join(shlex.quote(part) for part in command), ""]
    neo4j = (
        "the local Neo4j it started stops with it" if started_neo4j
        else "a local Neo4j started earlier keeps running: `hub graph down` stops it"
    )
    lines += [
        f"The hub serves GraphQL at {url}",
        f"Open {site}/ in a browser: GraphiQL ({site}/graphiql) and the investigator view ({site}/explore);",
        "log in there with a token above.",
        f"Ctrl-C to stop ({neo4j}).",
    ]
    return "\n".join(lines)
