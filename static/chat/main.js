// The full chat page (/chat/): one chat (chat.js) with the conversation list beside it
// (sidebar.js), the conversation in the address bar and the back button.

import { chatElements, createChat, readConfig } from "./chat.js";
import { createSidebar } from "./sidebar.js";

const config = readConfig("chat-config");
const el = chatElements("chat-", {
  app: "chat-app", title: "chat-title", conn: "connection-status", sidebarToggle: "sidebar-toggle-btn",
  sidebarClose: "sidebar-close-btn", backdrop: "chat-backdrop", list: "conversation-list", newChat: "new-chat-btn",
  search: "conversation-search",
});

function setUrl(id, push) {
  try {
    const url = chat.urls.chat(id);
    if (push) history.pushState({ conversationId: id }, "", url);
    else history.replaceState({ conversationId: id }, "", url);
  } catch (e) {
    // a sandboxed document may refuse; the page still works at its old URL
  }
}

const chat = createChat({
  el,
  config,
  hooks: {
    updated() {
      document.body.dataset.chatState = el.app.dataset.chatState;
      sidebar.render();
    },
    turnEnded: () => sidebar.refresh(),
    created: (id) => setUrl(id, false),
  },
});

function openConversation(id, { push }) {
  chat.open(id);
  if (push) setUrl(chat.state.conversationId, true);
}

const sidebar = createSidebar(el, {
  state: chat.state,
  urls: chat.urls,
  update: chat.update,
  open: openConversation,
  focusInput: chat.focusInput,
});

function idFromPath(path) {
  const base = chat.urls.chatPath;
  if (!path.startsWith(base)) return null;
  const rest = path.slice(base.length).split("/")[0];
  return rest ? decodeURIComponent(rest) : null;
}

window.addEventListener("popstate", () => {
  const id = idFromPath(location.pathname);
  if (id !== chat.state.conversationId) openConversation(id, { push: false });
});

// The app fills the viewport below the site header, whose height varies.
function fitHeight() {
  const top = el.app.getBoundingClientRect().top + window.scrollY;
  el.app.style.setProperty("--chat-top", Math.max(0, Math.round(top)) + "px");
}
window.addEventListener("resize", fitHeight);

fitHeight();
if (chat.state.conversationId) {
  try {
    history.replaceState({ conversationId: chat.state.conversationId }, "", location.href);
  } catch (e) {
    // see setUrl
  }
}
chat.connect();
sidebar.refresh();
