// Cards on messages, the live cart (`cart` frames and the customer's own Add to cart), and the
// product a question is about.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { cart, connected, CONV, history, msg, store } from "./helpers.mjs";

const product = (id, extra = {}) => ({
  kind: "product", product_id: id, name: "Shoe " + id, price: "129.95", currency: "EUR", in_stock: true,
  url: "/products/shoe-" + id + "/", category: "Running", ...extra,
});

describe("cards", () => {
  test("a tool message keeps its cards; other messages and odd values hold none", () => {
    const state = connected([
      msg("t", "tool", "[]", { tool_name: "search_products", cards: [product(1), null, "x", product(2)] }),
      msg("a", "assistant", "Two shoes", { cards: undefined }),
    ]);
    assert.deepEqual(store.findEntry(state, "t").msg.cards.map((c) => c.product_id), [1, 2]);
    assert.deepEqual(store.findEntry(state, "a").msg.cards, []);
    store.handleFrame(state, { type: "message", message: msg("t2", "tool", "{}", { cards: { kind: "cart" } }) });
    assert.deepEqual(store.findEntry(state, "t2").msg.cards, []);
  });

  test("a cart card shows the live cart once the page has heard of one", () => {
    const state = connected();
    const card = { kind: "cart", cart: cart([[1, 1, "5.00"]]) };
    assert.equal(store.cardCart(state, card).count, 1);
    store.handleFrame(state, { type: "cart", cart: cart([[1, 3, "5.00"]]) });
    assert.equal(store.cardCart(state, card).count, 3);
    assert.equal(store.cardCart(state, card).total, "15.00");
  });
});

describe("the cart frame", () => {
  test("keeps the owner's cart and has the cards redrawn", () => {
    const state = connected();
    const rev = state.cardsRev;
    assert.deepEqual(store.handleFrame(state, { type: "cart", cart: cart([[1, 2, "10.00"]]) }), []);
    assert.equal(state.cart.count, 2);
    assert.ok(state.cardsRev > rev);
  });

  test("a count missing or odd is worked out from the lines; no cart, no change", () => {
    const state = connected();
    store.handleFrame(state, { type: "cart", cart: { ...cart([[1, 2, "1.00"], [2, 1, "1.00"]]), count: "3" } });
    assert.equal(state.cart.count, 3);
    store.handleFrame(state, { type: "cart", cart: null });
    assert.equal(state.cart.count, 3);
    store.handleFrame(state, { type: "cart", cart: { items: "nope" } });
    assert.equal(state.cart.count, 0);
  });

  test("outlives a switch of conversation", () => {
    const state = connected();
    store.handleFrame(state, { type: "cart", cart: cart([[1, 1, "1.00"]]) });
    store.openConversation(state, null);
    assert.equal(state.cart.count, 1);
  });
});

describe("Add to cart", () => {
  test("adding, then added with the API's cart", () => {
    const state = connected();
    assert.equal(store.addStatus(state, 7), "");
    assert.equal(store.cartAddStarted(state, 7), true);
    assert.equal(store.addStatus(state, 7), "adding");
    assert.equal(store.cartAddStarted(state, 7), false, "a second click waits for the first");
    const rev = state.cardsRev;
    store.cartAddFinished(state, 7, cart([[7, 1, "129.95"]]));
    assert.equal(store.addStatus(state, "7"), "added");
    assert.equal(state.cart.count, 1);
    assert.ok(state.cardsRev > rev);
    assert.equal(store.cartAddStarted(state, 7), true, "and again");
  });

  test("a refusal says why and leaves the cart as it was", () => {
    const state = connected();
    store.handleFrame(state, { type: "cart", cart: cart([[1, 1, "1.00"]]) });
    store.cartAddStarted(state, 9);
    store.cartAddFailed(state, 9, "That product is out of stock.");
    assert.equal(store.addStatus(state, 9), "failed");
    assert.equal(state.alert, "That product is out of stock.");
    assert.equal(state.cart.count, 1);
    store.cartAddFailed(state, 9, "");
    assert.equal(state.alert, "Could not add that to your cart.");
  });

  test("does not change what the page is doing", () => {
    const state = connected();
    store.cartAddStarted(state, 7);
    assert.equal(state.phase, "idle");
    assert.equal(store.chatState(state), "idle");
  });
});

describe("the product a question is about", () => {
  const shoe = { product_id: 7, name: "Cloudstride", url: "/products/cloudstride/" };

  test("is sent with the question and shown on it until the server's copy replaces it", () => {
    const state = connected();
    store.setAskContext(state, shoe);
    store.ask(state, "Is it waterproof?", "c1");
    assert.deepEqual(store.questionFrame(state), {
      type: "user_message", content: "Is it waterproof?", client_message_id: "c1", context: { product_id: 7 },
    });
    const shown = state.log.at(-1);
    assert.deepEqual(shown.msg.context, shoe);

    const stored = { product_id: 7, name: "Cloudstride Road Running Shoe", url: "/products/cloudstride/" };
    store.handleFrame(state, { type: "message", message: msg("q1", "user", "Is it waterproof?", { client_message_id: "c1", context: stored }) });
    assert.equal(state.log.at(-1), shown);
    assert.deepEqual(shown.msg.context, stored);
  });

  test("no context: the frame has none; a question keeps the context it was asked with", () => {
    const state = connected();
    store.ask(state, "Hi", "c1");
    assert.equal("context" in store.questionFrame(state), false);
    assert.equal(state.log.at(-1).msg.context, null);

    const other = connected();
    store.setAskContext(other, shoe);
    store.ask(other, "Is it waterproof?", "c2");
    store.setAskContext(other, null);
    assert.deepEqual(store.questionFrame(other).context, { product_id: 7 }, "a resend says the same");
  });

  test("only a positive integer id makes a context", () => {
    const state = connected();
    for (const bad of [null, {}, { product_id: "x" }, { product_id: 0 }, { product_id: 1.5 }]) {
      store.setAskContext(state, bad);
      assert.equal(state.askContext, null, JSON.stringify(bad));
    }
    store.setAskContext(state, { product_id: "12", name: "Tent" });
    assert.deepEqual(state.askContext, { product_id: 12, name: "Tent", url: "" });
  });

  test("stays for the next conversation; history messages bring their own", () => {
    const state = store.createState(CONV);
    store.setAskContext(state, shoe);
    store.openConversation(state, null);
    assert.deepEqual(state.askContext, shoe);
    store.handleFrame(state, history([msg("q", "user", "Hm", { context: { product_id: 3, name: "Tent", url: "/products/tent/" } }), msg("a", "assistant", "Yes", { context: "junk" })]));
    assert.equal(store.findEntry(state, "q").msg.context.name, "Tent");
    assert.equal(store.findEntry(state, "a").msg.context, null);
  });
});
