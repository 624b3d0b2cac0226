"""The audit chain cannot be rewritten by someone who can only write the database: the entries are HMAC-keyed
with a key kept outside it, and every committed head is anchored in an append-only file outside it."""

from __future__ import annotations

import hashlib
import hmac
import stat
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from hub import audit
from hub.cli import app as cli_app
from hub.models import AuditEntry
from hub.models.audit import GENESIS_HASH, AuditHead
from hub.settings import Settings


def read_cadres(as_agency: Any, times: int) -> None:
    for _ in range(times):
        as_agency("org").data("{ cadre(id: 1) { name } }")


def cli_verify(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("HUB_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HUB_VAR_DIR", str(settings.var_dir))
    return CliRunner().invoke(cli_app, ["audit", "verify"])


def problems(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [problem.reason for problem in audit.verify(session)]


class Digest:
    """Stands in for the chain's seal with another digest: what an attacker without the key can compute."""

    def __init__(self, key: bytes | None) -> None:
        self.key = key

    def mac(self, message: bytes) -> str:
        if self.key is None:
            return hashlib.sha256(message).hexdigest()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()


def recompute_chain(engine: Engine, digest: Digest) -> None:
    """Rehash every entry with the public formula and `digest`, relink them and move the head accordingly."""
    with Session(engine) as session, session.begin():
        previous, count = GENESIS_HASH, 0
        for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all():
            record = audit.AccessRecord(entry.user, entry.agency, entry.operation, entry.operation_name,
                                        tuple(entry.cadre_ids), tuple(entry.fields), entry.purpose)
            entry.prev_hash = previous
            entry.hash = previous = audit.entry_hash(digest, previous, entry.at, record)  # type: ignore[arg-type]
            session.flush()
            count += 1
        session.execute(update(AuditHead).values(hash=previous, count=count))


def test_an_honest_chain_verifies_in_code_and_on_the_command_line(
    world: Engine, as_agency: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_cadres(as_agency, 3)
    assert problems(world) == []
    result = cli_verify(settings, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "audit chain intact" in result.output


def test_a_truncated_tail_with_a_moved_head_is_detected(
    world: Engine, as_agency: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_cadres(as_agency, 4)
    with Session(world) as session, session.begin():
        kept = session.scalars(select(AuditEntry).order_by(AuditEntry.id).limit(2)).all()
        session.execute(delete(AuditEntry).where(AuditEntry.id > kept[-1].id))
        session.execute(update(AuditHead).values(hash=kept[-1].hash, count=2))
    assert any("the chain holds 2 entries but 4 were anchored" in reason for reason in problems(world))
    result = cli_verify(settings, monkeypatch)
    assert result.exit_code == 1
    assert "4 were anchored" in result.output


@pytest.mark.parametrize("key", [None, b"a-guessed-key-that-is-not-the-hub-s"], ids=["plain-sha256", "wrong-key"])
def test_a_chain_recomputed_without_the_key_is_detected(
    world: Engine, as_agency: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch, key: bytes | None
) -> None:
    read_cadres(as_agency, 3)
    with Session(world) as session, session.begin():
        session.execute(update(AuditEntry).values(purpose="routine"))
    recompute_chain(world, Digest(key))
    reasons = problems(world)
    assert sum("does not match its hash" in reason for reason in reasons) == 3
    assert sum("not the entry anchored" in reason for reason in reasons) == 3
    result = cli_verify(settings, monkeypatch)
    assert result.exit_code == 1
    assert "tampered" in result.output


def test_a_rolled_back_append_is_never_anchored(world: Engine, as_agency: Any, settings: Settings) -> None:
    read_cadres(as_agency, 1)
    anchors = settings.audit_anchor_file
    assert anchors is not None
    before = anchors.read_text()
    with Session(world) as session, session.begin():
        audit.append(session, audit.AccessRecord("u", "org", "query", "", (1,), ("Query.cadre",), "x"))
        session.rollback()
    assert anchors.read_text() == before
    read_cadres(as_agency, 1)  # the next honest entry takes the rolled-back one's position
    assert problems(world) == []
    assert len(anchors.read_text().splitlines()) == 2


def test_a_forged_anchor_line_is_reported(world: Engine, as_agency: Any, settings: Settings) -> None:
    read_cadres(as_agency, 1)
    assert settings.audit_anchor_file is not None
    with settings.audit_anchor_file.open("a") as anchors:
        anchors.write(f"9 {'ab' * 32} {hashlib.sha256(b'9').hexdigest()}\n")
    assert any("fail their HMAC (forged)" in reason for reason in problems(world))


def test_the_development_key_is_a_private_file_outside_the_database(world: Engine, as_agency: Any, settings: Settings) -> None:
    read_cadres(as_agency, 1)
    key_file = settings.var_dir / "audit.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_bytes().strip()
    assert len(key) >= 32
    with Session(world) as session:
        entry = session.scalars(select(AuditEntry)).one()
        stored = f"{entry.user}{entry.purpose}{entry.hash}{entry.prev_hash}"
    assert key.decode() not in stored


def test_a_configured_key_is_used_instead_of_the_development_file(
    world: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from hub.db import make_engine

    keyed = replace(settings, audit_key="a-configured-audit-key-of-32-bytes-or-more")
    engine = make_engine(keyed)
    try:
        with Session(engine) as session, session.begin():
            entry = audit.append(session, audit.AccessRecord("u", "org", "query", "", (1,), (), "x"))
            record = audit.AccessRecord("u", "org", "query", "", (1,), (), "x")
            key = b"a-configured-audit-key-of-32-bytes-or-more"
            assert entry.hash == audit.entry_hash(Digest(key), GENESIS_HASH, entry.at, record)  # type: ignore[arg-type]
        assert problems(engine) == []
        assert not (settings.var_dir / "audit.key").exists()
    finally:
        engine.dispose()


def test_malformed_cadre_ids_and_fields_are_each_reported_and_verification_goes_on(
    world: Engine, as_agency: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_cadres(as_agency, 6)
    with Session(world) as session:
        ids = list(session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))
    stored = {  # entry id -> (column, stored JSON text); PostgreSQL's json type refuses text that is not JSON
        ids[0]: ("cadre_ids", '[1, "x"]'),
        ids[1]: ("cadre_ids", "null"),
        ids[2]: ("fields", "5"),
        ids[3]: ("cadre_ids", "[true]"),
        **({ids[4]: ("cadre_ids", "[1, [not json")} if world.dialect.name == "sqlite" else {}),
    }
    value = "CAST(:value AS json)" if world.dialect.name == "postgresql" else ":value"
    with world.begin() as connection:
        for entry_id, (column, text_value) in stored.items():
            connection.execute(text(f"UPDATE audit_entry SET {column} = {value} WHERE id = :id"),
                               {"value": text_value, "id": entry_id})
    with Session(world) as session:
        found = audit.verify(session)
    malformed = {problem.entry_id: problem.reason for problem in found if "is not" in problem.reason}
    assert sorted(malformed) == sorted(stored)  # every bad entry, and the intact ones after them still checked
    assert malformed[ids[0]] == "its cadre_ids is not a list of cadre ids: '[1, \"x\"]' (edited)"
    assert malformed[ids[2]] == "its fields is not a list of field names: '5' (edited)"
    assert [problem for problem in found if problem.entry_id == ids[5]] == []
    result = cli_verify(settings, monkeypatch)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    for entry_id in stored:
        assert f"entry {entry_id}: its" in result.output
    assert "Traceback" not in result.output
