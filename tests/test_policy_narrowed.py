"""An agency's decisions asked over only its own lines for one action are the decisions of the whole policy."""

from __future__ import annotations

from pathlib import Path

import casbin
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.catalog import ROW_SCOPES
from policies.enforcement import POLICY_DIR, READ, READ_MASKED, WRITE, PolicyStore, load_enforcer
from policies.narrowed import AgencyPolicy, narrowable

MODEL_TEXT = (POLICY_DIR / "model.conf").read_text(encoding="utf-8")
SUBJECTS = ["org", "police", "court", "role:identity", "role:reporter", "role:circles"]
AGENCIES = ["org", "police", "court"]
OBJECTS = ["Cadre.name", "Cadre.*", "Cadre.idNumber", "Person.*", "Person.idNumber", "*", "Row.Cadre", "Query.cadres"]
ACTIONS = [READ, READ_MASKED, WRITE, "scope:all", "scope:own_unit"]
ASKED_OBJECTS = ["Cadre.name", "Cadre.idNumber", "Person.idNumber", "Person.name", "Row.Cadre", "Query.cadres", "Unit.x"]

policy_lines = st.lists(
    st.tuples(st.sampled_from(SUBJECTS), st.sampled_from(OBJECTS), st.sampled_from(ACTIONS),
              st.sampled_from(["allow", "deny"])),
    max_size=25, unique=True,
)
role_links = st.lists(
    st.tuples(st.sampled_from(SUBJECTS), st.sampled_from([s for s in SUBJECTS if s.startswith("role:")])),
    max_size=6, unique=True,
).map(lambda links: [link for link in links if link[0] != link[1]])


def _enforcer(model_text: str, lines: list[tuple[str, ...]], links: list[tuple[str, str]]) -> casbin.Enforcer:
    enforcer = casbin.Enforcer(casbin.Enforcer.new_model(text=model_text))
    if lines:
        enforcer.add_policies([list(line) for line in lines])
    if links:
        enforcer.add_grouping_policies([list(link) for link in links])
    return enforcer


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=policy_lines, links=role_links)
def test_narrowed_decisions_equal_the_whole_policys_on_any_policy(
    lines: list[tuple[str, ...]], links: list[tuple[str, str]],
) -> None:
    whole = _enforcer(MODEL_TEXT, lines, links)
    assert narrowable(whole)
    for agency in AGENCIES:
        policy = AgencyPolicy(whole, agency)
        for act in ACTIONS:
            for obj in ASKED_OBJECTS:
                assert policy.allows(obj, act) == whole.enforce(agency, obj, act), (agency, obj, act)


@pytest.mark.parametrize("agency", ["org", "police", "inspector", "security"])
def test_narrowed_decisions_equal_the_whole_policys_on_the_shipped_policy(
    agency: str, policy_store: PolicyStore,
) -> None:
    whole = load_enforcer()
    policy = AgencyPolicy(whole, agency)
    catalog = policy_store.catalog
    asked = [(obj, act) for obj in sorted(catalog.read_objects) for act in (READ, READ_MASKED)]
    asked += [(obj, WRITE) for obj in sorted(catalog.write_objects)]
    asked += [(f"Row.{type_name}", f"scope:{name}") for type_name, names in ROW_SCOPES.items() for name in names]
    asked.append(("Request.purpose", "required"))
    differ = [(obj, act) for obj, act in asked if policy.allows(obj, act) != whole.enforce(agency, obj, act)]
    assert not differ
    assert any(policy.allows(obj, act) for obj, act in asked), "the agency is granted something"


def test_a_matcher_that_is_not_such_a_conjunction_is_asked_whole(tmp_path: Path) -> None:
    # Either the action matches, or the line is about every action ("*"): dropping other actions' lines
    # would lose the "*" lines, so the policy is asked whole.
    model = MODEL_TEXT.replace(
        "m = r.act == p.act && keyMatch(r.obj, p.obj) && g(r.sub, p.sub)",
        'm = (r.act == p.act || p.act == "*") && keyMatch(r.obj, p.obj) && g(r.sub, p.sub)',
    )
    assert model != MODEL_TEXT
    whole = _enforcer(model, [("org", "Cadre.*", "*", "allow")], [])
    assert not narrowable(whole)
    policy = AgencyPolicy(whole, "org")
    assert policy.allows("Cadre.name", READ) and policy.allows("Cadre.name", WRITE)
    assert not policy.allows("Person.name", READ)
