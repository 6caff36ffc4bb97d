# Idle connections (issue 9): what one open, idle WebSocket costs a server.
# For each server of IDLE_IMPLS and each count of IDLE_CONNS, the server
# (pinned to IDLE_SERVER_CPU) gets that many connections from gorilla
# clients (pinned to IDLE_CLIENT_CPU; at most IDLE_PER_CLIENT per client
# process, as a process may hold only 20,000 open files), one 64-byte
# message echoed on each, then idle; the server reports the growth of its
# RSS, Go heap and stacks and goroutines per connection, after runtime.GC
# and debug.FreeOSMemory. Servers: autobahn-go in goroutine and event-loop
# mode (Options.EventLoop; a build without it gets a "not measured" row),
# lxzan/gws and lesismal/nbio, from the nested module bench/peers (bench
# dependencies only). The open-file limit is raised to the hard limit.
# Report: bench/results/idle.md. About a minute on 2 shared cores.
IDLE_CONNS ?= 1000,19000
IDLE_IMPLS ?= autobahn/goroutine,autobahn/eventloop,gws,nbio
IDLE_PER_CLIENT ?= 9500
IDLE_SERVER_CPU ?= 0
IDLE_CLIENT_CPU ?= 1

.PHONY: bench-idle
BENCH_TARGETS += bench-idle

bench-idle:
	@mkdir -p bench/results build
	cd bench/peers && $(GO) build -o $(CURDIR)/build/idlepeers ./cmd/idlepeers
	ulimit -n $$(ulimit -Hn) && build/idlepeers -md bench/results/idle.md \
		-conns '$(IDLE_CONNS)' -impls '$(IDLE_IMPLS)' -per-client $(IDLE_PER_CLIENT) \
		-server-cpu $(IDLE_SERVER_CPU) -client-cpu $(IDLE_CLIENT_CPU)
