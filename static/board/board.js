// The supervisor's live board: open exceptions with Acknowledge / Resolve, wave progress,
// verdict counts and their chart, pickers, activity.
//
// The first connection gets a `snapshot`; later (re)connections pass `last_id` (the id of the
// last event seen, kept in memory and in sessionStorage) and get every event after it, so
// nothing is missed or applied twice (applyEvent also skips ids at or before lastId). When the
// server can no longer serve that id (trimmed, or too far behind) it sends `resync` and a fresh
// `snapshot`. A close with 4408 (this board read too slowly) is an ordinary reconnect with last_id.
//
// Test hook: window.board = {state, socket, chart}; body has data-screen, data-connection,
// data-last-id; rows carry data-exception-id / data-status, data-wave-id, data-picker,
// data-verdict / data-count.

import { ApiError, Session, apiBlob, apiFetch, endSession, login, ticketSocketUrl } from "/static/shared/api.js";
import { $, clock, h } from "/static/shared/dom.js";
import { uniqueId } from "/static/shared/ids.js";
import { ReconnectingSocket } from "/static/shared/socket.js";
import {
  applyCounts, applyEvent, applySnapshot, createState, sortedExceptions, sortedWaves,
} from "/static/board/board-state.js";
import { VerdictChart } from "/static/board/chart.js";
import { countButtons } from "/static/board/counts.js"; // issue 9: approve / reject a held count

const session = new Session("floor.board.session");
const params = new URLSearchParams(window.location.search);

let state = createState();
let socket = null;
let chart = null;
let login_ = null; // {token, subject, role, warehouse}
let hadSnapshot = false;
let lastError = "";
let ticker = null;
const exceptionRows = new Map(); // exception_id -> row element
const pending = new Map(); // exception_id -> action in flight

window.board = {
  get state() {
    return state;
  },
  get socket() {
    return socket;
  },
  get chart() {
    return chart;
  },
};

const body = document.body;
const el = {
  warehouse: $("#warehouse"),
  light: $("#light"),
  connectionText: $("#connection-text"),
  lastId: $("#last-id"),
  who: $("#who"),
  logout: $("#logout"),
  loginScreen: $("#login-screen"),
  loginForm: $("#login-form"),
  loginButton: $("#login-button"),
  loginError: $("#login-error"),
  username: $("#username"),
  password: $("#password"),
  loginWarehouse: $("#login-warehouse"),
  boardScreen: $("#board-screen"),
  exceptions: $("#exceptions"),
  exceptionCount: $("#exception-count"),
  noExceptions: $("#no-exceptions"),
  waves: $("#waves"),
  noWaves: $("#no-waves"),
  verdicts: $("#verdicts"),
  scanTotal: $("#scan-total"),
  chart: $("#chart"),
  pickers: $("#pickers"),
  noPickers: $("#no-pickers"),
  activity: $("#activity"),
};

const lastIdKey = () => `floor.board.lastId.${state.warehouse || login_?.warehouse || ""}`;

// -- rendering -------------------------------------------------------------------------------

function ago(ms) {
  const seconds = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  return `${Math.round(minutes / 60)} h ago`;
}

const label = (text) => String(text || "").replaceAll("_", " ");

function exceptionRow(exception) {
  const row = h(
    "article",
    { class: "exception", dataset: { exceptionId: exception.exception_id } },
    h(
      "div",
      { class: "x-head" },
      h("span", { class: "kind" }),
      h("span", { class: "status" }),
      h("span", { class: "x-time" }, h("span", { class: "x-clock" }), " ", h("small", { class: "x-ago" })),
    ),
    h(
      "div",
      { class: "x-body" },
      h("div", { class: "x-where mono" }),
      h("div", { class: "x-detail" }),
      h("div", { class: "x-who" }),
      h("div", { class: "x-error", role: "alert" }),
    ),
    h(
      "div",
      { class: "x-actions" },
      h("button", { type: "button", class: "warn", dataset: { action: "acknowledge" }, onclick: () => act(exception.exception_id, "acknowledge") }, "Acknowledge"),
      h("button", { type: "button", dataset: { action: "resolve" }, onclick: () => act(exception.exception_id, "resolve") }, "Resolve"),
      ...countButtons(exception, { token: () => login_.token, warehouse: () => state.warehouse, // issue 9
        onError: (message) => { row.querySelector(".x-error").textContent = message; } }),
    ),
  );
  return row;
}

function fillExceptionRow(row, exception) {
  row.dataset.status = exception.status;
  row.dataset.kind = exception.kind;
  row.querySelector(".x-clock").textContent = clock(exception.raised_ms);
  row.querySelector(".x-ago").textContent = ago(exception.raised_ms);
  row.querySelector(".kind").textContent = label(exception.kind);
  row.querySelector(".kind").dataset.kind = exception.kind;
  const status = row.querySelector(".status");
  status.textContent = exception.status;
  status.dataset.status = exception.status;
  row.querySelector(".x-where").textContent = [exception.location, exception.sku].filter(Boolean).join(" · ") || "—";
  row.querySelector(".x-detail").textContent = [exception.detail, exception.note ? `note: ${exception.note}` : ""].filter(Boolean).join(" — ");
  row.querySelector(".x-who").textContent = [
    exception.picker, exception.task_id ? `task ${exception.task_id}` : "",
    exception.status === "acknowledged" && exception.by ? `acknowledged by ${exception.by}` : "",
  ].filter(Boolean).join(" · ");
  const busy = pending.has(exception.exception_id);
  const acknowledge = row.querySelector('[data-action="acknowledge"]');
  acknowledge.hidden = exception.status !== "raised";
  acknowledge.disabled = busy;
  row.querySelector('[data-action="resolve"]').disabled = busy;
}

function renderExceptions(flashId = null) {
  const list = sortedExceptions(state);
  const seen = new Set();
  for (const exception of list) {
    seen.add(exception.exception_id);
    let row = exceptionRows.get(exception.exception_id);
    if (!row) {
      row = exceptionRow(exception);
      exceptionRows.set(exception.exception_id, row);
    }
    fillExceptionRow(row, exception);
    el.exceptions.append(row); // appending in order also re-orders existing rows
  }
  for (const [id, row] of exceptionRows) {
    if (!seen.has(id)) {
      row.remove();
      exceptionRows.delete(id);
    }
  }
  if (flashId && exceptionRows.has(flashId)) {
    const row = exceptionRows.get(flashId);
    row.classList.remove("flash");
    void row.offsetWidth;
    row.classList.add("flash");
  }
  el.exceptionCount.textContent = String(list.length);
  el.exceptionCount.dataset.count = String(list.length);
  el.noExceptions.hidden = list.length > 0;
}

function renderWaves() {
  const waves = sortedWaves(state).slice(0, 12);
  el.waves.replaceChildren(
    ...waves.map((wave) => {
      const units = Number(wave.units) || 0;
      const picked = Number(wave.picked_units) || 0;
      const short = Number(wave.short_units) || 0;
      const percent = (n) => (units ? Math.min(100, (100 * n) / units) : 0);
      return h(
        "div",
        { class: "wave", dataset: { waveId: wave.wave_id, status: wave.status, picked: String(picked), units: String(units), short: String(short) } },
        h(
          "div",
          { class: "wave-head" },
          h("span", { class: "wave-id mono" }, wave.wave_id),
          h("span", { class: "status", dataset: { status: wave.status } }, wave.status),
          h("span", { class: "wave-numbers" }, `${picked} / ${units} units`, short ? ` · ${short} short` : "", ` · ${wave.tasks_open ?? 0} open`),
        ),
        h(
          "div",
          { class: "progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": units, "aria-valuenow": picked },
          h("div", { class: "bar-picked", style: `width:${percent(picked)}%` }),
          h("div", { class: "bar-short", style: `width:${percent(short)}%` }),
        ),
      );
    }),
  );
  el.noWaves.hidden = waves.length > 0;
}

const VERDICT_ORDER = ["ok", "wrong_location", "scan_location_first", "wrong_item", "wrong_lot", "expired_lot", "over_pick", "not_your_task", "unknown_barcode"];
const WARN = new Set(["scan_location_first", "unknown_barcode"]);
const SHORT_NAMES = {
  ok: "ok", wrong_location: "wrong loc", scan_location_first: "loc first", wrong_item: "wrong item",
  wrong_lot: "wrong lot", expired_lot: "expired lot", over_pick: "over pick", not_your_task: "not yours",
  unknown_barcode: "unknown", wrong_tote: "wrong tote",
};

function renderVerdicts() {
  const names = [...new Set([...VERDICT_ORDER, ...Object.keys(state.verdicts)])];
  let total = 0;
  el.verdicts.replaceChildren(
    ...names.map((name) => {
      const count = Number(state.verdicts[name]) || 0;
      total += count;
      const tone = name === "ok" ? "ok" : WARN.has(name) ? "warn" : "bad";
      return h(
        "div",
        { class: "verdict", title: label(name), dataset: { verdict: name, count: String(count), tone, zero: count === 0 ? "1" : "0" } },
        h("span", { class: "verdict-count" }, String(count)),
        h("span", { class: "verdict-name" }, SHORT_NAMES[name] || label(name)),
      );
    }),
  );
  el.scanTotal.textContent = String(total);
  el.scanTotal.dataset.count = String(total);
}

function renderPickers() {
  const pickers = [...state.pickers.values()].sort((a, b) => String(a.picker).localeCompare(String(b.picker)));
  el.pickers.replaceChildren(
    ...pickers.map((picker) =>
      h(
        "li",
        { dataset: { picker: picker.picker, status: picker.status, taskId: picker.task_id || "", present: picker.present === false ? "0" : "1" } },
        h("span", { class: "picker-name" }, picker.picker, picker.present === false ? h("small", { class: "picker-absent" }, ` ${tr("absent")}`) : ""),
        h("span", { class: "status", dataset: { status: picker.status } }, picker.status),
        h("span", { class: "picker-task mono" }, picker.task_id || ""),
        picker.task_id
          ? h(
              "span",
              { class: "picker-actions" },
              h("button", { type: "button", class: "secondary route-button", title: "The task's route through the aisles", onclick: () => showRoute(picker.task_id) }, "Route"),
              h("button", { type: "button", class: "secondary reassign-button", onclick: () => openReassign(picker) }, tr("reassign")),
            )
          : h("span", { class: "picker-done" }, picker.tasks_done ? `${picker.tasks_done} done` : ""),
      ),
    ),
  );
  el.noPickers.hidden = pickers.length > 0;
}

function renderActivity() {
  el.activity.replaceChildren(
    ...state.activity.map((item) =>
      h("li", { dataset: { event: item.event, id: item.id } }, h("span", { class: "a-time" }, clock(item.at)), h("span", { class: "a-text", title: item.text }, item.text)),
    ),
  );
}

function renderHeader() {
  el.warehouse.textContent = state.warehouse ? `Warehouse ${state.warehouse}` : "";
  el.lastId.textContent = state.lastId ? `#${state.lastId}` : "";
  body.dataset.lastId = state.lastId;
}

function renderAll() {
  renderHeader();
  renderExceptions();
  renderWaves();
  renderVerdicts();
  renderPickers();
  renderActivity();
}

// -- connection ------------------------------------------------------------------------------

const CONNECTION_TEXT = {
  idle: "Not connected",
  connecting: "Connecting…",
  open: "Live",
  waiting: "Reconnecting…",
  offline: "Offline",
  stopped: "Disconnected",
};

function onState(connection) {
  el.light.dataset.state = connection;
  el.connectionText.textContent = CONNECTION_TEXT[connection] || connection;
  body.dataset.connection = connection;
}

function rememberLastId() {
  if (state.lastId) sessionStorage.setItem(lastIdKey(), state.lastId);
  renderHeader();
}

function onMessage(frame) {
  switch (frame.type) {
    case "snapshot":
      state = createState();
      applySnapshot(state, frame);
      hadSnapshot = true;
      rememberLastId();
      renderAll();
      chart.push(state.verdicts);
      break;
    case "event": {
      const result = applyEvent(state, frame);
      if (result.skipped) break;
      rememberLastId();
      for (const part of new Set(result.changed)) {
        if (part === "exceptions") renderExceptions(result.flash);
        else if (part === "waves") renderWaves();
        else if (part === "pickers") renderPickers();
        else if (part === "activity") renderActivity();
      }
      break;
    }
    case "resync":
      // The events after our last id are gone (trimmed) or too many: a fresh snapshot follows on
      // this same socket. Until it arrives, a reconnect must ask for a snapshot, not a catch-up.
      hadSnapshot = false;
      body.dataset.resync = frame.reason || "resync";
      break;
    case "counts":
      applyCounts(state, frame);
      renderWaves();
      renderVerdicts();
      chart.push(state.verdicts);
      break;
    case "error":
      lastError = frame.reason || frame.code;
      el.connectionText.textContent = `Error: ${lastError}`;
      break;
    default:
      break; // pong
  }
}

function onFatal(code) {
  const reason = code === 4401 ? "Session expired — log in again" : lastError || `Refused (${code})`;
  logout(reason);
}

function socketParams() {
  const wanted = { warehouse: state.warehouse || login_.warehouse };
  if (hadSnapshot && state.lastId) wanted.last_id = state.lastId;
  return wanted;
}

// -- acknowledge / resolve -------------------------------------------------------------------

async function act(exceptionId, action) {
  if (pending.has(exceptionId)) return;
  pending.set(exceptionId, action);
  const row = exceptionRows.get(exceptionId);
  if (row) row.querySelector(".x-error").textContent = "";
  renderExceptions();
  try {
    const path = `/api/exceptions/${encodeURIComponent(exceptionId)}/${action}?warehouse=${encodeURIComponent(state.warehouse)}`;
    const exception = await apiFetch(path, {
      method: "POST",
      token: login_.token,
      body: { command_id: uniqueId(action.slice(0, 3)), note: "" },
    });
    pending.delete(exceptionId);
    if (exception && exception.status === "resolved") {
      state.exceptions.delete(exceptionId);
    } else if (exception && state.exceptions.has(exceptionId)) {
      Object.assign(state.exceptions.get(exceptionId), exception);
    }
    renderExceptions();
  } catch (error) {
    pending.delete(exceptionId);
    if (error instanceof ApiError && error.status === 401) {
      logout("Session expired — log in again");
      return;
    }
    renderExceptions();
    const current = exceptionRows.get(exceptionId);
    if (current) current.querySelector(".x-error").textContent = `${action} failed: ${error.message}`;
  }
}

// -- reassign a task (POST /api/waves/tasks/{task_id}/reassign) ---------------------------------

const TEXT = {
  en: {
    reassign: "Reassign", title: "Reassign task", to: "To", queue: "Back to the queue", confirm: "Reassign",
    cancel: "Cancel", absent: "absent", failed: "Reassign failed", none: "No present picker is free: the task can go back to the queue",
  },
  "zh-CN": {
    reassign: "改派", title: "改派任务", to: "改派给", queue: "退回任务队列", confirm: "确认改派",
    cancel: "取消", absent: "离线", failed: "改派失败", none: "没有空闲的在线拣货员：可退回任务队列",
  },
};
const LANG = (params.get("lang") || navigator.language || "en").toLowerCase().startsWith("zh") ? "zh-CN" : "en";
const tr = (key) => TEXT[LANG][key] || TEXT.en[key];

let reassigning = null; // {task_id, picker} of the open dialog

function openReassign(picker) {
  reassigning = { task_id: picker.task_id, picker: picker.picker };
  const dialog = $("#reassign-dialog");
  $("#reassign-title").textContent = `${tr("title")} ${picker.task_id} (${picker.picker})`;
  $("#reassign-to-label").textContent = tr("to");
  $("#reassign-confirm").textContent = tr("confirm");
  $("#reassign-cancel").textContent = tr("cancel");
  const free = [...state.pickers.values()].filter((p) => p.picker !== picker.picker && !p.task_id && p.present !== false);
  $("#reassign-to").replaceChildren(
    ...free.map((p) => h("option", { value: p.picker }, p.picker)),
    h("option", { value: "" }, tr("queue")),
  );
  $("#reassign-error").textContent = free.length ? "" : tr("none");
  $("#reassign-confirm").disabled = false;
  dialog.showModal();
}

async function confirmReassign() {
  if (!reassigning) return;
  const button = $("#reassign-confirm");
  button.disabled = true;
  try {
    const path = `/api/waves/tasks/${encodeURIComponent(reassigning.task_id)}/reassign?warehouse=${encodeURIComponent(state.warehouse)}`;
    await apiFetch(path, { method: "POST", token: login_.token, body: { command_id: uniqueId("rea"), picker: $("#reassign-to").value } });
    reassigning = null;
    $("#reassign-dialog").close(); // the events that follow update the pickers list
  } catch (error) {
    button.disabled = false;
    if (error instanceof ApiError && error.status === 401) {
      $("#reassign-dialog").close();
      logout("Session expired — log in again");
      return;
    }
    $("#reassign-error").textContent = `${tr("failed")}: ${error.message}`;
  }
}

$("#reassign-confirm").addEventListener("click", confirmReassign);
$("#reassign-cancel").addEventListener("click", () => {
  reassigning = null;
  $("#reassign-dialog").close();
});

// -- a task's planned route (GET /api/waves/tasks/{task_id}/route.svg) ---------------------------

let routeUrl = "";

async function showRoute(taskId) {
  const dialog = $("#route-dialog");
  const image = $("#route-image");
  const error = $("#route-error");
  $("#route-title").textContent = `Route — ${taskId}`;
  image.hidden = true;
  error.textContent = "Loading…";
  dialog.showModal();
  try {
    const path = `/api/waves/tasks/${encodeURIComponent(taskId)}/route.svg?warehouse=${encodeURIComponent(state.warehouse)}`;
    const blob = await apiBlob(path, { token: login_.token });
    if (routeUrl) URL.revokeObjectURL(routeUrl);
    routeUrl = URL.createObjectURL(blob); // an <img>: the SVG is shown, never run
    image.src = routeUrl;
    image.hidden = false;
    error.textContent = "";
  } catch (failure) {
    error.textContent = failure instanceof ApiError && failure.status === 404 ? "No route map for this task" : `Could not load the route: ${failure.message}`;
  }
}

$("#route-close").addEventListener("click", () => $("#route-dialog").close());

// -- login / logout --------------------------------------------------------------------------

function showScreen(screen) {
  body.dataset.screen = screen;
  el.loginScreen.hidden = screen !== "login";
  el.boardScreen.hidden = screen !== "board";
  el.logout.hidden = screen !== "board";
}

function start(saved) {
  login_ = saved;
  state = createState();
  state.warehouse = saved.warehouse || "";
  hadSnapshot = false;
  lastError = "";
  exceptionRows.clear();
  el.exceptions.replaceChildren();
  el.who.textContent = saved.subject;
  showScreen("board");
  renderAll();
  chart = new VerdictChart(el.chart);
  socket = new ReconnectingSocket(() => ticketSocketUrl("/ws/board", login_.token, socketParams()), {
    onMessage,
    onState,
    onFatal,
  }).start();
  ticker = setInterval(() => {
    for (const [id, row] of exceptionRows) {
      const exception = state.exceptions.get(id);
      if (exception) row.querySelector(".x-ago").textContent = ago(exception.raised_ms);
    }
  }, 10000);
}

function logout(message = "") {
  socket?.stop();
  socket = null;
  if (!message) endSession(login_?.token); // the user asked: end the token on the server too
  chart?.destroy();
  chart = null;
  clearInterval(ticker);
  session.clear();
  login_ = null;
  el.who.textContent = "";
  el.loginError.textContent = message;
  onState("idle");
  showScreen("login");
}

el.logout.addEventListener("click", () => logout());

el.loginForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  el.loginError.textContent = "";
  el.loginButton.disabled = true;
  try {
    const answer = await login({ username: el.username.value.trim(), password: el.password.value });
    if (answer.role !== "supervisor" && answer.role !== "admin") {
      throw new ApiError(403, { reason: `a ${answer.role} login cannot open the board` });
    }
    const warehouse = el.loginWarehouse.value.trim() || (answer.warehouse !== "*" ? answer.warehouse : "");
    el.password.value = "";
    start(session.save({ ...answer, warehouse }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) el.loginError.textContent = "Wrong username or password";
    else if (error instanceof ApiError && error.status === 0) el.loginError.textContent = "Cannot reach the server";
    else el.loginError.textContent = error.message || "Login failed";
  } finally {
    el.loginButton.disabled = false;
  }
});

el.loginWarehouse.value = params.get("warehouse") || "";
const saved = session.load();
if (saved && (!params.get("warehouse") || params.get("warehouse") === saved.warehouse)) start(saved);
else {
  showScreen("login");
  el.username.focus();
}
