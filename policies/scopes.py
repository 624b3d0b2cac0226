"""Row scopes named in the policy, turned into SQL predicates for one principal.

Every table tied to a cadre follows the cadre's scope; `Row.NegativeRecord` scopes narrow further.

A row tied to another (its cadre, its parent record) is checked with a correlated `EXISTS` on that one
parent row, found by primary key: the cost grows with the rows a statement returns, not with the size of
the tables (an `IN (SELECT ...)` of every visible cadre would be built again for each statement).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, true
from sqlalchemy.orm import InstrumentedAttribute, aliased
from sqlalchemy.sql.elements import False_, True_

from hub import models
from hub.access import Principal
from policies import scope_rules
from policies.scope_rules import CADRE_SCOPE_RULES, CadreScopeRule

CadreScope = Callable[[Principal, Any], ColumnElement[bool]]


def _cadre_scope(rule: CadreScopeRule) -> CadreScope:
    def predicate(principal: Principal, cadre: Any) -> ColumnElement[bool]:
        values = rule.principal_values(principal)
        if values is None:
            return false()
        if rule.every_cadre:
            return true()
        return and_(*(getattr(cadre, column) == values[attribute] for column, attribute in rule.matches))

    return predicate


# Each scope is a predicate over a cadre table (the `cadre` table itself, or an alias of it).
CADRE_SCOPES: dict[str, CadreScope] = {name: _cadre_scope(rule) for name, rule in CADRE_SCOPE_RULES.items()}

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
    "detection_alert": models.DetectionAlert.cadre_id,  # an alert about no cadre (a post) only for every-cadre scopes
}

# Ties that make a person visible when the row holding them is (the tied disjuncts of `_person_clause`).
PERSON_TIES = {(tie.table, tie.person_column) for tie in scope_rules.PERSON_TIES}

_MODELS_BY_TABLE: dict[str, type[models.Base]] = {
    mapper.class_.__tablename__: mapper.class_ for mapper in models.Base.registry.mappers
}

# Joint review answers: an agency sees its own answer, or (scope:all) every agency's.
REVIEW_ANSWER_SCOPES: dict[str, Callable[[Principal], ColumnElement[bool]]] = {
    "all": lambda _principal: true(),
    "own_answers": lambda principal: models.ReviewAnswer.agency == principal.agency,
}


# Cases: worked by the agency that opened it (scope:own_agency); scope:all reads every agency's.
CASE_SCOPES: dict[str, Callable[[Principal], ColumnElement[bool]]] = {
    "all": lambda _principal: true(),
    "own_agency": lambda principal: models.Case.agency == principal.agency,
}

def _own_unit(principal: Principal, column: Any) -> ColumnElement[bool]:
    """`column` names the principal's unit; nothing for a principal whose token names no unit."""
    return false() if principal.unit_id is None else column == principal.unit_id


# Appointment requests: none without a scope; `own_unit` those of the token's unit, `all` every one.
APPOINTMENT_REQUEST_SCOPES: dict[str, Callable[[Principal], ColumnElement[bool]]] = {
    "all": lambda _principal: true(),
    "own_unit": lambda principal: _own_unit(principal, models.AppointmentRequest.unit_id),
}

# Personal matters inquiries: none without a scope; `own_inquiries` those put to the agency, `all` every one; and
# only those about visible cadres.
MATTERS_INQUIRY_SCOPES: dict[str, Callable[[Principal], ColumnElement[bool]]] = {
    "all": lambda _principal: true(),
    "own_inquiries": lambda principal: models.MattersInquiry.agency == principal.agency,
}

# Selections are visible to whoever may read them; `Row.Selection scope:own_unit` narrows them to the selections
# for posts of the token's unit.
SELECTION_SCOPES: dict[str, Callable[[Principal], ColumnElement[bool]]] = {
    "own_unit": lambda principal: exists().where(
        models.Post.id == models.Selection.post_id, _own_unit(principal, models.Post.unit_id)
    ).correlate_except(models.Post),
}


# Tables whose rows are visible exactly when their parent row is: table -> (parent table, link, parent model).
PARENT_FOLLOWERS: dict[str, tuple[str, InstrumentedAttribute[int], type[models.Base]]] = {
    "case_note": ("case_file", models.CaseNote.case_id, models.Case),
    "case_link": ("case_file", models.CaseLink.case_id, models.Case),
    "case_event": ("case_file", models.CaseEvent.case_id, models.Case),
    "matter_item": ("personal_matters_report", models.MatterItem.report_id, models.PersonalMattersReport),
    "submitted_record": ("negative_record", models.SubmittedRecord.negative_record_id, models.NegativeRecord),
    "matters_verification": (
        "personal_matters_report", models.MattersVerification.report_id, models.PersonalMattersReport,
    ),
    "matter_gap": ("matters_verification", models.MatterGap.verification_id, models.MattersVerification),
    "rectification_item": ("supervision_action", models.RectificationItem.action_id, models.SupervisionAction),
    "appointment_candidate": (
        "appointment_request", models.AppointmentCandidate.request_id, models.AppointmentRequest,
    ),
}


# Built predicates, by everything that goes into them. A predicate is an immutable SQL expression, and building
# one (aliases, subqueries) costs more than running the statement it filters, so requests share them.
_BUILT: dict[tuple[Any, ...], ColumnElement[bool]] = {}
MAX_BUILT = 4096


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

    def cadre_clause(self, cadre: Any = models.Cadre) -> ColumnElement[bool]:
        """Which cadres are visible, as a predicate over `cadre` (the table or an alias of it)."""
        if not self.cadre_scopes:
            return false()
        if "all" in self.cadre_scopes:
            return true()
        return or_(*(CADRE_SCOPES[name](self.principal, cadre) for name in self.cadre_scopes))

    def clause(self, table: str) -> ColumnElement[bool]:
        key = (self.principal, self.cadre_scopes, self.negative_record_scopes, tuple(sorted(self.scopes.items())), table)
        built = _BUILT.get(key)
        if built is None:
            if len(_BUILT) >= MAX_BUILT:
                _BUILT.clear()
            built = _BUILT[key] = self._build(table)
        return built

    def children_of_visible(self, table: str, column: str, parent_table: str) -> ColumnElement[bool]:
        """What `clause(table)` still requires of rows whose `column` holds the id of a visible `parent_table` row.

        A row tied to a cadre (or to a parent record) is visible exactly when that cadre (or record) is, so
        once the parent is known to be visible only a narrowing of the table's own remains.
        """
        if CADRE_OWNED.get(table) is not None and CADRE_OWNED[table].key == column and parent_table == "cadre":
            return self._own_narrowing(table)
        follower = PARENT_FOLLOWERS.get(table)
        if follower is not None and follower[1].key == column and follower[0] == parent_table:
            return true()
        return self.clause(table)

    def referenced_by_visible(self, table: str, by_table: str, by_column: str) -> ColumnElement[bool]:
        """What `clause(table)` still requires of rows that a visible `by_table` row points to through `by_column`."""
        if table == "cadre" and CADRE_OWNED.get(by_table) is not None and CADRE_OWNED[by_table].key == by_column:
            return true()  # a row tied to a cadre is visible only if its cadre is
        if table == "person" and (by_table, by_column) in PERSON_TIES:
            return true()  # a person tied to a visible cadre is visible (see _person_clause)
        follower = PARENT_FOLLOWERS.get(by_table)
        if follower is not None and follower[0] == table and follower[1].key == by_column:
            return true()  # a follower is visible only if its parent is
        return self.clause(table)

    def _own_narrowing(self, table: str) -> ColumnElement[bool]:
        """The narrowing a cadre-owned table adds to its cadre's scope (`Row.NegativeRecord` scopes), if any."""
        if table == "negative_record" and self.negative_record_scopes:
            return or_(*(NEGATIVE_RECORD_SCOPES[name](self.principal) for name in self.negative_record_scopes))
        return true()

    def _build(self, table: str) -> ColumnElement[bool]:
        if table == "cadre":
            return self.cadre_clause()
        if table in CADRE_OWNED:
            clause = self._owned_clause(CADRE_OWNED[table])
            narrowing = self._own_narrowing(table)
            return clause if isinstance(narrowing, True_) else clause & narrowing
        if table in PARENT_FOLLOWERS:
            parent_table, link, parent = PARENT_FOLLOWERS[table]
            return self._parent_visible(link, parent, parent_table)
        if table == "review_answer":
            return self._review_answer_clause()
        if table == "case_file":
            return self._granted(CASE_SCOPES, "Case", otherwise=false())
        if table == "appointment_request":
            return self._granted(APPOINTMENT_REQUEST_SCOPES, "AppointmentRequest", otherwise=false())
        if table == "matters_inquiry":
            granted = self._granted(MATTERS_INQUIRY_SCOPES, "MattersInquiry", otherwise=false())
            return granted if isinstance(granted, False_) else self._owned_clause(models.MattersInquiry.cadre_id) & granted
        if table == "selection":
            return self._granted(SELECTION_SCOPES, "Selection", otherwise=true())

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
        of_visible_reviews = self._parent_visible(models.ReviewAnswer.review_id, models.JointReview, "joint_review")
        return of_visible_reviews & or_(*(REVIEW_ANSWER_SCOPES[name](self.principal) for name in granted))

    def _granted(
        self, predicates: Mapping[str, Callable[[Principal], ColumnElement[bool]]], row_type: str,
        otherwise: ColumnElement[bool],
    ) -> ColumnElement[bool]:
        """Rows any of the `Row.<row_type>` scopes granted admits; `otherwise` when none is granted."""
        granted = self.scopes.get(row_type, ())
        if not granted:
            return otherwise
        if "all" in granted:
            return true()
        return or_(*(predicates[name](self.principal) for name in granted))

    def _decision_clause(self) -> ColumnElement[bool]:
        """A ledger entry follows its cadre; one about a negative record also follows the record's scope."""
        decision = models.Decision
        about_cadre = or_(decision.cadre_id.is_(None), self._owned_clause(decision.cadre_id))
        about_record = or_(
            decision.subject != "NegativeRecord",
            self._parent_visible(decision.subject_id, models.NegativeRecord, "negative_record"),
        )
        return about_cadre & about_record

    def _parent_visible(self, link: Any, parent: type[models.Base], parent_table: str) -> ColumnElement[bool]:
        """The row's parent (`parent.id == link`) exists and is visible; the parent table is never correlated."""
        clause = self.clause(parent_table)
        if isinstance(clause, False_):
            return false()
        return exists().where(parent.id == link, clause).correlate_except(parent)  # type: ignore[attr-defined]

    def _owned_clause(self, column: Any) -> ColumnElement[bool]:
        """The row's cadre (`column`) is visible: one primary-key lookup in an alias of the cadre table."""
        cadre_clause = self.cadre_clause()
        if isinstance(cadre_clause, True_):
            return true()
        if isinstance(cadre_clause, False_):
            return false()
        owner = aliased(models.Cadre, name="owner_cadre")
        return exists().where(owner.id == column, self.cadre_clause(owner))

    def _person_clause(self) -> ColumnElement[bool]:
        """A relative or associate is visible when tied to a visible cadre; one tied to nobody yet, in the caller's jurisdiction."""
        cadre_clause = self.cadre_clause()
        if isinstance(cadre_clause, True_):
            return true()
        person = models.Person
        tied: list[ColumnElement[bool]] = []
        untied: list[ColumnElement[bool]] = []
        for tie in scope_rules.PERSON_TIES:
            link = aliased(_MODELS_BY_TABLE[tie.table], name=f"person_{tie.table}")
            tied_cadre = aliased(models.Cadre, name=f"{tie.table}_cadre")
            tied.append(exists().where(
                getattr(link, tie.person_column) == person.id,
                tied_cadre.id == getattr(link, tie.cadre_column),
                self.cadre_clause(tied_cadre),
            ))
            untied.append(~exists().where(getattr(link, tie.person_column) == person.id))
        value = scope_rules.untied_person_value(self.principal)
        person_attribute = getattr(person, scope_rules.UNTIED_PERSON_MATCH[0])
        untied_here = and_(*untied, person_attribute == value) if value is not None else false()
        if isinstance(cadre_clause, False_):
            return untied_here
        return or_(*tied, untied_here)
