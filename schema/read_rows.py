"""Rows read for a response: a model's columns as read-only attributes, without the ORM's bookkeeping.

A page loads a few thousand rows only to read their columns once; an ORM instance costs several times more
to build (identity map, instance state, attribute instrumentation) than a tuple of the same values. Rows
that a request may write go through the ORM as before (services load their own).
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from sqlalchemy import Select, select

from hub import models

_READ_TYPES: dict[type[models.Base], type] = {}


def read_type(model: type[models.Base]) -> type:
    """A named tuple type with the model's column attributes (the same names, values converted the same way)."""
    read = _READ_TYPES.get(model)
    if read is None:
        columns = [column.key for column in model.__table__.columns]
        read = _READ_TYPES[model] = namedtuple(f"{model.__name__}Read", columns)  # type: ignore[misc]
        read.__tablename__ = model.__tablename__  # type: ignore[attr-defined]  (like the ORM class)
    return read


def select_rows(model: type[models.Base]) -> Select[Any]:
    """SELECT of the model's columns from its table; the rows it returns become `read_type(model)` values."""
    return select(*model.__table__.columns)

