# Broadcast fan-out (issue 13): one 1 KiB message to BCAST_CONNS (10,000)
# connections, timed until every reading client has it, all readers healthy
# and with 1% stalled, through autobahn-go's Broadcast and gws's
# Broadcaster side by side; plain and permessage-deflate (no context
# takeover; there also SendMessageAsync per connection, i.e. compression
# paid per connection). Besides the time until all have it: the server
# process's CPU time per broadcast, allocations, and heap and stacks in
# use. BCAST_ONLY (a regular expression on the case names) runs a subset.
# The peers live in the nested module bench/peers
# (gws is a bench-only dependency); the clients run in a child process
# (one process may hold only 20,000 open files). The BCAST_COUNT runs are
# whole passes over every case, so the libraries alternate and the report
# pairs neighbouring runs for its ratios.
# Raw output: bench/results/broadcast.txt; report: bench/results/broadcast.md.
# About 10 minutes on 2 shared cores (BCAST_CONNS=1000 BCAST_COUNT=1 for a
# quick look).
BCAST_CONNS ?= 10000
BCAST_BENCHTIME ?= 100x
BCAST_COUNT ?= 3
BCAST_ONLY ?=

.PHONY: bench-broadcast
BENCH_TARGETS += bench-broadcast

bench-broadcast:
	@mkdir -p bench/results
	@set -e; out=$(CURDIR)/bench/results/broadcast.txt; dir=$(CURDIR)/build/bench-broadcast; \
	mkdir -p "$$dir"; trap 'rm -rf "$$dir"' EXIT; \
	(cd bench/peers && $(GO) test -c -o "$$dir/peers.test" .); : > $$out; \
	for i in $$(seq $(BCAST_COUNT)); do \
		echo "bench-broadcast: run $$i/$(BCAST_COUNT), $(BCAST_CONNS) connections"; \
		BCAST_CONNS=$(BCAST_CONNS) BCAST_ONLY='$(BCAST_ONLY)' "$$dir/peers.test" -test.run '^$$' -test.bench '^BenchmarkBroadcast$$' \
			-test.benchtime $(BCAST_BENCHTIME) -test.timeout 60m | tee -a $$out; \
	done
	@set -e; r=bench/results; \
	$(GO) run ./bench/cmd/report -in $$r/broadcast.txt -md $$r/.bc1.md -title "Broadcast of 1 KiB to $(BCAST_CONNS) connections: time until all reading clients have it" \
		-col lib -row stalled -metric ns/op -ratios autobahn/gws,autobahn/autobahn-percon; \
	$(GO) run ./bench/cmd/report -in $$r/broadcast.txt -md $$r/.bc2.md -title "Broadcast: server allocations per broadcast" \
		-col lib -row stalled -metric allocs/op -ratios ""; \
	$(GO) run ./bench/cmd/report -in $$r/broadcast.txt -md $$r/.bc3.md -title "Broadcast: server heap and stacks in use after the run" \
		-col lib -row stalled -metric mem-MiB -ratios ""; \
	$(GO) run ./bench/cmd/report -in $$r/broadcast.txt -md $$r/.bc4.md -title "Broadcast: server CPU time (user and system) per broadcast" \
		-col lib -row stalled -metric srv-cpu-ms/op -ratios autobahn/gws,autobahn/autobahn-percon; \
	cat $$r/.bc1.md $$r/.bc4.md $$r/.bc2.md $$r/.bc3.md > $$r/broadcast.md; rm -f $$r/.bc[1234].md; \
	echo "wrote $$r/broadcast.md"
