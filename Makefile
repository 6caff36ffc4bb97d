# autobahn-go: every entry point. `make test` is what CI runs; `make bench` compares native NVX against pure Go.
# (Skeleton: targets are filled in by the NVX, ws and deflate work.)
GO ?= go

.PHONY: test bench
test:
	$(GO) vet ./...
	$(GO) test ./...
	CGO_ENABLED=0 $(GO) test ./...

bench:
	@echo "make bench: not yet implemented"
