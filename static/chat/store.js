// The server's frames as functions over the page's state (state.js).
//
// A handler mutates the state and returns the effects main.js has to carry out (send a frame,
// reconnect, put a question back into the input box).

import { branchRefused, historyArrived } from "./branches.js";
import {
  answerUnderWay, findEntry, hasStreaming, normaliseAction, normaliseCart, normaliseFeedback, takeBack, upsert,
} from "./state.js";
import { codePointLength } from "./text.js";

// Errors about a question that mean it was not stored (its text goes back to the input).
const RESTORE_CODES = new Set(["busy", "rate_limited", "budget_exceeded", "too_long", "invalid_message", "unavailable", "not_found"]);
// Errors about a decision: nothing changed on the server.
const DECISION_ALERTS = {
  action_decided: "That action was already decided (here or in another tab) or has expired, so nothing was changed. Its card shows what happened.",
  not_found: "That action is not part of this conversation, so nothing was changed.",
};
// Errors about a rating sent from here: nothing was stored.
const FEEDBACK_ALERTS = {
  invalid_feedback: "Your feedback could not be saved",
  not_found: "That answer is no longer in your conversations, so your feedback was not saved.",
};

// --- frames --------------------------------------------------------------------------------

export function handleFrame(state, f) {
  const handler = Object.hasOwn(HANDLERS, f.type) ? HANDLERS[f.type] : null;
  return handler ? handler(state, f) : [];
}

function onHistory(state, f) {
  const conv = f.conversation || {};
  if (conv.id != null && state.conversationId && String(conv.id) !== state.conversationId) return [];
  // On an open socket a history means the active path changed (a regenerate, an edit or a
  // switch, from any tab): it replaces the log, and the reader keeps their place in it.
  const replacing = state.link === "open";
  state.link = "open";
  state.everConnected = true;
  if (conv.title != null) state.title = conv.title;
  state.log = [];
  state.infoTargets.clear();
  state.feedbackSent = null; // what reached the server is in the messages' feedback
  state.feedbackRev++;

  const msgs = Array.isArray(f.messages) ? f.messages : [];
  const p = state.pending;
  let running = false;
  for (const raw of msgs) {
    if (upsert(state, raw, raw.status !== "streaming").msg.status === "streaming") running = true;
  }
  // Decisions sent before the socket dropped are forgotten: one the server did not get is
  // still pending here, and can be made again.
  state.actions = new Map();
  for (const raw of Array.isArray(f.actions) ? f.actions : []) {
    const action = normaliseAction(raw);
    if (action) placeAction(state, action, null);
  }
  state.cardsRev++;
  const last = msgs[msgs.length - 1];
  // Our question made it before the connection dropped, and nothing has answered it yet.
  if (p && !state.pending && last && last.role === "user" && last.client_message_id === p.cmid) running = true;
  // The server also says whether an answer is under way before its first words exist.
  if (f.running === true) running = true;

  const effects = replacing ? [] : [{ type: "connected" }];
  if (state.pending) {
    state.log.push(state.pending.entry);
    state.pending.entry.rev++;
    state.phase = "sending";
    // On the same socket a question already sent is answered by its own message or error.
    if (!(replacing && state.pending.sent)) effects.push({ type: "send_question" });
  } else {
    state.phase = running ? "streaming" : "idle";
  }
  const form = state.feedbackForm;
  if (form && !findEntry(state, form.messageId)) state.feedbackForm = null;
  else if (form && form.status === "sending") form.status = "open";
  const branched = historyArrived(state, replacing, f);
  if (branched) effects.push(branched);
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
  const deltaLen = codePointLength(delta);
  // Counted from the delta, not the whole text: a long answer costs no more per chunk.
  if (offset === entry.cpLen) {
    m.content += delta;
    entry.cpLen += deltaLen;
  } else {
    const cps = Array.from(m.content);
    const overlap = cps.slice(offset, offset + deltaLen).join("");
    if (!(overlap === delta && offset + deltaLen <= cps.length)) {
      m.content = cps.slice(0, offset).join("") + delta;
      entry.cpLen = offset + deltaLen;
    }
  }
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

// An action is shown on the assistant message that proposed it. A pending one whose message
// is not in the log (an older part of a long conversation) gets an empty message of its own,
// so that it can still be decided.
function placeAction(state, action, sent) {
  state.actions.set(action.id, { action, sent });
  const host = findEntry(state, action.message_id);
  if (host) host.rev++;
  else if (action.status === "pending") upsert(state, { id: action.message_id, role: "assistant", content: "", status: "complete" }, true);
}

function onAction(state, f) {
  const action = normaliseAction(f.action);
  if (!action) return [];
  const known = state.actions.get(action.id);
  placeAction(state, action, known && action.status === "pending" ? known.sent : null);
  state.cardsRev++;
  if (known && known.action.status === action.status) return [];
  return [{ type: "action", action, was: known ? known.action.status : null }];
}

// A paused answer goes on (the last pending action was decided, in this tab or another).
function onTurnStarted(state) {
  answerUnderWay(state);
  return [];
}

function onCart(state, f) {
  const cart = normaliseCart(f.cart);
  if (!cart) return [];
  state.cart = cart;
  state.cardsRev++;
  return [];
}

// An answer's feedback changed, from this tab, another one, or over HTTP.
function onFeedback(state, f) {
  if (f.message_id == null) return [];
  const id = String(f.message_id);
  const feedback = normaliseFeedback(f.feedback);
  const entry = findEntry(state, id);
  if (entry) {
    entry.msg.feedback = feedback;
    entry.rev++;
  }
  if (state.feedbackSent === id) state.feedbackSent = null;
  const form = state.feedbackForm;
  if (form && form.messageId === id) {
    // The reasons were stored; or the answer is no longer rated down (here or elsewhere).
    if (!feedback || feedback.rating !== "down") state.feedbackForm = null;
    else if (form.status === "sending") form.status = "sent";
  }
  state.feedbackRev++;
  return [];
}

function onDone(state, f) {
  if (f.message) upsert(state, f.message, true);
  return [];
}

// `action_required`: the answer pauses until the pending actions are decided; meanwhile the
// page is idle (a decision, or a new question, goes on from here).
function onTurnEnded(state, f) {
  const status = f.status || "complete";
  state.phase = state.pending ? "sending" : "idle";
  state.infoTargets.clear();
  // Anything still marked streaming is over now.
  for (const e of state.log) {
    if (e.msg.status === "streaming") {
      e.msg.status = status === "action_required" ? "complete" : status;
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
  const aboutQuestion = p && f.client_message_id && f.client_message_id === p.cmid;
  if (aboutQuestion && RESTORE_CODES.has(code)) {
    return [{ type: "restore", content: takeBack(state) }];
  }
  if (!aboutQuestion && branchRefused(state, f)) return [];
  if (!aboutQuestion && state.feedbackSent && Object.hasOwn(FEEDBACK_ALERTS, code)) {
    feedbackRefused(state, code, f.detail);
    return [];
  }
  if (!aboutQuestion && Object.hasOwn(DECISION_ALERTS, code) && (code === "action_decided" || decisionsSent(state))) {
    decisionRefused(state, code);
  }
  return [];
}

function decisionsSent(state) {
  for (const entry of state.actions.values()) if (entry.sent) return true;
  return false;
}

// The server changed nothing: the cards take decisions again (an `action` frame with the
// action's real state follows `action_decided`) and no answer is about to continue.
function decisionRefused(state, code) {
  state.alert = DECISION_ALERTS[code];
  for (const entry of state.actions.values()) {
    if (entry.sent) {
      entry.sent = null;
      const host = findEntry(state, entry.action.message_id);
      if (host) host.rev++;
    }
  }
  state.cardsRev++;
  if (state.phase === "deciding" && !hasStreaming(state)) state.phase = "idle";
}

// The rating sent from here was not stored: the answer keeps the feedback it had.
function feedbackRefused(state, code, detail) {
  state.alert = code === "invalid_feedback"
    ? FEEDBACK_ALERTS.invalid_feedback + (detail ? ": " + detail : ".")
    : FEEDBACK_ALERTS[code];
  state.feedbackSent = null;
  const form = state.feedbackForm;
  if (form && form.status === "sending") form.status = "open";
  state.feedbackRev++;
}

const HANDLERS = {
  history: onHistory,
  message: onMessage,
  chunk: onChunk,
  info: onInfo,
  done: onDone,
  turn_ended: onTurnEnded,
  turn_started: onTurnStarted,
  action: onAction,
  cart: onCart,
  feedback: onFeedback,
  error: onError,
};
