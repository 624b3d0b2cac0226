"""Schema extensions that run once per operation (never per resolver call)."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    SKIP,
    ArgumentNode,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLInputType,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    ValueNode,
    ValuesOfCorrectTypeRule,
    Visitor,
    VisitorAction,
    visit,
)
from graphql.language import OperationDefinitionNode
from graphql.utilities.validate_input_value import validate_input_literal
from strawberry.extensions import SchemaExtension

from hub import audit
from policies.catalog import is_structural
from schema.context import RequestContext


class _FieldCollector(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.fields: set[str] = set()

    def enter_field(self, node: FieldNode, *_args: object) -> None:
        parent = self.type_info.get_parent_type()
        if (
            parent is not None
            and not node.name.value.startswith("__")
            and not parent.name.startswith("__")
            and not is_structural(parent.name)
        ):
            self.fields.add(f"{parent.name}.{node.name.value}")


_FIELDS_CACHE: dict[tuple[int, str], frozenset[str]] = {}
FIELDS_CACHE_SIZE = 4096


def fields_of_document(schema: GraphQLSchema, document: DocumentNode, query: str | None = None) -> frozenset[str]:
    """Every governed `Type.field` the document selects, as resolved against the caller's schema."""
    key = (id(schema), query) if query is not None else None
    if key is not None and key in _FIELDS_CACHE:
        return _FIELDS_CACHE[key]
    type_info = TypeInfo(schema)
    collector = _FieldCollector(type_info)
    visit(document, TypeInfoVisitor(type_info, collector))
    fields = frozenset(collector.fields)
    if key is not None:
        if len(_FIELDS_CACHE) >= FIELDS_CACHE_SIZE:
            _FIELDS_CACHE.clear()
        _FIELDS_CACHE[key] = fields
    return fields


def _operation_kind(document: DocumentNode, operation_name: str | None) -> str:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            operation_name is None or (definition.name and definition.name.value == operation_name)
        ):
            return definition.operation.value
    return "query"


class OperationLabels(SchemaExtension):
    """Notes the operation's type and name in the request context (for metrics), once per execution."""

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        context = execution.context
        if isinstance(context, RequestContext) and execution.graphql_document is not None:
            context.operation_type = _operation_kind(execution.graphql_document, execution.operation_name)
            context.operation_name = execution.operation_name or ""
        yield


class AccessAudit(SchemaExtension):
    """After a successful execution, append who read which cadres' fields, and why, to the hash-chained audit."""

    def on_execute(self) -> Iterator[None]:
        yield
        execution = self.execution_context
        context = execution.context
        document = execution.graphql_document
        if not isinstance(context, RequestContext) or document is None:
            return
        fields = fields_of_document(execution.schema._schema, document, execution.query)
        if not fields:
            return
        principal = context.access.principal
        session = context.session
        operation = _operation_kind(document, execution.operation_name)
        audited_as = "export" if context.export and operation == "query" else operation
        record = audit.AccessRecord(
            user=principal.user,
            agency=principal.agency,
            operation=audited_as,
            operation_name=context.export or execution.operation_name or "",
            cadre_ids=tuple(sorted(context.read_log.delivered_cadre_ids(session, execution.result and execution.result.data))),
            fields=tuple(sorted(fields)),
            purpose=context.purpose,
        )
        # The rows read are no longer needed: detached, the commit or rollback has none to look at one by one.
        session.expunge_all()
        if operation != "query" or execution.result is None or execution.result.errors:
            # Nothing a mutation left uncommitted may be committed with the entry, and a failed statement may have
            # aborted the read's transaction (PostgreSQL): then the entry gets a transaction of its own.
            session.rollback()
        # The read's own transaction and connection carry the entry (no second checkout), batched with the entries
        # of other requests of this process (group commit).
        audit.append_committed(session, record)


class _ValuesNamingTheirField(ValuesOfCorrectTypeRule):
    """graphql-core's value check, with the argument and input field path put in front of each message."""

    _argument = ""

    def enter_argument(self, node: ArgumentNode, *_args: object) -> None:
        self._argument = node.name.value

    def is_valid_value_node(self, node: ValueNode, input_type: GraphQLInputType | None) -> VisitorAction:
        if input_type:
            def on_error(error: GraphQLError, path: list[str | int]) -> None:
                where = ".".join(str(part) for part in [self._argument, *path] if part != "")
                message = f"{where}: {error.message}" if where else error.message
                self.report_error(GraphQLError(message, error.nodes))

            validate_input_literal(node, input_type, on_error, None, None, self.context.hide_suggestions)
        return SKIP


class NamedInputErrors(SchemaExtension):
    """Literal input errors say which argument and field they are about (`input.unitId: Int cannot ...`)."""

    def on_validate(self) -> Iterator[None]:
        rules = self.execution_context.validation_rules
        self.execution_context.validation_rules = tuple(
            _ValuesNamingTheirField if rule is ValuesOfCorrectTypeRule else rule for rule in rules
        )
        yield
