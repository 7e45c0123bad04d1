# The two commands of the README: `make run` and `make test`.
# Both install what is missing (Debian packages), then build with CMake + Ninja.

BUILD_DIR ?= build
BUILD_TYPE ?= Release
DATA_DIR ?= .pipegrid
HTTP ?= 127.0.0.1:8080
JOBS ?= $(shell nproc)
EXAMPLE ?= examples/diamond.yaml
PIPEGRID := $(BUILD_DIR)/pipegrid

.PHONY: all deps build test run stop bench bench-foundation bench-distributed bench-suite \
	bench-s1 bench-m1 bench-micro clean

all: build

deps:
	@scripts/install-deps.sh
	@scripts/install-deploy-deps.sh
	@scripts/install-ui-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) --timeout 300

# Starts `pipegrid up` in the background (pid file in the data dir), waits
# until it is ready, runs the example pipeline and leaves the server running.
run: build
	@scripts/run-up.sh "$(PIPEGRID)" "$(DATA_DIR)" "$(HTTP)" "$(EXAMPLE)"

stop:
	@scripts/stop-up.sh "$(DATA_DIR)"

# Issue 6's whole suite: W1-W4 and L1 against the floors and the peers, S1
# (submit throughput), M1 (memory), then the Google Benchmark micro-benchmarks.
bench: bench-suite bench-s1 bench-m1 bench-micro

# One target per script in bench/, which installs the peers it runs against:
#   bench-suite        W1-W4 and L1 against the floors, Celery and Dask (RUNS=N, default 5)
#   bench-s1           single-task jobs/s at fixed rates and at saturation, one 10,000-task job
#   bench-m1           RSS of up idle and after 100,000 tasks, of an idle worker, of a bare
#                      gRPC client
#   bench-distributed  master + workers on loopback: dispatch vs up, worker loss, worker RSS
#   bench-foundation   the first probe: 2000 `true` vs xargs, submit-to-start latency
BENCH_SCRIPTS := suite s1 m1 distributed foundation
$(addprefix bench-,$(BENCH_SCRIPTS)): bench-%: build
	@scripts/install-deps.sh bench
	bench/$*.sh "$(PIPEGRID)"

bench-micro: build
	$(BUILD_DIR)/bench/spec_bench
	$(BUILD_DIR)/bench/store_bench
	$(BUILD_DIR)/bench/spawn_bench
	$(BUILD_DIR)/bench/scheduler_bench

clean:
	rm -rf $(BUILD_DIR)
