# Thin wrapper around CMake (the neovim pattern): `make`, `make demo`,
# `make test`, `make install`. Everything real lives in CMakeLists.txt.

BUILD_DIR      ?= build
ASAN_BUILD_DIR ?= build-asan
BUILD_TYPE     ?= RelWithDebInfo
PREFIX         ?= /usr/local
CMAKE_FLAGS    ?=
JOBS           ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_FLAGS    ?= --output-on-failure

DEMO_CAPTURE ?= pcaps/expressway.pcapng
DEMO_STORE   ?= pcaps/expressway-store.pem

.PHONY: all tlsscope deps deps-test demo test test-fast test-diff test-asan test-fuzz fuzz bench-check install clean distclean

all: tlsscope

# Build dependencies; installed with apt when run as root, otherwise the
# exact apt-get line is printed and make stops.
deps:
	@sh .ci/deps.sh build

deps-test:
	@sh .ci/deps.sh test

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	      -DCMAKE_INSTALL_PREFIX=$(PREFIX) -DTLSSCOPE_WERROR=ON $(CMAKE_FLAGS)

tlsscope: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS) --target tlsscope

# Runs tlsscope on the bundled Expressway capture and trust store. Exit
# status 1 means "some server fails verification", which is the point of the
# demo; only 2 (usage/input error) or worse fails the target.
demo: tlsscope
	@echo '$$ tlsscope -b -r $(DEMO_CAPTURE) --trust $(DEMO_STORE)'
	@$(BUILD_DIR)/tlsscope -b -r $(DEMO_CAPTURE) --trust $(DEMO_STORE); \
	  rc=$$?; [ $$rc -le 1 ] || exit $$rc

# Seconds per fuzz target: `make fuzz` (by hand) and `make test-fuzz` (CI).
FUZZ_SECONDS    ?= 60
FUZZ_CI_SECONDS ?= 10

# The whole suite: a normal build, then the same tests under ASan+UBSan,
# then a short run of every fuzz target.
test: deps-test test-fast test-asan test-fuzz

test-fast: deps-test $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)
	cd $(BUILD_DIR) && ctest -j $(JOBS) $(CTEST_FLAGS)

# The speed guard, for before a release; not part of `make test` (it takes
# minutes and the bench captures, made once with `sudo bench/run.sh gen`):
# fails when tlsscope's CPU time over a bare libpcap loop, text or JSON, on
# any bench capture grew by more than 10% against the table bench/RESULTS.md
# has for this machine.
bench-check:
	bench/run.sh check

# The differential suites against OpenSSL 1.1.1v and 3.0 (docs/DIFFERENTIAL.md).
# `make test` runs them as ctest tests diff.expressway and diff.rfc on seed 1
# and a NEW seed, printed for replay (1000 scenarios each); the ASan build
# leaves them out (they test verdicts, not memory). `make test-diff` is the
# longer exploring run: the same seeds, TLSSCOPE_DIFF_COUNT scenarios each
# (default 4000) per profile.
TLSSCOPE_DIFF_COUNT ?= 4000
test-diff: deps-test $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)
	python3 tests/diff/gen-chains.py --chaincheck $(BUILD_DIR)/tests/chaincheck \
	        --profile expressway --seed 1 --seed run --count $(TLSSCOPE_DIFF_COUNT)
	python3 tests/diff/gen-chains.py --chaincheck $(BUILD_DIR)/tests/chaincheck \
	        --profile rfc --seed 1 --seed run --count $(TLSSCOPE_DIFF_COUNT) --crosscheck 100

test-asan: deps-test
	cmake -S . -B $(ASAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=Debug -DTLSSCOPE_SANITIZE=ON \
	      -DTLSSCOPE_WERROR=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)
	cd $(ASAN_BUILD_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1 ctest -j $(JOBS) $(CTEST_FLAGS) -LE 'slow|diff'

# libFuzzer targets (fuzz/README.md): clang build in build-fuzz, seeds from
# the bundled captures, each target FUZZ_SECONDS. The corpus grows across
# runs in build-fuzz/fuzz-corpus; crashes land in build-fuzz/fuzz-artifacts.
fuzz: deps-test
	JOBS=$(JOBS) sh fuzz/run.sh $(FUZZ_SECONDS)

test-fuzz: deps-test
	JOBS=$(JOBS) sh fuzz/run.sh $(FUZZ_CI_SECONDS)

install: tlsscope
	cmake --install $(BUILD_DIR)

clean:
	-cmake --build $(BUILD_DIR) --target clean

distclean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) build-fuzz
