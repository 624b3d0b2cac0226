"""GraphQL over HTTP conventions: which media type a response takes, and when a request error is a 400.

A client that accepts `application/graphql-response+json` is answered in it, and a request that fails before
execution (a document that does not parse or validate, variables that cannot be coerced) gets 400 and no
`data` entry. A client that accepts only `application/json` (or says nothing) keeps the legacy behaviour:
200 for every well-formed request, as the GraphQL-over-HTTP specification asks of that media type.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import orjson
from graphql import GraphQLError

from schema.json_text import as_fragment, as_value

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


def _preferences(accept: str) -> dict[str, float]:
    """Media type -> quality, from an Accept header (`*/*` and `application/*` kept as they are)."""
    preferences: dict[str, float] = {}
    for part in accept.split(","):
        media, *parameters = (piece.strip() for piece in part.split(";"))
        if not media:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        preferences[media.lower()] = max(quality, preferences.get(media.lower(), 0.0))
    return preferences


def response_media_type(accept: str | None) -> str:
    """`application/graphql-response+json` when the client accepts it at least as much as `application/json`."""
    preferences = _preferences(accept or "")
    wanted = preferences.get(GRAPHQL_RESPONSE_JSON, 0.0)
    legacy = max(preferences.get(JSON, 0.0), preferences.get("application/*", 0.0), preferences.get("*/*", 0.0))
    return GRAPHQL_RESPONSE_JSON if wanted > 0 and wanted >= legacy else JSON


def is_request_error(data: object, errors: Sequence[GraphQLError] | None) -> bool:
    """The request failed before execution: no data, and no error belongs to a field (a field error has a path)."""
    return data is None and bool(errors) and all(error.path is None for error in errors or ())


def encode_response(data: object) -> bytes:
    """A GraphQL response as compact UTF-8 JSON (orjson), keys in the order execution produced them.

    Anything orjson refuses (an integer beyond 64 bits, a key that is not a string) goes through the standard
    encoder, which strawberry used before: it encodes it or fails exactly as it did.
    """
    try:
        return orjson.dumps(data, default=as_fragment, option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)
    except orjson.JSONEncodeError:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=as_value).encode()
