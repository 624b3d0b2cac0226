"""The access audit as seen through GraphQL (by the agencies the policy lets read it): entries searched by user,
agency, cadre, purpose and time, reads per user per day, and the audit review's anomaly alerts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, Date, Integer, String, bindparam, cast, func, select, text, type_coerce
from strawberry.types import Info

from hub import models
from schema.context import context_of
from schema.pagination import Connection, paginate
from schema.record_types import record_type
from schema.rule_catalogue import DetectionRuleType, citation


@record_type(models.AuditEntry, "AuditEntry", "One request that read or wrote cadre data.")
class AuditEntryType:
    id: int
    at: datetime
    user: str
    agency: str
    operation: str
    operation_name: str
    cadre_ids: list[int]
    fields: list[str]
    purpose: str
    prev_hash: str
    hash: str


@record_type(models.AuditAlert, "AuditAlert", "An anomaly the audit review found: the rule that fired, on which entries.")
class AuditAlertType:
    id: int
    rule: str
    severity: str
    raised_at: datetime
    user: str
    agency: str
    entry_ids: list[int] = strawberry.field(description="The audit entries it fired on.")
    cadre_ids: list[int] = strawberry.field(description="The cadres those entries read that made it fire.")
    detail: str

    @strawberry.field(description="The rule, with its names and the regulation it applies.")
    def citation(self) -> DetectionRuleType:
        return citation(self.rule)


@strawberry.type(description="How many reads one user made on one day (UTC).")
class AuditUserDay:
    day: date
    user: str
    agency: str
    reads: int
    cadres_read: int = strawberry.field(description="Cadres those reads named, counted once per read.")


def entry_filters(
    dialect: str, user: str | None = None, agency: str | None = None, cadre_id: int | None = None,
    purpose_contains: str | None = None, since: datetime | None = None, until: datetime | None = None,
) -> list[ColumnElement[bool]]:
    entry = models.AuditEntry
    where: list[Any] = []
    if user is not None:
        where.append(entry.user == user)
    if agency is not None:
        where.append(entry.agency == agency)
    if purpose_contains:
        where.append(entry.purpose.contains(purpose_contains, autoescape=True))
    if since is not None:
        where.append(entry.at >= since)
    if until is not None:
        where.append(entry.at < until)
    if cadre_id is not None:
        where.append(_names_cadre(dialect, cadre_id))
    return where


def _names_cadre(dialect: str, cadre_id: int) -> Any:
    """The entry's JSON list of cadre ids holds `cadre_id`."""
    if dialect == "postgresql":
        return text("CAST(audit_entry.cadre_ids AS jsonb) @> CAST(:audit_cadre AS jsonb)").bindparams(
            bindparam("audit_cadre", f"[{int(cadre_id)}]", type_=String()))
    return text("EXISTS (SELECT 1 FROM json_each(audit_entry.cadre_ids) WHERE json_each.value = :audit_cadre)").bindparams(
        bindparam("audit_cadre", int(cadre_id), type_=Integer()))


def _day_of(dialect: str) -> Any:
    at = models.AuditEntry.at
    if dialect == "postgresql":
        return cast(func.timezone("UTC", at), Date)
    return type_coerce(func.date(at), String)


@strawberry.type
class AuditQueries:
    @strawberry.field(description=(
        "The access audit, newest first: by user, agency, a cadre read, words of the purpose, and time "
        "(`since` inclusive, `until` exclusive)."
    ))
    def access_audit(
        self, info: Info, agency: str | None = None, user: str | None = None, cadre_id: int | None = None,
        purpose_contains: str | None = None, since: datetime | None = None, until: datetime | None = None,
        first: int | None = None, after: str | None = None,
    ) -> Connection[AuditEntryType]:
        context = context_of(info)
        dialect = context.session.get_bind().dialect.name
        where = entry_filters(dialect, user, agency, cadre_id, purpose_contains, since, until)
        statement = select(models.AuditEntry).where(*where).order_by(models.AuditEntry.id.desc())
        return paginate(context.session, statement, first, after)

    @strawberry.field(description=(
        "Reads (queries that read cadre data) per user per day (UTC), newest day first, with the same filters."
    ))
    def audit_reads_per_day(
        self, info: Info, agency: str | None = None, user: str | None = None, cadre_id: int | None = None,
        purpose_contains: str | None = None, since: datetime | None = None, until: datetime | None = None,
    ) -> list[AuditUserDay]:
        context = context_of(info)
        dialect = context.session.get_bind().dialect.name
        entry = models.AuditEntry
        day = _day_of(dialect).label("day")
        statement = (
            select(day, entry.user, entry.agency, func.count().label("reads"),
                   func.coalesce(func.sum(func.json_array_length(entry.cadre_ids)), 0).label("cadres"))
            .where(entry.operation == "query", func.json_array_length(entry.cadre_ids) > 0,
                   *entry_filters(dialect, user, agency, cadre_id, purpose_contains, since, until))
            .group_by(day, entry.user, entry.agency)
            .order_by(day.desc(), entry.agency, entry.user)
        )
        return [
            AuditUserDay(day=row.day if isinstance(row.day, date) else date.fromisoformat(row.day), user=row.user,
                         agency=row.agency, reads=row.reads, cadres_read=int(row.cadres))
            for row in context.session.execute(statement)
        ]

    @strawberry.field(description="The audit review's anomaly alerts, newest first; optionally of one rule or user.")
    def audit_alerts(
        self, info: Info, rule: str | None = None, user: str | None = None, first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditAlertType]:
        context = context_of(info)
        alert = models.AuditAlert
        statement = select(alert).order_by(alert.id.desc())
        if rule is not None:
            statement = statement.where(alert.rule == rule)
        if user is not None:
            statement = statement.where(alert.user == user)
        return paginate(context.session, statement, first, after)
