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

#define DRM_MAJOR_NUM		226
#define DRM_MINORS_PER_TYPE	64
#define DRM_RENDER_MINOR_BASE	128

int vprime_driver_name(int fd, char *buf, size_t size)
{
	drmVersionPtr ver;

	ver = drmGetVersion(fd);
	if (!ver)
		return errno ? -errno : -EINVAL;
	snprintf(buf, size, "%s", ver->name ? ver->name : "");
	drmFreeVersion(ver);
	return 0;
}

bool vprime_is_driver(int fd, const char *driver)
{
	char name[64];

	if (vprime_driver_name(fd, name, sizeof(name)))
		return false;
	return strcmp(name, driver) == 0;
}

/*
 * Walk the card (or renderD) nodes in minor order and return an open fd
 * of the @index-th one driven by @driver.
 */
int __vprime_open_driver(const char *driver, int index, bool render)
{
	int base = render ? DRM_RENDER_MINOR_BASE : 0;
	const char *fmt = render ? "/dev/dri/renderD%d" : "/dev/dri/card%d";
	char path[64];
	int seen = 0;
	int minor;

	for (minor = base; minor < base + DRM_MINORS_PER_TYPE; minor++) {
		int fd;

		snprintf(path, sizeof(path), fmt, minor);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (vprime_is_driver(fd, driver) && seen++ == index) {
			igt_debug("%s #%d is %s\n", driver, index, path);
			return fd;
		}
		close(fd);
	}
	return -ENODEV;
}

int vprime_count_devices(const char *driver)
{
	int n = 0;
	int fd;

	while ((fd = __vprime_open_driver(driver, n, false)) >= 0) {
		close(fd);
		n++;
	}
	return n;
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

/* Minor of the primary (card) node of the DRM device behind @fd. */
static int vprime_primary_minor(int fd)
{
	char path[96];
	struct dirent *de;
	struct stat st;
	int minor = -ENOENT;
	DIR *dir;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != DRM_MAJOR_NUM)
		return -ENOTTY;
	if (minor(st.st_rdev) < DRM_RENDER_MINOR_BASE)
		return minor(st.st_rdev);

	/* A render node: its card sibling is listed in the parent's drm/. */
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/device/drm",
		 major(st.st_rdev), minor(st.st_rdev));
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (!strncmp(de->d_name, "card", 4) && isdigit(de->d_name[4])) {
			minor = atoi(de->d_name + 4);
			break;
		}
	}
	closedir(dir);
	return minor;
}

int vprime_debugfs_dir(int fd, char *path, size_t size)
{
	struct stat st;
	int minor;

	minor = vprime_primary_minor(fd);
	if (minor < 0)
		return minor;
	if (stat("/sys/kernel/debug/dri", &st))
		igt_debugfs_mount();
	snprintf(path, size, "/sys/kernel/debug/dri/%d", minor);
	if (stat(path, &st))
		return -errno;
	return 0;
}

int vprime_read_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t ret = 0;
	int fd;

	if (!size)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		ret = read(fd, buf + len, size - 1 - len);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0)
			break;
		len += ret;
	}
	if (ret < 0)
		ret = -errno;
	close(fd);
	buf[len] = '\0';
	return ret < 0 ? (int)ret : (int)len;
}

int vprime_debugfs_read(int fd, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];
	char dir[128];
	int ret;

	ret = vprime_debugfs_dir(fd, dir, sizeof(dir));
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return vprime_read_file(path, buf, size);
}

int vprime_parse_key(const char *text, const char *key, uint64_t *value)
{
	size_t klen = strlen(key);
	const char *line = text;

	while (line && *line) {
		const char *p = line;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!strncmp(p, key, klen) &&
		    (p[klen] == ':' || p[klen] == '=' || p[klen] == ' ' ||
		     p[klen] == '\t')) {
			char *end;

			p += klen;
			while (*p == ':' || *p == '=' || *p == ' ' || *p == '\t')
				p++;
			errno = 0;
			*value = strtoull(p, &end, 0);
			if (end == p || errno)
				return -EINVAL;
			return 0;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -ENOENT;
}

int vprime_debugfs_read_key(int fd, const char *name, const char *key,
			    uint64_t *value)
{
	char buf[16384];
	int ret;

	ret = vprime_debugfs_read(fd, name, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	return vprime_parse_key(buf, key, value);
}

int vprime_read_u64(const char *path, uint64_t *value)
{
	char buf[64];
	char *end;
	int ret;

	ret = vprime_read_file(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	errno = 0;
	*value = strtoull(buf, &end, 0);
	if (end == buf || errno)
		return -EINVAL;
	return 0;
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
