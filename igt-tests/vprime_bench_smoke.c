// SPDX-License-Identifier: MIT
/*
 * vprime_bench_smoke - every benchmark of bench/ still runs: each subtest
 * runs one benchmark once at its smallest size (vprime-bench -q) and
 * checks that it exits 0 and that every figure it prints is well formed
 * (name, a finite non-negative value, unit, reference, ratio, spread,
 * runs). There are no timing assertions: timing belongs to `make bench`.
 */

/**
 * TEST: vprime bench smoke
 * Category: Software building block
 * Description: Runs each vprime benchmark once at its smallest size and
 *              checks its output is sane; no timing is asserted.
 * Feature: vprime benchmarks
 *
 * SUBTEST: prime
 * Description: PRIME round trip and fresh import (vprime_gpu, vgem if loaded).
 *
 * SUBTEST: share
 * Description: Zero-copy export+import+map+CPU touch of 4 KiB vs memcpy.
 *
 * SUBTEST: scale
 * Description: Export/import cost with 10 live shared buffers, slab counters.
 *
 * SUBTEST: engine
 * Description: FILL and COPY bandwidth on 8 MiB vs memset/memcpy.
 *
 * SUBTEST: compose
 * Description: Composition time of one plane at 1024x768 from debugfs.
 *
 * SUBTEST: flip
 * Description: A 10-frame nonblocking flip run with implicit fences.
 *
 * SUBTEST: hold
 * Description: The mode "hold" runs a command while 1024x768 is set.
 */

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "igt.h"
#include "vprime_igt.h"

IGT_TEST_DESCRIPTION("Each vprime benchmark runs once at its smallest size "
		     "and prints well-formed figures (no timing assertions).");

static char bench_bin[PATH_MAX];

/* bench/build/vprime-bench, relative to igt-tests/build/<this binary>. */
static void find_bench(void)
{
	char self[PATH_MAX - 64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	igt_assert(n > 0);
	self[n] = 0;
	slash = strrchr(self, '/');
	igt_assert(slash);
	*slash = 0;
	snprintf(bench_bin, sizeof(bench_bin),
		 "%s/../../bench/build/vprime-bench", self);
}

/* The number after "key": in @obj, or NAN when absent or null. */
static double json_number(const char *obj, const char *key)
{
	char pat[64];
	const char *p;
	char *end;
	double v;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(obj, pat);
	if (!p)
		return NAN;
	p += strlen(pat);
	v = strtod(p, &end);
	return end == p ? NAN : v;
}

static void check_figure(const char *line)
{
	static const char *const keys[] = {
		"\"name\": \"", "\"unit\": \"", "\"reference\": {",
		"\"ratio\": ", "\"spread\": {", "\"runs\": ",
	};
	const char *ref = strstr(line, "\"reference\": {");
	double value = json_number(line, "value");
	double runs = json_number(line, "runs");
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		igt_assert_f(strstr(line, keys[i]), "figure without %s: %s",
			     keys[i], line);
	igt_assert_f(isfinite(value) && value >= 0,
		     "figure value not a non-negative number: %s", line);
	igt_assert_f(runs >= 1, "figure without runs: %s", line);
	/* a reference may only be missing when it is vgem and vgem is absent */
	if (!strstr(ref, "\"name\": \"vgem\""))
		igt_assert_f(isfinite(json_number(ref, "value")),
			     "figure without a reference value: %s", line);
}

/* Run "vprime-bench -q @args", check exit 0; returns the figure count. */
static int run_bench(const char *args, int *series)
{
	char cmd[PATH_MAX + 256], line[8192];
	int figures = 0, status;
	FILE *f;

	igt_require_f(access(bench_bin, X_OK) == 0,
		      "%s not built (make bench-bin)\n", bench_bin);
	snprintf(cmd, sizeof(cmd), "%s -q %s", bench_bin, args);
	igt_info("running %s\n", cmd);
	f = popen(cmd, "r");
	igt_assert(f);
	*series = 0;
	while (fgets(line, sizeof(line), f)) {
		igt_info("%s", line);
		if (!strncmp(line, "{\"figure\": {", 12)) {
			check_figure(line);
			figures++;
		} else if (!strncmp(line, "{\"series\": {", 12)) {
			igt_assert_f(isfinite(json_number(line, "y")),
				     "series point without y: %s", line);
			(*series)++;
		}
	}
	status = pclose(f);
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "%s exited with status 0x%x\n", cmd, status);
	return figures;
}

static void expect(const char *args, int min_figures, int min_series)
{
	int series, figures = run_bench(args, &series);

	igt_assert_f(figures >= min_figures, "%d figures, want >= %d\n",
		     figures, min_figures);
	igt_assert_f(series >= min_series, "%d series points, want >= %d\n",
		     series, min_series);
}

igt_main
{
	igt_fixture
		find_bench();

	igt_describe("PRIME round trip and fresh import figures.");
	igt_subtest("prime")
		expect("prime", 2, 0);

	igt_describe("Zero-copy share of 4 KiB vs memcpy.");
	igt_subtest("share")
		expect("share", 1, 2);

	igt_describe("Export/import cost with 10 live buffers and slab bytes.");
	igt_subtest("scale")
		expect("scale", 3, 2);

	igt_describe("FILL and COPY on 8 MiB vs memset/memcpy.");
	igt_subtest("engine")
		expect("engine", 2, 0);

	igt_describe("Composition time of one plane at 1024x768.");
	igt_subtest("compose")
		expect("compose", 1, 1);

	igt_describe("A short flip run with implicit fences from GPU jobs.");
	igt_subtest("flip")
		expect("flip", 3, 0);

	igt_describe("hold keeps a mode set while a command runs; its status is returned.");
	igt_subtest("hold") {
		char cmd[PATH_MAX + 64];
		int status;

		igt_require_f(access(bench_bin, X_OK) == 0,
			      "%s not built (make bench-bin)\n", bench_bin);
		snprintf(cmd, sizeof(cmd), "%s hold sh -c 'exit 3'", bench_bin);
		status = system(cmd);
		igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 3,
			     "hold returned 0x%x, want exit 3\n", status);
	}
}
