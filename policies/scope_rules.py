"""The row scopes of cadres and persons, as data: the one definition both stores are filtered by.

`policies.scopes` turns these rules into SQL predicates and `graph_sync.access` into Cypher, so a relational
answer and a graph answer for the same principal show the same cadres and persons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.access import Principal


@dataclass(frozen=True)
class CadreScopeRule:
    """A cadre is in the scope when each `(cadre attribute, principal attribute)` pair holds equal values.

    A rule without pairs takes every cadre. A principal lacking a value the rule compares with gets no cadre
    from it (a token without a unit sees no `own_unit` cadre).
    """

    matches: tuple[tuple[str, str], ...] = ()

    @property
    def every_cadre(self) -> bool:
        return not self.matches

    def principal_values(self, principal: Principal) -> Mapping[str, Any] | None:
        """The principal's values the rule compares with, by principal attribute; None when one is missing."""
        values = {}
        for _cadre_attribute, principal_attribute in self.matches:
            value = getattr(principal, principal_attribute)
            if value is None or value == "":
                return None
            values[principal_attribute] = value
        return values


CADRE_SCOPE_RULES: dict[str, CadreScopeRule] = {
    "all": CadreScopeRule(),
    "management": CadreScopeRule((("management_level", "level"), ("jurisdiction", "jurisdiction"))),
    "own_unit": CadreScopeRule((("unit_id", "unit_id"),)),
}


@dataclass(frozen=True)
class PersonTie:
    """A table whose rows tie a person (`person_column`) to a cadre (`cadre_column`)."""

    table: str
    person_column: str
    cadre_column: str


# A relative or associate is visible when one of these rows ties it to a visible cadre (so every person is
# visible when every cadre is); a person tied to nobody yet is visible when its `UNTIED_PERSON_MATCH[0]`
# equals the principal's `UNTIED_PERSON_MATCH[1]`.
PERSON_TIES: tuple[PersonTie, ...] = (
    PersonTie("kinship", "person_id", "cadre_id"),
    PersonTie("social_tie", "person_id", "cadre_id"),
)
UNTIED_PERSON_MATCH: tuple[str, str] = ("jurisdiction", "jurisdiction")


def untied_person_value(principal: Principal) -> Any | None:
    """The principal's value an untied person must match; None (no untied person visible) when it has none."""
    value = getattr(principal, UNTIED_PERSON_MATCH[1])
    return None if value is None or value == "" else value
