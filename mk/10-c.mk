# C core (csrc/) through CMake: native gcc build + ctest, a clang warning
# check, ASan/UBSan, install + find_package consumer, and NEON under qemu.
# Each target works on its own (`make check-c`); deps-c installs what is
# missing on Debian (as root) or prints the command to run.
CMAKE ?= cmake
CTEST ?= ctest
C_JOBS ?= 2
C_CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNVX_WERROR=ON
C_WARN_FLAGS := -Wall -Wextra -Werror -std=c11 -O2

.PHONY: deps-c check-c check-c-asan check-c-install cross-neon c-build
TEST_TARGETS += deps-c check-c check-c-asan check-c-install cross-neon

deps-c:
	@missing=""; \
	command -v cmake >/dev/null 2>&1 || missing="$$missing cmake"; \
	command -v gcc >/dev/null 2>&1 || missing="$$missing gcc"; \
	command -v clang >/dev/null 2>&1 || missing="$$missing clang"; \
	command -v qemu-aarch64 >/dev/null 2>&1 || missing="$$missing qemu-user"; \
	command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing="$$missing gcc-aarch64-linux-gnu"; \
	if [ -z "$$missing" ]; then echo "deps-c: cmake, gcc, clang, qemu-aarch64, aarch64-linux-gnu-gcc present"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "deps-c: apt-get update && apt-get install -y$$missing"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	else \
		echo "deps-c: missing:$$missing" >&2; \
		echo "deps-c: run as root: apt-get update && apt-get install -y$$missing" >&2; \
		exit 1; \
	fi

# Native gcc build in build/c (shared by check-c and check-c-install).
c-build: deps-c
	$(CMAKE) -S . -B build/c -DCMAKE_C_COMPILER=gcc $(C_CMAKE_FLAGS)
	$(CMAKE) --build build/c -j$(C_JOBS)

check-c: c-build
	cd build/c && $(CTEST) --output-on-failure -j$(C_JOBS)
	@echo "check-c: clang $(C_WARN_FLAGS) over csrc (incl. the unity file) and tests"
	@set -e; for f in csrc/*.c csrc/tests/*.c; do \
		clang $(C_WARN_FLAGS) -Icsrc/include -Icsrc -c $$f -o /dev/null; \
	done
	@echo "check-c: gcc $(C_WARN_FLAGS) over csrc/nvx_unity.c (the cgo build)"
	gcc $(C_WARN_FLAGS) -Icsrc/include -c csrc/nvx_unity.c -o /dev/null

check-c-asan: deps-c
	$(CMAKE) -S . -B build/c-asan -DCMAKE_C_COMPILER=gcc $(C_CMAKE_FLAGS) -DNVX_SANITIZE=ON
	$(CMAKE) --build build/c-asan -j$(C_JOBS)
	cd build/c-asan && NVX_TEST_QUICK=1 $(CTEST) --output-on-failure -j$(C_JOBS)

check-c-install: c-build
	rm -rf build/c-prefix build/c-consumer
	$(CMAKE) --install build/c --prefix build/c-prefix
	$(CMAKE) -S csrc/tests/test_install -B build/c-consumer -DCMAKE_C_COMPILER=gcc \
		-DCMAKE_PREFIX_PATH=$(CURDIR)/build/c-prefix -DCMAKE_C_FLAGS="-Wall -Wextra -Werror"
	$(CMAKE) --build build/c-consumer -j$(C_JOBS)
	build/c-consumer/consumer_shared
	build/c-consumer/consumer_static

cross-neon: deps-c
	$(CMAKE) -S . -B build/c-neon -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/cmake/aarch64-linux-gnu.cmake $(C_CMAKE_FLAGS)
	$(CMAKE) --build build/c-neon -j$(C_JOBS)
	cd build/c-neon && NVX_TEST_QUICK=1 $(CTEST) --output-on-failure -j$(C_JOBS)
	aarch64-linux-gnu-gcc $(C_WARN_FLAGS) -Icsrc/include -c csrc/nvx_unity.c -o /dev/null
