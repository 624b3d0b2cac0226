"""What keeps the audit chain honest outside the database: its HMAC key and an append-only file of anchored heads.

Whoever can write the database can recompute SHA-256 hashes or cut the chain's tail and move `audit_head`; they
cannot compute an HMAC without the key, nor unwrite a (count, hash) line another process already anchored.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from hub.settings import Settings

logger = logging.getLogger(__name__)
DEV_KEY_FILENAME = "audit.key"


class AuditKeyMissing(RuntimeError):
    """No audit key is configured where one must be (production), or the configured file cannot be read."""


@dataclass(frozen=True)
class Anchor:
    count: int  # the chain's length when anchored: the anchored entry is the count-th, in id order
    hash: str


@dataclass(frozen=True)
class AnchorLog:
    anchors: list[Anchor]
    forged_lines: int  # lines whose HMAC does not match: written without the key


@dataclass
class AuditSeal:
    """The key source and the anchor file of one hub's audit chain; the key is read on first use."""

    key_value: str | None
    key_file: Path | None
    create_key_file: bool  # development: a missing key file is created (mode 0600)
    anchor_file: Path
    _fd: int | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> AuditSeal:
        key_file = settings.audit_key_file
        if key_file is None and not settings.production:
            key_file = settings.var_dir / DEV_KEY_FILENAME
        assert settings.audit_anchor_file is not None  # set in Settings.__post_init__
        return cls(settings.audit_key, key_file, not settings.production and settings.audit_key_file is None,
                   settings.audit_anchor_file)

    @cached_property
    def key(self) -> bytes:
        if self.key_value:
            return self.key_value.encode()
        if self.key_file is None:
            raise AuditKeyMissing("no audit chain key: set HUB_AUDIT_KEY or HUB_AUDIT_KEY_FILE")
        if self.create_key_file:
            _create_key_file(self.key_file)
        try:
            key = self.key_file.read_bytes().strip()
        except OSError as error:
            raise AuditKeyMissing(f"cannot read the audit key file {self.key_file}: {error.strerror}") from None
        if not key:
            raise AuditKeyMissing(f"the audit key file {self.key_file} is empty")
        return key

    def mac(self, message: bytes) -> str:
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def anchor(self, count: int, digest: str) -> None:
        """Append one line in a single write to an O_APPEND file, so lines of concurrent hubs never interleave."""
        line = f"{count} {digest} {self.mac(_anchor_message(count, digest))}\n".encode()
        try:
            os.write(self._anchor_fd(), line)
        except OSError:
            logger.exception("could not anchor the audit head (%s entries) in %s", count, self.anchor_file)

    def read_anchors(self) -> AnchorLog:
        anchors: list[Anchor] = []
        forged = 0
        for line in _lines(self.anchor_file):
            parts = line.split()
            if len(parts) != 3 or not parts[0].isdigit():
                forged += 1
                continue
            count, digest, mac = int(parts[0]), parts[1], parts[2]
            if hmac.compare_digest(mac, self.mac(_anchor_message(count, digest))):
                anchors.append(Anchor(count, digest))
            else:
                forged += 1
        return AnchorLog(anchors, forged)

    def _anchor_fd(self) -> int:
        with self._lock:
            if self._fd is None:
                self.anchor_file.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.anchor_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            return self._fd

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __del__(self) -> None:
        self.close()


def _anchor_message(count: int, digest: str) -> bytes:
    return f"audit-anchor {count} {digest}".encode()


def _lines(path: Path) -> Iterator[str]:
    try:
        with path.open(encoding="ascii", errors="replace") as anchors:
            yield from (line for line in anchors if line.strip())
    except FileNotFoundError:
        return


def _create_key_file(path: Path) -> None:
    """A random key, written whole under a temporary name and linked in place: no reader sees it half-written."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(descriptor, secrets.token_hex(32).encode() + b"\n")
    finally:
        os.close(descriptor)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process created it first; theirs is the key
    finally:
        temporary.unlink()


_SEALS: WeakKeyDictionary[Engine, AuditSeal] = WeakKeyDictionary()


def bind_seal(engine: Engine, settings: Settings) -> None:
    _SEALS[engine] = AuditSeal.from_settings(settings)


def seal_for(session: Session) -> AuditSeal:
    """The seal of the engine the session works on (bound by `hub.db.make_engine`)."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    seal = _SEALS.get(engine)
    if seal is None:
        raise AuditKeyMissing("this engine has no audit key: create it with hub.db.make_engine")
    return seal
