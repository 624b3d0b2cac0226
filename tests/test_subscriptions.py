"""The `watchEvents` subscription over a real websocket (the `websockets` client against a served hub, on SQLite and
PostgreSQL): what a watcher hears, what a police watcher never hears, resuming after a reconnect, the audit of
every delivery, events written by another process, a policy change while subscribed, and case steps."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bench.harness import HubServer
from hub import audit
from hub.app import create_app
from hub.auth import mint_token
from hub.models import AuditEntry, DetectionAlert, WatchEvent
from hub.settings import Settings
from policies.enforcement import PolicyStore
from schema.build import build_full_schema
from tests.live_server import serving
from tests.test_scale_out import hub_environment

PROTOCOL = Subprotocol("graphql-transport-ws")
WAIT_SECONDS = 15.0
POLICE_EVENTS = "subscription Watch($after: ID) { watchEvents(after: $after) { id kind change recordType cadre { name idNumber } } }"
ORG_EVENTS = ("subscription Watch($after: ID) { watchEvents(after: $after) { id kind change recordType "
              "cadre { name relatives { kind person { name } } } } }")
UPDATE_CADRE = 'mutation { updateCadre(id: 1, input: {nativePlace: "%s"}) { __typename } }'
NEW_RELATIVE = "mutation { createRelative(input: {cadreId: 1, personId: 3, kind: SIBLING}) { __typename } }"


def token(settings: Settings, agency: str, user: str) -> str:
    return mint_token(settings, agency=agency, user=user, jurisdiction="huzhou", level="city")


class Subscriber:
    """One websocket speaking graphql-transport-ws, authenticated in `connection_init`."""

    def __init__(self, base_url: str, bearer: str, purpose: str = "线索核查") -> None:
        self._stack = ExitStack()
        self.socket: ClientConnection = self._stack.enter_context(connect(
            base_url.replace("http://", "ws://") + "/graphql", subprotocols=[PROTOCOL], open_timeout=WAIT_SECONDS,
        ))
        self.send({"type": "connection_init", "payload": {"Authorization": f"Bearer {bearer}", "X-Purpose": purpose}})
        assert self.receive()["type"] == "connection_ack"

    def send(self, message: dict[str, Any]) -> None:
        self.socket.send(json.dumps(message))

    def receive(self, timeout: float = WAIT_SECONDS) -> dict[str, Any]:
        while True:
            message: dict[str, Any] = json.loads(self.socket.recv(timeout=timeout))
            if message["type"] != "ping":
                return message

    def subscribe(self, query: str, variables: dict[str, Any] | None = None, operation: str = "1") -> None:
        self.send({"id": operation, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})

    def event(self, timeout: float = WAIT_SECONDS) -> dict[str, Any]:
        message = self.receive(timeout)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        return message["payload"]["data"]["watchEvents"]  # type: ignore[no-any-return]

    def nothing_within(self, seconds: float) -> bool:
        try:
            message = self.receive(seconds)
        except TimeoutError:
            return True
        pytest.fail(f"unexpected message {message}")

    def close(self) -> None:
        self._stack.close()


class Http:
    def __init__(self, base_url: str, bearer: str, purpose: str = "线索核查") -> None:
        self.base_url, self.bearer, self.purpose = base_url, bearer, purpose

    def data(self, query: str) -> dict[str, Any]:
        response = httpx.post(self.base_url + "/graphql", json={"query": query}, timeout=60.0, headers={
            "Authorization": f"Bearer {self.bearer}", "X-Purpose": quote(self.purpose)})
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]

    def watch_cadre(self, cadre_id: int) -> None:
        assert self.data(f'mutation {{ watch(kind: CADRE, id: "{cadre_id}") {{ entityId }} }}')["watch"]["entityId"] == str(cadre_id)


@pytest.fixture
def hub_url(world: Any, settings: Settings, policy_store: PolicyStore) -> Iterator[str]:
    with serving(create_app(dataclasses.replace(settings, watch_poll_seconds=0.2), policies=policy_store)) as url:
        yield url


@contextmanager
def subscribed(base_url: str, bearer: str, query: str, variables: dict[str, Any] | None = None) -> Iterator[Subscriber]:
    subscriber = Subscriber(base_url, bearer)
    try:
        subscriber.subscribe(query, variables)
        time.sleep(0.5)  # the subscription has read where the log ends before the test writes
        yield subscriber
    finally:
        subscriber.close()


def test_a_watcher_hears_of_writes_on_the_cadres_it_watches_only(hub_url: str, settings: Settings) -> None:
    org = Http(hub_url, token(settings, "org", "o1"))
    org.watch_cadre(1)
    assert org.data("{ myWatchlist { kind entityId cadre { name } } }")["myWatchlist"] == [
        {"kind": "CADRE", "entityId": "1", "cadre": {"name": "王建国"}}]
    with subscribed(hub_url, org.bearer, ORG_EVENTS) as subscriber:
        org.data('mutation { updateCadre(id: 2, input: {nativePlace: "浙江杭州"}) { __typename } }')  # not watched
        org.data(UPDATE_CADRE % "浙江杭州")
        event = subscriber.event()
        assert (event["kind"], event["change"], event["recordType"], event["cadre"]["name"]) == (
            "RECORD_WRITTEN", "UPDATED", "Cadre", "王建国")
        assert subscriber.nothing_within(1.0)


def test_a_police_subscriber_never_receives_a_relatives_data(hub_url: str, settings: Settings) -> None:
    org, police = Http(hub_url, token(settings, "org", "o1")), Http(hub_url, token(settings, "police", "p1"))
    org.watch_cadre(1)
    police.watch_cadre(1)
    asking_for_relatives = Subscriber(hub_url, police.bearer)
    asking_for_relatives.subscribe(ORG_EVENTS)
    refused = asking_for_relatives.receive()
    assert refused["type"] == "error" and "Cannot query field 'relatives' on type 'Cadre'" in json.dumps(refused)
    asking_for_relatives.close()

    with subscribed(hub_url, org.bearer, ORG_EVENTS) as org_events, subscribed(hub_url, police.bearer, POLICE_EVENTS) as police_events:
        org.data(NEW_RELATIVE)
        org.data(UPDATE_CADRE % "浙江嘉兴")
        relative = org_events.event()
        assert relative["recordType"] == "Relative" and relative["change"] == "CREATED"
        assert {"kind": "SIBLING", "person": {"name": "赵强"}} in relative["cadre"]["relatives"]
        assert org_events.event()["recordType"] == "Cadre"

        seen = police_events.event()  # the relative's event never comes: the first the police hear is the cadre's
        assert (seen["recordType"], seen["cadre"]["name"]) == ("Cadre", "王建国")
        assert "***" in seen["cadre"]["idNumber"]  # masked for the police, as in its queries
        assert seen["id"] != relative["id"]
        assert police_events.nothing_within(1.0)


def test_a_watcher_who_reconnects_gets_what_it_missed(hub_url: str, settings: Settings, engine: Any) -> None:
    org = Http(hub_url, token(settings, "org", "o1"))
    org.watch_cadre(1)
    with subscribed(hub_url, org.bearer, ORG_EVENTS) as first:
        org.data(UPDATE_CADRE % "浙江温州")
        last_seen = first.event()["id"]
    for place in ("浙江宁波", "浙江绍兴"):  # while no one listens
        org.data(UPDATE_CADRE % place)
    org.data(NEW_RELATIVE)
    with Session(engine) as session:
        missed = [str(i) for i in session.scalars(select(WatchEvent.id).where(WatchEvent.id > int(last_seen)).order_by(WatchEvent.id))]
    assert len(missed) == 3

    with subscribed(hub_url, org.bearer, ORG_EVENTS, {"after": last_seen}) as again:
        caught_up = [again.event() for _ in missed]
        assert [event["id"] for event in caught_up] == missed
        assert [event["recordType"] for event in caught_up] == ["Cadre", "Cadre", "Relative"]
        org.data(UPDATE_CADRE % "浙江舟山")  # and then live again
        assert int(again.event()["id"]) > int(missed[-1])
        assert again.nothing_within(1.0)
    with subscribed(hub_url, org.bearer, ORG_EVENTS) as from_now:  # without `after`: only what comes next
        assert from_now.nothing_within(1.0)


def test_every_delivered_event_is_audited_like_a_read(hub_url: str, settings: Settings, engine: Any) -> None:
    police = Http(hub_url, token(settings, "police", "p1"), purpose="线索核查")
    police.watch_cadre(1)
    with subscribed(hub_url, police.bearer, POLICE_EVENTS) as subscriber:
        for place in ("浙江丽水", "浙江衢州"):
            Http(hub_url, token(settings, "org", "o1")).data(UPDATE_CADRE % place)
            subscriber.event()
    with Session(engine) as session:
        subscribing = session.scalars(select(AuditEntry).where(AuditEntry.operation == "subscription")).all()
        assert [(entry.user, entry.cadre_ids) for entry in subscribing] == [("p1", [])]
        entries = session.scalars(select(AuditEntry).where(AuditEntry.operation == "delivered")).all()
        assert len(entries) == 2
        for entry in entries:
            assert (entry.user, entry.agency, entry.cadre_ids, entry.purpose) == ("p1", "police", [1], "线索核查")
            assert {"Subscription.watchEvents", "WatchEvent.cadre", "Cadre.name", "Cadre.idNumber"} <= set(entry.fields)
        assert audit.verify(session) == []


def test_events_written_by_another_process_reach_the_subscriber(
    world: Any, settings: Settings, policy_store: PolicyStore, tmp_path: Path,
) -> None:
    """The writes go through a `hub serve` of its own; on PostgreSQL the subscriber's hub polls only every 60 s, so
    the event can only come by NOTIFY, at once."""
    postgresql = settings.database_url.startswith("postgresql")
    poll = 60.0 if postgresql else 0.2
    environment = hub_environment(settings.database_url, settings.var_dir, Path("policies").resolve())
    writer = HubServer(environment=environment)
    writer.wait_until_ready()
    try:
        with serving(create_app(dataclasses.replace(settings, watch_poll_seconds=poll), policies=policy_store)) as url:
            org = Http(url, token(settings, "org", "o1"))
            org.watch_cadre(1)
            elsewhere = Http(writer.url, org.bearer)
            elsewhere.data("{ cadre(id: 1) { name } }")  # the writer's first request builds its agency's schema
            with subscribed(url, org.bearer, ORG_EVENTS) as subscriber:
                elsewhere.data(UPDATE_CADRE % "浙江台州")
                started = time.monotonic()
                event = subscriber.event(timeout=10.0)
                assert (event["recordType"], event["cadre"]["name"]) == ("Cadre", "王建国")
                assert time.monotonic() - started < 3.0
    finally:
        writer.stop()


def test_a_policy_change_while_subscribed_applies_to_the_next_event(world: Any, settings: Settings, policy_dir: Path) -> None:
    """Police lose `Cadre.name`: the running subscription (on the old schema) ends with POLICY_CHANGED instead of
    delivering it, and a new one runs on the new cut."""
    store = PolicyStore(build_full_schema(), policy_dir=policy_dir)
    with serving(create_app(dataclasses.replace(settings, watch_poll_seconds=0.2, policy_dir=policy_dir), policies=store)) as url:
        police, org = Http(url, token(settings, "police", "p1")), Http(url, token(settings, "org", "o1"))
        police.watch_cadre(1)
        with subscribed(url, police.bearer, POLICE_EVENTS) as subscriber:
            org.data(UPDATE_CADRE % "浙江长兴")
            assert subscriber.event()["cadre"]["name"] == "王建国"
            version = store.version
            with (policy_dir / "policy.csv").open("a", encoding="utf-8") as policy:
                policy.write("p, police, Cadre.name, read, deny\n")
            deadline = time.monotonic() + 5
            while store.version == version and time.monotonic() < deadline:
                time.sleep(0.1)
            assert store.version != version
            org.data(UPDATE_CADRE % "浙江安吉")
            ended = subscriber.receive()
            assert ended["type"] == "next" and ended["payload"]["errors"][0]["extensions"]["code"] == "POLICY_CHANGED"
        again = Subscriber(url, police.bearer)
        again.subscribe(POLICE_EVENTS)
        refused = again.receive()
        assert refused["type"] == "error" and "Cannot query field 'name' on type 'Cadre'" in json.dumps(refused)
        again.close()


def test_case_steps_reach_the_watchers_who_may_read_the_case(hub_url: str, settings: Settings) -> None:
    inspector = Http(hub_url, token(settings, "inspector", "i1"))
    police = Http(hub_url, token(settings, "police", "p1"))
    inspector.watch_cadre(1)
    police.watch_cadre(1)
    case_events = "subscription { watchEvents { kind action recordType case { number status } cadre { name } } }"
    with subscribed(hub_url, inspector.bearer, case_events) as inspector_events, \
            subscribed(hub_url, police.bearer, POLICE_EVENTS) as police_events:
        opened = inspector.data('mutation { openCase(number: "XC-2026-0042", title: "线索") { ... on Case { id } } }')
        inspector.purpose = "XC-2026-0042"
        inspector.data(f"mutation {{ linkToCase(caseId: {opened['openCase']['id']}, cadreId: 1) {{ __typename }} }}")
        event = inspector_events.event()
        assert (event["kind"], event["action"], event["recordType"]) == ("CASE_CHANGED", "linkToCase", "Case")
        assert event["case"] == {"number": "XC-2026-0042", "status": "OPEN"} and event["cadre"]["name"] == "王建国"
        assert police_events.nothing_within(1.5)  # the police may not read cases


def test_alert_changes_reach_the_watchers_who_may_read_alerts(hub_url: str, settings: Settings, engine: Any) -> None:
    with Session(engine) as session, session.begin():
        alert = DetectionAlert(rule="relative_business_supplies_unit", subject="cadre:1/person:1/org:1", cadre_id=1,
                               jurisdiction="huzhou", evidence={"why": "测试"}, fingerprint="f" * 64)
        session.add(alert)
        session.flush()
        alert_id = alert.id
    inspector = Http(hub_url, token(settings, "inspector", "i1"))
    police = Http(hub_url, token(settings, "police", "p1"))
    inspector.watch_cadre(1)
    police.watch_cadre(1)
    alert_events = "subscription { watchEvents { kind change action recordType recordId cadre { name } } }"
    with subscribed(hub_url, inspector.bearer, alert_events) as inspector_events, \
            subscribed(hub_url, police.bearer, POLICE_EVENTS) as police_events:
        inspector.data(f"mutation {{ acknowledgeAlerts(alertIds: [{alert_id}]) {{ __typename }} }}")
        event = inspector_events.event()
        assert (event["kind"], event["change"], event["action"]) == ("ALERT_CHANGED", "UPDATED", "status_changed")
        assert (event["recordType"], event["recordId"], event["cadre"]["name"]) == ("DetectionAlert", str(alert_id), "王建国")
        assert police_events.nothing_within(1.5)  # the police may not read alerts
