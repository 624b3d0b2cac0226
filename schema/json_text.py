"""JSON text read from the database, placed in an answer as it is: the response encoder copies it unparsed.

A compiled read (`schema.sql_reads`) returns its edges and records as JSON text. Parsed into dicts only to be
encoded again, a 100-cadre page spent a tenth of its CPU there. Served over HTTP (`RequestContext.splice_json`),
the answer holds a `JsonText` instead, which `hub.graphql_http.encode_response` writes out as an `orjson.Fragment`.
Callers in the process that read the answer's values (exports, dossiers, subscriptions, tests) get parsed values.
"""

from __future__ import annotations

from typing import Any

import orjson


class JsonText:
    """Valid JSON text, already in the form the answer must carry (key order, nulls, escapes)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"JsonText({self.text[:40]!r}...)"


def as_fragment(value: Any) -> orjson.Fragment:
    """orjson's `default`: a `JsonText` as its text, unparsed; anything else orjson cannot encode is refused."""
    if isinstance(value, JsonText):
        return orjson.Fragment(value.text)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def as_value(value: Any) -> Any:
    """The standard encoder's `default`: a `JsonText` parsed (the encoder then writes it out again)."""
    if isinstance(value, JsonText):
        return orjson.loads(value.text)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
