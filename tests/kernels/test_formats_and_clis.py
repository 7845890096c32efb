"""Readers, writers and the three CLIs; the published SPRP optima on the real instances."""

from __future__ import annotations

import csv
import io
import json
import os
import re

import numpy as np
import pytest

from kernels import instances, obp, sprp
from kernels.formats import FormatError, read_batching, read_routing, write_batching, write_routing
from kernels.routing import plan_route
from tests.kernels.reference import JIT, optimal_length

DATA = os.environ.get("SPRP_DATA") or os.path.join(os.path.abspath(__file__).rsplit(os.sep, 4)[0], "shared", "data", "sprp")  # ../shared beside the checkout
NAME = re.compile(r"unit_F1_m(\d+)_C(\d+)_a(\d+)_(\d+)\.txt")
needs_data = pytest.mark.skipif(not os.path.isdir(DATA), reason="SPRP benchmark data not present")


def published() -> dict[str, float]:
    with open(os.path.join(DATA, "results_SPRP.csv"), encoding="utf-8") as handle:
        return {f"unit_F1_m{r['num aisles']}_C{r['num cells']}_a{r['num articles']}_{r['random seed']}.txt":
                float(r["DP cost"]) for r in csv.DictReader(handle)}


@needs_data
def test_sprp_instances_reach_published_optimum() -> None:
    optimum = published()
    names = sorted(optimum)
    if not JIT:  # one instance of every size class keeps the interpreted run short
        names = [n for n in names if n.endswith("_0.txt")]
    assert len(names) in (2400, 48)
    for name in names:
        result = sprp.solve(read_routing(os.path.join(DATA, "instances", name)))
        assert result["length"] == optimum[name], name


@needs_data
def test_sprp_cli_contract_one_and_two_blocks(capsys: pytest.CaptureFixture[str]) -> None:
    files = [os.path.join(DATA, "instances", n) for n in ("unit_F1_m5_C30_a7_3.txt", "unit_F1_m10_C60_a15_1.txt")]
    assert sprp.main(files) == 0
    one = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sprp.main(["--blocks", "2", *files]) == 0
    two = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    optimum = published()
    for path, a, b in zip(files, one, two, strict=True):
        instance = read_routing(path)
        assert a["instance"] == b["instance"] == os.path.basename(path)
        assert a["length"] == optimum[a["instance"]]
        assert b["length"] <= a["length"] + 2 * len(set(instance.aisles.tolist()))  # crossing adds <= 1 per pass
        expected = sorted(zip(instance.aisles.tolist(), instance.file_cells.tolist(), strict=True))
        assert sorted(map(tuple, a["visits"])) == expected and sorted(map(tuple, b["visits"])) == expected
        assert a["micros"] > 0


def test_generated_two_block_instance_matches_held_karp(tmp_path: os.PathLike[str]) -> None:
    for seed in range(4):
        inst = instances.routing_instance(5, 8, 6, depot_aisle=seed % 5, depot_top=bool(seed % 2),
                                          two_blocks=True, seed=seed)
        path = os.path.join(tmp_path, inst.name)
        with open(path, "w", encoding="utf-8") as out:
            write_routing(out, inst)
        back = read_routing(path)
        assert back.aisles.tolist() == inst.aisles.tolist() and back.file_cells.tolist() == inst.file_cells.tolist()
        w = back.layout.warehouse
        assert w.middle_cross_aisles == (4,)
        assert sprp.solve(back)["length"] == pytest.approx(optimal_length(w, back.aisles, back.cells))


def test_batching_roundtrip_and_obp_cli(tmp_path: os.PathLike[str], capsys: pytest.CaptureFixture[str]) -> None:
    inst = instances.henn_waescher(12 if JIT else 6, 45, "abc", seed=1)
    buffer = io.StringIO()
    write_batching(buffer, inst)
    path = os.path.join(tmp_path, inst.name)
    with open(path, "w", encoding="utf-8") as out:
        out.write(buffer.getvalue())
    back = read_batching(path)
    assert back.capacity == 45 and len(back.order_aisles) == len(inst.order_aisles)
    for x, y in zip(back.order_quantities, inst.order_quantities, strict=True):
        assert x.tolist() == y.tolist()
    for routing in ("optimal", "sshape", "largest-gap"):
        assert obp.main(["--routing", routing, "--seconds", "0.05", path]) == 0
        result = json.loads(capsys.readouterr().out)
        assert sorted(o for b in result["batches"] for o in b) == list(range(len(inst.order_aisles)))
        w = back.layout.warehouse
        total = 0.0
        for b in result["batches"]:
            assert sum(int(back.order_quantities[o].sum()) for o in b) <= 45
            cells = back.order_cells()
            total += plan_route(w, np.concatenate([back.order_aisles[o] for o in b]),
                                np.concatenate([cells[o] for o in b]), routing).length
        assert result["distance"] == pytest.approx(total)


def test_instances_cli_and_format_errors(tmp_path: os.PathLike[str]) -> None:
    out = os.path.join(tmp_path, "gen")
    assert instances.main(["obp", "--orders", "5", "--capacity", "30", "--out", out]) == 0
    assert instances.main(["sprp", "--aisles", "4", "--cells", "6", "--picks", "3", "--count", "2", "--out", out]) == 0
    assert len(os.listdir(out)) == 3
    bad = os.path.join(tmp_path, "bad.txt")
    with open(bad, "w", encoding="utf-8") as handle:
        handle.write("NAME : x\nNUM_AISLES : 3\nSKU_SECTION\nwhat is this\n")
    with pytest.raises(FormatError):
        read_routing(bad)
    with pytest.raises(ValueError):
        instances.henn_waescher(3, 30, storage="random")
