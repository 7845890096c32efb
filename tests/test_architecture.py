"""Dependency direction: static -> handheld_api -> floor -> kernels; pure floor modules stay pure."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IO_MODULES = {"redis", "litestar", "rq", "asyncio", "websockets", "uvicorn", "granian", "honcho"}
# floor modules allowed to do I/O: the store, the use cases and the process entry points.
FLOOR_IO = {"services.py", "jobs.py", "worker.py", "launch.py", "demo.py"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_kernels_import_only_numpy_and_numba() -> None:
    for path in (ROOT / "kernels").rglob("*.py"):
        assert not imports(path) & {"floor", "handheld_api", *IO_MODULES}, path


def test_floor_never_imports_the_web_layer() -> None:
    for path in (ROOT / "floor").rglob("*.py"):
        assert "handheld_api" not in imports(path), path


def test_pure_floor_modules_do_no_io() -> None:
    for path in (ROOT / "floor").glob("*.py"):
        if path.name in FLOOR_IO:
            continue
        assert not imports(path) & IO_MODULES, f"{path.name} imports {imports(path) & IO_MODULES}"


def test_only_the_store_spells_redis_keys() -> None:
    for folder in ("floor", "handheld_api"):
        for path in (ROOT / folder).rglob("*.py"):
            if "store" in path.parts:
                continue
            text = path.read_text()
            assert not re.search(r"\{\{\{|[\"']\{[\"'] \+|[\"']\{[A-Z]\w*\}:", text), path
