/* SPDX-License-Identifier: MIT */
/*
 * vprime_igt.h - helpers shared by vprime's IGT tests.
 *
 * Devices are found by DRM driver name (drmGetVersion()), never by node
 * number: "vprime_gpu" is the render GPU, "vprime_kms" the display. The
 * vprime_open_*() helpers skip the current subtest when the device is absent;
 * the __vprime_open_*() variants return a negative errno instead.
 *
 * Include "igt.h" before this header.
 */
#ifndef VPRIME_IGT_H
#define VPRIME_IGT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* device lookup, properties, debugfs and files: the plain-C part */
#include "vprime_util.h"

#define VPRIME_GPU_DRIVER	"vprime_gpu"
#define VPRIME_KMS_DRIVER	"vprime_kms"
#define VPRIME_HEAP_PATH	"/dev/vprime_heap"
/* the test module vprime_test.ko's node: user fences, importer devices */
#define VPRIME_TEST_PATH	"/dev/vprime_test"

/*
 * Open the @index-th (0-based) DRM device of @driver; -ENODEV if absent
 * (vprime_open_driver_node() with IGT's debug log).
 */
int __vprime_open_driver(const char *driver, int index, bool render);
/* Number of primary (card) nodes whose driver is @driver. */
int vprime_count_devices(const char *driver);

int vprime_open_gpu(int index);
int vprime_open_gpu_render(int index);
int vprime_open_display(int index);
int vprime_heap_open(void);
/* Open /dev/vprime_test; skips without the test module. */
int vprime_test_open(void);
/*
 * Set vprime_test.fence_timeout_ms for the fences attached from now on
 * (skips without the parameter); the value before the first call comes
 * back with vprime_test_restore_fence_timeout() or at exit.
 */
void vprime_test_set_fence_timeout(unsigned int ms);
void vprime_test_restore_fence_timeout(void);

/* True if kernel module @name is loaded (/sys/module/<name> exists). */
bool vprime_module_loaded(const char *name);

/*
 * Upstream IGT has no greater-than assertions; provide them when building
 * against upstream headers (IGT_SRC=) so tests may use them either way.
 */
#ifndef igt_assert_gt
#define igt_assert_gt(n1, n2) igt_assert_cmpint(n1, >, <=, n2)
#endif
#ifndef igt_assert_gte
#define igt_assert_gte(n1, n2) igt_assert_cmpint(n1, >=, <, n2)
#endif
#ifndef igt_assert_lt_u32
#define igt_assert_lt_u32(n1, n2) igt_assert_cmpuint(n1, <, >=, n2)
#endif
#ifndef igt_assert_lte_u32
#define igt_assert_lte_u32(n1, n2) igt_assert_cmpuint(n1, <=, >, n2)
#endif
#ifndef igt_assert_gt_u32
#define igt_assert_gt_u32(n1, n2) igt_assert_cmpuint(n1, >, <=, n2)
#endif
#ifndef igt_assert_gte_u32
#define igt_assert_gte_u32(n1, n2) igt_assert_cmpuint(n1, >=, <, n2)
#endif
#ifndef igt_assert_gt_u64
#define igt_assert_gt_u64(n1, n2) igt_assert_cmpu64(n1, >, <=, n2)
#endif
#ifndef igt_assert_gte_u64
#define igt_assert_gte_u64(n1, n2) igt_assert_cmpu64(n1, >=, <, n2)
#endif
#ifndef igt_assert_neq_s64
#define igt_assert_neq_s64(n1, n2) igt_assert_cmps64(n1, !=, ==, n2)
#endif
#ifndef igt_assert_gt_s64
#define igt_assert_gt_s64(n1, n2) igt_assert_cmps64(n1, >, <=, n2)
#endif
#ifndef igt_assert_gte_s64
#define igt_assert_gte_s64(n1, n2) igt_assert_cmps64(n1, >=, <, n2)
#endif

/*
 * Fork and exec @argv (PATH searched) in @dir (NULL: the current directory)
 * with stdout and stderr into the file @log; the child's pid.
 */
pid_t vprime_spawn_logged(char *const argv[], const char *log,
			  const char *dir);

#endif /* VPRIME_IGT_H */
