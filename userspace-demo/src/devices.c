// SPDX-License-Identifier: MIT
/*
 * Finding vprime's devices: walk /dev/dri, ask each node's driver name with
 * drmGetVersion() and take the index-th match. When none matches, say which
 * module and which parameter would create it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"

static bool node_has_driver(int fd, const char *driver)
{
	drmVersionPtr v = drmGetVersion(fd);
	bool match;

	if (!v)
		return false;
	match = v->name && !strcmp(v->name, driver);
	drmFreeVersion(v);
	return match;
}

static int cmp_names(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	size_t lx = strlen(*x), ly = strlen(*y);

	/* card2 before card10 */
	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(*x, *y);
}

/* Sorted names of /dev/dri entries starting with @prefix; NULL-terminated. */
static char **list_nodes(const char *prefix, unsigned int *count)
{
	DIR *dir = opendir("/dev/dri");
	struct dirent *de;
	char **names = NULL, **tmp;
	unsigned int n = 0;

	*count = 0;
	if (!dir)
		return NULL;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		tmp = realloc(names, (n + 1) * sizeof(*names));
		if (!tmp)
			break;
		names = tmp;
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(dir);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*count = n;
	return names;
}

static void free_nodes(char **names, unsigned int n)
{
	while (n--)
		free(names[n]);
	free(names);
}

/**
 * demo_open_driver - open the @index-th DRM node of @driver
 * @render: look at render nodes (renderD*) instead of primary nodes (card*)
 *
 * Returns the fd (O_RDWR | O_CLOEXEC) or -1.
 */
int demo_open_driver(const char *driver, unsigned int index, bool render)
{
	unsigned int i, n, seen = 0;
	char **names = list_nodes(render ? "renderD" : "card", &n);
	char path[300];
	int fd, found = -1;

	for (i = 0; i < n && found < 0; i++) {
		snprintf(path, sizeof(path), "/dev/dri/%s", names[i]);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (node_has_driver(fd, driver) && seen++ == index)
			found = fd;
		else
			close(fd);
	}
	free_nodes(names, n);
	return found;
}

/* Why is there no @index-th device of @driver? Tell the user what to load. */
void demo_explain_missing(const char *driver, unsigned int index)
{
	bool gpu = !strcmp(driver, DEMO_GPU_DRIVER);
	const char *param = gpu ? "num_gpus" : "num_displays";
	char path[128], val[32] = "";
	FILE *f;

	demo_msg("no DRM device #%u with driver \"%s\" in /dev/dri", index,
		 driver);
	if (access("/sys/module/vprime", F_OK)) {
		demo_msg("the module vprime is not loaded: load vprime_core.ko, then vprime.ko (modprobe vprime, or insmod dma-buf-core/vprime_core.ko drm-driver/vprime.ko) with vprime.%s >= %u",
			 param, index + 1);
		return;
	}
	snprintf(path, sizeof(path), "/sys/module/vprime/parameters/%s",
		 param);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(val, sizeof(val), f))
			val[0] = '\0';
		fclose(f);
		val[strcspn(val, "\n")] = '\0';
	}
	demo_msg("vprime is loaded with vprime.%s=%s: reload it with vprime.%s=%u or more (or pick another --%s index)",
		 param, val[0] ? val : "?", param, index + 1,
		 gpu ? "gpu" : "display");
}
