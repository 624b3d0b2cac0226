"""The Date, DateTime and Decimal scalars, with the format they follow named by `@specifiedBy` for code generators.

Date is an RFC 3339 full-date (`2025-03-01`), both ways. DateTime is an RFC 3339 date-time with its offset
(`2025-03-01T08:30:00+00:00`); the hub stores UTC, and a stored value read back without an offset (SQLite
keeps none) is UTC. DateTime is only ever returned, never accepted as input.

Decimal is a string in the decimal arithmetic specification's numeric-string syntax (`1250000.00`), so no digit
is lost to a floating-point number; as input a JSON number is accepted too.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DecimalDefinition
from strawberry.types.scalar import ScalarDefinition

RFC_3339_URL = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
DECIMAL_STRING_URL = "https://speleotrove.com/decimal/daconvs.html#refnumsyn"
FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def serialize_date(value: dt.date) -> str:
    return value.isoformat()


def parse_date(value: object) -> dt.date:
    if not isinstance(value, str) or not FULL_DATE.fullmatch(value):
        raise StrawberryInputCoercionError(f'Value cannot represent a Date: "{value}". Expected YYYY-MM-DD.')
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise StrawberryInputCoercionError(f'Value cannot represent a Date: "{value}". {error}') from None


def serialize_date_time(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()


def parse_date_time(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime: "{value}". Expected a string.')
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime: "{value}". {error}') from None
    if parsed.tzinfo is None:
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime: "{value}". It needs an offset.')
    return parsed


DATE = ScalarDefinition(
    name="Date",
    description="A calendar date, RFC 3339 full-date: YYYY-MM-DD.",
    specified_by_url=RFC_3339_URL,
    serialize=serialize_date,
    parse_value=parse_date,
    parse_literal=None,
    origin=dt.date,
)

DATE_TIME = ScalarDefinition(
    name="DateTime",
    description="An instant, RFC 3339 date-time with its offset: YYYY-MM-DDThh:mm:ss[.ffffff]+00:00.",
    specified_by_url=RFC_3339_URL,
    serialize=serialize_date_time,
    parse_value=parse_date_time,
    parse_literal=None,
    origin=dt.datetime,
)

DECIMAL = ScalarDefinition(
    name="Decimal",
    description="A decimal number as a string (`1250000.00`): the numeric-string syntax of decimal arithmetic.",
    specified_by_url=DECIMAL_STRING_URL,
    serialize=str,
    parse_value=DecimalDefinition.parse_value,  # strawberry's: a string or a JSON number, refused when not a number
    parse_literal=None,
    origin=decimal.Decimal,
)

SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {dt.date: DATE, dt.datetime: DATE_TIME, decimal.Decimal: DECIMAL}
