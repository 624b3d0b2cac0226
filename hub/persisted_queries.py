"""Automatic Persisted Queries, as Apollo clients speak them (`extensions.persistedQuery`).

A client first sends only `{"version": 1, "sha256Hash": h}`. A hash the hub knows runs its query text;
an unknown one answers the error `PersistedQueryNotFound` (code PERSISTED_QUERY_NOT_FOUND) and the client
sends the text with the hash again, which the hub checks and learns once
it has parsed, validated against the agency's schema and passed the limits (a text that fails is never kept).
Learned texts are kept per agency, each agency's own bounded number and size, least recently used dropped
first: one agency's texts never push out another's.

A misused protocol is a request error in the GraphQL response format, status 400 in either media type: a text
that does not hash to h answers `provided sha does not match query` with code PERSISTED_QUERY_HASH_MISMATCH (as
Apollo Router answers it), a version other than 1 or a hash that is not 64 hex digits code BAD_REQUEST.

With an allow-list (HUB_ALLOWED_OPERATIONS_FILE) the allow-list is the only store: a hash resolves only
to an allow-listed text, nothing is learned, and an unknown hash is refused as not allowed. The list may also
name routes outside GraphQL that it lets through (`/reports/import`); those are not query texts.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graphql import GraphQLError
from strawberry.http import GraphQLRequestData

from schema.limits import NOT_ALLOWED_MESSAGE

MAX_LEARNED_CHARACTERS = 2_000_000  # one agency's learned texts together, whatever their number
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
BAD_REQUEST = "BAD_REQUEST"


class ProtocolMisused(GraphQLError):
    """A request that misuses the persisted query protocol; answered with status 400."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


def query_hash(query: str) -> str:
    """The hex sha256 of a query text's UTF-8 bytes, as Apollo clients and the allow-list compute it."""
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()


def _allow_list(path: Path) -> list[str]:
    return list(json.loads(path.read_text(encoding="utf-8")))


def allowed_operation_texts(path: Path | None) -> dict[str, str] | None:
    """The allow-list file's query texts as hash -> text; None without an allow-list."""
    if path is None:
        return None
    return {query_hash(text): text for text in _allow_list(path) if not text.startswith("/")}


def route_allowed(path: Path | None, route: str) -> bool:
    """Whether a route outside GraphQL may be served: always without an allow-list, else if the list names it."""
    return path is None or route in _allow_list(path)


def requested_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """The sha256Hash of `extensions.persistedQuery`, or None when the request does not use the protocol."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise ProtocolMisused("unsupported persisted query version: `persistedQuery.version` must be 1", BAD_REQUEST)
    sha = persisted.get("sha256Hash")
    if not isinstance(sha, str) or not _SHA256_HEX.fullmatch(sha):
        raise ProtocolMisused("`persistedQuery.sha256Hash` must be 64 hexadecimal digits", BAD_REQUEST)
    return sha.lower()


class LearnedQueries:
    """Query texts by (agency, hash): per agency bounded in number and size, least recently used dropped first."""

    def __init__(self, max_entries: int, max_characters: int = MAX_LEARNED_CHARACTERS) -> None:
        self.max_entries = max_entries
        self.max_characters = max_characters
        self._texts: dict[str, OrderedDict[str, str]] = {}
        self._characters: dict[str, int] = {}
        self._lock = threading.Lock()  # requests run on several worker threads

    def __len__(self) -> int:
        return sum(len(texts) for texts in self._texts.values())

    def get(self, agency: str, sha: str) -> str | None:
        with self._lock:
            texts = self._texts.get(agency)
            text = texts.get(sha) if texts is not None else None
            if texts is not None and text is not None:
                texts.move_to_end(sha)
            return text

    def learn(self, agency: str, sha: str, text: str) -> None:
        if self.max_entries <= 0 or len(text) > self.max_characters:
            return
        with self._lock:
            texts = self._texts.setdefault(agency, OrderedDict())
            characters = self._characters.get(agency, 0) - len(texts.pop(sha, ""))
            texts[sha] = text
            characters += len(text)
            while len(texts) > self.max_entries or characters > self.max_characters:
                _sha, dropped = texts.popitem(last=False)
                characters -= len(dropped)
            self._characters[agency] = characters


class PersistedQueries:
    """Resolves a request's persisted query against the allow-list or the learned texts."""

    def __init__(self, allowed: Mapping[str, str] | None, max_learned: int) -> None:
        self.allowed = allowed
        self.learned = LearnedQueries(max_learned)

    def prepare(self, request: GraphQLRequestData, agency: str) -> GraphQLError | None:
        """Fill in the request's query from its hash; the error to answer instead, or None to run it.

        A misused protocol (a bad version or hash, a text that does not hash to the hash sent with it) is a
        `ProtocolMisused`.
        """
        try:
            sha = requested_hash(request.extensions)
        except ProtocolMisused as misused:
            return misused
        if sha is None:
            return None
        if request.query is not None:
            if query_hash(request.query) != sha:
                return ProtocolMisused("provided sha does not match query", HASH_MISMATCH)
            return None  # learned after it validated (`learn`); with an allow-list, judged by the allow-list
        text = self.allowed.get(sha) if self.allowed is not None else self.learned.get(agency, sha)
        if text is not None:
            request.query = text
            return None
        if self.allowed is not None:
            return GraphQLError(NOT_ALLOWED_MESSAGE, extensions={"code": "NOT_ALLOWED"})
        return GraphQLError("PersistedQueryNotFound", extensions={"code": "PERSISTED_QUERY_NOT_FOUND"})

    def learn(self, request: GraphQLRequestData, agency: str) -> None:
        """Keep the text of a request that sent it with its hash (call only once it validated); none with an allow-list."""
        if self.allowed is not None or request.query is None:
            return
        sha = requested_hash(request.extensions)
        if sha is not None:
            self.learned.learn(agency, sha, request.query)
