"""Dossiers over HTTP: a cadre's or a case's file as PDF and workbook, cut exactly like the reader's queries, every
page marked with the reader, the time and the purpose, and audited as an export."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from graphql import GraphQLObjectType, GraphQLSchema, get_named_type
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from hub import audit, models
from hub.access import Principal
from hub.app import create_app
from hub.settings import Settings
from hub.web import dossier_pdf
from policies.enforcement import PolicyStore
from tests.conftest import Caller
from tests.test_cases import NUMBER, _open
from tests.world import C1_ID, SECRET_VALUES

PURPOSE = "干部考察"


def _get(client: TestClient, caller: Any, path: str, purpose: str = PURPOSE) -> Any:
    return client.get(path, headers={"Authorization": f"Bearer {caller.token}", "X-Purpose": quote(purpose)})


def _pdf_pages(body: bytes) -> list[str]:
    """Each page's text with the spaces the extraction puts between CJK glyphs taken out."""
    return [re.sub(r"[\s\x00]+", "", page.extract_text()) for page in PdfReader(io.BytesIO(body)).pages]


def _schema(policy_store: PolicyStore, agency: str) -> GraphQLSchema:
    return policy_store.view(Principal(user="u", agency=agency, jurisdiction="huzhou", level="city"))[1]._schema


def _resolves(schema: GraphQLSchema, type_name: str, path: str) -> bool:
    """Whether a dotted column name (`unit.name`) is a field path of `type_name` in this schema."""
    current = schema.get_type(type_name)
    for name in path.split("."):
        if not isinstance(current, GraphQLObjectType) or name not in current.fields:
            return False
        current = get_named_type(current.fields[name].type)
    return True


def _forbidden_values(policy_store: PolicyStore, agency: str) -> set[str]:
    """The known world's values held only in fields the agency may not read in full (a masked one counts)."""
    access = policy_store.view(Principal(user="u", agency=agency, jurisdiction="huzhou", level="city"))[0]
    readable = {value for key, values in SECRET_VALUES.items() if access.can_read_unmasked(*key.split(".")) for value in values}
    return {value for key, values in SECRET_VALUES.items() if not access.can_read_unmasked(*key.split("."))
            for value in values} - readable


def test_a_dossier_for_the_police_holds_no_field_the_police_schema_lacks(
        world: Engine, client: TestClient, as_agency: Any, policy_store: PolicyStore) -> None:
    police, org = as_agency("police"), as_agency("org")
    police_schema, org_schema = _schema(policy_store, "police"), _schema(policy_store, "org")
    cadre_fields_police = set(police_schema.get_type("Cadre").fields)  # type: ignore[union-attr]
    lacking = set(org_schema.get_type("Cadre").fields) - cadre_fields_police  # type: ignore[union-attr]
    assert {"relatives", "ties", "reserveTier"} <= lacking

    workbook = load_workbook(io.BytesIO(_get(client, police, "/dossiers/cadre/1.xlsx").content))
    first, *relations = workbook.worksheets
    names = [row[0] for row in first.iter_rows(min_row=4, values_only=True)]
    assert "idNumber" in names and "unit.name" in names
    assert all(_resolves(police_schema, "Cadre", name) for name in names), names
    assert {sheet.title for sheet in relations} <= cadre_fields_police
    for sheet in relations:
        row_type = get_named_type(police_schema.get_type("Cadre").fields[sheet.title].type).name  # type: ignore[union-attr]
        headings = [cell.value for cell in sheet[2]]
        assert all(_resolves(police_schema, row_type, heading) for heading in headings), (sheet.title, headings)
    cells = {str(value) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for value in row if value}
    forbidden = _forbidden_values(policy_store, "police")
    assert {"周丽", "王小明", C1_ID} <= forbidden
    assert not {value for value in forbidden if any(value in cell for cell in cells)}
    assert not any("群众来信反映插手工程" in cell for cell in cells), "the petition office's record is not in its rows"
    assert C1_ID not in cells and f"{C1_ID[:6]}{'*' * 11}{C1_ID[-1]}" in cells, "the masked ID number stays masked"
    assert "酒后滋事，行政拘留五日" in cells, "the police's own negative record is in its file"

    police_text = "".join(_pdf_pages(_get(client, police, "/dossiers/cadre/1.pdf").content))
    assert not {value for value in forbidden if value in police_text}
    assert C1_ID not in police_text and f"{C1_ID[:6]}{'*' * 11}{C1_ID[-1]}" in police_text
    assert not {name for name in lacking if name in police_text}, "no section or field the police schema lacks"
    org_text = "".join(_pdf_pages(_get(client, org, "/dossiers/cadre/1.pdf").content))
    assert "周丽" in org_text and C1_ID in org_text and "relatives" in org_text, "the org's file has what its schema has"


def test_a_case_dossier_is_refused_to_the_police_and_given_to_the_inspector_who_works_it(
        world: Engine, client: TestClient, as_agency: Any) -> None:
    inspector = as_agency("inspector", user="i1")
    case_id = _open(inspector)["id"]
    inspector.data(f'mutation {{ addCaseNote(caseId: {case_id}, text: "调取合同台账") {{ __typename }} }}')
    inspector.data(f"mutation {{ linkToCase(caseId: {case_id}, cadreId: 1) {{ __typename }} }}")
    for agency in ("police", "org"):
        refused = _get(client, as_agency(agency), f"/dossiers/case/{NUMBER}.pdf", purpose=NUMBER)
        assert refused.status_code == 403 and refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    other_inspector = as_agency("discipline")
    assert _get(client, other_inspector, f"/dossiers/case/{NUMBER}.xlsx", purpose=NUMBER).status_code == 404, \
        "another agency's case is not in the discipline commission's window"
    answer = _get(client, inspector, f"/dossiers/case/{NUMBER}.pdf", purpose=NUMBER)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text = "".join(_pdf_pages(answer.content))
    assert "调取合同台账" in text and "王建国" in text and NUMBER in text


def test_the_export_is_audited_with_the_fields_cadres_and_purpose(
        world: Engine, client: TestClient, as_agency: Any) -> None:
    police, inspector = as_agency("police", user="p7"), as_agency("inspector", user="i1")
    assert _get(client, police, "/dossiers/cadre/1.xlsx").status_code == 200
    _open(inspector)
    assert _get(client, inspector, f"/dossiers/case/{NUMBER}.xlsx", purpose="线索核查").status_code == 200
    with Session(world) as session:
        exports = session.scalars(select(models.AuditEntry).where(models.AuditEntry.operation == "export")
                                  .order_by(models.AuditEntry.id)).all()
        assert audit.verify(session) == []
    cadre_export, case_export = exports
    assert (cadre_export.user, cadre_export.agency, cadre_export.operation_name) == ("p7", "police", "cadreDossier")
    assert cadre_export.cadre_ids == [1] and cadre_export.purpose == PURPOSE
    assert "Cadre.idNumber" in cadre_export.fields and "NegativeRecord.facts" in cadre_export.fields
    assert not [name for name in cadre_export.fields if name.startswith(("Relative.", "Cadre.relatives"))]
    assert case_export.operation_name == "caseDossier" and NUMBER in case_export.purpose, "a case dossier names its case"


def test_every_page_is_marked_with_the_reader_the_time_and_the_purpose(
        world: Engine, client: TestClient, as_agency: Any) -> None:
    inspector = as_agency("inspector", user="i-mark")
    case_id = _open(inspector)["id"]
    for number in range(40):
        inspector.data(f'mutation {{ addCaseNote(caseId: {case_id}, text: "第{number}次谈话记录：{"核实资金往来。" * 20}") '
                       "{ __typename } }")
    inspector.data(f'mutation {{ addCaseNote(caseId: {case_id}, text: "=HYPERLINK(\\"http://x\\")") {{ __typename }} }}')
    pdf = _get(client, inspector, f"/dossiers/case/{NUMBER}.pdf", purpose=NUMBER)
    pages = _pdf_pages(pdf.content)
    assert len(pages) > 2
    for page in pages:
        assert "reader:i-mark(督查inspector)" in page, page[:200]
        assert re.search(r"\d{4}-\d\d-\d\d\d\d:\d\d:\d\dUTC", page) and f"purpose:{NUMBER}" in page, page[:200]
    workbook = load_workbook(io.BytesIO(_get(client, inspector, f"/dossiers/case/{NUMBER}.xlsx", purpose=NUMBER).content))
    for sheet in workbook.worksheets:
        mark = sheet["A1"].value
        assert "i-mark" in mark and NUMBER in mark and "UTC" in mark
        assert "i-mark" in sheet.oddHeader.center.text, "printed pages carry the mark too"
    notes = workbook["notes"]
    formula_like = [cell for row in notes.iter_rows(min_row=3) for cell in row if str(cell.value).startswith("=")]
    assert formula_like and all(cell.data_type == "s" for cell in formula_like), "a note is text, never a formula"


def test_without_a_chinese_font_the_pdf_is_refused_with_a_clear_error(
        world: Engine, client: TestClient, as_agency: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no fontconfig: no font can be found
    dossier_pdf.find_cjk_font.cache_clear()
    try:
        answer = _get(client, as_agency("org"), "/dossiers/cadre/1.pdf")
    finally:
        dossier_pdf.find_cjk_font.cache_clear()
    assert answer.status_code == 503
    error = answer.json()["errors"][0]
    assert error["extensions"]["code"] == "NO_CJK_FONT" and "fonts-noto-cjk" in error["message"]


def test_a_dossier_needs_a_token_and_a_known_format(world: Engine, client: TestClient, as_agency: Any) -> None:
    assert client.get("/dossiers/cadre/1.pdf").status_code == 401
    assert _get(client, as_agency("org"), "/dossiers/cadre/1.docx").status_code == 404
    assert _get(client, as_agency("org"), "/dossiers/cadre/999.xlsx").status_code == 404
    assert _get(client, as_agency("police"), "/dossiers/cadre/3.xlsx").status_code == 404, "a county cadre: not in its rows"


@pytest.mark.parametrize("listed", [False, True])
def test_with_an_allow_list_dossiers_are_served_only_if_the_list_names_them(
        world: Engine, settings: Settings, tmp_path: Path, listed: bool) -> None:
    listing = tmp_path / "allowed.json"
    listing.write_text(json.dumps(["{ cadre(id: 1) { name } }", *(["/dossiers"] if listed else [])]))
    # The hub's own policy store, built with the allow-list in its schema's limits.
    with TestClient(create_app(replace(settings, allowed_operations_file=listing))) as client:
        org = Caller(client, settings, "org")
        answer = _get(client, org, "/dossiers/cadre/1.xlsx")
        other_query = org.post("{ cadre(id: 2) { name } }").json()
    assert other_query["errors"][0]["extensions"]["code"] == "NOT_ALLOWED", "the list still holds for GraphQL"
    if listed:
        assert answer.status_code == 200, answer.text  # the hub's own dossier query runs for the listed route
    else:
        assert answer.status_code == 403 and answer.json()["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
