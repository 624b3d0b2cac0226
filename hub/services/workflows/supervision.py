"""Daily supervision: reminder talks, inquiry letters and their replies, admonishments, rectification orders.

The issuing agency is the caller's; the ledger records the user. Alerts are in `alerts.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from hub import models
from hub.models.enums import SupervisionKind
from hub.models.workflow import RectificationItem
from hub.services.workflows import clock
from hub.services.workflows.base import (
    Actor,
    Problems,
    WrongState,
    check_version,
    flush,
    record_decision,
    visible,
)

REMINDER_TALK = "holdReminderTalk"
INQUIRY_LETTER = "sendInquiryLetter"
INQUIRY_REPLY = "recordInquiryReply"
ADMONISH = "admonish"
RECTIFICATION = "orderRectification"
COMPLETE_ITEM = "completeRectificationItem"
MAX_RECTIFICATION_ITEMS = 100


@dataclass(frozen=True)
class RectificationDemand:
    description: str
    due_on: date


def hold_reminder_talk(session: Session, actor: Actor, cadre_id: int, reason: str, held_on: date | None) -> models.SupervisionAction:
    return _issue(session, actor, REMINDER_TALK, SupervisionKind.REMINDER_TALK, cadre_id, reason, held_on, None)


def send_inquiry_letter(
    session: Session, actor: Actor, cadre_id: int, reason: str, reply_due: date, issued_on: date | None
) -> models.SupervisionAction:
    return _issue(session, actor, INQUIRY_LETTER, SupervisionKind.INQUIRY_LETTER, cadre_id, reason, issued_on, reply_due)


def admonish(session: Session, actor: Actor, cadre_id: int, reason: str, issued_on: date | None) -> models.SupervisionAction:
    return _issue(session, actor, ADMONISH, SupervisionKind.ADMONISHMENT, cadre_id, reason, issued_on, None)


def order_rectification(
    session: Session, actor: Actor, cadre_id: int, reason: str, demands: Sequence[RectificationDemand],
    issued_on: date | None,
) -> models.SupervisionAction:
    """限期整改: one action due when its last item is due, and one item per demand with its own due date."""
    actor.require(RECTIFICATION)
    issued = issued_on or clock.today()
    problems = Problems()
    if not demands:
        problems.add("items", "a rectification order lists at least one item")
    if len(demands) > MAX_RECTIFICATION_ITEMS:
        problems.add("items", f"at most {MAX_RECTIFICATION_ITEMS} items")
    cleaned = []
    for index, demand in enumerate(demands):
        cleaned.append(problems.text(f"items.{index}.description", demand.description))
        if demand.due_on < issued:
            problems.add(f"items.{index}.dueOn", "must not be before the order is issued")
    problems.raise_if_any()
    due = max(demand.due_on for demand in demands)
    action = _issue(session, actor, RECTIFICATION, SupervisionKind.RECTIFICATION, cadre_id, reason, issued, due)
    session.add_all(
        RectificationItem(action_id=action.id, description=text, due_on=demand.due_on, note="")
        for text, demand in zip(cleaned, demands)
    )
    flush(session)
    return action


def record_inquiry_reply(
    session: Session, actor: Actor, action_id: int, reply: str, replied_on: date | None,
    expected_version: int | None = None,
) -> models.SupervisionAction:
    actor.require(INQUIRY_REPLY)
    problems = Problems()
    cleaned = problems.text("reply", reply)
    problems.raise_if_any()
    action = visible(session, actor, models.SupervisionAction, action_id, "supervision action")
    check_version(action, expected_version)
    if action.kind is not SupervisionKind.INQUIRY_LETTER:
        raise WrongState(f"only an inquiry letter takes a written reply; this action is a {action.kind.name}", action.kind.name)
    if action.replied_on is not None:
        raise WrongState(f"the reply was already recorded on {action.replied_on}", "REPLIED")
    replied = replied_on or clock.today()
    if replied < action.issued_on:
        problems.add("repliedOn", "must not be before the letter was sent")
        problems.raise_if_any()
    action.reply, action.replied_on = cleaned, replied
    flush(session, action)
    late = action.due_on is not None and replied > action.due_on
    record_decision(session, actor, INQUIRY_REPLY, action, cadre_id=action.cadre_id, from_state="awaiting_reply",
                    to_state="replied_late" if late else "replied")
    flush(session)
    return action


def complete_rectification_item(
    session: Session, actor: Actor, item_id: int, completed_on: date | None, note: str | None
) -> RectificationItem:
    actor.require(COMPLETE_ITEM)
    problems = Problems()
    cleaned_note = problems.text("note", note, required=False)
    problems.raise_if_any()
    item = visible(session, actor, RectificationItem, item_id, "rectification item")
    if item.completed_on is not None:
        raise WrongState(f"the item was already completed on {item.completed_on}", "COMPLETED")
    action = session.get(models.SupervisionAction, item.action_id)
    assert action is not None  # the item is visible, so its action is
    completed = completed_on or clock.today()
    if completed < action.issued_on:
        problems.add("completedOn", "must not be before the order was issued")
        problems.raise_if_any()
    item.completed_on, item.completed_by_user, item.note = completed, actor.user, cleaned_note
    flush(session)
    record_decision(session, actor, COMPLETE_ITEM, item, cadre_id=action.cadre_id, from_state="open",
                    to_state="completed_late" if completed > item.due_on else "completed")
    flush(session)
    return item


def _issue(
    session: Session, actor: Actor, operation: str, kind: SupervisionKind, cadre_id: int, reason: str,
    issued_on: date | None, due_on: date | None,
) -> models.SupervisionAction:
    actor.require(operation)
    issued = issued_on or clock.today()
    problems = Problems()
    cleaned = problems.text("reason", reason)
    if due_on is not None and due_on < issued:
        problems.add("replyDue" if kind is SupervisionKind.INQUIRY_LETTER else "dueOn", "must not be before the issue date")
    problems.raise_if_any()
    cadre = visible(session, actor, models.Cadre, cadre_id, "cadre")
    action = models.SupervisionAction(
        cadre_id=cadre.id, kind=kind, issued_by=actor.agency, issued_on=issued, due_on=due_on, reason=cleaned,
    )
    session.add(action)
    flush(session)
    record_decision(session, actor, operation, action, cadre_id=cadre.id, to_state=kind.value)
    flush(session)
    return action
