"""Guard rails of the floor plan: the import contracts (import-linter) and ruff hold on the tree,
and each fails on a deliberate violation made in a scratch copy (the real tree is never touched)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("atlas", "api", "publications", "layers", "indicators", "etl", "geodata", "common")
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.integration


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return _run([str(BIN / "lint-imports"), "--no-logo", "--no-cache"], cwd)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """A copy of the packages' Python files and the contracts, to break on purpose."""
    target = tmp_path_factory.mktemp("tree")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            target / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.parquet", "*.duckdb", "*.csv", "*.json"),
        )
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def test_the_tree_keeps_every_import_contract():
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    "module,text,contract",
    [
        ("etl/_violation.py", "import atlas.core.i18n\n", "Imports point one way"),
        ("geodata/_violation.py", "import indicators\n", "Imports point one way"),
        ("layers/_violation.py", "import streamlit\n", "Only atlas/"),
        ("atlas/map/_violation_loaders.py", "", None),
    ],
)
def test_a_deliberate_violation_breaks_its_contract(scratch, module, text, contract):
    path = scratch / module
    if contract is None:  # a loader that imports view code
        path = scratch / "atlas/map/loaders.py"
        original = path.read_text(encoding="utf-8")
        path.write_text(original + "\nfrom atlas.map import views  # noqa\n", encoding="utf-8")
        contract = "A loader never imports view code"
    else:
        original = None
        path.write_text(text, encoding="utf-8")
    try:
        done = _lint_imports(scratch)
        assert done.returncode != 0
        assert contract in done.stdout and "BROKEN" in done.stdout
    finally:
        if original is None:
            path.unlink()
        else:
            path.write_text(original, encoding="utf-8")


def test_ruff_finds_nothing_in_the_tree():
    lint = _run([str(BIN / "ruff"), "check", "--no-cache", "."], ROOT)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = _run([str(BIN / "ruff"), "format", "--check", "--no-cache", "."], ROOT)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_ruff_fails_on_a_deliberate_violation(scratch):
    bad = scratch / "common" / "_violation.py"
    bad.write_text("import os\nx=1\n", encoding="utf-8")  # an unused import; not formatted
    try:
        lint = _run([str(BIN / "ruff"), "check", "--no-cache", str(bad)], scratch)
        assert lint.returncode != 0 and "F401" in lint.stdout
        fmt = _run([str(BIN / "ruff"), "format", "--check", "--no-cache", str(bad)], scratch)
        assert fmt.returncode != 0
    finally:
        bad.unlink()


# --- thin pages: a page imports Streamlit, the standard library, atlas.core and its own feature only ---

PAGES = Path(__file__).resolve().parents[2] / "atlas" / "pages"


def find_foreign_imports(source: str, feature: str) -> list[str]:
    """The modules a page imports besides the standard library, streamlit, ``atlas.core`` and ``atlas.<feature>``."""
    import ast

    allowed = ("atlas.core", f"atlas.{feature}")
    foreign = []
    for node in ast.walk(ast.parse(source)):
        names = (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom) and node.level == 0
            else []
        )
        for name in names:
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top == "streamlit" or top == "__future__":
                continue
            if not any(name == a or name.startswith(a + ".") for a in allowed):
                foreign.append(name)
    return foreign


@pytest.mark.parametrize("page", sorted(p.stem for p in PAGES.glob("*.py") if p.stem != "__init__"))
def test_a_page_imports_only_its_own_feature_and_core(page):
    """A page of a feature imports that feature and core; a page with no feature package (the not-found page)
    is core's own and imports core only."""
    feature = page if (PAGES.parent / page).is_dir() else "core"
    assert find_foreign_imports((PAGES / f"{page}.py").read_text(), feature) == []


def test_the_page_rule_catches_a_page_reaching_into_another_layer_or_feature():
    source = "import streamlit as st\nfrom atlas.core import ui\nfrom atlas.map import views\n"
    assert find_foreign_imports(source, "map") == []
    bad = source + "from geodata import DataNotBuiltError\nfrom atlas.flows import views as other\nimport pandas\n"
    assert find_foreign_imports(bad, "map") == ["geodata", "atlas.flows", "pandas"]
