"""Every enum value has its Chinese and English label, declared once and published in each agency's SDL."""

from __future__ import annotations

import pytest
from graphql import GraphQLEnumType, GraphQLSchema

from hub.models.labels import enum_labels
from hub.services.bulk_import import ENUM_LABELS
from policies.enforcement import PolicyStore

# Generated from field names, not vocabularies of the domain: their values name the fields they sort by.
GENERATED = ("OrderField", "SortDirection")


def _domain_enums(schema: GraphQLSchema) -> dict[str, GraphQLEnumType]:
    return {
        name: kind for name, kind in schema.type_map.items()
        if isinstance(kind, GraphQLEnumType) and not name.startswith("__") and not name.endswith(GENERATED)
    }


def test_every_value_of_every_domain_enum_has_a_label(policy_store: PolicyStore) -> None:
    labels = enum_labels()
    for name, kind in _domain_enums(policy_store.full_schema._schema).items():
        for value_name, value in kind.values.items():
            assert value.description and "(" in value.description, f"{name}.{value_name} has no label"
            if name != "Agency":  # agencies are named in policies/agencies.csv
                assert value_name in labels.get(name, {}), f"{name}.{value_name} is missing from enum_labels.csv"


def test_no_label_names_a_value_that_does_not_exist(policy_store: PolicyStore) -> None:
    enums = _domain_enums(policy_store.full_schema._schema)
    for enum_name, labels in enum_labels().items():
        assert enum_name in enums, f"enum_labels.csv names an enum the schema lacks: {enum_name}"
        assert set(labels) <= set(enums[enum_name].values), f"{enum_name}: {set(labels) - set(enums[enum_name].values)}"


@pytest.mark.parametrize("agency", ["org", "police", "inspector"])
def test_each_agencys_sdl_carries_the_labels_of_the_values_it_sees(policy_store: PolicyStore, agency: str) -> None:
    sdl = policy_store.grant(agency).schema.as_str()
    if "enum KinshipKind" in sdl:
        assert '"""配偶的兄弟姐妹 (Sibling-in-law)"""\n  SIBLING_IN_LAW' in sdl
    assert '"""公安 (Public Security)"""\n  POLICE' in sdl or "enum Agency" not in sdl


def test_report_templates_take_their_chinese_names_from_the_same_declaration() -> None:
    for vocabulary, names in ENUM_LABELS.items():
        for member, chinese in names.items():
            assert chinese == enum_labels()[vocabulary.__name__][member.name].zh
