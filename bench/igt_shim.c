// SPDX-License-Identifier: MIT
/*
 * igt_shim.c - LD_PRELOAD shim that lets Debian's intel-gpu-tools
 * benchmarks (kms_vblank, prime_lookup) run on a generic DRM device.
 *
 * Those benchmarks open their device with drm_open_driver(DRIVER_INTEL)
 * and prime_lookup creates buffers with the i915 gem_create(); everything
 * else they do is generic DRM (WAIT_VBLANK, PRIME, GEM_CLOSE). The shim
 * replaces those two entry points of libigt.so.0: the device is the one
 * whose DRM driver name is $VPRIME_SHIM_DRIVER (default vprime_kms), and
 * gem_create() makes a vprime BO (vprime_gpu) or a dumb buffer (others).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <drm.h>
#include <xf86drm.h>

#include "drm/vprime_drm.h"
#include "vprime_util.h"

static const char *shim_driver(void)
{
	const char *d = getenv("VPRIME_SHIM_DRIVER");

	return d && *d ? d : "vprime_kms";
}

int drm_open_driver(int chipset);
int drm_open_driver(int chipset)
{
	const char *driver = shim_driver();
	int fd = vprime_open_driver_node(driver, 0, false);

	if (fd < 0) {
		fprintf(stderr, "igt_shim: no DRM device named %s\n", driver);
		exit(77);	/* IGT's skip */
	}
	return fd;
}

uint32_t gem_create(int fd, uint64_t size);
uint32_t gem_create(int fd, uint64_t size)
{
	if (!strcmp(shim_driver(), "vprime_gpu")) {
		struct drm_vprime_bo_create c = { .size = size };

		if (ioctl(fd, DRM_IOCTL_VPRIME_BO_CREATE, &c)) {
			perror("igt_shim: VPRIME_BO_CREATE");
			exit(1);
		}
		return c.handle;
	} else {
		struct drm_mode_create_dumb c = {
			.width = 1024, .bpp = 32, .height = (size + 4095) / 4096,
		};

		if (ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c)) {
			perror("igt_shim: MODE_CREATE_DUMB");
			exit(1);
		}
		return c.handle;
	}
}

void gem_close(int fd, uint32_t handle);
void gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	if (ioctl(fd, DRM_IOCTL_GEM_CLOSE, &c)) {
		perror("igt_shim: GEM_CLOSE");
		exit(1);
	}
}
