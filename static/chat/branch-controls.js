// The controls of versions, drawn from branches.js's branchControls with DOM calls, and what
// they do: the switcher "‹ 2 / 3 ›" under a question and under an answer, Edit under a question
// (its bubble then becomes an edit box) and Regenerate in the bar under an answer. Their buttons
// carry data attributes that listenBranchControls hears (data-switch-to, data-edit,
// data-regenerate, the edit box's data-edit-form); wireBranchControls turns them into the
// state's changes and the frames.
//
// The arrows and buttons are aria-disabled rather than disabled, so that the keyboard stays on an
// arrow when the version it shows changes under it.

import {
  branchedText, branchSent, editClosed, editFrame, editKey, editOpened, editTooLong, editTyped, regenerateFrame,
  switchFrame, versionText,
} from "./branches.js";
import { svgIcon } from "./icons.js";
import { uuid } from "./text.js";

const ICON_PREV = ["M15 5l-7 7 7 7"];
const ICON_NEXT = ["M9 5l7 7-7 7"];
const ICON_EDIT = ["M4 20h4L19 9l-4-4L4 16v4z", "M13.5 6.5l4 4"];
const ICON_REGENERATE = ["M20 11a8 8 0 0 0-14.3-4.9L4 8", "M4 4v4h4", "M4 13a8 8 0 0 0 14.3 4.9L20 16", "M20 20v-4h-4"];
const EDIT_HINT = "Enter to send, Shift+Enter for a new line, Escape to cancel";

let seq = 0;

function child(parent, tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  parent.appendChild(node);
  return node;
}

function button(parent, className, icon, label) {
  const b = child(parent, "button", "answer-btn " + className);
  b.type = "button";
  b.appendChild(svgIcon(icon));
  if (label) child(b, "span", "answer-btn__text").textContent = label;
  return b;
}

function setDisabled(b, disabled) {
  const want = disabled ? "true" : "false";
  if (b.getAttribute("aria-disabled") !== want) b.setAttribute("aria-disabled", want);
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

// --- the version switcher ---------------------------------------------------------------------

function createSwitcher(parent, what) {
  const el = child(parent, "div", "versions");
  el.setAttribute("role", "group");
  el.setAttribute("aria-label", "Versions of this " + what);
  el.hidden = true;
  const prev = button(el, "versions__arrow", ICON_PREV);
  prev.dataset.arrow = "prev";
  prev.setAttribute("aria-label", "Previous version");
  const shown = child(el, "span", "versions__count");
  shown.setAttribute("aria-hidden", "true");
  const label = child(el, "span", "visually-hidden");
  const next = button(el, "versions__arrow", ICON_NEXT);
  next.dataset.arrow = "next";
  next.setAttribute("aria-label", "Next version");
  return { el, prev, next, shown, label };
}

// id: the message whose versions these are (the question, or the answer's first message).
function drawSwitcher(sw, id, versions, locked) {
  sw.el.hidden = !versions;
  if (!versions) return false;
  sw.el.dataset.versionsOf = id;
  const text = versionText(versions);
  setText(sw.shown, text.shown);
  setText(sw.label, text.label);
  for (const [b, target] of [[sw.prev, versions.prev], [sw.next, versions.next]]) {
    if (target) b.dataset.switchTo = target;
    else delete b.dataset.switchTo;
    setDisabled(b, locked || !target);
  }
  return true;
}

// --- under a question: the switcher, Edit, and the edit box in place of the bubble --------------

export function createQuestionControls(node, bubble) {
  const foot = child(node, "div", "msg-foot");
  foot.hidden = true;
  const versions = createSwitcher(foot, "question");
  const edit = button(foot, "msg-foot__edit", ICON_EDIT, "Edit");
  edit.setAttribute("aria-label", "Edit question");
  const slot = child(node, "div", "msg-edit");
  slot.hidden = true;
  return { node, bubble, foot, versions, edit, slot, box: null, boxFor: null };
}

function createEditBox(messageId, text) {
  const form = document.createElement("form");
  form.className = "edit-box";
  form.dataset.editForm = messageId;
  form.noValidate = true;
  const hintId = "edit-hint-" + ++seq;
  const label = child(form, "label", "edit-box__field");
  child(label, "span", "visually-hidden").textContent = "Edit your question";
  const area = child(label, "textarea", "edit-box__input");
  area.rows = 3;
  area.value = text;
  area.dataset.editInput = messageId;
  area.setAttribute("aria-describedby", hintId);
  const hint = child(form, "p", "edit-box__hint");
  hint.id = hintId;
  hint.textContent = EDIT_HINT;
  const row = child(form, "div", "edit-box__actions");
  const cancel = child(row, "button", "btn btn--secondary");
  cancel.type = "button";
  cancel.dataset.editCancel = messageId;
  cancel.textContent = "Cancel";
  const send = child(row, "button", "btn btn--primary edit-box__send");
  send.type = "submit";
  send.textContent = "Send";
  return form;
}

// ctl: the question's entry of branchControls, or null (a question not stored yet).
export function drawQuestionControls(q, ctl) {
  const editing = ctl && ctl.editing;
  if (q.boxFor !== (editing ? ctl.id : null)) {
    q.slot.textContent = "";
    q.box = editing ? q.slot.appendChild(createEditBox(ctl.id, editing.text)) : null;
    q.boxFor = editing ? ctl.id : null;
  }
  q.slot.hidden = !editing;
  q.bubble.hidden = !!editing;
  q.node.classList.toggle("is-editing", !!editing);
  if (editing) {
    const sending = editing.status === "sending";
    const area = q.box.querySelector("textarea");
    area.readOnly = sending;
    const send = q.box.querySelector(".edit-box__send");
    setDisabled(send, sending || ctl.locked || !editing.text.trim());
    setText(send, sending ? "Sending…" : "Send");
  }
  q.foot.hidden = !ctl || !!editing;
  if (!ctl || editing) return;
  drawSwitcher(q.versions, ctl.id, ctl.versions, ctl.locked);
  q.edit.dataset.edit = ctl.id;
  setDisabled(q.edit, ctl.locked);
}

// --- under an answer: the switcher and Regenerate, in the answer's bar (feedback.js) -------------

export function createAnswerControls(bar) {
  const versions = createSwitcher(bar.tools, "answer");
  bar.tools.insertBefore(versions.el, bar.tools.firstChild);
  const regenerate = button(bar.tools, "answer-btn--regenerate", ICON_REGENERATE, "Regenerate");
  regenerate.setAttribute("aria-label", "Regenerate answer");
  regenerate.title = "Regenerate answer";
  bar.tools.insertBefore(regenerate, bar.copy.nextSibling);
  return { versions, regenerate };
}

// ctl: the answer's entry of branchControls, or null. Whether it shows anything.
export function drawAnswerControls(a, ctl) {
  const shown = drawSwitcher(a.versions, ctl ? ctl.id : "", ctl ? ctl.versions : null, !ctl || ctl.locked);
  // The answer being written cannot be asked for again until it ends.
  const regenerate = !!ctl && !ctl.streaming;
  a.regenerate.hidden = !regenerate;
  if (!regenerate) return shown;
  a.regenerate.dataset.regenerate = ctl.id;
  setDisabled(a.regenerate, ctl.locked);
  return true;
}

// --- listening, and where the keyboard goes --------------------------------------------------

// on = {switchTo(id, arrow), regenerate(id), edit(id), editKey(ev) -> "send" | "cancel" | null,
// editInput(text), editSend(), editCancel(id)}
const CLICKABLE = "button[data-arrow], button[data-edit], button[data-regenerate], button[data-edit-cancel]";

function listenBranchControls(log, on) {
  log.addEventListener("click", (ev) => {
    const b = ev.target.closest(CLICKABLE);
    if (!b || b.getAttribute("aria-disabled") === "true") return;
    if (b.dataset.editCancel) on.editCancel(b.dataset.editCancel);
    else if (b.dataset.edit) on.edit(b.dataset.edit);
    else if (b.dataset.regenerate) on.regenerate(b.dataset.regenerate);
    else if (b.dataset.switchTo) on.switchTo(b.dataset.switchTo, b.dataset.arrow);
  });
  log.addEventListener("input", (ev) => {
    if (ev.target.dataset && ev.target.dataset.editInput) on.editInput(ev.target.value);
  });
  log.addEventListener("keydown", (ev) => {
    if (!ev.target.dataset || !ev.target.dataset.editInput) return;
    const what = on.editKey(ev);
    if (!what) return;
    // Escape would otherwise close the panel around the chat too.
    ev.preventDefault();
    if (what === "send") on.editSend();
    else on.editCancel(ev.target.dataset.editInput);
  });
  log.addEventListener("submit", (ev) => {
    if (!ev.target.dataset || !ev.target.dataset.editForm) return;
    ev.preventDefault();
    on.editSend();
  });
}

function focusEditBox(log, messageId) {
  const area = log.querySelector('textarea[data-edit-input="' + CSS.escape(messageId) + '"]');
  if (!area) return;
  area.focus();
  area.setSelectionRange(area.value.length, area.value.length);
}

function focusEditButton(log, messageId) {
  const b = log.querySelector('button[data-edit="' + CSS.escape(messageId) + '"]');
  if (b) b.focus();
}

// After a version changed from here, on the switcher of the version now shown: the arrow used,
// or the other one when that end is reached.
function focusSwitcher(log, versionId, arrow) {
  if (!versionId) return;
  const sw = log.querySelector('.versions[data-versions-of="' + CSS.escape(versionId) + '"]');
  if (!sw || sw.hidden) return;
  const used = sw.querySelector('[data-arrow="' + (arrow === "next" ? "next" : "prev") + '"]');
  const other = sw.querySelector('[data-arrow="' + (arrow === "next" ? "prev" : "next") + '"]');
  (used.getAttribute("aria-disabled") === "true" && other.getAttribute("aria-disabled") !== "true" ? other : used).focus();
}

// What the controls of one chat do (chat.js): chat = {state, send(frame) -> bool, update(),
// announce(text), scrollToBottom(), maxLength}. Returns what to do with the store's `branched`
// effect, once the history it waited for is drawn.
export function wireBranchControls(log, chat) {
  const { state, update } = chat;

  function sendBranch(frame, arrow) {
    if (!frame) return;
    if (chat.send(frame)) branchSent(state, frame, arrow);
    else state.alert = "Not connected: nothing was sent. Try again in a moment.";
    update();
  }

  listenBranchControls(log, {
    switchTo: (id, arrow) => sendBranch(switchFrame(state, id, uuid()), arrow),
    regenerate: (id) => sendBranch(regenerateFrame(state, id, uuid())),
    edit(id) {
      if (!editOpened(state, id)) return;
      update();
      focusEditBox(log, id);
    },
    editKey,
    editInput(text) {
      editTyped(state, text);
      update();
    },
    editSend() {
      state.alert = editTooLong(state, chat.maxLength);
      if (state.alert) update();
      else sendBranch(editFrame(state, uuid()));
    },
    editCancel(id) {
      editClosed(state);
      update();
      focusEditButton(log, id);
    },
  });

  return function branched(effect) {
    // A new answer is written at the end of the log; another version is read where it is.
    if (effect.kind !== "switch_branch") chat.scrollToBottom();
    focusSwitcher(log, effect.versionId, effect.arrow);
    chat.announce(branchedText(state, effect));
  };
}
