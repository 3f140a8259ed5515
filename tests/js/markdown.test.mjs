// The markdown module, as far as it can run without a DOM: marked's rendering rules, the
// sanitiser being called with the page's configuration, and plain text whenever either library
// is missing. DOMPurify itself needs a browser; tests/e2e checks what reaches the page.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";

import { createRenderer, escapeHtml, PURIFY_CONFIG, renderMarkdownInto } from "../../static/chat/markdown.js";

const require = createRequire(import.meta.url);
const marked = require("../../static/vendor/marked/marked.umd.js");
const DOMPurify = require("../../static/vendor/dompurify/purify.min.js");

// Stands in for DOMPurify: records what it was asked to clean and returns it marked.
function recordingPurify() {
  const calls = [];
  const hooks = [];
  return {
    calls,
    hooks,
    sanitize(html, config) {
      calls.push({ html, config });
      return "<!--clean-->" + html;
    },
    addHook: (name, fn) => hooks.push({ name, fn }),
  };
}

const target = () => ({ innerHTML: "", textContent: "" });

test("markdown goes through the sanitiser, with the page's configuration", () => {
  const purify = recordingPurify();
  const into = target();
  createRenderer(marked, purify)(into, "**bold** [shoe](/products/1/)");
  assert.equal(purify.calls.length, 1);
  assert.equal(purify.calls[0].config, PURIFY_CONFIG);
  assert.match(into.innerHTML, /^<!--clean--><p><strong>bold<\/strong> <a href="\/products\/1\/">shoe<\/a><\/p>/);
});

test("raw HTML written by the model is escaped before sanitising", () => {
  const purify = recordingPurify();
  createRenderer(marked, purify)(target(), '<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">');
  const html = purify.calls[0].html;
  assert.doesNotMatch(html, /<script|<img/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /&lt;img src=x onerror=&quot;alert\(2\)&quot;&gt;/);
});

test("images become plain links; the label is escaped", () => {
  const purify = recordingPurify();
  createRenderer(marked, purify)(target(), '![a "shoe" <b>](https://cdn.example/x.png)');
  const html = purify.calls[0].html;
  assert.doesNotMatch(html, /<img/);
  assert.match(html, /<a href="https:\/\/cdn.example\/x.png">a &quot;shoe&quot; &lt;b&gt;<\/a>/);
});

test("links open in a new tab without referrer or opener", () => {
  const purify = recordingPurify();
  createRenderer(marked, purify);
  assert.deepEqual(purify.hooks.map((h) => h.name), ["afterSanitizeAttributes"]);
  const attrs = {};
  const link = { tagName: "A", hasAttribute: (n) => n === "href", setAttribute: (n, v) => (attrs[n] = v) };
  purify.hooks[0].fn(link);
  assert.deepEqual(attrs, { target: "_blank", rel: "noopener noreferrer nofollow" });
});

test("without a working sanitiser, text stays text", () => {
  const text = "<b>hi</b> **there**";
  for (const [M, P] of [[marked, null], [null, recordingPurify()], [marked, DOMPurify], [marked, { ...recordingPurify(), isSupported: false }]]) {
    const into = target();
    createRenderer(M, P)(into, text);
    assert.equal(into.innerHTML, "");
    assert.equal(into.textContent, text);
  }
  assert.equal(DOMPurify.isSupported, false, "Node has no DOM: the vendored DOMPurify refuses");
  // The module's own renderer, with no globals in Node, is the same fallback.
  const into = target();
  renderMarkdownInto(into, text);
  assert.equal(into.innerHTML, "");
  assert.equal(into.textContent, text);
});

test("a parser failure falls back to text", () => {
  const broken = { parse: () => { throw new Error("boom"); } };
  const into = target();
  createRenderer(broken, recordingPurify())(into, "**x**");
  assert.equal(into.textContent, "**x**");
  assert.equal(into.innerHTML, "");
});

test("escapeHtml escapes the five characters", () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  assert.equal(escapeHtml(null), "");
});
