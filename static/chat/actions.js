// The page's own actions on its state (state.js): asking, stopping, deciding the actions the
// assistant proposes, adding to the cart, rating and copying answers, switching, listing and
// searching conversations.

import { awaitingDecision, createState, findEntry, normaliseCart, rateable, ratingOf, takeBack } from "./state.js";

export const COMMENT_MAX_CHARS = 1000;

const FATAL_ALERTS = {
  4404: "This conversation was not found. It may have been deleted. Start a new chat instead.",
  4403: "You are not allowed to open this conversation.",
  4401: "Please sign in to continue this conversation.",
};

// The question is about the product the page shows (askContext), if any, until it is stored.
export function ask(state, text, cmid) {
  const context = state.askContext ? { ...state.askContext } : null;
  const entry = {
    key: "q-" + cmid,
    msg: { id: "", role: "user", content: text, status: "sending", client_message_id: cmid, cards: [], context },
    cpLen: 0,
    final: false,
    rev: 0,
  };
  state.pending = { cmid, content: text, sent: false, entry, context };
  state.log.push(entry);
  state.alert = "";
  state.phase = state.conversationId ? "sending" : "creating";
}

export function questionFrame(state) {
  const p = state.pending;
  const frame = { type: "user_message", content: p.content, client_message_id: p.cmid };
  if (p.context) frame.context = { product_id: p.context.product_id };
  return frame;
}

// {product_id, name, url} of the product page, or null.
export function setAskContext(state, product) {
  const id = product ? Number(product.product_id) : NaN;
  state.askContext = Number.isInteger(id) && id > 0
    ? { product_id: id, name: String(product.name || ""), url: String(product.url || "") }
    : null;
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

// --- decisions ---------------------------------------------------------------------------------

// The frame deciding a pending action, or null when it takes no decision (any more).
export function decisionFrame(state, actionId, decision) {
  const entry = state.actions.get(actionId);
  if (!entry || entry.action.status !== "pending" || entry.sent) return null;
  if (decision !== "approve" && decision !== "reject") return null;
  return { type: "action_decision", action_id: actionId, decision };
}

// Sent: the card waits for the server. With no other action waiting, the answer continues.
export function decisionSent(state, actionId, decision) {
  const entry = state.actions.get(actionId);
  entry.sent = decision;
  const host = findEntry(state, entry.action.message_id);
  if (host) host.rev++;
  state.cardsRev++;
  state.alert = "";
  if (state.phase === "idle" && !awaitingDecision(state)) state.phase = "deciding";
}

// --- the customer's own Add to cart --------------------------------------------------------------

// False when that product is already being added (a second click waits for the first).
export function cartAddStarted(state, productId) {
  if (state.cartAdds.get(productId) === "adding") return false;
  state.cartAdds.set(productId, "adding");
  state.cardsRev++;
  return true;
}

export function cartAddFinished(state, productId, cart) {
  state.cartAdds.set(productId, "added");
  const live = normaliseCart(cart);
  if (live) state.cart = live;
  state.cardsRev++;
}

export function cartAddFailed(state, productId, message) {
  state.cartAdds.set(productId, "failed");
  state.alert = message || "Could not add that to your cart.";
  state.cardsRev++;
}

// The socket was closed for good (4401, 4403, 4404).
export function closedFor(state, code) {
  const content = takeBack(state);
  state.phase = "fatal";
  state.fatalCode = code;
  state.alert = FATAL_ALERTS[code] || FATAL_ALERTS[4403];
  return content === null ? [] : [{ type: "restore", content }];
}

// The cart and the product the page shows are the page's, not the conversation's: they stay.
export function openConversation(state, id) {
  const conv = id ? state.conversations.find((c) => c.id === id) : null;
  const { conversations, localSeq, cart, askContext, cardsRev, feedbackRev, search } = state;
  Object.assign(state, createState(id), {
    conversations, localSeq, cart, askContext, cardsRev: cardsRev + 1, feedbackRev: feedbackRev + 1, search,
    title: conv ? conv.title : "",
  });
}

// --- rating and copying answers ------------------------------------------------------------------

// The frame a thumb sends, or null (not an answer, or its last rating is not confirmed yet).
// Clicking the thumb that is already pressed takes the rating back.
export function thumbFrame(state, messageId, rating) {
  const entry = findEntry(state, messageId);
  if (!entry || !rateable(entry) || state.feedbackSent === messageId) return null;
  if (rating !== "up" && rating !== "down") return null;
  return { type: "feedback", message_id: messageId, rating: ratingOf(entry) === rating ? null : rating, reasons: [], comment: "" };
}

// A thumbs down opens the reasons form under that answer; anything else closes it.
export function thumbSent(state, frame) {
  state.feedbackSent = frame.message_id;
  state.alert = "";
  state.feedbackForm = frame.rating === "down"
    ? { messageId: frame.message_id, reasons: [], comment: "", status: "open" }
    : null;
  state.feedbackRev++;
}

export function formReason(state, reason, checked) {
  const form = state.feedbackForm;
  if (!form || form.status === "sending") return;
  const others = form.reasons.filter((r) => r !== reason);
  form.reasons = checked ? [...others, reason] : others;
  form.status = "open";
  state.feedbackRev++;
}

export function formComment(state, text) {
  const form = state.feedbackForm;
  if (!form || form.status === "sending") return;
  form.comment = Array.from(String(text)).slice(0, COMMENT_MAX_CHARS).join("");
  form.status = "open";
  state.feedbackRev++;
}

// The reasons and comment, sent as a new thumbs down; null when there is nothing to send.
export function formFrame(state) {
  const form = state.feedbackForm;
  if (!form || form.status !== "open" || state.feedbackSent) return null;
  const comment = form.comment.trim();
  if (!form.reasons.length && !comment) return null;
  return { type: "feedback", message_id: form.messageId, rating: "down", reasons: [...form.reasons], comment };
}

export function formSent(state) {
  state.feedbackSent = state.feedbackForm.messageId;
  state.feedbackForm.status = "sending";
  state.alert = "";
  state.feedbackRev++;
}

export function formClosed(state) {
  state.feedbackForm = null;
  state.feedbackRev++;
}

// "Copied" shows under that answer until copyOver.
export function copyShown(state, messageId) {
  state.copied = messageId;
  state.feedbackRev++;
}

export function copyOver(state, messageId) {
  if (state.copied !== messageId) return;
  state.copied = null;
  state.feedbackRev++;
}

// --- the conversation list -------------------------------------------------------------------

const listItem = (c) => ({ id: String(c.id), title: c.title || "", updated_at: c.updated_at, created_at: c.created_at });

export function setConversations(state, list) {
  state.conversations = list.map(listItem);
  const cur = state.conversations.find((c) => c.id === state.conversationId);
  if (cur && cur.title && cur.title !== state.title) state.title = cur.title;
}

export function addConversation(state, conv) {
  state.conversations = [{ id: conv.id, title: conv.title || "" }, ...state.conversations.filter((c) => c.id !== conv.id)];
}

export function renameConversation(state, id, title) {
  const renamed = (c) => (c.id === id ? { ...c, title } : c);
  state.conversations = state.conversations.map(renamed);
  state.search = { ...state.search, results: state.search.results.map(renamed) };
  if (id === state.conversationId) state.title = title;
}

export function removeConversation(state, id) {
  state.conversations = state.conversations.filter((c) => c.id !== id);
  state.search = { ...state.search, results: state.search.results.filter((c) => c.id !== id) };
}

// --- searching the conversation list -------------------------------------------------------------

// The words typed into the search box: the query to ask the server for, or null (nothing to
// ask: an empty box shows every conversation again). The matches shown stay until new ones come.
export function searchTyped(state, text) {
  const query = String(text).replace(/\s+/g, " ").trim();
  if (!query) {
    state.search = { query: "", status: "off", results: [] };
    return null;
  }
  if (query === state.search.query && state.search.status === "done") return null;
  state.search = { query, status: "searching", results: state.search.results };
  return query;
}

// Ask again for the query in the box (the conversations changed); null when there is none.
export function searchAgain(state) {
  if (state.search.status === "off") return null;
  state.search = { ...state.search, status: "searching" };
  return state.search.query;
}

// An answer for a query no longer in the box is dropped.
export function searchFinished(state, query, list) {
  if (state.search.query !== query || state.search.status === "off") return;
  state.search = { query, status: "done", results: list.map(listItem) };
}

export function searchFailed(state, query) {
  if (state.search.query !== query || state.search.status === "off") return;
  state.search = { query, status: "failed", results: [] };
}
