"""Domain validation rules shared by the models, the services and the seed generator."""

from __future__ import annotations

from datetime import date

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


class DomainValidationError(ValueError):
    """A value breaks a domain rule; `field` names the input field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def id_check_char(first17: str) -> str:
    """GB 11643 check character for the first 17 digits of a resident ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def validate_id_number(value: str, field: str = "idNumber") -> str:
    """Return the normalized 18-character ID number or raise naming the field."""
    normalized = value.strip().upper()
    if len(normalized) != 18:
        raise DomainValidationError(field, "a resident ID number has 18 characters")
    if not normalized[:17].isdigit() or not (normalized[17].isdigit() or normalized[17] == "X"):
        raise DomainValidationError(field, "a resident ID number is 17 digits and a digit or X")
    try:
        date(int(normalized[6:10]), int(normalized[10:12]), int(normalized[12:14]))
    except ValueError:
        raise DomainValidationError(field, "the birth date inside the ID number is not a date") from None
    if id_check_char(normalized[:17]) != normalized[17]:
        raise DomainValidationError(field, "the check digit does not match (GB 11643)")
    return normalized


ID_REGION_LENGTH = 6


def mask_id_number(value: str) -> str:
    """Keep the 6-digit region and the check character only: 320102***********4.

    The birth date (digits 7-14) and the gender (the parity of digit 17) are readable as fields of their
    own wherever the number is masked, so the mask must hide enough besides them: with the sequence
    (digits 15-16) and digit 17 hidden, about 45 numbers still fit the region, birth date, gender and check
    character. Anything that is not an 18-character number is hidden entirely.
    """
    if len(value) != 18:
        return "*" * len(value)
    return value[:ID_REGION_LENGTH] + "*" * (len(value) - ID_REGION_LENGTH - 1) + value[-1]


def validate_date_order(start: date | None, end: date | None, start_field: str, end_field: str) -> None:
    if start is not None and end is not None and end < start:
        raise DomainValidationError(end_field, f"must not be before {start_field}")
