"""The catalogue of screening and detection rules, as data (`rules.csv` beside this module).

Each rule has a code (what findings name), its Chinese and English names, the regulation (and article, where the
operator has filled it in) an investigator cites in a report, its severity, and the `Type.field`s its firing
reveals. GraphQL publishes it as `DetectionRule`, cut per agency by the policy like every other type.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOGUE_FILE = Path(__file__).with_name("rules.csv")
KINDS = ("screening", "detection", "audit")
SEVERITIES = ("low", "medium", "high")


@dataclass(frozen=True)
class Rule:
    code: str
    kind: str
    severity: str
    name_zh: str
    name_en: str
    regulation: str
    article: str
    reveals: tuple[str, ...]


class CatalogueError(ValueError):
    """The catalogue file is malformed (names the line)."""


def read_catalogue(path: Path = CATALOGUE_FILE) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            code = (row.get("code") or "").strip()
            if not code or code in rules:
                raise CatalogueError(f"{path.name}:{line}: a rule needs a code of its own, got {code!r}")
            if row.get("kind") not in KINDS or row.get("severity") not in SEVERITIES:
                raise CatalogueError(f"{path.name}:{line}: kind must be one of {KINDS}, severity one of {SEVERITIES}")
            rules[code] = Rule(
                code=code, kind=row["kind"], severity=row["severity"], name_zh=row["name_zh"], name_en=row["name_en"],
                regulation=row["regulation"], article=row.get("article") or "",
                reveals=tuple(name for name in (row.get("reveals") or "").split(";") if name),
            )
    return rules


@cache
def catalogue() -> dict[str, Rule]:
    """The shipped catalogue, read once."""
    return read_catalogue()


def rule(code: str) -> Rule:
    """The rule a finding names; a code missing from the catalogue is a programming error."""
    return catalogue()[code]
