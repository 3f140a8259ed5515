// The page's state as plain data, and the server's frames as functions over it.
//
// Nothing here touches the DOM or the socket, so that every rule about what a frame does can
// be tested in Node. A handler mutates the state and returns the effects main.js has to carry
// out (send a frame, reconnect, put a question back into the input box).
//
// `phase` is what the page is doing:
//   idle       nothing under way; a question may be sent
//   creating   the first question waits for its conversation to be created over HTTP
//   sending    a question is shown but the server has not confirmed it yet
//   streaming  an answer is under way on the server
//   stopping   stop was sent; the answer has not ended yet
//   fatal      the conversation cannot be used here (not found, not allowed): no reconnects
// `link` is the socket's side of things and runs independently, because the page can be
// reconnecting while a question waits or an answer runs:
//   none | connecting | probing (asking HTTP why a handshake failed) | waiting (backoff) | open

import { codePointLength } from "./text.js";

// Errors about a question that mean it was not stored (its text goes back to the input).
const RESTORE_CODES = new Set(["busy", "rate_limited", "too_long", "invalid_message", "unavailable", "not_found"]);
const TURN_PHASES = new Set(["creating", "sending", "streaming", "stopping"]);
const FATAL_ALERTS = {
  4404: "This conversation was not found. It may have been deleted. Start a new chat instead.",
  4403: "You are not allowed to open this conversation.",
  4401: "Please sign in to continue this conversation.",
};

export function createState(conversationId) {
  return {
    phase: "idle",
    link: "none",
    everConnected: false,
    fatalCode: 0,
    conversationId: conversationId || null,
    title: conversationId ? null : "", // null: not known yet
    conversations: [], // replaced, never mutated, so a renderer can compare references
    log: [], // display order; entry: {key, msg, cpLen, final, rev}
    pending: null, // {cmid, content, sent, entry}
    toolLines: new Map(), // message id -> [{tool, status, content}]
    infoTargets: new Map(), // info message_id naming no known message -> the id used instead
    alert: "",
    localSeq: 0,
  };
}

// --- derived -------------------------------------------------------------------------------

export function turnActive(state) {
  return TURN_PHASES.has(state.phase);
}

export function chatState(state) {
  if (state.phase === "fatal") return "closed";
  if (state.conversationId && state.link !== "open") return "connecting";
  return turnActive(state) ? "running" : "idle";
}

export function connectionStatus(state) {
  if (state.phase === "fatal") {
    return { kind: "closed", text: state.fatalCode === 4404 ? "Not found" : "Not allowed" };
  }
  const text = state.everConnected ? "Reconnecting…" : "Connecting…";
  if (state.link === "open") return { kind: "open", text: "Connected" };
  if (state.link === "connecting") return { kind: state.everConnected ? "reconnecting" : "connecting", text };
  if (state.link === "probing") return { kind: "reconnecting", text };
  if (state.link === "waiting") return { kind: "reconnecting", text: "Reconnecting…" };
  return { kind: "idle", text: "" };
}

export function titleText(state) {
  if (state.phase === "fatal") {
    return state.fatalCode === 4404 ? "Conversation not found" : "Conversation unavailable";
  }
  if (!state.conversationId) return "New chat";
  if (state.title === null) return "Loading…";
  return state.title || "Untitled chat";
}

export function isEmpty(state) {
  return state.log.length === 0 && state.phase !== "fatal";
}

export function showTyping(state) {
  return turnActive(state) && !state.log.some((e) => e.msg.status === "streaming" && e.msg.content);
}

export function hasStreaming(state) {
  return state.log.some((e) => e.msg.status === "streaming" && !e.final);
}

export function findEntry(state, id) {
  if (!id) return null;
  for (let i = state.log.length - 1; i >= 0; i--) if (state.log[i].msg.id === id) return state.log[i];
  return null;
}

// The server sends tool calls as [{id, name, args}] (chat/serializers.py).
export function toolCallNames(msg) {
  if (!Array.isArray(msg.tool_calls)) return [];
  return msg.tool_calls.filter((c) => c && typeof c.name === "string" && c.name).map((c) => c.name);
}

// --- messages in the log ---------------------------------------------------------------------

function normalise(raw) {
  return {
    ...raw,
    id: raw.id == null ? "" : String(raw.id),
    role: raw.role || "assistant",
    content: raw.content == null ? "" : String(raw.content),
    status: raw.status || "complete",
  };
}

// A tool result that arrives while the answer it feeds has not started writing yet is placed
// above that still-empty answer.
function insert(state, entry) {
  const last = state.log[state.log.length - 1];
  const beforeEmptyAnswer = entry.msg.role === "tool" && last && last.msg.role === "assistant" &&
    last.msg.status === "streaming" && !last.msg.content;
  if (beforeEmptyAnswer) state.log.splice(state.log.length - 1, 0, entry);
  else state.log.push(entry);
}

function answerUnderWay(state) {
  if (state.phase === "idle") state.phase = "streaming";
}

// Insert or update a stored message; the question it confirms keeps its place and element.
function upsert(state, raw, final) {
  const m = normalise(raw);
  let entry = findEntry(state, m.id);
  const p = state.pending;
  if (p && m.client_message_id && m.client_message_id === p.cmid) {
    const shown = state.log.includes(p.entry);
    if (!entry) {
      entry = p.entry;
      if (!shown) state.log.push(entry);
    } else if (shown) {
      state.log.splice(state.log.indexOf(p.entry), 1);
    }
    state.pending = null;
    if (state.phase === "sending") state.phase = "streaming";
  }
  if (!entry) {
    entry = { key: m.id, msg: m, cpLen: 0, final: false, rev: 0 };
    insert(state, entry);
  }
  entry.msg = m;
  entry.cpLen = codePointLength(m.content);
  entry.final = final;
  entry.rev++;
  return entry;
}

// --- frames --------------------------------------------------------------------------------

export function handleFrame(state, f) {
  const handler = Object.hasOwn(HANDLERS, f.type) ? HANDLERS[f.type] : null;
  return handler ? handler(state, f) : [];
}

function onHistory(state, f) {
  const conv = f.conversation || {};
  if (conv.id != null && state.conversationId && String(conv.id) !== state.conversationId) return [];
  state.link = "open";
  state.everConnected = true;
  if (conv.title != null) state.title = conv.title;
  state.log = [];
  state.infoTargets.clear();

  const msgs = Array.isArray(f.messages) ? f.messages : [];
  const p = state.pending;
  let running = false;
  for (const raw of msgs) {
    if (upsert(state, raw, raw.status !== "streaming").msg.status === "streaming") running = true;
  }
  const last = msgs[msgs.length - 1];
  // Our question made it before the connection dropped, and nothing has answered it yet.
  if (p && !state.pending && last && last.role === "user" && last.client_message_id === p.cmid) running = true;
  // The server also says whether an answer is under way before its first words exist.
  if (f.running === true) running = true;

  const effects = [{ type: "connected" }];
  if (state.pending) {
    state.log.push(state.pending.entry);
    state.pending.entry.rev++;
    state.phase = "sending";
    effects.push({ type: "send_question" });
  } else {
    state.phase = running ? "streaming" : "idle";
  }
  return effects;
}

function onMessage(state, f) {
  if (!f.message) return [];
  const entry = upsert(state, f.message, f.message.status !== "streaming");
  // A stored question (from this or another tab) starts a turn.
  if (entry.msg.status === "streaming" || entry.msg.role === "user") answerUnderWay(state);
  return [];
}

function onChunk(state, f) {
  if (f.message_id == null) return [];
  const id = String(f.message_id);
  const delta = f.delta == null ? "" : String(f.delta);
  const offset = Number(f.offset) || 0;
  let entry = findEntry(state, id);
  if (!entry) entry = upsert(state, { id, role: "assistant", content: "", status: "streaming" }, false);
  if (entry.final) return []; // a `done` already fixed the final text
  answerUnderWay(state);
  // Text is missing in between: the history frame of a new socket heals it.
  if (offset > entry.cpLen) return [{ type: "resync" }];

  const m = entry.msg;
  if (offset === entry.cpLen) {
    m.content += delta;
  } else {
    const cps = Array.from(m.content);
    const deltaLen = codePointLength(delta);
    const overlap = cps.slice(offset, offset + deltaLen).join("");
    if (!(overlap === delta && offset + deltaLen <= cps.length)) {
      m.content = cps.slice(0, offset).join("") + delta;
    }
  }
  entry.cpLen = codePointLength(m.content);
  m.status = "streaming";
  entry.rev++;
  return [];
}

// The message an `info` frame's tool line belongs to. Normally the one it names; if that
// message is unknown here, the latest assistant message of the current turn, or else a new
// (still empty) assistant bubble.
function infoTarget(state, rawId) {
  const known = state.infoTargets.get(rawId);
  if (known && findEntry(state, known)) return known;
  if (findEntry(state, rawId)) return rawId;
  let target = null;
  for (let i = state.log.length - 1; i >= 0 && !target; i--) {
    const m = state.log[i].msg;
    if (m.role === "user") break;
    if (m.role === "assistant") target = m.id;
  }
  if (!target) {
    target = rawId || "local-" + ++state.localSeq;
    upsert(state, { id: target, role: "assistant", content: "", status: "streaming" }, false);
  }
  if (target !== rawId) state.infoTargets.set(rawId, target);
  return target;
}

function onInfo(state, f) {
  const id = infoTarget(state, f.message_id == null ? "" : String(f.message_id));
  const tool = String(f.tool || "tool");
  const status = f.status === "finished" || f.status === "failed" ? f.status : "started";
  let lines = state.toolLines.get(id);
  if (!lines) {
    lines = [];
    state.toolLines.set(id, lines);
  }
  let line = status === "started" ? null : lines.find((l) => l.tool === tool && l.status === "started");
  if (!line) {
    line = { tool, status, content: "" };
    lines.push(line);
  }
  line.status = status;
  line.content = f.content == null ? "" : String(f.content);
  findEntry(state, id).rev++;
  answerUnderWay(state);
  return [];
}

function onDone(state, f) {
  if (f.message) upsert(state, f.message, true);
  return [];
}

function onTurnEnded(state, f) {
  const status = f.status || "complete";
  state.phase = state.pending ? "sending" : "idle";
  state.infoTargets.clear();
  // Anything still marked streaming is over now.
  for (const e of state.log) {
    if (e.msg.status === "streaming") {
      e.msg.status = status;
      e.final = true;
      e.rev++;
    }
  }
  return [{ type: "turn_ended", status }];
}

function onError(state, f) {
  const code = f.code || "error";
  state.alert = f.detail || "Something went wrong (" + code + ").";
  const p = state.pending;
  if (p && f.client_message_id && f.client_message_id === p.cmid && RESTORE_CODES.has(code)) {
    return [{ type: "restore", content: takeBack(state) }];
  }
  return [];
}

const HANDLERS = {
  history: onHistory,
  message: onMessage,
  chunk: onChunk,
  info: onInfo,
  done: onDone,
  turn_ended: onTurnEnded,
  error: onError,
};

// --- the page's own actions --------------------------------------------------------------------

export function ask(state, text, cmid) {
  const entry = {
    key: "q-" + cmid,
    msg: { id: "", role: "user", content: text, status: "sending", client_message_id: cmid },
    cpLen: 0,
    final: false,
    rev: 0,
  };
  state.pending = { cmid, content: text, sent: false, entry };
  state.log.push(entry);
  state.alert = "";
  state.phase = state.conversationId ? "sending" : "creating";
}

export function questionFrame(state) {
  const p = state.pending;
  return { type: "user_message", content: p.content, client_message_id: p.cmid };
}

export function questionSent(state) {
  state.pending.sent = true;
}

export function conversationCreated(state, id, title) {
  state.conversationId = id;
  state.title = title;
  state.phase = "sending";
  addConversation(state, { id, title });
}

// Take an unconfirmed question back (its text is returned for the input box).
export function takeBack(state) {
  const p = state.pending;
  if (!p) return null;
  state.log = state.log.filter((e) => e !== p.entry);
  state.pending = null;
  if (!hasStreaming(state)) state.phase = "idle";
  else if (state.phase !== "stopping") state.phase = "streaming";
  return p.content;
}

export function stopSent(state) {
  state.phase = "stopping";
}

// The socket was closed for good (4401, 4403, 4404).
export function closedFor(state, code) {
  const content = takeBack(state);
  state.phase = "fatal";
  state.fatalCode = code;
  state.alert = FATAL_ALERTS[code] || FATAL_ALERTS[4403];
  return content === null ? [] : [{ type: "restore", content }];
}

export function openConversation(state, id) {
  const conv = id ? state.conversations.find((c) => c.id === id) : null;
  const { conversations, localSeq } = state;
  Object.assign(state, createState(id), { conversations, localSeq, title: conv ? conv.title : "" });
}

// --- the conversation list -------------------------------------------------------------------

export function setConversations(state, list) {
  state.conversations = list.map((c) => ({
    id: String(c.id), title: c.title || "", updated_at: c.updated_at, created_at: c.created_at,
  }));
  const cur = state.conversations.find((c) => c.id === state.conversationId);
  if (cur && cur.title && cur.title !== state.title) state.title = cur.title;
}

export function addConversation(state, conv) {
  state.conversations = [{ id: conv.id, title: conv.title || "" }, ...state.conversations.filter((c) => c.id !== conv.id)];
}

export function renameConversation(state, id, title) {
  state.conversations = state.conversations.map((c) => (c.id === id ? { ...c, title } : c));
  if (id === state.conversationId) state.title = title;
}

export function removeConversation(state, id) {
  state.conversations = state.conversations.filter((c) => c.id !== id);
}
