// The picker's handheld: login, the current step in big type, an always-focused scan field fed
// by a keyboard-wedge scanner, verdict colour + sound, short pick and problem reports.
//
// Every scan / short pick / report goes through the Outbox (localStorage) and leaves it only
// when its answer arrives; on every (re)connect the outbox is re-sent in order. See outbox.js.
//
// Issue 10 pieces live in their own modules: i18n.js (every string, zh-CN + English), wedge.js
// (double sends, split values, prefix / suffix), camera.js (BarcodeDetector / zxing-wasm),
// offline.js + sw.js (app shell cached, last task kept), totes.js (cart positions and colours),
// changes.js (what a new task frame changed). The login is kept in localStorage so that a
// handheld restarted with no network still opens on its task.
//
// Test hook: window.handheld = {state, outbox, socket, config, wedge, verdictCount(id), submit(barcode)}; the
// body carries data-screen, data-verdict, data-location, data-connection, data-outbox,
// data-task-id, data-step, data-picked, data-lang, data-await-tote, data-binding.

import { ApiError, Session, endSession, login, ticketSocketUrl } from "/static/shared/api.js";
import { $, h } from "/static/shared/dom.js";
import { scanId } from "/static/shared/ids.js";
import { ReconnectingSocket } from "/static/shared/socket.js";
import { Camera, cameraAvailable } from "/static/handheld/camera.js";
import { describeChange } from "/static/handheld/changes.js";
import { Beeper, toneOf, verdictLabel, verdictMessage } from "/static/handheld/feedback.js";
import { applyStatic, colourName, lang, setLang, t, time } from "/static/handheld/i18n.js";
import { TaskCache, registerServiceWorker } from "/static/handheld/offline.js";
import { Outbox } from "/static/handheld/outbox.js";
import { paintTote } from "/static/handheld/totes.js";
import { Wedge, loadWedgeSettings, saveWedgeSettings } from "/static/handheld/wedge.js";
import { decorateTask, kindPrompt, kindVerdictMessage } from "/static/handheld/kinds.js"; // issue 9/11: task kinds

// A sent frame unanswered this long means the connection is dead: reconnect (and so re-send).
// A frame answered with a `retry: true` error (`unavailable`) goes again after retryMs, doubling
// up to retryMaxMs while the errors go on.
const config = { overdueMs: 8000, retryMs: 1000, retryMaxMs: 8000, queuedAfterMs: 2000 };
const LOG_LENGTH = 8;

const session = new Session("floor.handheld.session", localStorage);
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
  awaitTote: 0, // the cart position whose tote must be scanned next (0 = none)
  binding: 0, // the next cart position waiting for its tote label (0 = none)
  totes: {}, // position -> label, as the verdicts told
  swapping: false, // the next scan is the empty tote replacing the current one
  stale: [], // queued scans that no longer applied: {id, barcode, verdict}
};
let taskCache = null;
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
  get wedge() {
    return wedge;
  },
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
  change: $("#change"),
  lang: $("#lang"),
  swapButton: $("#swap-button"),
  cameraButton: $("#camera-button"),
  cameraView: $("#camera-view"),
  settingsButton: $("#settings-button"),
  settingsDialog: $("#settings-dialog"),
  settingsForm: $("#settings-form"),
  settingsLang: $("#settings-lang"),
  settingsPrefix: $("#settings-prefix"),
  settingsSuffix: $("#settings-suffix"),
};
const wedge = new Wedge((barcode) => submitScan(barcode));
const camera = new Camera((barcode) => submitScan(barcode));

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
  body.dataset.awaitTote = String(state.awaitTote || "");
  body.dataset.binding = String(state.binding || "");
  el.swapButton.hidden = !Object.keys(state.totes).length;
  if (!step) {
    el.task.dataset.state = "done";
    el.stepOf.textContent = t("step.allDone", { total: task.steps.length });
    el.tote.textContent = state.awaitTote ? t("tote.colour", { n: state.awaitTote, colour: colourName(state.awaitTote) }) : "";
    paintTote(el.tote, state.awaitTote);
    el.locationLabel.textContent = t("task.complete");
    el.location.textContent = "✓";
    el.sku.textContent = el.name.textContent = el.gtin.textContent = "";
    el.picked.textContent = el.needed.textContent = "–";
    return;
  }
  el.task.dataset.state = task.at_location ? "at-location" : "go";
  el.stepOf.textContent = t("step.of", { n: task.step + 1, total: task.steps.length });
  const tote = state.awaitTote || state.binding || step.tote;
  const coloured = Object.keys(state.totes).length || state.binding;
  el.tote.textContent = tote === undefined || tote === "" ? ""
    : coloured ? t("tote.colour", { n: tote, colour: colourName(tote) }) : t("tote", { n: tote });
  paintTote(el.tote, coloured ? tote : 0);
  el.locationLabel.textContent = task.at_location ? t("atLocation") : t("go");
  el.location.textContent = step.location;
  el.sku.textContent = step.sku || "";
  el.name.textContent = step.name || "";
  el.gtin.textContent = [step.gtin ? `GTIN ${step.gtin}` : "", step.lot ? `Lot/批次 ${step.lot}` : ""]
    .filter(Boolean)
    .join(" · ");
  el.picked.textContent = String(task.picked ?? 0);
  el.needed.textContent = String(step.quantity ?? "?");
  decorateTask(task, el, body); // issue 9: replenish / putaway / count wording (kinds.js)
}

function prompt() {
  if (state.swapping) return t("swap.prompt");
  if (state.binding) return t("prompt.bind", { n: state.binding, colour: colourName(state.binding) });
  if (state.awaitTote) return t("prompt.tote", { n: state.awaitTote, colour: colourName(state.awaitTote) });
  if (state.idle || !state.task) return t("waiting");
  if (taskDone()) return t("task.complete");
  const special = kindPrompt(state.task); // issue 11: a tote to receive first, a put-wall sort
  if (special) return special;
  const step = currentStep();
  return state.task.at_location ? t("prompt.item", { sku: step.sku }) : t("prompt.location");
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

function connectionText(connection) {
  const text = t(`conn.${connection}`);
  return text.startsWith("conn.") ? connection : text;
}

function renderConnection() {
  el.light.dataset.state = state.connection;
  el.connectionText.textContent = connectionText(state.connection);
  body.dataset.connection = state.connection;
  renderOutbox();
}

function renderOutbox() {
  const size = outbox ? outbox.size : 0;
  const cut = ["offline", "waiting", "stopped"].includes(state.connection);
  el.outbox.textContent = cut ? t("outbox.offline", { n: size }) : t("outbox.count", { n: size });
  el.outbox.dataset.count = String(size);
  body.dataset.outbox = String(size);
}

function online() {
  return !!socket && socket.isOpen && replayed;
}

/** Queue a frame and send it if we can. Returns the outbox entry. */
function enqueue(frame, kind, label) {
  const entry = outbox.add(frame);
  addLog({ id: entry.id, kind, label, status: "queued", tone: "queued", message: t("status.queued") });
  if (online() && socket.send(frame)) {
    outbox.markSent(entry.id);
    updateLog(entry.id, { status: "sending", message: t("status.sending") });
  } else {
    setFeedback("queued", t("fb.queuedOffline", { n: outbox.size }), "queued");
  }
  renderOutbox();
  return entry;
}

/** Re-send every unanswered frame, oldest first (the server answers repeats with their first answer). */
function replay() {
  replayed = true;
  const pending = outbox.pending();
  const now = Date.now();
  for (const entry of pending) {
    // A scan that waited (never sent, or sent into a dead connection) says how long: a refused one
    // then raises a stale_scan exception on the server, and the page shows it plainly.
    if (entry.frame.type === "scan" && now - entry.created_ms > config.queuedAfterMs) {
      entry.frame.queued_ms = Math.min(now - entry.created_ms, 30 * 86_400_000);
      entry.queued = true;
    }
    if (!socket.send(entry.frame)) break;
    outbox.markSent(entry.id);
    updateLog(entry.id, { status: "sending", message: t("status.sending") });
  }
  if (pending.length) setFeedback("queued", t("fb.sendingQueued", { n: pending.length }), "replaying");
  renderOutbox();
}

function onState(connection) {
  state.connection = connection;
  if (connection !== "open") {
    replayed = false;
    for (const entry of outbox ? outbox.pending() : []) updateLog(entry.id, { status: "queued", message: t("status.queued") });
    if (state.screen === "work" && !outbox?.size) setFeedback("queued", t("fb.willQueue", { state: connectionText(connection) }), "disconnected");
  }
  renderConnection();
}

function onFatal(code) {
  const reason = code === 4403 ? t("login.forbidden") : t("login.expired");
  logout(reason, { force: true });
}

function onMessage(frame) {
  try {
    handleFrame(frame);
  } catch (error) {
    // A frame the page cannot handle (a poison frame) is logged and skipped: never a reconnect loop.
    console.warn("handheld: frame skipped", frame && frame.type, error);
  }
}

function showTask(task) {
  const change = describeChange(state.task, task);
  if (!task || !state.task || task.task_id !== state.task.task_id) {
    state.awaitTote = 0;
    state.binding = 0;
    state.totes = {};
    state.swapping = false;
  }
  state.task = task || null;
  state.idle = !state.task;
  if (task && task.tote_scan) {
    // Totes as the server holds them (after a reload too): bound labels, the next position to bind.
    state.totes = { ...(task.totes || {}) };
    state.awaitTote = task.await_tote || 0;
    const positions = [...new Set((Array.isArray(task.steps) ? task.steps : []).map((step) => step.tote))].sort((a, b) => a - b);
    state.binding = positions.find((position) => !state.totes[position]) || 0;
  }
  taskCache?.save(state.task);
  renderTask();
  if (change) {
    el.change.textContent = t(change.key, change.params);
    el.change.hidden = false;
    el.change.dataset.change = change.key;
    setFeedback("warn", el.change.textContent, "changed");
    signal("warn");
  }
}

function handleFrame(frame) {
  switch (frame.type) {
    case "welcome":
      replay();
      if (!outbox.size) setFeedback("info", prompt(), "ready");
      break;
    case "task":
      if (!replayed) replay();
      showTask(frame.task || null);
      if (feedbackIsNeutral()) setFeedback("info", prompt(), "ready");
      break;
    case "idle":
      if (!replayed) replay();
      showTask(null);
      if (feedbackIsNeutral()) setFeedback("info", t("waiting"), "idle");
      break;
    case "verdict":
      onVerdict(frame);
      break;
    case "short_pick_recorded":
      onAnswer(frame.request_id, "warn", "short_pick", shortPickMessage(frame), frame);
      break;
    case "report_recorded":
      onAnswer(frame.request_id, "info", "report", t("problem.reported"), frame);
      break;
    case "error":
      onError(frame);
      break;
    default:
      break; // pong and anything newer
  }
}

function shortPickMessage(frame) {
  const parts = [t("short.recorded")];
  if (frame.relocated) parts.push(t("short.relocated", { n: frame.relocated }));
  if (frame.backordered) parts.push(t("short.backordered", { n: frame.backordered }));
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
      updateLog(entry.id, { status: "sending", message: t("status.sending") });
    }
  }, retryDelay);
}

function onVerdict(frame) {
  el.change.hidden = true; // a task-change notice stays until the picker scans again
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
  if (!frame.duplicate && task && frame.task_id === task.task_id) applyTotes(frame);
  if (!frame.duplicate && task && frame.task_id === task.task_id && frame.verdict === "tote_received") {
    task.received = (task.received || 0) + 1; // issue 11: a tote handed over from an earlier zone is in
  }
  if (!frame.duplicate && task && frame.task_id === task.task_id && Number.isInteger(frame.step)) {
    task.step = frame.step;
    task.picked = frame.picked ?? task.picked;
    task.at_location = !!frame.at_location;
    if (frame.task_done) task.step = task.steps.length;
    else if (frame.expected && task.steps[frame.step]) task.steps[frame.step] = { ...task.steps[frame.step], ...frame.expected };
    taskCache?.save(task);
    renderTask();
  }
  const tone = toneOf(frame.verdict);
  let message = kindVerdictMessage(frame) || verdictMessage(frame); // issue 9: kinds.js
  if (frame.duplicate) message += t("fb.replayed");
  if (entry && entry.queued && tone !== "ok" && !frame.duplicate) {
    // A scan queued offline that no longer applies: said plainly (the server raised a floor exception).
    state.stale.push({ id, barcode: frame.barcode, verdict: frame.verdict });
    message = t("fb.stale", { code: frame.barcode, reason: message });
  }
  setFeedback(tone, message, frame.verdict);
  updateLog(id, { status: frame.verdict, tone, message: verdictLabel(frame.verdict) });
  signal(tone);
  if (frame.verdict === "not_your_task" || frame.task_done) socket.send({ type: "sync" });
  if (tone === "ok" && !frame.task_done && feedbackIsNeutral()) setFeedback("info", prompt(), "ready");
}

/** Tote state from a verdict: bound labels, the position to bind next, the tote to scan next. */
function applyTotes(frame) {
  if (frame.tote && frame.tote.label && ["tote_bound", "tote_swapped", "ok", "wrong_tote"].includes(frame.verdict)) {
    state.totes[frame.tote.position] = frame.tote.label;
  }
  if (frame.verdict === "tote_swapped" || (state.swapping && frame.verdict !== "tote_in_use")) state.swapping = false;
  if (frame.verdict === "not_your_task") return;
  state.binding = frame.binding || 0;
  state.awaitTote = frame.await_tote || 0;
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
    updateLog(frame.ref, { status: "queued", tone: "queued", message: t("status.retrying") });
    setFeedback("queued", t("fb.storeDown"), "retrying");
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
  const known = t(`error.${frame.code}`);
  setFeedback("bad", t("fb.error", { reason: known.startsWith("error.") ? frame.reason || frame.code : known }), "error");
  signal("bad");
}

// -- scans and requests ----------------------------------------------------------------------

function submitScan(raw) {
  const barcode = String(raw).replace(/^\s+|\s+$/g, "");
  if (!barcode || !outbox) return null;
  if (barcode.length > 256) {
    setFeedback("bad", t("fb.tooLong"), "error");
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
  if (state.swapping) frame.mode = "swap_tote";
  return enqueue(frame, "scan", barcode).id;
}

function openShortPick() {
  const step = currentStep();
  if (!step) {
    setFeedback("warn", t("short.none"), "no_task");
    signal("warn");
    return;
  }
  const remaining = Math.max(0, (step.quantity ?? 0) - (state.task.picked ?? 0));
  el.shortText.textContent = t("short.text", { location: step.location, sku: step.sku, n: remaining });
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
  enqueue(frame, "short_pick", t("short.label", { n: found }));
  focusScan();
}

function openProblem() {
  const step = currentStep();
  el.problemWhere.textContent = step ? `${step.location} · ${step.sku}` : t("problem.noStep");
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
  enqueue(frame, "report", t("problem.label", { kind: t(`problem.${kind}`) }));
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
        h("span", { class: "log-time" }, time(item.at)),
        h("span", { class: "log-label mono" }, item.label),
        h("span", { class: "log-status" }, item.message || item.status),
      ),
    ),
  );
}

// -- focus: the scan field always has it (a keyboard-wedge scanner types into whatever does) --

function dialogOpen() {
  return el.shortDialog.open || el.problemDialog.open || el.settingsDialog.open;
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
  wedge.feed(value); // double sends, split values and the scanner's prefix / suffix: wedge.js
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
for (const dialog of [el.shortDialog, el.problemDialog, el.settingsDialog]) {
  dialog.addEventListener("close", () => setTimeout(focusScan, 0));
}

// -- language, settings, camera, tote swap ----------------------------------------------------

function renderLanguage() {
  applyStatic();
  body.dataset.lang = lang();
  renderConnection();
  renderTask();
  if (state.screen === "work" && feedbackIsNeutral()) setFeedback("info", prompt(), el.feedback.dataset.verdict || "ready");
}

el.lang.addEventListener("click", () => {
  setLang(lang() === "zh-CN" ? "en" : "zh-CN");
  renderLanguage();
});

el.settingsButton.addEventListener("click", () => {
  const settings = loadWedgeSettings();
  el.settingsLang.value = lang();
  el.settingsPrefix.value = settings.prefix;
  el.settingsSuffix.value = settings.suffix;
  el.settingsDialog.showModal();
});
$("#settings-cancel").addEventListener("click", () => el.settingsDialog.close());
el.settingsForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const settings = { prefix: el.settingsPrefix.value, suffix: el.settingsSuffix.value };
  saveWedgeSettings(settings);
  wedge.settings = settings;
  setLang(el.settingsLang.value);
  el.settingsDialog.close();
  renderLanguage();
  setFeedback("info", t("settings.saved"), "settings");
});

el.swapButton.addEventListener("click", () => {
  state.swapping = !state.swapping;
  el.swapButton.setAttribute("aria-pressed", String(state.swapping));
  setFeedback("info", prompt(), "swap");
});

el.cameraButton.hidden = !cameraAvailable();
el.cameraButton.addEventListener("click", async () => {
  if (camera.running) {
    camera.stop();
    el.cameraView.hidden = true;
    el.cameraButton.setAttribute("aria-pressed", "false");
    return;
  }
  try {
    el.cameraView.hidden = false;
    await camera.start(el.cameraView);
    el.cameraButton.setAttribute("aria-pressed", "true");
  } catch (error) {
    el.cameraView.hidden = true;
    const denied = error && error.name === "NotAllowedError";
    setFeedback("warn", t(denied ? "camera.denied" : "camera.unavailable"), "camera");
  }
});

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
  taskCache = new TaskCache(`floor.task.${login.warehouse}.${login.subject}`);
  state.task = taskCache.load(); // shown at once, even with no network; the server's task frame replaces it
  state.log = outbox.pending().map((entry) => ({
    id: entry.id,
    kind: entry.frame.type,
    label: entry.frame.barcode || entry.frame.type,
    status: "queued",
    tone: "queued",
    message: t("status.queued"),
    at: entry.created_ms,
  })).reverse();
  el.who.textContent = login.subject;
  el.who.title = `${login.subject} · warehouse ${login.warehouse}`;
  showScreen("work");
  setFeedback("queued", state.task ? prompt() : t("fb.connecting"), "connecting");
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
    const sure = window.confirm(t("logout.confirm", { n: outbox.size }));
    if (!sure) return;
  }
  clearInterval(watchdog);
  clearTimeout(retryTimer);
  retryTimer = null;
  retrying.clear();
  socket?.stop();
  socket = null;
  camera.stop();
  taskCache?.save(null);
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
    if (answer.role !== "picker") throw new ApiError(403, { reason: t("login.notPicker") });
    startWork(session.save(answer));
  } catch (error) {
    if (error instanceof ApiError && [400, 401].includes(error.status)) el.loginError.textContent = t("login.wrong");
    else if (error instanceof ApiError && error.status === 0) el.loginError.textContent = t("login.unreachable");
    else if (error instanceof ApiError && error.status === 403) el.loginError.textContent = t("login.notPicker");
    else el.loginError.textContent = error.message || t("login.failed");
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

applyStatic();
body.dataset.lang = lang();
registerServiceWorker();
const saved = session.load();
if (saved) startWork(saved);
else {
  showScreen("login");
  el.badge.focus();
}
renderConnection();
