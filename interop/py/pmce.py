"""permessage-snappy and permessage-brotli for Debian's Autobahn|Python 22.7.

Imported by server.py and client.py before they build a factory:

  * python3-snappy 0.5.3 as Debian ships it for Python 3.11 cannot compute
    the CRC-32C of the Snappy framing format (its C helper raises
    "SystemError: PY_SSIZE_T_CLEAN macro must be defined for '#' formats"),
    so every StreamCompressor.add_chunk and StreamDecompressor.decompress
    fails. When that is so, the helper is replaced by a table-driven
    CRC-32C in Python; the rest (block compression, framing) stays
    python-snappy's, so the wire format is exactly Autobahn's.

  * Autobahn 22.7 has no permessage-brotli (later releases have
    compress_brotli.py). This module registers one in
    PERMESSAGE_COMPRESSION_EXTENSION with the same wire format: every
    compressed message is one complete Brotli stream (python3-brotli's
    Compressor.process then finish), and the same two parameters,
    client_no_context_takeover and server_no_context_takeover. A finished
    Brotli stream cannot be continued, so this implementation starts a new
    compressor and decompressor for every message whatever was negotiated.
    It compresses at quality 5 instead of Brotli's default 11, which takes
    about 5 s per MiB here and would time the tests out; the quality is the
    encoder's choice and does not change the format.

available() reports which extensions can be used.
"""
from autobahn.websocket import compress as _compress
from autobahn.websocket.compress_base import (PerMessageCompress, PerMessageCompressOffer,
                                              PerMessageCompressOfferAccept, PerMessageCompressResponse,
                                              PerMessageCompressResponseAccept)

REGISTRY = _compress.PERMESSAGE_COMPRESSION_EXTENSION


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data):
    """CRC-32C (Castagnoli) of data."""
    crc = 0xFFFFFFFF
    table = _TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _fix_snappy():
    try:
        import snappy.snappy as sm
    except ImportError:
        return False
    try:
        sm._crc32c(b"123456789")
    except SystemError:
        sm._crc32c = crc32c
    assert sm._crc32c(b"123456789") == 0xE3069283, "CRC-32C check value"
    return True


_SNAPPY = _fix_snappy()

try:
    import brotli
except ImportError:
    brotli = None


def _takeover_params(params, name):
    """Parses the two valueless parameters: (client_nct, server_nct)."""
    client = server = False
    for p, vals in params.items():
        if len(vals) > 1:
            raise Exception("parameter %s repeated in %s" % (p, name))
        if vals[0] is not True:
            raise Exception("parameter %s of %s takes no value" % (p, name))
        if p == "client_no_context_takeover":
            client = True
        elif p == "server_no_context_takeover":
            server = True
        else:
            raise Exception("unknown parameter %s of %s" % (p, name))
    return client, server


class BrotliMixin(object):
    EXTENSION_NAME = "permessage-brotli"


class BrotliOffer(PerMessageCompressOffer, BrotliMixin):
    """A client's offer: it accepts client_no_context_takeover and may ask
    for server_no_context_takeover."""

    @classmethod
    def parse(cls, params):
        client, server = _takeover_params(params, cls.EXTENSION_NAME)
        return cls(client, server)

    def __init__(self, accept_no_context_takeover=True, request_no_context_takeover=False):
        self.accept_no_context_takeover = accept_no_context_takeover
        self.request_no_context_takeover = request_no_context_takeover

    def get_extension_string(self):
        s = self.EXTENSION_NAME
        if self.accept_no_context_takeover:
            s += "; client_no_context_takeover"
        if self.request_no_context_takeover:
            s += "; server_no_context_takeover"
        return s

    def __json__(self):
        return {"extension": self.EXTENSION_NAME, "accept_no_context_takeover": self.accept_no_context_takeover,
                "request_no_context_takeover": self.request_no_context_takeover}


class BrotliOfferAccept(PerMessageCompressOfferAccept, BrotliMixin):
    """A server's acceptance; the response names server_no_context_takeover
    when the offer asked or the server chose it."""

    def __init__(self, offer, request_no_context_takeover=False, no_context_takeover=None):
        if request_no_context_takeover and not offer.accept_no_context_takeover:
            raise Exception("client_no_context_takeover requested but not offered")
        self.offer = offer
        self.request_no_context_takeover = request_no_context_takeover
        self.no_context_takeover = bool(no_context_takeover or offer.request_no_context_takeover)

    def get_extension_string(self):
        s = self.EXTENSION_NAME
        if self.no_context_takeover:
            s += "; server_no_context_takeover"
        if self.request_no_context_takeover:
            s += "; client_no_context_takeover"
        return s

    def __json__(self):
        return {"extension": self.EXTENSION_NAME, "offer": self.offer.__json__(),
                "request_no_context_takeover": self.request_no_context_takeover,
                "no_context_takeover": self.no_context_takeover}


class BrotliResponse(PerMessageCompressResponse, BrotliMixin):
    @classmethod
    def parse(cls, params):
        client, server = _takeover_params(params, cls.EXTENSION_NAME)
        return cls(client, server)

    def __init__(self, client_no_context_takeover, server_no_context_takeover):
        self.client_no_context_takeover = client_no_context_takeover
        self.server_no_context_takeover = server_no_context_takeover

    def __json__(self):
        return {"extension": self.EXTENSION_NAME, "client_no_context_takeover": self.client_no_context_takeover,
                "server_no_context_takeover": self.server_no_context_takeover}


class BrotliResponseAccept(PerMessageCompressResponseAccept, BrotliMixin):
    def __init__(self, response, no_context_takeover=None):
        self.response = response
        self.no_context_takeover = bool(no_context_takeover or response.client_no_context_takeover)

    def __json__(self):
        return {"extension": self.EXTENSION_NAME, "response": self.response.__json__(),
                "no_context_takeover": self.no_context_takeover}


class Brotli(PerMessageCompress, BrotliMixin):
    """The negotiated state: one complete Brotli stream per message."""

    @classmethod
    def create_from_offer_accept(cls, is_server, accept):
        return cls(is_server, accept.no_context_takeover, accept.request_no_context_takeover)

    @classmethod
    def create_from_response_accept(cls, is_server, accept):
        return cls(is_server, accept.response.server_no_context_takeover, accept.no_context_takeover)

    def __init__(self, is_server, server_no_context_takeover, client_no_context_takeover):
        self._is_server = is_server
        self.server_no_context_takeover = server_no_context_takeover
        self.client_no_context_takeover = client_no_context_takeover
        self._compressor = None
        self._decompressor = None

    def __json__(self):
        return {"extension": self.EXTENSION_NAME, "server_no_context_takeover": self.server_no_context_takeover,
                "client_no_context_takeover": self.client_no_context_takeover}

    def start_compress_message(self):
        self._compressor = brotli.Compressor(quality=5)

    def compress_message_data(self, data):
        return self._compressor.process(data)

    def end_compress_message(self):
        return self._compressor.finish()

    def start_decompress_message(self):
        self._decompressor = brotli.Decompressor()

    def decompress_message_data(self, data):
        return self._decompressor.process(data)

    def end_decompress_message(self):
        if not self._decompressor.is_finished():
            raise Exception("permessage-brotli message ended inside its Brotli stream")


if brotli is not None and BrotliMixin.EXTENSION_NAME not in REGISTRY:
    REGISTRY[BrotliMixin.EXTENSION_NAME] = {
        "Offer": BrotliOffer, "OfferAccept": BrotliOfferAccept, "Response": BrotliResponse,
        "ResponseAccept": BrotliResponseAccept, "PMCE": Brotli,
    }


def available():
    """Names of the extensions usable here (deflate always)."""
    names = ["deflate"]
    if _SNAPPY and "permessage-snappy" in REGISTRY:
        names.append("snappy")
    if "permessage-brotli" in REGISTRY:
        names.append("brotli")
    return names


def classes(name):
    """The registry entry of "snappy" or "brotli"."""
    return REGISTRY["permessage-" + name]


if __name__ == "__main__":
    # probe for the Go tests: prints the usable extensions
    print(" ".join(available()))
