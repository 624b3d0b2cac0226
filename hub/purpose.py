"""The stated purpose of access (the X-Purpose header): decoded, checked, and kept in the audit as sent.

A purpose is stored and shown to the security officer, so it may not carry control or invisible formatting
characters (a newline forging a second log line, a bidi override reversing what is read). Agencies the policy
obliges to state a purpose must name a case number or one of the configured reasons, not just any text; a case
number they name must be a case their agency works on.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request

from hub import models
from hub.access import AccessView
from hub.settings import Settings

PURPOSE_HEADER = "x-purpose"
MAX_PURPOSE_LENGTH = 200
# Cc: controls (NUL, CR, LF, ESC...); Cf: format (bidi overrides and isolates, zero-width); Zl/Zp: line breaks.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


@dataclass(frozen=True)
class PurposeRefused(Exception):
    code: str
    message: str


def purpose_of(request: Request) -> str:
    """The X-Purpose header; non-ASCII text travels percent-encoded as UTF-8 (HTTP headers are ASCII)."""
    return unquote(request.headers.get(PURPOSE_HEADER, ""), errors="strict").strip()


def admitted_purpose(request: Request, settings: Settings, required: bool) -> str:
    """The request's purpose if it may be stored, else PurposeRefused with the 400 to send."""
    raw = request.headers.get(PURPOSE_HEADER, "")
    try:
        decoded = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise PurposeRefused("BAD_INPUT", "the X-Purpose header must be UTF-8 text, percent-encoded") from None
    unsafe = next((char for char in decoded if unicodedata.category(char) in REFUSED_CATEGORIES), None)
    if unsafe is not None:
        raise PurposeRefused(
            "BAD_INPUT", f"the X-Purpose header may not contain control or formatting characters (U+{ord(unsafe):04X})"
        )
    purpose = decoded.strip()
    if len(purpose) > MAX_PURPOSE_LENGTH:
        raise PurposeRefused("BAD_INPUT", f"the X-Purpose header is longer than {MAX_PURPOSE_LENGTH} characters")
    if required and not purpose:
        raise PurposeRefused("PURPOSE_REQUIRED", "your agency must state the purpose of access in the X-Purpose header")
    if required and not names_a_case_or_reason(purpose, settings):
        reasons = "、".join(settings.purpose_reasons)
        raise PurposeRefused(
            "PURPOSE_REQUIRED",
            f"the X-Purpose header must name a case number or begin with one of the reasons: {reasons}",
        )
    return purpose


def names_a_case_or_reason(purpose: str, settings: Settings) -> bool:
    if any(purpose.startswith(reason) for reason in settings.purpose_reasons):
        return True
    return _case_number(settings.purpose_case_pattern).search(purpose) is not None


@lru_cache(maxsize=8)
def _case_number(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def case_numbers(purpose: str, settings: Settings) -> set[str]:
    """The case numbers a purpose names."""
    return {match.group(0) for match in _case_number(settings.purpose_case_pattern).finditer(purpose)}


def unworked_cases(session: Session, access: AccessView, purpose: str, settings: Settings) -> list[str]:
    """The case numbers the purpose names that are not cases the caller's agency works on (none exist, or another
    agency's): an obliged purpose must name a real case of the reader's, not a number of the right shape."""
    named = case_numbers(purpose, settings)
    if not named:
        return []
    case = models.Case
    worked = set(session.scalars(select(case.number).where(case.number.in_(named), access.rows.clause("case_file"))))
    return sorted(named - worked)
