// Verdict counts over time: a uPlot line chart (vendored, /static/vendor/uplot) of the
// cumulative number of ok scans (left axis) and of warnings and errors (right axis), one point
// per `counts` frame (every second), the last WINDOW_S seconds.

import { clock } from "/static/shared/dom.js";
import uPlot from "/static/vendor/uplot/uPlot.esm.js";

const WINDOW_S = 15 * 60;
const WARN = new Set(["scan_location_first", "unknown_barcode"]);

export function groupVerdicts(verdicts) {
  const groups = { ok: 0, warn: 0, bad: 0 };
  for (const [verdict, count] of Object.entries(verdicts || {})) {
    const n = Number(count) || 0;
    if (verdict === "ok") groups.ok += n;
    else if (WARN.has(verdict)) groups.warn += n;
    else groups.bad += n;
  }
  return groups;
}

export class VerdictChart {
  constructor(container) {
    this.container = container;
    this.data = [[], [], [], []]; // time (s), ok, warnings, errors
    this.plot = null;
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
  }

  size() {
    // the legend (one line) sits below the plot inside the container
    return { width: Math.max(200, this.container.clientWidth), height: Math.max(100, (this.container.clientHeight || 200) - 34) };
  }

  create() {
    const { width, height } = this.size();
    this.plot = new uPlot(
      {
        width,
        height,
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, ok: { auto: true, range: (_u, min, max) => [0, Math.max(5, max)] }, issues: { range: (_u, min, max) => [0, Math.max(5, max)] } },
        axes: [
          { stroke: "#5b6470", grid: { stroke: "#eceff3" }, space: 70, values: (_u, splits) => splits.map((s) => clock(s * 1000)) },
          { scale: "ok", stroke: "#17803a", grid: { stroke: "#eceff3" }, size: 50 },
          { scale: "issues", side: 1, stroke: "#c62828", grid: { show: false }, size: 40 },
        ],
        series: [
          {},
          { label: "OK", scale: "ok", stroke: "#17803a", width: 2, fill: "rgba(23,128,58,0.08)", points: { show: false } },
          { label: "Warnings", scale: "issues", stroke: "#d99a00", width: 2, points: { show: false } },
          { label: "Errors", scale: "issues", stroke: "#c62828", width: 2, points: { show: false } },
        ],
      },
      this.data,
      this.container,
    );
  }

  /** Add one sample (cumulative counts by verdict). */
  push(verdicts, timeMs = Date.now()) {
    const groups = groupVerdicts(verdicts);
    const t = timeMs / 1000;
    const [times, ok, warn, bad] = this.data;
    if (times.length && t <= times[times.length - 1]) {
      ok[ok.length - 1] = groups.ok;
      warn[warn.length - 1] = groups.warn;
      bad[bad.length - 1] = groups.bad;
    } else {
      times.push(t);
      ok.push(groups.ok);
      warn.push(groups.warn);
      bad.push(groups.bad);
    }
    while (times.length && times[0] < t - WINDOW_S) for (const column of this.data) column.shift();
    if (!this.plot) this.create();
    else this.plot.setData(this.data);
  }

  get points() {
    return this.data[0].length;
  }

  resize() {
    if (this.plot) this.plot.setSize(this.size());
  }

  destroy() {
    this.resizeObserver.disconnect();
    this.plot?.destroy();
    this.plot = null;
    this.data = [[], [], [], []];
  }
}
