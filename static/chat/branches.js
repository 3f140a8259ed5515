// Versions of questions and answers (docs/protocol.md, "Branches"): which version switcher,
// Edit and Regenerate each message of the log shows, the frames they send, the edit box, and
// what a history frame or an error does to a request that is under way. Plain data over the
// page's state (state.js), no DOM, so every rule is tested in Node.
//
// The log holds the conversation's active path. An answer is what follows a question up to the
// next one: its first assistant message (whose parent is the question) is the version the
// switcher counts, its last one carries the answer's bar.

import { codePointLength } from "./text.js";
import { hasStreaming, turnActive } from "./state.js";

// Codes with which the server refuses a regenerate, an edit or a switch: nothing changed.
const REFUSED_CODES = new Set(["busy", "rate_limited", "budget_exceeded", "too_long", "invalid_message", "invalid_json", "unavailable"]);

const stored = (m) => !!m.id && !m.id.startsWith("local-") && !m.id.startsWith("action-");

// {ids, at, count, prev, next} of a message with more than one version, else null.
export function versionsOf(msg) {
  const ids = msg.sibling_ids;
  const at = Array.isArray(ids) ? ids.indexOf(msg.id) : -1;
  if (at < 0 || ids.length < 2) return null;
  return { ids, at, count: ids.length, prev: ids[at - 1] || null, next: ids[at + 1] || null };
}

// "2 / 3" as shown, and as read out.
export function versionText(versions) {
  return { shown: versions.at + 1 + " / " + versions.count, label: "Version " + (versions.at + 1) + " of " + versions.count };
}

// Nothing may branch while an answer runs, a request waits, or the socket is not there to
// take it.
export function branchesLocked(state) {
  return turnActive(state) || state.phase === "fatal" || state.link !== "open";
}

// Entry key -> what it shows under it:
//   {kind: "question", id, versions, locked, editing}  under a stored question
//   {kind: "answer", id, versions, locked, streaming}   under an answer's last assistant message
// where `id` is the question's, or the answer's first assistant message's (the one Regenerate
// names and whose versions the switcher counts).
export function branchControls(state) {
  const out = new Map();
  const locked = branchesLocked(state);
  let first = null;
  let last = null;
  const closeAnswer = () => {
    if (first && last) {
      const streaming = last.msg.status === "streaming" && !last.final;
      out.set(last.key, { kind: "answer", id: first.msg.id, versions: versionsOf(first.msg), locked, streaming });
    }
    first = last = null;
  };
  for (const entry of state.log) {
    const m = entry.msg;
    if (m.role === "user") {
      closeAnswer();
      if (stored(m) && m.status !== "sending") {
        const editing = state.editing && state.editing.messageId === m.id ? state.editing : null;
        out.set(entry.key, { kind: "question", id: m.id, versions: versionsOf(m), locked, editing });
      }
    } else if (m.role === "assistant") {
      if (!first && stored(m)) first = entry;
      last = entry;
    }
  }
  closeAnswer();
  return out;
}

// --- the frames ------------------------------------------------------------------------------

export function regenerateFrame(state, messageId, cmid) {
  if (branchesLocked(state) || !messageId) return null;
  return { type: "regenerate", message_id: messageId, client_message_id: cmid };
}

export function switchFrame(state, messageId, cmid) {
  if (branchesLocked(state) || !messageId) return null;
  const frame = { type: "switch_branch", message_id: messageId };
  if (cmid) frame.client_message_id = cmid;
  return frame;
}

// The edited question, or null when there is nothing to send (an empty text, or no box open).
export function editFrame(state, cmid) {
  const e = state.editing;
  if (!e || e.status !== "open" || branchesLocked(state)) return null;
  const content = e.text.trim();
  if (!content) return null;
  return { type: "edit", message_id: e.messageId, content, client_message_id: cmid };
}

// The edit box's text is too long to send: the alert saying so, else "".
export function editTooLong(state, maxLength) {
  const n = state.editing ? codePointLength(state.editing.text.trim()) : 0;
  return n > maxLength ? "Your message is too long (" + n + " of " + maxLength + " characters)." : "";
}

// The request is out: the page waits for its history (or its error). `arrow` is the switcher's
// button that sent it ("prev" | "next"), where the keyboard goes back to afterwards.
export function branchSent(state, frame, arrow = "prev") {
  state.branch = { kind: frame.type, messageId: frame.message_id, cmid: frame.client_message_id || null, arrow };
  state.phase = "branching";
  state.alert = "";
  if (frame.type === "edit") state.editing.status = "sending";
}

// --- the edit box ----------------------------------------------------------------------------

// Open on a stored question, with its text; another box open elsewhere closes.
export function editOpened(state, messageId) {
  if (branchesLocked(state)) return false;
  const entry = state.log.find((e) => e.msg.id === messageId && e.msg.role === "user");
  if (!entry) return false;
  state.editing = { messageId, text: entry.msg.content, status: "open" };
  return true;
}

export function editTyped(state, text) {
  if (state.editing && state.editing.status === "open") state.editing.text = String(text);
}

export function editClosed(state) {
  state.editing = null;
}

// What a key pressed in the edit box does: "send" (Enter), "cancel" (Escape) or null (Shift+Enter
// is a new line; keys that compose a character with an input method are theirs).
export function editKey(ev) {
  if (ev.isComposing || ev.keyCode === 229) return null;
  if (ev.key === "Enter" && !ev.shiftKey) return "send";
  if (ev.key === "Escape") return "cancel";
  return null;
}

// --- what the server says back ------------------------------------------------------------------

// A history frame holds the active path: a request sent from here is answered, an edit box on a
// question no longer shown closes. A history that names another request (its client_message_id)
// is another tab's change: the request sent from here is still under way, and its own history
// follows. Returns the effect that puts the keyboard on the switcher of the version now shown
// ({type: "branched", kind, versionId, arrow}), or null.
export function historyArrived(state, replacing, f = {}) {
  const b = state.branch;
  const elsewhere = !!(replacing && b && b.cmid && f.client_message_id && f.client_message_id !== b.cmid);
  const e = state.editing;
  if (e && !state.log.some((entry) => entry.msg.id === e.messageId)) state.editing = null;
  else if (e && !elsewhere) e.status = "open";
  if (elsewhere) {
    state.phase = "branching";
    return null;
  }
  state.branch = null;
  if (!b || !replacing) return null;
  const shown = state.log.find((entry) => Array.isArray(entry.msg.sibling_ids) && entry.msg.sibling_ids.includes(b.messageId));
  return { type: "branched", kind: b.kind, versionId: shown ? shown.msg.id : null, arrow: b.arrow };
}

// An error about the request sent from here (an error without a client_message_id is taken to be
// about it): nothing changed, the edit box takes its text again.
export function branchRefused(state, f) {
  const b = state.branch;
  if (!b || !REFUSED_CODES.has(f.code)) return false;
  if (f.client_message_id && f.client_message_id !== b.cmid) return false;
  state.branch = null;
  if (state.phase === "branching") state.phase = hasStreaming(state) ? "streaming" : "idle";
  if (state.editing && state.editing.status === "sending") state.editing.status = "open";
  return true;
}

// What a screen reader hears once the history of a request sent from here is drawn.
export function branchedText(state, effect) {
  if (effect.kind === "regenerate") return "Answering again.";
  if (effect.kind === "edit") return "Your edited question was sent.";
  const entry = effect.versionId ? state.log.find((e) => e.msg.id === effect.versionId) : null;
  const versions = entry ? versionsOf(entry.msg) : null;
  return versions ? versionText(versions).label + "." : "Showing another version.";
}
