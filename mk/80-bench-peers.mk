# Echo servers compared (issue 10): autobahn-go against lxzan/gws,
# gorilla/websocket and coder/websocket, each server on one core
# (GOMAXPROCS=1, taskset -c PEERS_SERVER_CPU), the same gorilla client on
# PEERS_CLIENT_CPU, back to back per case; text ASCII, text multi-byte
# UTF-8 and binary at 64 B (8 connections), 1 KiB (256), 16 KiB (8) and
# 1 MiB (8). Msgs/s and the server's CPU time per message go to
# bench/results/peers.txt (go test -bench lines), bench/cmd/report makes
# peers.md and peers.svg of them. The peers live in the nested module
# bench/peers (its own go.mod), so the library never requires them.
# About 2.5 minutes per round (PEERS_COUNT=2 for best-of-2 cells).
PEERS_DURATION ?= 2s
PEERS_WARMUP ?= 500ms
PEERS_COUNT ?= 1
PEERS_SERVER_CPU ?= 0
PEERS_CLIENT_CPU ?= 1
PEERS_RATIOS ?= autobahn/gws,autobahn/gorilla,autobahn/coder

.PHONY: bench-peers
BENCH_TARGETS += bench-peers

bench-peers:
	@mkdir -p bench/results build
	cd bench/peers && $(GO) build -o $(CURDIR)/build/echopeers ./cmd/echopeers
	build/echopeers -out bench/results/peers.txt -count $(PEERS_COUNT) \
		-duration $(PEERS_DURATION) -warmup $(PEERS_WARMUP) \
		-server-cpu $(PEERS_SERVER_CPU) -client-cpu $(PEERS_CLIENT_CPU)
	@set -e; r=bench/results; \
	$(GO) run ./bench/cmd/report -in $$r/peers.txt -md $$r/.peers1.md -svg $$r/peers.svg -stat best \
		-title "Echo servers on one core: messages per second (64B, 16KiB, 1MiB: 8 connections; 1KiB: 256)" \
		-col impl -row size -metric msgs/s -ratios '$(PEERS_RATIOS)'; \
	$(GO) run ./bench/cmd/report -in $$r/peers.txt -md $$r/.peers2.md -stat best \
		-title "Server CPU time per message, µs (utime+stime of the server process over the run / messages)" \
		-col impl -row size -metric server-us/op -ratios '$(PEERS_RATIOS)'; \
	cat $$r/.peers1.md $$r/.peers2.md > $$r/peers.md; rm -f $$r/.peers[12].md; \
	echo "wrote $$r/peers.md and $$r/peers.svg"
