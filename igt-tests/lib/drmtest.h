/* SPDX-License-Identifier: MIT */
/*
 * drmtest.h - vprime's declarations for IGT's DRM device opening helpers,
 * matching libigt.so.0 from intel-gpu-tools 1.27.1.
 *
 * The DRIVER_* bits are those of libigt.so.0's internal module table
 * (read from its .data.rel.ro: intel 1, vc4 2, vgem 4, amdgpu 8, v3d 16,
 * panfrost 32, msm 64). DRIVER_ANY opens any driver except vgem, including
 * drivers the library does not know, such as vprime_gpu and vprime_kms; use
 * the vprime_open_*() helpers of vprime_igt.h to pick one of ours by name.
 */
#ifndef DRMTEST_H
#define DRMTEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "igt_core.h"

#define DRIVER_INTEL	(1 << 0)
#define DRIVER_VC4	(1 << 1)
#define DRIVER_VGEM	(1 << 2)
#define DRIVER_AMDGPU	(1 << 3)
#define DRIVER_V3D	(1 << 4)
#define DRIVER_PANFROST	(1 << 5)
#define DRIVER_MSM	(1 << 6)
#define DRIVER_ANY	~(DRIVER_VGEM)

#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))
#define ALIGN_MASK(v, mask) (((v) + (mask)) & ~(mask))
#define ALIGN(v, a) ALIGN_MASK(v, (typeof(v))(a) - 1)

/* Open the first matching device; the non-__ variants skip when none. */
int __drm_open_driver(int chipset);
int __drm_open_driver_render(int chipset);
int __drm_open_driver_another(int idx, int chipset);
int drm_open_driver(int chipset);
int drm_open_driver_master(int chipset);
int drm_open_driver_render(int chipset);

bool is_i915_device(int fd);
bool is_amdgpu_device(int fd);
bool is_vc4_device(int fd);
bool is_msm_device(int fd);
bool is_nouveau_device(int fd);

/* igt_ioctl is a function pointer in the library (a hook for fault tests). */
extern int (*igt_ioctl)(int fd, unsigned long request, void *arg);

#define do_or_die(x) igt_assert((x) == 0)

#define do_ioctl(fd, ioc, ioc_data) do { \
	igt_assert_eq(igt_ioctl((fd), (ioc), (ioc_data)), 0); \
	errno = 0; \
} while (0)

#define do_ioctl_err(fd, ioc, ioc_data, err) do { \
	igt_assert_eq(igt_ioctl((fd), (ioc), (ioc_data)), -1); \
	igt_assert_eq(errno, err); \
	errno = 0; \
} while (0)

#endif /* DRMTEST_H */
