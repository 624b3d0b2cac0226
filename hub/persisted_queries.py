"""Automatic Persisted Queries, as Apollo clients speak them (`extensions.persistedQuery`).

A client first sends only `{"version": 1, "sha256Hash": h}`. A hash the hub knows runs its query text;
an unknown one answers the error `PersistedQueryNotFound` (code PERSISTED_QUERY_NOT_FOUND) and the client
sends the text with the hash again, which the hub checks (the text must hash to h, else 400) and learns.
Learned texts are kept per agency, a bounded number, least recently used dropped first.

With an allow-list (HUB_ALLOWED_OPERATIONS_FILE) the allow-list is the only store: a hash resolves only
to an allow-listed text, nothing is learned, and an unknown hash is refused as not allowed.
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

from cross_web import HTTPException
from graphql import GraphQLError
from strawberry.http import GraphQLRequestData

from schema.limits import NOT_ALLOWED_MESSAGE

MAX_LEARNED_CHARACTERS = 8_000_000  # all learned texts together, whatever their number
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")


def query_hash(query: str) -> str:
    """The hex sha256 of a query text's UTF-8 bytes, as Apollo clients and the allow-list compute it."""
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()


def allowed_operation_texts(path: Path | None) -> dict[str, str] | None:
    """The allow-list file (a JSON list of query texts) as hash -> text; None without an allow-list."""
    if path is None:
        return None
    texts = json.loads(path.read_text(encoding="utf-8"))
    return {query_hash(text): text for text in texts}


def requested_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """The sha256Hash of `extensions.persistedQuery`, or None when the request does not use the protocol."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise HTTPException(400, "unsupported persisted query version: `persistedQuery.version` must be 1")
    sha = persisted.get("sha256Hash")
    if not isinstance(sha, str) or not _SHA256_HEX.fullmatch(sha):
        raise HTTPException(400, "`persistedQuery.sha256Hash` must be 64 hexadecimal digits")
    return sha.lower()


class LearnedQueries:
    """Query texts by (agency, hash), bounded in number and size, least recently used dropped first."""

    def __init__(self, max_entries: int, max_characters: int = MAX_LEARNED_CHARACTERS) -> None:
        self.max_entries = max_entries
        self.max_characters = max_characters
        self._texts: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._characters = 0
        self._lock = threading.Lock()  # requests run on several worker threads

    def __len__(self) -> int:
        return len(self._texts)

    def get(self, agency: str, sha: str) -> str | None:
        with self._lock:
            text = self._texts.get((agency, sha))
            if text is not None:
                self._texts.move_to_end((agency, sha))
            return text

    def learn(self, agency: str, sha: str, text: str) -> None:
        if self.max_entries <= 0 or len(text) > self.max_characters:
            return
        with self._lock:
            previous = self._texts.pop((agency, sha), None)
            self._characters -= len(previous or "")
            self._texts[(agency, sha)] = text
            self._characters += len(text)
            while len(self._texts) > self.max_entries or self._characters > self.max_characters:
                _key, dropped = self._texts.popitem(last=False)
                self._characters -= len(dropped)


class PersistedQueries:
    """Resolves a request's persisted query against the allow-list or the learned texts."""

    def __init__(self, allowed: Mapping[str, str] | None, max_learned: int) -> None:
        self.allowed = allowed
        self.learned = LearnedQueries(max_learned)

    def prepare(self, request: GraphQLRequestData, agency: str) -> GraphQLError | None:
        """Fill in the request's query from its hash; the error to answer instead, or None to run it.

        Raises HTTPException (400) when the protocol is misused: a bad version or hash, or a text that
        does not hash to the hash sent with it.
        """
        sha = requested_hash(request.extensions)
        if sha is None:
            return None
        if request.query is not None:
            if query_hash(request.query) != sha:
                raise HTTPException(400, "provided sha does not match query")
            if self.allowed is None:
                self.learned.learn(agency, sha, request.query)
            return None  # with an allow-list, the text is judged by the allow-list at validation
        text = self.allowed.get(sha) if self.allowed is not None else self.learned.get(agency, sha)
        if text is not None:
            request.query = text
            return None
        if self.allowed is not None:
            return GraphQLError(NOT_ALLOWED_MESSAGE, extensions={"code": "NOT_ALLOWED"})
        return GraphQLError("PersistedQueryNotFound", extensions={"code": "PERSISTED_QUERY_NOT_FOUND"})
