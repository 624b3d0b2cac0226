"""The rules of the vetting and supervision workflows, in one place.

Everything that decides an outcome lives here, as data and small pure functions over enums and
dates: the screening verdicts, the negative record state machine, when a joint review may be
concluded and how, how a gap in a personal matters report is classified and followed up, the
supervision alert thresholds and the person-post fit. The services only gather rows, apply
these rules and record who decided.

Sources (DOMAIN.md and the seeds): Wuzhong's negative list (listed → caution, affecting the
appointment → not nominated, cleared → no longer counts); Huimin and Rugao's joint review (an
abnormal answer stops or suspends the selection; nobody goes to the meeting without the
discipline commission's opinion, which gets about a week); Huzhou's "every promotion is
checked" (an omission → criticism and education by a reminder talk, e.g. an undeclared
11,200 yuan insurance; a concealment → admonishment and the promotion withdrawn); the
regulation that an admonished cadre is not promoted for six months; rotation after 10 years
in one post; at least two candidates inspected per key post (1:2).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from hub.models.enums import (
    MatterCategory,
    MatterFinding,
    NegativeCategory,
    NegativeStatus,
    Severity,
    SupervisionKind,
)
from hub.models.workflow import FollowUp, ReviewConclusion, ReviewStatus, ReviewVerdict

# ---- verdicts ------------------------------------------------------------------------------------


class Verdict(enum.Enum):
    """A nominee's screening verdict, from best to worst."""

    CLEAR = "clear"
    CAUTION = "caution"  # listed: handled with caution (从严慎重对待)
    DISQUALIFIED = "disqualified"  # affects the appointment: not a nominee (不作为提名人选)


VERDICT_ORDER = (Verdict.CLEAR, Verdict.CAUTION, Verdict.DISQUALIFIED)


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    return max(verdicts, key=VERDICT_ORDER.index, default=Verdict.CLEAR)


@dataclass(frozen=True)
class ScreeningRule:
    """One reason a nominee is not clear. `reveals` are the `Type.field`s whose values its firing discloses:
    an agency is told the reason only if it may read all of them (and the row it rests on)."""

    code: str
    verdict: Verdict
    explanation: str
    reveals: tuple[str, ...]


# ---- screening: the negative list ---------------------------------------------------------------

NEGATIVE_RECORD_FIELDS = ("NegativeRecord.status", "NegativeRecord.category", "NegativeRecord.severity")
CONFIRMED = frozenset({NegativeStatus.CONFIRMED, NegativeStatus.PARTLY_CONFIRMED})
UNVERIFIED = frozenset({NegativeStatus.REPORTED, NegativeStatus.VERIFYING})
DISQUALIFYING_CATEGORIES = frozenset({NegativeCategory.CRIMINAL_EXEMPTION, NegativeCategory.DISCIPLINE_SANCTION})
SERIOUS_SEVERITIES = frozenset({Severity.SERIOUS, Severity.GRAVE})


@dataclass(frozen=True)
class RecordFacts:
    category: NegativeCategory
    severity: Severity
    status: NegativeStatus


# First match wins. A cleared record (澄清) matches nothing: it stops counting everywhere.
NEGATIVE_RECORD_RULES: tuple[tuple[ScreeningRule, Callable[[RecordFacts], bool]], ...] = (
    (
        ScreeningRule("case_under_investigation", Verdict.DISQUALIFIED,
                      "a case is filed for investigation and has not been cleared", NEGATIVE_RECORD_FIELDS),
        lambda r: r.category is NegativeCategory.CASE_FILED and r.status is not NegativeStatus.CLEARED,
    ),
    (
        ScreeningRule("confirmed_sanction_or_criminal_exemption", Verdict.DISQUALIFIED,
                      "a confirmed party or government sanction, or exemption from criminal punishment",
                      NEGATIVE_RECORD_FIELDS),
        lambda r: r.status in CONFIRMED and r.category in DISQUALIFYING_CATEGORIES,
    ),
    (
        ScreeningRule("confirmed_serious_record", Verdict.DISQUALIFIED,
                      "a confirmed or partly confirmed record of serious or grave severity", NEGATIVE_RECORD_FIELDS),
        lambda r: r.status in CONFIRMED and r.severity in SERIOUS_SEVERITIES,
    ),
    (
        ScreeningRule("confirmed_minor_record", Verdict.CAUTION,
                      "a confirmed or partly confirmed record of minor severity", NEGATIVE_RECORD_FIELDS),
        lambda r: r.status in CONFIRMED,
    ),
    (
        ScreeningRule("record_being_verified", Verdict.CAUTION,
                      "a record reported or under verification, not yet concluded", NEGATIVE_RECORD_FIELDS),
        lambda r: r.status in UNVERIFIED,
    ),
)


def negative_record_rule(facts: RecordFacts) -> ScreeningRule | None:
    return next((rule for rule, applies in NEGATIVE_RECORD_RULES if applies(facts)), None)


# ---- screening: admonishments, personal matters, joint reviews ----------------------------------

ADMONISHMENT_BAR = timedelta(days=183)  # 诫勉: not promoted within six months
RECENT = timedelta(days=365)  # how far back an admonishment, a report finding or a review conclusion counts
SUPERVISION_FIELDS = ("SupervisionAction.kind", "SupervisionAction.issuedOn")
MATTER_FIELDS = ("MatterItem.finding",)
REVIEW_FIELDS = ("JointReview.status", "JointReview.conclusion")

ADMONISHED_WITHIN_BAR = ScreeningRule(
    "admonished_within_six_months", Verdict.DISQUALIFIED, "admonished within the last six months", SUPERVISION_FIELDS
)
ADMONISHED_RECENTLY = ScreeningRule(
    "admonished_within_a_year", Verdict.CAUTION, "admonished within the last year", SUPERVISION_FIELDS
)
CONCEALMENT_FOUND = ScreeningRule(
    "personal_matters_concealment", Verdict.DISQUALIFIED,
    "concealment found in a personal matters report within the last year: the promotion is withdrawn", MATTER_FIELDS,
)
OMISSION_FOUND = ScreeningRule(
    "personal_matters_omission", Verdict.CAUTION,
    "omission found in a personal matters report within the last year", MATTER_FIELDS,
)
REVIEW_PENDING = ScreeningRule(
    "joint_review_pending", Verdict.CAUTION, "a joint review is open and not yet concluded", REVIEW_FIELDS
)
REVIEW_STOPPED = ScreeningRule(
    "joint_review_stopped", Verdict.DISQUALIFIED, "a joint review concluded to stop within the last year", REVIEW_FIELDS
)
REVIEW_SUSPENDED = ScreeningRule(
    "joint_review_suspended", Verdict.CAUTION, "a joint review concluded to suspend within the last year", REVIEW_FIELDS
)

# The nominee and the first nominator of an open selection are relatives or associates: tied directly, or both
# tied to one person (a classmate in common, the nominee's relative who is the nominator's associate).
TIE_FIELDS = ("Nomination.nominator", "Relative.kind", "SocialTie.kind")
TIED_TO_NOMINATOR = ScreeningRule(
    "nominee_tied_to_nominator", Verdict.CAUTION,
    "the nominee is a relative or associate of the first nominator, directly or through one person", TIE_FIELDS,
)


def admonishment_rule(kind: SupervisionKind, issued_on: date, as_of: date) -> ScreeningRule | None:
    if kind is not SupervisionKind.ADMONISHMENT or issued_on > as_of:
        return None
    if as_of - issued_on <= ADMONISHMENT_BAR:
        return ADMONISHED_WITHIN_BAR
    if as_of - issued_on <= RECENT:
        return ADMONISHED_RECENTLY
    return None


def matter_finding_rule(finding: MatterFinding, checked_on: date, as_of: date) -> ScreeningRule | None:
    if checked_on > as_of or as_of - checked_on > RECENT:
        return None
    return {MatterFinding.CONCEALMENT: CONCEALMENT_FOUND, MatterFinding.OMISSION: OMISSION_FOUND}.get(finding)


def joint_review_rule(status: ReviewStatus, conclusion: ReviewConclusion | None, concluded_on: date | None,
                      as_of: date) -> ScreeningRule | None:
    if status is ReviewStatus.OPEN:
        return REVIEW_PENDING
    if concluded_on is None or concluded_on > as_of or as_of - concluded_on > RECENT:
        return None
    return {ReviewConclusion.STOP: REVIEW_STOPPED, ReviewConclusion.SUSPEND: REVIEW_SUSPENDED}.get(conclusion)  # type: ignore[arg-type]


MAX_NOMINEES_PER_SCREENING = 5000

# ---- verification of a negative record ----------------------------------------------------------

# reported → verifying → confirmed / partly confirmed / cleared; the three conclusions are final.
NEXT_STATUSES: Mapping[NegativeStatus, frozenset[NegativeStatus]] = {
    NegativeStatus.REPORTED: frozenset({NegativeStatus.VERIFYING}),
    NegativeStatus.VERIFYING: frozenset(
        {NegativeStatus.CONFIRMED, NegativeStatus.PARTLY_CONFIRMED, NegativeStatus.CLEARED}
    ),
    NegativeStatus.CONFIRMED: frozenset(),
    NegativeStatus.PARTLY_CONFIRMED: frozenset(),
    NegativeStatus.CLEARED: frozenset(),
}
CONCLUDING_STATUSES = frozenset({NegativeStatus.CONFIRMED, NegativeStatus.PARTLY_CONFIRMED, NegativeStatus.CLEARED})


def transition_refusal(current: NegativeStatus, target: NegativeStatus) -> str | None:
    """Why a record may not move from `current` to `target`, or None when it may."""
    allowed = NEXT_STATUSES[current]
    if target in allowed:
        return None
    if not allowed:
        return f"the record is {current.name}, which is final; it cannot become {target.name}"
    names = " or ".join(sorted(status.name for status in allowed))
    return f"the record is {current.name}; from there it can only become {names}, not {target.name}"


# ---- joint review --------------------------------------------------------------------------------

JOINT_REVIEW_DEFAULT_PERIOD = timedelta(days=7)  # the discipline commission gets about a week
HALTING_CONCLUSIONS = frozenset({ReviewConclusion.STOP, ReviewConclusion.SUSPEND})


def conclusion_refusal(answers: Sequence[ReviewVerdict | None], deadline_passed: bool,
                       conclusion: ReviewConclusion) -> str | None:
    """Why the review may not be concluded so now, or None when it may.

    It may be concluded once every asked agency has answered, or once the deadline has passed.
    It may proceed only if every agency answered and every answer is normal: an abnormal answer
    stops or suspends the selection, and nobody goes on without every opinion.
    """
    pending = sum(1 for verdict in answers if verdict is None)
    if pending and not deadline_passed:
        return f"{pending} of {len(answers)} asked agencies have not answered and the deadline has not passed"
    if conclusion is ReviewConclusion.PROCEED:
        if any(verdict is ReviewVerdict.ABNORMAL for verdict in answers):
            return "an answer is abnormal: the selection can only be stopped or suspended"
        if pending:
            return f"{pending} asked agencies never answered: the selection can only be stopped or suspended"
    return None


def selection_status_after(conclusion: ReviewConclusion) -> str | None:
    """The selection's new status (a SelectionStatus value) after the conclusion, or None to leave it."""
    return {ReviewConclusion.STOP: "stopped", ReviewConclusion.SUSPEND: "suspended"}.get(conclusion)


OPEN_SELECTION_STATUSES = frozenset({"open", "inspecting", "public_notice"})

# ---- personal matters: omission or concealment --------------------------------------------------

ALWAYS_CONCEALMENT = frozenset(
    {MatterCategory.MARRIAGE, MatterCategory.EMIGRATION, MatterCategory.BUSINESS, MatterCategory.REAL_ESTATE}
)
RULED_BY_AMOUNT = frozenset({MatterCategory.INVESTMENT, MatterCategory.INSURANCE})
SMALL_AMOUNT_LIMIT = Decimal("50000")  # yuan; Huzhou: an undeclared 11,200 yuan insurance was an omission


@dataclass(frozen=True)
class GapRule:
    code: str
    finding: MatterFinding
    explanation: str


INTENTIONAL_GAP = GapRule("hidden_on_purpose", MatterFinding.CONCEALMENT, "the verification shows the item was hidden on purpose")
MAJOR_MATTER_GAP = GapRule(
    "major_matter_undeclared", MatterFinding.CONCEALMENT,
    "a marriage, an emigration, a family business or real estate was not declared",
)
LARGE_AMOUNT_GAP = GapRule(
    "large_amount_undeclared", MatterFinding.CONCEALMENT,
    f"an investment or insurance of {SMALL_AMOUNT_LIMIT} yuan or more was not declared",
)
SMALL_AMOUNT_GAP = GapRule(
    "small_amount_undeclared", MatterFinding.OMISSION,
    f"an investment or insurance under {SMALL_AMOUNT_LIMIT} yuan was not declared",
)
MINOR_MATTER_GAP = GapRule(
    "minor_matter_undeclared", MatterFinding.OMISSION, "a family member's employment or study was not declared"
)


def classify_gap(category: MatterCategory, amount: Decimal | None, intentional: bool) -> GapRule:
    """Classify an item found by verification that the cadre had not declared."""
    if intentional:
        return INTENTIONAL_GAP
    if category in ALWAYS_CONCEALMENT:
        return MAJOR_MATTER_GAP
    if category in RULED_BY_AMOUNT:
        if amount is None:
            raise ValueError("an undeclared investment or insurance is classified by its amount")
        return LARGE_AMOUNT_GAP if amount >= SMALL_AMOUNT_LIMIT else SMALL_AMOUNT_GAP
    return MINOR_MATTER_GAP


FINDING_ORDER = (MatterFinding.CONSISTENT, MatterFinding.OMISSION, MatterFinding.CONCEALMENT)
FOLLOW_UP: Mapping[MatterFinding, FollowUp] = {
    MatterFinding.CONSISTENT: FollowUp.NONE,
    MatterFinding.OMISSION: FollowUp.CRITICISM_AND_EDUCATION,
    MatterFinding.CONCEALMENT: FollowUp.ADMONISHMENT,
}
FOLLOW_UP_ACTION: Mapping[FollowUp, SupervisionKind] = {
    FollowUp.CRITICISM_AND_EDUCATION: SupervisionKind.REMINDER_TALK,
    FollowUp.ADMONISHMENT: SupervisionKind.ADMONISHMENT,
}
FOLLOW_UP_REASON: Mapping[FollowUp, str] = {
    FollowUp.CRITICISM_AND_EDUCATION: "个人有关事项报告查核：漏报，批评教育",
    FollowUp.ADMONISHMENT: "个人有关事项报告查核：瞒报，诫勉并取消提拔资格",
}
WITHDRAWS_PROMOTION = frozenset({MatterFinding.CONCEALMENT})


def report_outcome(findings: Iterable[MatterFinding]) -> MatterFinding:
    return max(findings, key=FINDING_ORDER.index, default=MatterFinding.CONSISTENT)


# ---- supervision alerts --------------------------------------------------------------------------

LONG_TENURE_YEARS = 10  # rotation is due after 10 years in one post


def tenure_started_on_or_before(as_of: date, years: int) -> date:
    """The latest start date of a tenure that has lasted `years` full years by `as_of`."""
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year - years, day=28)


# ---- person-post fit -----------------------------------------------------------------------------


class FitDimension(enum.Enum):
    POLITICAL_QUALITY = "political_quality"  # 政治素质
    PROFESSIONAL_ABILITY = "professional_ability"  # 业务能力
    RESPONSIBILITY = "responsibility"  # 担当意识
    PERFORMANCE = "performance"  # 实绩表现
    REPUTATION = "reputation"  # 群众口碑


EQUAL_WEIGHTS: Mapping[str, float] = {dimension.value: 1 / len(FitDimension) for dimension in FitDimension}
MINIMUM_CANDIDATES_FOR_KEY_POST = 2  # at least two candidates inspected per key post (1:2)
SCORE_RANGE = (0, 100)


@dataclass(frozen=True)
class FitScore:
    score: float | None  # None while a weighted dimension has no score
    missing: tuple[FitDimension, ...]


def fit_score(weights: Mapping[str, float], scores: Mapping[str, int | None]) -> FitScore:
    """Weighted sum of the candidate's 0-100 scores over the post's dimensions."""
    missing = tuple(
        dimension for dimension in FitDimension if weights.get(dimension.value, 0) > 0 and scores.get(dimension.value) is None
    )
    if missing:
        return FitScore(None, missing)
    total = sum(weight * (scores.get(name) or 0) for name, weight in weights.items())
    return FitScore(round(total, 2), ())


def candidate_minimum(is_key_post: bool) -> int:
    return MINIMUM_CANDIDATES_FOR_KEY_POST if is_key_post else 1
