"""Rate cards: weight, zone and cut-off edges; choice by promise or pin. Money in fen."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from floor.core.errors import ValidationError
from floor.shipping import s10
from floor.shipping.model import Destination, Parcel, catalogue
from floor.shipping.rates import chargeable, choose, quote, zone_of

SH = ZoneInfo("Asia/Shanghai")


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=SH).timestamp() * 1000)


NOON = ms("2026-12-03T12:00:00")
GZ = Destination("广东", "广州市", "天河区")
BJ = Destination("北京", "北京市", "朝阳区")


def by_code(quotes: list, code: str):  # type: ignore[no-untyped-def]
    return next(q for q in quotes if q.service == code)


def test_every_carrier_of_the_issue_is_in_the_data() -> None:
    cat = catalogue()
    assert {"SF", "JD", "ZTO", "YTO", "STO", "YUNDA", "EMS", "DHL"} <= set(cat.carriers)
    assert {c.route for k, c in cat.carriers.items() if k in ("ZTO", "YTO", "STO", "YUNDA")} == {"platform_component"}


def test_zones_from_origin_warehouse() -> None:
    assert zone_of("W1", GZ) == "intra"
    assert zone_of("W1", Destination("广西")) == "near"
    assert zone_of("W1", BJ) == "national"
    assert zone_of("W3", BJ) == "intra"
    assert zone_of("W1", Destination("新疆", "乌鲁木齐市")) == "remote"
    assert zone_of("W1", Destination("", country="DE")) == "intl"
    with pytest.raises(ValidationError):
        zone_of("W9", GZ)


@pytest.mark.parametrize("grams,charged,fen", [(1, 500, 2300), (1000, 1000, 2300), (1001, 1500, 3300),
                                               (1500, 1500, 3300), (1501, 2000, 3300), (2001, 2500, 4300)])
def test_sf_rounds_up_to_half_kilo_and_charges_started_steps(grams: int, charged: int, fen: int) -> None:
    q = by_code(quote("W1", BJ, Parcel(grams), NOON), "SF_STD")
    assert (q.chargeable_g, q.price_fen) == (charged, fen)


@pytest.mark.parametrize("grams,fen", [(1000, 650), (1001, 1050), (2000, 1050), (2001, 1450)])
def test_kilo_rounding_for_network_carriers(grams: int, fen: int) -> None:
    assert by_code(quote("W1", BJ, Parcel(grams), NOON), "ZTO_STD").price_fen == fen


def test_volumetric_weight_and_divisor_per_lane() -> None:
    box = Parcel(800, 400, 300, 200)  # 24 000 cm3
    assert chargeable(box, 6000, 500) == (4000, 4000)
    assert chargeable(box, 12000, 500) == (2000, 2000)
    assert by_code(quote("W1", BJ, box, NOON), "SF_STD").chargeable_g == 4000  # cross-region /6000
    assert by_code(quote("W1", GZ, box, NOON), "SF_STD").chargeable_g == 2000  # in-province /12000
    assert by_code(quote("W1", BJ, box, NOON), "JD_STD").chargeable_g == 3000  # /8000 -> 3000 g


def test_remote_area_surcharge_and_fuel_percentage() -> None:
    plain = by_code(quote("W1", Destination("四川", "成都市"), Parcel(900), NOON), "JD_STD")
    remote = by_code(quote("W1", Destination("四川", "甘孜藏族自治州"), Parcel(900), NOON), "JD_STD")
    assert remote.surcharge_fen == 1500 and remote.price_fen == plain.price_fen + 1500
    intl = quote("W1", Destination("", country="US"), Parcel(1200), NOON)
    assert [q.service for q in intl] == ["DHL_EXP"]
    base = 18000 + 2 * 4500
    assert intl[0].price_fen == base + base * 20 // 100 and intl[0].surcharge_fen == base * 20 // 100


def test_weight_limits_exclude_services() -> None:
    heavy = quote("W1", BJ, Parcel(45000), NOON)
    assert {q.service for q in heavy} == {"SF_STD"}
    with pytest.raises(ValidationError):
        quote("W1", BJ, Parcel(0), NOON)


def test_cutoff_edge_moves_pickup_to_next_day() -> None:
    before = by_code(quote("W1", BJ, Parcel(500), ms("2026-12-03T17:59:59")), "SF_STD")
    at = by_code(quote("W1", BJ, Parcel(500), ms("2026-12-03T18:00:00")), "SF_STD")
    assert (before.pickup_date, before.promised_date) == ("2026-12-03", "2026-12-05")
    assert (at.pickup_date, at.promised_date) == ("2026-12-04", "2026-12-06")


def test_choose_cheapest_meeting_promise_pinned_and_late() -> None:
    quotes = quote("W1", BJ, Parcel(800), NOON)
    assert quotes[0].service == "YTO_STD"  # cheapest overall (630 fen) but 4 days
    loose = choose(quotes, "2026-12-31")
    assert loose.chosen.service == "YTO_STD" and loose.rule == "cheapest_meeting_promise"
    tight = choose(quotes, "2026-12-05")  # 2 days: SF_STD (2300), JD_STD (1800) -> JD
    assert tight.chosen.service == "JD_STD" and len(tight.alternatives) == len(quotes) - 1
    assert {q.service for q in tight.alternatives if q.meets_promise} == {"SF_STD"}
    pinned = choose(quotes, "2026-12-05", pinned="ZTO_STD")
    assert pinned.chosen.service == "ZTO_STD" and pinned.rule == "pinned" and not pinned.chosen.meets_promise
    late = choose(quotes, "2026-12-03")
    assert late.rule == "fastest_late" and late.chosen.promised_date == "2026-12-05"
    assert late.chosen.service == "JD_STD"  # fastest, then cheapest
    with pytest.raises(ValidationError):
        choose(quotes, pinned="DHL_EXP")


def test_s10_check_digit() -> None:
    assert s10.check_digit("12345678") == 5 and s10.make("RB", 12345678, "GB") == "RB123456785GB"
    assert s10.valid("RB123456785GB") and not s10.valid("RB123456784GB")
    assert s10.check_digit("00000000") == 5  # 11 -> 5
    assert s10.valid(s10.make("EE", 99999999, "CN"))
