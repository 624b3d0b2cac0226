"""A detection run: every rule over the cadres of a scope, a batch of cadres at a time, each batch's alerts
committed with it; or, after a graph sync, only over the cadres whose neighbourhood the sync changed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from neo4j import Driver
from sqlalchemy import Text, cast, or_, select
from sqlalchemy.orm import Session, sessionmaker

from graph_sync.detection import neighbourhood_cadres
from graph_sync.sync import read_checkpoint
from hub import models
from hub.db import transaction
from hub.models.base import utcnow
from hub.services.detection.detectors import GRAPH_TIMEOUT, OPEN_SELECTIONS, PER_CADRE, Batch, posts_over_quota
from hub.services.detection.scope import CadreSet
from hub.services.detection.store import LAPSES, Recorded, lapse_unfound, record_findings

BATCH_SIZE = 1000
_CITED_CHUNK = 200  # deleted keys looked for in the alerts' evidence per statement
CHECKPOINT_ID = 1
Progress = Callable[[int, int], None]  # (cadres done, cadres in all)


@dataclass
class RunSummary:
    cadres: int = 0
    findings: int = 0
    seconds: float = 0.0
    by_rule: dict[str, int] = field(default_factory=dict)
    recorded: Recorded = field(default_factory=Recorded)

    @property
    def cadres_per_second(self) -> float:
        return self.cadres / self.seconds if self.seconds > 0 else 0.0


def run_detection(
    session_factory: sessionmaker[Session], driver: Driver | None, as_of: date, *,
    cadres: CadreSet | None = None, batch_size: int = BATCH_SIZE, progress: Progress | None = None,
) -> RunSummary:  # fmt: skip
    """Every rule over `cadres` (default: every cadre). Each batch is read and its alerts written in one transaction."""
    cadres = cadres or CadreSet()
    summary = RunSummary()
    started = time.perf_counter()
    with session_factory() as session:
        total = cadres.count(session)
    if progress is not None:
        progress(0, total)
    with session_factory() as reader:
        for ids in cadres.batches(reader, batch_size):
            with transaction(session_factory) as session:
                batch = Batch(session=session, driver=driver, cadres=cadres.with_ids(frozenset(ids)), as_of=as_of)
                findings = [finding for detector in PER_CADRE for finding in detector.detect(batch, ids)]
                _count(summary, findings)
                now = utcnow()
                summary.recorded.add(record_findings(session, findings, now))
                looked_for = frozenset().union(*(detector.rules for detector in PER_CADRE if detector.ran(batch)))
                summary.recorded.add(lapse_unfound(session, ids, looked_for, findings, now))
            summary.cadres += len(ids)
            if progress is not None:
                progress(summary.cadres, total)
    with transaction(session_factory) as session:
        findings = posts_over_quota(Batch(session=session, driver=driver, cadres=cadres, as_of=as_of))
        _count(summary, findings)
        summary.recorded.add(record_findings(session, findings, utcnow()))
    summary.seconds = time.perf_counter() - started
    return summary


def _count(summary: RunSummary, findings: list) -> None:  # type: ignore[type-arg]
    summary.findings += len(findings)
    for finding in findings:
        summary.by_rule[finding.rule] = summary.by_rule.get(finding.rule, 0) + 1


# ---- after a graph sync ---------------------------------------------------------------------------


def changed_node_keys(session: Session, after_id: int, up_to_id: int) -> tuple[set[str], set[str]]:
    """What the outbox rows (after_id, up_to_id] did to the graph: the nodes they touched (changed nodes and both
    ends of changed edges), and the keys of the nodes and edges they deleted (a deleted edge's ends are gone with it)."""
    keys: set[str] = set()
    deleted: set[str] = set()
    rows = session.execute(
        select(models.GraphOutbox.op, models.GraphOutbox.entity, models.GraphOutbox.key, models.GraphOutbox.payload)
        .where(models.GraphOutbox.id > after_id, models.GraphOutbox.id <= up_to_id)
    )
    for op, entity, key, payload in rows:
        if op == "delete":
            deleted.add(key)
        if entity == "node":
            keys.add(key)
        elif payload:
            keys.update(end for end in (payload.get("source"), payload.get("target")) if isinstance(end, str))
    return keys, deleted


def cadres_of_alerts_citing(session: Session, keys: set[str]) -> set[int]:
    """The cadres of open alerts whose evidence names one of these keys: with the key deleted, the evidence may be
    gone, and only a run over the cadre can tell (and lapse the alert)."""
    alert = models.DetectionAlert
    found: set[int] = set()
    ordered = sorted(keys)
    for start in range(0, len(ordered), _CITED_CHUNK):
        cited = [cast(alert.evidence, Text).contains(f'"{key}"', autoescape=True) for key in ordered[start:start + _CITED_CHUNK]]
        found.update(session.scalars(
            select(alert.cadre_id).where(alert.cadre_id.is_not(None), alert.status.in_(LAPSES), or_(*cited))
            .distinct()
        ))
    return found


def changed_records_cadres(session: Session, since: object) -> set[int]:
    """Cadres whose negative records or supervision actions (which the graph does not hold) changed since then."""
    if since is None:
        return set()
    found: set[int] = set()
    for model in (models.NegativeRecord, models.SupervisionAction):
        found.update(session.scalars(select(model.cadre_id).where(model.updated_at >= since).distinct()))
    return found


@dataclass
class IncrementalSummary:
    outbox_from: int
    outbox_to: int
    cadre_ids: frozenset[int]  # whose neighbourhood changed
    run: RunSummary | None

    @property
    def cadres(self) -> int:
        return len(self.cadre_ids)


def run_full(session_factory: sessionmaker[Session], driver: Driver | None, as_of: date, *,
             cadres: CadreSet | None = None, batch_size: int = BATCH_SIZE, progress: Progress | None = None) -> RunSummary:
    """`run_detection` over every cadre of the scope; over all cadres with the graph, the incremental runs then start
    from the graph changes it has seen."""
    started, outbox = utcnow(), graph_checkpoint(session_factory)
    summary = run_detection(session_factory, driver, as_of, cadres=cadres, batch_size=batch_size, progress=progress)
    if (cadres is None or cadres == CadreSet()) and driver is not None:
        mark_full_run(session_factory, outbox, started)
    return summary


def run_incremental(
    session_factory: sessionmaker[Session], driver: Driver, as_of: date, *, cadres: CadreSet | None = None,
    progress: Progress | None = None,
) -> IncrementalSummary:  # fmt: skip
    """The rules again over the cadres whose neighbourhood changed since the last run: the graph changes the sync has
    applied since the detection checkpoint, and the negative records and supervision actions changed since."""
    cadres = cadres or CadreSet()
    started_at = utcnow()
    with session_factory() as session:
        checkpoint = session.get(models.DetectionCheckpoint, CHECKPOINT_ID)
    if checkpoint is None or checkpoint.last_full_run_at is None:  # nothing to start from: everything is new
        applied = graph_checkpoint(session_factory)
        full = run_full(session_factory, driver, as_of, cadres=cadres, progress=progress)
        return IncrementalSummary(outbox_from=0, outbox_to=applied, cadre_ids=frozenset(), run=full)
    with session_factory() as session:
        after, since = checkpoint.last_outbox_id, checkpoint.last_run_at
        applied = read_checkpoint(session)  # only what the graph already holds
        keys, gone = changed_node_keys(session, after, applied) if applied > after else (set(), set())
        changed = changed_records_cadres(session, since)
        if gone:
            changed |= cadres_of_alerts_citing(session, gone)
    if keys:
        changed |= _around(session_factory, driver, keys)
    run: RunSummary | None = None
    if changed:
        run = run_detection(session_factory, driver, as_of, cadres=cadres.with_ids(frozenset(changed)), progress=progress)
    with transaction(session_factory) as session:
        row = session.get(models.DetectionCheckpoint, CHECKPOINT_ID)
        if row is None:
            row = models.DetectionCheckpoint(id=CHECKPOINT_ID, last_outbox_id=0)
            session.add(row)
        row.last_outbox_id = max(row.last_outbox_id or 0, applied)
        row.last_run_at = started_at
    return IncrementalSummary(outbox_from=after, outbox_to=max(after, applied), cadre_ids=frozenset(changed), run=run)


def _around(session_factory: sessionmaker[Session], driver: Driver, keys: set[str]) -> set[int]:
    """The cadres whose findings a change to these nodes may alter: those on a conflict's cycle through them, and the
    nominees of open selections whose chain to the first nominator may pass through them."""
    nomination, selection = models.Nomination, models.Selection
    with session_factory() as session:
        pairs = session.execute(
            select(nomination.nominee_id, nomination.nominator_id)
            .join(selection, selection.id == nomination.selection_id).where(selection.status.in_(OPEN_SELECTIONS))
        ).all()
    watched = {f"cadre:{cadre_id}" for pair in pairs for cadre_id in pair}
    reached, tied = neighbourhood_cadres(driver, keys, watched, timeout=GRAPH_TIMEOUT)
    return reached | {nominee for nominee, nominator in pairs if nominee in tied or nominator in tied}


def mark_full_run(session_factory: sessionmaker[Session], outbox_id: int, started_at: object) -> None:
    """A full run covers everything the graph held when it began: the incremental run starts from there."""
    with transaction(session_factory) as session:
        row = session.get(models.DetectionCheckpoint, CHECKPOINT_ID)
        if row is None:
            row = models.DetectionCheckpoint(id=CHECKPOINT_ID, last_outbox_id=0)
            session.add(row)
        row.last_outbox_id = max(row.last_outbox_id or 0, outbox_id)
        row.last_full_run_at = started_at  # type: ignore[assignment]
        row.last_run_at = started_at  # type: ignore[assignment]


def graph_checkpoint(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return read_checkpoint(session)

