// The picker's handheld: login, the current step in big type, an always-focused scan field fed
// by a keyboard-wedge scanner, verdict colour + sound, short pick and problem reports.
//
// Every scan / short pick / report goes through the Outbox (localStorage) and leaves it only
// when its answer arrives; on every (re)connect the outbox is re-sent in order. See outbox.js.
//
// Test hook: window.handheld = {state, outbox, socket, config, verdictCount(id), submit(barcode)}; the
// body carries data-screen, data-verdict, data-location, data-connection, data-outbox,
// data-task-id, data-step, data-picked.

import { ApiError, Session, endSession, login, ticketSocketUrl } from "/static/shared/api.js";
import { $, clock, h } from "/static/shared/dom.js";
import { scanId } from "/static/shared/ids.js";
import { ReconnectingSocket } from "/static/shared/socket.js";
import { Beeper, toneOf, verdictLabel, verdictMessage } from "/static/handheld/feedback.js";
import { Outbox } from "/static/handheld/outbox.js";
import { decorateTask, kindVerdictMessage } from "/static/handheld/kinds.js"; // issue 9: task kinds

// A sent frame unanswered this long means the connection is dead: reconnect (and so re-send).
// A frame answered with a `retry: true` error (`unavailable`) goes again after retryMs, doubling
// up to retryMaxMs while the errors go on.
const config = { overdueMs: 8000, retryMs: 1000, retryMaxMs: 8000 };
const LOG_LENGTH = 8;

const session = new Session("floor.handheld.session");
const beeper = new Beeper();

const state = {
  screen: "login",
  session: null,
  connection: "idle",
  task: null, // the task frame's `task`, kept up to date by verdicts
  idle: false,
  lastVerdict: null,
  verdicts: {}, // scan_id -> how many verdict frames arrived for it
  answers: {}, // request_id -> short_pick_recorded / report_recorded frame
  log: [], // newest first: {id, kind, label, status, tone, message, at}
};
let outbox = null;
let socket = null;
let replayed = false; // the outbox was re-sent on the current connection
let watchdog = null;
const retrying = new Set(); // ids answered `retry: true`, sent again when the retry timer fires
let retryTimer = null;
let retryDelay = 0;

window.handheld = {
  state,
  get outbox() {
    return outbox;
  },
  get socket() {
    return socket;
  },
  config,
  verdictCount: (id) => state.verdicts[id] || 0,
  submit: (barcode) => submitScan(barcode),
};

const body = document.body;
const el = {
  light: $("#light"),
  connectionText: $("#connection-text"),
  who: $("#who"),
  outbox: $("#outbox"),
  logout: $("#logout"),
  loginScreen: $("#login-screen"),
  loginForm: $("#login-form"),
  loginButton: $("#login-button"),
  loginError: $("#login-error"),
  badge: $("#badge"),
  pin: $("#pin"),
  workScreen: $("#work-screen"),
  task: $("#task"),
  stepOf: $("#step-of"),
  tote: $("#tote"),
  locationLabel: $("#location-label"),
  location: $("#location"),
  sku: $("#sku"),
  name: $("#name"),
  gtin: $("#gtin"),
  picked: $("#picked"),
  needed: $("#needed"),
  waiting: $("#waiting"),
  feedback: $("#feedback"),
  scanForm: $("#scan-form"),
  scan: $("#scan"),
  keyboard: $("#keyboard"),
  shortButton: $("#short-button"),
  problemButton: $("#problem-button"),
  log: $("#log"),
  shortDialog: $("#short-dialog"),
  shortForm: $("#short-form"),
  shortText: $("#short-text"),
  shortFound: $("#short-found"),
  problemDialog: $("#problem-dialog"),
  problemWhere: $("#problem-where"),
  problemDetail: $("#problem-detail"),
};

// -- the current step ------------------------------------------------------------------------

function currentStep() {
  const task = state.task;
  if (!task || !Array.isArray(task.steps) || task.step >= task.steps.length) return null;
  return task.steps[task.step] || null;
}

function taskDone() {
  const task = state.task;
  return !!task && Array.isArray(task.steps) && task.step >= task.steps.length;
}

function renderTask() {
  const task = state.task;
  const step = currentStep();
  el.waiting.hidden = !!task;
  el.task.hidden = !task;
  body.dataset.taskId = task ? task.task_id : "";
  body.dataset.step = task ? String(task.step) : "";
  body.dataset.picked = task ? String(task.picked) : "";
  const location = step ? step.location : "";
  el.shortButton.disabled = !step;
  body.dataset.location = location;
  el.location.dataset.location = location;
  if (!task) {
    el.task.dataset.state = "none";
    return;
  }
  if (!step) {
    el.task.dataset.state = "done";
    el.stepOf.textContent = `${task.steps.length} of ${task.steps.length} steps`;
    el.tote.textContent = "";
    el.locationLabel.textContent = "Task complete";
    el.location.textContent = "✓";
    el.sku.textContent = el.name.textContent = el.gtin.textContent = "";
    el.picked.textContent = el.needed.textContent = "–";
    return;
  }
  el.task.dataset.state = task.at_location ? "at-location" : "go";
  el.stepOf.textContent = `Step ${task.step + 1} of ${task.steps.length}`;
  el.tote.textContent = step.tote !== undefined && step.tote !== "" ? `Tote ${step.tote}` : "";
  el.locationLabel.textContent = task.at_location ? "At location ✓ scan item" : "Go to";
  el.location.textContent = step.location;
  el.sku.textContent = step.sku || "";
  el.name.textContent = step.name || "";
  el.gtin.textContent = [step.gtin ? `GTIN ${step.gtin}` : "", step.lot ? `Lot ${step.lot}` : ""]
    .filter(Boolean)
    .join(" · ");
  el.picked.textContent = String(task.picked ?? 0);
  el.needed.textContent = String(step.quantity ?? "?");
  decorateTask(task, el, body); // issue 9: replenish / putaway / count wording (kinds.js)
}

function prompt() {
  if (state.idle || !state.task) return "Waiting for work";
  if (taskDone()) return "Task complete";
  const step = currentStep();
  return state.task.at_location ? `Scan the item (${step.sku})` : "Scan the location";
}

// -- feedback --------------------------------------------------------------------------------

/** Show a message; `verdict` goes to data-verdict, `tone` picks the colour (ok/warn/bad/queued/info). */
function setFeedback(tone, message, verdict = tone) {
  el.feedback.textContent = message;
  el.feedback.dataset.tone = tone;
  el.feedback.dataset.verdict = verdict;
  body.dataset.verdict = verdict;
}

function flash(tone) {
  delete body.dataset.flash;
  void body.offsetWidth; // restart the animation
  body.dataset.flash = tone;
}

function signal(tone) {
  beeper.play(tone);
  if (tone === "ok" || tone === "warn" || tone === "bad") flash(tone);
}

// -- connection and outbox -------------------------------------------------------------------

const CONNECTION_TEXT = {
  idle: "Not connected",
  connecting: "Connecting…",
  open: "Online",
  waiting: "Reconnecting…",
  offline: "Offline",
  stopped: "Disconnected",
};

function renderConnection() {
  el.light.dataset.state = state.connection;
  el.connectionText.textContent = CONNECTION_TEXT[state.connection] || state.connection;
  body.dataset.connection = state.connection;
}

function renderOutbox() {
  const size = outbox ? outbox.size : 0;
  el.outbox.textContent = `Queue ${size}`;
  el.outbox.dataset.count = String(size);
  body.dataset.outbox = String(size);
}

function online() {
  return !!socket && socket.isOpen && replayed;
}

/** Queue a frame and send it if we can. Returns the outbox entry. */
function enqueue(frame, kind, label) {
  const entry = outbox.add(frame);
  addLog({ id: entry.id, kind, label, status: "queued", tone: "queued", message: "queued" });
  if (online() && socket.send(frame)) {
    outbox.markSent(entry.id);
    updateLog(entry.id, { status: "sending", message: "sending…" });
  } else {
    setFeedback("queued", `Queued (offline) — ${outbox.size} waiting`, "queued");
  }
  renderOutbox();
  return entry;
}

/** Re-send every unanswered frame, oldest first (the server answers repeats with their first answer). */
function replay() {
  replayed = true;
  const pending = outbox.pending();
  for (const entry of pending) {
    if (!socket.send(entry.frame)) break;
    outbox.markSent(entry.id);
    updateLog(entry.id, { status: "sending", message: "sending…" });
  }
  if (pending.length) setFeedback("queued", `Sending ${pending.length} queued…`, "replaying");
  renderOutbox();
}

function onState(connection) {
  state.connection = connection;
  if (connection !== "open") {
    replayed = false;
    for (const entry of outbox ? outbox.pending() : []) updateLog(entry.id, { status: "queued", message: "queued" });
    if (state.screen === "work" && !outbox?.size) setFeedback("queued", `${CONNECTION_TEXT[connection]} — scans will be queued`, "disconnected");
  }
  renderConnection();
}

function onFatal(code) {
  const reason = code === 4403 ? "This login may not use the handheld" : "Session expired — log in again";
  logout(reason, { force: true });
}

function onMessage(frame) {
  switch (frame.type) {
    case "welcome":
      replay();
      if (!outbox.size) setFeedback("info", prompt(), "ready");
      break;
    case "task":
      if (!replayed) replay();
      state.task = frame.task || null;
      state.idle = !state.task;
      renderTask();
      if (feedbackIsNeutral()) setFeedback("info", prompt(), "ready");
      break;
    case "idle":
      if (!replayed) replay();
      state.task = null;
      state.idle = true;
      renderTask();
      if (feedbackIsNeutral()) setFeedback("info", "Waiting for work", "idle");
      break;
    case "verdict":
      onVerdict(frame);
      break;
    case "short_pick_recorded":
      onAnswer(frame.request_id, "warn", "short_pick", shortPickMessage(frame), frame);
      break;
    case "report_recorded":
      onAnswer(frame.request_id, "info", "report", "Problem reported to the supervisor", frame);
      break;
    case "error":
      onError(frame);
      break;
    default:
      break; // pong and anything newer
  }
}

function shortPickMessage(frame) {
  const parts = ["Short pick recorded"];
  if (frame.relocated) parts.push(`${frame.relocated} from another location`);
  if (frame.backordered) parts.push(`${frame.backordered} backordered`);
  return parts.join(" · ");
}

/** The feedback shows no verdict or answer the picker may still be reading. */
function feedbackIsNeutral() {
  const NEUTRAL = ["", "ready", "idle", "connecting", "disconnected", "replaying"];
  return !outbox.size && NEUTRAL.includes(el.feedback.dataset.verdict || "");
}

/** Send the frames answered `retry: true` again (same ids: the server applies each once). */
function retryLater() {
  if (retryTimer) return;
  retryDelay = Math.min(config.retryMaxMs, retryDelay ? retryDelay * 2 : config.retryMs);
  retryTimer = setTimeout(() => {
    retryTimer = null;
    if (!online()) return; // the replay on reconnect sends them
    for (const entry of outbox.pending()) {
      if (!retrying.has(entry.id)) continue;
      if (!socket.send(entry.frame)) break;
      retrying.delete(entry.id);
      outbox.markSent(entry.id);
      updateLog(entry.id, { status: "sending", message: "sending…" });
    }
  }, retryDelay);
}

function onVerdict(frame) {
  const id = frame.scan_id;
  retrying.delete(id);
  retryDelay = 0;
  state.verdicts[id] = (state.verdicts[id] || 0) + 1;
  const entry = outbox.resolve(id);
  renderOutbox();
  if (!entry && state.verdicts[id] > 1) return; // an answer we already had: nothing to show
  state.lastVerdict = frame;
  const task = state.task;
  // A duplicate carries the state of its first answer, older than the task frame we have now.
  if (!frame.duplicate && task && frame.task_id === task.task_id && Number.isInteger(frame.step)) {
    task.step = frame.step;
    task.picked = frame.picked ?? task.picked;
    task.at_location = !!frame.at_location;
    if (frame.task_done) task.step = task.steps.length;
    else if (frame.expected && task.steps[frame.step]) task.steps[frame.step] = { ...task.steps[frame.step], ...frame.expected };
    renderTask();
  }
  const tone = toneOf(frame.verdict);
  let message = kindVerdictMessage(frame) || verdictMessage(frame); // issue 9: kinds.js
  if (frame.duplicate) message += " (replayed)";
  setFeedback(tone, message, frame.verdict);
  updateLog(id, { status: frame.verdict, tone, message: verdictLabel(frame.verdict) });
  signal(tone);
  if (frame.verdict === "not_your_task" || frame.task_done) socket.send({ type: "sync" });
}

function onAnswer(id, tone, verdict, message, frame) {
  state.answers[id] = frame;
  const entry = outbox.resolve(id);
  renderOutbox();
  if (!entry) return;
  setFeedback(tone, message, verdict);
  updateLog(id, { status: verdict, tone, message: verdict === "report" ? "reported" : "recorded" });
  signal(tone === "info" ? "ok" : tone);
}

function onError(frame) {
  if (frame.code === "unauthorized" || frame.code === "forbidden") {
    if (!frame.ref) return; // the socket closes with 4401/4403 next: onFatal
  }
  // `retry: true` (`unavailable`): the outcome is unknown -- the store may still apply it -- so the
  // frame stays in the outbox and goes again with the same id. Never a new scan: that could count
  // the unit twice.
  if (frame.retry && frame.ref && outbox.has(frame.ref)) {
    retrying.add(frame.ref);
    updateLog(frame.ref, { status: "queued", tone: "queued", message: "retrying" });
    setFeedback("queued", "Store unreachable — the scan will be sent again", "retrying");
    retryLater();
    return;
  }
  // A frame the server refused will never be accepted: take it out of the outbox.
  // (A server_error may pass next time: keep it for the next replay.)
  if (frame.ref && outbox.has(frame.ref) && frame.code !== "server_error") {
    outbox.resolve(frame.ref);
    updateLog(frame.ref, { status: "error", tone: "bad", message: frame.code });
    renderOutbox();
  }
  setFeedback("bad", `Error: ${frame.reason || frame.code}`, "error");
  signal("bad");
}

// -- scans and requests ----------------------------------------------------------------------

function submitScan(raw) {
  const barcode = String(raw).replace(/^\s+|\s+$/g, "");
  if (!barcode || !outbox) return null;
  if (barcode.length > 256) {
    setFeedback("bad", "Barcode too long", "error");
    signal("bad");
    return null;
  }
  const frame = {
    type: "scan",
    scan_id: scanId(),
    barcode,
    task_id: state.task && !taskDone() ? state.task.task_id : "",
    quantity: 1,
  };
  return enqueue(frame, "scan", barcode).id;
}

function openShortPick() {
  const step = currentStep();
  if (!step) {
    setFeedback("warn", "No step to short-pick", "no_task");
    signal("warn");
    return;
  }
  const remaining = Math.max(0, (step.quantity ?? 0) - (state.task.picked ?? 0));
  el.shortText.textContent = `${step.location} · ${step.sku}: ${remaining} still to pick. How many did you find?`;
  el.shortFound.value = "0";
  el.shortFound.max = String(Math.max(0, remaining - 1));
  el.shortDialog.dataset.remaining = String(remaining);
  el.shortDialog.showModal();
  el.shortFound.focus();
  el.shortFound.select();
}

function confirmShortPick() {
  const step = currentStep();
  const found = Math.max(0, Number.parseInt(el.shortFound.value || "0", 10) || 0);
  el.shortDialog.close();
  if (!step) return;
  const frame = {
    type: "short_pick",
    request_id: scanId(),
    task_id: state.task.task_id,
    step: state.task.step,
    found,
  };
  enqueue(frame, "short_pick", `Short: found ${found}`);
  focusScan();
}

function openProblem() {
  const step = currentStep();
  el.problemWhere.textContent = step ? `${step.location} · ${step.sku}` : "No current step";
  el.problemDetail.value = "";
  el.problemDialog.showModal();
}

function sendProblem(kind) {
  const step = currentStep();
  const frame = {
    type: "report",
    request_id: scanId(),
    kind,
    location: step ? step.location : "",
    sku: step ? step.sku : "",
    detail: el.problemDetail.value.trim().slice(0, 200),
  };
  el.problemDialog.close();
  enqueue(frame, "report", `Problem: ${kind.replaceAll("_", " ")}`);
  focusScan();
}

// -- the scan log ----------------------------------------------------------------------------

function addLog(item) {
  state.log.unshift({ at: Date.now(), ...item });
  state.log.length = Math.min(state.log.length, 30);
  renderLog();
}

function updateLog(id, changes) {
  const item = state.log.find((entry) => entry.id === id);
  if (item) Object.assign(item, changes);
  renderLog();
}

function renderLog() {
  el.log.replaceChildren(
    ...state.log.slice(0, LOG_LENGTH).map((item) =>
      h(
        "li",
        { dataset: { id: item.id, status: item.status, tone: item.tone || "queued", kind: item.kind } },
        h("span", { class: "log-time" }, clock(item.at)),
        h("span", { class: "log-label mono" }, item.label),
        h("span", { class: "log-status" }, item.message || item.status),
      ),
    ),
  );
}

// -- focus: the scan field always has it (a keyboard-wedge scanner types into whatever does) --

function dialogOpen() {
  return el.shortDialog.open || el.problemDialog.open;
}

function focusScan() {
  if (state.screen !== "work" || dialogOpen()) return;
  if (document.activeElement !== el.scan) el.scan.focus({ preventScroll: true });
}

el.scan.addEventListener("blur", () => setTimeout(focusScan, 0));
document.addEventListener("click", () => setTimeout(focusScan, 0));
document.addEventListener("visibilitychange", () => setTimeout(focusScan, 0));
window.addEventListener("focus", () => setTimeout(focusScan, 0));

el.scan.addEventListener("keydown", (event) => {
  beeper.unlock();
  const submitKey = event.key === "Enter" || (event.key === "Tab" && el.scan.value.trim());
  if (!submitKey) return;
  event.preventDefault();
  const value = el.scan.value;
  el.scan.value = "";
  submitScan(value);
});
el.scanForm.addEventListener("submit", (event) => event.preventDefault());

el.keyboard.addEventListener("click", () => {
  const show = el.scan.getAttribute("inputmode") === "none";
  el.scan.setAttribute("inputmode", show ? "text" : "none");
  el.keyboard.setAttribute("aria-pressed", String(show));
  el.scan.blur();
  setTimeout(focusScan, 0);
});

// -- dialogs ---------------------------------------------------------------------------------

el.shortButton.addEventListener("click", openShortPick);
el.problemButton.addEventListener("click", openProblem);
$("#short-minus").addEventListener("click", () => {
  el.shortFound.value = String(Math.max(0, (Number.parseInt(el.shortFound.value, 10) || 0) - 1));
});
$("#short-plus").addEventListener("click", () => {
  const max = Number.parseInt(el.shortFound.max, 10) || 0;
  el.shortFound.value = String(Math.min(max, (Number.parseInt(el.shortFound.value, 10) || 0) + 1));
});
$("#short-cancel").addEventListener("click", () => el.shortDialog.close());
el.shortForm.addEventListener("submit", (event) => {
  event.preventDefault();
  confirmShortPick();
});
for (const button of el.problemDialog.querySelectorAll("[data-kind]")) {
  button.addEventListener("click", () => sendProblem(button.dataset.kind));
}
$("#problem-cancel").addEventListener("click", () => el.problemDialog.close());
el.problemForm = $("#problem-form");
el.problemForm.addEventListener("submit", (event) => event.preventDefault());
for (const dialog of [el.shortDialog, el.problemDialog]) dialog.addEventListener("close", () => setTimeout(focusScan, 0));

// -- login / logout --------------------------------------------------------------------------

function showScreen(screen) {
  state.screen = screen;
  body.dataset.screen = screen;
  el.loginScreen.hidden = screen !== "login";
  el.workScreen.hidden = screen !== "work";
  el.logout.hidden = screen !== "work";
  el.outbox.hidden = screen !== "work";
}

function startWork(login) {
  state.session = login;
  outbox = new Outbox(`floor.outbox.${login.warehouse}.${login.subject}`);
  state.log = outbox.pending().map((entry) => ({
    id: entry.id,
    kind: entry.frame.type,
    label: entry.frame.barcode || entry.frame.type,
    status: "queued",
    tone: "queued",
    message: "queued",
    at: entry.created_ms,
  })).reverse();
  el.who.textContent = login.subject;
  el.who.title = `${login.subject} · warehouse ${login.warehouse}`;
  showScreen("work");
  setFeedback("queued", "Connecting…", "connecting");
  renderTask();
  renderLog();
  renderOutbox();
  socket = new ReconnectingSocket(() => ticketSocketUrl("/ws/handheld", login.token), {
    onOpen: () => {
      replayed = false;
    },
    onMessage,
    onState,
    onFatal,
  }).start();
  watchdog = setInterval(() => {
    if (socket && socket.isOpen && replayed && outbox.overdue(config.overdueMs).length) socket.reconnect();
  }, 1000);
  focusScan();
}

function logout(message = "", { force = false } = {}) {
  if (!force && outbox && outbox.size) {
    const sure = window.confirm(`${outbox.size} scan(s) not sent yet. They stay on this device until you log in again. Log out?`);
    if (!sure) return;
  }
  clearInterval(watchdog);
  clearTimeout(retryTimer);
  retryTimer = null;
  retrying.clear();
  socket?.stop();
  socket = null;
  if (!force) endSession(state.session?.token);
  session.clear();
  state.session = null;
  state.task = null;
  state.idle = false;
  state.connection = "idle";
  renderConnection();
  el.who.textContent = "";
  el.loginError.textContent = message;
  showScreen("login");
  el.pin.value = "";
  el.badge.focus();
}

el.logout.addEventListener("click", () => logout());

el.loginForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  beeper.unlock();
  el.loginError.textContent = "";
  el.loginButton.disabled = true;
  try {
    const answer = await login({ badge: el.badge.value.trim(), pin: el.pin.value });
    if (answer.role !== "picker") throw new ApiError(403, { reason: "this login is not a picker" });
    startWork(session.save(answer));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) el.loginError.textContent = "Wrong badge or PIN";
    else if (error instanceof ApiError && error.status === 0) el.loginError.textContent = "Cannot reach the server";
    else el.loginError.textContent = error.message || "Login failed";
    signal("bad");
  } finally {
    el.loginButton.disabled = false;
  }
});

// A badge scanned into the badge field moves on to the PIN.
el.badge.addEventListener("keydown", (event) => {
  if (event.key === "Enter") {
    event.preventDefault();
    el.pin.focus();
  }
});

const saved = session.load();
if (saved) startWork(saved);
else {
  showScreen("login");
  el.badge.focus();
}
renderConnection();
