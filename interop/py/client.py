#!/usr/bin/python3
"""Autobahn|Python (Twisted) client for the autobahn-go interop tests.

Usage: client.py URL [--protocols foo,bar] [--deflate | --compress snappy|brotli]
                     [--no-context-takeover] [--max-window-bits N] [--timeout SECONDS]

Connects to URL, runs a fixed script of checks against an echo server and
prints one JSON object on stdout:

  {"ok": bool, "protocol": str|null, "extensions": [...],
   "checks": [{"name": str, "ok": bool, "detail": str}, ...],
   "pings": [payload, ...],                      # pings the server sent us
   "close": {"wasClean": bool, "code": int, "reason": str},
   "stats": {"inWS": int, "inApp": int}}          # payload bytes received:
                                                  # on the wire, inflated

The script: text (non-ASCII), binary (all byte values), empty text, empty
binary, 1 MiB binary, 1 MiB text, 1 MiB of a 20000-byte block repeated
(matches farther back than small deflate windows allow), fragmented text and binary (sendMessage
with fragmentSize), ping -> pong with the same payload, "@@ping PAYLOAD" (the
server is asked to ping us; Autobahn answers with a pong), then
sendClose(4000, "bye from python") and the close the server answers with.

With --deflate a permessage-deflate offer is made (accepting
no_context_takeover and max_window_bits); --no-context-takeover requests
server_no_context_takeover and drops the client's own context;
--max-window-bits N requests server_max_window_bits=N and compresses with N.
With --compress snappy or brotli that extension is offered instead
(accepting client_no_context_takeover; --no-context-takeover requests
server_no_context_takeover and drops the client's own context).
Exit status is 0 when every check passed.
"""
import argparse
import json
import random
import sys

from twisted.internet import reactor

import pmce  # before autobahn's registry is used
from autobahn.twisted.websocket import WebSocketClientFactory, WebSocketClientProtocol, connectWS
from autobahn.websocket.compress import (PerMessageDeflateOffer, PerMessageDeflateResponse,
                                         PerMessageDeflateResponseAccept)

CLOSE_CODE = 4000
CLOSE_REASON = "bye from python"


_SIX_BITS = bytes(i & 0x3F for i in range(256))


def pattern(n, seed):
    """Deterministic, mildly compressible bytes of length n (6-bit values)."""
    return random.Random(seed).randbytes(n).translate(_SIX_BITS)


_STEPS = []


def steps():
    """The script: (name, kind, payload, is_binary, fragment_size)."""
    if not _STEPS:
        _STEPS.extend(_build_steps())
    return _STEPS


def _build_steps():
    text1m = ("autobahn-go interop \u00e9\u20ac\U0001F600 " * 40000).encode("utf8")[: 1 << 20]
    # cut on a code point boundary
    while True:
        try:
            text1m.decode("utf8")
            break
        except UnicodeDecodeError:
            text1m = text1m[:-1]
    return [
        ("text", "echo", "Hello, autobahn-go \u2713 \u00fc\u00df".encode("utf8"), False, None),
        ("binary", "echo", bytes(range(256)) * 4, True, None),
        ("empty text", "echo", b"", False, None),
        ("empty binary", "echo", b"", True, None),
        ("1 MiB binary", "echo", pattern(1 << 20, 7), True, None),
        ("1 MiB text", "echo", text1m, False, None),
        ("repeats 1 MiB", "echo", (pattern(20000, 11) * 53)[: 1 << 20], True, None),
        ("fragmented text", "echo", ("fragment \u00e4 " * 10000).encode("utf8"), False, 4096),
        ("fragmented binary", "echo", pattern(70000, 3), True, 1000),
        ("ping", "ping", b"py-ping-123", None, None),
        ("server ping", "serverping", b"go-ping-456", None, None),
        ("close", "close", None, None, None),
    ]


class ScriptClient(WebSocketClientProtocol):
    steps = []
    idx = -1

    def onConnect(self, response):
        self.factory.result["protocol"] = response.protocol

    def onOpen(self):
        self.factory.result["extensions"] = [e.__json__() for e in self.websocket_extensions_in_use]
        self.steps = steps()
        self.idx = -1
        self.next()

    def current(self):
        return self.steps[self.idx] if 0 <= self.idx < len(self.steps) else None

    def check(self, ok, detail=""):
        name = self.current()[0]
        self.factory.result["checks"].append({"name": name, "ok": bool(ok), "detail": detail})

    def next(self):
        self.idx += 1
        step = self.current()
        if step is None:
            return
        name, kind, payload, is_binary, frag = step
        if kind == "echo":
            if frag:
                self.sendMessage(payload, is_binary, fragmentSize=frag)
            else:
                self.sendMessage(payload, is_binary)
        elif kind == "ping":
            self.sendPing(payload)
        elif kind == "serverping":
            self.sendMessage(b"@@ping " + payload, False)
        elif kind == "close":
            self.sendClose(CLOSE_CODE, CLOSE_REASON)

    def onMessage(self, payload, isBinary):
        step = self.current()
        if step is None or step[1] != "echo":
            self.factory.result["checks"].append(
                {"name": "unexpected message", "ok": False, "detail": "len=%d binary=%s" % (len(payload), isBinary)})
            return
        _, _, want, want_binary, _ = step
        ok = payload == want and isBinary == want_binary
        detail = "" if ok else "got len=%d binary=%s, want len=%d binary=%s" % (
            len(payload), isBinary, len(want), want_binary)
        self.check(ok, detail)
        self.next()

    def onPing(self, payload):
        self.factory.result["pings"].append(payload.decode("latin1"))
        self.sendPong(payload)
        step = self.current()
        if step is not None and step[1] == "serverping":
            self.check(payload == step[2], "got %r" % payload)
            self.next()

    def onPong(self, payload):
        step = self.current()
        if step is not None and step[1] == "ping":
            self.check(payload == step[2], "got %r" % payload)
            self.next()

    def onClose(self, wasClean, code, reason):
        self.factory.result["close"] = {"wasClean": wasClean, "code": code, "reason": reason}
        st = self.trafficStats
        if st is not None:
            self.factory.result["stats"] = {"inWS": st.incomingOctetsWebSocketLevel,
                                            "inApp": st.incomingOctetsAppLevel}
        step = self.current()
        if step is not None and step[1] == "close":
            ok = wasClean and code == CLOSE_CODE and reason == CLOSE_REASON
            self.check(ok, "wasClean=%s code=%s reason=%r" % (wasClean, code, reason))
            self.idx += 1
        finish(self.factory.result)


_done = []


def finish(result):
    if _done:
        return
    _done.append(True)
    want = len(steps())
    result["ok"] = len(result["checks"]) == want and all(c["ok"] for c in result["checks"])
    sys.stdout.write(json.dumps(result, sort_keys=True) + "\n")
    sys.stdout.flush()
    if reactor.running:
        reactor.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--protocols", default="")
    ap.add_argument("--deflate", action="store_true")
    ap.add_argument("--compress", choices=["deflate", "snappy", "brotli"], default=None)
    ap.add_argument("--no-context-takeover", action="store_true")
    ap.add_argument("--max-window-bits", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=30)
    args = ap.parse_args()

    protocols = [p for p in args.protocols.split(",") if p]
    factory = WebSocketClientFactory(args.url, protocols=protocols or None)
    factory.protocol = ScriptClient
    factory.result = {"ok": False, "protocol": None, "extensions": [], "checks": [], "pings": [], "close": None,
                      "stats": None}

    opts = dict(maxMessagePayloadSize=64 << 20, maxFramePayloadSize=64 << 20,
                openHandshakeTimeout=10, closeHandshakeTimeout=5)
    if args.compress == "deflate":
        args.deflate = True
    if args.compress and not args.deflate:
        cls = pmce.classes(args.compress)
        nct = args.no_context_takeover
        opts["perMessageCompressionOffers"] = [cls["Offer"](
            accept_no_context_takeover=True, request_no_context_takeover=nct)]

        def accept_other(response):
            if isinstance(response, cls["Response"]):
                return cls["ResponseAccept"](
                    response, no_context_takeover=True if nct or response.client_no_context_takeover else None)
            return None
        opts["perMessageCompressionAccept"] = accept_other
    if args.deflate:
        nct, bits = args.no_context_takeover, args.max_window_bits
        opts["perMessageCompressionOffers"] = [PerMessageDeflateOffer(
            accept_no_context_takeover=True, accept_max_window_bits=True,
            request_no_context_takeover=nct, request_max_window_bits=bits)]

        def accept(response):
            if isinstance(response, PerMessageDeflateResponse):
                # our compression window: ours, capped by what the server asked
                req = response.client_max_window_bits
                window = min(bits, req) if bits and req else (req or bits or None)
                return PerMessageDeflateResponseAccept(
                    response,
                    no_context_takeover=True if nct or response.client_no_context_takeover else None,
                    window_bits=window)
            return None
        opts["perMessageCompressionAccept"] = accept
    factory.setProtocolOptions(**opts)

    def on_timeout():
        factory.result["checks"].append({"name": "timeout", "ok": False,
                                         "detail": "script did not finish in %ss" % args.timeout})
        finish(factory.result)
    reactor.callLater(args.timeout, on_timeout)

    def on_fail(reason):
        factory.result["checks"].append({"name": "connect", "ok": False, "detail": str(reason)})
        finish(factory.result)
    factory.clientConnectionFailed = lambda connector, reason: on_fail(reason)

    connectWS(factory, timeout=10)
    reactor.run()
    sys.exit(0 if factory.result.get("ok") else 1)


if __name__ == "__main__":
    main()
