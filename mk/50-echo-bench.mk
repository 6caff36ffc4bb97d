# End-to-end echo benchmarks over loopback (our server, our client): NVX on
# and off (AUTOBAHN_USE_NVX is read once per process, so each setting is its
# own run), then the idle-connection memory measurement. Raw output goes to
# bench/results/echo.txt; bench/cmd/report, when present, turns it into
# bench/results/echo.md and echo.svg. The whole target takes about two
# minutes (ECHO_COUNT=1 ECHO_BENCHTIME=200ms for a quick look).
ECHO_BENCHTIME ?= 500ms
ECHO_COUNT ?= 3
ECHO_BENCH ?= ^BenchmarkEcho$$

.PHONY: bench-echo
BENCH_TARGETS += bench-echo

# NVX on and off alternate, one process each, ECHO_COUNT times, so that the
# i-th runs of both settings are neighbours in time and share the machine's
# load (the report pairs them for the on/off ratios).
bench-echo:
	@mkdir -p bench/results
	@set -e; out=bench/results/echo.txt; tmp=bench/results/.echo.tmp; : > $$out; \
	run() { rc=0; "$$@" > $$tmp 2>&1 || rc=$$?; cat $$tmp; cat $$tmp >> $$out; rm -f $$tmp; return $$rc; }; \
	bench() { run env AUTOBAHN_USE_NVX=$$1 $(GO) test -run '^$$' -bench '$(ECHO_BENCH)' -benchtime $(ECHO_BENCHTIME) -count 1 ./bench/; }; \
	cgo=$$($(GO) env CGO_ENABLED); \
	[ "$$cgo" = 1 ] || echo "bench-echo: cgo is off, so no NVX=on runs" | tee -a $$out; \
	i=0; while [ $$i -lt $(ECHO_COUNT) ]; do \
		i=$$((i+1)); \
		if [ "$$cgo" = 1 ]; then bench 1; fi; \
		bench 0; \
	done; \
	run env AUTOBAHN_MEASURE_IDLE=1 $(GO) test -run '^$$' -bench '^BenchmarkIdleConnections$$' -benchtime 1x -count 1 ./bench/
	@if [ -d bench/cmd/report ]; then \
		set -e; r=bench/results; \
		$(GO) run ./bench/cmd/report -in $$r/echo.txt -md $$r/.echo1.md -title "Echo round trips per second (one connection, one message in flight)" \
			-col nvx -row size -metric msgs/s -ratios on/off; \
		$(GO) run ./bench/cmd/report -in $$r/echo.txt -md $$r/.echo2.md -svg $$r/echo.svg -title "Echo throughput (payload bytes echoed per second)" \
			-col nvx -row size -metric MB/s -ratios on/off; \
		$(GO) run ./bench/cmd/report -in $$r/echo.txt -md $$r/.echo3.md -title "Server memory per idle connection (HeapInuse+StackInuse)" \
			-col nvx -row conns -metric B/conn -ratios ""; \
		cat $$r/.echo1.md $$r/.echo2.md $$r/.echo3.md > $$r/echo.md; rm -f $$r/.echo[123].md; \
		echo "wrote $$r/echo.md and $$r/echo.svg"; \
	else \
		echo "bench-echo: bench/cmd/report not present; raw results in bench/results/echo.txt"; \
	fi
