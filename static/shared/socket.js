// A WebSocket that reconnects by itself, with exponential backoff and a heartbeat.
//
// States: "connecting" → "open" → (lost) "waiting" → "connecting" ... ; "offline" while the
// browser says it has no network; "stopped" after stop() or a close the server means for good
// (4400 bad request, 4401 bad token, 4403 wrong role), which is reported through onFatal and never retried.
// 4408 (the server closed us as too slow: we did not read our frames) is an ordinary reconnect: the
// handheld re-sends its unanswered outbox on `welcome`, the board asks for events after its last id.
//
// A half-dead connection (Wi-Fi gone, no close frame) is noticed by the heartbeat: a `ping` every
// `pingMs`, and the socket is dropped when nothing at all has arrived for `staleMs`.
//
// `makeUrl` may return a Promise: the pages fetch a fresh single-use ticket (POST /api/auth/ticket)
// before every attempt, so the long-lived token never appears in a URL. A ticket request refused
// with 401/403 is fatal like the matching close code; any other failure is retried with backoff.

const FATAL_CODES = new Set([4400, 4401, 4403]);

export class ReconnectingSocket {
  /**
   * @param {() => string | Promise<string>} makeUrl  called before every attempt (so e.g. last_id can change)
   * @param {object} handlers  onOpen(), onMessage(frame), onState(state, info), onFatal(code, reason)
   */
  constructor(makeUrl, handlers = {}, options = {}) {
    this.makeUrl = makeUrl;
    this.handlers = handlers;
    this.minDelayMs = options.minDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 8000;
    this.pingMs = options.pingMs ?? 10000;
    this.staleMs = options.staleMs ?? 25000;
    this.state = "idle";
    this.attempts = 0;
    this.connections = 0; // how many times the socket has opened (tests read it)
    this.ws = null;
    this.attempt = 0; // bumped by every attempt and discard(): a late ticket for an old attempt is dropped
    this.retryTimer = null;
    this.heartbeatTimer = null;
    this.lastSeen = 0;
    this.pingCounter = 0;
    this.retryAt = 0;
    this.onOnline = () => {
      if (this.state === "stopped" || this.state === "open") return;
      this.attempts = 0;
      this.discard(); // an attempt made while offline may hang: start afresh
      this.connectNow();
    };
    this.onOffline = () => {
      if (this.state === "stopped") return;
      this.discard();
      this.setState("offline");
      this.scheduleRetry();
    };
  }

  start() {
    window.addEventListener("online", this.onOnline);
    window.addEventListener("offline", this.onOffline);
    this.connectNow();
    return this;
  }

  /** Close for good (logout). */
  stop() {
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("offline", this.onOffline);
    clearTimeout(this.retryTimer);
    this.discard();
    this.setState("stopped");
  }

  get isOpen() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN && this.state === "open";
  }

  /** Send one frame; false (and nothing sent) when the socket is not open. */
  send(frame) {
    if (!this.isOpen) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /** Drop the current connection and reconnect right away (watchdogs and tests use it). */
  reconnect() {
    if (this.state === "stopped") return;
    this.discard();
    this.attempts = 0;
    this.connectNow();
  }

  /** Drop the current connection and reconnect after the usual backoff. */
  drop() {
    if (this.state === "stopped") return;
    this.discard();
    this.setState("waiting");
    this.scheduleRetry();
  }

  // -- internals --------------------------------------------------------------------------

  setState(state, info = {}) {
    this.state = state;
    this.handlers.onState?.(state, info);
  }

  connectNow() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.state === "stopped") return;
    const attempt = ++this.attempt;
    this.setState("connecting");
    let url;
    try {
      url = this.makeUrl();
    } catch (error) {
      this.failAttempt(error);
      return;
    }
    Promise.resolve(url).then(
      (resolved) => {
        if (attempt === this.attempt && this.state !== "stopped") this.open(resolved);
      },
      (error) => {
        if (attempt === this.attempt && this.state !== "stopped") this.failAttempt(error);
      },
    );
  }

  /** The URL (its ticket) could not be had: fatal when the server refused the login, else retry. */
  failAttempt(error) {
    const fatal = error && error.status === 401 ? 4401 : error && error.status === 403 ? 4403 : 0;
    if (fatal) {
      this.setState("stopped", { code: fatal });
      this.handlers.onFatal?.(fatal, String(error.message || ""));
      return;
    }
    this.setState(navigator.onLine === false ? "offline" : "waiting", { error: String(error) });
    this.scheduleRetry();
  }

  open(url) {
    let ws;
    try {
      ws = new WebSocket(url);
    } catch (error) {
      this.setState("waiting", { error: String(error) });
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (ws !== this.ws) return;
      this.attempts = 0;
      this.connections += 1;
      this.lastSeen = Date.now();
      this.startHeartbeat();
      this.setState("open");
      this.handlers.onOpen?.();
    };
    ws.onmessage = (event) => {
      if (ws !== this.ws) return;
      this.lastSeen = Date.now();
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame && typeof frame === "object") this.handlers.onMessage?.(frame);
    };
    ws.onclose = (event) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.stopHeartbeat();
      if (FATAL_CODES.has(event.code)) {
        this.setState("stopped", { code: event.code });
        this.handlers.onFatal?.(event.code, event.reason);
        return;
      }
      this.setState(navigator.onLine === false ? "offline" : "waiting", { code: event.code });
      this.scheduleRetry();
    };
    ws.onerror = () => {}; // a close event always follows
  }

  /** Forget the current socket without waiting for its close handshake. */
  discard() {
    this.attempt += 1; // an attempt still fetching its ticket is abandoned
    this.stopHeartbeat();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close(4000, "reconnect");
      } catch {
        /* already closed */
      }
    }
  }

  scheduleRetry() {
    clearTimeout(this.retryTimer);
    const ceiling = Math.min(this.maxDelayMs, this.minDelayMs * 2 ** this.attempts);
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.attempts += 1;
    this.retryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => this.connectNow(), delay);
  }

  startHeartbeat() {
    this.stopHeartbeat();
    this.heartbeatTimer = setInterval(() => {
      if (!this.ws) return;
      if (Date.now() - this.lastSeen > this.staleMs) {
        this.drop();
        return;
      }
      this.send({ type: "ping", id: String(++this.pingCounter) });
    }, this.pingMs);
  }

  stopHeartbeat() {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }
}
