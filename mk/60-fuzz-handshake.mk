# Short fuzzing runs of the opening handshake parsers (not part of make test).
#   make fuzz-handshake FUZZTIME=30s
FUZZTIME ?= 10s
HANDSHAKE_FUZZ := FuzzServerHandshake FuzzCheckRequest FuzzClientResponse FuzzParseExtensions FuzzParseTokenList FuzzMatchWildcard FuzzMatchWildcardReference FuzzOriginNormalise FuzzServerNegotiateOffers FuzzParseURL
.PHONY: fuzz fuzz-handshake
fuzz: fuzz-handshake
fuzz-handshake:
	@for f in $(HANDSHAKE_FUZZ); do \
		echo "== $$f"; \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) -parallel 2 ./ws || exit 1; \
	done
