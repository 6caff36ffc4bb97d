# Event loop against goroutine mode (issue 9): echo msgs/s and CPU per
# message of Options.EventLoop beside the default goroutine mode, one
# process (clients in goroutine mode), 8 connections at 64 B, 16 KiB and
# 1 MiB, 1,000 connections at 1 KiB, the two modes alternating per shape
# (BenchmarkEchoMode in ws/evloop_bench_test.go). Raw lines go to
# bench/results/modes.txt (benchstat-ready, with the CPU time per message
# of both ends, cpu-ns/msg), the msgs/s medians and the event/goroutine
# ratio to modes.md. About a minute.
MODES_COUNT ?= 4
MODES_BENCHTIME ?= 1s

.PHONY: bench-modes
BENCH_TARGETS += bench-modes

bench-modes:
	@mkdir -p bench/results
	$(GO) test -run '^$$' -bench BenchmarkEchoMode -benchtime $(MODES_BENCHTIME) -count $(MODES_COUNT) ./ws > bench/results/modes.txt
	$(GO) run ./bench/cmd/report -in bench/results/modes.txt -md bench/results/modes.md \
		-title "Echo, event loop against goroutine mode: messages per second" \
		-col mode -row shape -metric msgs/s -ratios 'event/goroutine'
