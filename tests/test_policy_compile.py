"""Compiling an agency's grant (its cut schema: a second or more) holds up no other agency's requests."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.testclient import TestClient

from hub.access import Principal
from hub.app import create_app
from hub.settings import Settings
from policies.enforcement import PolicyStore
from tests.conftest import Caller

HELD_AGENCY = "audit"


def test_an_agency_compiling_its_grant_holds_up_no_other_agency(
    settings: Settings, policy_store: PolicyStore, monkeypatch: Any,
) -> None:
    store = PolicyStore(policy_store.full_schema)  # nothing compiled yet
    compiling, release = threading.Event(), threading.Event()
    compile_grant = PolicyStore._compile

    def held_for_audit(enforcer: Any, catalog: Any, full_schema: Any, agency: str) -> Any:
        if agency == HELD_AGENCY:
            compiling.set()
            release.wait(20)
        return compile_grant(enforcer, catalog, full_schema, agency)

    monkeypatch.setattr(PolicyStore, "_compile", staticmethod(held_for_audit))
    with TestClient(create_app(settings, policies=store)) as client, ThreadPoolExecutor(1) as pool:
        held = pool.submit(Caller(client, settings, HELD_AGENCY).post, "{ __typename }")
        assert compiling.wait(30)
        # org's first request compiles org's grant and is answered while audit's compile is still going on
        assert Caller(client, settings, "org").data("{ __typename }") == {"__typename": "Query"}
        assert not held.done()
        release.set()
        answer = held.result(60)
    assert answer.status_code == 200 and answer.json()["data"] == {"__typename": "Query"}


def test_what_the_policy_lets_an_agency_read_is_known_without_compiling_its_grant(policy_store: PolicyStore) -> None:
    for agency in ("org", "inspector", "police", "security"):  # a wildcard, graph queries, masks, little
        view, _schema = policy_store.view(Principal(user="u", agency=agency, jurisdiction="huzhou", level="city"))
        for obj in sorted(obj for obj in policy_store.catalog.read_objects if obj.startswith(("Query.", "Cadre."))):
            type_name, field = obj.split(".", 1)
            assert policy_store.may_read(agency, obj) == view.can_read(type_name, field), (agency, obj)
    assert not policy_store.may_read("org", "Query.noSuchField")


def test_agencies_compiled_at_once_in_threads_get_the_grants_compiled_one_by_one(policy_store: PolicyStore) -> None:
    agencies = ("org", "police", "inspector", "audit")
    store = PolicyStore(policy_store.full_schema)
    with ThreadPoolExecutor(len(agencies)) as pool:
        grants = dict(zip(agencies, pool.map(store.grant, agencies), strict=True))
    for agency, grant in grants.items():
        alone = policy_store.grant(agency)
        assert (grant.readable, grant.masked, grant.writable, grant.scopes) == (
            alone.readable, alone.masked, alone.writable, alone.scopes), agency
