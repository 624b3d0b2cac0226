"""Cut an agency's own schema out of the full one (the Hasura way: one schema per role).

A field the agency may not read is absent: introspection does not show it and a query naming it
fails validation. Filter fields and sort keys survive only if every `Type.field` they reveal is
readable unmasked; input fields only if writable; a type with nothing left disappears, and with it
every field, argument and union member that needed it. Masked fields keep their place but their
resolver masks the value.
"""

from __future__ import annotations

import copy
from typing import Any, cast

import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    default_field_resolver,
)
from graphql.pyutils import Undefined
from graphql.utilities.map_schema_config import SchemaElementKind, map_schema_config
from strawberry.schema.schema_converter import CustomGraphQLEnumType

from hub.access import AccessView
from hub.validation import mask_id_number
from policies.catalog import (
    GOVERNED_BY,
    MUTATION,
    ORDER_ENUM_SUFFIX,
    SUBSCRIPTION,
    is_structural,
    metadata_of,
    named_type_name,
    user_types,
)


def mask_text(value: Any) -> Any:
    """The value as a masked field shows it: an ID number keeps its region and check character only
    (320102***********4, see `hub.validation.mask_id_number`); any other value becomes `*`s."""
    if value is None:
        return None
    return mask_id_number(value if isinstance(value, str) else str(value))


class _Survivors:
    """Which types, fields, input fields, enum values and union members remain for one access view."""

    def __init__(self, schema: GraphQLSchema, access: AccessView) -> None:
        self.schema = schema
        self.access = access
        self.types = {t.name: t for t in user_types(schema)}
        self.alive: set[str] = set(self.types)
        self.fields: dict[str, set[str]] = {}
        self.args: dict[tuple[str, str], set[str]] = {}
        self.values: dict[str, set[str]] = {}
        self.members: dict[str, set[str]] = {}
        self._solve()

    def _readable(self, keys: Any) -> bool:
        return all(self.access.can_read_unmasked(*key.split(".", 1)) for key in keys)

    def _field_allowed(self, type_name: str, field_name: str, field: GraphQLField) -> bool:
        governed_by = metadata_of(field).get(GOVERNED_BY)
        if governed_by:
            return self._readable((governed_by,))
        if is_structural(type_name):
            return True
        if type_name == MUTATION:
            return self.access.can_write(type_name, field_name)
        return self.access.can_read(type_name, field_name)

    def _solve(self) -> None:
        changed = True
        while changed:
            before = (set(self.alive), {k: set(v) for k, v in self.fields.items()})
            for name, graphql_type in self.types.items():
                if name in self.alive:
                    self._visit(name, graphql_type)
            changed = before != (self.alive, self.fields)

    def _visit(self, name: str, graphql_type: Any) -> None:
        if isinstance(graphql_type, GraphQLObjectType):
            kept = {
                field_name
                for field_name, field in graphql_type.fields.items()
                if self._field_allowed(name, field_name, field) and self._field_usable(name, field_name, field)
            }
            self.fields[name] = kept
            alive = bool(kept)
        elif isinstance(graphql_type, GraphQLInputObjectType):
            kept = set()
            alive = True
            for field_name, field in graphql_type.fields.items():
                metadata = metadata_of(field)
                allowed = self._readable(metadata.get("requires", ())) and (
                    "writes" not in metadata or self.access.can_write(*metadata["writes"].split(".", 1))
                )
                usable = allowed and named_type_name(field.type) in self.alive
                if usable:
                    kept.add(field_name)
                elif isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined:
                    alive = False
            governed = any("writes" in metadata_of(f) for f in graphql_type.fields.values())
            if governed and not any("writes" in metadata_of(graphql_type.fields[f]) for f in kept):
                alive = False
            self.fields[name] = kept
            alive = alive and bool(kept)
        elif isinstance(graphql_type, GraphQLEnumType):
            values = set(graphql_type.values)
            if name.endswith(ORDER_ENUM_SUFFIX):
                owner = name.removesuffix(ORDER_ENUM_SUFFIX)
                values = {
                    key for key, value in graphql_type.values.items()
                    if self.access.can_read_unmasked(owner, str(getattr(value.value, "value", value.value)))
                }
            self.values[name] = values
            alive = bool(values)
        elif isinstance(graphql_type, GraphQLUnionType):
            members = {member.name for member in graphql_type.types if member.name in self.alive}
            self.members[name] = members
            alive = bool(members)
        else:
            alive = isinstance(graphql_type, GraphQLScalarType) or name in self.alive
        if not alive:
            self.alive.discard(name)

    def _field_usable(self, type_name: str, field_name: str, field: GraphQLField) -> bool:
        if named_type_name(field.type) not in self.alive:
            return False
        kept_args = set()
        for arg_name, arg in field.args.items():
            if named_type_name(arg.type) in self.alive:
                kept_args.add(arg_name)
            elif isinstance(arg.type, GraphQLNonNull):
                return False
        self.args[(type_name, field_name)] = kept_args
        return True


def _masked(field: GraphQLField) -> GraphQLField:
    resolve = field.resolve or default_field_resolver

    def resolve_masked(source: Any, info: Any, **kwargs: Any) -> Any:
        return mask_text(resolve(source, info, **kwargs))

    # What it reads and how it masks, for an executor that reads values without calling resolvers one by one.
    resolve_masked.reads = resolve  # type: ignore[attr-defined]
    resolve_masked.masks = mask_text  # type: ignore[attr-defined]
    kwargs = field.to_kwargs()
    kwargs["resolve"] = resolve_masked
    return GraphQLField(**kwargs)


def cut_graphql_schema(full: GraphQLSchema, access: AccessView) -> GraphQLSchema:
    survivors = _Survivors(full, access)
    implementing: set[str] = set()  # interfaces whose implementations the cut keeps

    def object_config(config: dict[str, Any]) -> dict[str, Any]:
        name = config["name"]
        fields_thunk = config["fields"]

        def fields() -> dict[str, GraphQLField]:
            kept: dict[str, GraphQLField] = {}
            for field_name, field in fields_thunk().items():
                if field_name not in survivors.fields.get(name, set()):
                    continue
                allowed_args = survivors.args.get((name, field_name), set())
                if set(field.args) != allowed_args:
                    field = GraphQLField(
                        **{**field.to_kwargs(), "args": {k: v for k, v in field.args.items() if k in allowed_args}}
                    )
                if f"{name}.{field_name}" in access.masked and not access.can_read_unmasked(name, field_name):
                    field = _masked(field)
                kept[field_name] = field
            return kept

        return {**config, "fields": fields}

    def input_config(config: dict[str, Any]) -> dict[str, Any]:
        name, fields_thunk = config["name"], config["fields"]
        return {**config, "fields": lambda: {k: v for k, v in fields_thunk().items() if k in survivors.fields.get(name, set())}}

    def enum_config(config: dict[str, Any]) -> dict[str, Any]:
        name, values = config["name"], config["values"]
        values_map = values() if callable(values) else values
        return {**config, "values": {k: v for k, v in values_map.items() if k in survivors.values.get(name, set())}}

    def union_config(config: dict[str, Any]) -> dict[str, Any]:
        name, types_thunk = config["name"], config["types"]
        full_union = full.type_map[name]
        resolve_full = config["resolve_type"]

        def resolve_type(root: Any, info: Any, _cut_union: Any) -> Any:
            # Strawberry resolves union members by identity against the full schema's types; it returns a name.
            return resolve_full(root, info, full_union)

        return {
            **config,
            "types": lambda: [t for t in types_thunk() if t.name in survivors.members.get(name, set())],
            "resolve_type": resolve_type if resolve_full else None,
        }

    def schema_config(config: dict[str, Any]) -> dict[str, Any]:
        mutation = config["mutation"] if MUTATION in survivors.alive else None
        subscription = config["subscription"] if SUBSCRIPTION in survivors.alive else None
        # Only what the roots reach, so introspection lists nothing unusable, and the implementations of the
        # interfaces they reach (which the roots name only through the interface).
        types = [
            graphql_type for graphql_type in config["types"]
            if isinstance(graphql_type, GraphQLObjectType) and graphql_type.name in survivors.alive
            and any(interface.name in implementing for interface in graphql_type.interfaces)
        ]  # fmt: skip
        return {**config, "mutation": mutation, "subscription": subscription, "types": types}

    mappers = {
        SchemaElementKind.OBJECT: object_config,
        SchemaElementKind.INPUT_OBJECT: input_config,
        SchemaElementKind.ENUM: enum_config,
        SchemaElementKind.UNION: union_config,
        SchemaElementKind.SCHEMA: schema_config,
    }
    cut = GraphQLSchema(**map_schema_config(full.to_kwargs(), lambda _context: cast(Any, mappers)))
    reached = {name for name, graphql_type in cut.type_map.items() if isinstance(graphql_type, GraphQLInterfaceType)}
    if reached:  # the roots reach interfaces but not the object types implementing them: cut again, keeping those
        implementing.update(reached)
        cut = GraphQLSchema(**map_schema_config(full.to_kwargs(), lambda _context: cast(Any, mappers)))
    _restore_enum_classes(full, cut)
    return cut


def _restore_enum_classes(full: GraphQLSchema, cut: GraphQLSchema) -> None:
    """The mapper rebuilds enums as plain GraphQLEnumType; strawberry's subclass converts Python enum members."""
    for name, graphql_type in cut.type_map.items():
        original = full.type_map.get(name)
        if isinstance(original, CustomGraphQLEnumType) and not isinstance(graphql_type, CustomGraphQLEnumType):
            graphql_type.__class__ = CustomGraphQLEnumType
            graphql_type.wrapped_cls = original.wrapped_cls  # type: ignore[attr-defined]


def cut_schema(full: strawberry.Schema, access: AccessView) -> strawberry.Schema:
    """A strawberry schema that executes the full schema's resolvers against the agency's cut."""
    view = copy.copy(full)
    view._schema = cut_graphql_schema(full._schema, access)
    view._schema._strawberry_schema = view  # type: ignore[attr-defined]
    return view
