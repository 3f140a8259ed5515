// The assistant's panel on the shop's pages, as plain data: whether it is open and which
// conversation it shows. It is kept in the tab's sessionStorage, so that the next page of the
// same tab opens the same conversation, where the socket's history frame brings it up to date.

const KEY = "corner-shop.chat-panel";

export function panelLoad(storage) {
  let raw = null;
  try {
    raw = JSON.parse((storage && storage.getItem(KEY)) || "null");
  } catch (e) {
    raw = null; // unreadable storage (a sandboxed page) or not ours: start closed
  }
  const id = raw && typeof raw.conversationId === "string" ? raw.conversationId : "";
  return { open: Boolean(raw && raw.open === true), conversationId: id || null };
}

export function panelSave(storage, panel) {
  try {
    if (storage) storage.setItem(KEY, JSON.stringify({ open: panel.open, conversationId: panel.conversationId }));
  } catch (e) {
    // full or refused: the panel still works on this page
  }
}

export function panelOpened(panel) {
  panel.open = true;
}

export function panelClosed(panel) {
  panel.open = false;
}

// The conversation the panel follows (null: a new one, created by the first question).
export function panelFollows(panel, id) {
  panel.conversationId = id ? String(id) : null;
}

// What to open: this tab's conversation, else the customer's latest (the list is newest first).
export function conversationToOpen(panel, conversations) {
  if (panel.conversationId) return panel.conversationId;
  const latest = Array.isArray(conversations) ? conversations[0] : null;
  return latest && latest.id != null && latest.id !== "" ? String(latest.id) : null;
}

// The product a page shows, from the data attributes its template renders
// (data-chat-product-id, -name, -url), or null.
export function productOnPage(dataset) {
  if (!dataset) return null;
  const id = Number(dataset.chatProductId);
  if (!Number.isInteger(id) || id <= 0) return null;
  return { product_id: id, name: dataset.chatProductName || "", url: dataset.chatProductUrl || "" };
}
