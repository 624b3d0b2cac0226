"""The policy's agencies, read from `agencies.csv` beside `policy.csv`: each agency's code and names, checked.

The file is part of the policy: it is read and reloaded with it. The GraphQL `Agency` enum takes its values from
it when the full schema is built (`schema.enums.declare_agencies`), one value per code in the file's order.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from graphql import GraphQLEnumType, GraphQLSchema

from hub.agencies import CODE_MAX_LENGTH, Agencies, Agency

AGENCIES_FILE = "agencies.csv"
HEADER = ["code", "name_zh", "name_en"]
CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]*")  # its upper case is the GraphQL enum value's name
AGENCY_ENUM = "Agency"


class AgenciesFileError(ValueError):
    """`agencies.csv` is missing or breaks a rule; the message names the file and line."""


def load_agencies(policy_dir: Path) -> Agencies:
    path = policy_dir / AGENCIES_FILE
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise AgenciesFileError(f"cannot read the policy's agencies from {path} ({error})") from None
    rows = [
        (number, next(csv.reader([line], skipinitialspace=True)))
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not rows or [cell.strip() for cell in rows[0][1]] != HEADER:
        raise AgenciesFileError(f"{path}: the first line that is not a comment must be {','.join(HEADER)}")
    members: list[Agency] = []
    for number, row in rows[1:]:
        members.append(_agency(f"{path}:{number}", [cell.strip() for cell in row], {a.code for a in members}))
    if not members:
        raise AgenciesFileError(f"{path}: declares no agency")
    return Agencies(tuple(members))


def _agency(where: str, cells: list[str], seen: set[str]) -> Agency:
    if len(cells) != len(HEADER) or not all(cells):
        raise AgenciesFileError(f"{where}: expected a code, a Chinese name and an English name")
    code, name_zh, name_en = cells
    if not CODE_PATTERN.fullmatch(code) or len(code) > CODE_MAX_LENGTH:
        raise AgenciesFileError(
            f"{where}: the code '{code}' must be lower case letters, digits and _, starting with a letter, "
            f"at most {CODE_MAX_LENGTH} characters"
        )
    if code in seen:
        raise AgenciesFileError(f"{where}: the agency '{code}' is declared twice")
    return Agency(code, name_zh, name_en)


def schema_agency_codes(schema: GraphQLSchema) -> tuple[str, ...]:
    """The agency codes a built schema's `Agency` enum has, in its order."""
    agency_enum = schema.type_map[AGENCY_ENUM]
    assert isinstance(agency_enum, GraphQLEnumType)
    return tuple(value.value for value in agency_enum.values.values())


__all__ = ["AGENCIES_FILE", "AGENCY_ENUM", "AgenciesFileError", "load_agencies", "schema_agency_codes"]
