// SPDX-License-Identifier: MIT
/*
 * vprime_igt.c - device discovery, debugfs and small file helpers for
 * vprime's IGT tests. See vprime_igt.h for the contract of each function.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <xf86drm.h>

/*
 * Angle brackets on purpose: a quoted include would always pick lib/igt.h
 * (the directory of this file), while with IGT_SRC= the upstream lib/ must
 * win. The include path order decides, as it does for the tests.
 */
#include <igt.h>

#include "vprime_igt.h"

int __vprime_open_driver(const char *driver, int index, bool render)
{
	int fd = index < 0 ? -ENODEV :
		 vprime_open_driver_node(driver, index, render);

	if (fd >= 0)
		igt_debug("%s #%d is fd %d\n", driver, index, fd);
	return fd;
}

int vprime_count_devices(const char *driver)
{
	return vprime_count_driver_nodes(driver);
}

static int vprime_open_or_skip(const char *driver, int index, bool render)
{
	int fd = __vprime_open_driver(driver, index, render);

	igt_require_f(fd >= 0, "no %s node #%d of driver %s in /dev/dri\n",
		      render ? "render" : "card", index, driver);
	return fd;
}

int vprime_open_gpu(int index)
{
	return vprime_open_or_skip(VPRIME_GPU_DRIVER, index, false);
}

int vprime_open_gpu_render(int index)
{
	return vprime_open_or_skip(VPRIME_GPU_DRIVER, index, true);
}

int vprime_open_display(int index)
{
	return vprime_open_or_skip(VPRIME_KMS_DRIVER, index, false);
}

int vprime_heap_open(void)
{
	int fd = open(VPRIME_HEAP_PATH, O_RDWR | O_CLOEXEC);

	igt_require_f(fd >= 0, "cannot open %s: %s\n", VPRIME_HEAP_PATH,
		      strerror(errno));
	return fd;
}

int vprime_test_open(void)
{
	int fd = open(VPRIME_TEST_PATH, O_RDWR | O_CLOEXEC);

	igt_require_f(fd >= 0, "cannot open %s (the test module vprime_test.ko): %s\n",
		      VPRIME_TEST_PATH, strerror(errno));
	return fd;
}

#define TEST_FENCE_TIMEOUT "/sys/module/vprime_test/parameters/fence_timeout_ms"

static char test_timeout_saved[32];

static void test_timeout_exit_handler(int sig)
{
	vprime_test_restore_fence_timeout();
}

void vprime_test_restore_fence_timeout(void)
{
	int fd;

	if (!test_timeout_saved[0])
		return;
	fd = open(TEST_FENCE_TIMEOUT, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, test_timeout_saved, strlen(test_timeout_saved)) < 0)
		igt_debug("restoring %s failed\n", TEST_FENCE_TIMEOUT);
	close(fd);
}

void vprime_test_set_fence_timeout(unsigned int ms)
{
	int fd = open(TEST_FENCE_TIMEOUT, O_RDWR | O_CLOEXEC), len;
	char value[16];

	igt_require_f(fd >= 0, "no %s\n", TEST_FENCE_TIMEOUT);
	if (!test_timeout_saved[0]) {
		len = read(fd, test_timeout_saved, sizeof(test_timeout_saved) - 1);
		igt_assert_lt(0, len);
		test_timeout_saved[len] = 0;
		igt_install_exit_handler(test_timeout_exit_handler);
	}
	len = snprintf(value, sizeof(value), "%u", ms);
	igt_assert_eq(pwrite(fd, value, len, 0), len);
	close(fd);
}

bool vprime_module_loaded(const char *name)
{
	char path[128];
	char state[32];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return false;
	/* Loadable modules report "live" once init has finished. */
	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	if (vprime_read_file(path, state, sizeof(state)) < 0)
		return true; /* built in */
	return strncmp(state, "live", 4) == 0;
}

pid_t vprime_spawn_logged(char *const argv[], const char *log, const char *dir)
{
	pid_t pid = fork();
	int fd;

	igt_assert_f(pid >= 0, "fork: %m\n");
	if (!pid) {
		/* a test killed by its runner takes its children along */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		if (dir && chdir(dir))
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}
