"""The new-field recipe of `hub.record_fields`, followed in a process of its own (the schema and the graph
projection are generated when their modules are first imported, so they must not be imported before it).

`python -m tests.new_field_recipe DIRECTORY` adds a `Cadre.nickname` column at run time, declares it readable,
filterable (contains), sortable, writable and projected, grants the police its read in a copy of the policy,
then prints what the hub generated from it and how it answers, as JSON, for `tests/test_record_fields.py`.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import String, select, text
from sqlalchemy.orm import mapped_column

from hub import models, record_fields

NICKNAME = record_fields.RecordField(
    "nickname", str, description="别名: what colleagues call the cadre.", label="别名", max_length=32,
    filter=record_fields.Filter.CONTAINS, sort=True, graph="nickname",
)
POLICE_GRANT = "p, police, Cadre.nickname, read, allow\n"


def follow_recipe() -> None:
    """Steps 1 (the model's column) and 3 (its declaration); step 2 is the ALTER TABLE, step 4 the policy line."""
    models.Cadre.nickname = mapped_column(String(32), nullable=True)  # type: ignore[attr-defined]
    cadre = record_fields.RECORD_KINDS["Cadre"]
    record_fields.RECORD_KINDS["Cadre"] = dataclasses.replace(cadre, fields=(*cadre.fields, NICKNAME))


def observe(directory: Path) -> dict[str, Any]:
    from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType
    from starlette.testclient import TestClient

    from graph_sync.access import graph_access
    from graph_sync.model import NODE_PROPERTIES, NodeKind
    from graph_sync.projection import node_columns, node_record, table
    from hub.access import Principal
    from hub.app import create_app
    from hub.db import make_engine, transaction
    from hub.migrate import upgrade
    from hub.services.specs import SPECS_BY_TYPE
    from hub.sessions import make_session_factory
    from hub.settings import Settings
    from policies.catalog import metadata_of
    from policies.enforcement import POLICY_DIR, PolicyStore
    from schema.build import build_full_schema
    from tests.conftest import Caller
    from tests.world import build_world, id_number

    policy_dir = directory / "policies"
    shutil.copytree(POLICY_DIR, policy_dir)
    settings = Settings(var_dir=directory, graph_sync=False, policy_dir=policy_dir)
    engine = make_engine(settings)
    upgrade(engine)
    with engine.begin() as connection:  # the recipe's one migration
        connection.execute(text("ALTER TABLE cadre ADD COLUMN nickname VARCHAR(32)"))
    with transaction(make_session_factory(engine)) as session:
        build_world(session)

    full = build_full_schema()
    before_grant = PolicyStore(full, policy_dir)
    with (policy_dir / "policy.csv").open("a", encoding="utf-8") as policy:
        policy.write(POLICE_GRANT)
    store = PolicyStore(full, policy_dir)

    def window(schema: Any) -> dict[str, Any]:
        """Where the new field shows in one schema: output field, filter field, sort key, create input."""
        types = schema._schema.type_map
        cadre: GraphQLObjectType = types["Cadre"]
        cadre_filter: GraphQLInputObjectType = types["CadreFilter"]
        order: GraphQLEnumType = types["CadreOrderField"]
        create: GraphQLInputObjectType | None = types.get("CreateCadreInput")
        output = cadre.fields.get("nickname")
        condition = cadre_filter.fields.get("nicknameContains")
        written = create.fields.get("nickname") if create else None
        return {
            "output": [str(output.type), output.description] if output else None,
            "filter": [str(condition.type), list(metadata_of(condition)["requires"])] if condition else None,
            "sort": order.values["NICKNAME"].value if "NICKNAME" in order.values else None,
            "input": [str(written.type), metadata_of(written)["writes"]] if written else None,
        }

    def graph_properties(agency: str) -> list[str]:
        access, _schema = store.view(Principal(user="u", agency=agency, jurisdiction="huzhou", level="city"))
        return sorted(graph_access(access, access.rows.cadre_scope_names()).node_properties.get(NodeKind.CADRE, ()))

    with TestClient(create_app(settings, policies=store)) as client:
        org = Caller(client, settings, "org")
        created = org.data(
            'mutation { createCadre(input: {name: "赵刚", gender: MALE, birthDate: "1980-03-04", '
            f'idNumber: "{id_number("330502", date(1980, 3, 4), 51)}", workStartDate: "2002-08-01", education: MASTER, rank: SECTION, '
            'managementLevel: CITY, unitId: 1, jurisdiction: "huzhou", nickname: "老赵"}) '
            "{ __typename ... on Cadre { id nickname } } }"
        )["createCadre"]
        updated = org.data('mutation { updateCadre(id: 2, input: {nickname: "小李"}) { ... on Cadre { nickname } } }')
        too_long = org.data(
            f'mutation {{ updateCadre(id: 1, input: {{nickname: "{"长" * 33}"}}) '
            "{ ... on ValidationErrors { errors { field message } } } }"
        )
        filtered = org.data('{ cadres(filter: {nicknameContains: "赵"}) { edges { node { id nickname } } } }')
        sorted_ = org.data("{ cadres(orderBy: [{field: NICKNAME, direction: DESC}]) { edges { node { nickname } } } }")
        police = Caller(client, settings, "police")
        police_filtered = police(
            '{ cadres(filter: {nicknameContains: "李"}) { edges { node { nickname } } } }'
        )

    with engine.connect() as connection:
        row = connection.execute(select(table("cadre")).where(table("cadre").c.id == 2)).mappings().one()
    engine.dispose()
    return {
        "full": window(full),
        "org": window(store.grant("org").schema),
        "police_before_grant": window(before_grant.grant("police").schema),
        "police": window(store.grant("police").schema),
        "input_spec": SPECS_BY_TYPE["Cadre"].field_by_attr("nickname") == NICKNAME,
        "too_long": too_long["updateCadre"]["errors"],
        "report_label": record_fields.RECORD_KINDS["Cadre"].labels.get("nickname"),
        "created": created,
        "updated": updated["updateCadre"],
        "filtered": [edge["node"] for edge in filtered["cadres"]["edges"]],
        "sorted": [edge["node"]["nickname"] for edge in sorted_["cadres"]["edges"]],
        "police_filtered": police_filtered,
        "graph_property": list(NODE_PROPERTIES[NodeKind.CADRE]["nickname"]),
        "graph_columns": "nickname" in node_columns(NodeKind.CADRE),
        "graph_node": node_record(NodeKind.CADRE, row)["nickname"],
        "graph_readable": {agency: "nickname" in graph_properties(agency) for agency in ("org", "police", "court")},
    }


if __name__ == "__main__":
    follow_recipe()
    print(json.dumps(observe(Path(sys.argv[1])), ensure_ascii=False))
