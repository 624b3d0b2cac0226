"""A detection run measured: cadres per second of a full run (every rule, alerts written) as a ratio to one pass of
the same Cypher on the raw Neo4j driver, then an incremental run after a sync that changed a few cadres' ties.

    python -m bench.detect_run                 # 1,000 seeded cadres (SQLite under var/bench, a local Neo4j of its own)
    python -m bench.detect_run --cadres 200000 # the bench's 200k world
    python -m bench.detect_run --cadres 200000 --single  # one raw pass and one full run (no repeats): half the time
    python -m bench.detect_run --cadres 200000 --single --reuse-graph  # the graph an earlier run projected (12 min)

Writes var/bench/detect_run.json and prints it.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path
from typing import Any

from neo4j import Driver, Query, RoutingControl
from sqlalchemy import delete, func, select

from bench.harness import PROJECT_ROOT, seeded_database
from graph_sync.detection import TIES_QUERIES, NominationPair
from graph_sync.driver import database_of
from graph_sync.queries import CONFLICTS_BATCH_TEXT, conflicts_parameters
from graph_sync.rebuild import rebuild
from graph_sync.sync import apply_pending, read_checkpoint
from hub import models
from hub.db import transaction
from hub.models.enums import SelectionStatus, TieKind
from hub.services.detection.detectors import NOMINATOR_TIE_HOPS
from hub.services.detection.runner import BATCH_SIZE, run_full, run_incremental
from hub.services.workflows import rules
from hub.sessions import make_session_factory

AS_OF = date(2026, 6, 1)
CHANGED_CADRES = 20


def _raw(driver: Driver, text: str, parameters: dict[str, Any]) -> int:
    records, _summary, _keys = driver.execute_query(
        Query(text, timeout=600), parameters, routing_=RoutingControl.READ, database_=database_of(driver))
    return len(records)


def raw_pass(engine: Any, driver: Driver) -> dict[str, Any]:
    """The run's Cypher, batch by batch, on the raw driver: conflicts of every cadre, ties of every open nomination."""
    with engine.connect() as connection:
        ids = list(connection.scalars(select(models.Cadre.id).order_by(models.Cadre.id)))
        pairs = [NominationPair(n, f"cadre:{a}", f"cadre:{b}") for n, a, b in connection.execute(
            select(models.Nomination.id, models.Nomination.nominee_id, models.Nomination.nominator_id)
            .join(models.Selection, models.Selection.id == models.Nomination.selection_id)
            .where(models.Selection.status.in_([SelectionStatus(s) for s in rules.OPEN_SELECTION_STATUSES]))
            .order_by(models.Nomination.nominee_id))]
    started, found = time.perf_counter(), 0
    for start in range(0, len(ids), BATCH_SIZE):
        keys = [f"cadre:{record_id}" for record_id in ids[start:start + BATCH_SIZE]]
        found += _raw(driver, CONFLICTS_BATCH_TEXT, conflicts_parameters(keys))
    for start in range(0, len(pairs), BATCH_SIZE):
        found += _raw(driver, TIES_QUERIES[NOMINATOR_TIE_HOPS], {
            "tie_kinds": ["RELATIVE_OF", "TIE"], "as_of": AS_OF.isoformat(),
            "pairs": [{"nomination": p.nomination_id, "nominee": p.nominee, "nominator": p.nominator}
                      for p in pairs[start:start + BATCH_SIZE]]})
    seconds = time.perf_counter() - started
    return {"cadres": len(ids), "seconds": seconds, "cadres_per_second": len(ids) / seconds, "rows": found}


def _holds_world(sessions: Any, driver: Driver, cadres: int) -> bool:
    """The graph holds `cadres` cadre nodes and has applied every outbox row the database holds."""
    records, _summary, _keys = driver.execute_query(
        "MATCH (c:Cadre) RETURN count(c) AS n", routing_=RoutingControl.READ, database_=database_of(driver))
    with sessions() as session:
        written = session.scalar(select(func.max(models.GraphOutbox.id))) or 0
        applied = read_checkpoint(session)
    return bool(records[0]["n"] == cadres and applied >= written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cadres", type=int, default=1000)
    parser.add_argument("--dir", type=Path, default=PROJECT_ROOT / "var" / "bench")
    parser.add_argument("--single", action="store_true",
                        help="one raw pass and one full run, not the better of two raw passes and a second full run")
    parser.add_argument("--reuse-graph", action="store_true",
                        help="keep the graph an earlier run projected when it holds this world's cadres and every "
                             "outbox row (else project it again)")
    args = parser.parse_args()
    from bench.__main__ import start_graph

    _settings, engine = seeded_database(args.dir, args.cadres)
    graph_settings, _server, driver = start_graph(args.dir, home="neo4j-detect")
    sessions = make_session_factory(engine)
    try:
        if args.reuse_graph and _holds_world(sessions, driver, args.cadres):
            print(f"reusing the projected graph of {args.cadres:,} cadres", flush=True)
        else:
            print(f"projecting {args.cadres:,} cadres", flush=True)
            rebuild(engine, driver, progress=True)
        with transaction(sessions) as session:  # a fresh start: no alerts, no checkpoint
            session.execute(delete(models.DetectionAlert))
            session.execute(delete(models.DetectionCheckpoint))
        # Both sides start with planned statements (planning one costs seconds on a cold server).
        _raw(driver, CONFLICTS_BATCH_TEXT, conflicts_parameters(["cadre:1"]))
        _raw(driver, TIES_QUERIES[NOMINATOR_TIE_HOPS], {"tie_kinds": ["TIE"], "as_of": AS_OF.isoformat(), "pairs": [
            {"nomination": 0, "nominee": "cadre:1", "nominator": "cadre:2"}]})
        # Alternated, so that both see the same server (cache, load of the machine); the better of two raw passes.
        first_raw = raw_pass(engine, driver)
        print(f"raw pass: {first_raw['seconds']:.1f} s", flush=True)
        full = run_full(sessions, driver, AS_OF)
        print(f"full run: {full.seconds:.1f} s", flush=True)
        raw = first_raw if args.single else min(first_raw, raw_pass(engine, driver), key=lambda figures: figures["seconds"])
        again = None if args.single else run_full(sessions, driver, AS_OF)
        # A sync that touches only what changed: new classmates for a few cadres, through the outbox.
        with sessions() as session:
            picked = list(session.scalars(select(models.Cadre.id).order_by(models.Cadre.id).limit(CHANGED_CADRES)))
            person = session.scalar(select(func.min(models.Person.id)))
        with transaction(sessions) as session:
            session.add_all([models.SocialTie(cadre_id=cadre_id, person_id=person, kind=TieKind.CLASSMATE, source="bench")
                             for cadre_id in picked])
        synced = apply_pending(sessions, driver)
        incremental = run_incremental(sessions, driver, AS_OF)
        result = {
            "cadres": args.cadres,
            "raw_cypher": raw,
            "full_run": {"seconds": full.seconds, "cadres_per_second": full.cadres_per_second,
                         "findings": full.findings, "by_rule": full.by_rule, "alerts_created": full.recorded.created},
            "full_run_again": None if again is None else {
                "seconds": again.seconds, "cadres_per_second": again.cadres_per_second, "alerts_created": again.recorded.created,
                "alerts_seen": again.recorded.seen, "alerts_lapsed": again.recorded.lapsed,
            },
            "ratio_full_to_raw": full.cadres_per_second / raw["cadres_per_second"],
            "incremental": {
                "outbox_rows": synced, "cadres_reexamined": incremental.cadres,
                "seconds": incremental.run.seconds if incremental.run else 0.0,
                "alerts_created": incremental.run.recorded.created if incremental.run else 0,
            },
        }
    finally:
        driver.close()
        from graph_sync import local_server

        local_server.stop(graph_settings)
        engine.dispose()
    out = args.dir / "detect_run.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
