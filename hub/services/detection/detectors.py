"""The detection rules, each over a batch of cadres: a few statements per batch, never one per cadre.

Evidence holds only facts that stay put as days pass (dates, keys, kinds), so the same facts found again give the
same fingerprint, and an alert reopens only when the facts change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from neo4j import Driver
from sqlalchemy import and_, or_, select, union
from sqlalchemy.orm import Session, aliased

from graph_sync.detection import NominationPair, nominator_ties
from graph_sync.model import NodeKind, node_key, parse_node_key
from graph_sync.queries import every_conflict_of_interest
from hub import models
from hub.models.enums import NegativeStatus, SelectionStatus
from hub.models.workflow import JointReview, ReviewAnswer
from hub.services.detection.findings import Finding, cadre, subject
from hub.services.detection.scope import CadreSet
from hub.services.workflows import alerts, rules
from hub.services.workflows.fit import START_INSPECTION

NOMINATOR_TIE_HOPS = 3  # nominee ↔ first nominator: a classmate, a relative, a relative's associate
APPOINTED_WITHIN_YEARS = 3  # a bad appointment is traced back when made in the last three years
DISCIPLINE_AGENCY = "discipline"
GRAPH_TIMEOUT = 120.0
OPEN_SELECTIONS = [SelectionStatus(value) for value in sorted(rules.OPEN_SELECTION_STATUSES)]



@dataclass(frozen=True)
class Batch:
    session: Session
    driver: Driver | None  # None: the graph rules are skipped (no graph configured)
    cadres: CadreSet
    as_of: date


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


# ---- conflicts of interest (graph) ---------------------------------------------------------------


def conflicts_of_interest(batch: Batch, cadre_ids: list[int]) -> list[Finding]:
    if batch.driver is None or not cadre_ids:
        return []
    keys = [cadre(record_id) for record_id in cadre_ids]
    routes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    heads: dict[str, tuple[str, int, dict[str, Any]]] = {}
    for found in every_conflict_of_interest(batch.driver, keys, timeout=GRAPH_TIMEOUT):
        about = subject(found.cadre.id, found.via.id, found.organization.id, found.unit.id, found.post.id)
        heads[about] = (found.rule, parse_node_key(found.cadre.id)[1], {
            "cadre": found.cadre.id, "via": found.via.id, "organization": found.organization.id,
            "unit": found.unit.id, "post": found.post.id,
        })
        routes[about].append({"edges": [edge.id for edge in found.path.edges], "windowStart": _iso(found.window_start),
                              "windowEnd": _iso(found.window_end), "explanation": found.explanation})
    return [
        Finding(rule, about, cadre_id, {**head, "routes": sorted(routes[about], key=lambda route: route["edges"])})
        for about, (rule, cadre_id, head) in heads.items()
    ]


# ---- the nominee tied to the first nominator (graph) ---------------------------------------------


def nominator_tie_findings(batch: Batch, _cadre_ids: list[int]) -> list[Finding]:
    if batch.driver is None:
        return []
    nomination, selection = models.Nomination, models.Selection
    rows = batch.session.execute(
        select(nomination.id, nomination.selection_id, nomination.nominee_id, nomination.nominator_id)
        .join(selection, selection.id == nomination.selection_id)
        .where(selection.status.in_(OPEN_SELECTIONS), batch.cadres.clause(nomination.nominee_id))
        .order_by(nomination.id)
    ).all()
    if not rows:
        return []
    selections = {row.id: row.selection_id for row in rows}
    pairs = [NominationPair(row.id, cadre(row.nominee_id), cadre(row.nominator_id)) for row in rows]
    findings = []
    for tie in nominator_ties(batch.driver, pairs, hops=NOMINATOR_TIE_HOPS, as_of=batch.as_of,
                              timeout=GRAPH_TIMEOUT):
        pair = tie.pair
        evidence = {
            "selection": selections[pair.nomination_id], "nomination": pair.nomination_id,
            "nominee": pair.nominee, "nominator": pair.nominator,
            "path": [node.id for node in tie.path.nodes],
            "edges": [{"key": edge.id, "kind": edge.kind, "tie": edge.properties.get("kind")} for edge in tie.path.edges],
        }
        findings.append(Finding("nominator_tie", subject(f"nomination:{pair.nomination_id}"),
                                parse_node_key(pair.nominee)[1], evidence))
    return findings


# ---- relatives in the same unit or in the line of command (SQL) ----------------------------------


def kin_in_same_unit(batch: Batch, _cadre_ids: list[int]) -> list[Finding]:
    """Two cadres who share a relative (siblings through a parent, in-laws through a spouse) or one of whom is the
    other's relative, both holding posts now in one unit or in units one directly over the other."""
    session, as_of = batch.session, batch.as_of
    k1, k2 = aliased(models.Kinship), aliased(models.Kinship)
    relative, other = aliased(models.Person), aliased(models.Cadre)
    shared = (
        select(k1.cadre_id.label("a"), k2.cadre_id.label("b"), k1.person_id.label("person"),
               k1.kind.label("a_kind"), k2.kind.label("b_kind"))
        .join(k2, and_(k2.person_id == k1.person_id, k2.cadre_id != k1.cadre_id))
        .where(_current(k1, as_of), _current(k2, as_of))
    )
    is_cadre = (
        select(k1.cadre_id.label("a"), other.id.label("b"), k1.person_id.label("person"),
               k1.kind.label("a_kind"), k1.kind.label("b_kind"))
        .join(relative, relative.id == k1.person_id)
        .join(other, and_(other.id_number == relative.id_number, other.id != k1.cadre_id))
        .where(_current(k1, as_of))
    )

    def either_in_batch(pairs: Any, first: Any, second: Any) -> list[Any]:
        """The pairs with either cadre in the batch: a union of the two, not an OR, so that each reads from the
        batch's cadres by index (an OR over two tables scans every kinship: 2 s a batch at 200k cadres)."""
        return list(session.execute(union(pairs.where(batch.cadres.clause(first)),
                                          pairs.where(batch.cadres.clause(second)))).all())

    pairs = [*either_in_batch(shared, k1.cadre_id, k2.cadre_id), *either_in_batch(is_cadre, k1.cadre_id, other.id)]
    if not pairs:
        return []
    involved = {row.a for row in pairs} | {row.b for row in pairs}
    tenure, post, unit = models.Tenure, models.Post, models.Unit
    holdings: dict[int, list[tuple[int, int, int | None]]] = defaultdict(list)  # cadre -> (post, unit, parent unit)
    for cadre_id, post_id, unit_id, parent_id in session.execute(
        select(tenure.cadre_id, post.id, unit.id, unit.parent_id)
        .join(post, post.id == tenure.post_id).join(unit, unit.id == post.unit_id)
        .where(tenure.cadre_id.in_(involved), tenure.start_date <= as_of,
               or_(tenure.end_date.is_(None), tenure.end_date >= as_of))
    ):
        holdings[cadre_id].append((post_id, unit_id, parent_id))
    findings = []
    for row in pairs:
        first, second = sorted((row.a, row.b))
        for post_a, unit_a, parent_a in holdings.get(row.a, []):
            for post_b, unit_b, parent_b in holdings.get(row.b, []):
                relation = ("same_unit" if unit_a == unit_b else
                            "line_of_command" if parent_a == unit_b or parent_b == unit_a else None)
                if relation is None:
                    continue
                posts = {row.a: post_a, row.b: post_b}
                evidence = {
                    "cadres": [cadre(first), cadre(second)], "via": node_key(NodeKind.PERSON, row.person),
                    "kinds": sorted({row.a_kind.value, row.b_kind.value}), "relation": relation,
                    "posts": [node_key(NodeKind.POST, posts[first]), node_key(NodeKind.POST, posts[second])],
                }
                findings.append(Finding("kin_in_same_unit", subject(cadre(first), cadre(second), *evidence["posts"]),
                                        first, evidence))
    return findings


def _current(kinship: Any, as_of: date) -> Any:
    return and_(or_(kinship.start_date.is_(None), kinship.start_date <= as_of),
                or_(kinship.end_date.is_(None), kinship.end_date >= as_of))


# ---- part-time posts and the supervision alerts (SQL, the queries of workflows/alerts.py) ----------


def part_time_posts(batch: Batch, _cadre_ids: list[int]) -> list[Finding]:
    actor = batch.cadres.actor()
    position = models.PartTimePosition
    unapproved = list(batch.session.scalars(alerts.unapproved_part_time_positions(actor, batch.as_of)))
    paid = list(batch.session.scalars(
        select(position).where(position.paid.is_(True), _current(position, batch.as_of), actor.scope(position))
        .order_by(position.id)
    ))

    def evidence(row: models.PartTimePosition) -> dict[str, Any]:
        return {"position": f"part_time_position:{row.id}", "cadre": cadre(row.cadre_id),
                "organization": node_key(NodeKind.ORGANIZATION, row.organization_id), "title": row.title,
                "approved": row.approved, "paid": row.paid, "startDate": _iso(row.start_date), "endDate": _iso(row.end_date)}

    return [
        *(Finding("unapproved_part_time_post", f"part_time_position:{row.id}", row.cadre_id, evidence(row)) for row in unapproved),
        *(Finding("paid_part_time_post", f"part_time_position:{row.id}", row.cadre_id, evidence(row)) for row in paid),
    ]


def supervision(batch: Batch, _cadre_ids: list[int]) -> list[Finding]:
    actor, session, as_of = batch.cadres.actor(), batch.session, batch.as_of
    findings = [
        Finding("long_tenure", f"tenure:{row.id}", row.cadre_id, {
            "tenure": f"tenure:{row.id}", "cadre": cadre(row.cadre_id), "post": node_key(NodeKind.POST, row.post_id),
            "startDate": _iso(row.start_date), "years": rules.LONG_TENURE_YEARS,
        })
        for row in session.scalars(alerts.long_tenures(actor, as_of, rules.LONG_TENURE_YEARS))
    ]
    findings += [
        Finding("overdue_inquiry_reply", f"supervision_action:{row.id}", row.cadre_id, {
            "action": f"supervision_action:{row.id}", "cadre": cadre(row.cadre_id), "dueOn": _iso(row.due_on),
        })
        for row in session.scalars(alerts.overdue_inquiry_replies(actor, as_of))
    ]
    items = list(session.scalars(alerts.overdue_rectification_items(actor, as_of)))
    owners: dict[int, int] = {
        action_id: cadre_id for action_id, cadre_id in session.execute(
            select(models.SupervisionAction.id, models.SupervisionAction.cadre_id)
            .where(models.SupervisionAction.id.in_({item.action_id for item in items})))
    } if items else {}
    findings += [
        Finding("overdue_rectification", f"rectification_item:{item.id}", owners.get(item.action_id), {
            "item": f"rectification_item:{item.id}", "action": f"supervision_action:{item.action_id}",
            "cadre": cadre(owners[item.action_id]) if item.action_id in owners else None, "dueOn": _iso(item.due_on),
        })
        for item in items
    ]
    return findings


def posts_over_quota(batch: Batch) -> list[Finding]:
    """Per post, not per cadre: run once per run over the posts the scope's holders hold."""
    actor, session, as_of = batch.cadres.actor(), batch.session, batch.as_of
    found = alerts.posts_over_quota(session, actor, as_of)
    if not found:
        return []
    tenure = models.Tenure
    holders: dict[int, list[int]] = defaultdict(list)
    for post_id, cadre_id in session.execute(
        select(tenure.post_id, tenure.cadre_id).distinct()
        .where(tenure.post_id.in_([entry.post.id for entry in found]), tenure.start_date <= as_of,
               or_(tenure.end_date.is_(None), tenure.end_date >= as_of), actor.scope(tenure))
    ):
        holders[post_id].append(cadre_id)
    return [
        Finding("post_over_quota", node_key(NodeKind.POST, entry.post.id), None, {
            "post": node_key(NodeKind.POST, entry.post.id), "quota": entry.post.quota,
            "holders": [cadre(cadre_id) for cadre_id in sorted(holders[entry.post.id])],
        })
        for entry in found
    ]


# ---- accountability for a bad appointment (SQL) ---------------------------------------------------


def bad_appointments(batch: Batch, _cadre_ids: list[int]) -> list[Finding]:
    """失察失误责任追究: a negative record confirmed against a cadre appointed in the last few years names the
    selection that appointed him, its first nominator, who inspected him and the discipline commission's opinion."""
    session, as_of = batch.session, batch.as_of
    record, nomination, selection, tenure = models.NegativeRecord, models.Nomination, models.Selection, models.Tenure
    since = rules.tenure_started_on_or_before(as_of, APPOINTED_WITHIN_YEARS)
    rows = session.execute(
        select(record.id.label("record"), record.category, record.cadre_id, selection.id.label("selection"),
               selection.post_id, nomination.id.label("nomination"), nomination.nominator_id,
               tenure.start_date.label("appointed_on"))
        .join(nomination, nomination.nominee_id == record.cadre_id)
        .join(selection, selection.id == nomination.selection_id)
        .join(tenure, and_(tenure.cadre_id == record.cadre_id, tenure.post_id == selection.post_id))
        .where(record.status.in_([NegativeStatus.CONFIRMED, NegativeStatus.PARTLY_CONFIRMED]),
               selection.status == SelectionStatus.DECIDED, tenure.start_date >= selection.opened_on,
               tenure.start_date >= since, tenure.start_date <= as_of, batch.cadres.clause(record.cadre_id))
        .order_by(record.id, selection.id, tenure.start_date)
    ).all()
    if not rows:
        return []
    selection_ids = {row.selection for row in rows}
    decision = models.Decision
    inspections: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for selection_id, agency, user, at in session.execute(
        select(decision.subject_id, decision.agency, decision.user, decision.at)
        .where(decision.subject == "Selection", decision.action == START_INSPECTION, decision.subject_id.in_(selection_ids))
        .order_by(decision.id)
    ):
        inspections[selection_id].append({"agency": agency, "user": user, "on": at.date().isoformat()})
    opinions: dict[tuple[int, int], dict[str, Any]] = {}
    for selection_id, candidate_id, verdict, findings_text, user in session.execute(
        select(JointReview.selection_id, JointReview.candidate_id, ReviewAnswer.verdict, ReviewAnswer.findings,
               ReviewAnswer.answered_by_user)
        .join(ReviewAnswer, ReviewAnswer.review_id == JointReview.id)
        .where(JointReview.selection_id.in_(selection_ids), ReviewAnswer.agency == DISCIPLINE_AGENCY)
        .order_by(ReviewAnswer.id)
    ):
        opinions[(selection_id, candidate_id)] = {
            "verdict": None if verdict is None else verdict.value, "findings": findings_text, "user": user,
        }
    findings = []
    for row in rows:
        evidence = {
            "negativeRecord": f"negative_record:{row.record}", "category": row.category.value,
            "cadre": cadre(row.cadre_id), "selection": f"selection:{row.selection}",
            "post": node_key(NodeKind.POST, row.post_id), "appointedOn": _iso(row.appointed_on),
            "nomination": f"nomination:{row.nomination}", "firstNominator": cadre(row.nominator_id),
            "inspection": inspections.get(row.selection, []),
            "disciplineOpinion": opinions.get((row.selection, row.cadre_id)),
        }
        findings.append(Finding("bad_appointment_accountability",
                                subject(f"negative_record:{row.record}", f"selection:{row.selection}"),
                                row.cadre_id, evidence))
    return findings


@dataclass(frozen=True)
class Detector:
    """Rules run over a batch of cadres (the batch's ids are also in `Batch.cadres`): each finding of `rules` it
    makes names a cadre of the batch, and it finds every one that still holds, so what it does not find has lapsed.
    A detector that reads the graph finds nothing without it, and then says nothing of what lapsed."""

    name: str
    detect: Callable[[Batch, list[int]], list[Finding]]
    rules: frozenset[str]
    reads_graph: bool = False

    def ran(self, batch: Batch) -> bool:
        return batch.driver is not None or not self.reads_graph


PER_CADRE: tuple[Detector, ...] = (
    Detector("conflicts of interest", conflicts_of_interest, frozenset({"relative_business_supplies_unit"}), True),
    Detector("nominator ties", nominator_tie_findings, frozenset({"nominator_tie"}), True),
    Detector("kin in one unit", kin_in_same_unit, frozenset({"kin_in_same_unit"})),
    Detector("part-time posts", part_time_posts, frozenset({"unapproved_part_time_post", "paid_part_time_post"})),
    Detector("supervision", supervision, frozenset({"long_tenure", "overdue_inquiry_reply", "overdue_rectification"})),
    Detector("bad appointments", bad_appointments, frozenset({"bad_appointment_accountability"})),
)
