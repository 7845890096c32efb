// Identifiers made on the device.
//
// A scan id must be unique per picker for as long as the server remembers scans, and it must
// survive a reload (a queued scan keeps its id until its verdict arrives). So the device id and
// the counter live in localStorage; `scanId()` = `<deviceId>-<counter>`.

const DEVICE_KEY = "floor.deviceId";
const COUNTER_KEY = "floor.counter";

function randomHex(bytes) {
  const buffer = new Uint8Array(bytes);
  crypto.getRandomValues(buffer);
  return Array.from(buffer, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** This device's id: 8 hex digits, made once and kept in localStorage. */
export function deviceId(storage = localStorage) {
  let id = storage.getItem(DEVICE_KEY);
  if (!id || !/^[0-9a-f]{4,32}$/.test(id)) {
    id = randomHex(4);
    storage.setItem(DEVICE_KEY, id);
  }
  return id;
}

/** The next value of the device's counter (persisted before it is returned). */
export function nextCounter(storage = localStorage) {
  const current = Number.parseInt(storage.getItem(COUNTER_KEY) || "0", 10);
  const next = Number.isFinite(current) && current >= 0 ? current + 1 : 1;
  storage.setItem(COUNTER_KEY, String(next));
  return next;
}

/** A new request id of this device: `<deviceId>-<counter>` (counter zero-padded to 4). */
export function scanId(storage = localStorage) {
  return `${deviceId(storage)}-${String(nextCounter(storage)).padStart(4, "0")}`;
}

/** A random id for one-off commands (acknowledge, resolve). */
export function uniqueId(prefix = "") {
  const body = typeof crypto.randomUUID === "function" ? crypto.randomUUID() : randomHex(16);
  return prefix ? `${prefix}-${body}` : body;
}
