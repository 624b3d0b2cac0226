"""Verify a personal matters report (凡提必核): compare what the cadre declared with what was found.

Each found item either confirms a declared item or is a gap; `rules.classify_gap` says whether a
gap is an omission (漏报) or a concealment (瞒报). The report's outcome is its worst finding; its
follow-up (a reminder talk for criticism and education, or an admonishment that withdraws the
promotion) is written as a supervision action in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import models
from hub.models.enums import MatterCategory, MatterFinding
from hub.models.workflow import FollowUp, MatterGap, MattersVerification
from hub.services.workflows import clock, rules
from hub.services.workflows.base import Actor, Problems, WrongState, flush, record_decision, visible

VERIFY = "verifyPersonalMatters"
MAX_FOUND_ITEMS = 500


@dataclass(frozen=True)
class FoundItem:
    """One item the verification found (from real-estate, business, exit-entry, bank and insurance records)."""

    category: MatterCategory
    description: str
    declared_item_id: int | None = None  # the declared item it confirms, if any
    amount: Decimal | None = None  # yuan, for investments and insurance
    intentional: bool = False  # evidence that it was hidden on purpose


def verify_report(
    session: Session, actor: Actor, report_id: int, verified_on: date | None, found: Sequence[FoundItem]
) -> MattersVerification:
    actor.require(VERIFY)
    verified_on = verified_on or clock.today()
    report = visible(session, actor, models.PersonalMattersReport, report_id, "personal matters report")
    if report.verified_on is not None:
        raise WrongState(f"the report was already verified on {report.verified_on}", "VERIFIED")
    declared = {
        item.id: item
        for item in session.scalars(
            select(models.MatterItem).where(models.MatterItem.report_id == report.id, models.MatterItem.declared)
        )
    }
    gaps = _check_found_items(found, declared, report, verified_on)
    for item in declared.values():  # declared: consistent whether or not verification found it (no gap)
        item.finding = MatterFinding.CONSISTENT
    for each in found:
        if each.declared_item_id is not None:
            declared[each.declared_item_id].found = True
    new_items = [
        models.MatterItem(report_id=report.id, category=each.category, description=description, declared=False,
                          found=True, finding=rule.finding)
        for each, description, rule in gaps
    ]
    session.add_all(new_items)
    outcome = rules.report_outcome(rule.finding for _each, _description, rule in gaps)
    follow_up = rules.FOLLOW_UP[outcome]
    report.verified_on = verified_on
    flush(session, report)
    action = _follow_up_action(session, actor, report, follow_up, verified_on)
    verification = MattersVerification(
        report_id=report.id, verified_on=verified_on, outcome=outcome, follow_up=follow_up,
        promotion_withdrawn=outcome in rules.WITHDRAWS_PROMOTION,
        supervision_action_id=None if action is None else action.id,
        decided_by=actor.agency, decided_by_user=actor.user, decided_at=clock.now(),
    )
    session.add(verification)
    flush(session)
    session.add_all(
        MatterGap(verification_id=verification.id, item_id=item.id, category=each.category, amount=each.amount,
                  intentional=each.intentional, finding=rule.finding, rule=rule.code)
        for item, (each, _description, rule) in zip(new_items, gaps)
    )
    record_decision(
        session, actor, VERIFY, report, cadre_id=report.cadre_id, from_state="submitted", to_state=outcome.value,
        note=f"follow-up: {follow_up.value}",
    )
    flush(session)
    return verification


def _check_found_items(
    found: Sequence[FoundItem],
    declared: dict[int, models.MatterItem],
    report: models.PersonalMattersReport,
    verified_on: date,
) -> list[tuple[FoundItem, str, rules.GapRule]]:
    """Validate every found item; return the gaps (found, not declared) with the rule classifying each."""
    problems = Problems()
    if verified_on < report.submitted_on:
        problems.add("verifiedOn", "must not be before the report was submitted")
    if len(found) > MAX_FOUND_ITEMS:
        problems.add("foundItems", f"at most {MAX_FOUND_ITEMS} items")
        problems.raise_if_any()
    confirmed: set[int] = set()
    gaps = []
    for index, each in enumerate(found):
        where = f"foundItems.{index}"
        description = problems.text(f"{where}.description", each.description, max_length=256)
        if each.amount is not None and each.amount < 0:
            problems.add(f"{where}.amount", "must not be negative")
        if each.declared_item_id is not None:
            item = declared.get(each.declared_item_id)
            if item is None:
                problems.add(f"{where}.declaredItemId", "is not a declared item of this report")
            elif item.category is not each.category:
                problems.add(f"{where}.declaredItemId", "the declared item is of another category")
            elif each.declared_item_id in confirmed:
                problems.add(f"{where}.declaredItemId", "another found item already confirms it")
            confirmed.add(each.declared_item_id)
            continue
        if each.category in rules.RULED_BY_AMOUNT and each.amount is None and not each.intentional:
            problems.add(f"{where}.amount", "is required for an undeclared investment or insurance")
            continue
        gaps.append((each, description, rules.classify_gap(each.category, each.amount, each.intentional)))
    problems.raise_if_any()
    return gaps


def _follow_up_action(
    session: Session, actor: Actor, report: models.PersonalMattersReport, follow_up: FollowUp, on: date
) -> models.SupervisionAction | None:
    kind = rules.FOLLOW_UP_ACTION.get(follow_up)
    if kind is None:
        return None
    action = models.SupervisionAction(
        cadre_id=report.cadre_id, kind=kind, issued_by=actor.agency, issued_on=on,
        reason=f"{rules.FOLLOW_UP_REASON[follow_up]}（{report.year}年度）",
    )
    session.add(action)
    flush(session)
    record_decision(session, actor, VERIFY, action, cadre_id=report.cadre_id, to_state=kind.value,
                    note=f"personal matters report {report.id}")
    return action
