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
//   branching  regenerate, edit or switch_branch was sent; its history frame (or error) has not
//              come yet (branches.js)
//   deciding   the last pending action was decided here; the answer continues once the
//              server has the decision (a paused answer, turn_ended `action_required`, is idle)
//   fatal      the conversation cannot be used here (not found, not allowed): no reconnects
// `link` is the socket's side of things and runs independently, because the page can be
// reconnecting while a question waits or an answer runs:
//   none | connecting | probing (asking HTTP why a handshake failed) | waiting (backoff) | open

import { codePointLength, formatPrice, plural } from "./text.js";

const TURN_PHASES = new Set(["creating", "sending", "streaming", "stopping", "deciding", "branching"]);

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
    pending: null, // {cmid, content, sent, entry, context}
    toolLines: new Map(), // message id -> [{tool, status, content}]
    infoTargets: new Map(), // info message_id naming no known message -> the id used instead
    actions: new Map(), // action id -> {action, sent}: `sent` is the decision sent from here, not confirmed yet
    cart: null, // the owner's cart as last heard (a `cart` frame or the cart API), or null
    cartAdds: new Map(), // product id -> "adding" | "added" | "failed": this page's own Add to cart clicks
    askContext: null, // {product_id, name, url}: the product the next question is about
    cardsRev: 0, // grows when actions, the cart or the Add to cart clicks change: cards are redrawn
    feedbackSent: null, // id of the answer whose feedback frame the server has not confirmed yet
    feedbackForm: null, // {messageId, reasons: [str], comment, status: "open" | "sending" | "sent"}
    copied: null, // id of the answer just copied ("Copied" shows for a moment)
    feedbackRev: 0, // grows when the form, a copy or a sent rating changes: the answer bars are redrawn
    branch: null, // {kind: "regenerate" | "edit" | "switch_branch", messageId, cmid, arrow}: sent, not answered yet
    editing: null, // {messageId, text, status: "open" | "sending"}: the question whose bubble is an edit box
    search: { query: "", status: "off", results: [] }, // status: off | searching | done | failed
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

// Nothing runs yet while a decision or a branch request waits for the server.
export function stopShown(state) {
  return turnActive(state) && state.phase !== "deciding" && state.phase !== "branching";
}

// A switch to another version starts no answer, so nobody is typing.
export function showTyping(state) {
  if (state.phase === "branching" && state.branch && state.branch.kind === "switch_branch") return false;
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

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

function normalise(raw) {
  return {
    ...raw,
    id: raw.id == null ? "" : String(raw.id),
    role: raw.role || "assistant",
    content: raw.content == null ? "" : String(raw.content),
    status: raw.status || "complete",
    cards: Array.isArray(raw.cards) ? raw.cards.filter(isObject) : [],
    context: isObject(raw.context) ? raw.context : null,
    feedback: normaliseFeedback(raw.feedback),
    parent_id: raw.parent_id == null ? null : String(raw.parent_id),
    sibling_ids: Array.isArray(raw.sibling_ids) ? raw.sibling_ids.map(String) : [],
  };
}

// Feedback: {rating: "up" | "down", reasons: [str], comment: str}, or null when there is none.
export function normaliseFeedback(raw) {
  if (!isObject(raw) || (raw.rating !== "up" && raw.rating !== "down")) return null;
  return {
    rating: raw.rating,
    reasons: Array.isArray(raw.reasons) ? raw.reasons.filter((r) => typeof r === "string") : [],
    comment: raw.comment == null ? "" : String(raw.comment),
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

// Text, a tool line or a stored question means an answer runs (after a decision too).
export function answerUnderWay(state) {
  if (state.phase === "idle" || state.phase === "deciding") state.phase = "streaming";
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
  // Versions are only ever added: a message frame may know fewer of them than the history did.
  const known = entry.msg.sibling_ids || [];
  if (m.sibling_ids.length < known.length) m.sibling_ids = known;
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

// --- actions the customer approves, and the cart ----------------------------------------------

export function normaliseAction(raw) {
  if (!isObject(raw) || raw.id == null || raw.id === "") return null;
  return {
    ...raw,
    id: String(raw.id),
    // An action must sit on some message: one that names none gets a message of its own.
    message_id: raw.message_id == null || raw.message_id === "" ? "action-" + raw.id : String(raw.message_id),
    tool: raw.tool == null ? "" : String(raw.tool),
    summary: raw.summary == null ? "" : String(raw.summary),
    status: raw.status ? String(raw.status) : "pending",
    result: isObject(raw.result) ? raw.result : null,
  };
}

export function normaliseCart(raw) {
  if (!isObject(raw)) return null;
  const items = Array.isArray(raw.items) ? raw.items.filter(isObject) : [];
  const count = Number.isInteger(raw.count) ? raw.count
    : items.reduce((n, item) => n + (Number(item.quantity) || 0), 0);
  return { ...raw, items, count, total: raw.total == null ? "" : String(raw.total), currency: raw.currency || "" };
}

// The actions one assistant message proposed, in the order they arrived.
export function actionsOf(state, messageId) {
  const out = [];
  for (const entry of state.actions.values()) if (entry.action.message_id === messageId) out.push(entry);
  return out;
}

// Some action waits for a decision nobody here has sent yet.
export function awaitingDecision(state) {
  for (const { action, sent } of state.actions.values()) if (action.status === "pending" && !sent) return true;
  return false;
}

const OUTCOMES = {
  approved: "Approved: working on it…",
  done: "Done",
  failed: "Could not be done",
  rejected: "Declined: nothing was changed",
  expired: "Expired: nothing was changed",
};

// What an approval card shows: its state in words and whether it still takes a decision.
export function actionView({ action, sent }) {
  if (action.status === "pending") {
    if (sent) return { status: "deciding", label: sent === "approve" ? "Approving…" : "Declining…", detail: "", decidable: false };
    return { status: "pending", label: "Needs your approval", detail: "", decidable: true };
  }
  return { status: action.status, label: OUTCOMES[action.status] || action.status, detail: resultText(action.result), decidable: false };
}

// An action's result ({cart}, {order} or {error}) in a sentence.
export function resultText(result) {
  if (!result) return "";
  if (typeof result.error === "string") return result.error;
  const cart = normaliseCart(result.cart);
  if (cart) return "Your cart: " + plural(cart.count, "item", "items") + (cart.total ? ", " + formatPrice(cart.total, cart.currency) : "") + ".";
  if (isObject(result.order) && result.order.number) {
    return "Order " + result.order.number + (result.order.status ? " is " + result.order.status : "") + ".";
  }
  return "";
}

// The cart a cart card shows: the live one once the page has heard of it.
export function cardCart(state, card) {
  return state.cart || normaliseCart(card.cart);
}

// This page's own Add to cart click on a product: "" | "adding" | "added" | "failed".
export function addStatus(state, productId) {
  return state.cartAdds.get(Number(productId)) || "";
}

// --- feedback on answers, and the conversation search --------------------------------------------

// An answer that can be copied and rated: the assistant's final words, stored under a server id.
export function rateable(entry) {
  const m = entry.msg;
  return m.role === "assistant" && !!m.content && entry.final && m.status !== "streaming" &&
    !!m.id && !m.id.startsWith("local-") && !m.id.startsWith("action-");
}

// The rating an answer shows: "up" | "down" | "".
export function ratingOf(entry) {
  return entry.msg.feedback ? entry.msg.feedback.rating : "";
}

// The reasons form of that answer, if it is the one open.
export function feedbackFormOf(state, messageId) {
  const f = state.feedbackForm;
  return f && f.messageId === messageId ? f : null;
}

// The conversations the list shows: the search's matches while a search is on, else all.
export function listedConversations(state) {
  return state.search.status === "off" ? state.conversations : state.search.results;
}

// What the list says instead of conversations ("" when it shows some).
export function listNote(state) {
  const s = state.search;
  if (s.status === "off") return state.conversations.length ? "" : "No conversations yet.";
  if (s.status === "failed") return "Could not search your conversations.";
  if (s.results.length) return "";
  return s.status === "searching" ? "Searching…" : "No conversations match.";
}
