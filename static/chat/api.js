// The conversations and cart JSON API (docs/protocol.md). Every failure becomes an ApiError
// whose message is safe to show.

export class ApiError extends Error {
  constructor(message, code, status) {
    super(message);
    this.code = code || "";
    this.status = status || 0;
  }
}

function csrfToken() {
  const input = document.querySelector('input[name="csrfmiddlewaretoken"]');
  if (input && input.value) return input.value;
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

export async function api(method, url, body) {
  const headers = { Accept: "application/json", "X-CSRFToken": csrfToken() };
  const opts = { method, credentials: "same-origin", headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, opts);
  } catch (e) {
    throw new ApiError("Network error: could not reach the server.", "network", 0);
  }
  if (res.status === 204) return null;
  const txt = await res.text();
  let data = null;
  if (txt) {
    try {
      data = JSON.parse(txt);
    } catch (e) {
      data = null;
    }
  }
  if (!res.ok) {
    const err = data && data.error ? data.error : {};
    throw new ApiError(err.detail || "Request failed (" + res.status + ").", err.code, res.status);
  }
  return data;
}

// The requester's conversations whose title or messages match the words, best first.
export function conversationSearch(apiBase, query) {
  return api("GET", apiBase + "?q=" + encodeURIComponent(query));
}

const CART_ITEMS_URL = "/api/cart/items/";

// The customer's own click: adds to the line already there; resolves to the Cart.
export function cartAdd(productId, quantity) {
  return api("POST", CART_ITEMS_URL, { product_id: productId, quantity });
}
