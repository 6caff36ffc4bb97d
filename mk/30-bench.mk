# Benchmarks of the NVX core: native C against pure Go, the standard library
# and copy(), across sizes and kinds of text. Raw `go test -bench` output
# (benchstat-ready) goes to bench/results/nvx.txt; bench/cmd/report turns it
# into bench/results/nvx.md, bench/results/nvx.svg and a table on stdout.
#
#   make bench-nvx                 full run (about 4 minutes on 2 cores)
#   benchstat bench/results/nvx.txt   (golang.org/x/perf/cmd/benchstat) reads it too
#   make bench-nvx BENCH_COUNT=10  more runs per benchmark
#   make bench-quick               one short run of everything (smoke test)
BENCH_COUNT ?= 6
BENCH_TIME ?= 50ms
BENCH_NVX_PATTERN ?= ^Benchmark(Mask|UTF8|MaskValidate)$$
BENCH_RESULTS := bench/results
BENCH_NVX_TITLE ?= NVX native core vs pure Go
# Targets from the design brief, checked on every run (reported, not enforced).
BENCH_NVX_CHECKS ?= Mask@16KiB:native/purego>=3;Mask@16KiB:native/copy>=0.6;UTF8 text=latin@64KiB:native/stdlib>=8;UTF8 text=cjk@64KiB:native/stdlib>=8;UTF8 text=ascii@64KiB:native/stdlib>=1;Mask@*:nvx/purego>=0.9;UTF8 text=ascii@*:nvx/purego>=0.9;UTF8 text=latin@*:nvx/purego>=0.9;UTF8 text=cjk@*:nvx/purego>=0.9;MaskValidate text=ascii@*:nvx/purego>=0.9;MaskValidate text=latin@*:nvx/purego>=0.9;MaskValidate text=cjk@*:nvx/purego>=0.9
BENCH_NVX_RATIOS ?= native/purego,nvx/purego,native/stdlib,nvx/stdlib,native/copy,nvx/nvx-separate

.PHONY: bench-nvx bench-quick test-bench-smoke
BENCH_TARGETS += bench-nvx
TEST_TARGETS += test-bench-smoke

# The runs are interleaved (the whole set once, BENCH_COUNT times) rather
# than -count N back to back, so a burst of load on the shared machine hits
# every implementation alike.
bench-nvx:
	@mkdir -p $(BENCH_RESULTS)
	@set -e; dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; \
	$(GO) test -c -o "$$dir/bench.test" ./bench/; \
	echo "bench-nvx: $(BENCH_COUNT) interleaved runs, $(BENCH_TIME) per benchmark; raw output: $(BENCH_RESULTS)/nvx.txt"; \
	for i in $$(seq $(BENCH_COUNT)); do \
		echo "  run $$i/$(BENCH_COUNT)"; \
		"$$dir/bench.test" -test.run '^$$' -test.bench '$(BENCH_NVX_PATTERN)' \
			-test.benchtime $(BENCH_TIME) -test.timeout 30m >> "$$dir/out.txt"; \
	done; \
	mv "$$dir/out.txt" $(BENCH_RESULTS)/nvx.txt
	$(GO) run ./bench/cmd/report -in $(BENCH_RESULTS)/nvx.txt -md $(BENCH_RESULTS)/nvx.md \
		-svg $(BENCH_RESULTS)/nvx.svg -title '$(BENCH_NVX_TITLE)' \
		-ratios '$(BENCH_NVX_RATIOS)' -checks '$(BENCH_NVX_CHECKS)'

bench-quick:
	$(MAKE) --no-print-directory bench-nvx BENCH_COUNT=1 BENCH_TIME=10ms BENCH_RESULTS=$(BENCH_RESULTS)/quick

# Part of `make test`: every benchmark compiles and runs one iteration, the
# report tool parses their output, and the peer benchmarks' module builds.
test-bench-smoke:
	@out=$$(mktemp) && trap 'rm -f "$$out"' EXIT && \
	echo "$(GO) test -count=1 -run '^\$$' -bench . -benchtime 1x ./bench/..." && \
	$(GO) test -count=1 -run '^$$' -bench . -benchtime 1x ./bench/... > "$$out" && \
	$(GO) run ./bench/cmd/report -in "$$out" -title smoke > /dev/null
	@# The nested module of the peer benchmarks (bench-peers, bench-broadcast)
	@# must build against the library as it is: go.mod drift breaks make bench.
	cd bench/peers && $(GO) vet ./...
