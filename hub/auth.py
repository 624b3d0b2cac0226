"""Bearer JWT authentication: who is calling, for which agency, with which jurisdiction."""

from __future__ import annotations

import time
from typing import Any

import jwt

from hub.settings import Settings
from schema.access import Principal

LEEWAY_SECONDS = 30
DEFAULT_TTL_SECONDS = 8 * 3600


class AuthenticationFailed(Exception):
    """401: no usable credentials. The message says what is wrong, never what a valid token holds."""


def _verification_key(settings: Settings) -> str:
    if settings.jwt_algorithm.startswith("RS"):
        if not settings.jwt_public_key:
            raise AuthenticationFailed("the hub has no public key configured for RS256 tokens")
        return settings.jwt_public_key
    return settings.jwt_secret


def mint_token(
    settings: Settings,
    *,
    agency: str,
    user: str,
    roles: tuple[str, ...] = (),
    jurisdiction: str | None = None,
    level: str | None = None,
    unit_id: int | None = None,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    signing_key: str | None = None,
) -> str:
    """A signed token for development and tests (HS256 with the configured secret unless a key is given)."""
    now = int(time.time())
    claims: dict[str, Any] = {"sub": user, "agency": agency, "roles": list(roles), "iat": now, "exp": now + ttl_seconds}
    if jurisdiction:
        claims["jurisdiction"] = jurisdiction
    if level:
        claims["level"] = level
    if unit_id is not None:
        claims["unit_id"] = unit_id
    return jwt.encode(claims, signing_key or settings.jwt_secret, algorithm=settings.jwt_algorithm)


def principal_from_header(settings: Settings, authorization: str | None) -> Principal:
    if not authorization:
        raise AuthenticationFailed("missing bearer token: send 'Authorization: Bearer <token>'")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("the Authorization header must be 'Bearer <token>'")
    try:
        claims = jwt.decode(
            token.strip(),
            _verification_key(settings),
            algorithms=[settings.jwt_algorithm],
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "sub", "agency"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationFailed("the token has expired") from None
    except jwt.MissingRequiredClaimError as error:
        raise AuthenticationFailed(f"the token lacks the '{error.claim}' claim") from None
    except jwt.InvalidTokenError:
        raise AuthenticationFailed("the token is malformed or its signature is not valid") from None
    return _principal(claims)


def _principal(claims: dict[str, Any]) -> Principal:
    unit_id = claims.get("unit_id")
    if unit_id is not None and not isinstance(unit_id, int):
        raise AuthenticationFailed("the 'unit_id' claim must be an integer")
    roles = claims.get("roles") or []
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise AuthenticationFailed("the 'roles' claim must be a list of strings")
    return Principal(
        user=str(claims["sub"]),
        agency=str(claims["agency"]),
        roles=tuple(roles),
        jurisdiction=claims.get("jurisdiction"),
        level=claims.get("level"),
        unit_id=unit_id,
    )
