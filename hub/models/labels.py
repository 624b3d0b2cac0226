"""Chinese and English labels of every closed vocabulary's values, declared once in `enum_labels.csv` beside the
enums (the way `policies/agencies.csv` names the agencies). GraphQL publishes them as the enum values'
descriptions; report templates and pages show the Chinese ones."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LABELS_FILE = Path(__file__).with_name("enum_labels.csv")


@dataclass(frozen=True)
class Label:
    zh: str
    en: str

    @property
    def description(self) -> str:
        """As published in the schema: the Chinese label, then the English one in parentheses."""
        return f"{self.zh} ({self.en})"


@cache
def enum_labels() -> dict[str, dict[str, Label]]:
    """GraphQL enum name -> value name (as GraphQL spells it, `FAMILY_PLANNING`) -> its labels."""
    labels: dict[str, dict[str, Label]] = {}
    with LABELS_FILE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            labels.setdefault(row["enum"], {})[row["name"]] = Label(row["zh"], row["en"])
    return labels
