// markdown.js is the page's security boundary: it is the only module that hands a string to the
// HTML parser. Cards, chips and everything else the server sends are built with DOM calls.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";

const DIR = new URL("../../static/chat/", import.meta.url);
const HTML_SINKS = /\b(innerHTML|outerHTML|insertAdjacentHTML|createContextualFragment|document\.write|DOMParser)\b/;

test("only markdown.js writes HTML", () => {
  const writers = readdirSync(DIR)
    .filter((name) => name.endsWith(".js"))
    .filter((name) => HTML_SINKS.test(readFileSync(new URL(name, DIR), "utf8")));
  assert.deepEqual(writers, ["markdown.js"]);
});
