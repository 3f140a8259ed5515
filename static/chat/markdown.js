// Model output -> HTML. This module is the page's security boundary: assistant text is
// Markdown written by a model, so it is untrusted. marked renders it, DOMPurify sanitises the
// result, and only then does it reach innerHTML; without both libraries it is shown as text.
//
// The vendored libraries are UMD builds loaded as classic scripts before the module graph;
// they publish `marked` and `DOMPurify` as globals.

export const PURIFY_CONFIG = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ["style", "img", "picture", "video", "audio", "source", "track", "iframe", "object",
    "embed", "form", "input", "button", "textarea", "select", "option", "svg", "math", "link", "meta", "base"],
  FORBID_ATTR: ["style", "srcset", "id", "name"],
};

export function escapeHtml(s) {
  return String(s == null ? "" : s)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function markdownParser(M) {
  if (M && typeof M.Marked === "function") {
    return new M.Marked({
      gfm: true,
      breaks: true,
      renderer: {
        // Raw HTML written by the model is shown as text, never interpreted.
        html: (token) => escapeHtml(token.text),
        // No remote images from model output: show them as plain links.
        image: (token) => {
          const label = token.text || token.href || "image";
          if (!token.href) return escapeHtml(label);
          return '<a href="' + escapeHtml(token.href) + '">' + escapeHtml(label) + "</a>";
        },
      },
    });
  }
  if (M && typeof M.parse === "function") {
    return { parse: (s) => M.parse(s, { gfm: true, breaks: true }) };
  }
  return null;
}

// A function (target, text) that fills target (anything with innerHTML and textContent).
export function createRenderer(M, P) {
  const md = markdownParser(M);
  const purify = P && typeof P.sanitize === "function" && P.isSupported !== false ? P : null;
  if (purify) {
    purify.addHook("afterSanitizeAttributes", (node) => {
      if (node.tagName === "A" && node.hasAttribute("href")) {
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer nofollow");
      }
    });
  }
  return function renderInto(target, text) {
    if (!md || !purify) {
      target.textContent = text || "";
      return;
    }
    let html;
    try {
      html = md.parse(text || "");
    } catch (e) {
      target.textContent = text || "";
      return;
    }
    target.innerHTML = purify.sanitize(html, PURIFY_CONFIG);
  };
}

export const renderMarkdownInto = createRenderer(globalThis.marked, globalThis.DOMPurify);
