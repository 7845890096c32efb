// What a verdict looks and sounds like: tone (ok / warn / bad), a message a picker reads at a
// glance, and WebAudio beeps (a short high beep for ok, a low buzz for errors, two mid tones
// for warnings).

const WARN = new Set(["scan_location_first", "unknown_barcode"]);

/** "ok" | "warn" | "bad" for a verdict name. */
export function toneOf(verdict) {
  if (verdict === "ok") return "ok";
  if (WARN.has(verdict)) return "warn";
  return "bad";
}

const LABELS = {
  ok: "OK",
  wrong_location: "Wrong location",
  scan_location_first: "Scan location first",
  wrong_item: "Wrong item",
  wrong_lot: "Wrong lot",
  expired_lot: "Expired lot",
  over_pick: "Too many",
  not_your_task: "Not your task",
  unknown_barcode: "Unknown barcode",
  wrong_tote: "Wrong tote",
};

export function verdictLabel(verdict) {
  return LABELS[verdict] || verdict.replaceAll("_", " ");
}

/** One short line for the picker, from a verdict frame (the scanned code is in the scan log). */
export function verdictMessage(frame) {
  const expected = frame.expected || {};
  const barcode = frame.barcode || "";
  switch (frame.verdict) {
    case "ok":
      if (frame.task_done) return "Task complete";
      if (expected.location && barcode === expected.location) return "Location OK — scan the item";
      if (frame.picked === 0) return `Step done — next: ${expected.location || ""}`.trim();
      return `Picked ${frame.picked} of ${expected.quantity ?? "?"}`;
    case "wrong_location":
      return `Wrong location — go to ${expected.location || "?"}`;
    case "scan_location_first":
      return `Scan location ${expected.location || ""} first`.replace("  ", " ");
    case "wrong_item":
      return `Wrong item — pick ${expected.sku || "?"}`;
    case "wrong_lot":
      return `Wrong lot — need lot ${expected.lot || "?"}`;
    case "expired_lot":
      return "Expired lot — set it aside, take another";
    case "over_pick": {
      const left = (expected.quantity ?? 0) - (frame.picked ?? 0);
      return `Too many — only ${left} left here`;
    }
    case "not_your_task":
      return "Not your task — reloading";
    case "unknown_barcode":
      return `Unknown barcode ${barcode}`;
    case "wrong_tote":
      return `Wrong tote — use tote ${expected.tote ?? "?"}`;
    default:
      return verdictLabel(frame.verdict || "?");
  }
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
    } else if (tone === "warn") {
      this.tone(700, 120, { type: "triangle" });
      this.tone(700, 120, { type: "triangle", delayMs: 180 });
      navigator.vibrate?.(120);
    } else if (tone === "bad") {
      this.tone(140, 450, { type: "sawtooth", volume: 0.3 });
      navigator.vibrate?.([200, 80, 200]);
    }
  }
}
