// The page's own actions on its state (state.js): asking, stopping, switching and listing
// conversations.

import { createState, takeBack } from "./state.js";

const FATAL_ALERTS = {
  4404: "This conversation was not found. It may have been deleted. Start a new chat instead.",
  4403: "You are not allowed to open this conversation.",
  4401: "Please sign in to continue this conversation.",
};

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
