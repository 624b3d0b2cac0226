"""The audit review: scans the access audit entries appended since its last pass and records anomaly alerts for the
security officer (`hub audit review`).

Rules (codes in `hub/core/rules.csv`):

- `audit_outside_purpose`: a read whose purpose names a case (or a selection) includes cadres the case's linked
  cadres, persons and organizations (the selection's nominees and nominators) do not reach within
  `audit_purpose_hops` hops of kinship, ties, roles in organizations and part-time posts;
- `audit_volume_spike`: a user's reads in a day above `audit_volume_factor` times the median of the user's own daily
  reads over the `audit_baseline_days` before it, and above `audit_volume_floor`;
- `audit_repeated_lookup`: one user looking one cadre up (a read of at most `LOOKUP_MAX_CADRES` cadres)
  `audit_repeat_lookups` times or more in a day;
- `audit_bulk_export`: one read of `audit_bulk_cadres` cadres or more;
- `audit_senior_cadre`: a read of cadres of the senior ranks (`audit_senior_ranks`) that its purpose does not reach.

Each alert has a key naming the rule and what it fired on (an entry, a user's day, a user's day with one cadre);
alerts are inserted with that key unique, and the pass moves its mark past the entries it scanned, in one
transaction. So running it again, or twice at once, never alerts twice on the same entries.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hub import models
from hub.core.rule_catalogue import catalogue
from hub.settings import Settings

STATE_ID = 1
SCAN_BATCH = 5000
READ = "query"
LOOKUP_MAX_CADRES = 5  # a read of this many cadres at most looks them up; longer lists are pages or exports
# A selection named in a purpose: `选任审查 selection 12`, `选拔#12`, `选拔：12`.
SELECTION_PATTERN = re.compile(r"(?:selection|选拔)\s*[#:：]?\s*(\d+)", re.IGNORECASE)

OUTSIDE_PURPOSE = "audit_outside_purpose"
VOLUME_SPIKE = "audit_volume_spike"
REPEATED_LOOKUP = "audit_repeated_lookup"
BULK_EXPORT = "audit_bulk_export"
SENIOR_CADRE = "audit_senior_cadre"


@dataclass(frozen=True)
class Thresholds:
    volume_factor: float = 5.0
    volume_floor: int = 50
    baseline_days: int = 14
    repeat_lookups: int = 5
    bulk_cadres: int = 100
    senior_ranks: tuple[str, ...] = ("division",)
    purpose_hops: int = 2
    case_pattern: str = r"XC-\d{4}-\d{4}"

    @classmethod
    def of(cls, settings: Settings) -> Thresholds:
        return cls(
            volume_factor=settings.audit_volume_factor, volume_floor=settings.audit_volume_floor,
            baseline_days=settings.audit_baseline_days, repeat_lookups=settings.audit_repeat_lookups,
            bulk_cadres=settings.audit_bulk_cadres,
            senior_ranks=tuple(rank.strip().lower() for rank in settings.audit_senior_ranks.split(",") if rank.strip()),
            purpose_hops=settings.audit_purpose_hops, case_pattern=settings.purpose_case_pattern,
        )


@dataclass(frozen=True)
class Alert:
    key: str
    rule: str
    user: str
    agency: str
    entry_ids: tuple[int, ...]
    cadre_ids: tuple[int, ...]
    detail: str


@dataclass
class ReviewResult:
    scanned: int = 0
    raised: list[str] = field(default_factory=list)  # the keys of the alerts this pass recorded


def review(session: Session, thresholds: Thresholds) -> ReviewResult:
    """One pass over the entries since the last; commits the alerts and the new mark together."""
    result = ReviewResult()
    while True:
        state = _state(session)
        entries = list(session.scalars(
            select(models.AuditEntry).where(models.AuditEntry.id > state.last_entry_id)
            .order_by(models.AuditEntry.id).limit(SCAN_BATCH)
        ))
        if not entries:
            session.commit()
            return result
        alerts = _alerts(session, entries, thresholds)
        result.raised.extend(_record(session, alerts))
        result.scanned += len(entries)
        state.last_entry_id = entries[-1].id
        state.reviewed_at = datetime.now(UTC)
        session.commit()


def _state(session: Session) -> models.AuditReviewState:
    state = session.scalars(
        select(models.AuditReviewState).where(models.AuditReviewState.id == STATE_ID).with_for_update()
    ).one_or_none()
    if state is None:
        insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(models.AuditReviewState).values(id=STATE_ID, last_entry_id=0)
                        .on_conflict_do_nothing(index_elements=["id"]))
        state = session.scalars(
            select(models.AuditReviewState).where(models.AuditReviewState.id == STATE_ID).with_for_update()
        ).one()
    return state


def _record(session: Session, alerts: Iterable[Alert]) -> list[str]:
    """Insert the alerts whose key is new; the keys inserted."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    raised: list[str] = []
    rules = catalogue()
    for alert in alerts:
        inserted = session.execute(insert(models.AuditAlert).values(
            key=alert.key, rule=alert.rule, severity=rules[alert.rule].severity, raised_at=datetime.now(UTC),
            user=alert.user, agency=alert.agency, entry_ids=list(alert.entry_ids), cadre_ids=list(alert.cadre_ids),
            detail=alert.detail,
        ).on_conflict_do_nothing(index_elements=["key"]).returning(models.AuditAlert.id)).scalar_one_or_none()
        if inserted is not None:  # an alert of that key was recorded before: nothing inserted, nothing returned
            raised.append(alert.key)
    return raised


def _alerts(session: Session, entries: Sequence[models.AuditEntry], thresholds: Thresholds) -> list[Alert]:
    reads = [entry for entry in entries if entry.operation == READ and entry.cadre_ids]
    reach = PurposeReach(session, thresholds)
    alerts: list[Alert] = []
    alerts.extend(_bulk_exports(reads, thresholds))
    alerts.extend(_outside_purpose(reads, reach))
    alerts.extend(_senior_cadres(session, reads, reach, thresholds))
    days = {(entry.agency, entry.user, _day(entry.at)) for entry in reads}
    for agency, user, day in sorted(days):
        that_day = _reads_of(session, agency, user, _start(day), _start(day + timedelta(days=1)))
        alerts.extend(_repeated_lookups(agency, user, day, that_day, thresholds))
        alerts.extend(_volume_spike(session, agency, user, day, that_day, thresholds))
    return alerts


def _bulk_exports(reads: Sequence[models.AuditEntry], thresholds: Thresholds) -> Iterable[Alert]:
    for entry in reads:
        if len(entry.cadre_ids) >= thresholds.bulk_cadres:
            yield Alert(
                f"{BULK_EXPORT}:{entry.id}", BULK_EXPORT, entry.user, entry.agency, (entry.id,),
                tuple(sorted(entry.cadre_ids)),
                f"{len(entry.cadre_ids)} cadres in one read (threshold {thresholds.bulk_cadres})",
            )


def _outside_purpose(reads: Sequence[models.AuditEntry], reach: PurposeReach) -> Iterable[Alert]:
    for entry in reads:
        reached = reach.of(entry.purpose)
        if reached is None:
            continue
        outside = sorted(set(entry.cadre_ids) - reached)
        if outside:
            yield Alert(
                f"{OUTSIDE_PURPOSE}:{entry.id}", OUTSIDE_PURPOSE, entry.user, entry.agency, (entry.id,), tuple(outside),
                f"read {len(outside)} cadre(s) that {entry.purpose!r} does not reach",
            )


def _senior_cadres(
    session: Session, reads: Sequence[models.AuditEntry], reach: PurposeReach, thresholds: Thresholds,
) -> Iterable[Alert]:
    read_ids = {cadre_id for entry in reads for cadre_id in entry.cadre_ids}
    if not read_ids or not thresholds.senior_ranks:
        return
    cadre = models.Cadre
    ranks = [rank for rank in models.Cadre.rank.type.enum_class if rank.value in thresholds.senior_ranks]  # type: ignore[attr-defined]
    senior = set(session.scalars(select(cadre.id).where(cadre.id.in_(read_ids), cadre.rank.in_(ranks))))
    for entry in reads:
        reached = reach.of(entry.purpose) or set()
        unreached = sorted((set(entry.cadre_ids) & senior) - reached)
        if unreached:
            yield Alert(
                f"{SENIOR_CADRE}:{entry.id}", SENIOR_CADRE, entry.user, entry.agency, (entry.id,), tuple(unreached),
                f"read {len(unreached)} senior cadre(s) ({', '.join(thresholds.senior_ranks)}) outside its purpose",
            )


def _repeated_lookups(
    agency: str, user: str, day: date, that_day: Sequence[models.AuditEntry], thresholds: Thresholds,
) -> Iterable[Alert]:
    lookups = [entry for entry in that_day if len(entry.cadre_ids) <= LOOKUP_MAX_CADRES]
    counts: Counter[int] = Counter(cadre_id for entry in lookups for cadre_id in set(entry.cadre_ids))
    for cadre_id, count in sorted(counts.items()):
        if count >= thresholds.repeat_lookups:
            entry_ids = tuple(entry.id for entry in lookups if cadre_id in entry.cadre_ids)
            yield Alert(
                f"{REPEATED_LOOKUP}:{agency}:{user}:{day.isoformat()}:{cadre_id}", REPEATED_LOOKUP, user, agency,
                entry_ids, (cadre_id,),
                f"cadre {cadre_id} read {count} times on {day.isoformat()} (threshold {thresholds.repeat_lookups})",
            )


def _volume_spike(
    session: Session, agency: str, user: str, day: date, that_day: Sequence[models.AuditEntry], thresholds: Thresholds,
) -> Iterable[Alert]:
    if len(that_day) <= thresholds.volume_floor:
        return
    before = _reads_of(session, agency, user, _start(day - timedelta(days=thresholds.baseline_days)), _start(day))
    per_day = Counter(_day(entry.at) for entry in before)
    baseline = statistics.median(per_day.values()) if per_day else 0
    if len(that_day) <= thresholds.volume_factor * baseline:
        return
    yield Alert(
        f"{VOLUME_SPIKE}:{agency}:{user}:{day.isoformat()}", VOLUME_SPIKE, user, agency,
        tuple(entry.id for entry in that_day), (),
        f"{len(that_day)} reads on {day.isoformat()}; the user's median over the {thresholds.baseline_days} days "
        f"before was {baseline:g} a day (alert above {thresholds.volume_factor:g} times it and above "
        f"{thresholds.volume_floor})",
    )


def _reads_of(session: Session, agency: str, user: str, since: datetime, until: datetime) -> list[models.AuditEntry]:
    """The user's reads of cadre data in the period (requests that read no cadre, the audit's own, do not count)."""
    entry = models.AuditEntry
    return [read for read in session.scalars(
        select(entry).where(entry.agency == agency, entry.user == user, entry.operation == READ,
                            entry.at >= since, entry.at < until).order_by(entry.id)
    ) if read.cadre_ids]


def _day(moment: datetime) -> date:
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)).date()


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


class PurposeReach:
    """The cadres a purpose's cases and selections reach, computed once per purpose in a pass; None for a purpose
    that names neither."""

    def __init__(self, session: Session, thresholds: Thresholds) -> None:
        self.session = session
        self.hops = thresholds.purpose_hops
        self.case_pattern = re.compile(thresholds.case_pattern)
        self._reached: dict[str, set[int] | None] = {}

    def of(self, purpose: str) -> set[int] | None:
        if purpose not in self._reached:
            self._reached[purpose] = self._compute(purpose)
        return self._reached[purpose]

    def _compute(self, purpose: str) -> set[int] | None:
        numbers = {match.group(0) for match in self.case_pattern.finditer(purpose)}
        selections = {int(match.group(1)) for match in SELECTION_PATTERN.finditer(purpose)}
        if not numbers and not selections:
            return None
        cadres: set[int] = set()
        persons: set[int] = set()
        organizations: set[int] = set()
        if numbers:
            link, case = models.CaseLink, models.Case
            for cadre_id, person_id, organization_id in self.session.execute(
                select(link.cadre_id, link.person_id, link.organization_id).join(case, case.id == link.case_id)
                .where(case.number.in_(numbers))
            ):
                _add(cadres, cadre_id)
                _add(persons, person_id)
                _add(organizations, organization_id)
        if selections:
            nomination = models.Nomination
            for nominee_id, nominator_id in self.session.execute(
                select(nomination.nominee_id, nomination.nominator_id).where(nomination.selection_id.in_(selections))
            ):
                cadres.update((nominee_id, nominator_id))
        return _within_hops(self.session, cadres, persons, organizations, self.hops)


def _add(into: set[int], value: int | None) -> None:
    if value is not None:
        into.add(value)


def _within_hops(
    session: Session, cadres: set[int], persons: set[int], organizations: set[int], hops: int,
) -> set[int]:
    """Every cadre within `hops` edges of the given cadres, persons and organizations (kinship, ties, roles in
    organizations, part-time posts)."""
    seen = {"cadre": set(cadres), "person": set(persons), "organization": set(organizations)}
    frontier = {kind: set(ids) for kind, ids in seen.items()}
    for _hop in range(hops):
        found: dict[str, set[int]] = defaultdict(set)
        for (source_kind, target_kind), pairs in _EDGES.items():
            ids = frontier[source_kind]
            if not ids:
                continue
            for source_column, target_column in pairs:
                found[target_kind].update(
                    value for value in session.scalars(
                        select(target_column).where(source_column.in_(ids), target_column.is_not(None))
                    ) if value is not None
                )
        frontier = {kind: found[kind] - seen[kind] for kind in seen}
        if not any(frontier.values()):
            break
        for kind, ids in frontier.items():
            seen[kind] |= ids
    return seen["cadre"]


K, ST, R, PT = models.Kinship, models.SocialTie, models.OrganizationRole, models.PartTimePosition
# (from, to) kinds: the (column matched, column reached) pairs that join them, both directions.
_EDGES: dict[tuple[str, str], tuple[tuple[Any, Any], ...]] = {
    ("cadre", "person"): ((K.cadre_id, K.person_id), (ST.cadre_id, ST.person_id)),
    ("person", "cadre"): ((K.person_id, K.cadre_id), (ST.person_id, ST.cadre_id)),
    ("cadre", "cadre"): ((ST.cadre_id, ST.other_cadre_id), (ST.other_cadre_id, ST.cadre_id)),
    ("cadre", "organization"): ((R.cadre_id, R.organization_id), (PT.cadre_id, PT.organization_id)),
    ("organization", "cadre"): ((R.organization_id, R.cadre_id), (PT.organization_id, PT.cadre_id)),
    ("person", "organization"): ((R.person_id, R.organization_id),),
    ("organization", "person"): ((R.organization_id, R.person_id),),
}
