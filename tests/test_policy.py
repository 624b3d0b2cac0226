"""The policy files: `hub policy check`, reload without restart, and a database-backed policy store."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from hub.app import create_app
from hub.auth import mint_token
from hub.cli import app as cli_app
from policies.check import check_policy
from policies.enforcement import POLICY_DIR, PolicyStore
from schema.build import build_full_schema
from tests.conftest import policy_in_database


def append_line(policy_dir: Path, line: str) -> None:
    with (policy_dir / "policy.csv").open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    stamp = time.time() + 5  # make the change visible to the watcher even within one mtime tick
    os.utime(policy_dir / "policy.csv", (stamp, stamp))


def test_shipped_policy_is_clean() -> None:
    problems, store = check_policy(build_full_schema)
    assert problems == []
    assert "org" in store.agencies


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("p, police, Cadre.salary, read, allow", "no type or field named 'Cadre.salary'"),
        ("p, police, Salary.*, read, allow", "no type or field named 'Salary.*'"),
        ("p, police, Cadre.name, peek, allow", "unknown action"),
        ("p, police, Row.Cadre, scope:everything, allow", "unknown scope"),
        ("p, police, Cadre.name, read, maybe", "effect must be allow or deny"),
        ("g, police, role:nonexistent", "inherited but has no policy lines"),
    ],
)
def test_check_fails_on_a_line_naming_something_that_does_not_exist(
    policy_dir: Path, line: str, complaint: str, monkeypatch: Any
) -> None:
    append_line(policy_dir, line)
    problems, _store = check_policy(build_full_schema, policy_dir)
    assert any(complaint in problem for problem in problems), problems
    monkeypatch.setenv("HUB_POLICY_DIR", str(policy_dir))
    result = CliRunner().invoke(cli_app, ["policy", "check", "--no-matrix"])
    assert result.exit_code == 1


def test_check_prints_the_matrix(monkeypatch: Any) -> None:
    result = CliRunner().invoke(cli_app, ["policy", "check"])
    assert result.exit_code == 0
    row = next(line for line in result.output.splitlines() if "Cadre.idNumber" in line)
    cells = [cell.strip() for cell in row.split("│")[2:-1]]
    header = next(line for line in result.output.splitlines() if "Type.field" in line)
    agencies = [cell.strip() for cell in header.split("┃")[2:-1]]
    assert dict(zip(agencies, cells))["org"] == "RW"
    assert dict(zip(agencies, cells))["police"] == "M"
    assert dict(zip(agencies, cells))["security"] == "·"


def test_policy_change_takes_effect_without_restart(policy_dir: Path, settings: Any) -> None:
    store = PolicyStore(build_full_schema(), policy_dir)
    with TestClient(create_app(settings, policies=store)) as client:
        token = mint_token(settings, agency="police", user="p1", jurisdiction="huzhou", level="city")
        query = {"query": "{ cadres { edges { node { relatives { kind } } } } }"}
        headers = {"Authorization": f"Bearer {token}"}
        assert "Cannot query field 'relatives'" in client.post("/graphql", json=query, headers=headers).text
        append_line(policy_dir, "p, police, Cadre.relatives, read, allow")
        append_line(policy_dir, "p, police, Relative.kind, read, allow")
        time.sleep(1.1)
        body = client.post("/graphql", json=query, headers=headers).json()
        assert body == {"data": {"cadres": {"edges": []}}}
        assert store.version == 2


def test_a_broken_policy_file_keeps_the_last_good_policy(policy_dir: Path) -> None:
    store = PolicyStore(build_full_schema(), policy_dir)
    (policy_dir / "model.conf").write_text("this is not a casbin model")
    os.utime(policy_dir / "model.conf", (time.time() + 5, time.time() + 5))
    assert store.refresh() is False
    assert store.version == 1
    assert store.grant("police").readable


def test_policy_from_a_database_through_the_sqlalchemy_adapter(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'policy.db'}"
    writer = policy_in_database(POLICY_DIR, url)
    store = PolicyStore(build_full_schema(), POLICY_DIR, policy_db_url=url)
    file_store = PolicyStore(build_full_schema(), POLICY_DIR)
    assert store.grant("police").readable == file_store.grant("police").readable
    writer.add_policy("police", "Cadre.relatives", "read", "allow")
    store.reload()
    assert "Cadre.relatives" in store.grant("police").readable
