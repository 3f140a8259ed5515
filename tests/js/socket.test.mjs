// The chat page's socket: reconnects with backoff, asks the API why a handshake was refused,
// stops for good on the closes that mean "never again", and pings an open socket.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, mock, test } from "node:test";

import { createSocket } from "../../static/chat/socket.js";

// A WebSocket the test drives: it records what the page does and lets the test play server.
class FakeWebSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 3;
  static made = [];

  constructor(url) {
    this.url = url;
    this.readyState = FakeWebSocket.CONNECTING;
    this.sent = [];
    this.closedWith = null;
    FakeWebSocket.made.push(this);
  }

  send(text) {
    this.sent.push(JSON.parse(text));
  }

  // As a browser does, closing fires onclose afterwards, to whatever handler is still set.
  close(code, reason) {
    this.closedWith = { code, reason };
    this.readyState = FakeWebSocket.CLOSED;
    queueMicrotask(() => this.onclose?.({ code }));
  }

  // --- the server's side
  open() {
    this.readyState = FakeWebSocket.OPEN;
    this.onopen?.();
  }

  frame(data) {
    this.onmessage?.({ data: typeof data === "string" ? data : JSON.stringify(data) });
  }

  drop(code) {
    this.readyState = FakeWebSocket.CLOSED;
    this.onclose?.({ code });
  }
}

const latest = () => FakeWebSocket.made.at(-1);
const flush = () => new Promise((resolve) => setImmediate(resolve));

function harness({ probeStatus = 200 } = {}) {
  const seen = { frames: [], links: [], fatal: [], probes: [] };
  const socket = createSocket({
    url: (id) => `ws://shop.test/ws/chat/${id}/`,
    probe: async (id) => {
      seen.probes.push(id);
      return probeStatus;
    },
    onFrame: (frame) => seen.frames.push(frame),
    onLink: (link) => seen.links.push(link),
    onFatal: (code) => seen.fatal.push(code),
  });
  return { socket, seen };
}

beforeEach(() => {
  FakeWebSocket.made = [];
  globalThis.WebSocket = FakeWebSocket;
  mock.timers.enable({ apis: ["setTimeout", "setInterval", "Date"] });
  mock.method(Math, "random", () => 1); // the longest wait of each backoff step
});

afterEach(() => {
  mock.timers.reset();
  mock.restoreAll();
  delete globalThis.WebSocket;
});

describe("connecting", () => {
  test("opens the conversation's socket and hands every JSON frame over", () => {
    const { socket, seen } = harness();

    socket.open("c1");
    latest().open();
    latest().frame({ type: "history", messages: [] });
    latest().frame("not json");
    latest().frame("42");

    assert.equal(latest().url, "ws://shop.test/ws/chat/c1/");
    assert.deepEqual(seen.links, ["connecting"]);
    assert.deepEqual(seen.frames, [{ type: "history", messages: [] }]);
    assert.ok(socket.isOpen());
  });

  test("send says whether the frame went out", () => {
    const { socket } = harness();
    socket.open("c1");

    assert.equal(socket.send({ type: "ping" }), false);
    latest().open();
    assert.equal(socket.send({ type: "stop" }), true);
    assert.deepEqual(latest().sent, [{ type: "stop" }]);
  });

  test("opening another conversation leaves the first without reconnecting it", async () => {
    const { socket } = harness();
    socket.open("c1");
    const first = latest();
    first.open();

    socket.open("c2");
    await flush();
    mock.timers.tick(20000);

    assert.equal(first.closedWith.code, 1000);
    assert.deepEqual(FakeWebSocket.made.map((s) => s.url.split("/").at(-2)), ["c1", "c2"]);
  });
});

describe("reconnecting", () => {
  test("a dropped socket comes back after a backoff that grows, and resets once connected", () => {
    const { socket, seen } = harness();
    socket.open("c1");
    latest().open();

    latest().drop(1001); // going away, after it was open
    assert.equal(seen.links.at(-1), "waiting");
    mock.timers.tick(499);
    assert.equal(FakeWebSocket.made.length, 1);
    mock.timers.tick(1);
    assert.equal(FakeWebSocket.made.length, 2); // first wait: 500 ms

    latest().open();
    latest().drop(1001);
    mock.timers.tick(999);
    assert.equal(FakeWebSocket.made.length, 2);
    mock.timers.tick(1);
    assert.equal(FakeWebSocket.made.length, 3); // second wait: 1 s

    latest().open();
    socket.connected(); // the history frame arrived
    latest().drop(1001);
    mock.timers.tick(500);
    assert.equal(FakeWebSocket.made.length, 4); // back to 500 ms
  });

  test("a refused handshake asks the API, and a conversation still there is retried", async () => {
    const { socket, seen } = harness({ probeStatus: 200 });
    socket.open("c1");

    latest().drop(1006); // refused before it opened: the browser gives no reason
    await flush();

    assert.deepEqual(seen.probes, ["c1"]);
    assert.deepEqual(seen.links, ["connecting", "probing", "waiting"]);
    mock.timers.tick(500);
    assert.equal(FakeWebSocket.made.length, 2);
    assert.deepEqual(seen.fatal, []);
  });

  for (const [status, code] of [
    [404, 4404],
    [403, 4403],
    [401, 4401],
  ]) {
    test(`a refused handshake whose conversation answers ${status} stops for good`, async () => {
      const { seen, socket } = harness({ probeStatus: status });
      socket.open("c1");

      latest().drop(1006);
      await flush();
      mock.timers.tick(60000);

      assert.deepEqual(seen.fatal, [code]);
      assert.equal(FakeWebSocket.made.length, 1);
    });
  }

  test("logout (4401 on an open socket) stops for good", () => {
    const { seen, socket } = harness();
    socket.open("c1");
    latest().open();

    latest().drop(4401);
    mock.timers.tick(60000);

    assert.deepEqual(seen.fatal, [4401]);
    assert.equal(FakeWebSocket.made.length, 1);
    assert.deepEqual(seen.probes, []);
  });

  test("leave closes the socket and nothing reconnects", async () => {
    const { socket } = harness();
    socket.open("c1");
    latest().open();

    socket.leave();
    await flush();
    mock.timers.tick(60000);

    assert.deepEqual(latest().closedWith, { code: 1000, reason: "leaving" });
    assert.equal(FakeWebSocket.made.length, 1);
  });
});

describe("keeping alive", () => {
  test("an open socket pings, and one that heard nothing for too long is replaced", () => {
    const { socket } = harness();
    socket.open("c1");
    const first = latest();
    first.open();

    mock.timers.tick(25000);
    assert.deepEqual(first.sent, [{ type: "ping" }]);
    first.frame({ type: "pong" });

    mock.timers.tick(25000 * 3); // 75 s of silence after the pong
    assert.equal(first.closedWith.code, 4000);
    assert.equal(FakeWebSocket.made.length, 2);
    assert.equal(socket.isOpen(), false);
  });
});
