"""Dependency direction: static -> handheld_api -> floor -> kernels; pure floor modules stay pure."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IO_MODULES = {"redis", "litestar", "rq", "asyncio", "websockets", "uvicorn", "granian", "honcho"}
# floor modules allowed to do I/O: each capability's service and store, the shared store
# package, the jobs and the process entry points (run/), and the composition module.
IO_FILES = {"service.py", "store.py", "floor.py"}
IO_FOLDERS = {"store", "jobs", "run"}
# Modules that may talk to Redis itself: stores, jobs and entry points (services go through a store).
REDIS_FILES = {"store.py", "floor.py"}
CAPABILITIES = ["accounts", "catalog", "incidents", "inventory", "layout", "onboarding", "orders", "picking", "waves",
                "availability", "routing", "channels", "shipping", "planning", "counting", "returns",
                "putback", "sorting"]


def floor_modules() -> list[Path]:
    return [p for p in (ROOT / "floor").rglob("*.py") if "__pycache__" not in p.parts]


def may_do_io(path: Path) -> bool:
    relative = path.relative_to(ROOT / "floor")
    return path.name in IO_FILES or bool(set(relative.parts[:-1]) & IO_FOLDERS)


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
    pure = [path for path in floor_modules() if not may_do_io(path)]
    assert len(pure) >= 15  # models, planners, barcodes, clock, ids, settings, lifecycle ...
    for path in pure:
        assert not imports(path) & IO_MODULES, f"{path} imports {imports(path) & IO_MODULES}"


def test_only_stores_jobs_and_entry_points_import_redis() -> None:
    for path in floor_modules():
        relative = path.relative_to(ROOT / "floor")
        if path.name in REDIS_FILES or set(relative.parts[:-1]) & IO_FOLDERS:
            continue
        assert "redis" not in imports(path), f"{relative} talks to Redis: move the calls to its store"


def test_every_capability_has_the_same_shape() -> None:
    for name in CAPABILITIES:
        folder = ROOT / "floor" / name
        assert (folder / "model.py").exists(), f"{name}: model.py (Structs, lifecycles)"
        assert (folder / "store.py").exists(), f"{name}: store.py (its Redis calls)"
        lua = folder / "lua"
        if lua.exists():
            for script in lua.glob("*.lua"):
                head = script.read_text().splitlines()[:3]
                assert any(line.startswith("-- requires:") for line in head), f"{script}: declare -- requires:"


def test_only_the_store_spells_redis_keys() -> None:
    for folder in ("floor", "handheld_api"):
        for path in (ROOT / folder).rglob("*.py"):
            if "store" in path.parts:
                continue
            text = path.read_text()
            assert not re.search(r"\{\{\{|[\"']\{[\"'] \+|[\"']\{[A-Z]\w*\}:", text), path
