# The two commands of the README: `make run` and `make test`.
# Both install what is missing (Debian packages), then build with CMake + Ninja.

BUILD_DIR ?= build
BUILD_TYPE ?= Release
DATA_DIR ?= .pipegrid
HTTP ?= 127.0.0.1:8080
JOBS ?= $(shell nproc)
EXAMPLE ?= examples/diamond.yaml
PIPEGRID := $(BUILD_DIR)/pipegrid

.PHONY: all deps build test run stop bench bench-distributed bench-suite clean

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

bench: build
	@scripts/install-deps.sh bench
	bench/foundation.sh "$(PIPEGRID)"

# Master + workers on loopback: dispatch vs up, worker-loss recovery, worker RSS.
bench-distributed: build
	@scripts/install-deps.sh bench
	bench/distributed.sh "$(PIPEGRID)"

# Issue 6 suite: W1-W4 and L1 against the floors, Celery and Dask (RUNS=N, default 5).
bench-suite: build
	@scripts/install-deps.sh bench
	bench/suite.sh "$(PIPEGRID)"

clean:
	rm -rf $(BUILD_DIR)
