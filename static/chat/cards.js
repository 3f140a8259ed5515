// The cards of the log: what a tool's result showed (products, orders, the cart) under the tool
// line, and the approval card of each action the assistant proposes. Every string on a card is
// the server's: cards are built with DOM calls and textContent, never parsed as HTML, and their
// links only ever point into the shop (text.shopPath).

import { actionView, addStatus, cardCart } from "./state.js";
import { formatPrice, plural, shopPath } from "./text.js";

const CART_PAGE = "/cart/";
const ORDER_STATUSES = {
  pending: "Pending", paid: "Paid", shipped: "Shipped", delivered: "Delivered", cancelled: "Cancelled",
};

function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function add(parent, tag, className, text) {
  return parent.appendChild(make(tag, className, text));
}

// A link when the address is one of the shop's pages, plain text otherwise. `focusKey` finds
// it again after a redraw (see redraw).
function shopLink(url, text, focusKey) {
  const href = shopPath(url);
  const node = make(href ? "a" : "span", "", text);
  if (href) {
    node.href = href;
    node.dataset.focusKey = focusKey;
  }
  return node;
}

function button(className, text, data) {
  const b = make("button", "btn " + className, text);
  b.type = "button";
  Object.assign(b.dataset, data);
  return b;
}

// A card that can take focus when the button that had it is gone (a decided action).
function card(kind, key) {
  const node = make("div", "chat-card chat-card--" + kind);
  node.dataset.cardKey = key;
  node.tabIndex = -1;
  return node;
}

// Redraws a container, leaving the keyboard focus where it was: on the same button or link
// (the same data-focus-key) if it is still there, else on the card that held it.
function redraw(container, draw) {
  const active = document.activeElement;
  const inside = active && active !== container && container.contains(active);
  const focusKey = inside ? active.dataset.focusKey || "" : "";
  const holder = inside ? active.closest("[data-card-key]") : null;
  const cardKey = holder ? holder.dataset.cardKey : "";
  container.textContent = "";
  draw();
  container.hidden = container.childElementCount === 0;
  if (!inside) return;
  const again = (focusKey && container.querySelector('[data-focus-key="' + CSS.escape(focusKey) + '"]')) ||
    (cardKey && container.querySelector('[data-card-key="' + CSS.escape(cardKey) + '"]'));
  if (again) again.focus({ preventScroll: true });
}

// --- what a tool's result showed ---------------------------------------------------------------

function productCard(c, state, key) {
  const node = card("product", key);
  node.dataset.productId = String(c.product_id);
  if (c.category) add(node, "p", "chat-card__eyebrow", String(c.category));
  const name = String(c.name || "Product");
  add(node, "p", "chat-card__title").appendChild(shopLink(c.url, name, key + "-name"));
  const meta = add(node, "p", "chat-card__meta");
  add(meta, "span", "chat-card__price", formatPrice(c.price, c.currency));
  add(meta, "span", c.in_stock ? "badge badge--in" : "badge badge--out", c.in_stock ? "In stock" : "Out of stock");
  if (c.in_stock && Number.isInteger(c.product_id)) {
    const status = addStatus(state, c.product_id);
    const row = add(node, "div", "chat-card__actions");
    const b = row.appendChild(button("btn--secondary chat-card__add", status === "adding" ? "Adding…" : "Add to cart", {
      addProduct: String(c.product_id), productName: name, focusKey: key + "-add",
    }));
    // Its name says which product; it starts with what the button shows (WCAG's label in name).
    b.setAttribute("aria-label", "Add to cart: " + name);
    // Not disabled while adding: a disabled button would drop the keyboard focus.
    b.setAttribute("aria-disabled", status === "adding" ? "true" : "false");
    if (status === "added") add(row, "span", "chat-card__note", "Added to your cart");
  }
  return node;
}

function lines(parent, items, describe) {
  const list = add(parent, "ul", "chat-card__lines");
  for (const item of items) describe(add(list, "li", "chat-card__line"), item);
  return list;
}

function orderCard(c, state, key) {
  const node = card("order", key);
  add(node, "p", "chat-card__eyebrow", "Order");
  const number = String(c.number || "");
  add(node, "p", "chat-card__title").appendChild(shopLink("/orders/" + encodeURIComponent(number) + "/", number, key + "-order"));
  const meta = add(node, "p", "chat-card__meta");
  const status = add(meta, "span", "chat-card__status", ORDER_STATUSES[c.status] || String(c.status || ""));
  status.dataset.status = String(c.status || "");
  add(meta, "span", "chat-card__price", formatPrice(c.total, c.currency));
  if (Array.isArray(c.items) && c.items.length) {
    lines(node, c.items, (li, item) => {
      add(li, "span", "chat-card__line-name", (Number(item.quantity) || 0) + " × " + String(item.name || ""));
      add(li, "span", "chat-card__price", formatPrice(item.unit_price, c.currency));
    });
  }
  return node;
}

function cartCard(c, state, key) {
  const cart = cardCart(state, c);
  const node = card("cart", key);
  add(node, "p", "chat-card__eyebrow", "Your cart");
  if (!cart || !cart.items.length) {
    add(node, "p", "chat-card__detail", "Your cart is empty.");
  } else {
    lines(node, cart.items, (li, item) => {
      const name = add(li, "span", "chat-card__line-name");
      name.appendChild(shopLink(item.url, String(item.name || ""), key + "-line-" + item.product_id));
      name.append(" × " + (Number(item.quantity) || 0));
      add(li, "span", "chat-card__price", formatPrice(item.line_total, item.currency || cart.currency));
    });
    const total = add(node, "p", "chat-card__total", "Total ");
    add(total, "strong", "", formatPrice(cart.total, cart.currency));
    total.append(" · " + plural(cart.count, "item", "items"));
  }
  add(node, "p", "chat-card__more").appendChild(shopLink(CART_PAGE, "View your cart", key + "-cart"));
  return node;
}

const BUILDERS = { product: productCard, order: orderCard, cart: cartCard };
const LIST_LABELS = { product: "Products", order: "Orders", cart: "Cart" };

// The cards of a tool message (msg.cards) into container.
export function drawCards(container, msg, state) {
  redraw(container, () => {
    const known = msg.cards.filter((c) => Object.hasOwn(BUILDERS, c.kind));
    if (!known.length) return;
    const list = add(container, "ul", "chat-cards");
    const kinds = new Set(known.map((c) => c.kind));
    list.setAttribute("aria-label", kinds.size === 1 ? LIST_LABELS[known[0].kind] : "Results");
    known.forEach((c, i) => {
      add(list, "li", "chat-cards__item").appendChild(BUILDERS[c.kind](c, state, msg.id + "-" + i));
    });
  });
}

// --- the actions the customer approves -----------------------------------------------------------

function actionCard(entry) {
  const { action } = entry;
  const view = actionView(entry);
  const node = card("action", "action-" + action.id);
  node.dataset.actionId = action.id;
  node.dataset.status = view.status;
  node.setAttribute("role", "group");
  const summaryId = "action-summary-" + action.id;
  node.setAttribute("aria-labelledby", summaryId);
  add(node, "p", "chat-card__eyebrow chat-card__state", view.label);
  add(node, "p", "chat-card__summary", action.summary || "The assistant asks to use " + action.tool + ".").id = summaryId;
  if (view.detail) add(node, "p", "chat-card__detail", view.detail);
  if (action.status === "done" && action.result && action.result.cart) {
    add(node, "p", "chat-card__more").appendChild(shopLink(CART_PAGE, "View your cart", "action-" + action.id + "-cart"));
  }
  if (view.decidable) {
    const row = add(node, "div", "chat-card__actions");
    for (const [decision, text, kind] of [["approve", "Approve", "btn--primary"], ["reject", "Decline", "btn--secondary"]]) {
      const b = row.appendChild(button(kind, text, { actionId: action.id, decision, focusKey: "action-" + action.id + "-" + decision }));
      b.setAttribute("aria-describedby", summaryId);
    }
  }
  return node;
}

// The approval cards of one assistant message's actions ({action, sent} entries).
export function drawActions(container, entries) {
  redraw(container, () => {
    for (const entry of entries) container.appendChild(actionCard(entry));
  });
}
