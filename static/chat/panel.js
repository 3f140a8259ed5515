// The assistant on every shop page: a launcher in the corner opens a panel holding one chat
// (chat.js: the same modules as /chat/). Per tab, the panel remembers whether it is open and
// which conversation it shows (panel-state.js), so the next page opens it again and the socket's
// history frame picks the answer up where it was. On a product page, questions carry that
// product as their context.

import { api } from "./api.js";
import { chatElements, createChat, readConfig } from "./chat.js";
import * as panelState from "./panel-state.js";

const PHONE = "(max-width: 600px)";

function sessionStore() {
  try {
    return window.sessionStorage;
  } catch (e) {
    return null; // storage refused: the panel forgets on the next page
  }
}

const dock = document.getElementById("chat-dock");
if (dock) startPanel();

function startPanel() {
  const el = chatElements("chat-panel-", {
    app: "chat-panel", title: "chat-panel-subtitle", conn: "chat-panel-status", launcher: "chat-launcher",
    close: "chat-panel-close", newChat: "chat-panel-new", fullPage: "chat-panel-full",
  });

  const storage = sessionStore();
  const panel = panelState.panelLoad(storage);
  const phone = window.matchMedia(PHONE);
  const save = () => panelState.panelSave(storage, panel);

  const chat = createChat({
    el,
    config: { ...readConfig("chat-panel-config"), conversationId: null },
    hooks: {
      updated: drawPanel,
      created(id) {
        panelState.panelFollows(panel, id);
        save();
      },
      // The remembered conversation is gone (deleted, or the customer signed out): a new chat.
      fatal() {
        follow(null);
      },
    },
  });

  function follow(id) {
    panelState.panelFollows(panel, id);
    save();
    chat.open(id);
  }

  // The first time the panel opens on this page: this tab's conversation, else the customer's
  // latest, else a new chat (made by its first question).
  let began = null;
  function begin() {
    if (!began) began = pickConversation();
    return began;
  }

  async function pickConversation() {
    let list = [];
    if (!panel.conversationId) {
      try {
        const data = await api("GET", chat.urls.api);
        list = data && Array.isArray(data.conversations) ? data.conversations : [];
      } catch (e) {
        list = []; // not reachable now: a new chat; its first question tells what is wrong
      }
    }
    // A question asked meanwhile has made (or is making) its own conversation.
    if (chat.state.conversationId || chat.state.pending) return;
    follow(panelState.conversationToOpen(panel, list));
  }

  function drawPanel() {
    const open = panel.open;
    el.app.hidden = !open;
    el.launcher.hidden = open;
    el.launcher.setAttribute("aria-expanded", open ? "true" : "false");
    el.fullPage.href = chat.urls.chat(chat.state.conversationId);
    // On a phone the panel covers the page: the page behind it is out of reach meanwhile.
    const modal = open && phone.matches;
    el.app.setAttribute("aria-modal", modal ? "true" : "false");
    for (const node of document.body.children) {
      if (node !== dock && node.tagName !== "SCRIPT") node.inert = modal;
    }
  }

  function openPanel() {
    panelState.panelOpened(panel);
    save();
    drawPanel();
    begin();
    chat.scrollToBottom();
    chat.focusInput();
  }

  function closePanel() {
    panelState.panelClosed(panel);
    save();
    drawPanel();
    el.launcher.focus();
  }

  el.launcher.addEventListener("click", openPanel);
  el.close.addEventListener("click", closePanel);
  el.newChat.addEventListener("click", () => {
    follow(null);
    chat.focusInput();
  });
  el.app.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && !ev.isComposing && !ev.defaultPrevented) {
      ev.preventDefault();
      closePanel();
    }
  });
  // Links to the assistant on a shop page ("Ask the assistant about this product") open the panel.
  for (const link of document.querySelectorAll("[data-chat-open]")) {
    link.addEventListener("click", (ev) => {
      if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault();
      openPanel();
    });
  }
  phone.addEventListener("change", drawPanel);

  const product = document.querySelector("[data-chat-product-id]");
  chat.setContext(panelState.productOnPage(product ? product.dataset : null));
  chat.connect();
  if (panel.open) begin();
}
