// The message log, drawn from the store's state: one element per log entry (kept across
// renders, so a growing answer grows in place), redrawn when its entry or the entry's `rev`
// changes; its cards (cards.js) also when the state's `cardsRev` does, and the bar under an
// answer (feedback.js) when its `feedbackRev` does. The controls of versions (branch-controls.js)
// depend on the messages around an entry and on the phase, so they are drawn on every render.

import {
  createAnswerControls, createQuestionControls, drawAnswerControls, drawQuestionControls,
} from "./branch-controls.js";
import { branchControls } from "./branches.js";
import { drawActions, drawCards } from "./cards.js";
import { createAnswerBar, drawAnswerBar } from "./feedback.js";
import { renderMarkdownInto } from "./markdown.js";
import { actionsOf, isEmpty, showTyping, toolCallNames } from "./state.js";
import { formatTime, shopPath } from "./text.js";

const NEAR_BOTTOM_PX = 80;
const STATUS_LABELS = { stopped: "Stopped", error: "Error", interrupted: "Interrupted", blocked: "Blocked" };

function prettyToolContent(content) {
  try {
    return JSON.stringify(JSON.parse(content), null, 2);
  } catch (e) {
    return content;
  }
}

function defaultToolText(line) {
  if (line.status === "started") return "Running " + line.tool + "…";
  if (line.status === "failed") return line.tool + " failed";
  return line.tool + " finished";
}

function child(parent, tag, className) {
  const node = document.createElement(tag);
  node.className = className;
  parent.appendChild(node);
  return node;
}

function createView(msg) {
  const node = document.createElement("article");
  node.className = "msg msg--" + msg.role;
  const view = { el: node, entry: null, rev: 0 };
  if (msg.role === "tool") {
    view.cards = child(node, "div", "msg-cards");
    view.cards.hidden = true;
    const details = child(node, "details", "tool-result");
    view.summary = child(details, "summary", "tool-result__summary");
    view.body = child(details, "pre", "msg-body tool-result__body");
    return view;
  }
  child(node, "span", "visually-hidden").textContent = msg.role === "user" ? "You said:" : "Assistant said:";
  const bubble = child(node, "div", "msg-bubble");
  if (msg.role === "assistant") {
    view.tools = child(bubble, "ul", "tool-lines");
    view.tools.hidden = true;
  } else {
    view.context = child(bubble, "p", "msg-context");
    view.context.hidden = true;
  }
  view.body = child(bubble, "div", "msg-body");
  view.calls = child(bubble, "p", "msg-calls");
  view.calls.hidden = true;
  view.badge = child(bubble, "span", "msg-badge");
  view.badge.hidden = true;
  if (msg.role === "assistant") {
    view.bar = createAnswerBar(node);
    view.answer = createAnswerControls(view.bar);
    view.actions = child(node, "div", "msg-actions");
    view.actions.hidden = true;
  } else {
    view.question = createQuestionControls(node, bubble);
  }
  return view;
}

// The product a question was asked about, as a chip on the question.
function renderContext(view, ctx) {
  const chip = view.context;
  chip.textContent = "";
  chip.hidden = !ctx;
  if (!ctx) return;
  child(chip, "span", "msg-context__label").textContent = "About";
  const href = shopPath(ctx.url);
  const name = child(chip, href ? "a" : "span", "msg-context__name");
  name.textContent = ctx.name || "a product";
  if (href) name.href = href;
}

function renderCards(view, entry, state) {
  if (view.cards && (entry.msg.cards.length || !view.cards.hidden)) drawCards(view.cards, entry.msg, state);
  if (view.actions) {
    const entries = actionsOf(state, entry.msg.id);
    if (entries.length || !view.actions.hidden) drawActions(view.actions, entries);
  }
}

function applyAttributes(view, entry, lines) {
  const m = entry.msg;
  const node = view.el;
  node.dataset.messageId = m.id;
  node.dataset.role = m.role;
  node.dataset.status = m.status;
  if (m.client_message_id) node.dataset.clientMessageId = m.client_message_id;
  const t = formatTime(m.created_at);
  if (t) node.title = t;
  else node.removeAttribute("title");

  if (m.role === "tool") {
    view.summary.textContent = "Tool result: " + (m.tool_name || "tool");
    return;
  }
  const label = STATUS_LABELS[m.status];
  view.badge.hidden = !label;
  view.badge.textContent = label || "";
  view.badge.dataset.status = m.status;

  const names = m.role === "assistant" ? [...new Set(toolCallNames(m))] : [];
  const showCalls = names.length > 0 && !m.content && !lines.length;
  view.calls.hidden = !showCalls;
  view.calls.textContent = !showCalls ? ""
    : m.status === "streaming" ? "Using " + names.join(", ") + "…"
    : "Used " + names.join(", ");
  node.classList.toggle("msg--compact",
    m.role === "assistant" && !m.content && m.status !== "streaming" && !label);
}

function renderBody(view, entry) {
  const m = entry.msg;
  if (m.role === "assistant") {
    renderMarkdownInto(view.body, m.content);
    view.body.hidden = !m.content;
  } else if (m.role === "tool") {
    view.body.textContent = prettyToolContent(m.content);
  } else {
    view.body.textContent = m.content;
    renderContext(view, m.context);
  }
  view.el.classList.toggle("is-streaming", m.status === "streaming" && !entry.final);
}

function renderToolLines(view, lines) {
  const ul = view.tools;
  if (!ul) return;
  while (ul.children.length > lines.length) ul.removeChild(ul.lastChild);
  lines.forEach((line, i) => {
    let li = ul.children[i];
    if (!li) {
      li = child(ul, "li", "tool-line");
      child(li, "span", "tool-line__icon").setAttribute("aria-hidden", "true");
      child(li, "span", "tool-line__text");
    }
    li.dataset.status = line.status;
    li.dataset.tool = line.tool;
    li.lastChild.textContent = line.content || defaultToolText(line);
  });
  ul.hidden = lines.length === 0;
}

// feedbackReasons: the reasons a thumbs down offers (the server's CHAT_FEEDBACK_REASONS).
export function createLog({ log, typing, empty, newMessages }, { feedbackReasons = [] } = {}) {
  const views = new Map(); // entry key -> view
  let stick = true; // the reader is at the bottom of the log

  function scrollToBottom() {
    log.scrollTop = log.scrollHeight;
    stick = true;
    newMessages.hidden = true;
  }

  log.addEventListener("scroll", () => {
    stick = log.scrollHeight - log.scrollTop - log.clientHeight <= NEAR_BOTTOM_PX;
    if (stick) newMessages.hidden = true;
  }, { passive: true });

  newMessages.addEventListener("click", () => {
    scrollToBottom();
    log.focus({ preventScroll: true });
  });

  function render(state) {
    let changed = false;
    const controls = branchControls(state);
    const keys = new Set(state.log.map((e) => e.key));
    for (const [key, view] of views) {
      if (!keys.has(key)) {
        view.el.remove();
        views.delete(key);
      }
    }
    // Entries go in log order before the typing indicator, which stays last.
    let cursor = null;
    for (const entry of state.log) {
      let view = views.get(entry.key);
      if (!view) {
        view = createView(entry.msg);
        views.set(entry.key, view);
      }
      const want = cursor ? cursor.nextSibling : log.firstChild;
      if (want !== view.el) {
        log.insertBefore(view.el, want);
        changed = true;
      }
      const redraw = view.entry !== entry || view.rev !== entry.rev;
      if (redraw) {
        const lines = state.toolLines.get(entry.msg.id) || [];
        applyAttributes(view, entry, lines);
        renderBody(view, entry);
        renderToolLines(view, lines);
        view.entry = entry;
        view.rev = entry.rev;
        changed = true;
      }
      if (redraw || view.cardsRev !== state.cardsRev) {
        renderCards(view, entry, state);
        view.cardsRev = state.cardsRev;
      }
      if (view.bar && (redraw || view.feedbackRev !== state.feedbackRev)) {
        drawAnswerBar(view.bar, entry, state, feedbackReasons);
        view.feedbackRev = state.feedbackRev;
      }
      const ctl = controls.get(entry.key) || null;
      if (view.question) drawQuestionControls(view.question, ctl);
      if (view.answer) view.bar.el.hidden = !drawAnswerControls(view.answer, ctl) && !view.bar.rated;
      cursor = view.el;
    }

    const typingShown = showTyping(state);
    if (typing.hidden === typingShown) {
      const wasStuck = stick;
      typing.hidden = !typingShown;
      if (wasStuck) scrollToBottom();
    }
    const emptyShown = isEmpty(state);
    empty.hidden = !emptyShown;
    log.classList.toggle("is-empty", emptyShown);

    if (changed) {
      if (stick) scrollToBottom();
      else newMessages.hidden = false;
    }
  }

  // What a screen reader hears when an answer completes: the text as shown.
  function lastAnswerText(state) {
    let text = "";
    for (const entry of state.log) {
      if (entry.msg.role === "assistant" && entry.msg.content) {
        const view = views.get(entry.key);
        text = (view && view.body.textContent) || entry.msg.content;
      }
    }
    return text;
  }

  // The text of one answer as shown (what Copy copies).
  function answerText(state, messageId) {
    const entry = state.log.find((e) => e.msg.id === messageId);
    const view = entry && views.get(entry.key);
    return view ? view.body.innerText.trim() || entry.msg.content : "";
  }

  return { render, scrollToBottom, lastAnswerText, answerText };
}
