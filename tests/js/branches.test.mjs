// Versions of questions and answers: which switcher, Edit and Regenerate each message shows, the
// frames they send, the edit box, and the history frames and errors that answer them.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import * as branches from "../../static/chat/branches.js";
import { connected, history, msg, store } from "./helpers.mjs";

const chunk = (id, offset, delta) => ({ type: "chunk", message_id: id, offset, delta });

// q1 -> a1 (a tool round) -> t1 -> a1b (the answer's words); q2, the second of two versions of
// the second question, answered by a2, the first of three versions of its answer.
function path({ a2: a2extra = {} } = {}) {
  return [
    msg("q1", "user", "Shoes?", { parent_id: null, sibling_ids: ["q1"] }),
    msg("a1", "assistant", "", { parent_id: "q1", sibling_ids: ["a1"], tool_calls: [{ id: "c", name: "search_products", args: {} }] }),
    msg("t1", "tool", "[]", { parent_id: "a1", sibling_ids: ["t1"], tool_name: "search_products" }),
    msg("a1b", "assistant", "Three pairs.", { parent_id: "t1", sibling_ids: ["a1b"] }),
    msg("q2", "user", "Red ones?", { parent_id: "a1b", sibling_ids: ["q2old", "q2"] }),
    msg("a2", "assistant", "Two red pairs.", { parent_id: "q2", sibling_ids: ["a2", "a2b", "a2c"], ...a2extra }),
  ];
}

const controls = (state) => branches.branchControls(state);
const under = (state, key) => controls(state).get(key);

describe("which controls each message shows", () => {
  test("a question shows Edit, and its switcher when it has other versions", () => {
    const state = connected(path());
    const q1 = under(state, "q1");
    assert.equal(q1.kind, "question");
    assert.equal(q1.versions, null, "one version: no switcher");
    assert.equal(q1.locked, false);
    const q2 = under(state, "q2");
    assert.deepEqual(q2.versions, { ids: ["q2old", "q2"], at: 1, count: 2, prev: "q2old", next: null });
    assert.deepEqual(branches.versionText(q2.versions), { shown: "2 / 2", label: "Version 2 of 2" });
  });

  test("an answer's controls sit under its last message and count its first message's versions", () => {
    const state = connected(path());
    const c = controls(state);
    assert.equal(c.get("a1"), undefined, "not under the tool round");
    assert.equal(c.get("t1"), undefined);
    assert.deepEqual(c.get("a1b"), { kind: "answer", id: "a1", versions: null, locked: false, streaming: false });
    const a2 = c.get("a2");
    assert.equal(a2.id, "a2");
    assert.deepEqual(a2.versions, { ids: ["a2", "a2b", "a2c"], at: 0, count: 3, prev: null, next: "a2b" });
    assert.equal(branches.versionText(a2.versions).shown, "1 / 3");
  });

  test("a message from a server that sends no sibling_ids has no switcher", () => {
    const state = connected([msg("q", "user", "Hi"), msg("a", "assistant", "Hello")]);
    assert.equal(under(state, "q").versions, null);
    assert.equal(under(state, "a").versions, null);
  });

  test("a question not stored yet has no controls", () => {
    const state = connected(path());
    store.ask(state, "Blue ones?", "c9");
    const pending = state.log[state.log.length - 1];
    assert.equal(controls(state).get(pending.key), undefined);
  });

  test("everything is locked while an answer runs, and the running answer offers no Regenerate", () => {
    const state = connected(path({ a2: { status: "streaming" } }));
    assert.equal(state.phase, "streaming");
    for (const ctl of controls(state).values()) assert.equal(ctl.locked, true);
    assert.equal(under(state, "a2").streaming, true);
    assert.equal(branches.regenerateFrame(state, "a1", "c"), null);
    assert.equal(branches.switchFrame(state, "a2b"), null);
    assert.equal(branches.editOpened(state, "q1"), false);
    store.handleFrame(state, { type: "done", message: path()[5] });
    store.handleFrame(state, { type: "turn_ended", status: "complete" });
    assert.equal(under(state, "a2").locked, false);
  });

  test("locked while the socket is away", () => {
    const state = connected(path());
    state.link = "waiting";
    assert.equal(under(state, "q1").locked, true);
  });
});

describe("the frames the controls send", () => {
  test("Regenerate names the answer's first message, with a new client_message_id", () => {
    const state = connected(path());
    assert.deepEqual(branches.regenerateFrame(state, under(state, "a1b").id, "c1"),
      { type: "regenerate", message_id: "a1", client_message_id: "c1" });
  });

  test("an arrow names the previous or next version", () => {
    const state = connected(path());
    const v = under(state, "a2").versions;
    assert.deepEqual(branches.switchFrame(state, v.next), { type: "switch_branch", message_id: "a2b" });
    assert.equal(branches.switchFrame(state, v.prev), null, "at the first version");
  });

  test("once sent the page waits: nothing else branches, Stop is not offered", () => {
    const state = connected(path());
    branches.branchSent(state, branches.regenerateFrame(state, "a1", "c1"));
    assert.equal(state.phase, "branching");
    assert.equal(store.chatState(state), "running");
    assert.equal(store.stopShown(state), false);
    assert.equal(store.showTyping(state), true, "an answer is coming");
    assert.equal(branches.regenerateFrame(state, "a1", "c2"), null);
    assert.equal(under(state, "q1").locked, true);
  });

  test("a switch waits too, but nobody is typing", () => {
    const state = connected(path());
    branches.branchSent(state, branches.switchFrame(state, "a2b"), "next");
    assert.equal(state.phase, "branching");
    assert.equal(store.showTyping(state), false);
  });
});

describe("the edit box", () => {
  test("opens on a question with its text; Enter sends the trimmed text as an edit", () => {
    const state = connected(path());
    assert.equal(branches.editOpened(state, "q2"), true);
    assert.deepEqual(under(state, "q2").editing, { messageId: "q2", text: "Red ones?", status: "open" });
    assert.equal(under(state, "q1").editing, null);
    branches.editTyped(state, "  Blue ones?\nSize 42  ");
    const frame = branches.editFrame(state, "c1");
    assert.deepEqual(frame, { type: "edit", message_id: "q2", content: "Blue ones?\nSize 42", client_message_id: "c1" });
    branches.branchSent(state, frame);
    assert.equal(state.editing.status, "sending");
    branches.editTyped(state, "changed meanwhile");
    assert.equal(state.editing.text, "  Blue ones?\nSize 42  ", "fixed while sending");
    assert.equal(branches.editFrame(state, "c2"), null, "not twice");
  });

  test("an empty text sends nothing; a text too long says so", () => {
    const state = connected(path());
    branches.editOpened(state, "q1");
    branches.editTyped(state, "   \n ");
    assert.equal(branches.editFrame(state, "c1"), null);
    branches.editTyped(state, "é".repeat(11));
    assert.equal(branches.editTooLong(state, 10), "Your message is too long (11 of 10 characters).");
    assert.equal(branches.editTooLong(state, 11), "");
  });

  test("Escape cancels: the question keeps its text", () => {
    const state = connected(path());
    branches.editOpened(state, "q1");
    branches.editTyped(state, "Boots?");
    branches.editClosed(state);
    assert.equal(state.editing, null);
    assert.equal(under(state, "q1").editing, null);
    assert.equal(store.findEntry(state, "q1").msg.content, "Shoes?");
  });

  test("the keys: Enter sends, Shift+Enter is a new line, Escape cancels, an input method's keys are its own", () => {
    const key = (key, extra = {}) => branches.editKey({ key, shiftKey: false, isComposing: false, keyCode: 0, ...extra });
    assert.equal(key("Enter"), "send");
    assert.equal(key("Enter", { shiftKey: true }), null);
    assert.equal(key("Escape"), "cancel");
    assert.equal(key("a"), null);
    assert.equal(key("Enter", { isComposing: true }), null);
    assert.equal(key("Enter", { keyCode: 229 }), null);
  });

  test("only a question can be edited", () => {
    const state = connected(path());
    assert.equal(branches.editOpened(state, "a2"), false);
    assert.equal(branches.editOpened(state, "nope"), false);
  });
});

describe("the history that answers a request", () => {
  test("after Regenerate: the new answer streams in place of the old one, counted 2 / 2", () => {
    const state = connected([msg("q", "user", "Hi", { sibling_ids: ["q"] }), msg("a", "assistant", "Hello", { parent_id: "q", sibling_ids: ["a"] })]);
    branches.branchSent(state, branches.regenerateFrame(state, "a", "c1"));
    const effects = store.handleFrame(state, history([
      msg("q", "user", "Hi", { sibling_ids: ["q"] }),
      msg("b", "assistant", "Hel", { parent_id: "q", sibling_ids: ["a", "b"], status: "streaming" }),
    ], { running: true }));

    assert.deepEqual(effects, [{ type: "branched", kind: "regenerate", versionId: "b", arrow: "prev" }]);
    assert.equal(state.phase, "streaming");
    assert.deepEqual(state.log.map((e) => e.msg.id), ["q", "b"]);
    const b = under(state, "b");
    assert.deepEqual([b.versions.at, b.versions.count, b.locked, b.streaming], [1, 2, true, true]);

    store.handleFrame(state, chunk("b", 3, "lo again"));
    assert.equal(store.findEntry(state, "b").msg.content, "Hello again");
    store.handleFrame(state, { type: "done", message: msg("b", "assistant", "Hello again", { parent_id: "q", sibling_ids: ["a", "b"] }) });
    store.handleFrame(state, { type: "turn_ended", status: "complete" });
    assert.deepEqual(branches.switchFrame(state, under(state, "b").versions.prev), { type: "switch_branch", message_id: "a" });
  });

  test("after an edit: the box closes, the new question is version 2 / 2 and its answer streams", () => {
    const state = connected(path());
    branches.editOpened(state, "q2");
    branches.editTyped(state, "Blue ones?");
    branches.branchSent(state, branches.editFrame(state, "c1"));
    const before = path().slice(0, 4);
    const effects = store.handleFrame(state, history([
      ...before,
      msg("q3", "user", "Blue ones?", { parent_id: "a1b", sibling_ids: ["q2old", "q2", "q3"], client_message_id: "c1" }),
    ], { running: true }));

    assert.deepEqual(effects, [{ type: "branched", kind: "edit", versionId: "q3", arrow: "prev" }]);
    assert.equal(state.editing, null);
    assert.equal(state.phase, "streaming");
    assert.equal(store.showTyping(state), true);
    assert.equal(branches.versionText(under(state, "q3").versions).shown, "3 / 3");
    store.handleFrame(state, chunk("a3", 0, "One blue pair."));
    assert.deepEqual(state.log.map((e) => e.msg.id).slice(-2), ["q3", "a3"]);
  });

  test("after a switch: the arrow used is remembered for the keyboard, and it says which version", () => {
    const state = connected(path());
    branches.branchSent(state, branches.switchFrame(state, "a2b"), "next");
    const [effect] = store.handleFrame(state, history(path({ a2: { id: "a2b", content: "Three red pairs." } })));
    assert.deepEqual(effect, { type: "branched", kind: "switch_branch", versionId: "a2b", arrow: "next" });
    assert.equal(state.phase, "idle");
    assert.equal(branches.versionText(under(state, "a2b").versions).shown, "2 / 3");
    assert.equal(branches.branchedText(state, effect), "Version 2 of 3.");
  });

  test("a history naming another tab's request does not answer the one sent from here; its own does", () => {
    const state = connected(path());
    branches.branchSent(state, branches.switchFrame(state, "a2b", "mine"), "next");
    const theirs = { ...history(path({ a2: { id: "a2c", content: "None." } })), reason: "path_changed", client_message_id: "theirs" };
    assert.deepEqual(store.handleFrame(state, theirs), [], "no effect: the request is still under way");
    assert.equal(state.phase, "branching");
    assert.equal(state.branch.cmid, "mine");
    assert.equal(store.findEntry(state, "a2c").msg.content, "None.", "the log shows the other tab's path meanwhile");
    const ours = { ...history(path({ a2: { id: "a2b", content: "Three red pairs." } })), reason: "path_changed", client_message_id: "mine" };
    const [effect] = store.handleFrame(state, ours);
    assert.deepEqual(effect, { type: "branched", kind: "switch_branch", versionId: "a2b", arrow: "next" });
    assert.equal(state.phase, "idle");
    assert.equal(state.branch, null);
  });

  test("an edit being sent stays sending through another tab's change", () => {
    const state = connected(path());
    branches.editOpened(state, "q2");
    branches.editTyped(state, "Blue ones?");
    branches.branchSent(state, branches.editFrame(state, "mine"));
    store.handleFrame(state, { ...history(path()), reason: "path_changed", client_message_id: "theirs" });
    assert.equal(state.editing.status, "sending");
    assert.equal(branches.editFrame(state, "again"), null, "still not twice");
  });

  test("another tab's change replaces the log without a reconnect, and keeps what is being edited", () => {
    const state = connected(path());
    branches.editOpened(state, "q1");
    branches.editTyped(state, "Boots?");
    store.ask(state, "Anything else?", "c7");
    store.questionSent(state);
    const effects = store.handleFrame(state, history(path({ a2: { id: "a2c", content: "None." } })));
    assert.deepEqual(effects, [], "no reconnect, no scroll, and the question sent is not sent again");
    assert.equal(store.findEntry(state, "a2c").msg.content, "None.");
    assert.equal(store.findEntry(state, "a2"), null);
    assert.deepEqual(state.editing, { messageId: "q1", text: "Boots?", status: "open" });
    assert.equal(state.log[state.log.length - 1].msg.content, "Anything else?", "the question still waits, last");
    assert.equal(state.phase, "sending");
  });

  test("an edit box on a question the new path does not hold closes", () => {
    const state = connected(path());
    branches.editOpened(state, "q2");
    store.handleFrame(state, history(path().slice(0, 4)));
    assert.equal(state.editing, null);
  });

  test("a reconnect while a request waits forgets it: the history shows whether it was done", () => {
    const state = connected(path());
    branches.branchSent(state, branches.regenerateFrame(state, "a2", "c1"));
    state.link = "waiting";
    const effects = store.handleFrame(state, history(path()));
    assert.deepEqual(effects, [{ type: "connected" }]);
    assert.equal(state.branch, null);
    assert.equal(state.phase, "idle");
  });
});

describe("a request the server refuses", () => {
  for (const code of ["busy", "rate_limited", "budget_exceeded", "invalid_message", "unavailable"]) {
    test(`${code} for a Regenerate: nothing changed, the reason is shown, the controls work again`, () => {
      const state = connected(path());
      branches.branchSent(state, branches.regenerateFrame(state, "a2", "c1"));
      store.handleFrame(state, { type: "error", code, detail: "Not now.", client_message_id: "c1" });
      assert.equal(state.alert, "Not now.");
      assert.equal(state.phase, "idle");
      assert.equal(state.branch, null);
      assert.equal(under(state, "a2").locked, false);
    });
  }

  test("busy for an edit opens the box again with its text", () => {
    const state = connected(path());
    branches.editOpened(state, "q2");
    branches.editTyped(state, "Blue ones?");
    branches.branchSent(state, branches.editFrame(state, "c1"));
    store.handleFrame(state, { type: "error", code: "busy", detail: "Still answering.", client_message_id: "c1" });
    assert.deepEqual(state.editing, { messageId: "q2", text: "Blue ones?", status: "open" });
    assert.ok(branches.editFrame(state, "c2"));
  });

  test("busy for a switch (which has no client_message_id) settles it", () => {
    const state = connected(path());
    branches.branchSent(state, branches.switchFrame(state, "a2b"), "next");
    store.handleFrame(state, { type: "error", code: "busy", detail: "Still answering.", client_message_id: null });
    assert.equal(state.phase, "idle");
    assert.equal(state.alert, "Still answering.");
  });

  test("an error about something else leaves the request waiting", () => {
    const state = connected(path());
    branches.branchSent(state, branches.regenerateFrame(state, "a2", "c1"));
    store.handleFrame(state, { type: "error", code: "busy", detail: "x", client_message_id: "other" });
    store.handleFrame(state, { type: "error", code: "llm_error", detail: "y", client_message_id: null });
    assert.equal(state.phase, "branching");
  });
});

describe("versions in later frames", () => {
  test("a done that knows fewer versions than the history keeps the switcher", () => {
    const state = connected(path({ a2: { status: "streaming" } }));
    store.handleFrame(state, { type: "done", message: msg("a2", "assistant", "Two red pairs.", { parent_id: "q2", sibling_ids: ["a2"] }) });
    assert.equal(under(state, "a2").versions.count, 3);
  });
});
