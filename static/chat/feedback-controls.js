// The bar under an answer, and what it does: Copy, thumbs up and down, and the form of a thumbs
// down's reasons. feedback.js draws and hears the bar (listenAnswerBars); actions.js holds the
// state's changes and the frames; wireFeedbackControls joins them to the chat's socket.

import * as actions from "./actions.js";
import { copyText, focusForm, focusThumb, listenAnswerBars } from "./feedback.js";

const COPIED_MS = 2000;
const NOT_SENT = "Not connected: your feedback was not sent. Try again in a moment.";

// chat: { state, send(frame) -> bool, update(), announce(text), answerText(id) }.
export function wireFeedbackControls(log, chat) {
  const { state, update, announce } = chat;

  listenAnswerBars(log, {
    async copy(id) {
      if (await copyText(chat.answerText(id))) {
        actions.copyShown(state, id);
        announce("Copied the answer.");
        setTimeout(() => {
          actions.copyOver(state, id);
          update();
        }, COPIED_MS);
      } else {
        state.alert = "Could not copy the answer: your browser did not allow it.";
      }
      update();
    },
    rate(id, rating) {
      const frame = actions.thumbFrame(state, id, rating);
      if (!frame) return;
      if (!chat.send(frame)) {
        state.alert = NOT_SENT;
        update();
        return;
      }
      actions.thumbSent(state, frame);
      update();
      if (frame.rating === "down") focusForm(log, id);
      announce(frame.rating === null ? "Rating removed." : frame.rating === "up" ? "Rated as a good answer." : "Rated as a bad answer.");
    },
    reason(reason, checked) {
      actions.formReason(state, reason, checked);
      update();
    },
    comment(text) {
      actions.formComment(state, text);
      update();
    },
    send() {
      const frame = actions.formFrame(state);
      if (!frame) return;
      if (chat.send(frame)) actions.formSent(state);
      else state.alert = NOT_SENT;
      update();
    },
    close(id) {
      actions.formClosed(state);
      update();
      focusThumb(log, id, "down");
    },
  });
}
