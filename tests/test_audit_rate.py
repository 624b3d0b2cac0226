"""The audited-read rate scenario in short form: four hub processes on PostgreSQL, without the audit and with it;
every audited read left one entry (the unaudited none), `hub audit verify` accepts the one chain, and the rates
come out as a ratio."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.audit_rate import run
from tests.conftest import POSTGRES_URL

pytestmark = [pytest.mark.postgres, pytest.mark.serial]


@pytest.mark.skipif(not POSTGRES_URL, reason="the audit rate is measured on PostgreSQL (HUB_TEST_POSTGRES_URL)")
def test_audited_reads_on_one_and_four_processes_keep_one_valid_chain(tmp_path: Path) -> None:
    report = run(POSTGRES_URL, processes=4, clients=12, seconds=2.0, cadres=40, one_process=False, var_dir=tmp_path)
    for phase in (report["unaudited"], report["processes"]):
        assert phase["answered"] > 0 and phase["failed"] == 0, phase
        assert phase["one_entry_each"] and phase["chain_verified"], phase
    assert report["unaudited"]["entries"] == 0 and report["processes"]["entries"] == report["processes"]["answered"]
    assert report["consistent"] and report["audited_over_unaudited"] > 0
