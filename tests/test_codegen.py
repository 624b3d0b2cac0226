"""Frontend teams generate typed clients from each agency's SDL (`hub schema export --agency X`).

graphql-codegen (tests/codegen/package.json, installed with `npm ci` on first use) runs with the `typescript` and
`typescript-operations` plugins on every agency's exported SDL and its example operation in
tests/codegen/operations/, the recipe of README's "Client code generation"; the output must compile with `tsc
--strict`. An operation asking for a field outside the agency's window must make codegen fail.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from policies.enforcement import PolicyStore
from schema.build import build_full_schema

CODEGEN_DIR = Path(__file__).resolve().parent / "codegen"
OPERATIONS = CODEGEN_DIR / "operations"
HUB = Path(sys.executable).parent / "hub"
NPM = shutil.which("npm")
NODE = shutil.which("node")
SCALARS = {"Date": "string", "DateTime": "string", "Decimal": "string", "JSON": "unknown"}  # as in README's recipe
SPECIFIED_BY = '@specifiedBy(url: "https://www.rfc-editor.org/rfc/rfc3339#section-5.6")'

pytestmark = pytest.mark.skipif(NODE is None or NPM is None, reason="code generation needs Node.js and npm")


def _installed() -> None:
    if not (CODEGEN_DIR / "node_modules" / "@graphql-codegen" / "cli").is_dir():
        subprocess.run([str(NPM), "ci", "--no-audit", "--no-fund"], cwd=CODEGEN_DIR, check=True, capture_output=True,
                       timeout=600)


def _agencies() -> list[str]:
    return sorted(PolicyStore(build_full_schema()).agencies)


def _operation_name(document: Path) -> str:
    match = re.search(r"^query (\w+)", document.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{document} must hold a named query"
    return match.group(1)


@pytest.fixture(scope="module")
def exported_sdl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every agency's SDL, written by `hub schema export --agency A --output F` as a frontend team would."""
    folder = tmp_path_factory.mktemp("sdl")
    exported = {}
    for agency in _agencies():
        target = folder / f"{agency}.graphql"
        subprocess.run([str(HUB), "schema", "export", "--agency", agency, "--output", str(target)], check=True,
                       capture_output=True, timeout=120)
        exported[agency] = target
    return exported


def _client_outputs(folder: Path, schema: Path, documents: Path) -> dict[str, dict[str, Any]]:
    """The recipe: the schema's types with `typescript`, the operations' types with `typescript-operations`.

    Two files: typescript-operations 6 declares the enums and inputs its operations use itself, so in one file
    with the `typescript` plugin's output they would be declared twice.
    """
    return {
        str(folder / "schema.ts"): {"schema": str(schema), "plugins": ["typescript"], "config": {"scalars": SCALARS}},
        str(folder / "operations.ts"): {"schema": str(schema), "documents": str(documents),
                                        "plugins": ["typescript-operations"], "config": {"scalars": SCALARS}},
    }


def _codegen(generates: dict[str, dict[str, Any]], folder: Path) -> subprocess.CompletedProcess[str]:
    _installed()
    config_file = folder / "codegen.json"
    config_file.write_text(json.dumps({"overwrite": True, "generates": generates}, indent=2), encoding="utf-8")
    return subprocess.run([str(CODEGEN_DIR / "node_modules" / ".bin" / "graphql-codegen"), "--config", str(config_file)],
                          cwd=CODEGEN_DIR, capture_output=True, text=True, timeout=300)


def test_every_agency_of_the_policy_has_an_example_operation() -> None:
    assert sorted(path.stem for path in OPERATIONS.glob("*.graphql")) == _agencies()


def test_date_scalars_name_their_format_in_every_agency_sdl(exported_sdl: dict[str, Path]) -> None:
    for agency, path in exported_sdl.items():
        sdl = path.read_text(encoding="utf-8")
        declared = re.findall(r"^scalar (Date|DateTime)\b(.*)$", sdl, re.MULTILINE)
        assert declared, f"{agency} sees neither Date nor DateTime"
        assert all(rest.strip() == SPECIFIED_BY for _name, rest in declared), (agency, declared)


def test_codegen_gives_every_agency_typed_operations_that_compile(exported_sdl: dict[str, Path], tmp_path: Path) -> None:
    generates: dict[str, dict[str, Any]] = {}
    for agency, sdl in exported_sdl.items():
        generates.update(_client_outputs(tmp_path / agency, sdl, OPERATIONS / f"{agency}.graphql"))
    run = _codegen(generates, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    for agency in exported_sdl:
        operations = (tmp_path / agency / "operations.ts").read_text(encoding="utf-8")
        assert f"export type {_operation_name(OPERATIONS / f'{agency}.graphql')}Query = " in operations, agency
        schema_types = (tmp_path / agency / "schema.ts").read_text(encoding="utf-8")
        assert ("Date: { input: string; output: string; }" in schema_types
                or "DateTime: { input: string; output: string; }" in schema_types), agency
    shutil.copy(CODEGEN_DIR / "usage.ts", tmp_path / "usage.ts")
    compiled = subprocess.run(
        [str(CODEGEN_DIR / "node_modules" / ".bin" / "tsc"), "--strict", "--noEmit", "--target", "es2022",
         "--module", "esnext", "--moduleResolution", "bundler", *sorted(str(path) for path in tmp_path.rglob("*.ts"))],
        cwd=CODEGEN_DIR, capture_output=True, text=True, timeout=300,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr


def test_a_field_outside_the_agency_window_makes_codegen_fail(exported_sdl: dict[str, Path], tmp_path: Path) -> None:
    document = tmp_path / "relatives.graphql"
    document.write_text("query CadreRelatives { cadre(id: 1) { name relatives { kind } } }\n", encoding="utf-8")
    refused = _codegen(_client_outputs(tmp_path / "police", exported_sdl["police"], document), tmp_path)
    assert refused.returncode != 0
    assert 'Cannot query field "relatives" on type "Cadre"' in refused.stdout + refused.stderr
    assert not (tmp_path / "police" / "operations.ts").exists()
    allowed = _codegen(_client_outputs(tmp_path / "org", exported_sdl["org"], document), tmp_path)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "export type CadreRelativesQuery = " in (tmp_path / "org" / "operations.ts").read_text(encoding="utf-8")


def _generated_type(operations: str, type_name: str) -> str:
    """The object literal type codegen wrote for `type_name` inside an operation's result type."""
    match = re.search(r"\{[^{}]*__typename: '" + type_name + r"'[^{}]*\}", operations)
    assert match, f"no {type_name} in {operations}"
    return match.group(0)


def test_codegen_types_graph_nodes_by_kind(exported_sdl: dict[str, Path], tmp_path: Path) -> None:
    run = _codegen(_client_outputs(tmp_path / "inspector", exported_sdl["inspector"], OPERATIONS / "inspector.graphql"),
                   tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    operations = (tmp_path / "inspector" / "operations.ts").read_text(encoding="utf-8")
    cadre = _generated_type(operations, "CadreNode")
    for field, typed in {"name": "string", "gender": "Gender", "birthDate": "string", "rank": "Rank",
                         "managementLevel": "ManagementLevel", "kind": "GraphNodeKind"}.items():
        assert re.search(rf"\b{field}\??: {typed}\b", cadre), (field, cadre)
    assert "unknown" not in cadre and "any" not in re.findall(r"\w+", cadre), cadre
    organization = _generated_type(operations, "OrganizationNode")
    assert re.search(r"\borganizationKind\??: OrganizationKind\b", organization), organization
    assert "InspectorNetworkQueryVariables = Exact<{" in operations and "GraphEdgeKind" in operations


def test_a_property_an_agency_may_not_read_is_absent_from_its_node_type(exported_sdl: dict[str, Path]) -> None:
    def node_type(agency: str, type_name: str) -> str | None:
        match = re.search(rf"^type {type_name} implements GraphNode \{{(.*?)^\}}", exported_sdl[agency].read_text(
            encoding="utf-8"), re.MULTILINE | re.DOTALL)
        return match.group(1) if match else None

    org_cadre, inspector_cadre = node_type("org", "CadreNode"), node_type("inspector", "CadreNode")
    assert org_cadre and "reserveTier: Int" in org_cadre  # the organization department reads Cadre.reserveTier
    assert inspector_cadre and "name: String" in inspector_cadre and "reserveTier" not in inspector_cadre
    police = exported_sdl["police"].read_text(encoding="utf-8")
    assert "reserveTier" not in (node_type("police", "CadreNode") or "")  # the police may not read it either ...
    assert "GraphNode" not in police  # ... nor ask the graph at all, so it has no node type
