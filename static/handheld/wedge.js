// Keyboard-wedge scanners type a barcode into the focused field and press Enter. Their quirks:
//
// - the same value sent twice within a few ms (DataWedge "double send", a trigger bounce): one scan;
// - a value split by a stray Enter (an on-screen keyboard, a GS mapped to Enter): the parts
//   arriving within `joinMs` of each other are one barcode;
// - a prefix / suffix configured on the scanner (e.g. "]" symbology ids are kept: the server reads
//   them; a site prefix like "#" or a suffix like "\t" is not): stripped per device, from settings.
//
// So a submitted value waits `joinMs` before it goes; the same value again within `dupMs` of the
// last one is dropped. `feed(value, now)` is the whole logic (pure timing; tests drive it).

const SETTINGS_KEY = "floor.wedge";

export function loadWedgeSettings(storage = localStorage) {
  try {
    const value = JSON.parse(storage.getItem(SETTINGS_KEY) || "{}");
    return { prefix: String(value.prefix || ""), suffix: String(value.suffix || "") };
  } catch {
    return { prefix: "", suffix: "" };
  }
}

export function saveWedgeSettings(settings, storage = localStorage) {
  storage.setItem(SETTINGS_KEY, JSON.stringify({ prefix: settings.prefix || "", suffix: settings.suffix || "" }));
}

/** The value without the configured prefix / suffix (only when present). */
export function stripAffixes(value, { prefix = "", suffix = "" } = {}) {
  let text = value;
  if (prefix && text.startsWith(prefix)) text = text.slice(prefix.length);
  if (suffix && text.endsWith(suffix)) text = text.slice(0, text.length - suffix.length);
  return text;
}

export class Wedge {
  /** @param {(barcode: string) => void} onScan */
  constructor(onScan, { joinMs = 35, dupMs = 60, settings = loadWedgeSettings() } = {}) {
    this.onScan = onScan;
    this.joinMs = joinMs;
    this.dupMs = dupMs;
    this.settings = settings;
    this.pending = null; // {value, at}
    this.timer = null;
    this.last = { value: "", at: -Infinity };
    this.dropped = 0; // double sends dropped (tests read it)
    this.joined = 0; // split values joined
  }

  /** One Enter-terminated value from the field. */
  feed(raw, now = performance.now()) {
    const value = String(raw).replace(/[\r\n]+$/g, "");
    if (!value.trim()) return;
    if (this.pending && now - this.pending.at <= this.joinMs) {
      if (value === this.pending.value) this.dropped += 1; // sent twice: one scan
      else {
        this.pending.value += value; // split by a stray Enter: one barcode
        this.joined += 1;
      }
      this.pending.at = now;
    } else {
      this.flush();
      if (value === this.last.value && now - this.last.at <= this.dupMs) {
        this.dropped += 1;
        this.last.at = now;
        return;
      }
      this.pending = { value, at: now };
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.joinMs);
  }

  flush() {
    clearTimeout(this.timer);
    this.timer = null;
    const pending = this.pending;
    this.pending = null;
    if (!pending) return;
    this.last = { value: pending.value, at: pending.at };
    const barcode = stripAffixes(pending.value, this.settings).trim();
    if (barcode) this.onScan(barcode);
  }
}
