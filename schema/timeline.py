"""A cadre's (or a person's) dated events in order: tenures, kinship, ties, roles in organizations, part-time posts,
contracts, negative records, personal matters reports and their verification, supervision actions, nominations and
cases.

Each kind of event is declared once (`SOURCES`): the record it comes from, the `Type.field`s on the way from the
cadre or person to it, and the field behind each of the event's values. For one reader the timeline is a UNION of
one select per kind the reader may follow: a kind whose path or dating field the reader may not read unmasked is
left out, an unreadable value is NULL in SQL (never read), a masked one is masked as the field itself is, and every
table a kind reads is filtered by the reader's row scope (`RowScope.clause`), exactly as the record fields are.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import strawberry
from sqlalchemy import Date, Integer, Select, String, and_, cast, func, literal, null, select, type_coerce, union
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import False_
from strawberry.types import Info

from hub import models
from hub.access import AccessView
from hub.models import enums
from hub.validation import mask_id_number
from schema.context import context_of


@strawberry.enum(description="What a timeline event is.")
class TimelineEventKind(enum.Enum):
    TENURE = "tenure"
    KINSHIP = "kinship"
    SOCIAL_TIE = "social_tie"
    ORGANIZATION_ROLE = "organization_role"
    RELATIVE_ORGANIZATION_ROLE = "relative_organization_role"
    SUPPLY_CONTRACT = "supply_contract"
    PART_TIME_POSITION = "part_time_position"
    NEGATIVE_RECORD = "negative_record"
    PERSONAL_MATTERS_REPORT = "personal_matters_report"
    REPORT_VERIFIED = "report_verified"
    SUPERVISION_ACTION = "supervision_action"
    NOMINATION = "nomination"
    CASE = "case"


@strawberry.type(description=(
    "One dated event of a cadre's or a person's timeline. Each value is shown only where the reader may read the "
    "record field behind it (masked where that field is masked), and the event only where the reader may read the "
    "record and the field that dates it."
))
class TimelineEvent:
    kind: TimelineEventKind
    record_type: str = strawberry.field(description="The record the event comes from (`Tenure`, `Relative`, ...).")
    record_id: int
    start: date = strawberry.field(description="When it began or happened.")
    end: date | None = strawberry.field(description="When it ended (null: open, unknown or not yours to read).")
    reported_on: date | None
    source: str | None = strawberry.field(description="Who reported it.")
    title: str | None = strawberry.field(description="What it was: a post, a kind, a category, a case number.")


@dataclass(frozen=True)
class Value:
    """An event value: the column it is read from and the `Type.field`s whose reading it needs (the last one says
    whether it is masked). `names`: stored enum values and their GraphQL names, for enum-valued titles."""

    column: Any
    needs: tuple[str, ...]
    names: dict[str, str] = field(default_factory=dict)


def _names(enum_class: type[enum.Enum]) -> dict[str, str]:
    return {member.value: member.name for member in enum_class}


@dataclass(frozen=True)
class EventSource:
    """Where one kind of event comes from, for one owner (a cadre or a person)."""

    kind: TimelineEventKind
    record_type: str
    record_id: Any
    owner: Any  # the column naming the cadre or person whose timeline it is
    path: tuple[str, ...]  # the `Type.field`s from the owner to the record
    tables: tuple[str, ...]  # the tables whose row scope applies
    start: Value
    end: Value | None = None
    reported_on: Value | None = None
    source: Value | None = None
    title: Value | None = None
    joins: Callable[[Select[Any]], Select[Any]] = lambda statement: statement
    where: tuple[Any, ...] = ()
    needs_purpose_case: bool = False  # only cases whose number the request's purpose names

    def values(self) -> dict[str, Value | None]:
        return {"end": self.end, "reported_on": self.reported_on, "source": self.source, "title": self.title}


_contract_cadre = aliased(models.Cadre, name="timeline_contract_cadre")
T, K, ST, R = models.Tenure, models.Kinship, models.SocialTie, models.OrganizationRole
PT, SC, NR, PMR = models.PartTimePosition, models.SupplyContract, models.NegativeRecord, models.PersonalMattersReport
SA, NO, CF, CL = models.SupervisionAction, models.Nomination, models.Case, models.CaseLink


def _evidence(type_name: str, model: Any, title: Value | None) -> dict[str, Any]:
    """The values of evidence that begins and ends and has a source (migration 0006)."""
    return {
        "start": Value(model.start_date, (f"{type_name}.startDate",)),
        "end": Value(model.end_date, (f"{type_name}.endDate",)),
        "reported_on": Value(model.reported_on, (f"{type_name}.reportedOn",)),
        "source": Value(model.source, (f"{type_name}.source",)),
        "title": title,
    }


CADRE_SOURCES: tuple[EventSource, ...] = (
    EventSource(
        TimelineEventKind.TENURE, "Tenure", T.id, T.cadre_id, ("Cadre.tenures",), ("tenure", "post"),
        start=Value(T.start_date, ("Tenure.startDate",)), end=Value(T.end_date, ("Tenure.endDate",)),
        title=Value(models.Post.title, ("Tenure.post", "Post.title")),
        joins=lambda statement: statement.join(models.Post, models.Post.id == T.post_id),
    ),
    EventSource(
        TimelineEventKind.KINSHIP, "Relative", K.id, K.cadre_id, ("Cadre.relatives",), ("kinship",),
        **_evidence("Relative", K, Value(K.kind, ("Relative.kind",), _names(enums.KinshipKind))),
    ),
    EventSource(
        TimelineEventKind.SOCIAL_TIE, "SocialTie", ST.id, ST.cadre_id, ("Cadre.ties",), ("social_tie",),
        **_evidence("SocialTie", ST, Value(ST.kind, ("SocialTie.kind",), _names(enums.TieKind))),
    ),
    EventSource(
        TimelineEventKind.ORGANIZATION_ROLE, "OrganizationRole", R.id, R.cadre_id, ("OrganizationRole.cadre",),
        ("organization_role",),
        **_evidence("OrganizationRole", R, Value(R.role, ("OrganizationRole.role",), _names(enums.OrganizationRoleKind))),
    ),
    EventSource(
        TimelineEventKind.RELATIVE_ORGANIZATION_ROLE, "OrganizationRole", R.id, K.cadre_id,
        ("Cadre.relatives", "Relative.person", "Person.organizationRoles"), ("kinship", "person", "organization_role"),
        **_evidence("OrganizationRole", R, Value(R.role, ("OrganizationRole.role",), _names(enums.OrganizationRoleKind))),
        joins=lambda statement: statement.join(K, K.person_id == R.person_id).join(
            models.Person, models.Person.id == R.person_id),
    ),
    EventSource(
        # A contract of an organization a relative holds a role in, with the cadre's own unit.
        TimelineEventKind.SUPPLY_CONTRACT, "SupplyContract", SC.id, K.cadre_id,
        ("Cadre.unit", "Cadre.relatives", "Relative.person", "Person.organizationRoles", "OrganizationRole.organization",
         "Organization.supplyContracts", "SupplyContract.unit"),
        ("kinship", "person", "organization_role", "organization", "supply_contract"),
        start=Value(SC.signed_on, ("SupplyContract.signedOn",)), end=Value(SC.end_date, ("SupplyContract.endDate",)),
        title=Value(SC.subject, ("SupplyContract.subject",)),
        joins=lambda statement: statement
        .join(R, R.organization_id == SC.organization_id)
        .join(K, K.person_id == R.person_id)
        .join(models.Person, models.Person.id == K.person_id)
        .join(models.Organization, models.Organization.id == SC.organization_id)
        .join(_contract_cadre, and_(_contract_cadre.id == K.cadre_id, _contract_cadre.unit_id == SC.unit_id)),
    ),
    EventSource(
        TimelineEventKind.PART_TIME_POSITION, "PartTimePosition", PT.id, PT.cadre_id, ("Cadre.partTimePositions",),
        ("part_time_position",), **_evidence("PartTimePosition", PT, Value(PT.title, ("PartTimePosition.title",))),
    ),
    EventSource(
        TimelineEventKind.NEGATIVE_RECORD, "NegativeRecord", NR.id, NR.cadre_id, ("Cadre.negativeRecords",),
        ("negative_record",),
        start=Value(NR.occurred_on, ("NegativeRecord.occurredOn",)),
        reported_on=Value(NR.reported_on, ("NegativeRecord.reportedOn",)),
        source=Value(NR.reporting_agency, ("NegativeRecord.reportingAgency",)),
        title=Value(NR.category, ("NegativeRecord.category",), _names(enums.NegativeCategory)),
    ),
    EventSource(
        TimelineEventKind.PERSONAL_MATTERS_REPORT, "PersonalMattersReport", PMR.id, PMR.cadre_id, ("Cadre.reports",),
        ("personal_matters_report",),
        start=Value(PMR.submitted_on, ("PersonalMattersReport.submittedOn",)),
        title=Value(PMR.year, ("PersonalMattersReport.year",)),
    ),
    EventSource(
        TimelineEventKind.REPORT_VERIFIED, "PersonalMattersReport", PMR.id, PMR.cadre_id, ("Cadre.reports",),
        ("personal_matters_report",),
        start=Value(PMR.verified_on, ("PersonalMattersReport.verifiedOn",)),
        title=Value(PMR.year, ("PersonalMattersReport.year",)),
    ),
    EventSource(
        TimelineEventKind.SUPERVISION_ACTION, "SupervisionAction", SA.id, SA.cadre_id, ("Cadre.supervisionActions",),
        ("supervision_action",),
        start=Value(SA.issued_on, ("SupervisionAction.issuedOn",)), end=Value(SA.due_on, ("SupervisionAction.dueOn",)),
        source=Value(SA.issued_by, ("SupervisionAction.issuedBy",)),
        title=Value(SA.kind, ("SupervisionAction.kind",), _names(enums.SupervisionKind)),
    ),
    EventSource(
        TimelineEventKind.NOMINATION, "Nomination", NO.id, NO.nominee_id, ("Cadre.nominations",), ("nomination",),
        start=Value(NO.nominated_on, ("Nomination.nominatedOn",)),
    ),
    EventSource(
        TimelineEventKind.CASE, "Case", CF.id, CL.cadre_id, ("Case.links", "CaseLink.cadre"), ("case_file",),
        start=Value(CF.opened_at, ("Case.openedAt",)), end=Value(CF.closed_at, ("Case.closedAt",)),
        title=Value(CF.number, ("Case.number",)),
        joins=lambda statement: statement.join(CL, CL.case_id == CF.id), needs_purpose_case=True,
    ),
)

PERSON_SOURCES: tuple[EventSource, ...] = (
    EventSource(
        TimelineEventKind.KINSHIP, "Relative", K.id, K.person_id, ("Person.relativeOf",), ("kinship",),
        **_evidence("Relative", K, Value(K.kind, ("Relative.kind",), _names(enums.KinshipKind))),
    ),
    EventSource(
        TimelineEventKind.SOCIAL_TIE, "SocialTie", ST.id, ST.person_id, ("SocialTie.person",), ("social_tie",),
        **_evidence("SocialTie", ST, Value(ST.kind, ("SocialTie.kind",), _names(enums.TieKind))),
    ),
    EventSource(
        TimelineEventKind.ORGANIZATION_ROLE, "OrganizationRole", R.id, R.person_id, ("Person.organizationRoles",),
        ("organization_role",),
        **_evidence("OrganizationRole", R, Value(R.role, ("OrganizationRole.role",), _names(enums.OrganizationRoleKind))),
    ),
    EventSource(
        TimelineEventKind.CASE, "Case", CF.id, CL.person_id, ("Case.links", "CaseLink.person"), ("case_file",),
        start=Value(CF.opened_at, ("Case.openedAt",)), end=Value(CF.closed_at, ("Case.closedAt",)),
        title=Value(CF.number, ("Case.number",)),
        joins=lambda statement: statement.join(CL, CL.case_id == CF.id), needs_purpose_case=True,
    ),
)

_COLUMNS = ("end", "reported_on", "source", "title")
_TYPES: dict[str, Any] = {"end": Date(), "reported_on": Date(), "source": String(), "title": String()}


def _readable(access: AccessView, needs: Sequence[str]) -> bool:
    return all(access.can_read_unmasked(*need.split(".", 1)) for need in needs)


def _shown(access: AccessView, value: Value | None) -> str:
    """`read`, `masked` (readable only masked: the last field needed) or `hidden`."""
    if value is None or not all(access.can_read(*need.split(".", 1)) for need in value.needs):
        return "hidden"
    *path, last = value.needs
    if not _readable(access, path):
        return "hidden"
    return "read" if access.can_read_unmasked(*last.split(".", 1)) else "masked"


def _as_date(column: Any, dialect: str) -> Any:
    """A date or date-time column as a date (SQLite's CAST to DATE would make a number of it)."""
    if isinstance(column.type, Date):
        return column
    return type_coerce(func.date(column), Date) if dialect == "sqlite" else cast(column, Date)


def _select(source: EventSource, access: AccessView, owners: list[int], purpose: str, dialect: str) -> Select[Any] | None:
    """The select of one kind's events for these owners, or None when the reader may not follow it."""
    if not _readable(access, source.path) or _shown(access, source.start) != "read":
        return None
    if source.needs_purpose_case and not purpose:
        return None
    scopes = [access.rows.clause(table) for table in source.tables]
    if any(isinstance(scope, False_) for scope in scopes):
        return None
    columns: list[Any] = [
        literal(source.kind.value, String()).label("kind"),
        type_coerce(source.record_id, Integer).label("record_id"),
        type_coerce(source.owner, Integer).label("owner_id"),
        _as_date(source.start.column, dialect).label("start"),
    ]
    for name, value in source.values().items():
        if value is None or _shown(access, value) == "hidden":
            columns.append(cast(null(), _TYPES[name]).label(name))
        elif name in ("end", "reported_on"):
            columns.append(_as_date(value.column, dialect).label(name) if _shown(access, value) == "read"
                           else cast(null(), Date).label(name))  # a masked date has no date to show
        else:
            columns.append(cast(value.column, String).label(name))
    record_table = source.record_id.class_ if hasattr(source.record_id, "class_") else None
    statement = select(*columns)
    if record_table is not None:
        statement = statement.select_from(record_table)
    statement = source.joins(statement).where(
        source.owner.in_(owners), source.start.column.is_not(None), *scopes, *source.where,
    )
    if source.needs_purpose_case:
        statement = statement.where(literal(purpose, String()).contains(CF.number))
    return statement


def _masked_values(sources: Sequence[EventSource], access: AccessView) -> dict[str, set[str]]:
    """Per kind, the values the reader sees masked."""
    return {
        source.kind.value: {name for name, value in source.values().items() if _shown(access, value) == "masked"}
        for source in sources
    }


def read_timelines(
    session: Any, access: AccessView, sources: Sequence[EventSource], owners: list[int], purpose: str = "",
) -> dict[int, list[TimelineEvent]]:
    """Every owner's events the reader may see, oldest first (then by kind and record)."""
    dialect = session.get_bind().dialect.name
    selects = [
        statement for statement in (_select(source, access, owners, purpose, dialect) for source in sources)
        if statement is not None
    ]
    timelines: dict[int, list[TimelineEvent]] = {owner: [] for owner in owners}
    if not selects:
        return timelines
    combined = union(*selects).subquery("timeline")
    rows = session.execute(select(combined).order_by(
        combined.c.owner_id, combined.c.start, combined.c.kind, combined.c.record_id,
    )).all()
    masked = _masked_values(sources, access)
    by_kind = {source.kind.value: source for source in sources}
    for row in rows:
        source = by_kind[row.kind]
        values = {name: getattr(row, name) for name in _COLUMNS}
        if source.title is not None and source.title.names and values["title"] is not None:
            values["title"] = source.title.names.get(values["title"], values["title"])
        for name in masked[row.kind]:
            values[name] = _mask(values[name])
        timelines[row.owner_id].append(TimelineEvent(
            kind=TimelineEventKind(row.kind), record_type=source.record_type, record_id=row.record_id,
            start=_date(row.start), end=_date(values["end"]), reported_on=_date(values["reported_on"]),
            source=values["source"], title=values["title"],
        ))
    return timelines


def _mask(value: Any) -> Any:
    return None if value is None else mask_id_number(str(value))


def _date(value: Any) -> Any:
    """SQLite hands back a date computed in SQL as text."""
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def timeline_field(sources: Sequence[EventSource], owner: str, description: str) -> Any:
    """A field listing its parent row's events, batched over the rows read with it (their siblings)."""

    def resolve(root: Any, info: Info) -> Any:
        context = context_of(info)

        def fetch(owners: list[int], _origin: Any) -> dict[int, Any]:
            return read_timelines(context.session, context.access, sources, owners, context.purpose)

        return context.loaders.batched(("timeline", owner), fetch, list).follow(root, "id")

    return strawberry.field(resolver=resolve, description=description, graphql_type=list[TimelineEvent])
