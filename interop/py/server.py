#!/usr/bin/python3
"""Autobahn|Python (Twisted) echo server for the autobahn-go interop tests.

Usage: server.py PORT [--deflate | --compress snappy|brotli] [--no-context-takeover]
                      [--max-window-bits N] [--protocols bar,foo] [--autoping SECONDS]

PORT 0 picks a free port. The first line on stdout is the port; every line
after it is one JSON event ("connect", "open", "message", "ping", "pong",
"close") so the Go test can assert what this side saw; a "message"
event carries the number of frames the message came in, "close" the
payload bytes received on the wire (inWS, compressed) and after inflation
(inApp).

Behaviour:
  * requests to path /deny are refused with ConnectionDeny(403, ...);
  * the subprotocol is the first of --protocols (server preference) that the
    client offered, so a client offering ["foo", "bar"] gets "bar";
  * every message is echoed with its type, except text commands:
      "@@close CODE REASON"  -> sendClose(CODE, REASON)
      "@@ping PAYLOAD"       -> sendPing(PAYLOAD)
  * a ping's event carries ping_sent and ping_seq, decoded from its first
    12 bytes as Autobahn decodes its auto-ping payload; with --autoping the
    server sends automatic pings and reports each onAutoPong;
  * a close from the client is answered with the same code and reason
    (echoCloseCodeReason);
  * with --deflate, a permessage-deflate offer is accepted; with
    --no-context-takeover both directions drop their context (server uses
    server_no_context_takeover and requests client_no_context_takeover);
    with --max-window-bits N the server compresses with N bits and requests
    client_max_window_bits=N when the client allows it.
"""
import argparse
import json
import struct
import sys

from twisted.internet import reactor

import pmce  # before autobahn's registry is used
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from autobahn.websocket.compress import PerMessageDeflateOffer, PerMessageDeflateOfferAccept
from autobahn.websocket.types import ConnectionDeny


def emit(**event):
    """Writes one JSON event line and flushes (the Go test reads line by line)."""
    sys.stdout.write(json.dumps(event, sort_keys=True) + "\n")
    sys.stdout.flush()


def ext_json(exts):
    return [e.__json__() for e in exts]


class EchoServerProtocol(WebSocketServerProtocol):
    def onConnect(self, request):
        emit(event="connect", path=request.path, protocols=list(request.protocols),
             extensions=[{"name": n, "params": {k: v[0] if len(v) == 1 else v for k, v in p.items()}} for n, p in request.extensions], params=dict(request.params))
        if request.path == "/deny":
            raise ConnectionDeny(ConnectionDeny.FORBIDDEN, "denied by interop server")
        for p in self.factory.preference:
            if p in request.protocols:
                return p
        return None

    def onMessageBegin(self, isBinary):
        self.frames = 0
        super().onMessageBegin(isBinary)

    def onMessageFrameBegin(self, length):
        self.frames += 1
        super().onMessageFrameBegin(length)

    def onOpen(self):
        emit(event="open", protocol=self.websocket_protocol_in_use,
             extensions=ext_json(self.websocket_extensions_in_use))

    def onMessage(self, payload, isBinary):
        emit(event="message", binary=isBinary, len=len(payload), frames=self.frames)
        if not isBinary and payload.startswith(b"@@close "):
            parts = payload.decode("utf8").split(" ", 2)
            self.sendClose(int(parts[1]), parts[2] if len(parts) > 2 else None)
            return
        if not isBinary and payload.startswith(b"@@ping "):
            self.sendPing(payload[len(b"@@ping "):])
            return
        self.sendMessage(payload, isBinary)

    def onPing(self, payload):
        ev = dict(event="ping", payload=payload.decode("latin1"))
        if len(payload) >= 12:
            # Autobahn's auto-ping layout, decoded as Autobahn decodes it
            ev["ping_sent"] = struct.unpack(">Q", payload[:8])[0]
            ev["ping_seq"] = struct.unpack(">L", payload[8:12])[0]
        emit(**ev)
        self.sendPong(payload)

    def onAutoPong(self, ping_sent, ping_seq, pong_received, pong_rtt, payload):
        emit(event="autopong", ping_sent=ping_sent, ping_seq=ping_seq, len=len(payload))

    def onPong(self, payload):
        emit(event="pong", payload=payload.decode("latin1"))

    def onClose(self, wasClean, code, reason):
        st = self.trafficStats
        emit(event="close", wasClean=wasClean, code=code, reason=reason,
             inWS=st.incomingOctetsWebSocketLevel if st else 0, inApp=st.incomingOctetsAppLevel if st else 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--deflate", action="store_true")
    ap.add_argument("--compress", choices=["deflate", "snappy", "brotli"], default=None)
    ap.add_argument("--no-context-takeover", action="store_true")
    ap.add_argument("--max-window-bits", type=int, default=0)
    ap.add_argument("--protocols", default="bar,foo")
    ap.add_argument("--autoping", type=float, default=0,
                    help="send automatic pings every this many seconds (onAutoPong events)")
    args = ap.parse_args()

    factory = WebSocketServerFactory()
    factory.protocol = EchoServerProtocol
    factory.preference = [p for p in args.protocols.split(",") if p]

    if args.compress == "deflate":
        args.deflate = True

    def accept_other(offers):
        cls = pmce.classes(args.compress)
        nct = args.no_context_takeover
        for offer in offers:
            if isinstance(offer, cls["Offer"]):
                return cls["OfferAccept"](
                    offer,
                    request_no_context_takeover=nct and offer.accept_no_context_takeover,
                    no_context_takeover=True if nct or offer.request_no_context_takeover else None)
        return None

    def accept(offers):
        for offer in offers:
            if not isinstance(offer, PerMessageDeflateOffer):
                continue
            nct = args.no_context_takeover
            bits = args.max_window_bits
            # our compression window: ours, capped by what the client asked
            req = offer.request_max_window_bits
            window = min(bits, req) if bits and req else (req or bits or None)
            return PerMessageDeflateOfferAccept(
                offer,
                request_no_context_takeover=nct and offer.accept_no_context_takeover,
                request_max_window_bits=bits if bits and offer.accept_max_window_bits else 0,
                no_context_takeover=True if nct or offer.request_no_context_takeover else None,
                window_bits=window,
            )
        return None

    opts = dict(echoCloseCodeReason=True, maxMessagePayloadSize=64 << 20,
                maxFramePayloadSize=64 << 20, openHandshakeTimeout=10, closeHandshakeTimeout=5)
    if args.deflate:
        opts["perMessageCompressionAccept"] = accept
    elif args.compress:
        opts["perMessageCompressionAccept"] = accept_other
    if args.autoping:
        opts.update(autoPingInterval=args.autoping, autoPingTimeout=10)
    factory.setProtocolOptions(**opts)

    port = reactor.listenTCP(args.port, factory, interface="127.0.0.1")
    sys.stdout.write("%d\n" % port.getHost().port)
    sys.stdout.flush()
    reactor.run()


if __name__ == "__main__":
    main()
