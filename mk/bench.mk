# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks (issue 8).
#   make bench        build, boot the VM once, run every benchmark, write
#                     out/bench/bench.json, a table and plots
#   make bench-bin    only build bench/build/{vprime-bench,libvprime-*-shim.so}
#   make bench-report redo the table and plots from out/bench/bench.json
#   make peers        build the measurement peer vkms (bench/build-peers)
#                     into out/peers/, from a cache
#
# `make tests` also builds the benchmark binaries: the IGT test
# vprime_bench_smoke runs each of them once at its smallest size, the
# side-by-side ones against vkms: `make check` builds the peer on the host
# first (as it does the dkms build) and records a failure for the suite.

BENCH_BUILD := bench/build
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_PROG_SRCS := $(filter-out bench/igt_shim.c bench/kmscube_shim.c,$(BENCH_SRCS))
# the userspace library the tests, demo and fuzzer share
BENCH_UTIL := lib/vprime_util.c
# Recursive (=): pkg-config runs only when a bench binary is built, after
# scripts/install-deps, never while a Makefile is read.
BENCH_CFLAGS = -O2 -g -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
		-Wno-missing-field-initializers -D_GNU_SOURCE \
		-Iinclude/uapi -Ilib $(shell pkg-config --cflags libdrm)
BENCH_LIBS = $(shell pkg-config --libs libdrm) -lpthread -lm
BENCH_MEMORY ?= 4096
BENCH_TIMEOUT ?= 1500

.PHONY: bench bench-bin bench-report peers peers-record

bench-bin: $(BENCH_BUILD)/vprime-bench $(BENCH_BUILD)/libvprime-igt-shim.so \
	   $(BENCH_BUILD)/libvprime-kmscube-shim.so

$(BENCH_BUILD)/vprime-bench: $(BENCH_PROG_SRCS) bench/common.h $(BENCH_UTIL) \
			     lib/vprime_util.h $(wildcard include/uapi/*/*.h) \
			     | $(BENCH_BUILD)
	$(CC) $(BENCH_CFLAGS) -o $@ $(BENCH_PROG_SRCS) $(BENCH_UTIL) $(BENCH_LIBS)

$(BENCH_BUILD)/libvprime-igt-shim.so: bench/igt_shim.c $(BENCH_UTIL) lib/vprime_util.h \
				      | $(BENCH_BUILD)
	$(CC) $(BENCH_CFLAGS) -shared -fPIC -o $@ $< $(BENCH_UTIL) $(BENCH_LIBS)

$(BENCH_BUILD)/libvprime-kmscube-shim.so: bench/kmscube_shim.c | $(BENCH_BUILD)
	$(CC) $(BENCH_CFLAGS) -shared -fPIC -o $@ $< $(BENCH_LIBS) -ldl

$(BENCH_BUILD):
	mkdir -p $@

tests: bench-bin

peers:
	@scripts/install-deps peers
	bench/build-peers out/peers

peers-record:
	@scripts/install-deps peers
	@bench/build-peers out/peers || \
		echo "build-peers: recorded the failure for the suite"

check soak: peers-record

bench: deps
	@scripts/install-deps bench
	$(MAKE) modules bench-bin
	bench/build-peers out/peers || echo "bench: no peer: vkms columns will be marked missing"
	@mkdir -p out/bench
	vm/run --memory $(BENCH_MEMORY) --timeout $(BENCH_TIMEOUT) \
		--modparam vprime.num_overlays=3 -- bench/run-bench
	bench/report --doc docs/performance.md --doc README.md out/bench/bench.json

bench-report:
	bench/report --doc docs/performance.md --doc README.md out/bench/bench.json
