// The chat page's store: what each server frame and each page action does to the state.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { connected, CONV, history, msg, store } from "./helpers.mjs";

const texts = (state) => state.log.map((e) => e.msg.content);
const chunk = (id, offset, delta) => ({ type: "chunk", message_id: id, offset, delta });

describe("history", () => {
  test("fills the log, opens the link and reports the connection", () => {
    const state = store.createState(CONV);
    assert.equal(store.chatState(state), "connecting");
    assert.equal(store.titleText(state), "Loading…");

    const effects = store.handleFrame(state, history([msg("q", "user", "Hi"), msg("a", "assistant", "Hello")]));

    assert.deepEqual(effects, [{ type: "connected" }]);
    assert.deepEqual(texts(state), ["Hi", "Hello"]);
    assert.ok(state.log.every((e) => e.final));
    assert.equal(state.phase, "idle");
    assert.equal(store.chatState(state), "idle");
    assert.deepEqual(store.connectionStatus(state), { kind: "open", text: "Connected" });
    assert.equal(store.titleText(state), "Shoes");
  });

  test("an answer still being written, or the server's running flag, means streaming", () => {
    const writing = connected([msg("q", "user", "Hi"), msg("a", "assistant", "Hel", { status: "streaming" })]);
    assert.equal(writing.phase, "streaming");
    assert.equal(writing.log[1].final, false);
    assert.equal(store.chatState(writing), "running");

    const thinking = connected([msg("q", "user", "Hi")], { running: true });
    assert.equal(thinking.phase, "streaming");
    assert.ok(store.showTyping(thinking));
  });

  test("a history of another conversation is ignored", () => {
    const state = store.createState(CONV);
    const effects = store.handleFrame(state, { ...history([msg("q", "user", "x")]), conversation: { id: "other" } });
    assert.deepEqual(effects, []);
    assert.equal(state.log.length, 0);
    assert.equal(state.link, "none");
  });

  test("replaces the log and resets a stop in progress", () => {
    const state = connected([msg("a", "assistant", "Hel", { status: "streaming" })]);
    store.stopSent(state);
    store.handleFrame(state, history([msg("a", "assistant", "Hello", { status: "stopped" })]));
    assert.deepEqual(texts(state), ["Hello"]);
    assert.equal(state.phase, "idle");
  });
});

describe("chunk", () => {
  test("an unknown message starts at offset 0 and grows", () => {
    const state = connected([msg("q", "user", "Hi")]);
    store.handleFrame(state, chunk("a", 0, "Hel"));
    const rev = store.findEntry(state, "a").rev;
    store.handleFrame(state, chunk("a", 3, "lo"));
    const entry = store.findEntry(state, "a");
    assert.ok(entry.rev > rev, "a grown message is redrawn");
    assert.equal(entry.cpLen, 5);
    assert.equal(entry.msg.content, "Hello");
    assert.equal(entry.msg.role, "assistant");
    assert.equal(entry.msg.status, "streaming");
    assert.equal(state.phase, "streaming");
    assert.equal(store.showTyping(state), false);
  });

  test("offsets count code points, not UTF-16 units", () => {
    const state = connected();
    store.handleFrame(state, chunk("a", 0, "👟 ok"));
    assert.equal(store.findEntry(state, "a").cpLen, 4);
    assert.deepEqual(store.handleFrame(state, chunk("a", 4, "!")), []);
    assert.equal(store.findEntry(state, "a").msg.content, "👟 ok!");
  });

  test("an overlap that repeats held text changes nothing", () => {
    const state = connected();
    store.handleFrame(state, chunk("a", 0, "Hello world"));
    store.handleFrame(state, chunk("a", 6, "wor"));
    assert.equal(store.findEntry(state, "a").msg.content, "Hello world");
    assert.equal(store.findEntry(state, "a").cpLen, 11);
  });

  test("an overlap that differs replaces the text from its offset", () => {
    const state = connected();
    store.handleFrame(state, chunk("a", 0, "Hello world"));
    store.handleFrame(state, chunk("a", 6, "Bob"));
    assert.equal(store.findEntry(state, "a").msg.content, "Hello Bob");
    assert.equal(store.findEntry(state, "a").cpLen, 9);
  });

  test("a gap asks for a resync and keeps the text", () => {
    const state = connected();
    store.handleFrame(state, chunk("a", 0, "Hel"));
    const rev = store.findEntry(state, "a").rev;
    assert.deepEqual(store.handleFrame(state, chunk("a", 5, "xx")), [{ type: "resync" }]);
    assert.equal(store.findEntry(state, "a").msg.content, "Hel");
    assert.equal(store.findEntry(state, "a").rev, rev);
  });

  test("a chunk after done is ignored", () => {
    const state = connected();
    store.handleFrame(state, chunk("a", 0, "Hel"));
    store.handleFrame(state, { type: "done", message: msg("a", "assistant", "Hello.") });
    store.handleFrame(state, chunk("a", 6, " more"));
    assert.equal(store.findEntry(state, "a").msg.content, "Hello.");
  });

  test("a chunk without message_id is ignored", () => {
    const state = connected();
    assert.deepEqual(store.handleFrame(state, { type: "chunk", offset: 0, delta: "x" }), []);
    assert.equal(state.log.length, 0);
  });
});

describe("done", () => {
  test("replaces the text and status, in place", () => {
    const state = connected([msg("q", "user", "Hi")]);
    store.handleFrame(state, chunk("a", 0, "Hel"));
    const entry = store.findEntry(state, "a");
    store.handleFrame(state, { type: "done", message: msg("a", "assistant", "Hello!", { status: "error" }) });
    assert.equal(store.findEntry(state, "a"), entry);
    assert.equal(entry.msg.content, "Hello!");
    assert.equal(entry.msg.status, "error");
    assert.equal(entry.final, true);
    assert.equal(store.hasStreaming(state), false);
  });
});

describe("info", () => {
  const info = (id, status, extra = {}) => ({ type: "info", message_id: id, tool: "search_products", status, content: "", ...extra });

  test("a finished tool updates the line it started", () => {
    const state = connected([msg("q", "user", "Shoes?")]);
    store.handleFrame(state, chunk("a", 0, ""));
    store.handleFrame(state, info("a", "started", { content: "Searching products…" }));
    const rev = store.findEntry(state, "a").rev;
    store.handleFrame(state, info("a", "finished", { content: "Found 3" }));
    assert.ok(store.findEntry(state, "a").rev > rev, "its message is redrawn with the line");
    assert.deepEqual(state.toolLines.get("a"), [{ tool: "search_products", status: "finished", content: "Found 3" }]);
    store.handleFrame(state, info("a", "failed"));
    assert.equal(state.toolLines.get("a").length, 2, "a failure without a started line is a line of its own");
    assert.equal(state.phase, "streaming");
  });

  test("an unknown message id goes to the turn's latest assistant message, and stays there", () => {
    const state = connected([msg("q", "user", "Shoes?")]);
    store.handleFrame(state, chunk("a", 0, "Let me look"));
    store.handleFrame(state, info("unknown", "started"));
    store.handleFrame(state, chunk("a2", 0, "x")); // a later assistant message
    store.handleFrame(state, info("unknown", "finished"));
    assert.deepEqual(state.toolLines.get("a").map((l) => l.status), ["finished"]);
    assert.equal(state.toolLines.has("a2"), false);
  });

  test("with no assistant message in the turn, it starts an empty answer bubble", () => {
    const state = connected([msg("a0", "assistant", "Earlier answer"), msg("q", "user", "Shoes?")]);
    store.handleFrame(state, info("", "started"));
    const bubble = state.log[state.log.length - 1];
    assert.equal(bubble.msg.role, "assistant");
    assert.equal(bubble.msg.status, "streaming");
    assert.match(bubble.msg.id, /^local-/);
    assert.equal(state.toolLines.get(bubble.msg.id).length, 1);
    assert.equal(state.toolLines.has("a0"), false);

    store.handleFrame(state, info("named", "started"));
    assert.equal(store.findEntry(state, "named"), null, "the bubble of this turn takes it");
  });

  test("a tool result goes above the still-empty answer it feeds", () => {
    const state = connected([msg("q", "user", "Shoes?")]);
    store.handleFrame(state, chunk("a", 0, ""));
    store.handleFrame(state, { type: "message", message: msg("t", "tool", "[]", { tool_name: "search_products" }) });
    assert.deepEqual(state.log.map((e) => e.msg.id), ["q", "t", "a"]);

    store.handleFrame(state, chunk("a", 0, "Here"));
    store.handleFrame(state, { type: "message", message: msg("t2", "tool", "[]") });
    assert.deepEqual(state.log.map((e) => e.msg.id), ["q", "t", "a", "t2"]);
  });
});

describe("turn_ended", () => {
  for (const status of ["complete", "stopped", "error", "blocked"]) {
    test(`${status}: ends every streaming message with that status`, () => {
      const state = connected([msg("q", "user", "Hi")]);
      store.handleFrame(state, chunk("a", 0, "Hel"));
      const rev = store.findEntry(state, "a").rev;
      const effects = store.handleFrame(state, { type: "turn_ended", status });
      assert.ok(store.findEntry(state, "a").rev > rev, "the ended message is redrawn");
      assert.deepEqual(effects, [{ type: "turn_ended", status }]);
      assert.equal(store.findEntry(state, "a").msg.status, status);
      assert.equal(store.findEntry(state, "a").final, true);
      assert.equal(store.findEntry(state, "q").msg.status, "complete");
      assert.equal(state.phase, "idle");
      assert.equal(store.chatState(state), "idle");
    });
  }

  test("a question still waiting keeps the page sending", () => {
    const state = connected([msg("q", "user", "Hi")], { running: true });
    store.ask(state, "Next?", "c2");
    store.handleFrame(state, { type: "turn_ended", status: "complete" });
    assert.equal(state.phase, "sending");
  });
});

describe("asking", () => {
  test("a question is shown at once, then confirmed in place by its message", () => {
    const state = connected([msg("q0", "user", "Hi"), msg("a0", "assistant", "Hello")]);
    store.ask(state, "Shoes?", "c1");
    assert.equal(state.phase, "sending");
    const shown = state.log[2];
    assert.equal(shown.msg.status, "sending");
    assert.equal(store.chatState(state), "running");
    assert.deepEqual(store.questionFrame(state), { type: "user_message", content: "Shoes?", client_message_id: "c1" });

    store.handleFrame(state, { type: "message", message: msg("q1", "user", "Shoes?", { client_message_id: "c1" }) });
    assert.equal(state.pending, null);
    assert.equal(state.log[2], shown, "the shown question becomes the stored one");
    assert.equal(shown.msg.id, "q1");
    assert.equal(shown.msg.status, "complete");
    assert.equal(state.log.length, 3);
    assert.equal(state.phase, "streaming");
  });

  test("without a conversation, the page first creates one", () => {
    const state = store.createState(null);
    assert.equal(store.titleText(state), "New chat");
    assert.equal(store.chatState(state), "idle");
    store.ask(state, "Shoes?", "c1");
    assert.equal(state.phase, "creating");
    assert.equal(store.chatState(state), "running", "no socket is expected yet");
    store.conversationCreated(state, CONV, "Shoes?");
    assert.equal(state.phase, "sending");
    assert.equal(store.chatState(state), "connecting");
    assert.deepEqual(state.conversations.map((c) => c.id), [CONV]);
    assert.equal(store.titleText(state), "Shoes?");
  });

  test("a question from another tab starts a turn here", () => {
    const state = connected();
    store.handleFrame(state, { type: "message", message: msg("q", "user", "From the other tab", { client_message_id: "theirs" }) });
    assert.equal(state.phase, "streaming");
  });
});

describe("reconnecting", () => {
  test("an unconfirmed question is resent with the same id after the history", () => {
    const state = connected([msg("q0", "user", "Hi"), msg("a0", "assistant", "Hello")]);
    store.ask(state, "Shoes?", "c1");
    store.questionSent(state);
    state.link = "waiting"; // the socket dropped before the question was stored
    assert.equal(store.chatState(state), "connecting");
    assert.deepEqual(store.connectionStatus(state), { kind: "reconnecting", text: "Reconnecting…" });

    const effects = store.handleFrame(state, history([msg("q0", "user", "Hi"), msg("a0", "assistant", "Hello")]));
    assert.deepEqual(effects, [{ type: "connected" }, { type: "send_question" }]);
    assert.equal(state.phase, "sending");
    assert.deepEqual(texts(state), ["Hi", "Hello", "Shoes?"], "the question is shown last");
    assert.equal(store.questionFrame(state).client_message_id, "c1");
  });

  test("a question the history already holds is not resent", () => {
    const state = connected([msg("q0", "user", "Hi")]);
    store.ask(state, "Shoes?", "c1");
    store.questionSent(state);
    state.link = "waiting";
    const effects = store.handleFrame(state, history([msg("q0", "user", "Hi"), msg("q1", "user", "Shoes?", { client_message_id: "c1" })]));
    assert.deepEqual(effects, [{ type: "connected" }]);
    assert.equal(state.pending, null);
    assert.deepEqual(texts(state), ["Hi", "Shoes?"]);
    assert.equal(state.phase, "streaming", "nothing has answered it yet");
  });

  test("a question the history holds with its answer leaves the page idle", () => {
    const state = connected();
    store.ask(state, "Shoes?", "c1");
    store.questionSent(state);
    store.handleFrame(state, history([msg("q1", "user", "Shoes?", { client_message_id: "c1" }), msg("a1", "assistant", "Yes")]));
    assert.equal(state.phase, "idle");
  });

  test("the status says connecting until the first history, reconnecting after", () => {
    const state = store.createState(CONV);
    state.link = "connecting";
    assert.deepEqual(store.connectionStatus(state), { kind: "connecting", text: "Connecting…" });
    state.link = "probing";
    assert.deepEqual(store.connectionStatus(state), { kind: "reconnecting", text: "Connecting…" });
    store.handleFrame(state, history([]));
    state.link = "connecting";
    assert.deepEqual(store.connectionStatus(state), { kind: "reconnecting", text: "Reconnecting…" });
  });
});

describe("errors", () => {
  for (const code of ["busy", "rate_limited", "budget_exceeded", "too_long", "invalid_message", "unavailable", "not_found"]) {
    test(`${code} for our question gives its text back`, () => {
      const state = connected([msg("q0", "user", "Hi")]);
      store.ask(state, "Shoes?", "c1");
      store.questionSent(state);
      const effects = store.handleFrame(state, { type: "error", code, detail: "Not now.", client_message_id: "c1" });
      assert.deepEqual(effects, [{ type: "restore", content: "Shoes?" }]);
      assert.equal(state.pending, null);
      assert.deepEqual(texts(state), ["Hi"]);
      assert.equal(state.alert, "Not now.");
      assert.equal(state.phase, "idle");
    });
  }

  test("busy while another tab's answer streams leaves the page on that answer", () => {
    const state = connected([msg("q0", "user", "Hi")]);
    store.ask(state, "Shoes?", "c1");
    store.questionSent(state);
    store.handleFrame(state, { type: "message", message: msg("q2", "user", "Theirs", { client_message_id: "theirs" }) });
    store.handleFrame(state, chunk("a2", 0, "Their answer"));
    assert.equal(state.phase, "sending");
    store.handleFrame(state, { type: "error", code: "busy", detail: "Still answering.", client_message_id: "c1" });
    assert.equal(state.phase, "streaming");
    assert.deepEqual(texts(state), ["Hi", "Theirs", "Their answer"]);
  });

  test("an error about another question, or a model failure, keeps the question", () => {
    const state = connected();
    store.ask(state, "Shoes?", "c1");
    assert.deepEqual(store.handleFrame(state, { type: "error", code: "busy", detail: "x", client_message_id: "c0" }), []);
    assert.deepEqual(store.handleFrame(state, { type: "error", code: "llm_error", detail: "x", client_message_id: "c1" }), []);
    assert.equal(state.pending.cmid, "c1");
    assert.equal(state.phase, "sending");
  });

  test("an error without detail still says something", () => {
    const state = connected();
    store.handleFrame(state, { type: "error", code: "invalid_json" });
    assert.equal(state.alert, "Something went wrong (invalid_json).");
  });
});

describe("stopping", () => {
  test("lasts until the turn ends, through the answer's last frames", () => {
    const state = connected([msg("q", "user", "Hi")]);
    store.handleFrame(state, chunk("a", 0, "Hel"));
    store.stopSent(state);
    store.handleFrame(state, chunk("a", 3, "lo"));
    store.handleFrame(state, { type: "done", message: msg("a", "assistant", "Hello", { status: "stopped" }) });
    assert.equal(state.phase, "stopping");
    assert.ok(store.turnActive(state));
    store.handleFrame(state, { type: "turn_ended", status: "stopped" });
    assert.equal(state.phase, "idle");
  });

  test("a question taken back while an answer still streams leaves the stop in progress", () => {
    const state = connected([msg("q", "user", "Hi")], { running: true });
    store.handleFrame(state, chunk("a", 0, "Hel"));
    store.ask(state, "Next?", "c2");
    store.stopSent(state);
    assert.equal(store.takeBack(state), "Next?");
    assert.equal(state.phase, "stopping");
  });
});

describe("closed for good", () => {
  test("not found: fatal, the question back in the box, no reconnects", () => {
    const state = connected();
    store.ask(state, "Shoes?", "c1");
    assert.deepEqual(store.closedFor(state, 4404), [{ type: "restore", content: "Shoes?" }]);
    assert.equal(state.phase, "fatal");
    assert.equal(store.chatState(state), "closed");
    assert.equal(store.turnActive(state), false);
    assert.equal(store.titleText(state), "Conversation not found");
    assert.deepEqual(store.connectionStatus(state), { kind: "closed", text: "Not found" });
    assert.match(state.alert, /not found/);
    assert.equal(store.isEmpty(state), false);
  });

  test("signed out: unavailable", () => {
    const state = connected();
    assert.deepEqual(store.closedFor(state, 4401), []);
    assert.equal(store.titleText(state), "Conversation unavailable");
    assert.deepEqual(store.connectionStatus(state), { kind: "closed", text: "Not allowed" });
    assert.equal(state.alert, "Please sign in to continue this conversation.");
  });

  test("opening another conversation starts afresh", () => {
    const state = connected([msg("q", "user", "Hi")]);
    store.setConversations(state, [{ id: "other", title: "Jackets" }, { id: CONV, title: "Shoes" }]);
    store.handleFrame(state, { type: "info", message_id: "a", tool: "t", status: "started" });
    store.closedFor(state, 4404);
    store.openConversation(state, "other");
    assert.equal(state.phase, "idle");
    assert.equal(state.link, "none");
    assert.equal(state.log.length, 0);
    assert.equal(state.toolLines.size, 0);
    assert.equal(state.alert, "");
    assert.equal(store.titleText(state), "Jackets");
    assert.equal(state.conversations.length, 2);
    store.openConversation(state, null);
    assert.equal(store.titleText(state), "New chat");
    assert.ok(store.isEmpty(state));
  });
});

describe("tool calls", () => {
  test("only the server's {id, name, args} shape names a tool", () => {
    const m = msg("a", "assistant", "", {
      tool_calls: [{ id: "1", name: "search_products", args: {} }, "lookup", { tool_name: "x" }, { function: { name: "y" } }, null],
    });
    assert.deepEqual(store.toolCallNames(m), ["search_products"]);
    assert.deepEqual(store.toolCallNames(msg("a", "assistant", "", { tool_calls: { name: "z" } })), []);
  });
});

describe("conversation list", () => {
  test("a loaded list updates the title it knows better", () => {
    const state = store.createState(CONV);
    const before = state.conversations;
    store.setConversations(state, [{ id: CONV, title: "Shoes", updated_at: "2025-01-01T00:00:00Z" }]);
    assert.notEqual(state.conversations, before);
    assert.equal(store.titleText(state), "Shoes");
  });

  test("new ones go first, renames reach the title, deletes leave", () => {
    const state = connected();
    store.setConversations(state, [{ id: "b", title: "B" }, { id: CONV, title: "Shoes" }]);
    store.addConversation(state, { id: "c", title: "C" });
    store.addConversation(state, { id: "b", title: "B2" });
    assert.deepEqual(state.conversations.map((c) => c.title), ["B2", "C", "Shoes"]);
    store.renameConversation(state, CONV, "Trainers");
    assert.equal(store.titleText(state), "Trainers");
    store.removeConversation(state, "c");
    assert.deepEqual(state.conversations.map((c) => c.id), ["b", CONV]);
  });
});
