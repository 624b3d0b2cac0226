"""Saved investigations in GraphQL: save what the investigator's view draws to a case, list the agency's, open one.

Only the agency that saved an investigation sees it, and only while it may read the case. Saving and opening name
the case number as the request's purpose (X-Purpose), so the access audit names the case, and opening notes the
cadres of the saved subgraph, so the audit entry of the opening names them too.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

import strawberry
from sqlalchemy import select
from strawberry.scalars import JSON
from strawberry.types import Info

from graph_sync.access import graph_access
from graph_sync.model import NodeKind, parse_node_key
from hub import models
from schema.context import RequestContext, context_of
from schema.errors import BadInput
from schema.mutations import audit_write, run_write

MAX_SAVED_BYTES = 2_000_000  # subgraph and layout together, as JSON
MAX_SAVED_NODES = 2000


@strawberry.type(description="A saved investigation in the list: which case, what it is called, who saved it.")
class InvestigationSummary:
    id: int
    case_number: str
    title: str
    author: str
    saved_at: datetime


@strawberry.type(description="调查存档: a drawn subgraph, its layout and notes, saved to a case.")
class SavedInvestigation:
    id: int
    case_number: str
    title: str
    notes: str
    author: str
    saved_at: datetime
    subgraph: JSON
    layout: JSON


@strawberry.input(description="What to save: the case it belongs to, a title, notes, the drawn subgraph and layout.")
class InvestigationInput:
    case_number: str
    title: str
    subgraph: JSON
    layout: JSON
    notes: str = ""


def _case(context: RequestContext, number: str) -> models.Case:
    """The case, if the caller's agency works on it and the purpose names it (as for every step on a case)."""
    if number not in context.purpose:
        raise BadInput("caseNumber", "state the case number as the purpose of access (X-Purpose)")
    case = context.session.scalar(
        select(models.Case).where(
            models.Case.number == number, models.Case.agency == context.access.principal.agency,
            context.loaders.scoped(models.Case),
        )
    )
    if case is None:
        raise BadInput("caseNumber", f"no case {number} that your agency works on")
    return case


def _cadre_ids(subgraph: dict[str, Any]) -> set[int]:
    ids = set()
    for node in subgraph.get("nodes", []):
        try:
            kind, record_id = parse_node_key(str(node.get("id", "")))
        except (ValueError, AttributeError):
            continue
        if kind is NodeKind.CADRE:
            ids.add(record_id)
    return ids


def _as_the_opener_sees(context: RequestContext, subgraph: dict[str, Any], layout: dict[str, Any]) -> tuple[Any, Any]:
    """The saved drawing cut to what the opener may see now: nodes of kinds it reads and, for cadres and persons,
    within its row scope (a colleague's may be narrower than the author's); their saved properties cut to its
    fields; edges of kinds it reads between the nodes kept; the layout of those nodes only."""
    access = graph_access(context.access, context.access.rows.cadre_scope_names())
    nodes: dict[str, tuple[NodeKind, int, dict[str, Any]]] = {}
    for node in subgraph.get("nodes", []) if isinstance(subgraph.get("nodes"), list) else []:
        try:
            kind, record_id = parse_node_key(str(node.get("id", "")))
        except (ValueError, AttributeError):
            continue
        if kind in access.node_properties:
            nodes[str(node["id"])] = (kind, record_id, node)
    for kind, model in ((NodeKind.CADRE, models.Cadre), (NodeKind.PERSON, models.Person)):
        ids = [record_id for node_kind, record_id, _node in nodes.values() if node_kind is kind]
        if ids:
            visible = set(context.session.scalars(select(model.id).where(model.id.in_(ids), context.loaders.scoped(model))))
            nodes = {key: found for key, found in nodes.items() if found[0] is not kind or found[1] in visible}
    kept_nodes = []
    for kind, _record_id, node in nodes.values():
        if isinstance(node.get("properties"), dict):
            node = {**node, "properties": access.cut_node(kind, node["properties"])}
        kept_nodes.append(node)
    kept_edges = []
    for edge in subgraph.get("edges", []) if isinstance(subgraph.get("edges"), list) else []:
        if not isinstance(edge, dict) or edge.get("source") not in nodes or edge.get("target") not in nodes:
            continue
        edge_kind = next((kind for kind in access.edge_kinds if kind.value == edge.get("kind")), None)
        if edge_kind is None:
            continue
        if isinstance(edge.get("properties"), dict):
            edge = {**edge, "properties": access.cut_edge(edge_kind, edge["properties"])}
        kept_edges.append(edge)
    cut = {**subgraph, "nodes": kept_nodes, "edges": kept_edges}
    if isinstance(subgraph.get("root"), list):
        cut["root"] = [key for key in subgraph["root"] if key in nodes]
    return cut, {key: place for key, place in layout.items() if key in nodes}


def _checked(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadInput(name, "must be a JSON object")
    return value


def _summary(row: models.SavedInvestigation, number: str) -> InvestigationSummary:
    return InvestigationSummary(id=row.id, case_number=number, title=row.title, author=row.author_user, saved_at=row.saved_at)


def _saved(row: models.SavedInvestigation, number: str, subgraph: Any, layout: Any) -> SavedInvestigation:
    return SavedInvestigation(
        id=row.id, case_number=number, title=row.title, notes=row.notes, author=row.author_user, saved_at=row.saved_at,
        subgraph=cast(JSON, subgraph), layout=cast(JSON, layout),
    )  # fmt: skip


def _own(context: RequestContext) -> Any:
    """Investigations of the caller's agency on the cases it may read, with their case numbers."""
    investigation = models.SavedInvestigation
    return (
        select(investigation, models.Case.number)
        .join(models.Case, models.Case.id == investigation.case_id)
        .where(investigation.agency == context.access.principal.agency, context.loaders.scoped(models.Case))
    )


@strawberry.type
class InvestigationQueries:
    @strawberry.field(description="Investigations your agency saved, newest first, optionally of one case.")
    def investigations(self, info: Info, case_number: str | None = None) -> list[InvestigationSummary]:
        context = context_of(info)
        statement = _own(context)
        if case_number is not None:
            statement = statement.where(models.Case.number == case_number)
        rows = context.session.execute(statement.order_by(models.SavedInvestigation.id.desc())).all()
        return [_summary(row, number) for row, number in rows]

    @strawberry.field(description="Open a saved investigation of your agency; its case number must be the purpose "
                                  "(the opening is audited with it, naming the cadres drawn).")
    def open_investigation(self, info: Info, id: int) -> SavedInvestigation | None:
        context = context_of(info)
        found = context.session.execute(_own(context).where(models.SavedInvestigation.id == id)).first()
        if found is None:
            return None
        row, number = found
        if number not in context.purpose:
            raise BadInput("id", f"state the case number {number} as the purpose of access (X-Purpose) to open it")
        subgraph, layout = _as_the_opener_sees(context, row.subgraph, row.layout)
        context.read_log.cadre_ids.update(_cadre_ids(subgraph))
        return _saved(row, number, subgraph, layout)


@strawberry.type
class InvestigationMutations:
    @strawberry.mutation(description="Save the drawn subgraph, its layout and notes to a case your agency works on "
                                     "(its number the purpose); the agency may open it again.")
    def save_investigation(self, info: Info, input: InvestigationInput) -> SavedInvestigation:
        context = context_of(info)
        subgraph, layout = _checked(input.subgraph, "subgraph"), _checked(input.layout, "layout")
        if len(json.dumps([subgraph, layout])) > MAX_SAVED_BYTES:
            raise BadInput("subgraph", f"the subgraph and layout may take at most {MAX_SAVED_BYTES:,} bytes as JSON")
        if not isinstance(subgraph.get("nodes", []), list) or len(subgraph.get("nodes", [])) > MAX_SAVED_NODES:
            raise BadInput("subgraph", f"nodes must be a list of at most {MAX_SAVED_NODES} nodes")
        title = input.title.strip()
        if not 1 <= len(title) <= 200:
            raise BadInput("title", "must be 1 to 200 characters")
        case = _case(context, input.case_number.strip())
        principal = context.access.principal

        def save() -> models.SavedInvestigation:
            row = models.SavedInvestigation(
                case_id=case.id, agency=principal.agency, author_user=principal.user, title=title, notes=input.notes,
                subgraph=subgraph, layout=layout,
            )  # fmt: skip
            context.session.add(row)
            context.session.flush()
            return row

        fields = ("SavedInvestigation.subgraph", "SavedInvestigation.layout", "SavedInvestigation.notes")
        row = run_write(context, save, lambda saved: audit_write(context, "saveInvestigation", _cadre_ids(subgraph), fields))
        return _saved(row, case.number, row.subgraph, row.layout)
