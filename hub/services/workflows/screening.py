"""Screen nominees before a nomination is discussed, in one batch whatever their number.

Five sources, a statement or two each for all nominees: the negative list, admonishments, personal
matters findings, joint reviews and ties to the first nominator of an open selection. The rules (`rules.py`) turn each row into a reason; a reason
counts only if the asking agency may see its row and read every field the rule reveals, so an
agency's verdict is the worst of the reasons it may read and never rests on what it may not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from hub import models
from hub.models.enums import MatterFinding, NegativeStatus, SelectionStatus, SupervisionKind
from hub.models.workflow import JointReview, ReviewStatus
from hub.services.workflows import clock, rules
from hub.services.workflows.base import Actor, refuse, visible
from hub.services.workflows.rules import ScreeningRule, Verdict


@dataclass(frozen=True)
class Reason:
    rule: ScreeningRule
    negative_record_id: int | None = None
    supervision_action_id: int | None = None
    matter_item_id: int | None = None
    joint_review_id: int | None = None
    nomination_id: int | None = None


@dataclass
class NomineeScreening:
    cadre: models.Cadre
    reasons: list[Reason] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        return rules.worst(reason.rule.verdict for reason in self.reasons)


@dataclass(frozen=True)
class Screening:
    post: models.Post
    as_of: date
    results: list[NomineeScreening]
    unknown_cadre_ids: list[int]


def screen_nominees(session: Session, actor: Actor, cadre_ids: Sequence[int], post_id: int, as_of: date) -> Screening:
    if len(cadre_ids) > rules.MAX_NOMINEES_PER_SCREENING:
        raise refuse("cadreIds", f"screen at most {rules.MAX_NOMINEES_PER_SCREENING} nominees at a time")
    post = visible(session, actor, models.Post, post_id, "post")
    wanted = list(dict.fromkeys(cadre_ids))
    results = screen_cadres(session, actor, wanted, as_of)
    unknown = [cadre_id for cadre_id in wanted if cadre_id not in results]
    return Screening(post=post, as_of=as_of, results=list(results.values()), unknown_cadre_ids=unknown)


def screen_cadres(session: Session, actor: Actor, cadre_ids: Sequence[int], as_of: date) -> dict[int, NomineeScreening]:
    """The screening of each visible cadre among `cadre_ids`, in their order: seven statements in all."""
    cadres = {
        cadre.id: cadre
        for cadre in session.scalars(select(models.Cadre).where(models.Cadre.id.in_(cadre_ids), actor.scope(models.Cadre)))
    }
    results = {cadre_id: NomineeScreening(cadres[cadre_id]) for cadre_id in cadre_ids if cadre_id in cadres}
    if not results:
        return results
    ids = list(results)
    reasons: dict[int, list[Reason]] = defaultdict(list)
    for source in (_negative_records, _admonishments, _matter_findings, _joint_reviews, _nominator_ties):
        for cadre_id, reason in source(session, actor, ids, as_of):
            reasons[cadre_id].append(reason)
    for cadre_id, found in reasons.items():
        results[cadre_id].reasons = sorted(found, key=lambda r: rules.VERDICT_ORDER.index(r.rule.verdict), reverse=True)
    return results


def _negative_records(session: Session, actor: Actor, ids: list[int], _as_of: date) -> list[tuple[int, Reason]]:
    if not actor.reads(rules.NEGATIVE_RECORD_FIELDS):
        return []
    record = models.NegativeRecord
    rows = session.execute(
        select(record.cadre_id, record.id, record.category, record.severity, record.status)
        .where(record.cadre_id.in_(ids), record.status != NegativeStatus.CLEARED, actor.scope(record))
        .order_by(record.cadre_id, record.reported_on, record.id)
    )
    found = []
    for cadre_id, record_id, category, severity, status in rows:
        rule = rules.negative_record_rule(rules.RecordFacts(category, severity, status))
        if rule is not None:
            found.append((cadre_id, Reason(rule, negative_record_id=record_id)))
    return found


def _admonishments(session: Session, actor: Actor, ids: list[int], as_of: date) -> list[tuple[int, Reason]]:
    if not actor.reads(rules.SUPERVISION_FIELDS):
        return []
    action = models.SupervisionAction
    rows = session.execute(
        select(action.cadre_id, action.id, action.kind, action.issued_on)
        .where(
            action.cadre_id.in_(ids), action.kind == SupervisionKind.ADMONISHMENT,
            action.issued_on >= as_of - rules.RECENT, actor.scope(action),
        )
        .order_by(action.cadre_id, action.issued_on.desc(), action.id)
    )
    found = []
    for cadre_id, action_id, kind, issued_on in rows:
        rule = rules.admonishment_rule(kind, issued_on, as_of)
        if rule is not None:
            found.append((cadre_id, Reason(rule, supervision_action_id=action_id)))
    return found


def _matter_findings(session: Session, actor: Actor, ids: list[int], as_of: date) -> list[tuple[int, Reason]]:
    if not actor.reads(rules.MATTER_FIELDS):
        return []
    item, report = models.MatterItem, models.PersonalMattersReport
    checked_on = func.coalesce(report.verified_on, report.submitted_on)
    rows = session.execute(
        select(report.cadre_id, item.id, item.finding, checked_on)
        .join(report, report.id == item.report_id)
        .where(
            report.cadre_id.in_(ids),
            item.finding.in_([MatterFinding.CONCEALMENT, MatterFinding.OMISSION]),
            checked_on >= as_of - rules.RECENT,
            actor.scope(item),
        )
        .order_by(report.cadre_id, item.id)
    )
    found = []
    for cadre_id, item_id, finding, checked in rows:
        rule = rules.matter_finding_rule(finding, _as_date(checked), as_of)
        if rule is not None:
            found.append((cadre_id, Reason(rule, matter_item_id=item_id)))
    return found


def _joint_reviews(session: Session, actor: Actor, ids: list[int], as_of: date) -> list[tuple[int, Reason]]:
    if not actor.reads(rules.REVIEW_FIELDS):
        return []
    rows = session.execute(
        select(JointReview.candidate_id, JointReview.id, JointReview.status, JointReview.conclusion, JointReview.concluded_at)
        .where(
            JointReview.candidate_id.in_(ids),
            or_(JointReview.status == ReviewStatus.OPEN, JointReview.concluded_at.is_not(None)),
            actor.scope(JointReview),
        )
        .order_by(JointReview.candidate_id, JointReview.id)
    )
    found = []
    for cadre_id, review_id, status, conclusion, concluded_at in rows:
        concluded_on = None if concluded_at is None else _as_date(concluded_at)
        rule = rules.joint_review_rule(status, conclusion, concluded_on, as_of)
        if rule is not None:
            found.append((cadre_id, Reason(rule, joint_review_id=review_id)))
    return found


def _nominator_ties(session: Session, actor: Actor, ids: list[int], as_of: date) -> list[tuple[int, Reason]]:
    """Nominations in open selections whose nominee is tied to the first nominator: a social tie between the two, or
    one person both are tied to by kinship or a social tie (ties that have ended do not count)."""
    if not actor.reads(rules.TIE_FIELDS):
        return []
    nomination, selection = models.Nomination, models.Selection
    open_nominations = (
        select(nomination.id, nomination.nominee_id, nomination.nominator_id)
        .join(selection, selection.id == nomination.selection_id)
        .where(nomination.nominee_id.in_(ids), selection.status.in_([SelectionStatus(value) for value in sorted(rules.OPEN_SELECTION_STATUSES)]),
               actor.scope(nomination))
        .subquery()
    )
    kin, tie = models.Kinship, models.SocialTie
    links = union_all(
        select(kin.cadre_id.label("cadre_id"), kin.person_id.label("person_id")).where(_still(kin, as_of)),
        select(tie.cadre_id, tie.person_id).where(tie.person_id.is_not(None), _still(tie, as_of)),
    ).subquery()
    nominee_link, nominator_link = aliased(links), aliased(links)
    through_a_person = (
        select(open_nominations.c.nominee_id, open_nominations.c.id)
        .join(nominee_link, nominee_link.c.cadre_id == open_nominations.c.nominee_id)
        .join(nominator_link, and_(nominator_link.c.cadre_id == open_nominations.c.nominator_id,
                                   nominator_link.c.person_id == nominee_link.c.person_id))
    )
    direct = (
        select(open_nominations.c.nominee_id, open_nominations.c.id)
        .join(tie, or_(
            and_(tie.cadre_id == open_nominations.c.nominee_id, tie.other_cadre_id == open_nominations.c.nominator_id),
            and_(tie.cadre_id == open_nominations.c.nominator_id, tie.other_cadre_id == open_nominations.c.nominee_id),
        ))
        .where(_still(tie, as_of))
    )
    found = {(cadre_id, nomination_id) for statement in (through_a_person, direct)
             for cadre_id, nomination_id in session.execute(statement)}
    return [(cadre_id, Reason(rules.TIED_TO_NOMINATOR, nomination_id=nomination_id)) for cadre_id, nomination_id in sorted(found)]


def _still(link: Any, as_of: date) -> Any:
    return or_(link.end_date.is_(None), link.end_date >= as_of)


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):  # stored in UTC (SQLite hands it back naive); dates are counted locally
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(clock.LOCAL_ZONE).date()
    if isinstance(value, str):  # SQLite hands COALESCE of dates back as text
        return date.fromisoformat(value[:10])
    return value
