// One chat, wired: the state (state.js) changed by the server's frames (store.js) and by the
// page's own actions (actions.js, branches.js), the socket, the JSON API, the log and the
// question box.
// The full chat page (main.js) and the panel on the shop's pages (panel.js) each build one from
// their own elements. Every change goes through those functions, then update() draws the chat
// (and the header's cart count) from the state.

import { api, ApiError, cartAdd } from "./api.js";
import { wireBranchControls } from "./branch-controls.js";
import { createComposer } from "./composer.js";
import { wireFeedbackControls } from "./feedback-controls.js";
import { createLog } from "./messages.js";
import { createSocket } from "./socket.js";
import * as actions from "./actions.js";
import * as model from "./state.js";
import * as store from "./store.js";
import { plural, truncate, uuid } from "./text.js";

const ensureSlash = (p) => (String(p).endsWith("/") ? String(p) : String(p) + "/");

// The page's configuration (a json_script element), {} when missing or unreadable.
export function readConfig(id) {
  try {
    return JSON.parse(document.getElementById(id).textContent) || {};
  } catch (e) {
    return {};
  }
}

// The parts templates/chat/conversation.html draws, found by their ids (`prefix` + name).
const PARTS = {
  alertBar: "alert-bar", alert: "alert", alertClose: "alert-close", empty: "empty", suggestions: "empty",
  log: "log", typing: "typing", newMessages: "new-messages", announcer: "announcer", form: "form",
  input: "input", counter: "counter", send: "send", stop: "stop", context: "context",
};

export function chatElements(prefix, more) {
  const el = {};
  for (const [name, id] of Object.entries(PARTS)) el[name] = document.getElementById(prefix + id);
  for (const [name, id] of Object.entries(more)) el[name] = document.getElementById(id);
  return el;
}

export function chatUrls(config) {
  const apiBase = ensureSlash(config.apiBase || "/api/conversations/");
  const wsPath = ensureSlash(config.wsPath || "/ws/chat/");
  const chatPath = ensureSlash(config.chatPath || "/chat/");
  return {
    api: apiBase,
    chatPath,
    conversation: (id) => apiBase + encodeURIComponent(id) + "/",
    chat: (id) => (id ? chatPath + encodeURIComponent(id) + "/" : chatPath),
    socket: (id) => (location.protocol === "https:" ? "wss" : "ws") + "://" + location.host + wsPath + encodeURIComponent(id) + "/",
  };
}

// The header's cart count (base.html), wherever the page shows one.
function drawCartCount(cart) {
  if (!cart) return;
  const text = String(cart.count);
  const label = plural(cart.count, "item", "items") + " in the cart";
  for (const node of document.querySelectorAll(".cart-count")) {
    if (node.textContent !== text) node.textContent = text;
    if (node.getAttribute("aria-label") !== label) node.setAttribute("aria-label", label);
  }
}

// el: the chat's elements by name (chatElements: its conversation.html, and app, title, conn).
// hooks, all optional: updated() after each draw; turnEnded(status); created(id) when the first
// question made a conversation; fatal(code) when the socket is closed for good.
export function createChat({ el, config, hooks = {} }) {
  const urls = chatUrls(config);
  const maxLength = Number(config.maxLength) > 0 ? Number(config.maxLength) : 4000;
  const state = model.createState(config.conversationId ? String(config.conversationId) : null);
  const feedbackReasons = Array.isArray(config.feedbackReasons) ? config.feedbackReasons.map(String) : [];
  const log = createLog(el, { feedbackReasons });
  const composer = createComposer(el, {
    maxLength,
    on: {
      submit,
      stop: stopTurn,
      changed: update,
      clearContext() {
        actions.setAskContext(state, null);
        update();
      },
    },
  });
  const socket = createSocket({
    url: urls.socket,
    probe: (id) => api("GET", urls.conversation(id)).then(() => 200, (err) => err.status),
    onFrame,
    onLink(link) {
      state.link = link;
      update();
    },
    onFatal(code) {
      run(actions.closedFor(state, code));
      update();
      if (hooks.fatal) hooks.fatal(code);
    },
  });

  // --- drawing -----------------------------------------------------------------------------

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  let rafId = 0;
  function update() {
    cancelAnimationFrame(rafId);
    rafId = 0;
    el.app.dataset.chatState = model.chatState(state);
    const status = model.connectionStatus(state);
    el.conn.dataset.state = status.kind;
    setText(el.conn, status.text);
    setText(el.title, model.titleText(state));
    setText(el.alert, state.alert);
    el.alertBar.classList.toggle("is-empty", !state.alert);

    const fatal = state.phase === "fatal";
    el.stop.hidden = !model.stopShown(state);
    el.stop.disabled = state.phase === "stopping";
    el.send.disabled = model.turnActive(state) || fatal || composer.tooLong();
    el.send.setAttribute("aria-disabled", el.send.disabled ? "true" : "false");
    el.input.disabled = fatal;
    composer.renderContext(state.askContext);
    log.render(state);
    drawCartCount(state.cart);
    if (hooks.updated) hooks.updated();
  }

  // Streamed text is drawn once per animation frame, however many chunks arrive meanwhile.
  function updateSoon() {
    if (!rafId) rafId = requestAnimationFrame(update);
  }

  let announceTimer = null;
  function announce(text) {
    el.announcer.textContent = "";
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => {
      el.announcer.textContent = text;
    }, 60);
  }

  // --- frames and their effects --------------------------------------------------------------

  function onFrame(frame) {
    const effects = store.handleFrame(state, frame);
    if (frame.type === "chunk") updateSoon();
    else update();
    run(effects);
  }

  function run(effects) {
    for (const effect of effects) {
      if (effect.type === "connected") {
        socket.connected();
        log.scrollToBottom();
      } else if (effect.type === "branched") {
        branched(effect);
      } else if (effect.type === "send_question") {
        sendQuestion();
      } else if (effect.type === "resync") {
        socket.resync();
      } else if (effect.type === "restore") {
        composer.restore(effect.content);
      } else if (effect.type === "turn_ended") {
        turnEnded(effect.status);
      } else if (effect.type === "action" && effect.action.status !== "pending") {
        const view = model.actionView({ action: effect.action, sent: null });
        announce(view.label + ". " + effect.action.summary + (view.detail ? " " + view.detail : ""));
      }
    }
  }

  function turnEnded(status) {
    if (status === "complete") {
      const txt = log.lastAnswerText(state).replace(/\s+/g, " ").trim();
      announce("Answer complete." + (txt ? " " + truncate(txt, 400) : ""));
    } else if (status === "action_required") {
      const waiting = [...state.actions.values()].filter((a) => a.action.status === "pending");
      announce("The assistant asks for your approval: " + waiting.map((a) => a.action.summary).join("; ") + ".");
    } else if (status === "stopped") {
      announce("Answer stopped.");
    } else if (status === "blocked") {
      announce("The shop's safety check stopped this answer. " + truncate(log.lastAnswerText(state), 300));
    } else {
      announce("The answer failed.");
    }
    if (hooks.turnEnded) hooks.turnEnded(status);
  }

  function sendQuestion() {
    if (!socket.send(actions.questionFrame(state))) return false;
    actions.questionSent(state);
    return true;
  }

  // --- what the customer does ------------------------------------------------------------------

  function submit() {
    if (state.phase !== "idle") return;
    const n = composer.length();
    if (!n) {
      composer.focus();
      return;
    }
    if (n > maxLength) {
      state.alert = "Your message is too long (" + n + " of " + maxLength + " characters).";
      update();
      return;
    }
    const text = composer.take();
    actions.ask(state, text, uuid());
    log.scrollToBottom();
    if (!state.conversationId) {
      createConversationThenSend(text);
      return;
    }
    // Otherwise the question goes out when the next history frame arrives.
    if (!(state.link === "open" && sendQuestion())) socket.connectIfIdle();
    update();
  }

  async function createConversationThenSend(text) {
    const asked = state.pending;
    const title = truncate(text.replace(/\s+/g, " "), 60);
    try {
      const conv = await api("POST", urls.api, { title });
      if (state.pending !== asked) return; // another conversation was opened meanwhile
      if (!conv || conv.id == null) throw new ApiError("The server did not return a conversation.", "bad_response");
      const id = String(conv.id);
      actions.conversationCreated(state, id, conv.title || title);
      if (hooks.created) hooks.created(id);
      socket.open(id); // the question is sent once the history arrives
    } catch (err) {
      if (state.pending !== asked) return;
      state.alert = err && err.message ? err.message : "Could not start a new conversation.";
      composer.restore(model.takeBack(state));
    }
    update();
  }

  function stopTurn() {
    const p = state.pending;
    if (p && !p.sent) {
      // It never reached the server: just take it back.
      if (state.phase !== "creating") composer.restore(model.takeBack(state));
      return;
    }
    if (socket.send({ type: "stop" })) actions.stopSent(state);
    else state.alert = "Not connected: cannot stop right now.";
    update();
  }

  function decide(actionId, decision) {
    const frame = actions.decisionFrame(state, actionId, decision);
    if (!frame) return;
    if (socket.send(frame)) actions.decisionSent(state, actionId, decision);
    else state.alert = "Not connected: your decision was not sent. Try again in a moment.";
    update();
  }

  async function addToCart(productId, name) {
    if (!actions.cartAddStarted(state, productId)) return;
    update();
    try {
      const cart = await cartAdd(productId, 1);
      actions.cartAddFinished(state, productId, cart);
      announce("Added " + (name || "it") + " to your cart. " + (state.cart ? plural(state.cart.count, "item", "items") + " in the cart." : ""));
    } catch (err) {
      actions.cartAddFailed(state, productId, err && err.message);
    }
    update();
  }

  // The bar under an answer: Copy, thumbs up and down, the reasons of a thumbs down.
  wireFeedbackControls(el.log, {
    state, send: (frame) => socket.send(frame), update, announce, answerText: (id) => log.answerText(state, id),
  });

  // The versions of questions and answers: the switchers, Edit and Regenerate.
  const branched = wireBranchControls(el.log, {
    state, send: (frame) => socket.send(frame), update, announce, scrollToBottom: () => log.scrollToBottom(), maxLength,
  });

  // The buttons on the cards: approve or decline an action, add a product to the cart.
  el.log.addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-decision], button[data-add-product]");
    if (!b || b.getAttribute("aria-disabled") === "true") return;
    if (b.dataset.decision) decide(b.dataset.actionId, b.dataset.decision);
    else addToCart(Number(b.dataset.addProduct), b.dataset.productName);
  });

  el.alertClose.addEventListener("click", () => {
    state.alert = "";
    update();
    composer.focus();
  });

  window.addEventListener("online", () => socket.reconnectNow({ resetBackoff: true }));
  window.addEventListener("pagehide", (ev) => {
    if (!ev.persisted) socket.leave();
  });
  window.addEventListener("pageshow", (ev) => {
    if (ev.persisted) socket.reconnectNow({ resetBackoff: false });
  });

  return {
    state,
    urls,
    update,
    focusInput: () => composer.focus(),
    scrollToBottom: () => log.scrollToBottom(),
    // Follow the state's conversation (the one the chat was created with).
    connect() {
      composer.changed();
      if (state.conversationId) socket.open(state.conversationId);
      update();
    },
    // Show another conversation (null: a new chat, created by its first question).
    open(id) {
      actions.openConversation(state, id ? String(id) : null);
      socket.open(state.conversationId);
      update();
      log.scrollToBottom();
    },
    // The product the questions are about ({product_id, name, url}), or null.
    setContext(product) {
      actions.setAskContext(state, product);
      update();
    },
  };
}
