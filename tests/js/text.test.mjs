import assert from "node:assert/strict";
import { test } from "node:test";

import { codePointLength, truncate, uuid } from "../../static/chat/text.js";

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
