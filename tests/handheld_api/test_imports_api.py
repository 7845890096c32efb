"""Onboarding over HTTP on a real node: a warehouse defined from scratch in the documented CSV
format, refused as a whole while a row is wrong, then imported; idempotent per sender."""

from __future__ import annotations

import httpx

from floor.catalog.model import make_gtin13
from tests.live import LiveApp


def _files(w: str, gtin: str) -> dict[str, str]:
    return {
        "warehouses": f"warehouse,name,time_zone\n{w},Test DC,Asia/Shanghai\n",
        "layout": "warehouse,aisles,cells,aisle_distance_m,cell_length_m,front_gap_m,back_gap_m,depot_aisle,"
                  f"depot_position,cross_aisles,zones\n{w},3,8,5.0,1.0,1.5,1.5,1,front,,\n",
        "locations": f"warehouse,code,kind,capacity,aisle,cell,level,zone,min_units,max_units\n"
                     f"{w},{w}-A01-C01,pick_face,100,1,1,1,,5,80\n{w},{w}-A02-C03,pick_face,100,2,3,1,,5,80\n",
        "skus": "warehouse,sku,gtin,name_zh,name_en,weight_g,length_mm,width_mm,height_mm,case_gtin,case_units,"
                "inner_gtin,inner_units,lot_controlled,expiry_controlled,serial_controlled\n"
                f"{w},NEW-1,{gtin},新杯子,New cup,200,80,80,100,,,,,false,false,false\n",
        "stock": f"warehouse,location,sku,quantity,lot,expiry\n{w},{w}-A01-C01,NEW-1,25,,\n",
    }


def test_onboard_a_new_warehouse_over_http(live_app: LiveApp) -> None:
    w = f"N{live_app.warehouse[1:]}"[:8]
    admin = {"Authorization": f"Bearer {live_app.token('admin')}"}
    good = make_gtin13("692000", 4242)
    bad_digit = good[:-1] + str((int(good[-1]) + 1) % 10)
    url = f"{live_app.url}/api/imports"
    # A wrong check digit: the whole import is refused with the row and the field, nothing written.
    wrong = httpx.post(url, headers=admin, json={"import_id": "first", "files": _files(w, bad_digit)}, timeout=30)
    assert wrong.status_code == 200, wrong.text
    report = wrong.json()
    assert report["status"] == "refused"
    assert any(p["field"] == "gtin" and p["row"] == 1 and p["code"] == "bad_check_digit" for p in report["problems"]), report["problems"]
    stock = httpx.get(f"{live_app.url}/api/inventory/skus/NEW-1", params={"warehouse": w}, headers=admin)
    assert stock.status_code == 404  # nothing was written, not even the warehouse
    # A dry run of the fixed files is valid and still writes nothing.
    dry = httpx.post(f"{url}/validate", headers=admin, json={"import_id": "second", "files": _files(w, good)}, timeout=30)
    assert dry.json()["status"] == "valid", dry.text
    assert httpx.get(f"{live_app.url}/api/inventory/skus/NEW-1", params={"warehouse": w}, headers=admin).status_code == 404
    done = httpx.post(url, headers=admin, json={"import_id": "second", "files": _files(w, good)}, timeout=30)
    assert done.status_code == 200 and done.json()["status"] == "imported", done.text
    level = httpx.get(f"{live_app.url}/api/inventory/skus/NEW-1", params={"warehouse": w}, headers=admin).json()
    assert level["on_hand"] == 25 and level["locations"] == {f"{w}-A01-C01": 25}
    again = httpx.post(url, headers=admin, json={"import_id": "second", "files": _files(w, good)}, timeout=30)
    assert again.json()["repeat"] is True
    status = httpx.get(f"{url}/second", headers=admin)
    assert status.status_code == 200 and status.json()["status"] == "imported"
    # Only admins import.
    assert httpx.post(url, headers=live_app.headers("supervisor"), json={"import_id": "x", "files": {}}).status_code == 403
