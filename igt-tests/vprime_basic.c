// SPDX-License-Identifier: MIT
/*
 * vprime_basic - smoke tests: the modules are loaded and register the heap,
 * a GPU and a display device that userspace finds by driver name.
 */

/**
 * TEST: vprime basic
 * Category: Software building block
 * Description: Checks that vprime's modules are loaded, depend on each other,
 *              and expose the heap, GPU and display devices the other tests use.
 * Feature: vprime core
 *
 * SUBTEST: basic-modules
 * Description: vprime_core and vprime are loaded and vprime uses vprime_core.
 *
 * SUBTEST: basic-heap
 * Description: /dev/vprime_heap is a character device that opens read-write.
 *
 * SUBTEST: basic-gpu-device
 * Description: A card node with driver name "vprime_gpu" exists.
 *
 * SUBTEST: basic-gpu-render-node
 * Description: The GPU also has a render node with the same driver.
 *
 * SUBTEST: basic-display-device
 * Description: A card node with driver name "vprime_kms" exists.
 *
 * SUBTEST: basic-distinct-devices
 * Description: GPU and display are separate devices named vprime*.
 *
 * SUBTEST: basic-device-count
 * Description: One device per vprime.num_gpus / vprime.num_displays.
 *
 * SUBTEST: basic-debugfs-name
 * Description: Each device's debugfs "name" file reports its driver.
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "igt.h"
#include "vprime_igt.h"

IGT_TEST_DESCRIPTION("Smoke tests: vprime's modules, heap, GPU and display "
		     "devices are present and found by driver name.");

#define CORE_MODULE "vprime_core"
#define DRM_MODULE "vprime"

/* Read an integer module parameter of vprime.ko; -1 if it has none. */
static int drm_module_param(const char *name)
{
	char path[128];
	uint64_t val;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s",
		 DRM_MODULE, name);
	if (vprime_read_u64(path, &val))
		return -1;
	return (int)val;
}

/* Open device @index of @driver or fail: the module is loaded, so it must be there. */
static int open_or_fail(const char *driver, int index, bool render)
{
	int fd = __vprime_open_driver(driver, index, render);

	igt_assert_f(fd >= 0, "no %s node #%d with driver %s\n",
		     render ? "render" : "card", index, driver);
	return fd;
}

static void check_driver_name(int fd, const char *expected)
{
	char name[64];

	igt_assert_eq(vprime_driver_name(fd, name, sizeof(name)), 0);
	igt_assert_f(!strcmp(name, expected), "driver name \"%s\", expected \"%s\"\n",
		     name, expected);
}

static unsigned int primary_minor(int fd)
{
	struct stat st;

	igt_assert_eq(fstat(fd, &st), 0);
	igt_assert(S_ISCHR(st.st_mode));
	return minor(st.st_rdev);
}

static void check_debugfs_name(int fd, const char *driver)
{
	char buf[256];
	int len;

	len = vprime_debugfs_read(fd, "name", buf, sizeof(buf));
	igt_assert_f(len > 0, "reading debugfs name: %s\n", strerror(-len));
	igt_info("debugfs name: %s", buf);
	igt_assert_f(!strncmp(buf, driver, strlen(driver)) &&
		     buf[strlen(driver)] == ' ',
		     "debugfs name \"%s\" does not start with %s\n", buf, driver);
}

igt_main
{
	igt_describe("Check that vprime_core.ko and vprime.ko are loaded and that "
		     "vprime.ko uses vprime_core's exported symbols.");
	igt_subtest("basic-modules") {
		igt_require_f(vprime_module_loaded(CORE_MODULE),
			      "%s is not loaded (run the test under vm/run)\n",
			      CORE_MODULE);
		igt_assert_f(vprime_module_loaded(DRM_MODULE),
			     "%s is loaded but %s is not\n", CORE_MODULE, DRM_MODULE);
		igt_assert_f(access("/sys/module/" CORE_MODULE "/holders/" DRM_MODULE,
				    F_OK) == 0,
			     "%s does not hold a reference on %s\n",
			     DRM_MODULE, CORE_MODULE);
	}

	igt_describe("Check that the allocator device /dev/vprime_heap exists and "
		     "opens read-write.");
	igt_subtest("basic-heap") {
		struct stat st;
		int fd;

		igt_require_f(vprime_module_loaded(CORE_MODULE),
			      "%s is not loaded\n", CORE_MODULE);
		igt_assert_f(stat(VPRIME_HEAP_PATH, &st) == 0,
			     "stat %s: %s\n", VPRIME_HEAP_PATH, strerror(errno));
		igt_assert(S_ISCHR(st.st_mode));
		fd = open(VPRIME_HEAP_PATH, O_RDWR | O_CLOEXEC);
		igt_assert_f(fd >= 0, "open %s: %s\n", VPRIME_HEAP_PATH,
			     strerror(errno));
		close(fd);
	}

	igt_describe("Devices of the DRM module; these need vprime.ko loaded.");
	igt_subtest_group {
		int num_gpus = -1, num_displays = -1;

		igt_fixture {
			igt_require_f(vprime_module_loaded(DRM_MODULE),
				      "%s is not loaded (run the test under vm/run)\n",
				      DRM_MODULE);
			num_gpus = drm_module_param("num_gpus");
			num_displays = drm_module_param("num_displays");
			igt_info("vprime.num_gpus=%d vprime.num_displays=%d\n",
				 num_gpus, num_displays);
		}

		igt_describe("Check that a GPU device is found by its driver name.");
		igt_subtest("basic-gpu-device") {
			int fd;

			igt_require_f(num_gpus != 0, "loaded with num_gpus=0\n");
			fd = open_or_fail(VPRIME_GPU_DRIVER, 0, false);
			check_driver_name(fd, VPRIME_GPU_DRIVER);
			close(fd);
		}

		igt_describe("Check that the GPU has a render node of the same driver.");
		igt_subtest("basic-gpu-render-node") {
			int fd;

			igt_require_f(num_gpus != 0, "loaded with num_gpus=0\n");
			fd = open_or_fail(VPRIME_GPU_DRIVER, 0, true);
			check_driver_name(fd, VPRIME_GPU_DRIVER);
			igt_assert_lte(128, (int)primary_minor(fd));
			close(fd);
		}

		igt_describe("Check that a display device is found by its driver name.");
		igt_subtest("basic-display-device") {
			int fd;

			igt_require_f(num_displays != 0, "loaded with num_displays=0\n");
			fd = open_or_fail(VPRIME_KMS_DRIVER, 0, false);
			check_driver_name(fd, VPRIME_KMS_DRIVER);
			close(fd);
		}

		igt_describe("Check that the GPU and the display are two devices with "
			     "different vprime* driver names.");
		igt_subtest("basic-distinct-devices") {
			char gpu_name[64], kms_name[64];
			int gpu, kms;

			igt_require(num_gpus != 0 && num_displays != 0);
			gpu = open_or_fail(VPRIME_GPU_DRIVER, 0, false);
			kms = open_or_fail(VPRIME_KMS_DRIVER, 0, false);
			igt_assert_eq(vprime_driver_name(gpu, gpu_name, sizeof(gpu_name)), 0);
			igt_assert_eq(vprime_driver_name(kms, kms_name, sizeof(kms_name)), 0);
			igt_assert(!strncmp(gpu_name, "vprime", 6));
			igt_assert(!strncmp(kms_name, "vprime", 6));
			igt_assert_f(strcmp(gpu_name, kms_name),
				     "both devices are named %s\n", gpu_name);
			igt_assert_neq(primary_minor(gpu), primary_minor(kms));
			close(kms);
			close(gpu);
		}

		igt_describe("Check that the number of GPU and display devices matches "
			     "the vprime.num_gpus and vprime.num_displays parameters.");
		igt_subtest("basic-device-count") {
			igt_assert_f(num_gpus >= 0,
				     "vprime has no num_gpus parameter\n");
			igt_assert_f(num_displays >= 0,
				     "vprime has no num_displays parameter\n");
			igt_assert_eq(vprime_count_devices(VPRIME_GPU_DRIVER), num_gpus);
			igt_assert_eq(vprime_count_devices(VPRIME_KMS_DRIVER),
				      num_displays);
		}

		igt_describe("Check that every vprime device's debugfs directory "
			     "reports its driver in the \"name\" file.");
		igt_subtest_with_dynamic("basic-debugfs-name") {
			static const char *const drivers[] = {
				VPRIME_GPU_DRIVER, VPRIME_KMS_DRIVER,
			};
			unsigned int d;

			for (d = 0; d < ARRAY_SIZE(drivers); d++) {
				int n = vprime_count_devices(drivers[d]);
				int i;

				for (i = 0; i < n; i++) {
					igt_dynamic_f("%s-%d", drivers[d], i) {
						int fd = open_or_fail(drivers[d], i, false);

						check_debugfs_name(fd, drivers[d]);
						close(fd);
					}
				}
			}
		}
	}
}
