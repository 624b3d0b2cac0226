"""Row scopes named in the policy, turned into SQL predicates for one principal.

Every table tied to a cadre follows the cadre's scope; `Row.NegativeRecord` scopes narrow further.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.sql.elements import False_, True_

from hub import models
from schema.access import Principal

CadreScope = Callable[[Principal], ColumnElement[bool]]

CADRE_SCOPES: dict[str, CadreScope] = {
    "all": lambda _principal: true(),
    "management": lambda principal: (models.Cadre.management_level == principal.level)
    & (models.Cadre.jurisdiction == principal.jurisdiction)
    if principal.level and principal.jurisdiction
    else false(),
    "own_unit": lambda principal: models.Cadre.unit_id == principal.unit_id
    if principal.unit_id is not None
    else false(),
}

NEGATIVE_RECORD_SCOPES: dict[str, Callable[[Principal], ColumnElement[bool]]] = {
    "own_reports": lambda principal: models.NegativeRecord.reporting_agency == principal.agency,
}

# Tables whose rows belong to a cadre, with the column that names the cadre.
CADRE_OWNED = {
    "tenure": models.Tenure.cadre_id,
    "kinship": models.Kinship.cadre_id,
    "social_tie": models.SocialTie.cadre_id,
    "negative_record": models.NegativeRecord.cadre_id,
    "personal_matters_report": models.PersonalMattersReport.cadre_id,
    "supervision_action": models.SupervisionAction.cadre_id,
    "part_time_position": models.PartTimePosition.cadre_id,
    "nomination": models.Nomination.nominee_id,
    "joint_review": models.JointReview.candidate_id,
}

# Joint review answers: an agency sees its own answer, or (scope:all) every agency's.
REVIEW_ANSWER_SCOPES: dict[str, Callable[[Principal], ColumnElement[bool]]] = {
    "all": lambda _principal: true(),
    "own_answers": lambda principal: models.ReviewAnswer.agency == principal.agency,
}


# Workflow tables whose rows are visible exactly when their parent row is: table -> (parent table, link, parent id).
WORKFLOW_CHILDREN: dict[str, tuple[str, ColumnElement[int], ColumnElement[int]]] = {
    "submitted_record": ("negative_record", models.SubmittedRecord.negative_record_id, models.NegativeRecord.id),
    "matters_verification": (
        "personal_matters_report", models.MattersVerification.report_id, models.PersonalMattersReport.id,
    ),
    "matter_gap": ("matters_verification", models.MatterGap.verification_id, models.MattersVerification.id),
    "rectification_item": ("supervision_action", models.RectificationItem.action_id, models.SupervisionAction.id),
}


@dataclass(frozen=True)
class PolicyRowScope:
    """The row predicates of one principal, from the scope names its policy grants."""

    principal: Principal
    cadre_scopes: tuple[str, ...]
    negative_record_scopes: tuple[str, ...]
    # Every scope the policy grants, by row type (`Row.<Type>`), for the types without a field of their own.
    scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False, hash=False)

    def cadre_scope_names(self) -> tuple[str, ...]:
        return self.cadre_scopes

    def cadre_clause(self) -> ColumnElement[bool]:
        if not self.cadre_scopes:
            return false()
        if "all" in self.cadre_scopes:
            return true()
        return or_(*(CADRE_SCOPES[name](self.principal) for name in self.cadre_scopes))

    def clause(self, table: str) -> ColumnElement[bool]:
        if table == "cadre":
            return self.cadre_clause()
        if table in CADRE_OWNED:
            clause = self._owned_clause(CADRE_OWNED[table])
            if table == "negative_record" and self.negative_record_scopes:
                narrowing = or_(*(NEGATIVE_RECORD_SCOPES[name](self.principal) for name in self.negative_record_scopes))
                return clause & narrowing
            return clause
        if table == "matter_item":
            return models.MatterItem.report_id.in_(
                select(models.PersonalMattersReport.id).where(self.clause("personal_matters_report"))
            )
        if table in WORKFLOW_CHILDREN:
            parent_table, link, parent_id = WORKFLOW_CHILDREN[table]
            return link.in_(select(parent_id).where(self.clause(parent_table)))
        if table == "review_answer":
            return self._review_answer_clause()
        if table == "decision":
            return self._decision_clause()
        if table == "organization_role":
            return or_(models.OrganizationRole.cadre_id.is_(None), self._owned_clause(models.OrganizationRole.cadre_id))
        if table == "person":
            return self._person_clause()
        return true()

    def _review_answer_clause(self) -> ColumnElement[bool]:
        granted = self.scopes.get("ReviewAnswer", ())
        if not granted:
            return false()
        answers = models.ReviewAnswer
        of_visible_reviews = answers.review_id.in_(select(models.JointReview.id).where(self.clause("joint_review")))
        return of_visible_reviews & or_(*(REVIEW_ANSWER_SCOPES[name](self.principal) for name in granted))

    def _decision_clause(self) -> ColumnElement[bool]:
        """A ledger entry follows its cadre; one about a negative record also follows the record's scope."""
        decision = models.Decision
        about_cadre = or_(decision.cadre_id.is_(None), self._owned_clause(decision.cadre_id))
        about_record = or_(
            decision.subject != "NegativeRecord",
            decision.subject_id.in_(select(models.NegativeRecord.id).where(self.clause("negative_record"))),
        )
        return about_cadre & about_record

    def _owned_clause(self, column: ColumnElement[int]) -> ColumnElement[bool]:
        cadre_clause = self.cadre_clause()
        if isinstance(cadre_clause, True_):
            return true()
        if isinstance(cadre_clause, False_):
            return false()
        return column.in_(select(models.Cadre.id).where(cadre_clause))

    def _person_clause(self) -> ColumnElement[bool]:
        """A relative or associate is visible when tied to a visible cadre; one tied to nobody yet, in the caller's jurisdiction."""
        cadre_clause = self.cadre_clause()
        if isinstance(cadre_clause, True_):
            return true()
        visible = select(models.Cadre.id).where(cadre_clause)
        kin = select(models.Kinship.person_id)
        tied = select(models.SocialTie.person_id).where(models.SocialTie.person_id.is_not(None))
        return or_(
            models.Person.id.in_(kin.where(models.Kinship.cadre_id.in_(visible))),
            models.Person.id.in_(tied.where(models.SocialTie.cadre_id.in_(visible))),
            models.Person.id.not_in(kin).__and__(models.Person.id.not_in(tied)).__and__(
                models.Person.jurisdiction == (self.principal.jurisdiction or "")
            ),
        )
