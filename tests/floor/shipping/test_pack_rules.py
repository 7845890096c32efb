"""Pack rules, pure: serials, box suggestion from master-data dimensions, weight tolerance edges."""

from __future__ import annotations

from floor.shipping import pack
from floor.shipping.pack import Item, PackSession


def session() -> PackSession:
    items = {"PHONE": Item("PHONE", 180, 160, 80, 20, serial_controlled=True), "CASE": Item("CASE", 40, 170, 90, 15),
             "TV": Item("TV", 9000, 520, 380, 90)}
    return PackSession("O1", "PACK-1", {"PHONE": 2, "CASE": 1}, items, [])


def test_serials_required_once_each_and_recorded() -> None:
    s = session()
    assert pack.scan(s, "PHONE") == "serial_required"
    assert pack.scan(s, "PHONE", "IMEI-1") == "ok"
    assert pack.scan(s, "PHONE", "IMEI-1") == "serial_repeat"
    assert pack.scan(s, "PHONE", "IMEI-2") == "ok"
    assert pack.scan(s, "PHONE", "IMEI-3") == "extra"
    assert pack.scan(s, "TV") == "wrong_item"
    assert s.boxes[0].serials == ["PHONE:IMEI-1", "PHONE:IMEI-2"] and s.missing() == {"CASE": 1}


def test_box_suggestion_is_the_smallest_that_fits() -> None:
    s = session()
    assert pack.suggest([s.items["CASE"]]).code == "BAG-S"  # type: ignore[union-attr]
    assert pack.suggest([s.items["PHONE"], s.items["PHONE"], s.items["CASE"]]).code == "BAG-S"  # type: ignore[union-attr]
    charger = Item("CHARGER", 100, 100, 100, 60)  # 60 mm high: not in a 40 mm bag
    assert pack.suggest([s.items["PHONE"], charger]).code == "BOX-1"  # type: ignore[union-attr]
    assert pack.suggest([s.items["TV"]]).code == "BOX-4"  # type: ignore[union-attr]
    assert pack.suggest([Item("POLE", 100, 2000, 30, 30)]) is None  # fits no carton


def test_weight_tolerance_edges() -> None:
    assert pack.weight_ok(500, 550) and not pack.weight_ok(500, 551)  # 50 g floor
    assert pack.weight_ok(2000, 2100) and not pack.weight_ok(2000, 2101)  # 5 % above 1 kg
    assert pack.weight_ok(2000, 1900) and not pack.weight_ok(2000, 1899)
