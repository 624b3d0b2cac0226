"""The hub's agencies: policy data, declared beside the policy (`policies/agencies.csv`, read by `policies.agencies`).

Agency columns hold an agency's code as a plain string; which codes exist, and their names, is what the policy
declares, so adding an agency needs no migration. A write naming a code the policy does not declare is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import NewType

# The value of an agency column or input field: a code the policy declares (`police`).
AgencyCode = NewType("AgencyCode", str)
CODE_MAX_LENGTH = 32  # the width of every agency column


@dataclass(frozen=True)
class Agency:
    code: str
    name_zh: str  # as reports and templates name it (公安)
    name_en: str

    @property
    def enum_name(self) -> str:
        """Its value's name in the GraphQL `Agency` enum: POLICE."""
        return self.code.upper()


@dataclass(frozen=True)
class Agencies:
    """The declared agencies, in the order the policy lists them (the order of the GraphQL `Agency` enum)."""

    members: tuple[Agency, ...] = ()

    @cached_property
    def codes(self) -> frozenset[str]:
        return frozenset(agency.code for agency in self.members)

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def __iter__(self) -> Iterator[Agency]:
        return iter(self.members)

    def __len__(self) -> int:
        return len(self.members)


def unknown_agency(code: str) -> str:
    """The refusal of a code the policy does not declare."""
    return f"'{code}' is not one of the hub's agencies"
