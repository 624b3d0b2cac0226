"""A rule's hit, before it becomes an alert: the rule, what it is about, and the evidence it rests on."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graph_sync.model import NodeKind, node_key


@dataclass(frozen=True)
class Finding:
    rule: str  # a code of hub/core/rules.csv
    subject: str  # the records it is about, as keys joined by "/" (cadre:12/org:5/unit:2)
    cadre_id: int | None  # the cadre it concerns (None: a post, say); the alert follows this cadre's row scope
    evidence: dict[str, Any]  # JSON values only, none that change by themselves as days pass

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.evidence)


def fingerprint(evidence: dict[str, Any]) -> str:
    """The hash of the canonical evidence: keys sorted, no spaces, text as it is."""
    canonical = json.dumps(evidence, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def subject(*keys: str) -> str:
    return "/".join(keys)


def cadre(record_id: int) -> str:
    return node_key(NodeKind.CADRE, record_id)


def unique(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per (rule, subject), the last one given."""
    return list({(finding.rule, finding.subject): finding for finding in findings}.values())
