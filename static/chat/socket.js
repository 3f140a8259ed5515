// One WebSocket to one conversation, reconnected with backoff until it is stopped or the
// server closes it for good. It reports where it stands through onLink and hands every frame
// to onFrame; it knows nothing of what the frames mean.

const PING_INTERVAL_MS = 25000;
const STALE_AFTER_MS = 70000; // no frame at all for this long: the socket is dead
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10000;
// 4401 comes from an open socket (logout); 4403 and 4404 from probe() below.
const FATAL_CLOSES = new Set([4401, 4403, 4404]);
const PROBE_CLOSES = { 401: 4401, 403: 4403, 404: 4404 };

// url(id) -> ws URL; probe(id) -> Promise of the HTTP status of the conversation (0: network).
export function createSocket({ url, probe, onFrame, onLink, onFatal }) {
  let id = null;
  let ws = null;
  let gen = 0;
  let attempt = 0;
  let reconnectTimer = null;
  let pingTimer = null;
  let lastFrameAt = 0;

  function isOpen() {
    return ws !== null && ws.readyState === WebSocket.OPEN;
  }

  function send(obj) {
    if (!isOpen()) return false;
    try {
      ws.send(JSON.stringify(obj));
      return true;
    } catch (e) {
      return false;
    }
  }

  function connect() {
    if (!id) return;
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    drop();
    const mine = ++gen;
    onLink("connecting");
    let sock;
    try {
      sock = new WebSocket(url(id));
    } catch (e) {
      scheduleReconnect();
      return;
    }
    ws = sock;
    let opened = false;
    sock.onopen = () => {
      if (mine !== gen) return;
      opened = true;
      lastFrameAt = Date.now();
      startPing();
    };
    sock.onmessage = (ev) => {
      if (mine !== gen) return;
      lastFrameAt = Date.now();
      let frame;
      try {
        frame = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      if (!frame || typeof frame !== "object") return;
      try {
        onFrame(frame);
      } catch (e) {
        console.error("chat: failed to handle frame", frame.type, e);
      }
    };
    sock.onclose = (ev) => {
      if (mine !== gen) return;
      ws = null;
      stopPing();
      if (!opened && !(ev.code >= 4000 && ev.code <= 4999)) probeThenReconnect(mine);
      else closed(ev.code);
    };
  }

  // A socket refused during the handshake carries no close code (the browser reports 1006).
  // Ask the HTTP API why, so that a missing or forbidden conversation is not retried forever.
  function probeThenReconnect(mine) {
    const target = id;
    onLink("probing");
    probe(target).then((status) => {
      if (mine !== gen || target !== id) return;
      closed(PROBE_CLOSES[status] || 0);
    });
  }

  function closed(code) {
    if (!FATAL_CLOSES.has(code)) {
      scheduleReconnect();
      return;
    }
    id = null;
    onFatal(code);
  }

  function scheduleReconnect() {
    if (!id) return;
    clearTimeout(reconnectTimer);
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, attempt));
    attempt++;
    onLink("waiting");
    reconnectTimer = setTimeout(connect, base / 2 + Math.random() * (base / 2));
  }

  // Close the current socket without triggering the reconnect logic.
  function drop(code, reason) {
    gen++;
    stopPing();
    if (ws) {
      const old = ws;
      ws = null;
      try {
        old.onopen = old.onmessage = old.onclose = old.onerror = null;
        old.close(code || 1000, reason || "");
      } catch (e) {
        // already closing
      }
    }
  }

  function startPing() {
    stopPing();
    pingTimer = setInterval(() => {
      if (!isOpen()) return;
      if (Date.now() - lastFrameAt > STALE_AFTER_MS) resync();
      else send({ type: "ping" });
    }, PING_INTERVAL_MS);
  }

  function stopPing() {
    clearInterval(pingTimer);
    pingTimer = null;
  }

  // Missed data: reconnect now; the history frame heals the log.
  function resync() {
    drop(4000, "resync");
    attempt = 0;
    connect();
  }

  return {
    isOpen,
    send,
    resync,
    // Follow this conversation (null: none).
    open(conversationId) {
      drop();
      clearTimeout(reconnectTimer);
      reconnectTimer = null;
      attempt = 0;
      id = conversationId;
      if (id) connect();
    },
    // The history frame arrived: the next failure starts the backoff from the beginning.
    connected() {
      attempt = 0;
    },
    // A question is waiting and nothing is under way (e.g. between a probe and its answer).
    connectIfIdle() {
      if (!ws && !reconnectTimer) connect();
    },
    reconnectNow({ resetBackoff }) {
      if (!id || isOpen()) return;
      if (resetBackoff) attempt = 0;
      connect();
    },
    leave() {
      drop(1000, "leaving");
    },
  };
}
