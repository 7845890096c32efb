"""Draw a picker's planned route on the layout as SVG (for the supervisor board). Pure."""

from __future__ import annotations

from html import escape

from floor.layout.model import Layout, parse_location
from floor.picking.model import Step
from floor.waves.optimal import kernel_warehouse

SCALE = 8.0  # pixels per metre
MARGIN = 24.0


def _walk(points: list[tuple[float, float]], crosses: list[float]) -> list[tuple[float, float]]:
    """Corner points of the shortest aisle-and-cross-aisle path through ``points`` in order."""
    path = [points[0]]
    for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
        if x1 != x2:
            cross = min(crosses, key=lambda c: abs(y1 - c) + abs(y2 - c))
            path += [(x1, cross), (x2, cross)]
        path.append((x2, y2))
    return path


def route_svg(layout: Layout, steps: list[Step], title: str = "", current: int = -1) -> str:
    """An SVG of the layout, the depot, the visits numbered in order and the walking path."""
    warehouse = kernel_warehouse(layout)
    crosses = [float(c) for c in warehouse.cross_aisle_offsets()]
    height = crosses[-1]
    width = (layout.aisles - 1) * layout.aisle_distance

    def px(x: float, y: float) -> tuple[float, float]:
        return MARGIN + x * SCALE, MARGIN + (height - y) * SCALE

    depot = (float((layout.depot_aisle - 1) * layout.aisle_distance), 0.0)
    visits = []
    for step in steps:
        location = parse_location(step.location)
        assert location is not None
        y = float(warehouse.offsets([location.cell - 1])[0])
        visits.append(((location.aisle - 1) * layout.aisle_distance, y))
    path = _walk([depot, *visits, depot], crosses)
    w, h = width * SCALE + 2 * MARGIN, height * SCALE + 2 * MARGIN + 18
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0f} {h:.0f}" width="{w:.0f}" height="{h:.0f}" '
           f'font-family="sans-serif" font-size="9">',
           f'<rect width="100%" height="100%" fill="#fafafa"/><title>{escape(title)}</title>']
    for aisle in range(layout.aisles):
        x = aisle * layout.aisle_distance
        for side in (-1.6, 1.6):  # shelves on both sides of the aisle
            left, top = px(x + side - 0.6, height - layout.back_gap)
            out.append(f'<rect x="{left:.1f}" y="{top:.1f}" width="{1.2 * SCALE:.1f}" '
                       f'height="{(height - layout.back_gap - layout.front_gap) * SCALE:.1f}" fill="#d9dee5"/>')
        lx, ly = px(x, 0)
        out.append(f'<text x="{lx:.1f}" y="{ly + 14:.1f}" text-anchor="middle" fill="#555">A{aisle + 1:02d}</text>')
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in (px(x, y) for x, y in path))
    out.append(f'<polyline points="{points}" fill="none" stroke="#1f6feb" stroke-width="2" stroke-linejoin="round"/>')
    dx, dy = px(*depot)
    out.append(f'<circle cx="{dx:.1f}" cy="{dy:.1f}" r="6" fill="#222"><title>depot</title></circle>')
    for number, (step, (x, y)) in enumerate(zip(steps, visits, strict=True)):
        cx, cy = px(x, y)
        colour = "#2da44e" if number < current else ("#d29922" if number == current else "#cf222e")
        out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="{colour}"><title>{number + 1}: '
                   f'{escape(step.location)} {escape(step.sku)} x{step.quantity}</title></circle>')
        out.append(f'<text x="{cx + 6:.1f}" y="{cy - 4:.1f}" fill="#111">{number + 1}</text>')
    out.append("</svg>")
    return "".join(out)
