// The page's state as plain data: what it holds, what is derived from it, and the log's
// entries. The server's frames change it in store.js, the page's own actions in actions.js;
// none of the three touches the DOM or the socket, so every rule is tested in Node.
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

const TURN_PHASES = new Set(["creating", "sending", "streaming", "stopping"]);

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

export function answerUnderWay(state) {
  if (state.phase === "idle") state.phase = "streaming";
}

// Insert or update a stored message; the question it confirms keeps its place and element.
export function upsert(state, raw, final) {
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
