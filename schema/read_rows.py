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

# Typed `type[Any]`: a read type's attributes are the model's columns, known only when it is built.
_READ_TYPES: dict[type[models.Base], type[Any]] = {}


def read_type(model: type[models.Base]) -> type[Any]:
    """A named tuple type with the model's column attributes (the same names, values converted the same way)."""
    if model not in _READ_TYPES:
        columns = [column.key for column in model.__table__.columns]
        _READ_TYPES[model] = namedtuple(f"{model.__name__}Read", columns)
        _READ_TYPES[model].__tablename__ = model.__tablename__  # like the ORM class
    return _READ_TYPES[model]


def select_rows(model: type[models.Base]) -> Select[Any]:
    """SELECT of the model's columns from its table; the rows it returns become `read_type(model)` values."""
    return select(*model.__table__.columns)

