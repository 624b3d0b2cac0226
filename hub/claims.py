"""Where a token keeps the principal's attributes: the claim mapping (HUB_JWT_CLAIM_*).

Identity providers put their own attributes where they like: Keycloak under `realm_access`, others in
namespaced claims. Each attribute is read at a configured path; a dotted path (`realm_access.agency`)
walks into nested objects. A claim whose own name contains a dot is found too, as providers that
namespace claims with URLs (`https://hub.example/agency`) do: the exact name is tried first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.settings import Settings

MISSING: Any = object()


@dataclass(frozen=True)
class ClaimMapping:
    """Where each principal attribute is read in a token's claims (the defaults are the `Settings` ones)."""

    user: str
    agency: str
    roles: str
    jurisdiction: str
    level: str
    unit_id: str

    @classmethod
    def of(cls, settings: Settings) -> ClaimMapping:
        return cls(
            user=settings.jwt_claim_user, agency=settings.jwt_claim_agency, roles=settings.jwt_claim_roles,
            jurisdiction=settings.jwt_claim_jurisdiction, level=settings.jwt_claim_level,
            unit_id=settings.jwt_claim_unit_id,
        )

    def top_level(self, *paths: str) -> list[str]:
        """Those of `paths` that name a claim directly (no dot), which the JWT library can require."""
        return [path for path in paths if "." not in path]


def claim_at(claims: dict[str, Any], path: str) -> Any:
    """The claim at `path` (exact name first, then dotted steps into nested objects), or MISSING."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for step in path.split("."):
        if not isinstance(value, dict) or step not in value:
            return MISSING
        value = value[step]
    return value
