# Echo servers compared (issue 10): autobahn-go against lxzan/gws,
# gorilla/websocket and coder/websocket, each server on one core
# (GOMAXPROCS=1, taskset -c PEERS_SERVER_CPU), the same gorilla client on
# PEERS_CLIENT_CPU, back to back per case; text ASCII, text multi-byte
# UTF-8 and binary at 64 B (8 connections), 1 KiB (256), 16 KiB (8) and
# 1 MiB (8). Msgs/s and the server's CPU time per message go to
# bench/results/peers.txt (go test -bench lines), bench/cmd/report makes
# peers.md and peers.svg of them. The peers live in the nested module
# bench/peers (its own go.mod), so the library never requires them.
# The last column, floor, is not a WebSocket server: it reads, rewrites
# the headers and writes the frames back with no protocol work at all
# (bench/peers/cmd/echopeers/floor.go), the most a server on Go's
# netpoller (all four are) can reach against this client on this machine,
# up to 16 KiB; PEERS_IMPLS=...,floor-epoll adds the same on an epoll loop
# of its own (one read per echo, no netpoller).
# Each round runs every case once per server (every other round in the
# other order); cells are the median over PEERS_COUNT rounds
# (PEERS_STAT=best for the best). About 3 minutes per round.
# PEERS_IMPLS, PEERS_KINDS and PEERS_SIZES (bytes, comma-separated) pick
# cells, e.g. make bench-peers PEERS_KINDS=utf8 PEERS_SIZES=64,1024.
#
# make bench-peers-instr runs the servers under valgrind's callgrind and
# reports the user-space instructions each executes per message
# (server-instr/op, bench/results/peers-instr.md): the same from run to run
# on a loaded machine, where msgs/s and CPU time are not; the kernel's
# share (the socket calls) is not in it.
PEERS_DURATION ?= 2s
PEERS_WARMUP ?= 500ms
PEERS_COUNT ?= 3
PEERS_STAT ?= median
PEERS_IMPLS ?= autobahn,gws,gorilla,coder,floor
PEERS_KINDS ?= ascii,utf8,binary
PEERS_SIZES ?=
PEERS_SERVER_CPU ?= 0
PEERS_CLIENT_CPU ?= 1
PEERS_RATIOS ?= autobahn/gws,autobahn/gorilla,autobahn/coder,autobahn/floor,floor/gws

.PHONY: bench-peers
BENCH_TARGETS += bench-peers

bench-peers:
	@mkdir -p bench/results build
	cd bench/peers && $(GO) build -o $(CURDIR)/build/echopeers ./cmd/echopeers
	build/echopeers -out bench/results/peers.txt -count $(PEERS_COUNT) \
		-duration $(PEERS_DURATION) -warmup $(PEERS_WARMUP) \
		-impls '$(PEERS_IMPLS)' -kinds '$(PEERS_KINDS)' -sizes '$(PEERS_SIZES)' \
		-server-cpu $(PEERS_SERVER_CPU) -client-cpu $(PEERS_CLIENT_CPU)
	@set -e; r=bench/results; \
	$(GO) run ./bench/cmd/report -in $$r/peers.txt -md $$r/.peers1.md -svg $$r/peers.svg -stat $(PEERS_STAT) \
		-title "Echo servers on one core: messages per second (64B, 16KiB, 1MiB: 8 connections; 1KiB: 256)" \
		-col impl -row size -metric msgs/s -ratios '$(PEERS_RATIOS)'; \
	$(GO) run ./bench/cmd/report -in $$r/peers.txt -md $$r/.peers2.md -stat $(PEERS_STAT) \
		-title "Server CPU time per message, µs (utime+stime of the server process over the run / messages)" \
		-col impl -row size -metric server-us/op -ratios '$(PEERS_RATIOS)'; \
	cat $$r/.peers1.md $$r/.peers2.md > $$r/peers.md; rm -f $$r/.peers[12].md; \
	echo "wrote $$r/peers.md and $$r/peers.svg"

.PHONY: bench-peers-instr

# Not in BENCH_TARGETS: valgrind makes each run slow (about 1 minute per
# case and server); run it for the cells at hand.
bench-peers-instr:
	@command -v valgrind >/dev/null || { echo "bench-peers-instr needs valgrind: apt-get install valgrind"; exit 1; }
	@mkdir -p bench/results build
	cd bench/peers && $(GO) build -o $(CURDIR)/build/echopeers ./cmd/echopeers
	build/echopeers -instr -out bench/results/peers-instr.txt -count 1 \
		-duration $(PEERS_DURATION) -warmup $(PEERS_WARMUP) \
		-impls '$(PEERS_IMPLS)' -kinds '$(PEERS_KINDS)' -sizes '$(PEERS_SIZES)' \
		-server-cpu $(PEERS_SERVER_CPU) -client-cpu $(PEERS_CLIENT_CPU)
	$(GO) run ./bench/cmd/report -in bench/results/peers-instr.txt -md bench/results/peers-instr.md -stat median \
		-title "Server user-space instructions per message (callgrind; 64B, 16KiB, 1MiB: 8 connections; 1KiB: 256)" \
		-col impl -row size -metric server-instr/op -ratios '$(PEERS_RATIOS)'
	@echo "wrote bench/results/peers-instr.md"
