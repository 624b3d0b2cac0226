"""The audited-read rate scenario in short form: one hub process, then four, on PostgreSQL; every answered read
left one entry, `hub audit verify` accepts the one chain, and the rates come out as a ratio."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.audit_rate import run
from tests.conftest import POSTGRES_URL

pytestmark = [pytest.mark.postgres, pytest.mark.serial]


@pytest.mark.skipif(not POSTGRES_URL, reason="the audit rate is measured on PostgreSQL (HUB_TEST_POSTGRES_URL)")
def test_audited_reads_on_one_and_four_processes_keep_one_valid_chain(tmp_path: Path) -> None:
    report = run(POSTGRES_URL, processes=4, clients=12, seconds=2.0, cadres=40, var_dir=tmp_path)
    for phase in (report["one_process"], report["processes"]):
        assert phase["answered"] > 0 and phase["failed"] == 0, phase
        assert phase["one_entry_each"] and phase["chain_verified"], phase
    assert report["consistent"] and report["ratio"] > 0
