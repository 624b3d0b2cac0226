"""`hub policy check`: every policy line must name something that exists; print who may do what."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import casbin
import strawberry
from rich.console import Console
from rich.table import Table

from hub.agencies import Agencies
from policies.agencies import AGENCIES_FILE, load_agencies
from policies.catalog import Catalog
from policies.enforcement import POLICY_DIR, PolicyStore, load_enforcer, policy_agencies

FIELD_ACTIONS = {"read", "read_masked", "write"}
REQUEST_ACTIONS = {"required"}
EFFECTS = {"allow", "deny"}


def policy_problems(enforcer: casbin.Enforcer, catalog: Catalog, agencies: Agencies) -> list[str]:
    problems = []
    for subject in policy_agencies(enforcer):
        if subject not in agencies:
            problems.append(f"agency '{subject}' has policy lines but is not declared in {AGENCIES_FILE}")
    for line in enforcer.get_policy():
        if len(line) != 4:
            problems.append(f"{', '.join(line)}: expected subject, object, action, effect")
            continue
        subject, obj, action, effect = line
        where = f"p, {subject}, {obj}, {action}, {effect}"
        if not catalog.knows(obj):
            problems.append(f"{where}: no type or field named '{obj}'")
        if obj.startswith("Row."):
            if not action.startswith("scope:"):
                problems.append(f"{where}: a row object takes a scope:<name> action")
            elif action.removeprefix("scope:") not in catalog_scopes(obj):
                problems.append(f"{where}: unknown scope; known: {', '.join(catalog_scopes(obj))}")
        elif obj.startswith("Request."):
            if action not in REQUEST_ACTIONS:
                problems.append(f"{where}: a request object takes the action 'required'")
        elif action not in FIELD_ACTIONS:
            problems.append(f"{where}: unknown action; known: {', '.join(sorted(FIELD_ACTIONS))}")
        if effect not in EFFECTS:
            problems.append(f"{where}: the effect must be allow or deny")
    roles = {line[1] for line in enforcer.get_grouping_policy()}
    subjects = {line[0] for line in enforcer.get_policy()}
    for role in sorted(roles - subjects):
        problems.append(f"role '{role}' is inherited but has no policy lines")
    return problems


def catalog_scopes(obj: str) -> tuple[str, ...]:
    from policies.catalog import ROW_SCOPES

    return ROW_SCOPES.get(obj.removeprefix("Row."), ())


def check_policy(
    build_schema: Callable[..., strawberry.Schema], policy_dir: Path = POLICY_DIR, policy_db_url: str | None = None
) -> tuple[list[str], PolicyStore]:
    """The policy's problems against the full schema built for its agencies (`build_schema` is the schema's
    `build_full_schema`, passed in by the caller: the schema sits above policies)."""
    agencies = load_agencies(policy_dir)
    store = PolicyStore(build_schema(agencies=agencies), policy_dir, policy_db_url)
    return policy_problems(load_enforcer(policy_dir, policy_db_url), store.catalog, agencies), store


def print_matrix(store: PolicyStore, console: Console) -> None:
    """One row per Type.field, one column per agency: R read, M masked, W write."""
    agencies = store.agencies
    table = Table(title=f"access matrix (policy version {store.version}): R read, M masked, W write")
    table.add_column("Type.field", no_wrap=True)
    for agency in agencies:
        table.add_column(agency, no_wrap=True, justify="center")
    grants = {agency: store.grant(agency) for agency in agencies}
    for obj in sorted(store.catalog.read_objects | store.catalog.write_objects):
        cells = []
        for agency in agencies:
            grant = grants[agency]
            mark = "R" if obj in grant.readable else "M" if obj in grant.masked else ""
            mark += "W" if obj in grant.writable else ""
            cells.append(mark or "·")
        table.add_row(obj, *cells)
    console.print(table)
