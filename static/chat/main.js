// The chat page: wires the state (state.js, store.js for the server's frames, actions.js for
// the page's own), the socket, the API and the renderers together. Every change goes through
// those functions, then render() draws the page from the state.

import { api, ApiError } from "./api.js";
import { createLog } from "./messages.js";
import { createSidebar } from "./sidebar.js";
import { createSocket } from "./socket.js";
import * as actions from "./actions.js";
import * as model from "./state.js";
import * as store from "./store.js";
import { codePointLength, truncate, uuid } from "./text.js";

const byId = (id) => document.getElementById(id);
const ensureSlash = (p) => (String(p).endsWith("/") ? String(p) : String(p) + "/");

let config = {};
try {
  config = JSON.parse(byId("chat-config").textContent) || {};
} catch (e) {
  config = {};
}
const API_BASE = ensureSlash(config.apiBase || "/api/conversations/");
const WS_PATH = ensureSlash(config.wsPath || "/ws/chat/");
const CHAT_PATH = ensureSlash(config.chatPath || "/chat/");
const MAX_LENGTH = Number(config.maxLength) > 0 ? Number(config.maxLength) : 4000;
const COUNTER_FROM = Math.floor(MAX_LENGTH * 0.8);

const el = {};
for (const [name, id] of Object.entries({
  app: "chat-app", sidebarToggle: "sidebar-toggle-btn", sidebarClose: "sidebar-close-btn",
  backdrop: "chat-backdrop", list: "conversation-list", newChat: "new-chat-btn", title: "chat-title",
  conn: "connection-status", alertBar: "chat-alert-bar", alert: "chat-alert", alertClose: "chat-alert-close",
  empty: "chat-empty", log: "chat-log", typing: "typing-indicator", newMessages: "new-messages-btn",
  announcer: "chat-announcer", form: "chat-form", input: "chat-input", counter: "char-counter",
  send: "send-btn", stop: "stop-btn",
})) el[name] = byId(id);

const urls = {
  api: API_BASE,
  conversation: (id) => API_BASE + encodeURIComponent(id) + "/",
  chat: (id) => (id ? CHAT_PATH + encodeURIComponent(id) + "/" : CHAT_PATH),
  socket: (id) => (location.protocol === "https:" ? "wss" : "ws") + "://" + location.host + WS_PATH + encodeURIComponent(id) + "/",
};

const state = model.createState(config.conversationId ? String(config.conversationId) : null);
const log = createLog(el);
const sidebar = createSidebar(el, {
  state,
  urls,
  update,
  open: openConversation,
  focusInput: () => el.input.focus(),
});
const socket = createSocket({
  url: urls.socket,
  probe: (id) => api("GET", urls.conversation(id)).then(() => 200, (err) => err.status),
  onFrame,
  onLink(link) {
    state.link = link;
    update();
  },
  onFatal(code) {
    run(actions.closedFor(state, code));
    update();
  },
});

// --- drawing -------------------------------------------------------------------------------

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function tooLong() {
  return codePointLength(el.input.value.trim()) > MAX_LENGTH;
}

let rafId = 0;
function update() {
  cancelAnimationFrame(rafId);
  rafId = 0;
  const chatState = model.chatState(state);
  document.body.dataset.chatState = chatState;
  el.app.dataset.chatState = chatState;
  const status = model.connectionStatus(state);
  el.conn.dataset.state = status.kind;
  setText(el.conn, status.text);
  setText(el.title, model.titleText(state));
  setText(el.alert, state.alert);
  el.alertBar.classList.toggle("is-empty", !state.alert);

  const active = model.turnActive(state);
  const fatal = state.phase === "fatal";
  el.stop.hidden = !active;
  el.stop.disabled = state.phase === "stopping";
  el.send.disabled = active || fatal || tooLong();
  el.send.setAttribute("aria-disabled", el.send.disabled ? "true" : "false");
  el.input.disabled = fatal;
  log.render(state);
  sidebar.render();
}

// Streamed text is drawn once per animation frame, however many chunks arrive meanwhile.
function updateSoon() {
  if (!rafId) rafId = requestAnimationFrame(update);
}

let announceTimer = null;
function announce(text) {
  el.announcer.textContent = "";
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => {
    el.announcer.textContent = text;
  }, 60);
}

// --- frames and their effects ------------------------------------------------------------------

function onFrame(frame) {
  const effects = store.handleFrame(state, frame);
  if (frame.type === "chunk") updateSoon();
  else update();
  run(effects);
}

function run(effects) {
  for (const effect of effects) {
    if (effect.type === "connected") {
      socket.connected();
      log.scrollToBottom();
    } else if (effect.type === "send_question") {
      sendQuestion();
    } else if (effect.type === "resync") {
      socket.resync();
    } else if (effect.type === "restore") {
      restoreInput(effect.content);
    } else if (effect.type === "turn_ended") {
      turnEnded(effect.status);
    }
  }
}

function turnEnded(status) {
  if (status === "complete") {
    const txt = log.lastAnswerText(state).replace(/\s+/g, " ").trim();
    announce("Answer complete." + (txt ? " " + truncate(txt, 400) : ""));
  } else if (status === "stopped") {
    announce("Answer stopped.");
  } else {
    announce("The answer failed.");
  }
  sidebar.refresh();
}

function sendQuestion() {
  if (!socket.send(actions.questionFrame(state))) return false;
  actions.questionSent(state);
  return true;
}

// Put an unstored question back into the input box, ahead of anything typed since.
function restoreInput(content) {
  if (content === null) return;
  if (!el.input.value.trim()) el.input.value = content;
  else if (el.input.value !== content) el.input.value = content + "\n" + el.input.value;
  inputChanged();
}

// --- the composer --------------------------------------------------------------------------

function autoGrow() {
  const max = 200;
  el.input.style.height = "auto";
  el.input.style.height = Math.min(el.input.scrollHeight + 2, max) + "px";
  el.input.style.overflowY = el.input.scrollHeight + 2 > max ? "auto" : "hidden";
}

function inputChanged() {
  const n = codePointLength(el.input.value.trim());
  const show = n >= COUNTER_FROM;
  el.counter.hidden = !show;
  el.counter.textContent = show ? n + " / " + MAX_LENGTH : "";
  el.counter.classList.toggle("is-over", n > MAX_LENGTH);
  el.input.setAttribute("aria-invalid", n > MAX_LENGTH ? "true" : "false");
  autoGrow();
  update();
}

function submit() {
  if (state.phase !== "idle") return;
  const text = el.input.value.trim();
  if (!text) {
    el.input.focus();
    return;
  }
  const n = codePointLength(text);
  if (n > MAX_LENGTH) {
    state.alert = "Your message is too long (" + n + " of " + MAX_LENGTH + " characters).";
    update();
    return;
  }
  actions.ask(state, text, uuid());
  el.input.value = "";
  inputChanged();
  log.scrollToBottom();
  if (!state.conversationId) {
    createConversationThenSend(text);
    return;
  }
  // Otherwise the question goes out when the next history frame arrives.
  if (!(state.link === "open" && sendQuestion())) socket.connectIfIdle();
  update();
}

async function createConversationThenSend(text) {
  const asked = state.pending;
  const title = truncate(text.replace(/\s+/g, " "), 60);
  try {
    const conv = await api("POST", urls.api, { title });
    if (state.pending !== asked) return; // another conversation was opened meanwhile
    if (!conv || conv.id == null) throw new ApiError("The server did not return a conversation.", "bad_response");
    const id = String(conv.id);
    actions.conversationCreated(state, id, conv.title || title);
    try {
      history.replaceState({ conversationId: id }, "", urls.chat(id));
    } catch (e) {
      // a sandboxed document may refuse; the page still works at its old URL
    }
    socket.open(id); // the question is sent once the history arrives
  } catch (err) {
    if (state.pending !== asked) return;
    state.alert = err && err.message ? err.message : "Could not start a new conversation.";
    restoreInput(model.takeBack(state));
  }
  update();
}

function stopTurn() {
  const p = state.pending;
  if (p && !p.sent) {
    // It never reached the server: just take it back.
    if (state.phase !== "creating") restoreInput(model.takeBack(state));
    return;
  }
  if (socket.send({ type: "stop" })) actions.stopSent(state);
  else state.alert = "Not connected: cannot stop right now.";
  update();
}

el.form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  submit();
});
el.input.addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
    ev.preventDefault();
    if (!el.send.disabled) submit();
  }
});
el.input.addEventListener("input", inputChanged);
el.stop.addEventListener("click", stopTurn);
el.alertClose.addEventListener("click", () => {
  state.alert = "";
  update();
  el.input.focus();
});
for (const b of document.querySelectorAll(".suggestion-btn")) {
  b.addEventListener("click", () => {
    el.input.value = b.textContent.trim();
    inputChanged();
    el.input.focus();
  });
}

// --- switching conversations in place ------------------------------------------------------

function openConversation(id, { push }) {
  actions.openConversation(state, id ? String(id) : null);
  if (push) {
    try {
      history.pushState({ conversationId: state.conversationId }, "", urls.chat(state.conversationId));
    } catch (e) {
      // see replaceState above
    }
  }
  socket.open(state.conversationId);
  update();
  log.scrollToBottom();
}

function idFromPath(path) {
  if (!path.startsWith(CHAT_PATH)) return null;
  const rest = path.slice(CHAT_PATH.length).split("/")[0];
  return rest ? decodeURIComponent(rest) : null;
}

window.addEventListener("popstate", () => {
  const id = idFromPath(location.pathname);
  if (id !== state.conversationId) openConversation(id, { push: false });
});

// The app fills the viewport below the site header, whose height varies.
function fitHeight() {
  const top = el.app.getBoundingClientRect().top + window.scrollY;
  el.app.style.setProperty("--chat-top", Math.max(0, Math.round(top)) + "px");
}
window.addEventListener("resize", fitHeight);

window.addEventListener("online", () => socket.reconnectNow({ resetBackoff: true }));
window.addEventListener("pagehide", (ev) => {
  if (!ev.persisted) socket.leave();
});
window.addEventListener("pageshow", (ev) => {
  if (ev.persisted) socket.reconnectNow({ resetBackoff: false });
});

fitHeight();
inputChanged();
if (state.conversationId) {
  try {
    history.replaceState({ conversationId: state.conversationId }, "", location.href);
  } catch (e) {
    // see replaceState above
  }
  socket.open(state.conversationId);
}
update();
sidebar.refresh();
