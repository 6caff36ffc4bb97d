# Interop: Autobahn|Python 22.7 (Debian python3-autobahn, run with
# /usr/bin/python3) against our client and server, with permessage-deflate,
# permessage-snappy (python3-snappy) and permessage-brotli (python3-brotli;
# interop/py/pmce.py adds the extension Autobahn 22.7 lacks), and headless
# Chromium against our server. deps-interop installs what is missing when
# root and otherwise prints the exact command.
INTEROP_PYTHON ?= /usr/bin/python3
INTEROP_APT := python3-autobahn python3-twisted python3-snappy python3-brotli chromium

.PHONY: deps-interop test-interop
TEST_TARGETS += test-interop

deps-interop:
	@missing=""; \
	$(INTEROP_PYTHON) -c 'import autobahn, twisted' >/dev/null 2>&1 || missing="$$missing python3-autobahn python3-twisted"; \
	$(INTEROP_PYTHON) -c 'import snappy' >/dev/null 2>&1 || missing="$$missing python3-snappy"; \
	$(INTEROP_PYTHON) -c 'import brotli' >/dev/null 2>&1 || missing="$$missing python3-brotli"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "deps-interop: installing$$missing"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	else \
		echo "deps-interop: missing$$missing; run: sudo apt-get update && sudo apt-get install -y$$missing"; \
		exit 1; \
	fi

test-interop: deps-interop
	$(GO) test -race -count=1 ./interop/...
