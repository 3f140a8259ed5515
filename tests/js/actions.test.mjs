// Actions the customer approves: how `action` frames, the history's actions, decisions and the
// paused answer (turn_ended `action_required`) change the page's state.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { action, cart, connected, history, msg, store } from "./helpers.mjs";

const proposing = (extra = {}) => msg("a1", "assistant", "", { tool_calls: [{ id: "c1", name: "add_to_cart", args: {} }], ...extra });

// A conversation whose answer paused on one pending action (or those given).
function paused(actions = [action("x1")]) {
  const state = connected([msg("q", "user", "Add two of those")], { running: true });
  store.handleFrame(state, { type: "done", message: proposing() });
  for (const a of actions) store.handleFrame(state, { type: "action", action: a });
  store.handleFrame(state, { type: "turn_ended", status: "action_required" });
  return state;
}

const views = (state, id = "a1") => store.actionsOf(state, id).map(store.actionView);

describe("action frames", () => {
  test("a proposed action sits on the message that proposed it and takes a decision", () => {
    const state = connected([msg("q", "user", "Add two"), proposing()]);
    const host = store.findEntry(state, "a1");
    const rev = host.rev;
    const cardsRev = state.cardsRev;

    const effects = store.handleFrame(state, { type: "action", action: action("x1") });

    assert.deepEqual(effects.map((e) => [e.type, e.action.id, e.was]), [["action", "x1", null]]);
    assert.ok(host.rev > rev, "its message is redrawn");
    assert.ok(state.cardsRev > cardsRev);
    assert.deepEqual(views(state), [{ status: "pending", label: "Needs your approval", detail: "", decidable: true }]);
    assert.equal(store.awaitingDecision(state), true);
  });

  test("each status change replaces the action; the same status again is no news", () => {
    const state = paused();
    const done = action("x1", { status: "done", result: { cart: cart([[7, 2, "129.95"]]) } });
    store.handleFrame(state, { type: "action", action: action("x1", { status: "approved" }) });
    const effects = store.handleFrame(state, { type: "action", action: done });
    assert.deepEqual(effects.map((e) => [e.action.status, e.was]), [["done", "approved"]]);
    assert.deepEqual(store.handleFrame(state, { type: "action", action: done }), []);
    assert.deepEqual(views(state), [{ status: "done", label: "Done", detail: "Your cart: 2 items, €259.90.", decidable: false }]);
    assert.equal(state.actions.size, 1);
  });

  test("a pending action of a message the log does not hold gets a message of its own", () => {
    const state = connected([msg("q", "user", "Hi")]);
    store.handleFrame(state, { type: "action", action: action("x1", { message_id: "older" }) });
    const host = store.findEntry(state, "older");
    assert.equal(host.msg.role, "assistant");
    assert.equal(host.msg.content, "");
    assert.equal(host.final, true);
    assert.equal(store.actionsOf(state, "older").length, 1);

    store.handleFrame(state, { type: "action", action: action("x2", { message_id: "gone", status: "done" }) });
    assert.equal(store.findEntry(state, "gone"), null, "a decided one is not worth a message");
  });

  test("a frame without an action id is ignored", () => {
    const state = connected();
    assert.deepEqual(store.handleFrame(state, { type: "action", action: { status: "pending" } }), []);
    assert.deepEqual(store.handleFrame(state, { type: "action" }), []);
    assert.equal(state.actions.size, 0);
  });
});

describe("history", () => {
  test("brings the conversation's actions, pending ones decidable again", () => {
    const state = paused();
    store.decisionSent(state, "x1", "approve");
    store.handleFrame(state, history([msg("q", "user", "Add two"), proposing()], {
      actions: [action("x1"), action("x0", { status: "rejected" })],
    }));
    assert.deepEqual(views(state).map((v) => [v.status, v.decidable]), [["pending", true], ["rejected", false]]);
    assert.equal(state.phase, "idle");
  });

  test("keeps a pending action whose message is past the history's limit", () => {
    const state = connected([msg("q", "user", "Later")], { actions: [action("x1", { message_id: "early" })], truncated: true });
    assert.deepEqual(state.log.map((e) => e.msg.id), ["q", "early"]);
    assert.equal(store.awaitingDecision(state), true);
  });
});

describe("the paused answer", () => {
  test("turn_ended action_required leaves the page idle, nothing marked with that status", () => {
    const state = connected([msg("q", "user", "Add two")], { running: true });
    store.handleFrame(state, { type: "chunk", message_id: "a1", offset: 0, delta: "Sure" });
    store.handleFrame(state, { type: "action", action: action("x1") });
    const effects = store.handleFrame(state, { type: "turn_ended", status: "action_required" });
    assert.deepEqual(effects, [{ type: "turn_ended", status: "action_required" }]);
    assert.equal(state.phase, "idle");
    assert.equal(store.chatState(state), "idle");
    assert.equal(store.turnActive(state), false);
    assert.equal(store.showTyping(state), false);
    assert.equal(store.findEntry(state, "a1").msg.status, "complete");
    assert.equal(store.findEntry(state, "a1").final, true);
  });

  test("the last decision makes the page wait for the answer to go on", () => {
    const state = paused();
    const frame = store.decisionFrame(state, "x1", "approve");
    assert.deepEqual(frame, { type: "action_decision", action_id: "x1", decision: "approve" });
    store.decisionSent(state, "x1", "approve");
    assert.equal(state.phase, "deciding");
    assert.equal(store.chatState(state), "running");
    assert.equal(store.showTyping(state), true);
    assert.equal(store.stopShown(state), false, "nothing runs yet that stop could end");
    assert.deepEqual(views(state), [{ status: "deciding", label: "Approving…", detail: "", decidable: false }]);
    assert.equal(store.decisionFrame(state, "x1", "approve"), null, "a decision is sent once");

    store.handleFrame(state, { type: "action", action: action("x1", { status: "approved" }) });
    assert.equal(state.actions.get("x1").sent, null, "the server's status replaces ours");
    assert.equal(state.phase, "deciding");
    store.handleFrame(state, { type: "action", action: action("x1", { status: "done", result: { cart: cart([[7, 2, "10.00"]]) } }) });
    store.handleFrame(state, { type: "chunk", message_id: "a2", offset: 0, delta: "Added" });
    assert.equal(state.phase, "streaming");
    assert.equal(store.stopShown(state), true);
    store.handleFrame(state, { type: "done", message: msg("a2", "assistant", "Added them.") });
    store.handleFrame(state, { type: "turn_ended", status: "complete" });
    assert.equal(state.phase, "idle");
  });

  test("with another action still waiting, a decision leaves the page idle", () => {
    const state = paused([action("x1"), action("x2", { summary: "Add 1 × Trail Sock" })]);
    store.decisionSent(state, "x1", "reject");
    assert.equal(state.phase, "idle");
    assert.equal(store.awaitingDecision(state), true);
    assert.equal(views(state)[0].label, "Declining…");
    store.decisionSent(state, "x2", "approve");
    assert.equal(state.phase, "deciding");
  });

  test("a declined action says nothing changed; an expired one too", () => {
    const state = paused([action("x1"), action("x2")]);
    store.handleFrame(state, { type: "action", action: action("x1", { status: "rejected" }) });
    store.handleFrame(state, { type: "action", action: action("x2", { status: "expired" }) });
    assert.deepEqual(views(state).map((v) => v.label), ["Declined: nothing was changed", "Expired: nothing was changed"]);
    assert.equal(store.awaitingDecision(state), false);
  });

  test("no decision for an action that is not pending, unknown, or not approve/reject", () => {
    const state = paused([action("x1"), action("x2", { status: "done" })]);
    assert.equal(store.decisionFrame(state, "x2", "approve"), null);
    assert.equal(store.decisionFrame(state, "nope", "approve"), null);
    assert.equal(store.decisionFrame(state, "x1", "maybe"), null);
  });
});

describe("refused decisions", () => {
  test("action_decided: a clear message, the card decidable until its real state arrives", () => {
    const state = paused();
    store.decisionSent(state, "x1", "approve");
    store.handleFrame(state, { type: "error", code: "action_decided", detail: "Already decided.", client_message_id: null });
    assert.match(state.alert, /already decided/);
    assert.match(state.alert, /nothing was changed/);
    assert.equal(state.phase, "idle");
    assert.equal(state.actions.get("x1").sent, null);
    store.handleFrame(state, { type: "action", action: action("x1", { status: "expired" }) });
    assert.equal(views(state)[0].status, "expired");
  });

  test("not_found after a decision: the action is not this conversation's", () => {
    const state = paused();
    store.decisionSent(state, "x1", "reject");
    store.handleFrame(state, { type: "error", code: "not_found", detail: "Not found.", client_message_id: null });
    assert.match(state.alert, /not part of this conversation/);
    assert.equal(state.phase, "idle");
    assert.equal(views(state)[0].decidable, true);
  });

  test("not_found about our question still gives the question back", () => {
    const state = paused();
    store.ask(state, "Is it waterproof?", "c9");
    store.questionSent(state);
    const effects = store.handleFrame(state, { type: "error", code: "not_found", detail: "No such product.", client_message_id: "c9" });
    assert.deepEqual(effects, [{ type: "restore", content: "Is it waterproof?" }]);
    assert.equal(state.alert, "No such product.");
  });

  test("a refusal while the answer already streams leaves it streaming", () => {
    const state = paused();
    store.decisionSent(state, "x1", "approve");
    store.handleFrame(state, { type: "chunk", message_id: "a2", offset: 0, delta: "Done" });
    store.handleFrame(state, { type: "error", code: "action_decided", detail: "x" });
    assert.equal(state.phase, "streaming");
  });
});

describe("what an action's result says", () => {
  test("a cart, an order, an error, or nothing", () => {
    assert.equal(store.resultText({ cart: cart([[1, 1, "5.00"], [2, 2, "1.50"]]) }), "Your cart: 3 items, €8.00.");
    assert.equal(store.resultText({ cart: cart([[1, 1, "5.00"]]) }), "Your cart: 1 item, €5.00.");
    assert.equal(store.resultText({ order: { number: "ORD-10042", status: "cancelled" } }), "Order ORD-10042 is cancelled.");
    assert.equal(store.resultText({ error: "Only 3 left in stock." }), "Only 3 left in stock.");
    assert.equal(store.resultText(null), "");
    assert.equal(store.resultText({ something: 1 }), "");
  });

  test("a failed action shows why", () => {
    const state = paused();
    store.handleFrame(state, { type: "action", action: action("x1", { status: "failed", result: { error: "Out of stock." } }) });
    assert.deepEqual(views(state), [{ status: "failed", label: "Could not be done", detail: "Out of stock.", decidable: false }]);
  });
});

describe("turn_started", () => {
  test("another tab's decision: the paused answer goes on here too", () => {
    const state = paused();
    assert.equal(state.phase, "idle");
    store.handleFrame(state, { type: "action", action: action("x1", { status: "approved" }) });
    assert.deepEqual(store.handleFrame(state, { type: "turn_started", question_id: "q" }), []);
    assert.equal(state.phase, "streaming");
    assert.equal(store.showTyping(state), true);
  });

  test("after our own decision it is the answer starting", () => {
    const state = paused();
    store.decisionSent(state, "x1", "approve");
    store.handleFrame(state, { type: "turn_started", question_id: "q" });
    assert.equal(state.phase, "streaming");
    assert.equal(store.stopShown(state), true);
  });
});
