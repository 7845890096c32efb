// The outbox: every frame that changes something (scan, short_pick, report) waits here, in
// localStorage, until its answer arrives. Nothing is ever dropped for want of a connection: on
// every (re)connect the whole outbox is sent again in order, and the server answers a repeated
// id with its first answer, so each frame is applied exactly once.
//
// An entry: {id, frame, created_ms, sent_ms, attempts}. `id` is the frame's scan_id or request_id.

export function frameId(frame) {
  return frame.scan_id || frame.request_id || "";
}

export class Outbox {
  /** @param {string} key  localStorage key (one outbox per picker) */
  constructor(key, storage = localStorage) {
    this.key = key;
    this.storage = storage;
    this.entries = this.load();
  }

  load() {
    try {
      const entries = JSON.parse(this.storage.getItem(this.key) || "[]");
      return Array.isArray(entries) ? entries.filter((entry) => entry && entry.id && entry.frame) : [];
    } catch {
      return [];
    }
  }

  persist() {
    if (this.entries.length) this.storage.setItem(this.key, JSON.stringify(this.entries));
    else this.storage.removeItem(this.key);
  }

  get size() {
    return this.entries.length;
  }

  has(id) {
    return this.entries.some((entry) => entry.id === id);
  }

  get(id) {
    return this.entries.find((entry) => entry.id === id) || null;
  }

  /** Queue a frame (persisted before this returns). */
  add(frame, now = Date.now()) {
    const id = frameId(frame);
    if (!id) throw new Error("a queued frame needs a scan_id or request_id");
    if (this.has(id)) return this.get(id);
    const entry = { id, frame, created_ms: now, sent_ms: 0, attempts: 0 };
    this.entries.push(entry);
    this.persist();
    return entry;
  }

  markSent(id, now = Date.now()) {
    const entry = this.get(id);
    if (!entry) return;
    entry.sent_ms = now;
    entry.attempts += 1;
    this.persist();
  }

  /** The answer for `id` arrived: take it out. Returns the entry, or null if it was not queued. */
  resolve(id) {
    const index = this.entries.findIndex((entry) => entry.id === id);
    if (index < 0) return null;
    const [entry] = this.entries.splice(index, 1);
    this.persist();
    return entry;
  }

  /** Entries sent and still unanswered after `ms` (the connection is probably dead). */
  overdue(ms, now = Date.now()) {
    return this.entries.filter((entry) => entry.sent_ms && now - entry.sent_ms > ms);
  }

  pending() {
    return [...this.entries];
  }
}
