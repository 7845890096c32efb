// What a verdict looks and sounds like: tone (ok / warn / bad), a message a picker reads at a
// glance (in the page's language: i18n.js), and WebAudio beeps (a short high beep for ok, a low
// buzz for errors, two mid tones for warnings) with a vibration on phones that have one.

import { colourName, t } from "/static/handheld/i18n.js";

const WARN = new Set(["scan_location_first", "unknown_barcode", "bad_barcode", "wrong_kind",
  "scan_item_first", "scan_slot_first"]); // issue 11: put-wall sort
const OK = new Set(["ok", "tote_bound", "tote_swapped", "tote_received", "put_to_slot"]); // issue 11

/** "ok" | "warn" | "bad" for a verdict name. */
export function toneOf(verdict) {
  if (OK.has(verdict)) return "ok";
  if (WARN.has(verdict)) return "warn";
  return "bad";
}

export function verdictLabel(verdict) {
  const label = t(`v.${verdict}`);
  return label === `v.${verdict}` ? String(verdict).replaceAll("_", " ") : label;
}

function tote(frame) {
  const position = frame.tote?.position ?? frame.await_tote ?? frame.expected?.tote ?? "?";
  return { n: position, colour: colourName(position), label: frame.tote?.label || "" };
}

/** One short line for the picker, from a verdict frame (the scanned code is in the scan log). */
export function verdictMessage(frame) {
  const expected = frame.expected || {};
  const barcode = frame.barcode || "";
  switch (frame.verdict) {
    case "ok": {
      if (frame.tote && !frame.await_tote && !frame.units) {
        return frame.task_done ? `${t("m.toteOk", tote(frame))} · ${t("task.complete")}` : t("m.toteOk", tote(frame));
      }
      let message;
      if (frame.task_done) message = t("task.complete");
      else if (!frame.units && expected.location && barcode.endsWith(expected.location)) message = t("m.locationOk");
      else if (frame.picked === 0) message = t("m.stepDone", { location: expected.location || "" });
      else message = t("m.picked", { picked: frame.picked, quantity: expected.quantity ?? "?" });
      if (frame.substituted) message += ` · ${t("m.substituted", { lot: frame.lot, old: frame.substituted })}`;
      if (frame.await_tote) message = t("m.thenTote", { message, ...tote(frame) });
      return message;
    }
    case "wrong_location":
    case "scan_location_first":
      return t(`m.${frame.verdict}`, { location: expected.location || "?" });
    case "wrong_item":
      return t("m.wrong_item", { sku: expected.sku || "?" });
    case "wrong_lot":
      return t("m.wrong_lot", { lot: expected.lot || "?" });
    case "over_pick":
      return t("m.over_pick", { left: Math.max(0, (expected.quantity ?? 0) - (frame.picked ?? 0)) });
    case "unknown_barcode":
      return t("m.unknown_barcode", { code: barcode });
    case "wrong_kind":
      return t("m.wrong_kind", {
        scanned: t(`kind.${frame.scanned_kind || "unknown"}`),
        expected: t(`kind.${frame.expected_kind || "item"}`),
      }) + (frame.expected_kind === "tote" && frame.binding ? ` · ${t("prompt.bind", { n: frame.binding, colour: colourName(frame.binding) })}` : "");
    case "repeated_serial":
      return t("m.repeated_serial", { serial: frame.serial || barcode.slice(-12) });
    case "tote_bound":
    case "tote_swapped":
    case "wrong_tote":
      return t(`m.${frame.verdict}`, tote(frame));
    default: {
      const message = t(`m.${frame.verdict}`);
      return message.startsWith("m.") ? verdictLabel(frame.verdict || "?") : message;
    }
  }
}

/** Vibrate, once the page has had a user gesture (before that the browser refuses, and says so). */
function vibrate(pattern) {
  if (navigator.userActivation && !navigator.userActivation.hasBeenActive) return;
  navigator.vibrate?.(pattern);
}

/** Beeps through WebAudio. `unlock()` must run in a user gesture (login, a key press). */
export class Beeper {
  constructor() {
    this.context = null;
    this.muted = false;
  }

  unlock() {
    const AudioContext = window.AudioContext || window.webkitAudioContext;
    if (!AudioContext) return;
    if (!this.context) {
      try {
        this.context = new AudioContext();
      } catch {
        return;
      }
    }
    if (this.context.state === "suspended") this.context.resume().catch(() => {});
  }

  tone(frequency, durationMs, { type = "square", volume = 0.25, delayMs = 0 } = {}) {
    if (this.muted || !this.context) return;
    const ctx = this.context;
    const start = ctx.currentTime + delayMs / 1000;
    const end = start + durationMs / 1000;
    const oscillator = ctx.createOscillator();
    const gain = ctx.createGain();
    oscillator.type = type;
    oscillator.frequency.setValueAtTime(frequency, start);
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(volume, start + 0.01);
    gain.gain.setValueAtTime(volume, end - 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, end);
    oscillator.connect(gain).connect(ctx.destination);
    oscillator.start(start);
    oscillator.stop(end + 0.01);
  }

  play(tone) {
    this.unlock();
    if (tone === "ok") {
      this.tone(2000, 90, { type: "sine", volume: 0.35 });
      vibrate(40);
    } else if (tone === "warn") {
      this.tone(700, 120, { type: "triangle" });
      this.tone(700, 120, { type: "triangle", delayMs: 180 });
      vibrate(120);
    } else if (tone === "bad") {
      this.tone(140, 450, { type: "sawtooth", volume: 0.3 });
      vibrate([200, 80, 200]);
    }
  }
}
