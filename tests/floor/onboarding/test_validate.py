"""Validation, pure: every problem kind on a small import that is otherwise clean.

Each case breaks one thing in :func:`rows.base` and names the problems it must produce: a case
fails when the validator misses the problem, and (because the base is clean and the expected set
is exact) when it reports anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from floor.layout.model import Layout
from floor.onboarding import read
from floor.onboarding.model import Existing, ImportRequest, SkuStock
from floor.onboarding.validate import validate_files
from tests.floor.onboarding.rows import base, gtin13, pack, to_csv, to_json

Rows = dict[str, list[dict[str, Any]]]


def run(rows: Rows, existing: Existing | None = None, allowed: tuple[str, ...] = ("*",), fmt: str = "csv") -> Any:
    files = to_csv(rows) if fmt == "csv" else to_json(rows)
    report, _clean = validate_files(ImportRequest("t-1", format=fmt), files, existing or Existing(), allowed)
    return report


def found(report: Any) -> set[tuple[str, int, str, str]]:
    return {(p.kind, p.row, p.field, p.code) for p in report.problems}


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_base_import_is_clean(fmt: str) -> None:
    report = run(base(), fmt=fmt)
    assert report.status == "valid" and report.problems == [], report.problems
    assert {k: (c.rows, c.valid) for k, c in report.counts.items()} == {
        "warehouses": (1, 1), "layout": (1, 1), "locations": (5, 5), "skus": (3, 3), "stock": (5, 5),
        "pickers": (1, 1), "users": (1, 1)}


def _set(file: str, index: int, **values: Any) -> Callable[[Rows], None]:
    def change(rows: Rows) -> None:
        rows[file][index].update(values)
    return change


def _add(file: str, **values: Any) -> Callable[[Rows], None]:
    def change(rows: Rows) -> None:
        rows[file].append(values if file == "users" else {"warehouse": "V1", **values})
    return change


A2_STOCK = ("stock", 2, "sku", "invalid_reference")  # the stock row of SKU A-2 when A-2 is invalid
A1_STOCK = {("stock", 1, "sku", "invalid_reference"), ("stock", 5, "sku", "invalid_reference")}
LOT_GROUP = ("stock", 4, "location", "invalid_reference")  # the other lot of A-3 at V1-A02-C10

CASES: dict[str, tuple[Callable[[Rows], None], set[tuple[str, int, str, str]]]] = {
    "bad check digit": (_set("skus", 1, gtin=gtin13(2)[:-1] + str((int(gtin13(2)[-1]) + 1) % 10)),
                        {("skus", 2, "gtin", "bad_check_digit"), A2_STOCK}),
    "GTIN of 5 digits": (_set("skus", 1, gtin="12345"), {("skus", 2, "gtin", "bad_gtin"), A2_STOCK}),
    "GTIN in full-width digits": (_set("skus", 1, gtin="６９０９９９０００００２７"), {("skus", 2, "gtin", "bad_gtin"), A2_STOCK}),
    "GTIN a spreadsheet made a number": (_set("skus", 1, gtin="6.90999E+12"), {("skus", 2, "gtin", "bad_gtin"), A2_STOCK}),
    "GTIN all zeros": (_set("skus", 1, gtin="00000000"), {("skus", 2, "gtin", "bad_gtin"), A2_STOCK}),
    "duplicate SKU": (_add("skus", sku="A-2", gtin=gtin13(4), name_en="x"), {("skus", 4, "sku", "duplicate")}),
    "duplicate SKU in other letter case": (_add("skus", sku="a-2", gtin=gtin13(4), name_en="x"), {("skus", 4, "sku", "duplicate")}),
    "duplicate GTIN": (_add("skus", sku="A-4", gtin=gtin13(2), name_en="x"), {("skus", 4, "gtin", "duplicate_gtin")}),
    "case GTIN of another SKU": (_set("skus", 1, case_gtin=pack(1, gtin13(1)), case_units="12"),
                                 {("skus", 2, "case_gtin", "duplicate_gtin"), A2_STOCK}),
    "unknown location": (_set("stock", 1, location="V1-A01-C09"), {("stock", 2, "location", "unknown_location")}),
    "unknown SKU": (_set("stock", 1, sku="NOPE"), {("stock", 2, "sku", "unknown_sku")}),
    "negative quantity": (_set("stock", 1, quantity="-5"), {("stock", 2, "quantity", "not_positive")}),
    "zero quantity": (_set("stock", 1, quantity="0"), {("stock", 2, "quantity", "not_positive")}),
    "full-width digits in a quantity": (_set("stock", 1, quantity="３０"), {("stock", 2, "quantity", "bad_integer")}),
    "Arabic-Indic digits in a quantity": (_set("stock", 1, quantity="٣٠"), {("stock", 2, "quantity", "bad_integer")}),
    "full-width digit in an aisle": (_set("locations", 3, aisle="２"), {("locations", 4, "aisle", "bad_integer"),
                                                                       ("stock", 3, "location", "invalid_reference"),
                                                                       ("stock", 4, "location", "invalid_reference")}),
    "control character in a code": (_set("skus", 1, sku="A-\x072"), {("skus", 2, "sku", "bad_characters"), ("stock", 2, "sku", "unknown_sku")}),
    "non-ASCII letter in a code": (_set("skus", 1, sku="A-２"), {("skus", 2, "sku", "bad_characters"), ("stock", 2, "sku", "unknown_sku")}),
    "control character in a name": (_set("skus", 1, name_en="Tow\x00el"), {("skus", 2, "name_en", "bad_characters"), A2_STOCK}),
    "bidi override in a name": (_set("skus", 1, name_en="Towel\u202e"), {("skus", 2, "name_en", "bad_characters"), A2_STOCK}),
    "SKU code too long": (_add("skus", sku="S" * 33, gtin=gtin13(5), name_en="x"), {("skus", 4, "sku", "too_long")}),
    "name too long": (_set("skus", 1, name_en="n" * 121), {("skus", 2, "name_en", "too_long"), A2_STOCK}),
    "no name": (_set("skus", 1, name_en=""), {("skus", 2, "name_en", "required"), A2_STOCK}),
    "case of one unit": (_set("skus", 0, case_units="1"), {("skus", 1, "case_units", "inconsistent_units"),
                                                          ("skus", 1, "inner_units", "inconsistent_units"), *A1_STOCK}),
    "inner not smaller than case": (_set("skus", 0, inner_units="12"), {("skus", 1, "inner_units", "inconsistent_units"), *A1_STOCK}),
    "inner does not divide case": (_set("skus", 0, inner_units="5"), {("skus", 1, "inner_units", "inconsistent_units"), *A1_STOCK}),
    "case GTIN is the unit GTIN": (_set("skus", 0, case_gtin=gtin13(1)), {("skus", 1, "case_gtin", "inconsistent_units"), *A1_STOCK}),
    "case GTIN without units": (_set("skus", 0, case_units=""), {("skus", 1, "case_units", "inconsistent_units"), *A1_STOCK}),
    "not a date": (_set("stock", 2, expiry="2027-02-30"), {("stock", 3, "expiry", "bad_date"), LOT_GROUP}),
    "date with slashes": (_set("stock", 2, expiry="2027/01/31"), {("stock", 3, "expiry", "bad_date"), LOT_GROUP}),
    "date in full-width digits": (_set("stock", 2, expiry="２０２７-01-31"), {("stock", 3, "expiry", "bad_date"), LOT_GROUP}),
    "date out of range": (_set("stock", 2, expiry="1999-12-31"), {("stock", 3, "expiry", "date_out_of_range"), LOT_GROUP}),
    "lot missing": (_set("stock", 2, lot=""), {("stock", 3, "lot", "lot_required"), LOT_GROUP}),
    "expiry missing": (_set("stock", 2, expiry=""), {("stock", 3, "expiry", "expiry_required"), LOT_GROUP}),
    "two expiries of one lot": (_add("stock", location="V1-A01-C02", sku="A-3", quantity="1", lot="L1", expiry="2027-02-28"),
                                {("stock", 6, "expiry", "inconsistent_expiry")}),
    "same lot twice at a location": (_add("stock", location="V1-A02-C10", sku="A-3", quantity="1", lot="L1", expiry="2027-01-31"),
                                     {("stock", 6, "lot", "duplicate"), ("stock", 3, "location", "invalid_reference"), LOT_GROUP}),
    "location beyond the aisles": (_add("locations", code="V1-A03-C01", kind="pick_face", capacity="9", aisle="3", cell="1"),
                                   {("locations", 6, "aisle", "outside_layout")}),
    "location beyond the cells": (_add("locations", code="V1-A01-C11", kind="pick_face", capacity="9", aisle="1", cell="11"),
                                  {("locations", 6, "aisle", "outside_layout")}),
    "pick face coded for another cell": (_add("locations", code="V1-A01-C03", kind="pick_face", capacity="9", aisle="1", cell="4"),
                                         {("locations", 6, "code", "bad_code")}),
    "pick face code not canonical": (_add("locations", code="V1-A1-C3", kind="pick_face", capacity="9", aisle="1", cell="3"),
                                     {("locations", 6, "code", "bad_code")}),
    "reserve coded as a pick face": (_add("locations", code="V1-A01-C05", kind="reserve", capacity="9"), {("locations", 6, "code", "bad_code")}),
    "code of another warehouse": (_add("locations", code="X9-R01", kind="reserve", capacity="9"), {("locations", 6, "code", "bad_code")}),
    "pick face without a cell": (_add("locations", code="V1-A01-C05", kind="pick_face", capacity="9", aisle="1"),
                                 {("locations", 6, "cell", "required")}),
    "duplicate location": (_add("locations", code="v1-r01", kind="reserve", capacity="9"), {("locations", 6, "code", "duplicate")}),
    "unknown zone": (_set("locations", 1, zone="Z"), {("locations", 2, "zone", "unknown_zone")}),
    "aisle outside its zone": (_set("locations", 2, zone="A"), {("locations", 3, "zone", "outside_zone"), ("stock", 2, "location", "invalid_reference")}),
    "over capacity": (_set("stock", 0, quantity="101"), {("stock", 1, "quantity", "over_capacity")}),
    "over capacity together": (_add("stock", location="V1-A01-C01", sku="A-2", quantity="61"),
                               {("stock", 1, "quantity", "over_capacity"), ("stock", 6, "quantity", "over_capacity")}),
    "min above max": (_set("locations", 1, min_units="90"), {("locations", 2, "max_units", "inconsistent_limits")}),
    "max above capacity": (_set("locations", 1, max_units="101"), {("locations", 2, "max_units", "inconsistent_limits")}),
    "min/max on a reserve": (_set("locations", 4, min_units="1"), {("locations", 5, "min_units", "inconsistent_limits"),
                                                                   ("stock", 5, "location", "invalid_reference")}),
    "capacity zero": (_set("locations", 1, capacity="0"), {("locations", 2, "capacity", "not_positive")}),
    "bad boolean": (_set("skus", 1, lot_controlled="maybe"), {("skus", 2, "lot_controlled", "bad_boolean"), A2_STOCK}),
    "bad choice": (_set("locations", 1, kind="shelf"), {("locations", 2, "kind", "bad_choice")}),
    "short PIN": (_set("pickers", 0, pin="12"), {("pickers", 1, "pin", "weak_secret")}),
    "PIN in Arabic-Indic digits": (_set("pickers", 0, pin="١٢٣٤"), {("pickers", 1, "pin", "weak_secret")}),
    "short password": (_set("users", 0, password="short"), {("users", 1, "password", "weak_secret")}),
    "picker of an unknown warehouse": (_set("pickers", 0, warehouse="Q7"), {("pickers", 1, "warehouse", "unknown_warehouse")}),
    "lower-case warehouse id": (_set("pickers", 0, warehouse="q7"), {("pickers", 1, "warehouse", "bad_code")}),
    "user of an unknown warehouse": (_set("users", 0, warehouses="V1;Q7"), {("users", 1, "warehouses", "unknown_warehouse")}),
    "role picker is for pickers.csv": (_set("users", 0, role="picker"), {("users", 1, "role", "bad_choice")}),
    "duplicate badge": (_add("pickers", picker_id="p2", badge="V1-BADGE-1", name="x", pin="1234"), {("pickers", 2, "badge", "duplicate")}),
    "duplicate username": (_add("users", username="SUP-V1", role="admin", warehouses="V1", password="12345678"),
                           {("users", 2, "username", "duplicate")}),
}
# A bad warehouse or layout row: every row of that warehouse after it is an invalid reference.
CASCADES: dict[str, tuple[Callable[[Rows], None], tuple[str, int, str, str]]] = {
    "depot beyond the aisles": (_set("layout", 0, depot_aisle="3"), ("layout", 1, "depot_aisle", "outside_layout")),
    "cross aisle at cell 1": (_set("layout", 0, cross_aisles="1"), ("layout", 1, "cross_aisles", "out_of_range")),
    "cross aisles out of order": (_set("layout", 0, cross_aisles="5;3"), ("layout", 1, "cross_aisles", "bad_format")),
    "zone beyond the aisles": (_set("layout", 0, zones="A:1-3"), ("layout", 1, "zones", "out_of_range")),
    "zone named twice": (_set("layout", 0, zones="A:1-1;A"), ("layout", 1, "zones", "duplicate")),
    "bad time zone": (_set("warehouses", 0, time_zone="Asia/Shang_hai"), ("warehouses", 1, "time_zone", "bad_time_zone")),
    "time zone as a path": (_set("warehouses", 0, time_zone="../../etc/passwd"), ("warehouses", 1, "time_zone", "bad_time_zone")),
    "layout decimal in full-width digits": (_set("layout", 0, cell_length_m="１.5"), ("layout", 1, "cell_length_m", "bad_decimal")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_problem_is_reported(case: str) -> None:
    change, expected = CASES[case]
    rows = base()
    change(rows)
    for fmt in ("csv", "json"):
        report = run(rows, fmt=fmt)
        assert report.status == "invalid" and found(report) == expected, (fmt, report.problems)


@pytest.mark.parametrize("case", list(CASCADES))
def test_a_bad_warehouse_or_layout_spoils_its_rows(case: str) -> None:
    change, expected = CASCADES[case]
    rows = base()
    change(rows)
    for fmt in ("csv", "json"):
        report = run(rows, fmt=fmt)
        assert expected in found(report), (fmt, report.problems)
        others = found(report) - {expected}
        assert others and {code for *_rest, code in others} <= {"invalid_reference", "unknown_warehouse"}
        assert sum(c.valid for c in report.counts.values()) == 0


def test_messages_never_echo_secrets() -> None:
    rows = base()
    rows["pickers"][0]["pin"] = "98"
    rows["users"][0]["password"] = "s3cr\x01t-password"
    report = run(rows)
    assert {p.code for p in report.problems} == {"weak_secret", "bad_characters"}
    assert not any("98" in p.message or "s3cr" in p.message for p in report.problems)


def test_time_zone_defaults_to_shanghai() -> None:
    rows = base()
    del rows["warehouses"][0]["time_zone"]
    report, clean = validate_files(ImportRequest("t"), to_csv(rows), Existing())
    assert report.status == "valid" and clean.warehouses[0].time_zone == "Asia/Shanghai"


def test_gtins_are_normalised_to_gtin14_and_rows_typed() -> None:
    report, clean = validate_files(ImportRequest("t"), to_csv(base()), Existing())
    assert clean.skus[0].gtin == "0" + gtin13(1) and clean.skus[0].case_units == 12
    assert clean.skus[2].lot_controlled and clean.layout[0].zones[0].last_aisle == 1


def _existing(**kw: Any) -> Existing:
    return Existing(layouts={"V1": Layout("V1", 2, 10)}, **kw)


def test_checks_against_known_master_data() -> None:
    rows = base()
    known_gtin = "0" + gtin13(2)
    # A GTIN that another known SKU owns; a known SKU in other letter case; a known SKU re-imported is an update.
    report = run(rows, _existing(skus={"V1": {"OLD": known_gtin}}, gtins={"V1": {known_gtin: "OLD"}}))
    assert found(report) == {("skus", 2, "gtin", "duplicate_gtin"), A2_STOCK}
    report = run(rows, _existing(skus={"V1": {"a-2": "0" + gtin13(9)}}, gtins={"V1": {"0" + gtin13(9): "a-2"}}))
    assert found(report) == {("skus", 2, "sku", "duplicate"), A2_STOCK}
    assert run(rows, _existing(skus={"V1": {"A-2": known_gtin}}, gtins={"V1": {known_gtin: "A-2"}})).status == "valid"
    # A badge another picker holds; a location whose kind would change; pick faces a smaller layout drops.
    report = run(rows, _existing(badges={"V1-BADGE-1": ("V9", "someone")}))
    assert found(report) == {("pickers", 1, "badge", "duplicate")}
    report = run(rows, _existing(locations={"V1": {"V1-R01": "pick_face"}}))
    assert ("locations", 5, "kind", "bad_choice") in found(report)
    report = run(rows, _existing(locations={"V1": {"V1-A02-C20": "pick_face"}}))
    assert ("layout", 1, "aisles", "outside_layout") in found(report)


def test_stock_cannot_go_below_allocations_or_reservations() -> None:
    rows = base()
    rows["skus"] = rows["skus"][1:2]  # A-2 only; A-1 and A-3 are known
    rows["stock"] = [rows["stock"][1]]  # 30 units of A-2 at V1-A02-C01
    known = {"A-1": "0" + gtin13(1), "A-3": "0" + gtin13(3)}
    allocated = _existing(skus={"V1": {**known, "A-2": "0" + gtin13(2)}},
                          stock={"V1": {"A-2": SkuStock(on_hand=50, reserved=10, locations={"V1-A02-C01": 50},
                                                        allocated={"V1-A02-C01": 35})}})
    assert found(run(rows, allocated)) == {("stock", 1, "quantity", "below_allocated")}
    reserved = _existing(skus={"V1": {**known, "A-2": "0" + gtin13(2)}},
                         stock={"V1": {"A-2": SkuStock(on_hand=50, reserved=45, locations={"V1-A02-C01": 50})}})
    assert found(run(rows, reserved)) == {("stock", 1, "quantity", "below_reserved")}
    # Other SKUs already at the location count towards its capacity (the import sets only A-2's units).
    full = _existing(skus={"V1": known}, bins={"V1": {"V1-A02-C01": {"A-1": 80}}},
                     locations={"V1": {"V1-A02-C01": "pick_face"}}, capacity={"V1": {"V1-A02-C01": 100}})
    assert found(run(rows, full)) == {("stock", 1, "quantity", "over_capacity")}


def test_lot_control_of_known_skus() -> None:
    rows = base()
    rows["skus"] = rows["skus"][:2]  # A-3 is known and lot controlled
    existing = _existing(skus={"V1": {"A-3": "0" + gtin13(3)}}, lot_controlled={"V1": {"A-3"}})
    rows["stock"][2]["lot"] = ""
    assert found(run(rows, existing)) == {("stock", 3, "lot", "lot_required"), LOT_GROUP}


def test_the_callers_warehouses_bound_the_import() -> None:
    report = run(base(), allowed=("V2",))
    assert report.status == "invalid" and "forbidden_warehouse" in {p.code for p in report.problems}
    assert all(p.code in ("forbidden_warehouse", "invalid_reference", "unknown_warehouse") for p in report.problems)
    rows = base()
    rows["users"][0]["warehouses"] = "*"
    report = run(rows, _existing(), allowed=("V1",))
    assert found(report) == {("users", 1, "warehouses", "forbidden_warehouse")}
    # A scoped admin cannot take over (reset the password of) an account of wider scope.
    rows = base()
    report = run(rows, _existing(users={"sup-v1": ("*",)}), allowed=("V1",))
    assert found(report) == {("users", 1, "username", "forbidden_warehouse")}
    assert run(rows, _existing(users={"sup-v1": ("V1",)}), allowed=("V1",)).status == "valid"
    assert run(rows, _existing(users={"sup-v1": ("*",)})).status == "valid"


def test_a_new_warehouse_needs_its_layout() -> None:
    rows = {"warehouses": base()["warehouses"]}
    assert found(run(rows)) == {("warehouses", 1, "warehouse", "missing_layout")}
    rows = {"layout": base()["layout"]}
    assert found(run(rows)) == {("layout", 1, "warehouse", "unknown_warehouse")}


def _files_with(kind: str, data: bytes) -> dict[str, bytes]:
    files = to_csv({"warehouses": base()["warehouses"], "layout": base()["layout"]})
    files[kind] = data
    return files


@pytest.mark.parametrize(("data", "code"), [
    (b"warehouse,sku,name_en\nV1,A-1,x\n", "missing_column"),
    (b"warehouse,sku,gtin,name_en,wieght_g\nV1,A-1,06909990000011,x,1\n", "unknown_column"),
    (b"warehouse,sku,gtin,name_en\nV1,A-1,06909990000011\n", "wrong_field_count"),
    ("warehouse,sku,gtin,name_zh\nV1,A-1,06909990000011,茶杯\n".encode("gbk"), "bad_encoding"),
    (b"", "empty_file"),
    (b"warehouse,sku,gtin,name_en\n", "empty_file"),
    (b'warehouse,sku,gtin,name_en\nV1,"A-1,06909990000011,x\n', "bad_format"),
])
def test_file_problems(data: bytes, code: str) -> None:
    report, _ = validate_files(ImportRequest("t"), _files_with("skus", data), Existing())
    assert code in {p.code for p in report.problems if p.kind == "skus"}, report.problems


def test_a_bom_is_tolerated() -> None:
    files = to_csv(base())
    files["skus"] = b"\xef\xbb\xbf" + files["skus"]
    assert validate_files(ImportRequest("t"), files, Existing())[0].status == "valid"


@pytest.mark.parametrize(("data", "code"), [
    (b'{"warehouse": "V1"}', "bad_format"),
    (b"[1, 2]", "bad_format"),
    (b'[{"warehouse": "V1", "sku": "A-9", "gtin": 6909990000097, "name_en": "x"}]', "bad_gtin"),
    (b'[{"warehouse": "V1", "sku": "A-9", "gtin": "6909990000097", "name_en": {"x": 1}}]', "bad_format"),
    (b'[{"warehouse": "V1", "sku": "A-9", "gtin": "6909990000097", "name_en": "x", "weight_g": true}]', "bad_integer"),
    (b"[{", "bad_format"),
])
def test_json_problems(data: bytes, code: str) -> None:
    files = to_json({"warehouses": base()["warehouses"], "layout": base()["layout"]})
    files["skus"] = data
    report, _ = validate_files(ImportRequest("t", format="json"), files, Existing())
    assert code in {p.code for p in report.problems if p.kind == "skus"}, report.problems


def test_json_takes_typed_values() -> None:
    files = to_json({**base(), "skus": [{"warehouse": "V1", "sku": "A-1", "gtin": gtin13(1), "name_en": "x", "weight_g": 12,
                                         "lot_controlled": True}]})
    del files["stock"]
    report, clean = validate_files(ImportRequest("t", format="json"), files, Existing())
    assert report.status == "valid" and clean.skus[0].weight_g == 12 and clean.skus[0].lot_controlled


@pytest.mark.parametrize(("request_", "files", "message"), [
    (ImportRequest("has space"), {"skus": b"x"}, "import_id"),
    (ImportRequest("ok", format="xml"), {"skus": b"x"}, "format"),
    (ImportRequest("ok", kinds=["skus", "stock"]), {"skus": b"x"}, "kinds"),
    (ImportRequest("ok"), {"orders": b"x"}, "not a kind"),
    (ImportRequest("ok"), {}, "at least one file"),
])
def test_bad_requests(request_: ImportRequest, files: dict[str, bytes], message: str) -> None:
    report, clean = validate_files(request_, files, Existing())
    assert report.status == "invalid" and report.problems[0].code == "bad_request" and message in report.problems[0].message
    assert clean.skus == []


def test_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read, "MAX_ROWS", 3)
    report = run(base())
    assert ("locations", 0, "", "too_many_rows") in found(report)


def test_the_report_is_capped_but_counts_everything() -> None:
    rows = base()
    rows["stock"] = [{"warehouse": "V1", "location": "V1-A01-C01", "sku": "A-1", "quantity": "-1", "lot": f"L{n}"} for n in range(1500)]
    report = run(rows)
    assert report.problem_count == 1500 and len(report.problems) == 1000
