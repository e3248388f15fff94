// SPDX-License-Identifier: MIT
/*
 * vprime_modules.c - reloading vprime's modules from a test, see
 * vprime_modules.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <igt.h>

#include "vprime_igt.h"
#include "vprime_modules.h"

#define PARAMS_MAX	1024

static char kos_core[256], kos_drv[256], kos_test[256];
/* vprime_test's parameters when vprime_modules_unload() unloaded it */
static char test_params[PARAMS_MAX];

void vprime_modules_require(char *core_ko, char *drv_ko, size_t size)
{
	const char *kos = getenv("VPRIME_KOS");

	igt_require_f(kos && sscanf(kos, "%255s %255s %255s", kos_core, kos_drv,
				    kos_test) == 3,
		      "VPRIME_KOS (the module files, set by vm/guest) is needed to load the modules again\n");
	if (core_ko)
		snprintf(core_ko, size, "%s", kos_core);
	if (drv_ko)
		snprintf(drv_ko, size, "%s", kos_drv);
}

void vprime_module_params(const char *name, char *buf, size_t size)
{
	char dir[96], path[384], value[128];
	struct dirent *e;
	size_t len = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/sys/module/%s/parameters", name);
	buf[0] = '\0';
	d = opendir(dir);
	if (!d)
		return;	/* a module without parameters */
	while ((e = readdir(d))) {
		int n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		igt_assert_lte(0, vprime_read_file(path, value, sizeof(value)));
		value[strcspn(value, "\n")] = '\0';
		n = snprintf(buf + len, size - len, "%s=%s ", e->d_name, value);
		igt_assert(n > 0 && (size_t)n < size - len);
		len += n;
	}
	closedir(d);
}

int __vprime_module_load(const char *ko, const char *params)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params, 0))
		ret = -errno;
	close(fd);
	return ret;
}

void vprime_module_load(const char *ko, const char *params)
{
	int ret = __vprime_module_load(ko, params);

	igt_assert_f(ret == 0, "finit_module(%s, \"%s\"): %s\n", ko, params,
		     strerror(-ret));
}

int __vprime_module_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

/*
 * A dma-buf whose last reference a kernel thread dropped (a GPU job's
 * retire) is released by the kernel's delayed fput a moment later; until
 * then it holds its exporter's modules. So "in use" is retried briefly.
 */
static int vprime_module_unload_settled(const char *name)
{
	int ret, tries;

	for (tries = 0; tries < 100; tries++) {
		ret = __vprime_module_unload(name);
		if (ret != -EAGAIN)
			break;
		usleep(10 * 1000);
	}
	return ret;
}

void vprime_modules_unload(void)
{
	int ret;

	vprime_modules_require(NULL, NULL, 0);
	if (vprime_module_loaded("vprime_test")) {
		vprime_module_params("vprime_test", test_params,
				     sizeof(test_params));
		ret = vprime_module_unload_settled("vprime_test");
		igt_assert_f(ret == 0, "unloading vprime_test: %s\n",
			     strerror(-ret));
	}
	if (vprime_module_loaded("vprime")) {
		ret = vprime_module_unload_settled("vprime");
		igt_assert_f(ret == 0, "unloading vprime: %s\n",
			     strerror(-ret));
	}
	ret = vprime_module_unload_settled("vprime_core");
	igt_assert_f(ret == 0, "unloading vprime_core: %s\n", strerror(-ret));
	igt_assert(!vprime_module_loaded("vprime"));
	igt_assert(!vprime_module_loaded("vprime_core"));
	igt_assert(!vprime_module_loaded("vprime_test"));
}

void vprime_test_module_load(void)
{
	vprime_modules_require(NULL, NULL, 0);
	vprime_module_load(kos_test, test_params);
}

const char *vprime_test_module_file(void)
{
	vprime_modules_require(NULL, NULL, 0);
	return kos_test;
}

static void reload(const char *drv_params)
{
	char core_params[PARAMS_MAX];

	vprime_modules_require(NULL, NULL, 0);
	vprime_module_params("vprime_core", core_params, sizeof(core_params));
	vprime_modules_unload();
	vprime_module_load(kos_core, core_params);
	vprime_test_module_load();
	vprime_module_load(kos_drv, drv_params);
}

void vprime_modules_reload(const char *drv_extra, char *saved)
{
	char cur[PARAMS_MAX], params[PARAMS_MAX + 128];

	vprime_module_params("vprime", cur, sizeof(cur));
	if (saved)
		memcpy(saved, cur, sizeof(cur));
	snprintf(params, sizeof(params), "%s%s", cur, drv_extra ? drv_extra : "");
	reload(params);
}

void vprime_modules_restore(const char *saved)
{
	reload(saved);
}

bool vprime_kmsg_has(int fd, const char *text)
{
	char buf[2048];
	ssize_t n;

	/* EPIPE: records were overwritten; the next read goes on after them */
	while ((n = read(fd, buf, sizeof(buf) - 1)) > 0 ||
	       (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (strstr(buf, text))
			return true;
	}
	return false;
}

void vprime_module_load_refused(const char *ko, const char *name,
				const char *params, const char *message)
{
	int kmsg, ret;

	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	igt_assert_lte(0, kmsg);
	lseek(kmsg, 0, SEEK_END);
	ret = __vprime_module_load(ko, params);
	igt_assert_f(ret == -EINVAL, "loading %s with \"%s\": %s, expected EINVAL\n",
		     name, params, strerror(-ret));
	igt_assert(!vprime_module_loaded(name));
	igt_assert_f(vprime_kmsg_has(kmsg, message),
		     "no \"%s\" in the kernel log\n", message);
	close(kmsg);
}

void vprime_modules_core_only(char *drv_ko, size_t size, char *saved)
{
	char core_ko[256], core[1024];

	igt_assert(size <= sizeof(core_ko));
	vprime_modules_require(core_ko, drv_ko, size);
	vprime_module_params("vprime", saved, 1024);
	vprime_module_params("vprime_core", core, sizeof(core));
	vprime_modules_unload();
	vprime_module_load(core_ko, core);
	vprime_test_module_load();
}

void vprime_module_check_refused(const char *drv_ko, const char *saved,
				 const struct vprime_refused_load *bad,
				 unsigned int count)
{
	char params[1200];
	unsigned int i;

	for (i = 0; i < count; i++) {
		snprintf(params, sizeof(params), "%s %s", saved, bad[i].params);
		vprime_module_load_refused(drv_ko, "vprime", params,
					   bad[i].message);
	}
}
