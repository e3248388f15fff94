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
 * Description: The GPU's card node (driver "vprime_gpu") is a render-only
 *              GEM device: PRIME import and export, syncobjs with
 *              timelines, and no KMS (GETRESOURCES is -EOPNOTSUPP).
 *
 * SUBTEST: basic-gpu-render-node
 * Description: The GPU's first render node belongs to the same device as
 *              its first card node (one parent device in sysfs).
 *
 * SUBTEST: basic-display-device
 * Description: The display's card node (driver "vprime_kms") is an atomic
 *              KMS device: at least one CRTC, encoder and connector, the
 *              atomic client cap, dumb buffers, PRIME import and export.
 *
 * SUBTEST: basic-distinct-devices
 * Description: The GPU and the display are separate devices in sysfs (so
 *              that each unbinds on its own), not two DRM devices of one.
 *
 * SUBTEST: basic-device-count
 * Description: One device per vprime.num_gpus / vprime.num_displays.
 *
 * SUBTEST: basic-debugfs-name
 * Description: Each device's debugfs "name" file reports its driver.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

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

static uint64_t get_cap(int fd, uint64_t cap)
{
	uint64_t value = 0;

	igt_assert_f(drmGetCap(fd, cap, &value) == 0, "DRM_CAP %#llx: %s\n",
		     (unsigned long long)cap, strerror(errno));
	return value;
}

/* The sysfs path of the device that DRM node @fd belongs to. */
static void parent_device(int fd, char *path, size_t size)
{
	char link[64];
	struct stat st;

	igt_assert_eq(fstat(fd, &st), 0);
	igt_assert(S_ISCHR(st.st_mode));
	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/device",
		 major(st.st_rdev), minor(st.st_rdev));
	igt_assert_f(realpath(link, path) && strlen(path) < size,
		     "realpath %s: %s\n", link, strerror(errno));
	igt_info("%s -> %s\n", link, path);
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

		igt_describe("Check that the GPU is a render-only PRIME device with syncobjs.");
		igt_subtest("basic-gpu-device") {
			int fd;

			igt_require_f(num_gpus != 0, "loaded with num_gpus=0\n");
			fd = open_or_fail(VPRIME_GPU_DRIVER, 0, false);
			igt_assert_eq_u64(get_cap(fd, DRM_CAP_PRIME),
					  DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT);
			igt_assert_eq_u64(get_cap(fd, DRM_CAP_SYNCOBJ), 1);
			igt_assert_eq_u64(get_cap(fd, DRM_CAP_SYNCOBJ_TIMELINE), 1);
			/* render only: no mode-setting objects at all */
			igt_assert(!drmModeGetResources(fd));
			igt_assert_eq(errno, EOPNOTSUPP);
			close(fd);
		}

		igt_describe("Check that the GPU's render node and card node are one device.");
		igt_subtest("basic-gpu-render-node") {
			char card_dev[PATH_MAX], render_dev[PATH_MAX];
			int card, render;

			igt_require_f(num_gpus != 0, "loaded with num_gpus=0\n");
			card = open_or_fail(VPRIME_GPU_DRIVER, 0, false);
			render = open_or_fail(VPRIME_GPU_DRIVER, 0, true);
			parent_device(card, card_dev, sizeof(card_dev));
			parent_device(render, render_dev, sizeof(render_dev));
			igt_assert_f(!strcmp(card_dev, render_dev),
				     "card node of %s, render node of %s\n",
				     card_dev, render_dev);
			close(render);
			close(card);
		}

		igt_describe("Check that the display is an atomic KMS device with dumb buffers and PRIME.");
		igt_subtest("basic-display-device") {
			drmModeRes *res;
			int fd;

			igt_require_f(num_displays != 0, "loaded with num_displays=0\n");
			fd = open_or_fail(VPRIME_KMS_DRIVER, 0, false);
			res = drmModeGetResources(fd);
			igt_assert_f(res, "GETRESOURCES: %s\n", strerror(errno));
			igt_info("%d CRTCs, %d encoders, %d connectors\n",
				 res->count_crtcs, res->count_encoders,
				 res->count_connectors);
			igt_assert_lte(1, res->count_crtcs);
			igt_assert_lte(1, res->count_encoders);
			igt_assert_lte(1, res->count_connectors);
			drmModeFreeResources(res);
			igt_assert_eq(drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1), 0);
			igt_assert_eq_u64(get_cap(fd, DRM_CAP_DUMB_BUFFER), 1);
			igt_assert_eq_u64(get_cap(fd, DRM_CAP_PRIME),
					  DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT);
			close(fd);
		}

		igt_describe("Check that the GPU and the display are separate devices in sysfs.");
		igt_subtest("basic-distinct-devices") {
			char gpu_dev[PATH_MAX], kms_dev[PATH_MAX];
			int gpu, kms;

			igt_require(num_gpus != 0 && num_displays != 0);
			gpu = open_or_fail(VPRIME_GPU_DRIVER, 0, false);
			kms = open_or_fail(VPRIME_KMS_DRIVER, 0, false);
			parent_device(gpu, gpu_dev, sizeof(gpu_dev));
			parent_device(kms, kms_dev, sizeof(kms_dev));
			igt_assert_f(strcmp(gpu_dev, kms_dev),
				     "GPU and display are both %s\n", gpu_dev);
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
