"""The catalogue of rules findings cite: data in hub/core/rules.csv, published as DetectionRule and cut per agency."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.core.rule_catalogue import CatalogueError, catalogue, read_catalogue
from hub.services.workflows import rules
from tests.test_workflows import absent_for, screen

CITATION = "citation { code name nameEn regulation article severity reveals }"


def test_every_screening_rule_and_finding_kind_has_its_entry() -> None:
    screening_codes = {rule.code for rule, _applies in rules.NEGATIVE_RECORD_RULES} | {
        rule.code for rule in (rules.ADMONISHED_WITHIN_BAR, rules.ADMONISHED_RECENTLY, rules.CONCEALMENT_FOUND,
                               rules.OMISSION_FOUND, rules.REVIEW_PENDING, rules.REVIEW_STOPPED, rules.REVIEW_SUSPENDED,
                               rules.TIED_TO_NOMINATOR)
    }
    entries = catalogue()
    assert screening_codes <= set(entries), screening_codes - set(entries)
    assert "relative_business_supplies_unit" in entries
    for code in screening_codes:
        assert entries[code].kind == "screening" and entries[code].regulation.startswith("《")
        assert set(entries[code].reveals) == set(next(
            r.reveals for r in (*(rule for rule, _ in rules.NEGATIVE_RECORD_RULES), rules.ADMONISHED_WITHIN_BAR,
                                rules.ADMONISHED_RECENTLY, rules.CONCEALMENT_FOUND, rules.OMISSION_FOUND,
                                rules.REVIEW_PENDING, rules.REVIEW_STOPPED, rules.REVIEW_SUSPENDED,
                                rules.TIED_TO_NOMINATOR) if r.code == code
        )), f"{code}: the catalogue names what its firing reveals, as the rule does"


def test_a_malformed_catalogue_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "rules.csv"
    bad.write_text("code,kind,severity,name_zh,name_en,regulation,article,reveals\n"
                   "a,screening,high,甲,A,《规定》,,\n"
                   "a,screening,high,甲,A,《规定》,,\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="rules.csv:3"):
        read_catalogue(bad)
    bad.write_text("code,kind,severity,name_zh,name_en,regulation,article,reveals\nb,sometimes,high,乙,B,《规定》,,\n",
                   encoding="utf-8")
    with pytest.raises(CatalogueError, match="rules.csv:2"):
        read_catalogue(bad)


def test_screening_reasons_cite_their_rule_over_http(world: Any, as_agency: Any) -> None:
    org = as_agency("org")
    query = f"""query($ids: [Int!]!) {{ screenNominees(cadreIds: $ids, postId: 2) {{
        results {{ cadre {{ id }} reasons {{ rule {CITATION} }} }} }} }}"""
    results = org.data(query, {"ids": [1, 2, 3, 4]})["screenNominees"]["results"]
    reasons = [reason for entry in results for reason in entry["reasons"]]
    assert reasons, "the known world has nominees who are not clear"
    for reason in reasons:
        assert reason["citation"]["code"] == reason["rule"]
        assert reason["citation"]["regulation"].startswith("《") and reason["citation"]["name"]
    discipline = as_agency("discipline")
    assert discipline.data(query, {"ids": [1, 2, 3, 4]})["screenNominees"]["results"] is not None
    assert screen(org, [1])  # the plain screening query is unchanged


@pytest.mark.parametrize("agency", ["police", "court", "unit", "security"])
def test_the_catalogue_is_cut_from_agencies_the_policy_does_not_give_it(as_agency: Any, agency: str) -> None:
    caller = as_agency(agency)
    assert absent_for(caller, "{ detectionRules { code } }")
    sdl = caller.client.app.state.hub.policies.grant(agency).schema.as_str()
    if agency == "security":  # it reads the rules its audit alerts cite, not the catalogue
        assert "citation: DetectionRule!" in sdl and "detectionRules" not in sdl
    else:
        assert "DetectionRule" not in sdl


@pytest.mark.parametrize("agency", ["org", "inspector", "discipline"])
def test_the_agencies_that_read_findings_read_the_catalogue(as_agency: Any, agency: str) -> None:
    entries = as_agency(agency).data("{ detectionRules { code kind severity name nameEn regulation article reveals } }")
    assert {entry["code"] for entry in entries["detectionRules"]} == set(catalogue())
