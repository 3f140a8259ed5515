// The panel on the shop's pages: what it remembers per tab, which conversation it opens, and
// which product a page is about.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import * as panel from "../../static/chat/panel-state.js";

// sessionStorage as far as the panel uses it.
function memory(initial = {}) {
  const items = new Map(Object.entries(initial));
  return {
    items,
    getItem: (k) => (items.has(k) ? items.get(k) : null),
    setItem: (k, v) => items.set(k, String(v)),
  };
}

const refusing = {
  getItem() {
    throw new Error("SecurityError");
  },
  setItem() {
    throw new Error("QuotaExceededError");
  },
};

describe("what the panel remembers", () => {
  test("a fresh tab: closed, no conversation", () => {
    assert.deepEqual(panel.panelLoad(memory()), { open: false, conversationId: null });
  });

  test("open and its conversation come back on the next page", () => {
    const storage = memory();
    const first = panel.panelLoad(storage);
    panel.panelOpened(first);
    panel.panelFollows(first, "c-1");
    panel.panelSave(storage, first);
    assert.deepEqual(panel.panelLoad(storage), { open: true, conversationId: "c-1" });

    panel.panelClosed(first);
    panel.panelFollows(first, null);
    panel.panelSave(storage, first);
    assert.deepEqual(panel.panelLoad(storage), { open: false, conversationId: null });
  });

  test("unreadable, foreign or refused storage: closed, and saving does not throw", () => {
    for (const raw of ["{", "[1]", '"x"', '{"open": "yes", "conversationId": 5}']) {
      const storage = memory({ "corner-shop.chat-panel": raw });
      assert.deepEqual(panel.panelLoad(storage), { open: false, conversationId: null }, raw);
    }
    assert.deepEqual(panel.panelLoad(refusing), { open: false, conversationId: null });
    assert.deepEqual(panel.panelLoad(null), { open: false, conversationId: null });
    panel.panelSave(refusing, { open: true, conversationId: "c" });
    panel.panelSave(null, { open: true, conversationId: "c" });
  });
});

describe("which conversation it opens", () => {
  const list = [{ id: "newest", title: "Tents" }, { id: "older", title: "Shoes" }];

  test("this tab's, else the customer's latest, else a new one", () => {
    assert.equal(panel.conversationToOpen({ open: true, conversationId: "mine" }, list), "mine");
    assert.equal(panel.conversationToOpen({ open: true, conversationId: null }, list), "newest");
    assert.equal(panel.conversationToOpen({ open: true, conversationId: null }, []), null);
    assert.equal(panel.conversationToOpen({ open: true, conversationId: null }, undefined), null);
    assert.equal(panel.conversationToOpen({ open: true, conversationId: null }, [{ id: 42 }]), "42");
  });
});

describe("the product a page is about", () => {
  test("read from the template's data attributes", () => {
    assert.deepEqual(
      panel.productOnPage({ chatProductId: "7", chatProductName: "Cloudstride", chatProductUrl: "/products/cloudstride/" }),
      { product_id: 7, name: "Cloudstride", url: "/products/cloudstride/" },
    );
  });

  test("none without a valid id", () => {
    for (const dataset of [null, {}, { chatProductId: "" }, { chatProductId: "abc" }, { chatProductId: "-1" }, { chatProductId: "2.5" }]) {
      assert.equal(panel.productOnPage(dataset), null, JSON.stringify(dataset));
    }
  });
});
