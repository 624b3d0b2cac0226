"""The scale-out load run in short form: 4 hub processes and 2 sync workers on PostgreSQL, one hub and the sync
leader killed mid-run; every write answered is in the records, its audit entry and the graph, nothing else failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.scale_out import run
from hub.settings import Settings
from tests.conftest import POSTGRES_URL

pytestmark = [pytest.mark.neo4j, pytest.mark.postgres, pytest.mark.serial]


@pytest.mark.skipif(not POSTGRES_URL, reason="scale-out runs on PostgreSQL (HUB_TEST_POSTGRES_URL)")
def test_four_hubs_and_two_sync_workers_lose_nothing_when_one_of_each_is_killed(
    neo4j_settings: Settings, tmp_path: Path,
) -> None:
    report = run(POSTGRES_URL, neo4j_settings, hubs=4, sync_workers=2, clients=12, seconds=20, cadres=100,
                 var_dir=tmp_path)
    assert report.errors == [], report.errors[:5]
    assert report.requests > 100 and report.writes_answered > 10 and report.by_kind.get("graph", 0) > 10
    assert report.consistent(), report
    assert report.audit_chain_verified and report.graph_check_clean
    assert report.leader_takeover_seconds is not None and report.leader_takeover_seconds <= 5.0, report
