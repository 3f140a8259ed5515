import assert from "node:assert/strict";
import { test } from "node:test";

import { codePointLength, formatPrice, plural, shopPath, truncate, uuid } from "../../static/chat/text.js";

test("code points, as the protocol counts them", () => {
  assert.equal(codePointLength(""), 0);
  assert.equal(codePointLength("abc"), 3);
  assert.equal(codePointLength("👟👟"), 2);
  assert.equal(codePointLength("e\u0301"), 2, "a combining mark is a code point of its own");
  assert.equal(codePointLength("\ud83d"), 1, "a lone surrogate counts once");
});

test("truncate keeps short text and cuts long text on code points", () => {
  assert.equal(truncate("short", 60), "short");
  assert.equal(truncate("👟".repeat(5), 3), "👟👟…");
  assert.equal(truncate("ab   cdef", 5), "ab…");
});

test("uuid is a version 4 UUID", () => {
  assert.match(uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(uuid(), uuid());
});

test("prices: € for EUR, the code after the amount for currencies without a sign", () => {
  assert.equal(formatPrice("129.95", "EUR"), "€129.95");
  assert.equal(formatPrice("5.00", "eur"), "€5.00");
  assert.equal(formatPrice("12.00", "CHF"), "12.00 CHF");
  assert.equal(formatPrice("12.00", ""), "12.00");
  assert.equal(formatPrice(null, "EUR"), "");
});

test("plural", () => {
  assert.equal(plural(0, "item", "items"), "0 items");
  assert.equal(plural(1, "item", "items"), "1 item");
  assert.equal(plural(2, "item", "items"), "2 items");
});

test("card links stay in the shop: same-origin paths only", () => {
  assert.equal(shopPath("/products/cloudstride/"), "/products/cloudstride/");
  assert.equal(shopPath("/cart/"), "/cart/");
  for (const bad of ["javascript:alert(1)", "//evil.example/x", "/\\evil.example", "https://evil.example/", "products/x", "", null]) {
    assert.equal(shopPath(bad), null, String(bad));
  }
});
