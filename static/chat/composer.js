// The question box: its length counter, its growth, Enter to send, Stop, the example questions
// and the chip of the product a question is about. What is sent, and when, is the chat's
// (chat.js): the composer only reports what the customer did.

import { codePointLength, shopPath } from "./text.js";

const MAX_HEIGHT_PX = 200;

// el: {form, input, counter, send, stop, context?, suggestions?}
// on: {submit(), stop(), changed(), clearContext()}
export function createComposer(el, { maxLength, on }) {
  const counterFrom = Math.floor(maxLength * 0.8);

  function autoGrow() {
    el.input.style.height = "auto";
    el.input.style.height = Math.min(el.input.scrollHeight + 2, MAX_HEIGHT_PX) + "px";
    el.input.style.overflowY = el.input.scrollHeight + 2 > MAX_HEIGHT_PX ? "auto" : "hidden";
  }

  function length() {
    return codePointLength(el.input.value.trim());
  }

  function changed() {
    const n = length();
    const show = n >= counterFrom;
    el.counter.hidden = !show;
    el.counter.textContent = show ? n + " / " + maxLength : "";
    el.counter.classList.toggle("is-over", n > maxLength);
    el.input.setAttribute("aria-invalid", n > maxLength ? "true" : "false");
    autoGrow();
    on.changed();
  }

  // Put an unstored question back, ahead of anything typed since.
  function restore(content) {
    if (content === null || content === undefined) return;
    if (!el.input.value.trim()) el.input.value = content;
    else if (el.input.value !== content) el.input.value = content + "\n" + el.input.value;
    changed();
  }

  function take() {
    const text = el.input.value.trim();
    if (text) {
      el.input.value = "";
      changed();
    }
    return text;
  }

  // The product chip above the box: {product_id, name, url} or null.
  let shownContext;
  function renderContext(ctx) {
    if (!el.context || ctx === shownContext) return;
    shownContext = ctx;
    el.context.hidden = !ctx;
    const label = el.context.querySelector(".context-chip__name");
    if (!ctx || !label) return;
    label.textContent = ctx.name || "this product";
    const href = shopPath(ctx.url);
    if (href) label.setAttribute("href", href);
    else label.removeAttribute("href");
  }

  el.form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    on.submit();
  });
  el.input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      if (!el.send.disabled) on.submit();
    }
  });
  el.input.addEventListener("input", changed);
  el.stop.addEventListener("click", () => on.stop());
  if (el.context) {
    el.context.querySelector(".context-chip__remove").addEventListener("click", () => {
      on.clearContext();
      el.input.focus();
    });
  }
  if (el.suggestions) {
    for (const b of el.suggestions.querySelectorAll(".suggestion-btn")) {
      b.addEventListener("click", () => {
        el.input.value = b.textContent.trim();
        changed();
        el.input.focus();
      });
    }
  }

  return {
    changed,
    restore,
    take,
    renderContext,
    tooLong: () => length() > maxLength,
    length,
    focus: () => el.input.focus(),
  };
}
