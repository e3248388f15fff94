// SPDX-License-Identifier: MIT
/*
 * Finding vprime's devices: the index-th node of a driver, by name
 * (vprime_open_driver_node() of lib/vprime_util). When none matches, say
 * which module and which parameter would create it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"
#include "vprime_util.h"

/**
 * demo_open_driver - open the @index-th DRM node of @driver
 * @render: look at render nodes (renderD*) instead of primary nodes (card*)
 *
 * Returns the fd (O_RDWR | O_CLOEXEC) or -1.
 */
int demo_open_driver(const char *driver, unsigned int index, bool render)
{
	int fd = vprime_open_driver_node(driver, index, render);

	return fd < 0 ? -1 : fd;
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
