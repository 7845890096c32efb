"""Quote every eligible service for a parcel and choose one. Pure: data in, quotes out.

Invariant: prices are integer fen computed from the rate card only: chargeable weight = max(actual,
volumetric) rounded UP to the service's step; first weight then each started additional step; remote
surcharge; fuel surcharge as a percentage rounded half up. A service is eligible when it serves the
zone and the weight. The caller stores the Choice (chosen + alternatives) on the shipment.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from floor.core.errors import ValidationError
from floor.shipping.model import Choice, Destination, Parcel, Quote, Service, Zones, catalogue, zones


def zone_of(origin_warehouse: str, dest: Destination, table: Zones | None = None) -> str:
    table = table or zones()
    if dest.country.upper() != "CN":
        return "intl"
    origin = table.warehouses.get(origin_warehouse)
    if origin is None:
        raise ValidationError(f"warehouse {origin_warehouse} has no origin province in the zone table")
    if dest.province in table.remote_provinces:
        return "remote"
    return table.zones.get(origin, {}).get(dest.province, "national")


def chargeable(parcel: Parcel, divisor: int, rounding_g: int) -> tuple[int, int]:
    """(chargeable grams rounded up to ``rounding_g``, volumetric grams)."""
    cm3_times_1000 = parcel.length_mm * parcel.width_mm * parcel.height_mm  # mm3 = cm3 * 1000
    volumetric = -(-cm3_times_1000 // divisor) if divisor else 0  # grams: cm3 / divisor kg
    weight = max(parcel.weight_g, volumetric, 1)
    return -(-weight // rounding_g) * rounding_g, volumetric


def price(service: Service, zone: str, grams: int) -> int:
    first_g, first_fen, step_g, step_fen = service.rates[zone]
    if grams <= first_g:
        return first_fen
    return first_fen + (-(-(grams - first_g) // step_g)) * step_fen


def _dates(service: Service, zone: str, now_ms: int, time_zone: str) -> tuple[str, str]:
    local = datetime.fromtimestamp(now_ms / 1000, ZoneInfo(time_zone))
    hour, minute = (int(part) for part in service.cutoff.split(":"))
    pickup = local.date() if local.time() < time(hour, minute) else local.date() + timedelta(days=1)
    return pickup.isoformat(), (pickup + timedelta(days=service.transit_days[zone])).isoformat()


def quote(origin_warehouse: str, dest: Destination, parcel: Parcel, now_ms: int,
          services: list[Service] | None = None, table: Zones | None = None) -> list[Quote]:
    """Every eligible service, cheapest first (then fastest, then code)."""
    if parcel.weight_g <= 0:
        raise ValidationError("weight_g must be positive")
    table = table or zones()
    zone = zone_of(origin_warehouse, dest, table)
    remote = f"{dest.province}/{dest.city}" in table.remote_areas or \
        f"{dest.province}/{dest.district}" in table.remote_areas
    out: list[Quote] = []
    for service in services if services is not None else catalogue().services:
        if zone not in service.rates or zone not in service.divisor:
            continue
        grams, volumetric = chargeable(parcel, service.divisor[zone], service.rounding_g)
        if grams > service.max_weight_g:
            continue
        base = price(service, zone, grams)
        surcharge = service.surcharges.get("remote_area_fen", 0) if remote else 0
        fuel = (base + surcharge) * service.surcharges.get("fuel_pct", 0)
        surcharge += (fuel + 50) // 100
        pickup, promised = _dates(service, zone, now_ms, table.time_zone)
        out.append(Quote(service.code, service.carrier, zone, grams, volumetric, base + surcharge, surcharge,
                         pickup, promised))
    return sorted(out, key=lambda q: (q.price_fen, q.promised_date, q.service))


def choose(quotes: list[Quote], promise_date: str = "", pinned: str = "") -> Choice:
    """Pinned service if given (must be eligible), else the cheapest that meets the promise date,
    else (nothing meets it) the fastest, marked late. Alternatives keep their promise flag."""
    if not quotes:
        raise ValidationError("no service can carry this parcel to that destination")
    marked = [Quote(**{**{f: getattr(q, f) for f in q.__struct_fields__},
                       "meets_promise": not promise_date or q.promised_date <= promise_date}) for q in quotes]
    if pinned:
        chosen = next((q for q in marked if q.service == pinned), None)
        if chosen is None:
            raise ValidationError(f"pinned service {pinned} cannot carry this parcel")
        rule = "pinned"
    else:
        meeting = [q for q in marked if q.meets_promise]
        if meeting:
            chosen, rule = meeting[0], "cheapest_meeting_promise"
        else:
            chosen = min(marked, key=lambda q: (q.promised_date, q.price_fen, q.service))
            rule = "fastest_late"
    return Choice(chosen, [q for q in marked if q is not chosen], rule)
