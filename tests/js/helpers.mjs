// What the page's state tests share: the store as main.js uses it, and server-shaped data.
import * as actions from "../../static/chat/actions.js";
import * as state from "../../static/chat/state.js";
import * as frames from "../../static/chat/store.js";

// The page's state, its frame handlers and its own actions, as chat.js uses them together.
export const store = { ...state, ...frames, ...actions };

export const CONV = "11111111-1111-4111-8111-111111111111";

export function msg(id, role, content, extra = {}) {
  return { id, role, content, status: "complete", created_at: "2025-01-01T00:00:00Z", client_message_id: null,
    tool_name: null, tool_calls: [], cards: [], context: null, ...extra };
}

export function history(messages, extra = {}) {
  return { type: "history", conversation: { id: CONV, title: "Shoes" }, messages, running: false, truncated: false, actions: [], ...extra };
}

// A page on CONV that has received its history.
export function connected(messages = [], extra = {}) {
  const s = store.createState(CONV);
  s.link = "connecting";
  store.handleFrame(s, history(messages, extra));
  return s;
}

export function cart(items = [], extra = {}) {
  const lines = items.map(([product_id, quantity, unit]) => ({
    product_id, name: "Product " + product_id, url: "/products/p" + product_id + "/", unit_price: unit,
    currency: "EUR", quantity, line_total: (Number(unit) * quantity).toFixed(2), in_stock: true, stock: 10,
  }));
  const count = lines.reduce((n, l) => n + l.quantity, 0);
  const total = lines.reduce((n, l) => n + Number(l.line_total), 0).toFixed(2);
  return { items: lines, count, total, currency: "EUR", ...extra };
}

export function action(id, extra = {}) {
  return {
    id, message_id: "a1", tool: "add_to_cart", args: { product_id: 7, quantity: 2 },
    summary: "Add 2 × Cloudstride Road Running Shoe (€129.95 each) to your cart", status: "pending",
    result: null, created_at: "2025-01-01T00:00:00Z", expires_at: "2025-01-01T00:10:00Z", decided_at: null, ...extra,
  };
}
