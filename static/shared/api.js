// HTTP API helpers: JSON in and out, the bearer token, and the session kept in sessionStorage.

export class ApiError extends Error {
  /** @param {number} status  @param {object} body  the server's JSON error body, if any */
  constructor(status, body, message) {
    super(message || (body && (body.reason || body.error)) || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.body = body || {};
  }
}

/**
 * Call the API. `body` (if given) is sent as JSON; the answer is parsed as JSON.
 * Throws ApiError on a non-2xx answer (status 0 when the network failed).
 */
export async function apiFetch(path, { method = "GET", body, token, signal } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: "no-store",
    });
  } catch (error) {
    throw new ApiError(0, { error: "network", reason: "cannot reach the server" }, error.message);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { error: "bad_response", reason: text.slice(0, 200) };
    }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** GET a non-JSON resource (an image) with the token; resolves to a Blob. */
export async function apiBlob(path, { token } = {}) {
  let response;
  try {
    response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {}, cache: "no-store" });
  } catch (error) {
    throw new ApiError(0, { error: "network", reason: "cannot reach the server" }, error.message);
  }
  if (!response.ok) throw new ApiError(response.status, { reason: `HTTP ${response.status}` });
  return response.blob();
}

/** POST /api/auth/login; resolves to {token, role, subject, warehouse, expires_ms}. */
export function login(credentials) {
  return apiFetch("/api/auth/login", { method: "POST", body: credentials });
}

/**
 * A single-use WebSocket ticket for this login (POST /api/auth/ticket, valid ~30 s): sockets are
 * opened with ?ticket=, never with the long-lived token in the URL (URLs end up in logs).
 */
export async function socketTicket(token) {
  const answer = await apiFetch("/api/auth/ticket", { method: "POST", token });
  return answer.ticket;
}

/** The socket URL for `path` with a fresh ticket and `params`; rejects with ApiError like apiFetch. */
export async function ticketSocketUrl(path, token, params = {}) {
  return socketUrl(path, { ...params, ticket: await socketTicket(token) });
}

/** POST /api/auth/logout: end this token on the server (best effort: the page forgets it anyway). */
export function endSession(token) {
  if (!token) return Promise.resolve(null);
  return apiFetch("/api/auth/logout", { method: "POST", token }).catch(() => null);
}

/** A login kept in sessionStorage under `key` (gone when the tab closes), or in the `storage`
 * given (the handheld keeps its login in localStorage: it must survive a browser restart offline). */
export class Session {
  constructor(key, storage = sessionStorage) {
    this.key = key;
    this.storage = storage;
  }

  load() {
    try {
      const value = JSON.parse(this.storage.getItem(this.key) || "null");
      if (!value || !value.token) return null;
      if (value.expires_ms && value.expires_ms < Date.now()) {
        this.clear();
        return null;
      }
      return value;
    } catch {
      return null;
    }
  }

  save(value) {
    this.storage.setItem(this.key, JSON.stringify(value));
    return value;
  }

  clear() {
    this.storage.removeItem(this.key);
  }
}

/** ws:// or wss:// URL for a path on this origin. */
export function socketUrl(path, params = {}) {
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  return url.toString();
}
