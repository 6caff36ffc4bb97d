# The raw-peer conformance suite (ws/rawpeer_test.go, ws/conformance_*_test.go).
# It already runs inside test-go; these targets run it alone, and fuzz it.
#   make conformance                          the suite, with -race
#   make fuzz-conformance FUZZTIME=30s        arbitrary byte streams at both roles
FUZZTIME ?= 10s
.PHONY: conformance fuzz fuzz-conformance
conformance:
	$(GO) test -race -count=1 -run 'TestRaw|TestUTF8Reference|TestConformance|FuzzConformance' ./ws

CONFORMANCE_FUZZ := FuzzConformanceServer FuzzConformanceClient
fuzz: fuzz-conformance
fuzz-conformance:
	@for f in $(CONFORMANCE_FUZZ); do \
		echo "fuzz $$f ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) -parallel 2 ./ws || exit 1; \
	done
