// The board's state and how frames change it. Pure: no DOM, no sockets (board.js renders).
//
// snapshot → replaces everything; event → one change (returns what changed, for rendering and
// flashing); counts → wave progress and verdict counts.

export const ACTIVITY_LENGTH = 40;

export function createState() {
  return {
    warehouse: "",
    lastId: "",
    exceptions: new Map(), // exception_id -> exception (open ones: raised | acknowledged)
    waves: new Map(), // wave_id -> {wave_id, status, units, picked_units, short_units, tasks_open, ...}
    verdicts: {}, // verdict -> cumulative count
    pickers: new Map(), // picker -> {picker, status: picking|idle|away, present, task_id, wave_id, since_ms, tasks_done}
    activity: [], // newest first: {id, event, text, at}
    resolved: 0, // exceptions resolved while this board was open
  };
}

/** Milliseconds of a Redis Stream id ("1796143934001-0"), or now. */
export function idTime(id) {
  const ms = Number.parseInt(String(id || "").split("-")[0], 10);
  return Number.isFinite(ms) && ms > 0 ? ms : Date.now();
}

/** Is stream id `a` after `b`? (ids compare by ms, then sequence) */
export function idAfter(a, b) {
  if (!b) return true;
  const [ams, aseq] = String(a).split("-").map((part) => Number.parseInt(part, 10) || 0);
  const [bms, bseq] = String(b).split("-").map((part) => Number.parseInt(part, 10) || 0);
  return ams > bms || (ams === bms && aseq > bseq);
}

export function applySnapshot(state, snapshot) {
  state.warehouse = snapshot.warehouse || state.warehouse;
  state.lastId = snapshot.last_id || "";
  state.exceptions = new Map((snapshot.exceptions || []).map((x) => [x.exception_id, { ...x }]));
  state.waves = new Map((snapshot.waves || []).map((w) => [w.wave_id, { ...w }]));
  state.verdicts = { ...(snapshot.verdicts || {}) };
  state.pickers = new Map();
  for (const picker of snapshot.pickers || []) state.pickers.set(picker.picker, { ...picker });
  state.layout = snapshot.layout || null;
}

/**
 * Apply one `event` frame. Returns {changed: [...parts], flash: exception_id | null, skipped}:
 * an event at or before lastId (already seen) is skipped.
 */
export function applyEvent(state, frame) {
  const result = { changed: [], flash: null, skipped: false };
  if (frame.id && state.lastId && !idAfter(frame.id, state.lastId)) {
    result.skipped = true;
    return result;
  }
  if (frame.id) state.lastId = frame.id;
  const data = frame.data || {};
  const at = idTime(frame.id);
  switch (frame.event) {
    case "exception_raised": {
      const exception = {
        warehouse: state.warehouse, by: "", note: "", ...data,
        status: data.status || "raised", raised_ms: data.raised_ms || at,
      };
      state.exceptions.set(exception.exception_id, exception);
      result.changed.push("exceptions");
      result.flash = exception.exception_id;
      break;
    }
    case "exception_acknowledged": {
      const exception = state.exceptions.get(data.exception_id);
      if (exception) {
        Object.assign(exception, { status: data.status || "acknowledged", by: data.by ?? exception.by, note: data.note ?? exception.note });
        result.changed.push("exceptions");
      }
      break;
    }
    case "exception_resolved": {
      if (state.exceptions.delete(data.exception_id)) state.resolved += 1;
      result.changed.push("exceptions");
      break;
    }
    case "wave_released": {
      const previous = state.waves.get(data.wave_id) || {};
      state.waves.set(data.wave_id, {
        picked_units: 0, short_units: 0, ...previous,
        wave_id: data.wave_id, status: "released", units: data.units ?? previous.units ?? 0,
        tasks_open: previous.tasks_open ?? data.tasks ?? 0, released_ms: previous.released_ms ?? at,
        order_count: data.orders, task_count: data.tasks,
      });
      result.changed.push("waves");
      break;
    }
    case "wave_completed": {
      const wave = state.waves.get(data.wave_id);
      if (wave) {
        wave.status = "completed";
        wave.tasks_open = 0;
      } else {
        state.waves.set(data.wave_id, { wave_id: data.wave_id, status: "completed", units: 0, picked_units: 0, short_units: 0, tasks_open: 0 });
      }
      result.changed.push("waves");
      break;
    }
    case "task_assigned": {
      const picker = pickerOf(state, data.picker);
      Object.assign(picker, { status: "picking", task_id: data.task_id, wave_id: data.wave_id || "", since_ms: at });
      result.changed.push("pickers");
      break;
    }
    case "task_updated": {
      const picker = pickerOf(state, data.picker);
      Object.assign(picker, { status: "picking", task_id: data.task_id, updated_ms: at });
      result.changed.push("pickers");
      break;
    }
    case "task_unassigned": {
      const picker = pickerOf(state, data.picker);
      if (picker.task_id === data.task_id) {
        Object.assign(picker, { status: picker.present === false ? "away" : "idle", task_id: "", since_ms: at });
      }
      result.changed.push("pickers");
      break;
    }
    case "picker_present":
    case "picker_absent": {
      const picker = pickerOf(state, data.picker);
      picker.present = frame.event === "picker_present";
      picker.absent_since_ms = picker.present ? 0 : data.since_ms || at;
      if (!picker.task_id) picker.status = picker.present ? "idle" : "away";
      result.changed.push("pickers");
      break;
    }
    case "task_completed": {
      const picker = pickerOf(state, data.picker);
      picker.tasks_done = (picker.tasks_done || 0) + 1;
      if (picker.task_id === data.task_id || !picker.task_id) {
        Object.assign(picker, { status: "idle", task_id: "", since_ms: at });
      }
      const wave = state.waves.get(data.wave_id);
      if (wave && wave.tasks_open > 0) wave.tasks_open -= 1;
      result.changed.push("pickers", "waves");
      break;
    }
    default:
      break;
  }
  state.activity.unshift({ id: frame.id || "", event: frame.event, text: describe(frame), at });
  state.activity.length = Math.min(state.activity.length, ACTIVITY_LENGTH);
  result.changed.push("activity");
  return result;
}

function pickerOf(state, name) {
  const key = name || "?";
  if (!state.pickers.has(key)) state.pickers.set(key, { picker: key, status: "idle", task_id: "", wave_id: "", since_ms: 0, tasks_done: 0 });
  return state.pickers.get(key);
}

export function applyCounts(state, counts) {
  if (counts.verdicts) state.verdicts = { ...counts.verdicts };
  for (const update of counts.waves || []) {
    const wave = state.waves.get(update.wave_id);
    if (wave) Object.assign(wave, update);
    else state.waves.set(update.wave_id, { ...update });
  }
}

/** Open exceptions, newest first. */
export function sortedExceptions(state) {
  return [...state.exceptions.values()].sort((a, b) => (b.raised_ms || 0) - (a.raised_ms || 0));
}

/** Waves, open ones first, then newest first. */
export function sortedWaves(state) {
  const rank = (wave) => (wave.status === "completed" ? 1 : 0);
  return [...state.waves.values()].sort(
    (a, b) => rank(a) - rank(b) || (b.released_ms || 0) - (a.released_ms || 0) || String(b.wave_id).localeCompare(String(a.wave_id)),
  );
}

/** One line for the activity feed. */
export function describe(frame) {
  const d = frame.data || {};
  switch (frame.event) {
    case "exception_raised":
      return `${(d.kind || "exception").replaceAll("_", " ")} raised${d.picker ? ` by ${d.picker}` : ""}${d.location ? ` at ${d.location}` : ""}`;
    case "exception_acknowledged":
      return `exception ${short(d.exception_id)} acknowledged${d.by ? ` by ${d.by}` : ""}`;
    case "exception_resolved":
      return `exception ${short(d.exception_id)} resolved${d.by ? ` by ${d.by}` : ""}`;
    case "wave_released":
      return `wave ${d.wave_id} released: ${d.orders ?? "?"} orders, ${d.tasks ?? "?"} tasks, ${d.units ?? "?"} units`;
    case "wave_completed":
      return `wave ${d.wave_id} completed`;
    case "release_decided":  // the release policy released by itself (issue 11); why: GET /api/release/decisions
      return `auto release (${d.mode}): ${d.orders ?? "?"} orders, ${d.waves ?? "?"} wave(s): ${d.reason || ""}`;
    case "task_assigned":
      return `${d.task_id} → ${d.picker}`;
    case "task_updated":
      return `${d.task_id} changed (${d.picker})`;
    case "task_completed":
      return `${d.task_id} done by ${d.picker}`;
    case "task_unassigned":
      return `${d.task_id} taken from ${d.picker}${d.reason === "picker_absent" ? " (absent)" : ""}`;
    case "task_reassigned":
      return `${d.task_id} reassigned ${d.previous || "queue"} → ${d.picker}${d.by ? ` by ${d.by}` : ""}`;
    case "picker_present":
      return `${d.picker} present`;
    case "picker_absent":
      return `${d.picker} absent`;
    case "order_received":
      return `order ${d.external_id || short(d.order_id)} received${d.channel ? ` from ${d.channel}` : ""}`;
    case "order_reserved":
      return `order ${short(d.order_id)} reserved`;
    case "order_backordered":
      return `order ${short(d.order_id)} backordered${d.reason ? `: ${d.reason}` : ""}`;
    case "order_picked":
      return `order ${short(d.order_id)} ${d.status === "picked_short" ? "picked short" : "picked"}`;
    case "stock_adjusted":
      return `stock ${d.sku} at ${d.location}: ${d.delta > 0 ? "+" : ""}${d.delta}${d.reason ? ` (${d.reason})` : ""}`;
    default:
      return (frame.event || "event").replaceAll("_", " ");
  }
}

function short(id) {
  const text = String(id || "");
  return text.length > 12 ? `${text.slice(0, 10)}…` : text;
}
