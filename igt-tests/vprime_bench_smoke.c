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
 *
 * SUBTEST: peer-build
 * Description: The peer vkms for the running kernel loads: the kernel's
 *              own module where it has one (the debug lane's kernel), else
 *              make check's host-side build (bench/build-peers), which must
 *              have succeeded for this kernel.
 *
 * SUBTEST: compose-peer
 * Description: One composition window of one plane at 1024x768 on
 *              vprime_kms and on vkms, both measured, vs memcpy.
 *
 * SUBTEST: flip-peer
 * Description: A 10-frame flip run on vprime and on the vgem+vkms anchor,
 *              both measured.
 *
 * SUBTEST: kmscube-peer
 * Description: kmscube renders frames on vprime_kms and on vkms, and the
 *              frame-timing shim reports a frame rate for each.
 *
 * SUBTEST: compositor
 * Description: bench/run-bench -q compositor (a client under Weston,
 *              zero-copy and composited, and vprime-demo's direct-KMS
 *              pipeline) exits 0 and bench/report finds its three figures,
 *              each with a value and a reference.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "igt.h"
#include "vprime_igt.h"

IGT_TEST_DESCRIPTION("Each vprime benchmark runs once at its smallest size "
		     "and prints well-formed figures (no timing assertions).");

static char bench_bin[PATH_MAX];
static char top_dir[PATH_MAX - 128];	/* the project directory */

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
	snprintf(top_dir, sizeof(top_dir), "%.3900s/../..", self);
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

/*
 * Run "vprime-bench -q @args" and check it exits 0; its figure and series
 * lines go to @out, one per line. The output is read and the child reaped
 * before anything is asserted on it, so a failed check leaves no child.
 */
static void bench_cmd(const char *cmd, char *out, size_t size)
{
	char line[8192];
	size_t len = 0;
	int status;
	FILE *f;

	igt_info("running %s\n", cmd);
	f = popen(cmd, "r");
	igt_assert(f);
	out[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		igt_info("%s", line);
		if ((!strncmp(line, "{\"figure\": {", 12) ||
		     !strncmp(line, "{\"series\": {", 12)) && len + n < size) {
			memcpy(out + len, line, n + 1);
			len += n;
		}
	}
	status = pclose(f);
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "%s exited with status 0x%x\n", cmd, status);
}

static void bench_run(const char *args, char *out, size_t size)
{
	char cmd[PATH_MAX + 256];

	igt_require_f(access(bench_bin, X_OK) == 0,
		      "%s not built (make bench-bin)\n", bench_bin);
	snprintf(cmd, sizeof(cmd), "%s -q %s", bench_bin, args);
	bench_cmd(cmd, out, size);
}

/* The next line of @p (NUL-terminated in place), NULL at the end. */
static char *next_line(char **p)
{
	char *line = *p, *nl;

	if (!*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = 0;
		*p = nl + 1;
	} else {
		*p = line + strlen(line);
	}
	return line;
}

static char bench_out[65536];

/* Run "vprime-bench -q @args"; returns the figure count. */
static int run_bench(const char *args, int *series)
{
	char *p = bench_out, *line;
	int figures = 0;

	bench_run(args, bench_out, sizeof(bench_out));
	*series = 0;
	while ((line = next_line(&p))) {
		if (!strncmp(line, "{\"figure\": {", 12)) {
			check_figure(line);
			figures++;
		} else {
			igt_assert_f(isfinite(json_number(line, "y")),
				     "series point without y: %s", line);
			(*series)++;
		}
	}
	return figures;
}

/* Every figure of "vprime-bench -q @args" has a measured vkms peer. */
static void expect_peer(const char *args, int min_figures)
{
	char *p = bench_out, *line;
	int figures = 0;

	bench_run(args, bench_out, sizeof(bench_out));
	while ((line = next_line(&p))) {
		const char *peer;
		double v;

		if (strncmp(line, "{\"figure\": {", 12))
			continue;
		check_figure(line);
		peer = strstr(line, "\"peer\": {");
		igt_assert_f(peer, "figure without a peer: %s", line);
		v = json_number(peer, "value");
		igt_assert_f(isfinite(v) && v >= 0,
			     "the peer was not measured: %s", line);
		igt_assert_f(isfinite(json_number(peer, "runs")),
			     "peer without runs: %s", line);
		figures++;
	}
	igt_assert_f(figures >= min_figures, "%d figures with a peer, want >= %d\n",
		     figures, min_figures);
}

#define VKMS_PARAMS "enable_cursor=1 enable_writeback=1 enable_overlay=1"

/*
 * Load the peer display: the running kernel's own vkms where it has one
 * (the debug lane's kernel builds it from the same linux-source-6.1), else
 * the one bench/build-peers built on the host for Debian's kernel.
 */
static void load_vkms(void)
{
	char cmd[PATH_MAX + 256];

	if (vprime_module_loaded("vkms"))
		return;
	snprintf(cmd, sizeof(cmd),
		 "modprobe -a drm_kms_helper drm_shmem_helper vgem && "
		 "{ modprobe -q vkms " VKMS_PARAMS " 2>/dev/null || "
		 "insmod %s/out/peers/vkms.ko " VKMS_PARAMS "; }",
		 top_dir);
	igt_assert_f(system(cmd) == 0,
		     "%s failed: the peer (bench/build-peers) does not load\n", cmd);
	igt_assert(vprime_module_loaded("vkms"));
}

static void unload_vkms(void)
{
	if (vprime_module_loaded("vkms"))
		igt_assert_f(system("rmmod vkms") == 0, "rmmod vkms failed\n");
}

/* /dev/dri/cardN of @driver into @path; false when absent. */
static bool card_of(const char *driver, char *path, size_t size)
{
	int i;

	for (i = 0; i < 64; i++) {
		int fd;
		bool match;

		snprintf(path, size, "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		match = vprime_is_driver(fd, driver);
		close(fd);
		if (match)
			return true;
	}
	return false;
}

/*
 * kmscube -c @frames on @driver's display with the frame-timing shim;
 * returns the frame rate it reports. kmscube stops as soon as its stdin
 * is readable, so stdin is a pipe nobody writes to.
 */
static double kmscube_fps(const char *driver, int frames)
{
	char card[64], shim[PATH_MAX], log[64], text[16384], count[16];
	int in[2], status, flips = 0;
	double fps = NAN;
	const char *p;
	pid_t pid;

	igt_assert_f(card_of(driver, card, sizeof(card)), "no %s display\n", driver);
	snprintf(shim, sizeof(shim), "%s/bench/build/libvprime-kmscube-shim.so",
		 top_dir);
	igt_require_f(access(shim, R_OK) == 0, "%s not built\n", shim);
	snprintf(log, sizeof(log), "/tmp/kmscube-%s.log", driver);
	snprintf(count, sizeof(count), "%d", frames);
	igt_assert(pipe(in) == 0);
	pid = fork();
	igt_assert(pid >= 0);
	if (!pid) {
		int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(in[0], 0);
		dup2(out, 1);
		dup2(out, 2);
		close(in[1]);
		setenv("LD_PRELOAD", shim, 1);
		execlp("kmscube", "kmscube", "-D", card, "-v", "1024x768",
		       "-c", count, NULL);
		_exit(127);
	}
	close(in[0]);
	igt_assert(waitpid(pid, &status, 0) == pid);
	close(in[1]);
	igt_assert(vprime_read_file(log, text, sizeof(text)) >= 0);
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "kmscube on %s (%s) failed, status 0x%x:\n%s\n", driver,
		     card, status, text);
	p = strstr(text, "kmscube-shim: flips ");
	igt_assert_f(p && sscanf(p, "kmscube-shim: flips %d fps %lf", &flips,
				 &fps) == 2,
		     "no frame rate from the shim on %s:\n%s\n", driver, text);
	igt_info("kmscube on %s (%s): %d flips, %.2f frames/s\n", driver, card,
		 flips, fps);
	igt_assert_f(flips >= frames, "%d flips for %d frames on %s\n", flips,
		     frames, driver);
	igt_assert_f(isfinite(fps) && fps > 0, "frame rate %f on %s\n", fps,
		     driver);
	return fps;
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

	igt_describe("The host-side peer build (bench/build-peers) passed for this kernel.");
	igt_subtest("peer-build") {
		char path[PATH_MAX], text[256];
		struct utsname u;

		if (!system("modinfo vkms >/dev/null 2>&1")) {
			igt_info("the running kernel has its own vkms: that is the peer, bench/build-peers' build is not used\n");
		} else {
			snprintf(path, sizeof(path), "%s/out/peers/status", top_dir);
			igt_assert_f(vprime_read_file(path, text, sizeof(text)) >= 0,
				     "%s missing: make check runs bench/build-peers first\n",
				     path);
			igt_assert_f(!strncmp(text, "pass", 4), "peer build: %s", text);
			snprintf(path, sizeof(path), "%s/out/peers/kver", top_dir);
			igt_assert(vprime_read_file(path, text, sizeof(text)) >= 0);
			igt_assert(uname(&u) == 0);
			igt_assert_f(!strncmp(text, u.release, strlen(u.release)),
				     "vkms built for %s, running %s\n", text,
				     u.release);
		}
		load_vkms();
		unload_vkms();
	}

	igt_subtest_group {
		igt_fixture
			load_vkms();

		igt_describe("Composition on vprime_kms and vkms side by side, vs memcpy.");
		igt_subtest("compose-peer")
			expect_peer("compose-peer", 1);

		igt_describe("The flip pipeline on vprime and on the vgem+vkms anchor.");
		igt_subtest("flip-peer")
			expect_peer("flip", 3);

		igt_describe("kmscube runs on each display and its frame rate is measured.");
		igt_subtest("kmscube-peer") {
			kmscube_fps("vprime_kms", 12);
			kmscube_fps("vkms", 12);
		}

		igt_fixture
			unload_vkms();
	}

	igt_describe("The compositor figures (Weston vs the direct-KMS pipeline) are measured.");
	igt_subtest("compositor") {
		static const char *const names[] = {
			"compositor.weston.zero_copy.latency",
			"compositor.weston.composited.latency",
			"compositor.weston.composited.cpu_per_frame",
		};
		char cmd[2 * PATH_MAX], pat[96], *p = bench_out, *line;
		unsigned int i, found = 0;

		/* its own output directory: a make bench's results stay */
		snprintf(cmd, sizeof(cmd),
			 "cd %s && BENCH_OUT=out/bench-smoke bench/run-bench -q compositor >&2 && "
			 "bench/report --figures out/bench-smoke/bench.json", top_dir);
		bench_cmd(cmd, bench_out, sizeof(bench_out));
		while ((line = next_line(&p))) {
			check_figure(line);
			for (i = 0; i < ARRAY_SIZE(names); i++) {
				snprintf(pat, sizeof(pat), "\"name\": \"%s\"",
					 names[i]);
				if (strstr(line, pat))
					found |= 1u << i;
			}
		}
		for (i = 0; i < ARRAY_SIZE(names); i++)
			igt_assert_f(found & (1u << i), "no figure %s\n", names[i]);
	}
}
