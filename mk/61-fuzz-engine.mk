# Short fuzzing run of the engine's read side (frame parser, control frames,
# UTF-8, limits, close handling) in every role and mode (not part of make test).
#   make fuzz-engine FUZZTIME=30s
FUZZTIME ?= 10s
.PHONY: fuzz fuzz-engine
fuzz: fuzz-engine
fuzz-engine:
	$(GO) test -run '^$$' -fuzz '^FuzzFrameParser$$' -fuzztime $(FUZZTIME) -parallel 2 ./ws
