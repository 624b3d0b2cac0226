"""Inquiries for a personal matters report (凡提必核): the Organization Department asks the holders of records what
they hold on the cadre (businesses: market regulation; real estate: the registry; deposits, insurance and
securities: the regulators), and each answers its own inquiry. Who is asked is who the policy lets answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import models
from hub.models.workflow import MattersInquiry
from hub.services.workflows import clock
from hub.services.workflows.base import (
    Actor,
    NotAllowed,
    Problems,
    WrongState,
    check_version,
    flush,
    flush_unique,
    record_decision,
    visible,
)

ASK = "askMattersInquiries"
ANSWER = "answerMattersInquiry"


def ask(session: Session, actor: Actor, report_id: int, holders: Sequence[str]) -> list[MattersInquiry]:
    """One inquiry per holder the policy lets answer, for a report not yet verified or asked about."""
    actor.require(ASK)
    problems = Problems()
    asked = problems.declared("reportId", holders, actor.agencies)
    if not asked:
        problems.add("reportId", "the policy names no agency that answers personal matters inquiries")
    problems.raise_if_any()
    report = visible(session, actor, models.PersonalMattersReport, report_id, "personal matters report")
    if report.verified_on is not None:
        raise WrongState(f"the report was already verified on {report.verified_on}", "VERIFIED")
    inquiries = [
        MattersInquiry(report_id=report.id, cadre_id=report.cadre_id, agency=agency, asked_on=clock.today(),
                       asked_by_user=actor.user, findings="")
        for agency in asked
    ]
    session.add_all(inquiries)
    flush_unique(session, "the holders were already asked about this report", "ASKED")
    record_decision(session, actor, ASK, report, cadre_id=report.cadre_id, to_state="asked", note=", ".join(asked))
    flush(session)
    return inquiries


def answer(
    session: Session, actor: Actor, inquiry_id: int, findings: str | None, expected_version: int | None = None
) -> MattersInquiry:
    """The asked agency's answer: what it holds on the cadre and family (无 when nothing)."""
    actor.require(ANSWER)
    problems = Problems()
    cleaned = problems.text("findings", findings)
    problems.raise_if_any()
    inquiry = visible(session, actor, MattersInquiry, inquiry_id, "personal matters inquiry")
    if inquiry.agency != actor.agency:
        raise NotAllowed("the inquiry was put to another agency")
    check_version(inquiry, expected_version)
    if inquiry.answered_at is not None:
        raise WrongState("your agency has already answered this inquiry", "ANSWERED")
    inquiry.findings, inquiry.answered_at, inquiry.answered_by_user = cleaned, clock.now(), actor.user
    flush(session, inquiry)
    record_decision(session, actor, ANSWER, inquiry, cadre_id=inquiry.cadre_id, from_state="asked", to_state="answered")
    flush(session)
    return inquiry


def of_report(session: Session, actor: Actor, report_id: int) -> list[MattersInquiry]:
    return list(session.scalars(
        select(MattersInquiry).where(MattersInquiry.report_id == report_id, actor.scope(MattersInquiry))
        .order_by(MattersInquiry.agency)
    ))
