"""The package's shape: pure modules stay pure; docs, templates and packaging follow the code."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from floor.onboarding.columns import COLUMNS
from floor.onboarding.demo_files import demo_files
from floor.onboarding.model import KINDS, PROBLEMS
from tests.test_architecture import IO_MODULES, imports

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "floor" / "onboarding"
PURE = ("model.py", "columns.py", "parse.py", "read.py", "validate.py", "checks_site.py", "checks_items.py",
        "stock_checks.py", "demo_files.py")


def test_pure_modules_do_no_io() -> None:
    for name in PURE:
        assert not imports(PACKAGE / name) & IO_MODULES, name
    assert set(PURE) | {"__init__.py", "store.py", "records.py", "service.py"} == {p.name for p in PACKAGE.glob("*.py")}


def test_docs_name_every_column_and_problem() -> None:
    text = (ROOT / "docs" / "onboarding.md").read_text()
    for kind in KINDS:
        section = text.split(f"### {kind}.csv", 1)[1].split("\n### ", 1)[0]
        for column in COLUMNS[kind]:
            assert re.search(rf"^\| `{column.name}` \|", section, re.M), f"{kind}.{column.name} is not documented"
    for code in PROBLEMS:
        assert f"`{code}`" in text, f"problem code {code} is not documented"


def test_demo_files_are_templates_in_column_order() -> None:
    for kind, data in demo_files().items():
        header = data.decode("utf-8").split("\n", 1)[0].split(",")
        assert header == [column.name for column in COLUMNS[kind]], kind


def test_package_data_ships_the_scripts_and_templates() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["floor"]
    assert {"*/lua/*.lua", "store/lua/lib/*.lua", "onboarding/demo/*.csv"} <= set(data)
