# autobahn-go: every entry point.
#   make test   everything CI runs (installs missing system packages as root)
#   make bench  native NVX against pure Go, plus end-to-end echo benchmarks
#
# Each concern adds its targets in a fragment under mk/ and appends them to
# TEST_TARGETS / BENCH_TARGETS; the order of the fragments is the order of
# the steps (mk/00-*.mk first).
GO ?= go
export GOFLAGS ?= -buildvcs=false

TEST_TARGETS :=
BENCH_TARGETS :=

include $(sort $(wildcard mk/*.mk))

.PHONY: test bench
test: $(TEST_TARGETS)
	@echo "make test: all steps passed"

bench: $(BENCH_TARGETS)
