// SPDX-License-Identifier: MIT
/*
 * vprime_demo - the userspace demo and the install path, checked in the VM:
 * a short run of userspace-demo/build/vprime-demo must pass its own
 * verification, dkms must build both modules from dkms.conf against the
 * running kernel's headers, and modinfo must document every parameter.
 */

/**
 * TEST: vprime demo
 * Category: Software building block
 * Description: The zero-copy demo passes its own verification; the DKMS
 *              package builds; every module parameter is documented.
 * Feature: prime, kms, packaging
 *
 * SUBTEST: demo-smoke
 * Description: vprime-demo shows 30 frames (captures every 10th) into a temp
 *              dir; it exits 0 and its summary.json reports 30 of 30 frames
 *              shown, 0 mismatches, 0 bytes copied, all 3 buffers shared
 *              (the display's import is the GPU's dma-buf) and the captures
 *              as PNGs.
 *
 * SUBTEST: demo-cli
 * Description: vprime-demo --help lists every option; an unknown option or
 *              a bad value exits 2 with the usage; a missing GPU or display
 *              exits 1 naming vprime.num_gpus / vprime.num_displays; SIGINT
 *              during a run exits 130 with summary.json written and marked
 *              interrupted.
 *
 * SUBTEST: dkms-build
 * Description: The host's `make dkms-check` (run by `make check`, `make
 *              soak` and, for the debug kernel, `make check-debug` before
 *              the VM boots: dkms add + build of dkms.conf against the
 *              running kernel's headers or build directory in a scratch
 *              --sourcetree/--dkmstree; a build under TCG would take over
 *              15 minutes) passed for exactly the current sources and the
 *              running kernel, and the modules dkms built carry this
 *              kernel's vermagic and vprime's dependency; it did not
 *              build the test module.
 *
 * SUBTEST: modinfo-params
 * Description: For vprime_core.ko, vprime.ko and the test module
 *              vprime_test.ko, `modinfo -p` lists every
 *              parameter the loaded module has in sysfs, each with a
 *              description that states its default.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "igt.h"
#include "vprime_igt.h"

IGT_TEST_DESCRIPTION("The zero-copy demo passes its own verification, the "
		     "DKMS package builds and modinfo documents every "
		     "module parameter.");

#define DEMO_FRAMES	30
#define LOG_TAIL	4000

static char root[PATH_MAX / 2];

/* The project root: this binary is <root>/igt-tests/build/vprime_demo. */
static void find_root(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	igt_assert_f(n > 0, "readlink(/proc/self/exe): %m\n");
	exe[n] = '\0';
	snprintf(root, sizeof(root), "%s", dirname(dirname(dirname(exe))));
}

/* Run @argv with stdout+stderr into @log; the wait status. */
static int run_logged(char *const argv[], const char *log)
{
	pid_t pid = vprime_spawn_logged(argv, log, root);
	int status;

	igt_assert_f(waitpid(pid, &status, 0) == pid, "waitpid: %m\n");
	return status;
}

static char *read_all(const char *path)
{
	static char buf[1 << 16];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static void show_log(const char *log)
{
	char *text = read_all(log);
	size_t len;

	if (!text)
		return;
	len = strlen(text);
	igt_info("--- %s (tail) ---\n%s\n", log,
		 len > LOG_TAIL ? text + len - LOG_TAIL : text);
}

/* The number after "key": at the top level of summary.json (first match). */
static long long json_int(const char *json, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(json, pat);
	igt_assert_f(p, "summary.json has no \"%s\"\n", key);
	return strtoll(p + strlen(pat), NULL, 10);
}

static bool is_png(const char *path)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
					      0x1a, '\n' };
	unsigned char buf[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = read(fd, buf, sizeof(buf)) == sizeof(buf) &&
	     !memcmp(buf, sig, sizeof(sig));
	close(fd);
	return ok;
}

/* PNG captures of frame @frame, from writeback or readback. */
static bool have_capture(const char *dir, unsigned int frame)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/capture-%05u.png", dir, frame);
	if (is_png(path))
		return true;
	snprintf(path, sizeof(path), "%s/readback-%05u.png", dir, frame);
	return is_png(path);
}

static void remove_tree(const char *dir)
{
	char *argv[] = { "rm", "-rf", (char *)dir, NULL };
	char log[] = "/dev/null";

	run_logged(argv, log);
}

static void demo_path(char *demo, size_t size)
{
	snprintf(demo, size, "%s/userspace-demo/build/vprime-demo", root);
	igt_require_f(access(demo, X_OK) == 0,
		      "%s not built (make demo-bin)\n", demo);
}

/* The run's summary.json in @dir (static storage); fails if it is missing. */
static char *read_summary(const char *dir)
{
	char path[PATH_MAX];
	char *json;

	snprintf(path, sizeof(path), "%s/summary.json", dir);
	json = read_all(path);
	igt_assert_f(json, "no %s: %m\n", path);
	return json;
}

static void test_demo_smoke(void)
{
	char demo[PATH_MAX], dir[] = "/tmp/vprime-demo.XXXXXX", log[PATH_MAX];
	char frames[16], *json;
	char *argv[] = { demo, "--frames", frames, "--capture", "every-10",
			 "--out", dir, "--progress", "none", NULL };
	unsigned int f;
	int status;

	demo_path(demo, sizeof(demo));
	igt_assert_f(mkdtemp(dir), "mkdtemp: %m\n");
	snprintf(frames, sizeof(frames), "%d", DEMO_FRAMES);
	snprintf(log, sizeof(log), "%s/demo.log", dir);

	status = run_logged(argv, log);
	show_log(log);
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "vprime-demo failed: wait status 0x%x\n", status);

	json = read_summary(dir);
	igt_assert_eq(json_int(json, "frames_requested"), DEMO_FRAMES);
	igt_assert_eq(json_int(json, "frames_shown"), DEMO_FRAMES);
	igt_assert_eq(json_int(json, "mismatches"), 0);
	igt_assert_eq(json_int(json, "bytes_copied"), 0);
	/* the default 3 buffers, each scanned out as the GPU's own dma-buf */
	igt_assert_eq(json_int(json, "shared_buffers"), 3);
	igt_assert_eq(json_int(json, "captures"), DEMO_FRAMES / 10);
	for (f = 0; f < DEMO_FRAMES; f += 10)
		igt_assert_f(have_capture(dir, f), "no PNG capture of frame %u\n",
			     f);
	remove_tree(dir);
}

/* Run the demo with @args; its exit code, its output in @log. */
static int demo_exit(const char *demo, const char *log, char **args)
{
	char *argv[16] = { (char *)demo };
	int status, i;

	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	status = run_logged(argv, log);
	igt_assert_f(WIFEXITED(status), "vprime-demo: wait status 0x%x\n",
		     status);
	return WEXITSTATUS(status);
}

static void assert_log_has(const char *log, const char *needle)
{
	char *text = read_all(log);

	igt_assert_f(text && strstr(text, needle), "\"%s\" not in the output\n",
		     needle);
}

/*
 * The command line as a person meets it: --help documents every option,
 * bad usage exits 2, a missing device names the module parameter, SIGINT
 * still writes the summary.
 */
static void test_demo_cli(void)
{
	static const char * const options[] = {
		"--frames", "--buffers", "--render-ms", "--pattern", "--capture",
		"--out", "--copy", "--verify-all", "--gpu", "--display",
		"--progress", "--help",
	};
	char demo[PATH_MAX], dir[] = "/tmp/vprime-demo.XXXXXX", log[PATH_MAX];
	char *json, *text;
	unsigned int i;
	int status;
	pid_t pid;

	demo_path(demo, sizeof(demo));
	igt_assert_f(mkdtemp(dir), "mkdtemp: %m\n");
	snprintf(log, sizeof(log), "%s/cli.log", dir);

	igt_assert_eq(demo_exit(demo, log, (char *[]){ "--help", NULL }), 0);
	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		assert_log_has(log, options[i]);

	igt_assert_eq(demo_exit(demo, log, (char *[]){ "--bogus", NULL }), 2);
	assert_log_has(log, "usage");
	igt_assert_eq(demo_exit(demo, log,
				(char *[]){ "--buffers", "1", NULL }), 2);
	igt_assert_eq(demo_exit(demo, log,
				(char *[]){ "--render-ms", "x", NULL }), 2);

	igt_assert_eq(demo_exit(demo, log, (char *[]){ "--gpu", "7", "--out",
						       dir, NULL }), 1);
	assert_log_has(log, "vprime.num_gpus");
	igt_assert_eq(demo_exit(demo, log, (char *[]){ "--display", "7", "--out",
						       dir, NULL }), 1);
	assert_log_has(log, "vprime.num_displays");

	/* SIGINT once frames are flowing: exit 130, summary written */
	pid = vprime_spawn_logged((char *[]){ demo, "--frames", "100000", "--capture",
				       "none", "--out", dir, "--progress",
				       "lines", NULL }, log, root);
	for (i = 0; i < 600; i++) {
		text = read_all(log);
		if (text && strstr(text, "frame 50/"))
			break;
		usleep(100 * 1000);
	}
	igt_assert_f(text && strstr(text, "frame 50/"),
		     "no progress line after 60 s\n");
	igt_assert_eq(kill(pid, SIGINT), 0);
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	show_log(log);
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 130,
		     "after SIGINT: wait status 0x%x\n", status);
	json = read_summary(dir);
	igt_assert_f(strstr(json, "\"interrupted\": true"),
		     "summary.json doesn't say it was interrupted\n");
	igt_assert_lte(50, json_int(json, "frames_shown"));
	igt_assert_eq(json_int(json, "mismatches"), 0);
	remove_tree(dir);
}

/* Output of @argv (run in the project root), or NULL if it failed. */
static char *run_output(char *const argv[])
{
	char log[] = "/tmp/vprime-demo-test.XXXXXX";
	char *text;
	int fd, status;

	fd = mkstemp(log);
	igt_assert_f(fd >= 0, "mkstemp: %m\n");
	close(fd);
	status = run_logged(argv, log);
	text = read_all(log);
	unlink(log);
	if (!WIFEXITED(status) || WEXITSTATUS(status) || !text)
		return NULL;
	return strdup(text);
}

static char *first_line(char *text)
{
	if (text)
		text[strcspn(text, "\n")] = '\0';
	return text;
}

static char *read_result(const char *dir, const char *name)
{
	char path[PATH_MAX], *text;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	text = read_all(path);
	igt_assert_f(text, "no %s: %m\n", path);
	return first_line(strdup(text));
}

/* The hash mk/dkms-check.sh records, of the DKMS source set as it is now. */
static char *current_sources_hash(void)
{
	char script[] =
		"set -e; d=$(mktemp -d /tmp/vprime-dkms-src.XXXXXX); "
		"make -s --no-print-directory dkms-source DKMS_SRC=$d/s >/dev/null; "
		"cd $d/s && find . -type f | LC_ALL=C sort | xargs sha256sum | "
		"sha256sum | cut -d' ' -f1; rm -rf $d";
	char *argv[] = { "sh", "-c", script, NULL };

	return first_line(run_output(argv));
}

static void check_dkms_module(const char *dir, const char *name,
			      const char *release)
{
	char ko[PATH_MAX], *out;
	char *vermagic[] = { "modinfo", "-F", "vermagic", ko, NULL };
	char *depends[] = { "modinfo", "-F", "depends", ko, NULL };

	snprintf(ko, sizeof(ko), "%s/%s.ko", dir, name);
	out = run_output(vermagic);
	igt_assert_f(out, "modinfo %s failed\n", ko);
	igt_assert_f(!strncmp(out, release, strlen(release)) &&
		     out[strlen(release)] == ' ',
		     "%s: vermagic '%s' is not for %s\n", ko, first_line(out),
		     release);
	free(out);
	if (strcmp(name, "vprime"))
		return;
	out = run_output(depends);
	igt_assert_f(out && strstr(out, "vprime_core"),
		     "%s does not depend on vprime_core\n", ko);
	free(out);
}

static void test_dkms_build(void)
{
	char dir[PATH_MAX], *status, *kver, *hash, *now;
	struct utsname u;

	snprintf(dir, sizeof(dir), "%s/out/dkms-check", root);
	igt_require_f(access(dir, F_OK) == 0,
		      "no %s: run `make dkms-check` on the host (make check does)\n",
		      dir);
	igt_assert_eq(uname(&u), 0);
	status = read_result(dir, "status");
	kver = read_result(dir, "kver");
	hash = read_result(dir, "sources.sha256");
	now = current_sources_hash();
	igt_assert_f(now, "could not hash the current DKMS sources\n");
	igt_require_f(!strcmp(hash, now),
		      "out/dkms-check is stale (sources changed since): run make dkms-check\n");
	igt_assert_f(!strcmp(kver, u.release),
		     "dkms built for %s, the VM runs %s\n", kver, u.release);
	if (strcmp(status, "pass")) {
		snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir),
			 "/dkms.log");
		show_log(dir);
	}
	igt_assert_f(!strcmp(status, "pass"), "dkms build failed on the host\n");
	check_dkms_module(dir, "vprime_core", u.release);
	check_dkms_module(dir, "vprime", u.release);
	free(status);
	free(kver);
	free(hash);
	free(now);
}

/* Check `modinfo -p <ko>` against /sys/module/<name>/parameters. */
static void check_module_params(const char *ko, const char *name)
{
	char path[PATH_MAX], log[] = "/tmp/vprime-modinfo.XXXXXX", *text;
	char name_key[300], *line, *line_end, *p;
	char *argv[] = { "modinfo", "-p", path, NULL };
	struct dirent *de;
	unsigned int n = 0;
	DIR *dir;
	int fd, status;

	snprintf(path, sizeof(path), "%s/%s", root, ko);
	igt_require_f(access(path, R_OK) == 0, "%s not built\n", path);
	fd = mkstemp(log);
	igt_assert_f(fd >= 0, "mkstemp: %m\n");
	close(fd);
	status = run_logged(argv, log);
	text = read_all(log);
	unlink(log);
	igt_assert_f(WIFEXITED(status) && !WEXITSTATUS(status) && text,
		     "modinfo -p %s failed\n", path);
	igt_info("modinfo -p %s:\n%s", ko, text);

	/* every line: "name:description (default ...) (type)" */
	for (p = text; *p; p = line_end + (*line_end == '\n')) {
		line_end = p + strcspn(p, "\n");
		if (line_end == p)
			continue;
		line = strndup(p, (size_t)(line_end - p));
		igt_assert(line);
		igt_assert_f(strchr(line, ':') && strchr(line, ':')[1] != ' ' &&
			     strchr(line, ':')[1] != '\0',
			     "%s: parameter without description: %s\n", ko, line);
		igt_assert_f(strstr(line, "default"),
			     "%s: description states no default: %s\n", ko, line);
		free(line);
	}

	/* every parameter of the loaded module is listed */
	snprintf(path, sizeof(path), "/sys/module/%s/parameters", name);
	dir = opendir(path);
	igt_require_f(dir, "module %s not loaded\n", name);
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(name_key, sizeof(name_key), "\n%s:", de->d_name);
		igt_assert_f(!strncmp(text, name_key + 1, strlen(name_key + 1)) ||
			     strstr(text, name_key),
			     "%s: parameter %s missing from modinfo -p\n", ko,
			     de->d_name);
		n++;
	}
	closedir(dir);
	igt_assert_f(n > 0, "%s has no parameters in sysfs\n", name);
}

igt_main
{
	igt_fixture
		find_root();

	igt_describe("The demo's own verification passes on a short run.");
	igt_subtest("demo-smoke")
		test_demo_smoke();

	igt_describe("--help documents every option, bad usage exits 2, a "
		     "missing device names the module parameter, SIGINT stops "
		     "cleanly with the summary written.");
	igt_subtest("demo-cli")
		test_demo_cli();

	igt_describe("dkms builds both modules from dkms.conf.");
	igt_subtest("dkms-build")
		test_dkms_build();

	igt_describe("modinfo shows every module parameter with its default.");
	igt_subtest("modinfo-params") {
		check_module_params("dma-buf-core/vprime_core.ko", "vprime_core");
		check_module_params("drm-driver/vprime.ko", "vprime");
		check_module_params("dma-buf-core/test/vprime_test.ko",
				    "vprime_test");
	}
}
