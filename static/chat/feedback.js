// The bar under an answer (Copy, thumbs up and down) and the reasons form a thumbs down opens,
// drawn from the state (state.js: rateable, ratingOf, feedbackFormOf) with DOM calls only.
// The version switcher and Regenerate join the bar's buttons (branch-controls.js).
// The buttons carry data attributes that chat.js listens for: data-copy, data-rate, and the
// form data-feedback-form (its checkboxes data-reason, its comment data-comment).

import { COMMENT_MAX_CHARS } from "./actions.js";
import { svgIcon } from "./icons.js";
import { feedbackFormOf, rateable, ratingOf } from "./state.js";

const ICON_COPY = ["M9 9h10v11H9z", "M5 15V4h10"];
const ICON_UP = ["M7 11v9H4v-9h3z", "M7 11l4-7c1.5 0 2.5 1 2.2 2.6L12.6 10H19a2 2 0 0 1 2 2.3l-1.2 6A2 2 0 0 1 17.8 20H7"];
const ICON_DOWN = ["M7 13V4H4v9h3z", "M7 13l4 7c1.5 0 2.5-1 2.2-2.6l-.6-3.4H19a2 2 0 0 0 2-2.3l-1.2-6A2 2 0 0 0 17.8 4H7"];
const THUMBS = { up: "Good answer", down: "Bad answer" };

function child(parent, tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  parent.appendChild(node);
  return node;
}

function button(parent, className, icon) {
  const b = child(parent, "button", "answer-btn " + className);
  b.type = "button";
  b.appendChild(svgIcon(icon));
  return b;
}

// Made once per assistant message (messages.js), after its bubble.
export function createAnswerBar(node) {
  // `rated`: the answer can be copied and rated (its bar may show other controls too).
  const bar = { el: child(node, "div", "answer-bar"), form: null, formFor: null, rated: false };
  bar.el.hidden = true;
  bar.tools = child(bar.el, "div", "answer-bar__buttons");
  bar.copy = button(bar.tools, "answer-btn--copy", ICON_COPY);
  bar.copyText = child(bar.copy, "span", "answer-btn__text");
  bar.thumbs = {};
  for (const [rating, icon] of [["up", ICON_UP], ["down", ICON_DOWN]]) {
    const b = button(bar.tools, "answer-btn--thumb", icon);
    b.dataset.rate = rating;
    b.setAttribute("aria-label", THUMBS[rating]);
    b.title = THUMBS[rating];
    bar.thumbs[rating] = b;
  }
  bar.slot = child(bar.el, "div", "answer-bar__form");
  return bar;
}

const label = (reason) => reason.charAt(0).toUpperCase() + reason.slice(1);

function createForm(messageId, reasons) {
  const form = document.createElement("form");
  form.className = "feedback-form";
  form.dataset.feedbackForm = messageId;
  form.noValidate = true;
  const set = child(form, "fieldset", "feedback-form__reasons");
  child(set, "legend", "feedback-form__legend").textContent = "What went wrong?";
  for (const reason of reasons) {
    const row = child(set, "label", "feedback-form__reason");
    const box = child(row, "input");
    box.type = "checkbox";
    box.value = reason;
    box.dataset.reason = reason;
    child(row, "span").textContent = label(reason);
  }
  const note = child(form, "label", "feedback-form__comment");
  child(note, "span").textContent = "Anything else? (optional)";
  const text = child(note, "textarea");
  text.rows = 2;
  text.maxLength = COMMENT_MAX_CHARS;
  text.dataset.comment = "";
  const row = child(form, "div", "feedback-form__actions");
  const send = child(row, "button", "btn btn--primary feedback-form__send");
  send.type = "submit";
  send.textContent = "Send feedback";
  const close = child(row, "button", "btn btn--secondary");
  close.type = "button";
  close.dataset.feedbackClose = messageId;
  close.textContent = "Close";
  return form;
}

function drawForm(bar, id, state, reasons) {
  const form = feedbackFormOf(state, id);
  const want = !form ? null : form.status === "sent" ? "sent" : "form";
  if (bar.formFor !== want) {
    bar.slot.textContent = "";
    bar.form = null;
    if (want === "form") bar.form = bar.slot.appendChild(createForm(id, reasons));
    else if (want === "sent") {
      const thanks = child(bar.slot, "p", "feedback-thanks");
      thanks.setAttribute("role", "status");
      thanks.textContent = "Thank you: your feedback was sent.";
    }
    bar.formFor = want;
  }
  if (!bar.form) return;
  const sending = form.status === "sending";
  for (const box of bar.form.querySelectorAll("input[data-reason]")) {
    box.checked = form.reasons.includes(box.dataset.reason);
    box.disabled = sending;
  }
  const send = bar.form.querySelector(".feedback-form__send");
  send.disabled = sending || (!form.reasons.length && !form.comment.trim());
  send.textContent = sending ? "Sending…" : "Send feedback";
}

export function drawAnswerBar(bar, entry, state, reasons) {
  const shown = rateable(entry);
  bar.rated = shown;
  bar.copy.hidden = !shown;
  for (const b of Object.values(bar.thumbs)) b.hidden = !shown;
  if (!shown) {
    if (bar.formFor) drawForm(bar, "", state, reasons);
    return;
  }
  const id = entry.msg.id;
  bar.copy.dataset.copy = id;
  const copied = state.copied === id;
  bar.copy.setAttribute("aria-label", copied ? "Copied" : "Copy answer");
  bar.copyText.textContent = copied ? "Copied" : "Copy";
  const rating = ratingOf(entry);
  const waiting = state.feedbackSent === id;
  for (const [r, b] of Object.entries(bar.thumbs)) {
    b.dataset.messageId = id;
    b.setAttribute("aria-pressed", rating === r ? "true" : "false");
    b.setAttribute("aria-disabled", waiting ? "true" : "false");
  }
  drawForm(bar, id, state, reasons);
}

// The bars' buttons and forms, for the whole log: on = {copy(id), rate(id, rating),
// reason(reason, checked), comment(text), send(), close(id)}.
export function listenAnswerBars(log, on) {
  log.addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-copy], button[data-rate], button[data-feedback-close]");
    if (!b || b.getAttribute("aria-disabled") === "true") return;
    if (b.dataset.copy) on.copy(b.dataset.copy);
    else if (b.dataset.rate) on.rate(b.dataset.messageId, b.dataset.rate);
    else on.close(b.dataset.feedbackClose);
  });
  log.addEventListener("change", (ev) => {
    if (ev.target.dataset && ev.target.dataset.reason) on.reason(ev.target.dataset.reason, ev.target.checked);
  });
  log.addEventListener("input", (ev) => {
    if (ev.target.dataset && "comment" in ev.target.dataset) on.comment(ev.target.value);
  });
  log.addEventListener("submit", (ev) => {
    if (!ev.target.dataset || !ev.target.dataset.feedbackForm) return;
    ev.preventDefault();
    on.send();
  });
}

// Where the keyboard goes when the form opens, and back when it closes.
export function focusForm(log, messageId) {
  const form = log.querySelector('form[data-feedback-form="' + CSS.escape(messageId) + '"]');
  const first = form && form.querySelector("input, textarea");
  if (first) first.focus();
}

export function focusThumb(log, messageId, rating) {
  const b = log.querySelector('button[data-rate="' + rating + '"][data-message-id="' + CSS.escape(messageId) + '"]');
  if (b) b.focus();
}

// The answer's text to the clipboard; resolves to whether it got there.
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch (e) {
    // refused (no permission, document not focused): the old way below
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch (e) {
    ok = false;
  }
  area.remove();
  return ok;
}
