"""The vetting and supervision workflows through the API, as the agencies that take part, with their refusals.

The world (tests/world.py): cadre 1 has a confirmed serious police record, a petition under verification
and a concealment found in its 2025 personal matters report; cadre 2 has a cleared court record, an
unanswered inquiry letter and an unapproved part-time post, and is the one nominee of selection 1 (post 1,
a key post); cadre 3 is county-managed; cadre 4 is clean.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub import models
from hub.services.workflows import clock

TODAY = date(2026, 7, 1)
# The reporting departments and data holders beyond the seven first agencies: they report and answer like the police.
DEPARTMENTS = ["banking", "ecology", "emergency", "finance", "health", "market", "political_legal", "real_estate",
               "securities"]
REPORTERS = sorted(["AUDIT", "COURT", "DISCIPLINE", "PETITION", "POLICE", "PROCURATORATE", *map(str.upper, DEPARTMENTS)])
ANSWERING = sorted([*REPORTERS, "ORG"])
ERRORS = """
  ... on ValidationErrors { errors { field message } }
  ... on NotFound { message }
  ... on WrongState { message currentState }
  ... on NotAllowed { message }
  ... on VersionConflict { message currentVersion }
"""


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[date]]:
    """The workflows' clock, pinned at noon local time (and movable by the test: today[0] = ...)."""
    today = [TODAY]
    monkeypatch.setattr(clock, "today", lambda: today[0])
    monkeypatch.setattr(clock, "now", lambda: datetime.combine(today[0], time(12), tzinfo=clock.LOCAL_ZONE))
    yield today


def mutate(caller: Any, name: str, arguments: str, selection: str, variables: dict[str, Any] | None = None,
           signature: str = "") -> dict[str, Any]:
    """Call a workflow mutation and return its (union) result."""
    query = f"mutation{signature} {{ {name}({arguments}) {{ __typename {selection} {ERRORS} }} }}"
    return caller.data(query, variables)[name]  # type: ignore[no-any-return]


def absent_for(caller: Any, query: str) -> bool:
    """The field does not exist in the caller's schema (the policy gives it nothing)."""
    body = caller(query)
    refusals = ("Cannot query field", "The mutation operation is not supported by the schema")
    return body.get("data") is None and any(any(r in e["message"] for r in refusals) for e in body["errors"])


def screen(caller: Any, cadre_ids: list[int], post_id: int = 2) -> dict[int, dict[str, Any]]:
    query = """query($ids: [Int!]!, $post: Int!) { screenNominees(cadreIds: $ids, postId: $post) {
        unknownCadreIds results { cadre { id } verdict reasons { rule verdict explanation negativeRecord { id } } } } }"""
    result = caller.data(query, {"ids": cadre_ids, "post": post_id})["screenNominees"]
    return {entry["cadre"]["id"]: entry for entry in result["results"]}


def rules_of(entry: dict[str, Any]) -> set[str]:
    return {reason["rule"] for reason in entry["reasons"]}


def row(engine: Any, model: type[models.Base], row_id: int) -> Any:
    with Session(engine) as session:
        return session.get(model, row_id)


def count(engine: Any, model: type[models.Base]) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def create_record(caller: Any, cadre_id: int, agency: str, category: str = "PUBLIC_ORDER", severity: str = "MINOR") -> int:
    body = caller.data(
        f"""mutation {{ createNegativeRecord(input: {{cadreId: {cadre_id}, reportingAgency: {agency}, category: {category},
        facts: "事实", occurredOn: "2026-03-01", reportedOn: "2026-03-05", severity: {severity}, status: REPORTED}})
        {{ __typename ... on NegativeRecord {{ id }} }} }}"""
    )["createNegativeRecord"]
    assert body["__typename"] == "NegativeRecord", body
    return int(body["id"])


# ---- 1. reporting rounds -----------------------------------------------------------------------

OPEN_ROUND = """input: {title: "2026年上半年负面信息报送", periodStart: "2026-01-01", periodEnd: "2026-06-30",
                deadline: "2026-07-15"}"""


def open_round(org: Any) -> int:
    result = mutate(org, "openReportingRound", OPEN_ROUND, "... on ReportingRound { id submissions { agency submittedOn } }")
    assert result["__typename"] == "ReportingRound", result
    assert [s["agency"] for s in result["submissions"]] == REPORTERS  # every agency the policy lets submit
    assert all(s["submittedOn"] is None for s in result["submissions"])
    return int(result["id"])


def test_a_round_collects_returns_and_lists_the_agencies_that_did_not_report(world: Any, as_agency: Any,
                                                                             fixed_today: list[date]) -> None:
    org, police, court = as_agency("org"), as_agency("police"), as_agency("court")
    round_id = open_round(org)

    submitted = mutate(police, "submitRoundReturn", f"roundId: {round_id}, recordIds: [1]",
                       "... on ReportSubmission { agency submittedOn nilReturn records { id } }")
    assert submitted == {"__typename": "ReportSubmission", "agency": "POLICE", "submittedOn": "2026-07-01",
                         "nilReturn": False, "records": [{"id": 1}]}
    nil = mutate(court, "submitRoundReturn", f"roundId: {round_id}, recordIds: [], nilReturn: true",
                 "... on ReportSubmission { nilReturn records { id } }")
    assert nil == {"__typename": "ReportSubmission", "nilReturn": True, "records": []}

    # Refusals: twice, an empty return that is not an explicit nil return, another agency's record.
    again = mutate(police, "submitRoundReturn", f"roundId: {round_id}, recordIds: [], nilReturn: true", "")
    assert again["__typename"] == "WrongState" and again["currentState"] == "SUBMITTED"
    petition = as_agency("petition")
    empty = mutate(petition, "submitRoundReturn", f"roundId: {round_id}, recordIds: []", "")
    assert empty["__typename"] == "ValidationErrors" and empty["errors"][0]["field"] == "recordIds"
    foreign = mutate(petition, "submitRoundReturn", f"roundId: {round_id}, recordIds: [1]", "")
    assert foreign["errors"] == [{"field": "recordIds", "message": "no negative record with id 1 is visible to you"}]
    petition_return = REPORTERS.index("PETITION") + 1  # returns are made in the agencies' order
    assert row(world, models.ReportSubmission, petition_return).agency == "petition"
    assert row(world, models.ReportSubmission, petition_return).submitted_on is None  # nothing half-written

    # The organization department opens rounds but submits none; a reporter sees only its own return.
    assert absent_for(org, "mutation { submitRoundReturn(roundId: 1, recordIds: []) { __typename } }")
    own = police.data(f"{{ reportingRound(id: {round_id}) {{ deadline ownSubmission {{ agency records {{ id }} }} }} }}")
    assert own["reportingRound"]["ownSubmission"] == {"agency": "POLICE", "records": [{"id": 1}]}
    assert absent_for(police, f"{{ reportingRound(id: {round_id}) {{ submissions {{ agency }} }} }}")

    # After the deadline: the agencies that never reported, accountable by name; a late return stays listed.
    fixed_today[0] = date(2026, 7, 20)
    overdue = org.data('{ overdueReports(asOf: "2026-07-20") { agency submittedOn overdue round { id } } }')
    assert [o["agency"] for o in overdue["overdueReports"]] == sorted(
        ["AUDIT", "DISCIPLINE", "PETITION", "PROCURATORATE", *map(str.upper, DEPARTMENTS)])
    late = mutate(as_agency("audit"), "submitRoundReturn", f"roundId: {round_id}, recordIds: [], nilReturn: true",
                  "... on ReportSubmission { overdue }")
    assert late == {"__typename": "ReportSubmission", "overdue": True}
    overdue = org.data('{ overdueReports(asOf: "2026-07-20") { agency submittedOn } }')["overdueReports"]
    assert {"agency": "AUDIT", "submittedOn": "2026-07-20"} in overdue
    assert absent_for(police, "{ overdueReports { agency } }")


def test_urgent_reports_come_at_any_time_and_each_record_is_submitted_once(world: Any, as_agency: Any) -> None:
    police = as_agency("police")
    record_id = create_record(police, 4, "POLICE", "PUBLIC_ORDER", "GRAVE")
    urgent = mutate(police, "submitUrgentReport", f"recordIds: [{record_id}]",
                    "... on ReportSubmission { kind submittedOn round { id } records { id } }")
    assert urgent == {"__typename": "ReportSubmission", "kind": "URGENT", "submittedOn": "2026-07-01", "round": None,
                      "records": [{"id": record_id}]}
    round_id = open_round(as_agency("org"))
    twice = mutate(police, "submitRoundReturn", f"roundId: {round_id}, recordIds: [{record_id}]", "")
    assert twice["errors"] == [{"field": "recordIds", "message": f"negative record {record_id} was already submitted"}]


# ---- 2. screening ------------------------------------------------------------------------------


def test_screening_holds_back_a_confirmed_record_and_not_a_cleared_one(world: Any, as_agency: Any) -> None:
    org = as_agency("org")
    results = screen(org, [1, 2, 3, 4, 999])
    assert results[1]["verdict"] == "DISQUALIFIED"  # the confirmed, serious police record holds cadre 1 back
    assert {"confirmed_serious_record", "record_being_verified", "personal_matters_concealment"} <= rules_of(results[1])
    confirmed = next(r for r in results[1]["reasons"] if r["rule"] == "confirmed_serious_record")
    assert confirmed["negativeRecord"] == {"id": 1}
    assert results[2] == {"cadre": {"id": 2}, "verdict": "CLEAR", "reasons": []}  # its cleared record does not count
    assert results[4]["verdict"] == "CLEAR"
    assert 3 not in results  # county-managed: outside the city's management authority
    unknown = org.data("{ screenNominees(cadreIds: [3, 999], postId: 2) { unknownCadreIds } }")
    assert unknown["screenNominees"]["unknownCadreIds"] == [3, 999]


def test_each_agency_screens_only_on_what_it_may_read(world: Any, as_agency: Any) -> None:
    discipline = as_agency("discipline")
    # The police record and the concealment are not the discipline commission's to read: no reason, no verdict.
    assert screen(discipline, [1])[1] == {"cadre": {"id": 1}, "verdict": "CLEAR", "reasons": []}
    create_record(discipline, 4, "DISCIPLINE", "DISCIPLINE_SANCTION", "SERIOUS")
    entry = screen(discipline, [4])[4]
    assert entry["verdict"] == "CAUTION" and rules_of(entry) == {"record_being_verified"}
    assert absent_for(discipline, "{ screenNominees(cadreIds: [1], postId: 1) { results { reasons { supervisionAction { id } } } } }")
    for agency in ("police", "unit", "inspector", "security"):
        assert absent_for(as_agency(agency, unit_id=1), "{ screenNominees(cadreIds: [1], postId: 1) { asOf } }")


# ---- 3. verification and conclusion ------------------------------------------------------------

RECORD = "... on NegativeRecord { id status conclusion version }"


def test_a_record_is_verified_then_cleared_and_stops_counting_everywhere(world: Any, as_agency: Any) -> None:
    org, police = as_agency("org", user="组织部张三"), as_agency("police")
    record_id = create_record(police, 4, "POLICE")
    assert screen(org, [4])[4]["verdict"] == "CAUTION"

    too_early = mutate(org, "clearNegativeRecord", f'id: {record_id}, conclusion: "不实"', RECORD)
    assert too_early["__typename"] == "WrongState" and too_early["currentState"] == "REPORTED"
    assert "VERIFYING" in too_early["message"]
    assert absent_for(police, f'mutation {{ clearNegativeRecord(id: {record_id}, conclusion: "x") {{ __typename }} }}')
    assert absent_for(police, f"mutation {{ startNegativeRecordVerification(id: {record_id}) {{ __typename }} }}")

    verifying = mutate(org, "startNegativeRecordVerification", f'id: {record_id}, note: "与公安核实"', RECORD)
    assert verifying["status"] == "VERIFYING"
    stale = mutate(org, "clearNegativeRecord", f'id: {record_id}, conclusion: "不实", expectedVersion: 1', RECORD)
    assert stale["__typename"] == "VersionConflict" and stale["currentVersion"] == verifying["version"]
    missing = mutate(org, "clearNegativeRecord", f'id: {record_id}, conclusion: " "', RECORD)
    assert missing["errors"] == [{"field": "conclusion", "message": "is required"}]
    cleared = mutate(org, "clearNegativeRecord", f'id: {record_id}, conclusion: "经核实不属实，予以澄清"', RECORD)
    assert cleared["status"] == "CLEARED" and cleared["conclusion"] == "经核实不属实，予以澄清"
    final = mutate(org, "confirmNegativeRecord", f'id: {record_id}, conclusion: "属实"', RECORD)
    assert final["__typename"] == "WrongState" and "final" in final["message"]

    # A cleared record no longer counts: not in screening, not on the negative list filter.
    assert screen(org, [4])[4]["verdict"] == "CLEAR"
    listed = org.data("{ cadres(filter: {onNegativeList: true}) { edges { node { id } } } }")["cadres"]["edges"]
    assert {"node": {"id": 4}} not in listed

    # Who and when, step by step.
    history = org.data(f"{{ decisions(subject: NEGATIVE_RECORD, subjectId: {record_id}) "
                       "{ action agency user fromState toState note at } }")["decisions"]
    assert [(d["action"], d["fromState"], d["toState"]) for d in history] == [
        ("startNegativeRecordVerification", "reported", "verifying"),
        ("clearNegativeRecord", "verifying", "cleared"),
    ]
    assert {d["agency"] for d in history} == {"ORG"} and {d["user"] for d in history} == {"组织部张三"}
    assert history[1]["note"] == "经核实不属实，予以澄清" and history[0]["at"]


def test_a_partly_confirmed_record_holds_the_nominee_back(world: Any, as_agency: Any) -> None:
    org = as_agency("org")
    partly = mutate(org, "confirmNegativeRecord", 'id: 4, conclusion: "部分属实", partly: true', RECORD)
    assert partly["status"] == "PARTLY_CONFIRMED"
    assert "confirmed_minor_record" in rules_of(screen(org, [1])[1])


# ---- 4. joint review ---------------------------------------------------------------------------

REVIEW = "... on JointReview { id status conclusion pendingAgencies selection { id status } }"


def open_review(org: Any, deadline: str = "2026-07-08") -> dict[str, Any]:
    result = mutate(org, "openJointReview", f'input: {{candidateId: 2, postId: 1, selectionId: 1, deadline: "{deadline}"}}',
                    REVIEW)
    assert result["__typename"] == "JointReview", result
    assert result["pendingAgencies"] == ANSWERING  # every agency the policy lets answer
    return result


def answer(agency: Any, review_id: int, verdict: str, findings: str = "") -> dict[str, Any]:
    return mutate(agency, "answerJointReview", f'reviewId: {review_id}, verdict: {verdict}, findings: "{findings}"',
                  "... on ReviewAnswer { agency verdict countedInConclusion }")


def test_an_abnormal_answer_stops_the_selection(world: Any, as_agency: Any) -> None:
    org = as_agency("org")
    review_id = int(open_review(org)["id"])
    for agency in ("discipline", "police", "procuratorate", "audit", "petition", "org", *DEPARTMENTS):
        assert answer(as_agency(agency), review_id, "NORMAL")["verdict"] == "NORMAL"

    early = mutate(org, "concludeJointReview", f'reviewId: {review_id}, conclusion: STOP, note: "x"', REVIEW)
    assert early["__typename"] == "WrongState" and "1 of 16 asked agencies have not answered" in early["message"]

    court = as_agency("court")
    assert answer(court, review_id, "ABNORMAL", "该人选涉民间借贷诉讼，尚未审结")["verdict"] == "ABNORMAL"
    assert answer(court, review_id, "NORMAL")["__typename"] == "WrongState"  # one answer per agency

    # Each agency sees its own answer and never another's findings; the department sees them all.
    police_view = as_agency("police").data(f"{{ jointReview(id: {review_id}) {{ answers {{ agency verdict findings }} }} }}")
    assert police_view["jointReview"]["answers"] == [{"agency": "POLICE", "verdict": "NORMAL", "findings": ""}]
    assert absent_for(as_agency("police"), f"{{ jointReview(id: {review_id}) {{ note pendingAgencies }} }}")
    everything = org.data(f"{{ jointReview(id: {review_id}) {{ answers {{ agency findings }} }} }}")["jointReview"]["answers"]
    assert len(everything) == 16 and {"agency": "COURT", "findings": "该人选涉民间借贷诉讼，尚未审结"} in everything

    proceed = mutate(org, "concludeJointReview", f"reviewId: {review_id}, conclusion: PROCEED", REVIEW)
    assert proceed["__typename"] == "WrongState" and "abnormal" in proceed["message"]
    assert absent_for(court, f"mutation {{ concludeJointReview(reviewId: {review_id}, conclusion: STOP) {{ __typename }} }}")

    stopped = mutate(org, "concludeJointReview", f'reviewId: {review_id}, conclusion: STOP, note: "涉诉，终止选任"', REVIEW)
    assert stopped["status"] == "CONCLUDED" and stopped["conclusion"] == "STOP"
    assert stopped["selection"] == {"id": 1, "status": "STOPPED"}
    rested_on = org.data(f"{{ jointReview(id: {review_id}) {{ answers {{ countedInConclusion }} concludedBy }} }}")
    assert all(a["countedInConclusion"] for a in rested_on["jointReview"]["answers"])
    assert rested_on["jointReview"]["concludedBy"] == "ORG"
    # The court learns the conclusion, not the other agencies' answers.
    court_view = court.data(f"{{ jointReview(id: {review_id}) {{ conclusion answers {{ agency }} }} }}")["jointReview"]
    assert court_view == {"conclusion": "STOP", "answers": [{"agency": "COURT"}]}

    late = answer(as_agency("police"), review_id, "NORMAL")
    assert late["__typename"] == "WrongState" and late["currentState"] == "CONCLUDED"
    entry = screen(org, [2], post_id=1)[2]
    assert entry["verdict"] == "DISQUALIFIED" and "joint_review_stopped" in rules_of(entry)


def test_missing_answers_block_the_conclusion_until_the_deadline_and_never_let_it_proceed(
    world: Any, as_agency: Any, fixed_today: list[date]
) -> None:
    org = as_agency("org")
    review_id = int(open_review(org)["id"])
    for agency in ("police", "court", "audit", "org", *DEPARTMENTS):
        answer(as_agency(agency), review_id, "NORMAL")
    assert screen(org, [2], post_id=1)[2]["verdict"] == "CAUTION"  # a pending review: handled with caution
    blocked = mutate(org, "concludeJointReview", f'reviewId: {review_id}, conclusion: SUSPEND, note: "待复核"', REVIEW)
    assert blocked["__typename"] == "WrongState"

    fixed_today[0] = date(2026, 7, 9)  # the deadline has passed
    proceed = mutate(org, "concludeJointReview", f"reviewId: {review_id}, conclusion: PROCEED", REVIEW)
    assert proceed["__typename"] == "WrongState" and "never answered" in proceed["message"]
    suspended = mutate(org, "concludeJointReview", f'reviewId: {review_id}, conclusion: SUSPEND, note: "纪委意见未回复"', REVIEW)
    assert suspended["conclusion"] == "SUSPEND" and suspended["selection"]["status"] == "SUSPENDED"
    assert suspended["pendingAgencies"] == ["DISCIPLINE", "PETITION", "PROCURATORATE"]  # who failed to answer
    answers = org.data(f"{{ jointReview(id: {review_id}) {{ answers {{ agency countedInConclusion }} }} }}")
    counted = {a["agency"] for a in answers["jointReview"]["answers"] if a["countedInConclusion"]}
    assert counted == {"POLICE", "COURT", "AUDIT", "ORG", *map(str.upper, DEPARTMENTS)}
    ledger = org.data(f"{{ decisions(subject: JOINT_REVIEW, subjectId: {review_id}) {{ action agency note }} }}")
    rested_on = ", ".join(sorted(["audit", "court", "org", "police", *DEPARTMENTS]))
    assert ledger["decisions"][-1] == {"action": "concludeJointReview", "agency": "ORG", "note": f"rested on: {rested_on}"}


def test_joint_review_refusals(world: Any, as_agency: Any) -> None:
    org = as_agency("org")
    not_key = mutate(org, "openJointReview", "input: {candidateId: 2, postId: 2}", REVIEW)
    assert not_key["errors"] == [{"field": "postId",
                                  "message": "joint review is for key posts (人财物重点岗位); this post is not one"}]
    not_nominated = mutate(org, "openJointReview", "input: {candidateId: 4, postId: 1, selectionId: 1}", REVIEW)
    assert not_nominated["errors"][0]["field"] == "candidateId"
    past = mutate(org, "openJointReview", 'input: {candidateId: 2, postId: 1, deadline: "2026-06-01"}', REVIEW)
    assert past["errors"] == [{"field": "deadline", "message": "must not be in the past"}]
    county = mutate(org, "openJointReview", "input: {candidateId: 3, postId: 3}", REVIEW)
    assert county["errors"][0] == {"field": "candidateId", "message": "no cadre with id 3 is visible to you"}
    review = open_review(org)
    twice = mutate(org, "openJointReview", "input: {candidateId: 2, postId: 1}", REVIEW)
    assert twice["__typename"] == "WrongState"
    assert absent_for(as_agency("police"), 'mutation { openJointReview(input: {candidateId: 2, postId: 1}) { __typename } }')
    assert absent_for(as_agency("unit", unit_id=1), "mutation { answerJointReview(reviewId: 1, verdict: NORMAL) { __typename } }")
    abnormal_without_findings = answer(as_agency("police"), int(review["id"]), "ABNORMAL")
    assert abnormal_without_findings["errors"] == [{"field": "findings", "message": "is required"}]
    # An agency the review did not ask (the policy changed since it opened) may not answer it.
    with Session(world) as session:
        session.execute(models.ReviewAnswer.__table__.delete().where(models.ReviewAnswer.agency == "petition"))
        session.commit()
    not_asked = answer(as_agency("petition"), int(review["id"]), "NORMAL")
    assert not_asked["__typename"] == "NotAllowed"


# ---- 5. personal matters -----------------------------------------------------------------------

VERIFICATION = """... on MattersVerification { outcome followUp promotionWithdrawn
    supervisionAction { kind issuedBy reason } gaps { category finding rule item { description declared found } } }"""


def new_report(org: Any, cadre_id: int = 4) -> tuple[int, int]:
    report = org.data(f"""mutation {{ createPersonalMattersReport(input: {{cadreId: {cadre_id}, year: 2026,
        submittedOn: "2026-01-15"}}) {{ ... on PersonalMattersReport {{ id }} }} }}""")["createPersonalMattersReport"]
    item = org.data(f"""mutation {{ createMatterItem(input: {{reportId: {report["id"]}, category: REAL_ESTATE,
        description: "住房一套", declared: true}}) {{ ... on MatterItem {{ id }} }} }}""")["createMatterItem"]
    return int(report["id"]), int(item["id"])


def test_a_concealment_withdraws_the_promotion(world: Any, as_agency: Any) -> None:
    org = as_agency("org")
    org.data("mutation { createNomination(input: {selectionId: 1, nomineeId: 4, nominatorId: 1, "
             'nominatedOn: "2026-05-04"}) { __typename } }')
    report_id, house = new_report(org)
    found = f"""[{{category: REAL_ESTATE, description: "住房一套", declaredItemId: {house}}},
                 {{category: BUSINESS, description: "配偶经营公司"}},
                 {{category: INSURANCE, description: "子女投资型保险", amount: "11200"}}]"""
    result = mutate(org, "verifyPersonalMatters", f"reportId: {report_id}, foundItems: {found}", VERIFICATION)
    assert result["outcome"] == "CONCEALMENT" and result["followUp"] == "ADMONISHMENT" and result["promotionWithdrawn"]
    assert result["supervisionAction"]["kind"] == "ADMONISHMENT" and result["supervisionAction"]["issuedBy"] == "ORG"
    assert {(g["category"], g["finding"], g["rule"]) for g in result["gaps"]} == {
        ("BUSINESS", "CONCEALMENT", "major_matter_undeclared"),
        ("INSURANCE", "OMISSION", "small_amount_undeclared"),
    }
    assert all(g["item"]["found"] and not g["item"]["declared"] for g in result["gaps"])

    entry = screen(org, [4], post_id=1)[4]
    assert entry["verdict"] == "DISQUALIFIED"
    assert {"personal_matters_concealment", "admonished_within_six_months"} <= rules_of(entry)
    ranking = org.data("{ rankCandidates(selectionId: 1) { eligibleCandidates candidates { nomination { nominee { id } } "
                       "verdict eligible } } }")["rankCandidates"]
    withdrawn = next(c for c in ranking["candidates"] if c["nomination"]["nominee"]["id"] == 4)
    assert withdrawn == {"nomination": {"nominee": {"id": 4}}, "verdict": "DISQUALIFIED", "eligible": False}

    again = mutate(org, "verifyPersonalMatters", f"reportId: {report_id}, foundItems: []", VERIFICATION)
    assert again["__typename"] == "WrongState" and again["currentState"] == "VERIFIED"


def test_an_omission_leads_to_criticism_and_nothing_is_half_written(world: Any, as_agency: Any) -> None:
    org = as_agency("org")
    report_id, house = new_report(org)
    items_before = count(world, models.MatterItem)
    broken = f"""[{{category: STUDY, description: "子女出国留学"}},
                  {{category: INVESTMENT, description: "基金"}},
                  {{category: MARRIAGE, description: "x", declaredItemId: {house}}}]"""
    refused = mutate(org, "verifyPersonalMatters", f"reportId: {report_id}, foundItems: {broken}", VERIFICATION)
    assert [e["field"] for e in refused["errors"]] == ["foundItems.1.amount", "foundItems.2.declaredItemId"]
    assert count(world, models.MatterItem) == items_before and row(world, models.PersonalMattersReport, report_id).verified_on is None
    assert count(world, models.MattersVerification) == 0 and count(world, models.SupervisionAction) == 1

    ok = mutate(org, "verifyPersonalMatters", f'reportId: {report_id}, foundItems: [{{category: STUDY, description: "子女出国留学"}}]',
                VERIFICATION)
    assert (ok["outcome"], ok["followUp"], ok["promotionWithdrawn"]) == ("OMISSION", "CRITICISM_AND_EDUCATION", False)
    assert ok["supervisionAction"]["kind"] == "REMINDER_TALK"
    assert screen(org, [4])[4]["verdict"] == "CAUTION"
    assert absent_for(as_agency("discipline"), f"mutation {{ verifyPersonalMatters(reportId: {report_id}, foundItems: []) {{ __typename }} }}")


# ---- 6. supervision ----------------------------------------------------------------------------

ACTION = "... on SupervisionAction { id kind dueOn reply repliedOn issuedBy }"


def test_inquiry_letters_reminders_admonishments_and_rectification(world: Any, as_agency: Any, fixed_today: list[date]) -> None:
    org = as_agency("org")
    overdue = org.data('{ overdueInquiryReplies(asOf: "2026-07-01") { edges { node { id reason } } } }')
    assert [e["node"]["id"] for e in overdue["overdueInquiryReplies"]["edges"]] == [1]  # world: due 2026-01-20

    letter = mutate(org, "sendInquiryLetter", 'cadreId: 4, reason: "反映插手工程", replyDue: "2026-07-15"', ACTION)
    assert (letter["kind"], letter["dueOn"], letter["issuedBy"]) == ("INQUIRY_LETTER", "2026-07-15", "ORG")
    early = org.data('{ overdueInquiryReplies(asOf: "2026-07-10") { totalCount } }')
    assert early["overdueInquiryReplies"]["totalCount"] == 1
    late = org.data('{ overdueInquiryReplies(asOf: "2026-07-20") { edges { node { id } } } }')
    assert {e["node"]["id"] for e in late["overdueInquiryReplies"]["edges"]} == {1, letter["id"]}
    replied = mutate(org, "recordInquiryReply", f'actionId: {letter["id"]}, reply: "情况说明：未插手工程"', ACTION)
    assert replied["reply"] == "情况说明：未插手工程" and replied["repliedOn"] == "2026-07-01"
    twice = mutate(org, "recordInquiryReply", f'actionId: {letter["id"]}, reply: "再次说明"', ACTION)
    assert twice["__typename"] == "WrongState" and twice["currentState"] == "REPLIED"
    talk = mutate(org, "holdReminderTalk", 'cadreId: 4, reason: "工作作风提醒"', ACTION)
    not_a_letter = mutate(org, "recordInquiryReply", f'actionId: {talk["id"]}, reply: "x"', ACTION)
    assert not_a_letter["__typename"] == "WrongState" and not_a_letter["currentState"] == "REMINDER_TALK"
    assert org.data('{ overdueInquiryReplies(asOf: "2026-07-20") { totalCount } }')["overdueInquiryReplies"]["totalCount"] == 1

    assert screen(org, [4])[4]["verdict"] == "CLEAR"
    mutate(org, "admonish", 'cadreId: 4, reason: "违规兼职取酬"', ACTION)
    assert "admonished_within_six_months" in rules_of(screen(org, [4])[4])
    fixed_today[0] = TODAY + timedelta(days=250)
    later = org.data(f'{{ screenNominees(cadreIds: [4], postId: 2, asOf: "{fixed_today[0]}") {{ results {{ verdict reasons {{ rule }} }} }} }}')
    assert later["screenNominees"]["results"][0]["reasons"] == [{"rule": "admonished_within_a_year"}]
    fixed_today[0] = TODAY

    order = mutate(org, "orderRectification", 'cadreId: 2, reason: "兼职未经批准", items: ['
                   '{description: "辞去学会副会长", dueOn: "2026-07-31"}, {description: "退还兼职取酬", dueOn: "2026-08-31"}]',
                   ACTION)
    assert order["kind"] == "RECTIFICATION" and order["dueOn"] == "2026-08-31"
    items = org.data(f'{{ rectificationItems(actionId: {order["id"]}) {{ id dueOn completedOn }} }}')["rectificationItems"]
    overdue_items = org.data('{ overdueRectificationItems(asOf: "2026-08-10") { edges { node { id } } } }')
    assert [e["node"]["id"] for e in overdue_items["overdueRectificationItems"]["edges"]] == [items[0]["id"]]
    done = mutate(org, "completeRectificationItem", f'itemId: {items[0]["id"]}, note: "已辞去"',
                  "... on RectificationItem { completedOn completedByUser }")
    assert done == {"__typename": "RectificationItem", "completedOn": "2026-07-01", "completedByUser": "org-tester"}
    assert mutate(org, "completeRectificationItem", f'itemId: {items[0]["id"]}', "")["__typename"] == "WrongState"
    bad = mutate(org, "orderRectification", 'cadreId: 2, reason: "x", items: [{description: "y", dueOn: "2026-01-01"}]', ACTION)
    assert bad["errors"] == [{"field": "items.0.dueOn", "message": "must not be before the order is issued"}]

    police = as_agency("police")
    for name in ("admonish(cadreId: 1, reason: \"x\")", "holdReminderTalk(cadreId: 1, reason: \"x\")"):
        assert absent_for(police, f"mutation {{ {name} {{ __typename }} }}")
    outside = mutate(org, "admonish", 'cadreId: 3, reason: "x"', ACTION)
    assert outside == {"__typename": "NotFound", "message": "no cadre with id 3 is visible to you"}


def test_alerts_for_long_tenure_over_quota_and_unapproved_part_time_posts(world: Any, as_agency: Any) -> None:
    org, inspector = as_agency("org"), as_agency("inspector")
    long = org.data('{ longTenures(asOf: "2026-07-01") { edges { node { id startDate cadre { id } post { id } } } } }')
    assert [e["node"]["id"] for e in long["longTenures"]["edges"]] == [2]  # cadre 1 in post 1 since 2015
    everywhere = inspector.data('{ longTenures(asOf: "2026-07-01") { edges { node { id } } } }')  # scope: all cadres
    assert [e["node"]["id"] for e in everywhere["longTenures"]["edges"]] == [4, 2]

    assert org.data("{ overQuotaPosts { post { id } } }")["overQuotaPosts"] == []
    org.data('mutation { createTenure(input: {cadreId: 4, postId: 1, startDate: "2026-06-01"}) { __typename } }')
    over = org.data('{ overQuotaPosts(asOf: "2026-07-01") { post { id quota unit { name } } holders excess } }')
    assert over["overQuotaPosts"] == [{"post": {"id": 1, "quota": 1, "unit": {"name": "湖州市财政局"}}, "holders": 2, "excess": 1}]

    part_time = inspector.data("{ unapprovedPartTimePositions { edges { node { title approved cadre { id } } } } }")
    assert part_time["unapprovedPartTimePositions"]["edges"] == [
        {"node": {"title": "副会长", "approved": False, "cadre": {"id": 2}}}
    ]
    police = as_agency("police")
    for query in ("{ longTenures { totalCount } }", "{ overQuotaPosts { holders } }", "{ overdueInquiryReplies { totalCount } }"):
        assert absent_for(police, query)
    assert absent_for(inspector, "{ overdueInquiryReplies { totalCount } }")


# ---- 7. fit ------------------------------------------------------------------------------------

RANKING = """{ rankCandidates(selectionId: 1) { minimumCandidates eligibleCandidates meetsMinimum weightsFromPost
    weights { dimension weight } candidates { rank score missingDimensions verdict nomination { nominee { id } } } } }"""


def test_fit_ranking_and_the_two_candidate_rule_for_key_posts(world: Any, as_agency: Any) -> None:
    org = as_agency("org")
    one = org.data(RANKING)["rankCandidates"]
    assert (one["minimumCandidates"], one["eligibleCandidates"], one["meetsMinimum"]) == (2, 1, False)
    assert one["candidates"][0]["score"] == 85.9  # 0.3*90 + 0.3*85 + 0.1*88 + 0.2*80 + 0.1*86
    refused = mutate(org, "startInspection", "selectionId: 1", "... on Selection { status }")
    assert refused["__typename"] == "WrongState" and "at least 2 eligible candidates" in refused["message"]

    nominated = org.data("mutation { createNomination(input: {selectionId: 1, nomineeId: 4, nominatorId: 1, "
                         'nominatedOn: "2026-05-04"}) { ... on Nomination { id } } }')["createNomination"]
    partial = org.data(RANKING)["rankCandidates"]["candidates"][1]
    assert partial["score"] is None and partial["rank"] == 2 and "POLITICAL_QUALITY" in partial["missingDimensions"]
    scores = "{politicalQuality: 95, professionalAbility: 92, responsibility: 90, performance: 91, reputation: 93}"
    scored = mutate(org, "scoreNomination", f"nominationId: {nominated['id']}, scores: {scores}",
                    "... on Nomination { politicalQuality reputation }")
    assert scored["politicalQuality"] == 95
    out_of_range = mutate(org, "scoreNomination", f"nominationId: {nominated['id']}, scores: {{performance: 101}}", "")
    assert out_of_range["errors"] == [{"field": "scores.performance", "message": "must be between 0 and 100"}]
    two = org.data(RANKING)["rankCandidates"]
    assert [c["nomination"]["nominee"]["id"] for c in two["candidates"]] == [4, 2] and two["meetsMinimum"]

    weights = "[{dimension: PERFORMANCE, weight: 0.5}, {dimension: REPUTATION, weight: 0.5}]"
    assert mutate(org, "setPostRequirements", f"postId: 1, weights: {weights}", "... on Post { id }")["__typename"] == "Post"
    reweighted = org.data(RANKING)["rankCandidates"]
    assert reweighted["weights"] == [{"dimension": "performance", "weight": 0.5}, {"dimension": "reputation", "weight": 0.5}]
    bad = mutate(org, "setPostRequirements", "postId: 1, weights: [{dimension: PERFORMANCE, weight: 0.4}]", "")
    assert bad["errors"] == [{"field": "weights", "message": "weights must sum to 1"}]

    started = mutate(org, "startInspection", "selectionId: 1", "... on Selection { status }")
    assert started == {"__typename": "Selection", "status": "INSPECTING"}
    again = mutate(org, "startInspection", "selectionId: 1", "")
    assert again["__typename"] == "WrongState" and again["currentState"] == "INSPECTING"
    ledger = org.data("{ decisions(subject: SELECTION, subjectId: 1) { action fromState toState agency } }")["decisions"]
    assert ledger == [{"action": "startInspection", "fromState": "open", "toState": "inspecting", "agency": "ORG"}]
    assert absent_for(as_agency("police"), "{ rankCandidates(selectionId: 1) { meetsMinimum } }")


# ---- accountability and audit ------------------------------------------------------------------


def test_every_workflow_write_is_audited_in_its_own_transaction(world: Any, as_agency: Any) -> None:
    org = as_agency("org", user="审核员李四")
    assert mutate(org, "confirmNegativeRecord", 'id: 4, conclusion: "属实"', RECORD)["status"] == "CONFIRMED"
    with Session(world) as session:
        entry = session.scalars(
            select(models.AuditEntry).where(models.AuditEntry.operation == "write").order_by(models.AuditEntry.id.desc())
        ).first()
    assert entry is not None
    assert (entry.user, entry.agency, entry.operation_name, entry.cadre_ids) == (
        "审核员李四", "org", "confirmNegativeRecord", [1]
    )
    assert entry.fields == ["NegativeRecord.conclusion", "NegativeRecord.status"]
    # A refused step writes neither the change nor an audit entry.
    before = count(world, models.AuditEntry)
    assert mutate(org, "confirmNegativeRecord", 'id: 4, conclusion: "属实"', RECORD)["__typename"] == "WrongState"
    writes = [e for e in _audit(world)[before:] if e.operation == "write"]
    assert writes == []


def _audit(engine: Any) -> list[models.AuditEntry]:
    with Session(engine) as session:
        return list(session.scalars(select(models.AuditEntry).order_by(models.AuditEntry.id)))


def test_the_ledger_shows_decisions_only_about_records_the_caller_may_see(world: Any, as_agency: Any) -> None:
    org = as_agency("org")
    mutate(org, "confirmNegativeRecord", 'id: 4, conclusion: "属实"', RECORD)
    assert org.data("{ decisions(subject: NEGATIVE_RECORD, subjectId: 4) { toState } }")["decisions"] == [{"toState": "confirmed"}]
    body = as_agency("org")("{ decisions(subject: NEGATIVE_RECORD, subjectId: 3) { action } }")
    assert body["data"] is None and "no NegativeRecord with id 3 is visible to you" in body["errors"][0]["message"]
    assert absent_for(as_agency("petition"), "{ decisions(subject: NEGATIVE_RECORD, subjectId: 4) { action } }")


# ---- screening at scale ------------------------------------------------------------------------

SCREEN_MANY = """query($ids: [Int!]!) { screenNominees(cadreIds: $ids, postId: 1) { unknownCadreIds results {
    verdict cadre { name rank } reasons { rule negativeRecord { category status } supervisionAction { kind }
    matterItem { finding } jointReview { status } } } } }"""


@pytest.fixture
def seeded_hub(settings: Any, engine: Any, policy_store: Any) -> Iterator[tuple[Any, Any]]:
    from starlette.testclient import TestClient

    from hub.app import create_app
    from hub.seed import seed_database

    seed_database(engine, cadres=1200, seed=5, progress=False)
    app = create_app(settings, policies=policy_store)
    with TestClient(app) as client:
        yield client, app.state.hub.engine


def test_screening_a_thousand_nominees_is_one_batch_of_statements(seeded_hub: Any, settings: Any) -> None:
    from tests.conftest import Caller
    from tests.test_statement_count import counting

    client, engine = seeded_hub
    org = Caller(client, settings, "org")
    counts, screened = {}, {}
    for size in (100, 1000):
        with counting(engine) as statements:
            result = org.data(SCREEN_MANY, {"ids": list(range(1, size + 1))})["screenNominees"]
        counts[size] = len([s for s in statements if "audit" not in s])
        screened[size] = result
    results = screened[1000]["results"]
    assert len(results) + len(screened[1000]["unknownCadreIds"]) == 1000 and len(results) > 300
    verdicts = {entry["verdict"] for entry in results}
    assert verdicts == {"CLEAR", "CAUTION", "DISQUALIFIED"}
    assert any(r["negativeRecord"] for e in results for r in e["reasons"])
    assert any(r["supervisionAction"] for e in results for r in e["reasons"])
    assert counts[100] == counts[1000], counts
    # post, cadres, negative records, admonishments, report findings, joint reviews; then the reasons' references
    assert counts[1000] <= 12, counts


def test_the_database_keeps_one_open_review_per_candidate_and_post_even_under_a_race(world: Any, as_agency: Any) -> None:
    from sqlalchemy.exc import IntegrityError

    review_id = int(open_review(as_agency("org"))["id"])
    with Session(world) as session:
        first = session.get(models.JointReview, review_id)
        assert first is not None
        twin = models.JointReview(
            candidate_id=2, post_id=1, deadline=first.deadline, opened_by=first.opened_by,
            opened_by_user="racer", opened_on=first.opened_on, note="",
        )
        session.add(twin)
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
        first = session.get(models.JointReview, review_id)
        assert first is not None
        first.status, first.conclusion = models.workflow.ReviewStatus.CONCLUDED, models.workflow.ReviewConclusion.STOP
        session.add(models.JointReview(
            candidate_id=2, post_id=1, deadline=first.deadline, opened_by=first.opened_by,
            opened_by_user="next", opened_on=first.opened_on, note="",
        ))
        session.commit()  # once concluded, a new review may open
