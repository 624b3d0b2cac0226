"""The layers of docs/architecture.md hold: each package imports only the layers below it (.importlinter)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from importlinter.api import read_configuration

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".importlinter"
ROOT_PACKAGES = ("hub", "schema", "policies", "graph_sync")


def layer_modules() -> list[set[str]]:
    (contract,) = read_configuration(str(CONFIG))["contracts_options"]
    return [set(re.split(r"\s*[:|]\s*", layer.strip())) for layer in contract["layers"]]


def top_modules(package: str) -> set[str]:
    """`hub.app`, `hub.models`, ...: the modules and subpackages directly inside a package."""
    names = set()
    for path in (ROOT / package).iterdir():
        if path.suffix == ".py" and path.stem != "__init__":
            names.add(f"{package}.{path.stem}")
        elif (path / "__init__.py").is_file():
            names.add(f"{package}.{path.name}")
    return names


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports on the packages under `tree`, in a process of its own so it reads `tree`'s code."""
    command = [str(Path(sys.executable).parent / "lint-imports"), "--no-cache", "--config", str(tree / ".importlinter")]
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(command, cwd=tree, env=environment, capture_output=True, text=True, timeout=120)


def test_every_layer_imports_only_the_layers_below_it() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_module_belongs_to_a_layer() -> None:
    """A new hub module must be given a layer, or the contract would not look at it."""
    listed = set().union(*layer_modules())
    whole_packages = listed & set(ROOT_PACKAGES)
    expected = set(whole_packages)
    for package in set(ROOT_PACKAGES) - whole_packages:
        expected |= top_modules(package)
    assert expected - listed == set()


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    """The contract is not vacuous: the core importing the schema is reported."""
    for package in ROOT_PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "static"))
    shutil.copy(CONFIG, tmp_path / ".importlinter")
    settings = tmp_path / "hub" / "settings.py"
    settings.write_text(settings.read_text() + "\nimport schema.build  # noqa: E402\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1
    assert "hub.settings -> schema.build" in result.stdout
