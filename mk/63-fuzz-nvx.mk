# Fuzzing of the NVX core (not part of make test): nvx with cgo on and off
# (off runs nvx's pure-Go paths), and nvx/purego.
#   make fuzz-nvx FUZZTIME=30s
FUZZTIME ?= 10s
NVX_FUZZ := FuzzValidate FuzzXorMask FuzzXorMaskValidate
PUREGO_FUZZ := FuzzValidate FuzzXorMask
.PHONY: fuzz fuzz-nvx
fuzz: fuzz-nvx
fuzz-nvx:
	@set -e; for cgo in 1 0; do for f in $(NVX_FUZZ); do \
		echo "== nvx $$f (CGO_ENABLED=$$cgo)"; \
		CGO_ENABLED=$$cgo $(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) -parallel 2 ./nvx; \
	done; done
	@set -e; for f in $(PUREGO_FUZZ); do \
		echo "== nvx/purego $$f"; \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) -parallel 2 ./nvx/purego; \
	done
