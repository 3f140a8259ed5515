/*
 * Shopping-assistant chat page.
 *
 * Plain browser JavaScript, no build step. Talks to the JSON API for the
 * conversation list and to a per-conversation WebSocket for the live chat.
 * Assistant output is untrusted: it is rendered with marked and then passed
 * through DOMPurify before it touches innerHTML. Everything else is text.
 */
(function () {
  "use strict";

  // ---------------------------------------------------------------------------
  // Configuration and DOM
  // ---------------------------------------------------------------------------

  var configEl = document.getElementById("chat-config");
  var appEl = document.getElementById("chat-app");
  if (!configEl || !appEl) return;

  var config = {};
  try {
    config = JSON.parse(configEl.textContent) || {};
  } catch (e) {
    config = {};
  }
  var API_BASE = ensureSlash(config.apiBase || "/api/conversations/");
  var WS_PATH = ensureSlash(config.wsPath || "/ws/chat/");
  var CHAT_PATH = ensureSlash(config.chatPath || "/chat/");
  var MAX_LENGTH = Number(config.maxLength) > 0 ? Number(config.maxLength) : 4000;

  var PING_INTERVAL_MS = 25000;
  var STALE_AFTER_MS = 70000; // no frame at all for this long -> reconnect
  var BACKOFF_MIN_MS = 500;
  var BACKOFF_MAX_MS = 10000;
  var NEAR_BOTTOM_PX = 80;
  var COUNTER_FROM = Math.floor(MAX_LENGTH * 0.8);
  // Errors about a question that mean it was not stored (text goes back to the input).
  var RESTORE_CODES = { busy: 1, rate_limited: 1, too_long: 1, invalid_message: 1, unavailable: 1, not_found: 1 };
  var STATUS_LABELS = { stopped: "Stopped", error: "Error", interrupted: "Interrupted" };

  var el = {
    app: appEl,
    sidebar: byId("chat-sidebar"),
    backdrop: byId("chat-backdrop"),
    sidebarToggle: byId("sidebar-toggle-btn"),
    sidebarClose: byId("sidebar-close-btn"),
    list: byId("conversation-list"),
    newChat: byId("new-chat-btn"),
    title: byId("chat-title"),
    provider: byId("chat-provider"),
    conn: byId("connection-status"),
    alertBar: byId("chat-alert-bar"),
    alert: byId("chat-alert"),
    alertClose: byId("chat-alert-close"),
    empty: byId("chat-empty"),
    log: byId("chat-log"),
    typing: byId("typing-indicator"),
    newMessages: byId("new-messages-btn"),
    announcer: byId("chat-announcer"),
    form: byId("chat-form"),
    input: byId("chat-input"),
    counter: byId("char-counter"),
    send: byId("send-btn"),
    stop: byId("stop-btn"),
  };

  // ---------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------

  var state = {
    conversationId: config.conversationId ? String(config.conversationId) : null,
    conversationTitle: "",
    conversations: [],
    messages: new Map(), // id -> entry {msg, el, body, tools, calls, badge, cpLen, final}
    toolLines: new Map(), // message id -> [{tool, status, content}]
    infoTargets: new Map(), // info message_id that names no known message -> message id used
    pending: null, // question not yet confirmed: {cmid, content, sent, entry}
    running: false,
    stopping: false,
    creating: false,
    fatal: null, // {code} after a 4404/4403/4401 close: no reconnect
    ws: null,
    wsGen: 0,
    ready: false, // history received on the current socket
    everConnected: false,
    reconnectAttempt: 0,
    reconnectTimer: null,
    pingTimer: null,
    lastFrameAt: 0,
    stick: true, // reader is at the bottom of the log
    renderQueue: new Set(),
    rafId: 0,
  };

  // ---------------------------------------------------------------------------
  // Small helpers
  // ---------------------------------------------------------------------------

  function byId(id) {
    return document.getElementById(id);
  }

  function ensureSlash(p) {
    p = String(p);
    return p.charAt(p.length - 1) === "/" ? p : p + "/";
  }

  function codePointLength(s) {
    var n = 0;
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      // count a surrogate pair once
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        var d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) i++;
      }
      n++;
    }
    return n;
  }

  function truncate(s, n) {
    var cps = Array.from(s);
    return cps.length > n ? cps.slice(0, n - 1).join("").trimEnd() + "…" : s;
  }

  function escapeHtml(s) {
    return String(s == null ? "" : s)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      try {
        return window.crypto.randomUUID();
      } catch (e) {
        /* insecure context: fall through */
      }
    }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) {
      return (x + 0x100).toString(16).slice(1);
    }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function formatTime(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    if (isNaN(d.getTime())) return "";
    try {
      return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    } catch (e) {
      return d.toLocaleString();
    }
  }

  function svgIcon(paths) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    paths.forEach(function (d) {
      var p = document.createElementNS(ns, "path");
      p.setAttribute("d", d);
      p.setAttribute("fill", "none");
      p.setAttribute("stroke", "currentColor");
      p.setAttribute("stroke-width", "2");
      p.setAttribute("stroke-linecap", "round");
      p.setAttribute("stroke-linejoin", "round");
      svg.appendChild(p);
    });
    return svg;
  }

  var ICON_EDIT = ["M4 20h4L19 9l-4-4L4 16v4z", "M13.5 6.5l4 4"];
  var ICON_TRASH = ["M4 7h16", "M9 7V4h6v3", "M6 7l1 13h10l1-13", "M10 11v6M14 11v6"];

  // ---------------------------------------------------------------------------
  // Markdown (untrusted) -> sanitised HTML
  // ---------------------------------------------------------------------------

  var md = null;
  var purifyReady = false;
  var PURIFY_CONFIG = {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ["style", "img", "picture", "video", "audio", "source", "track", "iframe", "object",
      "embed", "form", "input", "button", "textarea", "select", "option", "svg", "math", "link", "meta", "base"],
    FORBID_ATTR: ["style", "srcset", "id", "name"],
  };

  (function setupMarkdown() {
    var M = window.marked;
    if (M && typeof M.Marked === "function") {
      md = new M.Marked({
        gfm: true,
        breaks: true,
        renderer: {
          // Raw HTML written by the model is shown as text, never interpreted.
          html: function (token) {
            return escapeHtml(token.text);
          },
          // No remote images from model output: show them as plain links.
          image: function (token) {
            var label = token.text || token.href || "image";
            if (!token.href) return escapeHtml(label);
            return '<a href="' + escapeHtml(token.href) + '">' + escapeHtml(label) + "</a>";
          },
        },
      });
    } else if (M && typeof M.parse === "function") {
      md = { parse: function (s) { return M.parse(s, { gfm: true, breaks: true }); } };
    }
    var P = window.DOMPurify;
    if (P && typeof P.sanitize === "function" && P.isSupported !== false) {
      purifyReady = true;
      P.addHook("afterSanitizeAttributes", function (node) {
        if (node.tagName === "A" && node.hasAttribute("href")) {
          node.setAttribute("target", "_blank");
          node.setAttribute("rel", "noopener noreferrer nofollow");
        }
      });
    }
  })();

  function renderMarkdownInto(target, text) {
    if (md && purifyReady) {
      var html;
      try {
        html = md.parse(text || "");
      } catch (e) {
        target.textContent = text || "";
        return;
      }
      target.innerHTML = window.DOMPurify.sanitize(html, PURIFY_CONFIG);
    } else {
      // Libraries missing: never risk innerHTML, show plain text.
      target.textContent = text || "";
    }
  }

  // ---------------------------------------------------------------------------
  // HTTP API
  // ---------------------------------------------------------------------------

  function csrfToken() {
    var input = appEl.querySelector('input[name="csrfmiddlewaretoken"]') ||
      document.querySelector('input[name="csrfmiddlewaretoken"]');
    if (input && input.value) return input.value;
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function ApiError(message, code, status) {
    this.message = message;
    this.code = code || "";
    this.status = status || 0;
  }

  function api(method, url, body) {
    var headers = { Accept: "application/json", "X-CSRFToken": csrfToken() };
    var opts = { method: method, credentials: "same-origin", headers: headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(
      function (res) {
        if (res.status === 204) return null;
        return res.text().then(function (txt) {
          var data = null;
          if (txt) {
            try {
              data = JSON.parse(txt);
            } catch (e) {
              data = null;
            }
          }
          if (!res.ok) {
            var err = data && data.error ? data.error : {};
            throw new ApiError(err.detail || "Request failed (" + res.status + ").", err.code, res.status);
          }
          return data;
        });
      },
      function () {
        throw new ApiError("Network error: could not reach the server.", "network", 0);
      }
    );
  }

  function conversationUrl(id) {
    return API_BASE + encodeURIComponent(id) + "/";
  }

  function chatUrl(id) {
    return id ? CHAT_PATH + encodeURIComponent(id) + "/" : CHAT_PATH;
  }

  // ---------------------------------------------------------------------------
  // Alerts, announcements, status
  // ---------------------------------------------------------------------------

  function showAlert(text, kind) {
    el.alert.textContent = text;
    el.alertBar.classList.toggle("is-empty", !text);
    el.alertBar.dataset.kind = text ? kind || "error" : "";
  }

  function clearAlert() {
    showAlert("");
  }

  var announceTimer = null;
  function announce(text) {
    el.announcer.textContent = "";
    clearTimeout(announceTimer);
    announceTimer = setTimeout(function () {
      el.announcer.textContent = text;
    }, 60);
  }

  function setConnectionStatus(kind, text) {
    el.conn.dataset.state = kind;
    el.conn.textContent = text;
  }

  function hasStreamingWithContent() {
    var found = false;
    state.messages.forEach(function (e) {
      if (e.msg.status === "streaming" && e.msg.content) found = true;
    });
    return found;
  }

  function hasStreaming() {
    var found = false;
    state.messages.forEach(function (e) {
      if (e.msg.status === "streaming" && !e.final) found = true;
    });
    return found;
  }

  function updateUi() {
    var turnActive = state.running || !!state.pending || state.creating;
    var chatState;
    if (state.fatal) chatState = "closed";
    else if (state.conversationId && !state.ready) chatState = "connecting";
    else if (turnActive) chatState = "running";
    else chatState = "idle";
    document.body.dataset.chatState = chatState;
    el.app.dataset.chatState = chatState;

    el.stop.hidden = !turnActive;
    el.stop.disabled = state.stopping;
    el.send.disabled = turnActive || !!state.fatal || counterOver();
    el.send.setAttribute("aria-disabled", el.send.disabled ? "true" : "false");
    el.input.disabled = !!state.fatal;

    var typing = turnActive && !state.fatal && !hasStreamingWithContent();
    if (el.typing.hidden === typing) {
      var stick = state.stick;
      el.typing.hidden = !typing;
      if (stick) scrollToBottom();
    }

    var isEmpty = state.messages.size === 0 && !state.pending && !state.fatal;
    el.empty.hidden = !isEmpty;
    el.log.classList.toggle("is-empty", isEmpty);
  }

  // ---------------------------------------------------------------------------
  // Scrolling
  // ---------------------------------------------------------------------------

  function isNearBottom() {
    return el.log.scrollHeight - el.log.scrollTop - el.log.clientHeight <= NEAR_BOTTOM_PX;
  }

  function scrollToBottom() {
    el.log.scrollTop = el.log.scrollHeight;
    state.stick = true;
    el.newMessages.hidden = true;
  }

  // Call after any change that adds or grows content in the log.
  function afterContentChange() {
    if (state.stick) scrollToBottom();
    else el.newMessages.hidden = false;
  }

  el.log.addEventListener("scroll", function () {
    state.stick = isNearBottom();
    if (state.stick) el.newMessages.hidden = true;
  }, { passive: true });

  el.newMessages.addEventListener("click", function () {
    scrollToBottom();
    el.log.focus({ preventScroll: true });
  });

  // ---------------------------------------------------------------------------
  // Message rendering
  // ---------------------------------------------------------------------------

  function toolCallNames(msg) {
    var calls = msg.tool_calls;
    if (!calls) return [];
    if (!Array.isArray(calls)) calls = [calls];
    var names = [];
    calls.forEach(function (c) {
      if (!c) return;
      var n = typeof c === "string" ? c : c.name || c.tool_name || (c.function && c.function.name) ||
        (c.toolUse && c.toolUse.name) || "";
      if (n) names.push(String(n));
    });
    return names;
  }

  function prettyToolContent(content) {
    if (content == null) return "";
    if (typeof content !== "string") {
      try {
        return JSON.stringify(content, null, 2);
      } catch (e) {
        return String(content);
      }
    }
    try {
      return JSON.stringify(JSON.parse(content), null, 2);
    } catch (e) {
      return content;
    }
  }

  function createMessageElement(entry) {
    var m = entry.msg;
    var node = document.createElement("article");
    node.className = "msg msg--" + m.role;
    entry.el = node;

    if (m.role === "tool") {
      var details = document.createElement("details");
      details.className = "tool-result";
      var summary = document.createElement("summary");
      summary.className = "tool-result__summary";
      entry.summary = summary;
      var pre = document.createElement("pre");
      pre.className = "msg-body tool-result__body";
      details.appendChild(summary);
      details.appendChild(pre);
      node.appendChild(details);
      entry.body = pre;
    } else {
      var label = document.createElement("span");
      label.className = "visually-hidden";
      label.textContent = m.role === "user" ? "You said:" : "Assistant said:";
      node.appendChild(label);
      var bubble = document.createElement("div");
      bubble.className = "msg-bubble";
      if (m.role === "assistant") {
        var tools = document.createElement("ul");
        tools.className = "tool-lines";
        tools.hidden = true;
        bubble.appendChild(tools);
        entry.tools = tools;
      }
      var body = document.createElement("div");
      body.className = "msg-body";
      bubble.appendChild(body);
      entry.body = body;
      var calls = document.createElement("p");
      calls.className = "msg-calls";
      calls.hidden = true;
      bubble.appendChild(calls);
      entry.calls = calls;
      var badge = document.createElement("span");
      badge.className = "msg-badge";
      badge.hidden = true;
      bubble.appendChild(badge);
      entry.badge = badge;
      node.appendChild(bubble);
    }
    return node;
  }

  function applyAttributes(entry) {
    var m = entry.msg;
    var node = entry.el;
    node.dataset.messageId = m.id == null ? "" : String(m.id);
    node.dataset.role = m.role;
    node.dataset.status = m.status || "complete";
    if (m.client_message_id) node.dataset.clientMessageId = m.client_message_id;
    var t = formatTime(m.created_at);
    if (t) node.title = t;
    else node.removeAttribute("title");

    if (m.role === "tool") {
      entry.summary.textContent = "Tool result: " + (m.tool_name || "tool");
      return;
    }
    if (entry.badge) {
      var label = STATUS_LABELS[m.status];
      entry.badge.hidden = !label;
      entry.badge.textContent = label || "";
      entry.badge.dataset.status = m.status || "";
    }
    if (entry.calls) {
      var names = m.role === "assistant" ? toolCallNames(m) : [];
      var showCalls = names.length > 0 && !m.content && !(state.toolLines.get(String(m.id)) || []).length;
      entry.calls.hidden = !showCalls;
      entry.calls.textContent = !showCalls ? ""
        : m.status === "streaming" ? "Using " + names.join(", ") + "…"
        : "Used " + names.join(", ");
      node.classList.toggle("msg--compact", m.role === "assistant" && !m.content && m.status !== "streaming" && !STATUS_LABELS[m.status]);
    }
  }

  function renderBody(entry) {
    var m = entry.msg;
    if (m.role === "assistant") {
      renderMarkdownInto(entry.body, m.content);
      entry.body.hidden = !m.content;
    } else if (m.role === "tool") {
      entry.body.textContent = prettyToolContent(m.content);
    } else {
      entry.body.textContent = m.content || "";
    }
    entry.el.classList.toggle("is-streaming", m.status === "streaming" && !entry.final);
  }

  function renderToolLines(entry) {
    if (!entry.tools) return;
    var lines = state.toolLines.get(String(entry.msg.id)) || [];
    var ul = entry.tools;
    while (ul.children.length > lines.length) ul.removeChild(ul.lastChild);
    lines.forEach(function (line, i) {
      var li = ul.children[i];
      if (!li) {
        li = document.createElement("li");
        li.className = "tool-line";
        var icon = document.createElement("span");
        icon.className = "tool-line__icon";
        icon.setAttribute("aria-hidden", "true");
        var text = document.createElement("span");
        text.className = "tool-line__text";
        li.appendChild(icon);
        li.appendChild(text);
        ul.appendChild(li);
      }
      li.dataset.status = line.status;
      li.dataset.tool = line.tool;
      li.lastChild.textContent = line.content || defaultToolText(line);
    });
    ul.hidden = lines.length === 0;
  }

  function defaultToolText(line) {
    if (line.status === "started") return "Running " + line.tool + "…";
    if (line.status === "failed") return line.tool + " failed";
    return line.tool + " finished";
  }

  function normaliseMessage(m) {
    var out = {};
    for (var k in m) if (Object.prototype.hasOwnProperty.call(m, k)) out[k] = m[k];
    out.id = m.id == null ? "" : String(m.id);
    out.role = m.role || "assistant";
    out.content = m.content == null ? "" : String(m.content);
    out.status = m.status || "complete";
    return out;
  }

  // New nodes go at the end of the log (the typing indicator stays last).
  // A tool result that arrives while the answer it feeds has not started
  // writing yet is placed above that still-empty answer.
  function insertNode(node, beforeEmptyAnswer) {
    var ref = el.typing;
    if (beforeEmptyAnswer) {
      var prev = el.typing.previousElementSibling;
      if (prev && prev.dataset.role === "assistant" && prev.dataset.status === "streaming") {
        var entry = state.messages.get(prev.dataset.messageId);
        if (entry && !entry.msg.content) ref = prev;
      }
    }
    el.log.insertBefore(node, ref);
  }

  // Insert or update a stored message. Returns the entry.
  function upsertMessage(raw, opts) {
    opts = opts || {};
    var m = normaliseMessage(raw);
    var entry = state.messages.get(m.id);
    var p = state.pending;
    var confirmsPending = p && m.client_message_id && m.client_message_id === p.cmid;

    if (confirmsPending && p.entry) {
      if (!entry) {
        // The locally shown question has been stored: adopt its element.
        entry = p.entry;
        entry.msg = m;
        state.messages.set(m.id, entry);
        if (!entry.el.parentNode) insertNode(entry.el);
      } else if (p.entry.el.parentNode) {
        p.entry.el.parentNode.removeChild(p.entry.el);
      }
    }
    if (confirmsPending) {
      state.pending = null;
      // The server now owns the question; the turn is (still) running.
      if (m.role === "user") state.running = true;
    }

    if (!entry) {
      entry = { msg: m, cpLen: codePointLength(m.content), final: false };
      createMessageElement(entry);
      state.messages.set(m.id, entry);
      insertNode(entry.el, m.role === "tool");
    } else {
      entry.msg = m;
      entry.cpLen = codePointLength(m.content);
    }
    entry.final = !!opts.final;
    applyAttributes(entry);
    renderBody(entry);
    renderToolLines(entry);
    return entry;
  }

  function scheduleRender(entry) {
    state.renderQueue.add(entry);
    if (state.rafId) return;
    state.rafId = window.requestAnimationFrame(flushRenders);
  }

  function flushRenders() {
    state.rafId = 0;
    var queue = state.renderQueue;
    state.renderQueue = new Set();
    queue.forEach(function (entry) {
      if (state.messages.get(entry.msg.id) !== entry) return;
      renderBody(entry);
      applyAttributes(entry);
    });
    updateUi();
    afterContentChange();
  }

  function flushNow() {
    if (state.rafId) {
      window.cancelAnimationFrame(state.rafId);
      flushRenders();
    }
  }

  function clearLog() {
    state.messages.forEach(function (e) {
      if (e.el && e.el.parentNode) e.el.parentNode.removeChild(e.el);
    });
    state.messages.clear();
    state.renderQueue.clear();
    if (state.rafId) {
      window.cancelAnimationFrame(state.rafId);
      state.rafId = 0;
    }
    if (state.pending && state.pending.entry && state.pending.entry.el.parentNode) {
      state.pending.entry.el.parentNode.removeChild(state.pending.entry.el);
    }
  }

  function showPendingBubble() {
    var p = state.pending;
    if (!p) return;
    if (!p.entry) {
      p.entry = {
        msg: { id: "", role: "user", content: p.content, status: "sending", client_message_id: p.cmid },
        final: false,
        cpLen: 0,
      };
      createMessageElement(p.entry);
    }
    applyAttributes(p.entry);
    renderBody(p.entry);
    insertNode(p.entry.el); // (re)append at the end of the log
  }

  function removePendingBubble() {
    var p = state.pending;
    if (p && p.entry && p.entry.el.parentNode) p.entry.el.parentNode.removeChild(p.entry.el);
  }

  // ---------------------------------------------------------------------------
  // WebSocket
  // ---------------------------------------------------------------------------

  function socketUrl(id) {
    var proto = location.protocol === "https:" ? "wss" : "ws";
    return proto + "://" + location.host + WS_PATH + encodeURIComponent(id) + "/";
  }

  function socketOpen() {
    return state.ws && state.ws.readyState === WebSocket.OPEN;
  }

  function sendFrame(obj) {
    if (!socketOpen()) return false;
    try {
      state.ws.send(JSON.stringify(obj));
      return true;
    } catch (e) {
      return false;
    }
  }

  function connect() {
    if (!state.conversationId || state.fatal) return;
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
    closeSocket();
    var gen = ++state.wsGen;
    var ws;
    state.ready = false;
    setConnectionStatus(state.everConnected ? "reconnecting" : "connecting",
      state.everConnected ? "Reconnecting…" : "Connecting…");
    updateUi();
    try {
      ws = new WebSocket(socketUrl(state.conversationId));
    } catch (e) {
      scheduleReconnect();
      return;
    }
    state.ws = ws;
    var opened = false;
    ws.onopen = function () {
      if (gen !== state.wsGen) return;
      opened = true;
      state.lastFrameAt = Date.now();
      startPing();
    };
    ws.onmessage = function (ev) {
      if (gen !== state.wsGen) return;
      state.lastFrameAt = Date.now();
      var frame;
      try {
        frame = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      if (!frame || typeof frame !== "object") return;
      try {
        handleFrame(frame);
      } catch (e) {
        if (window.console) console.error("chat: failed to handle frame", frame && frame.type, e);
      }
    };
    ws.onerror = function () {
      /* a close event follows */
    };
    ws.onclose = function (ev) {
      if (gen !== state.wsGen) return;
      state.ws = null;
      state.ready = false;
      stopPing();
      if (!opened && !(ev.code >= 4000 && ev.code <= 4999)) probeThenReconnect(gen);
      else handleClose(ev.code);
    };
  }

  // A socket refused during the handshake carries no close code (the browser
  // reports 1006). Ask the HTTP API why, so that a missing or forbidden
  // conversation is not retried forever.
  function probeThenReconnect(gen) {
    var id = state.conversationId;
    setConnectionStatus("reconnecting", state.everConnected ? "Reconnecting…" : "Connecting…");
    api("GET", conversationUrl(id)).then(
      function () {
        if (gen === state.wsGen && id === state.conversationId) scheduleReconnect();
      },
      function (err) {
        if (gen !== state.wsGen || id !== state.conversationId) return;
        if (err.status === 404) handleClose(4404);
        else if (err.status === 401) handleClose(4401);
        else if (err.status === 403) handleClose(4403);
        else scheduleReconnect();
      }
    );
  }

  // Close the current socket without triggering the reconnect logic.
  function closeSocket(code, reason) {
    state.wsGen++;
    stopPing();
    if (state.ws) {
      var ws = state.ws;
      state.ws = null;
      try {
        ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
        ws.close(code || 1000, reason || "");
      } catch (e) {
        /* ignore */
      }
    }
    state.ready = false;
  }

  function handleClose(code) {
    if (code === 4404) {
      state.fatal = { code: code };
      state.running = false;
      setConnectionStatus("closed", "Not found");
      el.title.textContent = "Conversation not found";
      showAlert("This conversation was not found. It may have been deleted. Start a new chat instead.");
      restorePendingToInput();
      updateUi();
      return;
    }
    if (code === 4403 || code === 4401) {
      state.fatal = { code: code };
      state.running = false;
      setConnectionStatus("closed", "Not allowed");
      el.title.textContent = "Conversation unavailable";
      showAlert(code === 4401
        ? "Please sign in to continue this conversation."
        : "You are not allowed to open this conversation.");
      restorePendingToInput();
      updateUi();
      return;
    }
    if (code === 4429) {
      showAlert("Too many chat windows are open. Close some of them; this one keeps trying to reconnect.",
        "connection");
    }
    scheduleReconnect();
  }

  function scheduleReconnect() {
    if (!state.conversationId || state.fatal) return;
    clearTimeout(state.reconnectTimer);
    var base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, state.reconnectAttempt));
    state.reconnectAttempt++;
    var delay = base / 2 + Math.random() * (base / 2);
    setConnectionStatus("reconnecting", "Reconnecting…");
    updateUi();
    state.reconnectTimer = setTimeout(connect, delay);
  }

  // Missed data: reconnect now; the history frame heals the log.
  function resync() {
    closeSocket(4000, "resync");
    state.reconnectAttempt = 0;
    connect();
  }

  function startPing() {
    stopPing();
    state.pingTimer = setInterval(function () {
      if (!socketOpen()) return;
      if (Date.now() - state.lastFrameAt > STALE_AFTER_MS) {
        resync();
        return;
      }
      sendFrame({ type: "ping" });
    }, PING_INTERVAL_MS);
  }

  function stopPing() {
    clearInterval(state.pingTimer);
    state.pingTimer = null;
  }

  // ---------------------------------------------------------------------------
  // Server frames
  // ---------------------------------------------------------------------------

  function handleFrame(f) {
    switch (f.type) {
      case "history":
        onHistory(f);
        break;
      case "message":
        if (f.message) onMessage(f.message);
        break;
      case "chunk":
        onChunk(f);
        break;
      case "info":
        onInfo(f);
        break;
      case "done":
        if (f.message) onDone(f.message);
        break;
      case "turn_ended":
        onTurnEnded(f);
        break;
      case "error":
        onError(f);
        break;
      case "pong":
        break;
      default:
        break;
    }
  }

  function onHistory(f) {
    var conv = f.conversation || {};
    if (conv.id != null && state.conversationId && String(conv.id) !== state.conversationId) return;
    state.ready = true;
    state.everConnected = true;
    state.reconnectAttempt = 0;
    state.stopping = false;
    setConnectionStatus("open", "Connected");
    if (el.alertBar.dataset.kind === "connection") clearAlert();
    if (conv.title != null) setTitle(conv.title);

    clearLog();
    state.infoTargets.clear();
    var msgs = Array.isArray(f.messages) ? f.messages : [];
    var p = state.pending;
    var confirmed = false;
    var running = false;
    msgs.forEach(function (raw) {
      if (p && raw.client_message_id && raw.client_message_id === p.cmid) confirmed = true;
      var entry = upsertMessage(raw, { final: raw.status !== "streaming" });
      if (entry.msg.status === "streaming") running = true;
    });
    var last = msgs.length ? msgs[msgs.length - 1] : null;
    if (confirmed) {
      // Our question made it before the connection dropped.
      state.pending = null;
      if (last && last.role === "user" && last.client_message_id === p.cmid) running = true;
    }
    // The server also says whether an answer is under way before its first words exist.
    if (f.running === true) running = true;
    state.running = running;

    if (state.pending) {
      showPendingBubble();
      state.running = true;
      if (sendFrame({ type: "user_message", content: state.pending.content, client_message_id: state.pending.cmid })) {
        state.pending.sent = true;
      }
    }
    updateUi();
    scrollToBottom();
  }

  function onMessage(raw) {
    var entry = upsertMessage(raw, { final: raw.status !== "streaming" });
    // A stored question (from this or another tab) starts a turn.
    if (entry.msg.status === "streaming" || entry.msg.role === "user") state.running = true;
    updateUi();
    afterContentChange();
  }

  function onChunk(f) {
    if (f.message_id == null) return;
    var id = String(f.message_id);
    var delta = f.delta == null ? "" : String(f.delta);
    var offset = Number(f.offset) || 0;
    var entry = state.messages.get(id);
    if (!entry) {
      entry = upsertMessage({ id: id, role: "assistant", content: "", status: "streaming" });
      afterContentChange();
    }
    if (entry.final) return; // a `done` already fixed the final text
    state.running = true;

    var m = entry.msg;
    if (offset > entry.cpLen) {
      resync();
      return;
    }
    var deltaLen = codePointLength(delta);
    if (offset === entry.cpLen) {
      m.content += delta;
    } else {
      var cps = Array.from(m.content);
      var overlap = cps.slice(offset, offset + deltaLen).join("");
      if (!(overlap === delta && offset + deltaLen <= cps.length)) {
        m.content = cps.slice(0, offset).join("") + delta;
      }
    }
    entry.cpLen = codePointLength(m.content);
    if (m.status !== "streaming") m.status = "streaming";
    if (entry.el.dataset.status !== "streaming") entry.el.dataset.status = "streaming";
    scheduleRender(entry);
  }

  // The message an `info` frame's tool line belongs to. Normally the one it
  // names; if that message is unknown here, the latest assistant message of the
  // current turn, or else a new (still empty) assistant bubble.
  function infoTarget(rawId) {
    var known = state.infoTargets.get(rawId);
    if (known && state.messages.has(known)) return known;
    if (rawId && state.messages.has(rawId)) return rawId;
    var target = null;
    for (var node = el.typing.previousElementSibling; node; node = node.previousElementSibling) {
      if (node.dataset.role === "user") break;
      if (node.dataset.role === "assistant" && state.messages.has(node.dataset.messageId)) {
        target = node.dataset.messageId;
        break;
      }
    }
    if (!target) {
      var usable = rawId && rawId !== "None" && rawId !== "null" && rawId !== "undefined";
      target = usable ? rawId : "local-" + uuid();
      upsertMessage({ id: target, role: "assistant", content: "", status: "streaming" });
    }
    if (target !== rawId) state.infoTargets.set(rawId, target);
    return target;
  }

  function onInfo(f) {
    var id = infoTarget(f.message_id == null ? "" : String(f.message_id));
    var tool = String(f.tool || "tool");
    var status = f.status === "finished" || f.status === "failed" ? f.status : "started";
    var lines = state.toolLines.get(id);
    if (!lines) {
      lines = [];
      state.toolLines.set(id, lines);
    }
    var line = null;
    if (status !== "started") {
      for (var i = 0; i < lines.length; i++) {
        if (lines[i].tool === tool && lines[i].status === "started") {
          line = lines[i];
          break;
        }
      }
    }
    if (!line) {
      line = { tool: tool, status: status, content: "" };
      lines.push(line);
    }
    line.status = status;
    line.content = f.content == null ? "" : String(f.content);

    var entry = state.messages.get(id);
    state.running = true;
    renderToolLines(entry);
    applyAttributes(entry);
    updateUi();
    afterContentChange();
  }

  function onDone(raw) {
    var id = raw.id == null ? "" : String(raw.id);
    var entry = state.messages.get(id);
    if (entry) state.renderQueue.delete(entry);
    entry = upsertMessage(raw, { final: true });
    updateUi();
    afterContentChange();
    return entry;
  }

  function lastAssistantText() {
    var text = "";
    state.messages.forEach(function (e) {
      if (e.msg.role === "assistant" && e.msg.content) text = e.body.textContent || e.msg.content;
    });
    return text;
  }

  function onTurnEnded(f) {
    flushNow();
    var status = f.status || "complete";
    state.running = false;
    state.stopping = false;
    state.infoTargets.clear();
    // Anything still marked streaming is over now.
    state.messages.forEach(function (e) {
      if (e.msg.status === "streaming") {
        e.msg.status = status === "complete" ? "complete" : status;
        e.final = true;
        applyAttributes(e);
        renderBody(e);
      }
    });
    updateUi();
    afterContentChange();
    if (status === "complete") {
      var txt = lastAssistantText().replace(/\s+/g, " ").trim();
      announce("Answer complete." + (txt ? " " + truncate(txt, 400) : ""));
    } else if (status === "stopped") {
      announce("Answer stopped.");
    } else {
      announce("The answer failed.");
    }
    refreshConversationList();
  }

  function onError(f) {
    var code = f.code || "error";
    var detail = f.detail || "Something went wrong (" + code + ").";
    showAlert(detail);
    var p = state.pending;
    if (p && f.client_message_id && f.client_message_id === p.cmid && RESTORE_CODES[code]) {
      restorePendingToInput();
      state.running = hasStreaming();
      updateUi();
    }
  }

  // Put an unsent/unstored question back into the input box.
  function restorePendingToInput() {
    var p = state.pending;
    if (!p) return;
    removePendingBubble();
    state.pending = null;
    if (!el.input.value.trim()) {
      el.input.value = p.content;
    } else if (el.input.value !== p.content) {
      el.input.value = p.content + "\n" + el.input.value;
    }
    onInputChange();
    updateUi();
  }

  // ---------------------------------------------------------------------------
  // Sending
  // ---------------------------------------------------------------------------

  function counterOver() {
    return codePointLength(el.input.value.trim()) > MAX_LENGTH;
  }

  function onInputChange() {
    var n = codePointLength(el.input.value.trim());
    var show = n >= COUNTER_FROM;
    el.counter.hidden = !show;
    el.counter.textContent = show ? n + " / " + MAX_LENGTH : "";
    var over = n > MAX_LENGTH;
    el.counter.classList.toggle("is-over", over);
    el.input.setAttribute("aria-invalid", over ? "true" : "false");
    autoGrow();
    updateUi();
  }

  function autoGrow() {
    el.input.style.height = "auto";
    var max = 200;
    el.input.style.height = Math.min(el.input.scrollHeight + 2, max) + "px";
    el.input.style.overflowY = el.input.scrollHeight + 2 > max ? "auto" : "hidden";
  }

  function submit() {
    if (state.fatal) return;
    if (state.running || state.pending || state.creating) return;
    var text = el.input.value.trim();
    if (!text) {
      el.input.focus();
      return;
    }
    if (codePointLength(text) > MAX_LENGTH) {
      showAlert("Your message is too long (" + codePointLength(text) + " of " + MAX_LENGTH + " characters).");
      return;
    }
    clearAlert();
    state.pending = { cmid: uuid(), content: text, sent: false, entry: null };
    el.input.value = "";
    onInputChange();
    showPendingBubble();
    scrollToBottom();
    updateUi();

    if (!state.conversationId) {
      createConversationThenSend(text);
      return;
    }
    if (state.ready && sendFrame({ type: "user_message", content: text, client_message_id: state.pending.cmid })) {
      state.pending.sent = true;
      state.running = true;
    } else if (!state.ws && !state.reconnectTimer) {
      connect();
    }
    updateUi();
  }

  function createConversationThenSend(text) {
    state.creating = true;
    updateUi();
    var title = truncate(text.replace(/\s+/g, " "), 60);
    api("POST", API_BASE, { title: title }).then(
      function (conv) {
        state.creating = false;
        if (!conv || conv.id == null) throw new ApiError("The server did not return a conversation.", "bad_response");
        var id = String(conv.id);
        state.conversationId = id;
        setTitle(conv.title || title);
        try {
          history.replaceState({ conversationId: id }, "", chatUrl(id));
        } catch (e) {
          /* ignore */
        }
        addConversationToList({ id: id, title: conv.title || title });
        connect(); // the pending question is sent once the history arrives
      },
      function (err) {
        state.creating = false;
        showAlert(err && err.message ? err.message : "Could not start a new conversation.");
        restorePendingToInput();
        updateUi();
      }
    ).catch(function (err) {
      state.creating = false;
      showAlert(err && err.message ? err.message : "Could not start a new conversation.");
      restorePendingToInput();
      updateUi();
    });
  }

  function stopTurn() {
    var p = state.pending;
    if (p && !p.sent && !state.running) {
      // Never reached the server: just take it back.
      if (!state.creating) restorePendingToInput();
      return;
    }
    if (sendFrame({ type: "stop" })) {
      state.stopping = true;
      updateUi();
    } else {
      showAlert("Not connected: cannot stop right now.");
    }
  }

  el.form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    submit();
  });

  el.input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      if (!el.send.disabled) submit();
    }
  });

  el.input.addEventListener("input", onInputChange);
  el.stop.addEventListener("click", stopTurn);
  el.alertClose.addEventListener("click", function () {
    clearAlert();
    el.input.focus();
  });

  Array.prototype.forEach.call(document.querySelectorAll(".suggestion-btn"), function (b) {
    b.addEventListener("click", function () {
      el.input.value = b.textContent.trim();
      onInputChange();
      el.input.focus();
    });
  });

  // ---------------------------------------------------------------------------
  // Conversation list
  // ---------------------------------------------------------------------------

  function setTitle(title) {
    state.conversationTitle = title || "";
    el.title.textContent = state.conversationId ? title || "Untitled chat" : "New chat";
  }

  function refreshConversationList() {
    return api("GET", API_BASE).then(function (data) {
      state.conversations = (data && Array.isArray(data.conversations) ? data.conversations : []).map(function (c) {
        return { id: String(c.id), title: c.title || "", updated_at: c.updated_at, created_at: c.created_at };
      });
      renderConversationList();
      var cur = state.conversationId ? findConversation(state.conversationId) : null;
      if (cur && cur.title && cur.title !== state.conversationTitle) setTitle(cur.title);
    }, function (err) {
      if (!state.conversations.length) {
        el.list.textContent = "";
        var li = document.createElement("li");
        li.className = "conversation-list__note";
        li.textContent = err && err.status === 403 || err && err.status === 401
          ? "Sign in to see your conversations."
          : "Could not load conversations.";
        el.list.appendChild(li);
      }
    });
  }

  function addConversationToList(conv) {
    state.conversations = state.conversations.filter(function (c) {
      return c.id !== conv.id;
    });
    state.conversations.unshift({ id: conv.id, title: conv.title || "" });
    renderConversationList();
  }

  function renderConversationList() {
    var focusedId = null;
    var focusedClass = null;
    var active = document.activeElement;
    if (active && el.list.contains(active)) {
      var item = active.closest(".conversation-item");
      if (item) {
        focusedId = item.dataset.id;
        focusedClass = active.classList.contains("rename-btn") ? "rename-btn"
          : active.classList.contains("delete-btn") ? "delete-btn" : "conversation-link";
      }
    }
    if (el.list.querySelector(".rename-input")) return; // don't disturb an edit in progress

    el.list.textContent = "";
    if (!state.conversations.length) {
      var note = document.createElement("li");
      note.className = "conversation-list__note";
      note.textContent = "No conversations yet.";
      el.list.appendChild(note);
      return;
    }
    state.conversations.forEach(function (c) {
      var li = document.createElement("li");
      li.className = "conversation-item";
      li.dataset.id = c.id;
      var title = c.title || "Untitled chat";

      var a = document.createElement("a");
      a.className = "conversation-link";
      a.href = chatUrl(c.id);
      if (c.id === state.conversationId) {
        a.setAttribute("aria-current", "page");
        li.classList.add("is-active");
      }
      var span = document.createElement("span");
      span.className = "conversation-title";
      span.textContent = title;
      a.appendChild(span);
      if (c.updated_at) a.title = title + " — " + formatTime(c.updated_at);

      var actions = document.createElement("div");
      actions.className = "conversation-actions";
      var rename = document.createElement("button");
      rename.type = "button";
      rename.className = "icon-btn rename-btn";
      rename.setAttribute("aria-label", "Rename “" + title + "”");
      rename.title = "Rename";
      rename.appendChild(svgIcon(ICON_EDIT));
      var del = document.createElement("button");
      del.type = "button";
      del.className = "icon-btn delete-btn";
      del.setAttribute("aria-label", "Delete “" + title + "”");
      del.title = "Delete";
      del.appendChild(svgIcon(ICON_TRASH));
      actions.appendChild(rename);
      actions.appendChild(del);

      li.appendChild(a);
      li.appendChild(actions);
      el.list.appendChild(li);
    });
    if (focusedId) {
      var again = el.list.querySelector('.conversation-item[data-id="' + cssEscape(focusedId) + '"] .' + focusedClass);
      if (again) again.focus();
    }
  }

  function cssEscape(s) {
    return window.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/["\\]/g, "\\$&");
  }

  function findConversation(id) {
    for (var i = 0; i < state.conversations.length; i++) if (state.conversations[i].id === id) return state.conversations[i];
    return null;
  }

  function startRename(li) {
    var id = li.dataset.id;
    var conv = findConversation(id);
    if (!conv || li.querySelector(".rename-input")) return;
    var link = li.querySelector(".conversation-link");
    var input = document.createElement("input");
    input.type = "text";
    input.className = "rename-input";
    input.value = conv.title || "";
    input.maxLength = 200;
    input.setAttribute("aria-label", "New name for the conversation");
    link.hidden = true;
    li.insertBefore(input, link);
    li.classList.add("is-editing");
    input.focus();
    input.select();

    var finished = false;
    function finish(save) {
      if (finished) return;
      finished = true;
      var value = input.value.trim();
      input.remove();
      link.hidden = false;
      li.classList.remove("is-editing");
      if (!save || !value || value === conv.title) {
        renderConversationList();
        focusRenameButton(id);
        return;
      }
      api("PATCH", conversationUrl(id), { title: value }).then(function (res) {
        conv.title = (res && res.title) || value;
        if (id === state.conversationId) setTitle(conv.title);
        renderConversationList();
        focusRenameButton(id);
      }, function (err) {
        showAlert(err.message || "Could not rename the conversation.");
        renderConversationList();
      });
    }
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        ev.preventDefault();
        finish(true);
      } else if (ev.key === "Escape") {
        ev.preventDefault();
        ev.stopPropagation();
        finish(false);
      }
    });
    input.addEventListener("blur", function () {
      finish(true);
    });
  }

  function focusRenameButton(id) {
    var b = el.list.querySelector('.conversation-item[data-id="' + cssEscape(id) + '"] .rename-btn');
    if (b) b.focus();
  }

  function deleteConversation(li) {
    var id = li.dataset.id;
    var conv = findConversation(id);
    var title = conv && conv.title ? conv.title : "this conversation";
    if (!window.confirm("Delete “" + title + "”? This cannot be undone.")) return;
    api("DELETE", conversationUrl(id)).then(function () {
      state.conversations = state.conversations.filter(function (c) {
        return c.id !== id;
      });
      renderConversationList();
      if (id === state.conversationId) openConversation(null, { push: true });
      else el.newChat.focus();
    }, function (err) {
      showAlert(err.message || "Could not delete the conversation.");
    });
  }

  el.list.addEventListener("click", function (ev) {
    var target = ev.target;
    var li = target.closest(".conversation-item");
    if (!li) return;
    if (target.closest(".rename-btn")) {
      ev.preventDefault();
      startRename(li);
      return;
    }
    if (target.closest(".delete-btn")) {
      ev.preventDefault();
      deleteConversation(li);
      return;
    }
    var link = target.closest(".conversation-link");
    if (link && ev.button === 0 && !ev.metaKey && !ev.ctrlKey && !ev.shiftKey && !ev.altKey) {
      ev.preventDefault();
      if (li.dataset.id !== state.conversationId || state.fatal) openConversation(li.dataset.id, { push: true });
      closeSidebar();
    }
  });

  el.list.addEventListener("keydown", function (ev) {
    // F2 renames the focused conversation, like in a file list.
    var li = ev.target.closest && ev.target.closest(".conversation-item");
    if (li && ev.key === "F2" && !ev.target.classList.contains("rename-input")) {
      ev.preventDefault();
      startRename(li);
    }
  });

  el.newChat.addEventListener("click", function () {
    closeSidebar();
    if (state.conversationId || state.fatal) openConversation(null, { push: true });
    el.input.focus();
  });

  // ---------------------------------------------------------------------------
  // Switching conversations in place
  // ---------------------------------------------------------------------------

  function openConversation(id, opts) {
    opts = opts || {};
    closeSocket();
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
    removePendingBubble();
    state.pending = null;
    clearLog();
    state.toolLines.clear();
    state.infoTargets.clear();
    state.running = false;
    state.stopping = false;
    state.creating = false;
    state.fatal = null;
    state.everConnected = false;
    state.reconnectAttempt = 0;
    state.conversationId = id ? String(id) : null;
    clearAlert();
    var conv = id ? findConversation(String(id)) : null;
    setTitle(conv ? conv.title : "");
    if (opts.push) {
      try {
        history.pushState({ conversationId: state.conversationId }, "", chatUrl(state.conversationId));
      } catch (e) {
        /* ignore */
      }
    }
    renderConversationList();
    if (state.conversationId) {
      connect();
    } else {
      setConnectionStatus("idle", "");
    }
    updateUi();
    scrollToBottom();
  }

  function idFromPath(path) {
    if (path.indexOf(CHAT_PATH) !== 0) return null;
    var rest = path.slice(CHAT_PATH.length).split("/")[0];
    return rest ? decodeURIComponent(rest) : null;
  }

  window.addEventListener("popstate", function () {
    var id = idFromPath(location.pathname);
    if (id !== state.conversationId) openConversation(id, { push: false });
  });

  // ---------------------------------------------------------------------------
  // Sidebar on small screens
  // ---------------------------------------------------------------------------

  function openSidebar() {
    el.app.dataset.sidebarOpen = "true";
    el.sidebarToggle.setAttribute("aria-expanded", "true");
    el.backdrop.hidden = false;
    el.newChat.focus();
  }

  function closeSidebar() {
    if (el.app.dataset.sidebarOpen !== "true") return;
    el.app.dataset.sidebarOpen = "false";
    el.sidebarToggle.setAttribute("aria-expanded", "false");
    el.backdrop.hidden = true;
  }

  el.sidebarToggle.addEventListener("click", function () {
    if (el.app.dataset.sidebarOpen === "true") closeSidebar();
    else openSidebar();
  });
  el.sidebarClose.addEventListener("click", function () {
    closeSidebar();
    el.sidebarToggle.focus();
  });
  el.backdrop.addEventListener("click", closeSidebar);
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && el.app.dataset.sidebarOpen === "true") {
      closeSidebar();
      el.sidebarToggle.focus();
    }
  });

  // ---------------------------------------------------------------------------
  // Layout: fill the viewport below the site header
  // ---------------------------------------------------------------------------

  function fitHeight() {
    var top = el.app.getBoundingClientRect().top + window.scrollY;
    el.app.style.setProperty("--chat-top", Math.max(0, Math.round(top)) + "px");
  }
  window.addEventListener("resize", fitHeight);

  // ---------------------------------------------------------------------------
  // Network hints
  // ---------------------------------------------------------------------------

  window.addEventListener("online", function () {
    if (state.conversationId && !state.fatal && !socketOpen()) {
      state.reconnectAttempt = 0;
      connect();
    }
  });

  window.addEventListener("pagehide", function (ev) {
    if (!ev.persisted) closeSocket(1000, "leaving");
  });

  window.addEventListener("pageshow", function (ev) {
    if (ev.persisted && state.conversationId && !state.fatal && !socketOpen()) connect();
  });

  // ---------------------------------------------------------------------------
  // Start
  // ---------------------------------------------------------------------------

  fitHeight();
  setTitle("");
  if (state.conversationId) el.title.textContent = "Loading…";
  onInputChange();
  if (state.conversationId) {
    try {
      history.replaceState({ conversationId: state.conversationId }, "", location.href);
    } catch (e) {
      /* ignore */
    }
    connect();
  } else {
    setConnectionStatus("idle", "");
  }
  updateUi();
  refreshConversationList();
})();
