"""The pure routing decision: match, filters, sorts, split policies, fallbacks and the trace."""

from __future__ import annotations

from floor.routing.model import (
    Match,
    OrderFacts,
    Parcel,
    Rule,
    RuleSet,
    Site,
    Snapshot,
    decide,
    rule_set_problems,
    tier,
)

SITES = [Site(warehouse="SH", province="31", priority=1), Site(warehouse="GZ", province="44", priority=2),
         Site(warehouse="CD", province="51", priority=3)]


def facts(lines: list[tuple[str, int]], province: str = "31", **kw: object) -> OrderFacts:
    base: dict[str, object] = {"channel": "taobao", "shop": "s1", "province": province, "amount": 5000,
                               "priority": 5, "lines": lines}
    base.update(kw)
    return OrderFacts(**base)  # type: ignore[arg-type]


def snap(stock: dict[str, dict[str, int]], safety: dict[str, dict[str, int]] | None = None,
         used: dict[str, int] | None = None) -> Snapshot:
    return Snapshot(stock, safety if safety is not None else stock, used or {})


def rules(*rule: Rule, sites: list[Site] = SITES) -> RuleSet:
    return RuleSet(sites=sites, rules=list(rule))


def test_nearest_complete_warehouse_wins_and_the_trace_says_why() -> None:
    plan = decide(facts([("A", 2)], province="44"), rules(Rule(name="near", sorts=["distance", "priority"])),
                  snap({"SH": {"A": 5}, "GZ": {"A": 5}, "CD": {"A": 0}}))
    assert [(p.warehouse, p.lines) for p in plan.parcels] == [("GZ", [("A", 2)])]
    verdicts = {(s.warehouse, s.verdict) for s in plan.trace}
    assert ("CD", "rejected") in verdicts and ("GZ", "chosen") in verdicts and ("SH", "candidate") in verdicts
    assert any("no stock" in s.reason for s in plan.trace if s.warehouse == "CD")


def test_priority_sort_beats_distance_when_listed_first() -> None:
    plan = decide(facts([("A", 1)], province="44"), rules(Rule(name="prio", sorts=["priority", "distance"])),
                  snap({"SH": {"A": 5}, "GZ": {"A": 5}}))
    assert plan.parcels[0].warehouse == "SH"


def test_safety_stock_filters_unless_the_rule_ignores_it() -> None:
    stock, safe = {"SH": {"A": 3}}, {"SH": {"A": 1}}
    one = [Site(warehouse="SH", province="31")]
    held = decide(facts([("A", 2)]), rules(Rule(name="r", fallback="queue"), sites=one), snap(stock, safe))
    assert held.queued and not held.parcels
    used = decide(facts([("A", 2)]), rules(Rule(name="r", use_safety=False), sites=one), snap(stock, safe))
    assert used.parcels[0].lines == [("A", 2)]


def test_region_and_capacity_filters() -> None:
    sites = [Site(warehouse="SH", province="31", serves=["31", "32"]),
             Site(warehouse="GZ", province="44", daily_capacity=10), Site(warehouse="CD", province="51")]
    plan = decide(facts([("A", 1)], province="44"), rules(Rule(name="r", sorts=["distance"]), sites=sites),
                  snap({"SH": {"A": 9}, "GZ": {"A": 9}, "CD": {"A": 9}}, used={"GZ": 10}))
    assert plan.parcels[0].warehouse == "CD"
    reasons = {s.warehouse: s.reason for s in plan.trace if s.verdict == "rejected"}
    assert "does not serve province 44" in reasons["SH"] and "daily capacity 10" in reasons["GZ"]


def test_split_none_falls_through_to_the_next_rule_then_backorders() -> None:
    stock = snap({"SH": {"A": 2, "B": 0}, "GZ": {"A": 0, "B": 2}})
    whole = Rule(name="whole", split="none", fallback="next")
    lines = Rule(name="lines", split="line", max_parcels=2, fallback="backorder")
    plan = decide(facts([("A", 1), ("B", 1)]), rules(whole, lines), stock)
    assert plan.rule == "lines"
    assert sorted((p.warehouse, p.lines[0][0]) for p in plan.parcels) == [("GZ", "B"), ("SH", "A")]
    assert any(s.rule == "whole" and s.verdict == "fallback" for s in plan.trace)


def test_split_by_quantity_and_max_parcels_backorder_the_rest() -> None:
    stock = snap({"SH": {"A": 3}, "GZ": {"A": 2}, "CD": {"A": 4}})
    plan = decide(facts([("A", 8)]), rules(Rule(name="q", split="quantity", max_parcels=2, fallback="backorder",
                                                 sorts=["priority"])), stock)
    assert [(p.warehouse, p.lines) for p in plan.parcels] == [("SH", [("A", 3)]), ("GZ", [("A", 2)])]
    assert plan.backorder is not None and plan.backorder.warehouse == "SH" and plan.backorder.lines == [("A", 3)]


def test_parcel_unit_limit_cuts_one_warehouse_into_parcels() -> None:
    plan = decide(facts([("A", 5), ("B", 2)]), rules(Rule(name="r", max_units_per_parcel=3)),
                  snap({"SH": {"A": 9, "B": 9}}))
    assert [p.lines for p in plan.parcels] == [[("A", 3)], [("A", 2), ("B", 1)], [("B", 1)]]


def test_match_by_channel_province_tags_and_amount() -> None:
    cold = Rule(name="cold", match=Match(sku_tags=["cold"]), warehouses=["CD"])
    big = Rule(name="big", match=Match(min_amount=100_000, channels=["jd"]), warehouses=["GZ"])
    rest = Rule(name="rest", warehouses=["SH"])
    rs = RuleSet(sites=SITES, rules=[cold, big, rest], sku_tags={"ICE": ["cold"]})
    stock = snap({"SH": {"A": 9, "ICE": 9}, "GZ": {"A": 9}, "CD": {"ICE": 9}})
    assert decide(facts([("ICE", 1)]), rs, stock).parcels[0].warehouse == "CD"
    assert decide(facts([("A", 1)], channel="jd", amount=200_000), rs, stock).parcels[0].warehouse == "GZ"
    plan = decide(facts([("A", 1)], channel="taobao", amount=200_000), rs, stock)
    assert plan.parcels[0].warehouse == "SH"
    assert [s.reason for s in plan.trace if s.rule == "big"] == ["channel taobao not in ['jd']"]


def test_nothing_placeable_is_queued_with_a_reason() -> None:
    plan = decide(facts([("A", 1)]), rules(Rule(name="r")), snap({}))
    assert plan.queued and plan.trace[-1].reason == "no rule placed the order: queued"


def test_merge_partner_comes_first_when_it_holds_the_whole_order() -> None:
    sites = [Site(warehouse="SH", province="31"), Site(warehouse="GZ", province="31")]
    rs = rules(Rule(name="r", sorts=["balance"]), sites=sites)
    stock = snap({"SH": {"A": 5}, "GZ": {"A": 6}})
    assert decide(facts([("A", 1)]), rs, stock).parcels[0].warehouse == "GZ"  # more stock
    assert decide(facts([("A", 1)]), rs, stock, prefer="SH").parcels[0].warehouse == "SH"
    assert decide(facts([("A", 6)]), rs, snap({"SH": {"A": 5}, "GZ": {"A": 9}}), prefer="SH").parcels == [
        Parcel("GZ", [("A", 6)])]


def test_distance_tiers_and_rule_set_validation() -> None:
    assert (tier("31", "31"), tier("31", "32"), tier("31", "44"), tier("31", "65")) == (0, 1, 2, 3)
    bad = RuleSet(sites=SITES, rules=[Rule(name="x", sorts=["cheapest"], warehouses=["ZZ"], split="half")])
    problems = " ".join(rule_set_problems(bad))
    assert "unknown sort 'cheapest'" in problems and "ZZ is not a site" in problems and "split must be" in problems
