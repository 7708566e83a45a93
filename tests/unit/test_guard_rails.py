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


# --- one of each shared helper ------------------------------------------------------------------------------

# A rule that has one home in the tree, and the shapes a second, hand-made copy of it takes. The operator's
# console commands and build errors (English only, never shown to visitors) may group digits themselves.
ONE_HOME = {
    "numbers and dates in a language (Babel)": (r"babel\.numbers|babel\.dates|format_decimal\(", {"etl/formatting.py"}),
    "thousands separators by hand": (
        r"\{[^{}]*:,[.0-9]*[dfg%]?\}|\.replace\(\",\", \"\.\"\)",
        {"etl/commands.py", "etl/store_cli.py", "etl/store.py", "api/__main__.py", "etl/sources/slv_bcr_census2024.py"},
    ),
    "a YAML file read": (r"yaml\.(safe_)?load\(|yaml\.full_load\(", {"common/yamlfile.py"}),
    "a download button": (r"st\.download_button\(", {"atlas/core/downloads.py"}),
    "a timer that plays periods": (r"run_every", {"atlas/core/play.py"}),
    "the 'data not built' error": (r"class \w*NotBuilt\w*\(", {"geodata/paths.py"}),
    "US fiscal years and period order": (
        r"def \w*fiscal_year\w*\(|def \w*sort_periods\(|def period_sort_key\(",
        {"etl/periods.py"},
    ),
    "the bilingual text type": (r"class Bilingual\b", {"common/text.py"}),
    "the registry's errors": (r"REGISTRY_ERRORS\s*=", {"etl/submissions/registry.py"}),
    "the data version stated on downloads": (
        r"def (citable_)?data_version\(",
        {"atlas/core/loaders.py", "etl/store.py"},
    ),
    "Streamlit internals patched": (r"streamlit\.\w+\.\w+\s*=|monkeypatch|setattr\(st\b", set()),
}
PRODUCT = ("atlas", "api", "publications", "layers", "indicators", "etl", "geodata", "common", "deploy")


def find_second_homes(files: dict[str, str]) -> dict[str, list[str]]:
    """For each rule of ``ONE_HOME``, the files (path -> text) that hold it outside its home."""
    import re

    found: dict[str, list[str]] = {}
    for rule, (pattern, homes) in ONE_HOME.items():
        where = sorted(path for path, text in files.items() if path not in homes and re.search(pattern, text))
        if where:
            found[rule] = where
    return found


def _product_files() -> dict[str, str]:
    files = {"streamlit_app.py": (ROOT / "streamlit_app.py").read_text()}
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            files[str(path.relative_to(ROOT))] = path.read_text()
    return files


def test_each_shared_helper_has_one_home():
    assert find_second_homes(_product_files()) == {}


def test_a_second_home_of_a_shared_helper_is_found():
    copies = {
        "atlas/flows/views.py": 'label = f"{value:,.0f}"',
        "atlas/map/loaders.py": "data = yaml.safe_load(text)",
        "etl/formatting.py": "from babel.numbers import format_decimal",
        "atlas/explorer/loaders.py": "def data_version(stamp):",
    }
    assert find_second_homes(copies) == {
        "thousands separators by hand": ["atlas/flows/views.py"],
        "a YAML file read": ["atlas/map/loaders.py"],
        "the data version stated on downloads": ["atlas/explorer/loaders.py"],
    }
