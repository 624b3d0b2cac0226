"""`hub demo`: a seeded SQLite database and ready-to-run example requests for every agency."""

from __future__ import annotations

import json
import shlex

from rich.console import Console
from sqlalchemy import func, select

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
    "unit": (
        "Its own cadres' basic file and posts",
        "{ cadres(first: 5) { totalCount edges { node { name rank posts { title } } } } }",
    ),
    "inspector": (
        "The two circles around cadres (send X-Purpose)",
        "{ cadres(first: 2) { edges { node { name relatives { kind person { name employer organizationRoles "
        "{ role organization { name supplyContracts { unit { name } amount } } } } } ties { kind source } } } } }",
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
    engine.dispose()
    return examples_text(settings, unit_id)


def examples_text(settings: Settings, unit_id: int | None) -> str:
    url = f"http://{settings.host}:{settings.port}/graphql"
    lines = [
        f"The hub serves GraphQL at {url} (open it in a browser for GraphiQL; paste a token as the",
        'header {"Authorization": "Bearer <token>"}). One example request per agency:',
        "",
    ]
    for agency, (title, query) in EXAMPLES.items():
        token = mint_token(
            settings, agency=agency, user=f"demo-{agency}", jurisdiction=CITY, level="city",
            unit_id=unit_id if agency == "unit" else None,
        )
        headers = ["-H", "Content-Type: application/json", "-H", f"Authorization: Bearer {token}"]
        if agency == "inspector":
            headers += ["-H", "X-Purpose: demo: review of the two circles"]
        command = ["curl", "-s", url, *headers, "-d", json.dumps({"query": query}, ensure_ascii=False)]
        lines += [f"# {agency}: {title}", " ".join(shlex.quote(part) for part in command), ""]
    return "\n".join(lines)
