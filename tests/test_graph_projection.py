"""The projection of the records into Neo4j: outbox, sync worker, rebuild and check, against a real server."""

from __future__ import annotations

import dataclasses
import gc
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from graph_sync.check import check
from graph_sync.cypher import ensure_schema
from graph_sync.driver import GraphUnavailable, open_driver
from graph_sync.local_server import free_port
from graph_sync.model import EDGE_SPECS, NODE_PROPERTIES, STRUCTURAL_EDGE_PROPERTIES, STRUCTURAL_NODE_PROPERTIES
from graph_sync.outbox import OutboxBypassError, install_outbox
from graph_sync.rebuild import rebuild
from graph_sync.sync import (
    OutboxRow,
    SyncWorker,
    apply_pending,
    apply_rows,
    pending_count,
    plan_groups,
    read_checkpoint,
    write_checkpoint,
)
from hub import models
from hub.cli import app as hub_cli
from hub.db import transaction
from hub.models import enums as E
from hub.sessions import make_session_factory
from hub.settings import Settings
from tests.tcp_relay import TcpRelay
from tests.world import id_number

pytestmark = pytest.mark.neo4j

SEEDED_CADRES = 1000


class Interrupted(Exception):
    """Raised on purpose to interrupt a sync."""


# --- fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture
def graph(neo4j_settings: Settings) -> Iterator[Driver]:
    """A driver to the session's Neo4j, emptied before each test."""
    driver = open_driver(neo4j_settings)
    with driver.session() as session:
        session.run("MATCH (n) DETACH DELETE n").consume()
    ensure_schema(driver)
    yield driver
    driver.close()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def node(driver: Driver, key: str) -> dict[str, Any] | None:
    record = driver.execute_query("MATCH (n {key: $key}) RETURN n", key=key).records
    return dict(record[0]["n"]) if record else None


def labels(driver: Driver, key: str) -> set[str]:
    return set(driver.execute_query("MATCH (n {key: $key}) RETURN labels(n) AS l", key=key).records[0]["l"])


def edges(driver: Driver, key: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(type, source key, target key, properties) of every relationship with this key."""
    records = driver.execute_query(
        "MATCH (s)-[r {key: $key}]->(t) RETURN type(r) AS type, s.key AS s, t.key AS t, properties(r) AS p", key=key
    ).records
    return [(r["type"], r["s"], r["t"], r["p"]) for r in records]


def edges_at(driver: Driver, key: str) -> int:
    return int(driver.execute_query("MATCH ({key: $key})-[r]-() RETURN count(r) AS n", key=key).records[0]["n"])


def graph_totals(driver: Driver) -> tuple[int, int, int, int]:
    """(nodes, distinct node keys, relationships, distinct relationship keys)."""
    nodes = driver.execute_query("MATCH (n) RETURN count(n) AS c, count(DISTINCT n.key) AS k").records[0]
    rels = driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS c, count(DISTINCT r.key) AS k").records[0]
    return nodes["c"], nodes["k"], rels["c"], rels["k"]


def assert_consistent(engine: Engine, driver: Driver, sample: int = 200) -> None:
    report = check(engine, driver, sample=sample, seed=11)
    assert report.ok, report.differences
    nodes, node_keys, rels, rel_keys = graph_totals(driver)
    assert nodes == node_keys == sum(records for records, _graph in report.node_counts.values())
    assert rels == rel_keys == sum(records for records, _graph in report.edge_counts.values())


def wait_for(condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def new_cadre(cadre_id: int | None = None, *, name: str = "孙悦", unit_id: int = 3, sequence: int = 77) -> models.Cadre:
    birth = date(1985, 9, 9)
    return models.Cadre(
        id=cadre_id, name=name, gender=E.Gender.FEMALE, birth_date=birth, id_number=id_number("330502", birth, sequence),
        work_start_date=date(2007, 8, 1), education=E.Education.MASTER, rank=E.Rank.DEPUTY_DIVISION,
        management_level=E.ManagementLevel.CITY, unit_id=unit_id, jurisdiction="huzhou", reserve_tier=2,
    )


def add_relatives(factory: sessionmaker[Session], count: int, per_transaction: int = 10) -> None:
    """`count` new persons, each the sibling of cadre 4, over several transactions (many outbox rows)."""
    for start in range(0, count, per_transaction):
        with transaction(factory) as session:
            for index in range(start, min(count, start + per_transaction)):
                person = models.Person(name=f"亲属{index}", gender=E.Gender.MALE, jurisdiction="huzhou")
                session.add(person)
                session.flush()
                session.add(models.Kinship(cadre_id=4, person_id=person.id, kind=E.KinshipKind.SIBLING))


def outbox_size(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(models.GraphOutbox)) or 0)


def checkpoint(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return read_checkpoint(session)


# --- the model ----------------------------------------------------------------------------------


def test_no_record_property_takes_a_structural_name() -> None:
    """`key` and `kind` are the graph's own (the access Cypher filters on `kind`); a record attribute projected
    under one of them would be overwritten, or would overwrite it (the organization's kind is `organizationKind`)."""
    for node_kind, properties in NODE_PROPERTIES.items():
        assert not set(properties) & STRUCTURAL_NODE_PROPERTIES, node_kind
    for edge_kind, spec in EDGE_SPECS.items():
        assert not set(spec.properties) & STRUCTURAL_EDGE_PROPERTIES, edge_kind


# --- the outbox and the sync ---------------------------------------------------------------------


def test_world_reaches_the_graph_through_the_outbox(world: Engine, factory: sessionmaker[Session], graph: Driver) -> None:
    assert pending_count(factory) > 0
    applied = apply_pending(factory, graph, batch_size=7)
    assert applied == outbox_size(factory)
    assert pending_count(factory) == 0
    assert_consistent(world, graph)

    cadre = node(graph, "cadre:1")
    assert cadre == {
        "key": "cadre:1", "kind": "cadre", "name": "王建国", "gender": "male", "birthDate": "1970-05-01",
        "rank": "division", "managementLevel": "city", "jurisdiction": "huzhou", "unitId": 1,
    }  # fmt: skip
    assert labels(graph, "cadre:1") == {"Person", "Cadre"}
    assert labels(graph, "person:1") == {"Person"}
    # The organization's own kind never overwrites the node's kind, which the access Cypher filters on.
    assert node(graph, "org:1") == {
        "key": "org:1", "kind": "org", "name": "湖州恒达建材有限公司", "organizationKind": "company", "industry": "建材",
    }  # fmt: skip
    assert edges(graph, "supply_contract:1") == [
        ("SUPPLIES", "org:1", "unit:1",
         {"key": "supply_contract:1", "amount": "860000.00", "signedOn": "2023-05-20", "subject": "办公楼装修材料"}),
    ]  # fmt: skip
    assert edges(graph, "social_tie:2")[0][:3] == ("TIE", "cadre:1", "cadre:2")
    assert edges(graph, "organization_role:1")[0][:3] == ("OWNS", "person:1", "org:1")
    assert edges(graph, "post:1")[0][:3] == ("PART_OF", "post:1", "unit:1")

    assert apply_pending(factory, graph) == 0  # nothing pending: nothing to do


def test_orm_create_update_delete(world: Engine, factory: sessionmaker[Session], graph: Driver) -> None:
    apply_pending(factory, graph)
    with transaction(factory) as session:
        unit = models.Unit(name="湖州市审计局", jurisdiction="huzhou", level=E.ManagementLevel.CITY)
        session.add(unit)
        session.flush()
        post = models.Post(unit_id=unit.id, title="局长", rank=E.Rank.DIVISION, quota=1, is_key_post=True)
        cadre = new_cadre(unit_id=unit.id)
        session.add_all([post, cadre])
        session.flush()
        tenure = models.Tenure(cadre_id=cadre.id, post_id=post.id, start_date=date(2024, 1, 1))
        session.add(tenure)
    apply_pending(factory, graph)
    cadre_key, post_key, tenure_key = f"cadre:{cadre.id}", f"post:{post.id}", f"tenure:{tenure.id}"
    assert node(graph, cadre_key)["name"] == "孙悦"  # type: ignore[index]
    assert node(graph, f"unit:{unit.id}")["name"] == "湖州市审计局"  # type: ignore[index]
    assert edges(graph, post_key)[0][:3] == ("PART_OF", post_key, f"unit:{unit.id}")
    assert edges(graph, tenure_key) == [("HOLDS", cadre_key, post_key, {"key": tenure_key, "startDate": "2024-01-01"})]

    with transaction(factory) as session:
        changed = session.get(models.Cadre, cadre.id)
        assert changed is not None
        changed.name, changed.rank, changed.reserve_tier = "孙悦然", E.Rank.DIVISION, None
        session.get(models.Tenure, tenure.id).end_date = date(2025, 6, 30)  # type: ignore[union-attr]
    apply_pending(factory, graph)
    projected = node(graph, cadre_key)
    assert projected is not None
    assert (projected["name"], projected["rank"], "reserveTier" in projected) == ("孙悦然", "division", False)
    assert edges(graph, tenure_key)[0][3]["endDate"] == "2025-06-30"

    with transaction(factory) as session:
        session.delete(session.get(models.Tenure, tenure.id))
    apply_pending(factory, graph)
    assert edges(graph, tenure_key) == []
    assert node(graph, cadre_key) is not None

    with transaction(factory) as session:
        session.delete(session.get(models.Cadre, cadre.id))
    apply_pending(factory, graph)
    assert node(graph, cadre_key) is None
    assert_consistent(world, graph)


def test_update_of_unprojected_fields_writes_no_outbox_row(world: Engine, factory: sessionmaker[Session]) -> None:
    before = outbox_size(factory)
    with transaction(factory) as session:
        cadre = session.get(models.Cadre, 1)
        assert cadre is not None
        cadre.native_place = "浙江德清"  # not a graph property
        session.add(models.SupervisionAction(cadre_id=1, kind=E.SupervisionKind.REMINDER_TALK, issued_by="org",
                                             issued_on=date(2026, 2, 1)))  # fmt: skip
    assert outbox_size(factory) == before


def test_every_session_factory_records_each_change_once(world: Engine) -> None:
    for _ in range(3):  # new factories, each installed twice: one outbox row per change, never none or two
        factory = make_session_factory(world)
        install_outbox(factory)
        before = outbox_size(factory)
        with transaction(factory) as session:
            session.add(models.Person(name="新人", gender=E.Gender.MALE, jurisdiction="huzhou"))
        assert outbox_size(factory) == before + 1
        del factory
        gc.collect()


def test_rolled_back_writes_leave_no_outbox_rows(world: Engine, factory: sessionmaker[Session]) -> None:
    before = outbox_size(factory)
    with pytest.raises(Interrupted), transaction(factory) as session:
        session.add(models.Person(name="回滚", gender=E.Gender.MALE, jurisdiction="huzhou"))
        session.flush()
        raise Interrupted
    assert outbox_size(factory) == before


def test_savepoints_rolled_back_or_released(world: Engine, factory: sessionmaker[Session], graph: Driver) -> None:
    apply_pending(factory, graph)
    with transaction(factory) as session:
        session.get(models.Cadre, 1).name = "外层"  # type: ignore[union-attr]
        session.flush()
        outer = session.begin_nested()
        inner = session.begin_nested()
        session.get(models.Cadre, 2).name = "内层"  # type: ignore[union-attr]
        session.delete(session.get(models.Person, 4))
        inner.commit()  # released into `outer`, which then rolls back
        outer.rollback()
        with session.begin_nested():
            session.add(models.Person(id=50, name="保存点", gender=E.Gender.MALE, jurisdiction="huzhou"))
    apply_pending(factory, graph)
    assert node(graph, "cadre:1")["name"] == "外层"  # type: ignore[index]
    assert node(graph, "cadre:2")["name"] == "李明"  # type: ignore[index]
    assert node(graph, "person:4") is not None
    assert node(graph, "person:50")["name"] == "保存点"  # type: ignore[index]
    assert_consistent(world, graph)


def test_tenure_moved_to_another_post_moves_the_edge(world: Engine, factory: sessionmaker[Session], graph: Driver) -> None:
    apply_pending(factory, graph)
    assert [edge[:3] for edge in edges(graph, "tenure:2")] == [("HOLDS", "cadre:1", "post:1")]
    with transaction(factory) as session:
        session.get(models.Tenure, 2).post_id = 3  # type: ignore[union-attr]
    apply_pending(factory, graph)
    assert [edge[:3] for edge in edges(graph, "tenure:2")] == [("HOLDS", "cadre:1", "post:3")]
    assert_consistent(world, graph)


def test_post_moved_to_another_unit_and_role_changed(world: Engine, factory: sessionmaker[Session], graph: Driver) -> None:
    apply_pending(factory, graph)
    with transaction(factory) as session:
        session.get(models.Post, 2).unit_id = 3  # type: ignore[union-attr]
        session.get(models.OrganizationRole, 1).role = E.OrganizationRoleKind.DIRECTOR  # type: ignore[union-attr]
    apply_pending(factory, graph)
    assert [edge[:3] for edge in edges(graph, "post:2")] == [("PART_OF", "post:2", "unit:3")]
    assert [edge[:3] for edge in edges(graph, "organization_role:1")] == [("DIRECTS", "person:1", "org:1")]
    assert_consistent(world, graph)


def test_deleting_a_cadre_removes_its_node_and_edges(world: Engine, factory: sessionmaker[Session], graph: Driver) -> None:
    apply_pending(factory, graph)
    assert edges_at(graph, "cadre:1") == 6  # two HOLDS, two RELATIVE_OF, two TIE
    with transaction(factory) as session:
        session.delete(session.get(models.Cadre, 1))  # the database cascades tenures, kinships, ties
    apply_pending(factory, graph)
    assert node(graph, "cadre:1") is None
    for key in ("tenure:1", "tenure:2", "kinship:1", "kinship:2", "social_tie:1", "social_tie:2"):
        assert edges(graph, key) == []
    assert node(graph, "person:1") is not None  # the relative stays
    assert_consistent(world, graph)


def test_deleting_a_selection_removes_its_nominations(world: Engine, factory: sessionmaker[Session], graph: Driver) -> None:
    apply_pending(factory, graph)
    assert edges(graph, "nomination:1")[0][:3] == ("NOMINATED", "cadre:4", "cadre:2")
    with transaction(factory) as session:
        session.delete(session.get(models.Selection, 1))  # nominations go by ON DELETE CASCADE
    apply_pending(factory, graph)
    assert edges(graph, "nomination:1") == []
    assert_consistent(world, graph)


def test_bulk_orm_writes_to_projected_tables_are_refused(world: Engine, factory: sessionmaker[Session]) -> None:
    with pytest.raises(OutboxBypassError, match="cadre"), transaction(factory) as session:
        session.execute(update(models.Cadre).where(models.Cadre.id == 1).values(name="改名"))
    with transaction(factory) as session:  # tables outside the graph are not concerned
        session.execute(update(models.NegativeRecord).where(models.NegativeRecord.id == 1).values(conclusion="复核"))


def test_graphql_mutations_reach_the_graph(
    world: Engine, factory: sessionmaker[Session], graph: Driver, as_agency: Any
) -> None:
    org = as_agency("org")
    created = org.data(
        'mutation { createTenure(input: {cadreId: 4, postId: 2, startDate: "2018-01-01", endDate: "2020-08-31"}) '
        "{ __typename ... on Tenure { id } } }"
    )["createTenure"]
    assert created["__typename"] == "Tenure", created
    key = f"tenure:{created['id']}"
    apply_pending(factory, graph)
    assert edges(graph, key) == [
        ("HOLDS", "cadre:4", "post:2", {"key": key, "startDate": "2018-01-01", "endDate": "2020-08-31"})
    ]

    moved = org.data(f"mutation {{ updateTenure(id: {created['id']}, input: {{postId: 1}}) {{ __typename }} }}")
    assert moved["updateTenure"]["__typename"] == "Tenure", moved
    org.data('mutation { updateCadre(id: 4, input: {name: "陈静怡"}) { __typename } }')
    apply_pending(factory, graph)
    assert [edge[:3] for edge in edges(graph, key)] == [("HOLDS", "cadre:4", "post:1")]
    assert node(graph, "cadre:4")["name"] == "陈静怡"  # type: ignore[index]

    deleted = org.data("mutation { deleteCadre(id: 1) { __typename } }")
    assert deleted["deleteCadre"]["__typename"] == "Deleted", deleted
    apply_pending(factory, graph)
    assert node(graph, "cadre:1") is None
    assert edges(graph, "tenure:2") == edges(graph, "kinship:1") == edges(graph, "social_tie:2") == []
    assert_consistent(world, graph)


def snapshot(driver: Driver) -> tuple[list[Any], list[Any]]:
    nodes = driver.execute_query("MATCH (n) RETURN n.key AS key, labels(n) AS l, properties(n) AS p ORDER BY key").records
    rels = driver.execute_query(
        "MATCH (s)-[r]->(t) RETURN type(r) AS type, r.key AS key, s.key AS s, t.key AS t, properties(r) AS p "
        "ORDER BY type, key, s, t"
    ).records
    return [(r["key"], sorted(r["l"]), r["p"]) for r in nodes], [tuple(r.values()) for r in rels]


def random_rows(rng: random.Random, count: int) -> list[OutboxRow]:
    """Upserts and deletes of a few person nodes and TIE edges between them, with many collisions on keys."""
    rows = []
    for number in range(1, count + 1):
        if rng.random() < 0.5:
            key = f"person:{rng.randint(1, 4)}"
            if rng.random() < 0.7:
                props = {"key": key, "kind": "person", "name": f"n{number}", "jurisdiction": "huzhou"}
                rows.append(OutboxRow(number, "upsert", "node", "person", key, {"props": props}))
            else:
                rows.append(OutboxRow(number, "delete", "node", "person", key, None))
        else:
            key = f"social_tie:{rng.randint(1, 5)}"
            if rng.random() < 0.7:
                source, target = (f"person:{rng.randint(1, 4)}" for _ in range(2))
                payload = {"source": source, "target": target, "props": {"key": key, "kind": "classmate", "source": str(number)}}
                rows.append(OutboxRow(number, "upsert", "edge", "TIE", key, payload))
            else:
                rows.append(OutboxRow(number, "delete", "edge", "TIE", key, None))
    return rows


def test_grouped_statements_give_the_graph_of_one_row_at_a_time(graph: Driver) -> None:
    rng = random.Random(5)
    for _ in range(12):
        rows = random_rows(rng, 30)
        with graph.session() as session:
            session.run("MATCH (n) DETACH DELETE n").consume()
            for row in rows:
                session.execute_write(apply_rows, [row])
        one_by_one = snapshot(graph)
        with graph.session() as session:
            session.run("MATCH (n) DETACH DELETE n").consume()
            session.execute_write(apply_rows, rows)
        assert snapshot(graph) == one_by_one, rows
        assert len(plan_groups(rows)) < len(rows)


def test_alternating_kinds_are_grouped_into_few_statements() -> None:
    rows: list[OutboxRow] = []
    for number in range(1, 101):  # person n, then its kinship to cadre 4, 100 times
        person = f"person:{number}"
        rows.append(OutboxRow(2 * number, "upsert", "node", "person", person, {"props": {"key": person}}))
        rows.append(OutboxRow(2 * number + 1, "upsert", "edge", "RELATIVE_OF", f"kinship:{number}",
                              {"source": person, "target": "cadre:4", "props": {}}))  # fmt: skip
    assert [len(group) for group in plan_groups(rows)] == [100, 100]


# --- crashes and outages -------------------------------------------------------------------------


def test_sync_interrupted_after_the_graph_commit_resumes_without_loss_or_duplicates(
    world: Engine, factory: sessionmaker[Session], graph: Driver
) -> None:
    add_relatives(factory, 60)
    total = outbox_size(factory)
    commits: list[int] = []

    def crash_on_third_commit(last_id: int) -> None:
        commits.append(last_id)
        if len(commits) == 3:
            raise Interrupted("killed between the Neo4j commit and the checkpoint")

    with pytest.raises(Interrupted):
        apply_pending(factory, graph, batch_size=20, on_graph_commit=crash_on_third_commit)
    assert checkpoint(factory) == commits[1]  # the third batch is in Neo4j but not checkpointed
    assert pending_count(factory) == total - commits[1]

    assert apply_pending(factory, graph, batch_size=20) == total - commits[1]  # the third batch again, then the rest
    assert_consistent(world, graph)
    before = graph_totals(graph)

    with transaction(factory) as session:  # replaying everything changes nothing
        write_checkpoint(session, 0)
    assert apply_pending(factory, graph, batch_size=13) == total
    assert graph_totals(graph) == before
    assert_consistent(world, graph)


def test_killed_sync_process_resumes(
    world: Engine, factory: sessionmaker[Session], graph: Driver, settings: Settings, neo4j_settings: Settings
) -> None:
    add_relatives(factory, 400, per_transaction=50)
    total = outbox_size(factory)
    env = {
        **os.environ,
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_NEO4J_URI": neo4j_settings.neo4j_uri,
        "HUB_NEO4J_PORT": str(neo4j_settings.neo4j_port),
        "HUB_NEO4J_PASSWORD": neo4j_settings.neo4j_password,
    }
    hub = Path(sys.executable).parent / "hub"
    process = subprocess.Popen(
        [str(hub), "graph", "sync", "--follow", "--batch-size", "5"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_for(lambda: checkpoint(factory) > 0 or process.poll() is not None, 60, "the sync to make progress")
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(30)
    killed_at = checkpoint(factory)
    assert 0 < killed_at < total, f"the sync was killed at {killed_at} of {total}"

    assert apply_pending(factory, graph) == total - killed_at
    assert_consistent(world, graph)


def test_worker_survives_a_neo4j_outage(
    world: Engine, factory: sessionmaker[Session], graph: Driver, neo4j_settings: Settings
) -> None:
    relay = TcpRelay(neo4j_settings.neo4j_port)
    relay.open()
    target = dataclasses.replace(neo4j_settings, neo4j_uri=f"bolt://127.0.0.1:{relay.port}", neo4j_port=relay.port)
    worker = SyncWorker(target, factory, interval=0.1, max_backoff=0.5)
    worker.start()
    try:
        wait_for(lambda: worker.lag() == 0, what="the world to be applied")
        assert worker.last_error is None

        relay.close()  # Neo4j is gone for the worker
        add_relatives(factory, 5)
        wait_for(lambda: worker.last_error is not None, what="the worker to notice the outage")
        time.sleep(1.0)
        assert worker.lag() > 0
        assert worker.running
        with pytest.raises(GraphUnavailable):
            open_driver(target)

        relay.open()  # back on the same address
        wait_for(lambda: worker.lag() == 0 and worker.last_error is None, what="the worker to catch up")
    finally:
        worker.stop()
        relay.close()
    assert not worker.running
    assert_consistent(world, graph)


def test_worker_picks_up_new_writes(world: Engine, factory: sessionmaker[Session], graph: Driver,
                                    neo4j_settings: Settings) -> None:  # fmt: skip
    worker = SyncWorker(neo4j_settings, factory, interval=0.05)
    worker.start()
    try:
        wait_for(lambda: worker.lag() == 0, what="the world to be applied")
        lags = []
        for index in range(5):
            with transaction(factory) as session:
                session.add(models.Person(name=f"新人{index}", gender=E.Gender.MALE, jurisdiction="huzhou"))
            started = time.monotonic()
            wait_for(lambda: worker.lag() == 0, what="the new person")
            lags.append(time.monotonic() - started)
        assert max(lags) < 5.0, lags
    finally:
        worker.stop()
    assert_consistent(world, graph)


def test_open_driver_names_an_unreachable_graph(neo4j_settings: Settings) -> None:
    port = free_port()
    with pytest.raises(GraphUnavailable, match=f"127.0.0.1:{port}"):
        open_driver(dataclasses.replace(neo4j_settings, neo4j_uri=f"bolt://127.0.0.1:{port}"), connection_timeout=1.0)


# --- rebuild and check ---------------------------------------------------------------------------


def test_rebuild_and_check_on_the_world(world: Engine, factory: sessionmaker[Session], graph: Driver) -> None:
    with graph.session() as session:  # leftovers that the rebuild must remove
        session.run("CREATE (:Person {key: 'person:999', kind: 'person'})-[:TIE {key: 'social_tie:999'}]->(:Unit)").consume()
    summary = rebuild(world, graph, batch_size=3, progress=False)
    assert summary.deleted_nodes == 2
    assert summary.nodes == {"unit": 3, "org": 2, "post": 4, "cadre": 4, "person": 4}
    assert sum(summary.edges.values()) == 19 and summary.skipped_edges == 0
    assert summary.checkpoint == outbox_size(factory) == checkpoint(factory)
    assert_consistent(world, graph)
    assert apply_pending(factory, graph) == 0  # the rebuild already covers every outbox row


def test_check_reports_differences(world: Engine, factory: sessionmaker[Session], graph: Driver) -> None:
    apply_pending(factory, graph)
    with graph.session() as session:
        session.run("MATCH (n {key: 'cadre:2'}) SET n.rank = 'grave'").consume()
        session.run("MATCH ()-[r {key: 'kinship:1'}]->() DELETE r").consume()
        session.run("MATCH (n {key: 'person:4'}) DETACH DELETE n").consume()
    report = check(world, graph, sample=50, seed=3)
    assert not report.ok
    text = "\n".join(report.differences)
    assert "node cadre:2: rank is 'deputy_division' in the records, 'grave' in the graph" in text
    assert "RELATIVE_OF edge kinship:1 (person:1 -> cadre:1) is missing" in text
    assert "node person:4 is missing" in text
    assert report.node_counts["person"] == (4, 3)
    assert report.edge_counts["RELATIVE_OF"] == (3, 1)  # kinship:1 deleted, kinship:3 went with person:4


def test_rebuild_and_check_on_a_seeded_database(engine: Engine, factory: sessionmaker[Session], graph: Driver) -> None:
    from hub.seed import seed_database

    seeded = seed_database(engine, cadres=SEEDED_CADRES, seed=7, progress=False)
    summary = rebuild(engine, graph, batch_size=2000, progress=False)
    print(
        f"\nrebuild of {SEEDED_CADRES} cadres ({engine.dialect.name}): {summary.records:,} records "
        f"in {summary.seconds:.1f}s, {summary.records_per_second:,.0f} records/s"
    )
    assert summary.nodes["cadre"] == seeded.counts["cadre"] == SEEDED_CADRES
    assert summary.skipped_edges == 0
    assert_consistent(engine, graph, sample=300)

    # The sync continues from the rebuild: an ORM change after it reaches the graph.
    with transaction(factory) as session:
        tenure = session.scalar(select(models.Tenure).order_by(models.Tenure.id).limit(1))
        post = session.scalar(select(models.Post.id).where(models.Post.id != tenure.post_id).limit(1))  # type: ignore[union-attr]
        tenure.post_id = post  # type: ignore[union-attr]
    assert apply_pending(factory, graph) == 1
    assert [edge[2] for edge in edges(graph, f"tenure:{tenure.id}")] == [f"post:{post}"]  # type: ignore[union-attr]
    assert_consistent(engine, graph)


def test_cli_check_exits_1_on_differences(
    world: Engine, factory: sessionmaker[Session], graph: Driver, settings: Settings, neo4j_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    for name, value in {
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_NEO4J_URI": neo4j_settings.neo4j_uri,
        "HUB_NEO4J_PORT": str(neo4j_settings.neo4j_port),
        "HUB_NEO4J_PASSWORD": neo4j_settings.neo4j_password,
    }.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    synced = runner.invoke(hub_cli, ["graph", "sync"])
    assert synced.exit_code == 0, synced.output
    clean = runner.invoke(hub_cli, ["graph", "check", "--seed", "1"])
    assert clean.exit_code == 0, clean.output
    with graph.session() as session:
        session.run("MATCH (n {key: 'unit:2'}) SET n.name = 'x'").consume()
    dirty = runner.invoke(hub_cli, ["graph", "check", "--seed", "1"])
    assert dirty.exit_code == 1
    assert "unit:2" in dirty.output
    rebuilt = runner.invoke(hub_cli, ["graph", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert runner.invoke(hub_cli, ["graph", "check"]).exit_code == 0
