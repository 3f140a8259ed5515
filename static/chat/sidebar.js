// The conversation list (drawn from state.conversations, or the search's matches) with rename,
// delete and the search box, and the sidebar that holds it on small screens.

import { api, conversationSearch } from "./api.js";
import * as actions from "./actions.js";
import { svgIcon } from "./icons.js";
import { listedConversations, listNote } from "./state.js";
import { formatTime } from "./text.js";

const SEARCH_DEBOUNCE_MS = 250;

const ICON_EDIT = ["M4 20h4L19 9l-4-4L4 16v4z", "M13.5 6.5l4 4"];
const ICON_TRASH = ["M4 7h16", "M9 7V4h6v3", "M6 7l1 13h10l1-13", "M10 11v6M14 11v6"];

function iconButton(className, label, title, icon) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "icon-btn " + className;
  b.setAttribute("aria-label", label);
  b.title = title;
  b.appendChild(svgIcon(icon));
  return b;
}

function note(list, text) {
  const li = document.createElement("li");
  li.className = "conversation-list__note";
  li.textContent = text;
  list.appendChild(li);
}

// page: {state, urls: {api, conversation(id), chat(id)}, update(), open(id), focusInput()}
export function createSidebar(el, page) {
  const { state, urls } = page;
  let shown = { list: null, current: undefined, note: null };

  function render(force) {
    const conversations = listedConversations(state);
    const text = listNote(state);
    if (!force && shown.list === conversations && shown.current === state.conversationId && shown.note === text) return;
    const list = el.list;
    let focusedId = null;
    let focusedClass = null;
    const active = document.activeElement;
    if (active && list.contains(active)) {
      const item = active.closest(".conversation-item");
      if (item) {
        focusedId = item.dataset.id;
        focusedClass = active.classList.contains("rename-btn") ? "rename-btn"
          : active.classList.contains("delete-btn") ? "delete-btn" : "conversation-link";
      }
    }
    if (list.querySelector(".rename-input")) return; // an edit in progress; its end redraws
    shown = { list: conversations, current: state.conversationId, note: text };

    list.textContent = "";
    if (text) note(list, text);
    for (const c of conversations) {
      const li = document.createElement("li");
      li.className = "conversation-item";
      li.dataset.id = c.id;
      const title = c.title || "Untitled chat";
      const a = document.createElement("a");
      a.className = "conversation-link";
      a.href = urls.chat(c.id);
      if (c.id === state.conversationId) {
        a.setAttribute("aria-current", "page");
        li.classList.add("is-active");
      }
      const span = document.createElement("span");
      span.className = "conversation-title";
      span.textContent = title;
      a.appendChild(span);
      if (c.updated_at) a.title = title + " — " + formatTime(c.updated_at);
      const actions = document.createElement("div");
      actions.className = "conversation-actions";
      actions.appendChild(iconButton("rename-btn", "Rename “" + title + "”", "Rename", ICON_EDIT));
      actions.appendChild(iconButton("delete-btn", "Delete “" + title + "”", "Delete", ICON_TRASH));
      li.appendChild(a);
      li.appendChild(actions);
      list.appendChild(li);
    }
    if (focusedId) {
      const again = list.querySelector('.conversation-item[data-id="' + CSS.escape(focusedId) + '"] .' + focusedClass);
      if (again) again.focus();
    }
  }

  async function refresh() {
    let data;
    try {
      data = await api("GET", urls.api);
    } catch (err) {
      if (!state.conversations.length) {
        el.list.textContent = "";
        note(el.list, err.status === 403 || err.status === 401
          ? "Sign in to see your conversations."
          : "Could not load conversations.");
      }
      return;
    }
    actions.setConversations(state, data && Array.isArray(data.conversations) ? data.conversations : []);
    shown.list = null; // drawn again even when the list looks the same
    page.update();
    // The conversations changed (an answer ended): the matches may have too.
    searchRun(actions.searchAgain(state));
  }

  // --- the search box ----------------------------------------------------------------------------

  let searchTimer = 0;

  function search(text) {
    const query = actions.searchTyped(state, text);
    page.update();
    searchRun(query);
  }

  async function searchRun(query) {
    if (query === null) return;
    try {
      const data = await conversationSearch(urls.api, query);
      actions.searchFinished(state, query, data && Array.isArray(data.conversations) ? data.conversations : []);
    } catch (err) {
      actions.searchFailed(state, query);
    }
    page.update();
  }

  if (el.search) {
    el.search.addEventListener("input", () => {
      clearTimeout(searchTimer);
      const text = el.search.value;
      // An emptied box shows every conversation at once; words wait until typing pauses.
      if (!text.trim()) search("");
      else searchTimer = setTimeout(() => search(text), SEARCH_DEBOUNCE_MS);
    });
    el.search.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && el.search.value) {
        ev.preventDefault();
        ev.stopPropagation();
        el.search.value = "";
        clearTimeout(searchTimer);
        search("");
      }
    });
  }

  function focusRenameButton(id) {
    const b = el.list.querySelector('.conversation-item[data-id="' + CSS.escape(id) + '"] .rename-btn');
    if (b) b.focus();
  }

  function startRename(li) {
    const id = li.dataset.id;
    const conv = state.conversations.find((c) => c.id === id);
    if (!conv || li.querySelector(".rename-input")) return;
    const link = li.querySelector(".conversation-link");
    const input = document.createElement("input");
    input.type = "text";
    input.className = "rename-input";
    input.value = conv.title || "";
    input.maxLength = 200;
    input.setAttribute("aria-label", "New name for the conversation");
    link.hidden = true;
    li.insertBefore(input, link);
    li.classList.add("is-editing");
    input.focus();
    input.select();

    let finished = false;
    async function finish(save) {
      if (finished) return;
      finished = true;
      const value = input.value.trim();
      input.remove();
      link.hidden = false;
      li.classList.remove("is-editing");
      if (!save || !value || value === conv.title) {
        render(true);
        focusRenameButton(id);
        return;
      }
      try {
        const res = await api("PATCH", urls.conversation(id), { title: value });
        actions.renameConversation(state, id, (res && res.title) || value);
        page.update();
        render(true);
        focusRenameButton(id);
      } catch (err) {
        state.alert = err.message || "Could not rename the conversation.";
        page.update();
        render(true);
      }
    }
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        finish(true);
      } else if (ev.key === "Escape") {
        ev.preventDefault();
        ev.stopPropagation();
        finish(false);
      }
    });
    input.addEventListener("blur", () => finish(true));
  }

  async function remove(li) {
    const id = li.dataset.id;
    const conv = state.conversations.find((c) => c.id === id);
    const title = conv && conv.title ? conv.title : "this conversation";
    if (!window.confirm("Delete “" + title + "”? This cannot be undone.")) return;
    try {
      await api("DELETE", urls.conversation(id));
    } catch (err) {
      state.alert = err.message || "Could not delete the conversation.";
      page.update();
      return;
    }
    actions.removeConversation(state, id);
    if (id === state.conversationId) page.open(null, { push: true });
    else {
      page.update();
      el.newChat.focus();
    }
  }

  function isOpen() {
    return el.app.dataset.sidebarOpen === "true";
  }

  function setOpen(open) {
    el.app.dataset.sidebarOpen = open ? "true" : "false";
    el.sidebarToggle.setAttribute("aria-expanded", open ? "true" : "false");
    el.backdrop.hidden = !open;
  }

  function close() {
    if (isOpen()) setOpen(false);
  }

  el.list.addEventListener("click", (ev) => {
    const target = ev.target;
    const li = target.closest(".conversation-item");
    if (!li) return;
    if (target.closest(".rename-btn")) {
      ev.preventDefault();
      startRename(li);
      return;
    }
    if (target.closest(".delete-btn")) {
      ev.preventDefault();
      remove(li);
      return;
    }
    const link = target.closest(".conversation-link");
    if (link && ev.button === 0 && !ev.metaKey && !ev.ctrlKey && !ev.shiftKey && !ev.altKey) {
      ev.preventDefault();
      if (li.dataset.id !== state.conversationId || state.phase === "fatal") page.open(li.dataset.id, { push: true });
      close();
    }
  });

  // F2 renames the focused conversation, like in a file list.
  el.list.addEventListener("keydown", (ev) => {
    const li = ev.target.closest && ev.target.closest(".conversation-item");
    if (li && ev.key === "F2" && !ev.target.classList.contains("rename-input")) {
      ev.preventDefault();
      startRename(li);
    }
  });

  el.newChat.addEventListener("click", () => {
    close();
    if (state.conversationId || state.phase === "fatal") page.open(null, { push: true });
    page.focusInput();
  });

  el.sidebarToggle.addEventListener("click", () => {
    if (isOpen()) {
      close();
    } else {
      setOpen(true);
      el.newChat.focus();
    }
  });
  el.sidebarClose.addEventListener("click", () => {
    close();
    el.sidebarToggle.focus();
  });
  el.backdrop.addEventListener("click", close);
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && isOpen()) {
      close();
      el.sidebarToggle.focus();
    }
  });

  return { render, refresh, close };
}
