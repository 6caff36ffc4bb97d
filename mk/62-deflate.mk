# permessage-deflate: fuzzing, benchmarks and the per-connection memory
# measurement. Its unit and conformance tests run with the Go tests.
#   make fuzz-deflate FUZZTIME=30s
#   make bench-deflate            codec and loopback echo, plain vs deflate
#   make deflate-memory           server heap per idle connection by mode
#                                 (10,000 connections; full context takeover
#                                 at DEFLATE_TAKEOVER_CONNS, ~0.85 MiB each),
#                                 and per connection mid-message at the limit
#   make bench-inflate-bomb       20 concurrent 1 GiB bombs: server peak RSS
#                                 with its default MemoryBudget and without
FUZZTIME ?= 10s
DEFLATE_FUZZ := FuzzInflate FuzzDeflateRoundTrip FuzzSnappyDecode FuzzBrotliDecode
DEFLATE_MEMORY_CONNS ?= 10000
DEFLATE_TAKEOVER_CONNS ?= 2000
DEFLATE_MEMORY_MSG ?= 1024
DEFLATE_BENCHTIME ?= 1s
.PHONY: fuzz fuzz-deflate bench-deflate deflate-memory bench-inflate-bomb
fuzz: fuzz-deflate
fuzz-deflate:
	@for f in $(DEFLATE_FUZZ); do \
		echo "== $$f"; \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) -parallel 2 ./ws || exit 1; \
	done

BENCH_TARGETS += bench-deflate
bench-deflate:
	@mkdir -p bench/results
	@$(GO) test -run '^$$' -bench '^Benchmark(DeflateCodec|DeflateEcho)$$' -benchtime $(DEFLATE_BENCHTIME) -count 1 ./ws \
		> bench/results/deflate.txt; st=$$?; cat bench/results/deflate.txt; exit $$st

deflate-memory:
	AUTOBAHN_DEFLATE_MEMORY=1 AUTOBAHN_DEFLATE_MEMORY_CONNS=$(DEFLATE_MEMORY_CONNS) \
	AUTOBAHN_DEFLATE_MEMORY_TAKEOVER_CONNS=$(DEFLATE_TAKEOVER_CONNS) AUTOBAHN_DEFLATE_MEMORY_MSG=$(DEFLATE_MEMORY_MSG) \
		$(GO) test -count=1 -timeout 20m -run '^TestDeflateMemory(PerConn|InFlight)$$' -v ./ws

bench-inflate-bomb:
	$(GO) test -run '^$$' -bench '^BenchmarkInflateBomb$$' -benchtime 1x -count 1 ./bench
