// Rating answers (thumbs, the reasons of a thumbs down, every tab's feedback frames) and
// searching the conversation list.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { connected, msg, store } from "./helpers.mjs";

const DOWN = { rating: "down", reasons: ["not helpful"], comment: "" };
const answered = (feedback = null) => connected([msg("q", "user", "Shoes?"), msg("a", "assistant", "We have three.", { feedback })]);
const feedbackFrame = (id, feedback) => ({ type: "feedback", message_id: id, feedback });
const entry = (state, id = "a") => store.findEntry(state, id);

describe("feedback in the history and in feedback frames", () => {
  test("an answer's stored feedback shows as its pressed thumb", () => {
    const state = answered({ rating: "up", reasons: [], comment: "" });
    assert.equal(store.ratingOf(entry(state)), "up");
    assert.equal(store.ratingOf(entry(state, "q")), "");
    assert.equal(store.ratingOf(entry(answered())), "");
  });

  test("a feedback frame from any tab changes the answer and redraws it", () => {
    const state = answered();
    const rev = entry(state).rev;
    store.handleFrame(state, feedbackFrame("a", DOWN));
    assert.deepEqual(entry(state).msg.feedback, DOWN);
    assert.ok(entry(state).rev > rev);
    store.handleFrame(state, feedbackFrame("a", null));
    assert.equal(store.ratingOf(entry(state)), "");
  });

  test("a frame with a rating that is not up or down means no feedback", () => {
    const state = answered();
    store.handleFrame(state, feedbackFrame("a", { rating: "meh", reasons: [], comment: "" }));
    assert.equal(entry(state).msg.feedback, null);
  });

  test("only final answers with text and a stored id can be rated", () => {
    const state = connected([
      msg("q", "user", "Shoes?"),
      msg("t", "assistant", "", { tool_calls: [{ id: "c", name: "search_products", args: {} }] }),
      msg("a", "assistant", "Here", { status: "streaming" }),
    ]);
    assert.equal(store.rateable(entry(state, "q")), false);
    assert.equal(store.rateable(entry(state, "t")), false);
    assert.equal(store.rateable(entry(state, "a")), false);
    store.handleFrame(state, { type: "done", message: msg("a", "assistant", "Here they are") });
    assert.equal(store.rateable(entry(state, "a")), true);
  });
});

describe("the thumbs", () => {
  test("a thumb sends its rating; the pressed one again removes it", () => {
    const state = answered();
    assert.deepEqual(store.thumbFrame(state, "a", "up"),
      { type: "feedback", message_id: "a", rating: "up", reasons: [], comment: "" });
    store.handleFrame(state, feedbackFrame("a", { rating: "up", reasons: [], comment: "" }));
    assert.equal(store.thumbFrame(state, "a", "up").rating, null);
    assert.equal(store.thumbFrame(state, "a", "down").rating, "down");
  });

  test("no frame for a question, an unknown id, another rating word, or while one is unconfirmed", () => {
    const state = answered();
    assert.equal(store.thumbFrame(state, "q", "up"), null);
    assert.equal(store.thumbFrame(state, "nope", "up"), null);
    assert.equal(store.thumbFrame(state, "a", "meh"), null);
    store.thumbSent(state, store.thumbFrame(state, "a", "up"));
    assert.equal(store.thumbFrame(state, "a", "down"), null);
    store.handleFrame(state, feedbackFrame("a", { rating: "up", reasons: [], comment: "" }));
    assert.equal(state.feedbackSent, null);
    assert.ok(store.thumbFrame(state, "a", "down"));
  });
});

describe("the reasons form", () => {
  function downSent() {
    const state = answered();
    store.thumbSent(state, store.thumbFrame(state, "a", "down"));
    store.handleFrame(state, feedbackFrame("a", { rating: "down", reasons: [], comment: "" }));
    return state;
  }

  test("a thumbs down opens it under that answer, empty", () => {
    const state = downSent();
    assert.deepEqual(store.feedbackFormOf(state, "a"), { messageId: "a", reasons: [], comment: "", status: "open" });
    assert.equal(store.feedbackFormOf(state, "q"), null);
    assert.equal(store.formFrame(state), null, "nothing chosen yet: nothing to send");
  });

  test("the reasons and the comment go out as a new thumbs down, then it thanks", () => {
    const state = downSent();
    store.formReason(state, "not helpful", true);
    store.formReason(state, "other", true);
    store.formReason(state, "other", false);
    store.formComment(state, "  wrong size  ");
    const frame = store.formFrame(state);
    assert.deepEqual(frame, { type: "feedback", message_id: "a", rating: "down", reasons: ["not helpful"], comment: "wrong size" });
    store.formSent(state);
    assert.equal(store.feedbackFormOf(state, "a").status, "sending");
    assert.equal(store.formFrame(state), null, "not twice");
    store.formReason(state, "other", true);
    assert.deepEqual(store.feedbackFormOf(state, "a").reasons, ["not helpful"], "fixed while sending");
    store.handleFrame(state, feedbackFrame("a", { rating: "down", reasons: ["not helpful"], comment: "wrong size" }));
    assert.equal(store.feedbackFormOf(state, "a").status, "sent");
  });

  test("the comment is cut at 1000 characters", () => {
    const state = downSent();
    store.formComment(state, "é".repeat(1200));
    assert.equal(Array.from(store.feedbackFormOf(state, "a").comment).length, store.COMMENT_MAX_CHARS);
  });

  test("it closes on a thumbs up or a removed rating, here or in another tab", () => {
    const here = downSent();
    store.thumbSent(here, store.thumbFrame(here, "a", "down"));
    assert.equal(here.feedbackForm, null, "the pressed thumb again");

    const other = downSent();
    store.handleFrame(other, feedbackFrame("a", { rating: "up", reasons: [], comment: "" }));
    assert.equal(other.feedbackForm, null);

    const closed = downSent();
    store.formClosed(closed);
    assert.equal(closed.feedbackForm, null);
  });

  test("a reconnect keeps a form being filled in, for an answer still there", () => {
    const state = downSent();
    store.formReason(state, "too slow", true);
    store.handleFrame(state, { type: "history", conversation: { id: state.conversationId }, messages: [msg("a", "assistant", "We have three.", { feedback: DOWN })] });
    assert.deepEqual(store.feedbackFormOf(state, "a").reasons, ["too slow"]);
    store.handleFrame(state, { type: "history", conversation: { id: state.conversationId }, messages: [] });
    assert.equal(state.feedbackForm, null);
  });
});

describe("feedback the server refused", () => {
  test("invalid_feedback says why, the form can be sent again, the thumbs work again", () => {
    const state = answered();
    store.thumbSent(state, store.thumbFrame(state, "a", "down"));
    store.handleFrame(state, feedbackFrame("a", { rating: "down", reasons: [], comment: "" }));
    store.formReason(state, "not helpful", true);
    store.formSent(state);
    store.handleFrame(state, { type: "error", code: "invalid_feedback", detail: "Unknown reason 'x'.", client_message_id: null });
    assert.equal(state.alert, "Your feedback could not be saved: Unknown reason 'x'.");
    assert.equal(state.feedbackSent, null);
    assert.equal(store.feedbackFormOf(state, "a").status, "open");
    assert.ok(store.formFrame(state));
  });

  test("not_found says the answer is gone; a not_found with no rating sent is left alone", () => {
    const state = answered();
    store.thumbSent(state, store.thumbFrame(state, "a", "up"));
    store.handleFrame(state, { type: "error", code: "not_found", detail: "No such message.", client_message_id: null });
    assert.match(state.alert, /no longer in your conversations/);
    assert.equal(store.ratingOf(entry(state)), "", "nothing was stored");

    const idle = answered();
    store.handleFrame(idle, { type: "error", code: "not_found", detail: "No such action.", client_message_id: null });
    assert.equal(idle.alert, "No such action.");
  });
});

describe("copying an answer", () => {
  test("Copied shows on that answer until it is over", () => {
    const state = answered();
    store.copyShown(state, "a");
    assert.equal(state.copied, "a");
    store.copyOver(state, "other");
    assert.equal(state.copied, "a");
    store.copyOver(state, "a");
    assert.equal(state.copied, null);
  });
});

describe("searching the conversation list", () => {
  const list = [{ id: "c1", title: "Running shoes" }, { id: "c2", title: "Coffee grinders" }];
  function listed() {
    const state = store.createState(null);
    store.setConversations(state, list);
    return state;
  }
  const ids = (state) => store.listedConversations(state).map((c) => c.id);

  test("words ask the server; its matches are listed, best first", () => {
    const state = listed();
    assert.deepEqual(ids(state), ["c1", "c2"]);
    assert.equal(store.searchTyped(state, "  coffee   grinder "), "coffee grinder");
    assert.equal(store.listNote(state), "Searching…");
    store.searchFinished(state, "coffee grinder", [{ id: "c2", title: "Coffee grinders" }]);
    assert.deepEqual(ids(state), ["c2"]);
    assert.equal(store.listNote(state), "");
    assert.equal(store.searchTyped(state, "coffee grinder"), null, "the same words: no new request");
  });

  test("no match says so; an emptied box lists every conversation again", () => {
    const state = listed();
    store.searchFinished(state, store.searchTyped(state, "kayak"), []);
    assert.deepEqual(ids(state), []);
    assert.equal(store.listNote(state), "No conversations match.");
    assert.equal(store.searchTyped(state, "   "), null);
    assert.deepEqual(ids(state), ["c1", "c2"]);
    assert.equal(store.listNote(state), "");
  });

  test("an answer for words no longer in the box is dropped", () => {
    const state = listed();
    store.searchTyped(state, "run");
    store.searchTyped(state, "coffee");
    store.searchFinished(state, "run", [{ id: "c1", title: "Running shoes" }]);
    assert.equal(state.search.status, "searching");
    store.searchTyped(state, "");
    store.searchFinished(state, "coffee", [{ id: "c2", title: "Coffee grinders" }]);
    assert.deepEqual(ids(state), ["c1", "c2"]);
  });

  test("a failed search says so; searching again and renames keep the matches right", () => {
    const state = listed();
    store.searchFailed(state, store.searchTyped(state, "shoes"));
    assert.equal(store.listNote(state), "Could not search your conversations.");
    assert.equal(store.searchAgain(state), "shoes");
    store.searchFinished(state, "shoes", [{ id: "c1", title: "Running shoes" }]);
    store.renameConversation(state, "c1", "Trail shoes");
    assert.equal(store.listedConversations(state)[0].title, "Trail shoes");
    store.removeConversation(state, "c1");
    assert.equal(store.listNote(state), "No conversations match.");
    store.searchTyped(state, "");
    assert.equal(store.searchAgain(state), null);
  });

  test("opening a conversation keeps the search", () => {
    const state = listed();
    store.searchFinished(state, store.searchTyped(state, "coffee"), [{ id: "c2", title: "Coffee grinders" }]);
    store.openConversation(state, "c2");
    assert.deepEqual(ids(state), ["c2"]);
  });
});
