// Text helpers shared by the store (no DOM) and the rendering modules.

// The protocol counts offsets in code points; JavaScript strings count UTF-16 units.
export function codePointLength(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

export function truncate(s, n) {
  const cps = Array.from(s);
  return cps.length > n ? cps.slice(0, n - 1).join("").trimEnd() + "…" : s;
}

// One formatter for the page: building one per call is costly, and messages are redrawn often.
const TIME_FORMAT = (() => {
  try {
    return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  } catch (e) {
    return new Intl.DateTimeFormat();
  }
})();

export function formatTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (isNaN(d.getTime())) return "";
  return TIME_FORMAT.format(d);
}

export function uuid() {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === "function") {
    try {
      return c.randomUUID();
    } catch (e) {
      // randomUUID exists only in secure contexts; plain http on a LAN host is not one.
    }
  }
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => (x + 0x100).toString(16).slice(1)).join("");
  return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
}

// Prices arrive as decimal strings with a currency code (docs/protocol.md, Cart and cards).
const CURRENCY_SIGNS = { EUR: "€", USD: "$", GBP: "£" };

export function formatPrice(amount, currency) {
  const value = amount == null ? "" : String(amount);
  const code = currency == null ? "" : String(currency).toUpperCase();
  if (!value) return "";
  const sign = CURRENCY_SIGNS[code];
  if (sign) return sign + value;
  return code ? value + " " + code : value;
}

export function plural(n, one, many) {
  return n + " " + (n === 1 ? one : many);
}

// Links on cards point into the shop: a same-origin path, never a scheme or another host.
export function shopPath(url) {
  const s = url == null ? "" : String(url);
  return /^\/(?![/\\])/.test(s) ? s : null;
}
