// SPDX-License-Identifier: MIT
/*
 * vprime_lifetime - lifetime of buffers shared between the vprime GPU and
 * display: GEM handles and dma-buf fds closed in every order, a 10,000
 * cycle leak check against the debugfs counters, unbinding either device
 * while the other one still uses a shared buffer, and module unload while
 * a process holds a shared buffer.
 *
 * "Alive" is read from vprime_core's debugfs stats (live_buffers,
 * attachments): every vprime buffer is a core buffer, whichever device
 * made it.
 */

/**
 * TEST: vprime lifetime
 * Category: Software building block
 * Description: Shared buffers live exactly as long as a reference does,
 *              nothing leaks, devices unbind and modules unload safely.
 * Feature: prime, hot-unplug
 *
 * SUBTEST: handle-close-first
 * Description: The GPU BO's handle is closed while its dma-buf fd lives;
 *              the buffer survives and is imported and shown afterwards.
 *
 * SUBTEST: fd-close-first
 * Description: The dma-buf fd is closed while the GPU and display handles
 *              live; the buffer survives until the last handle is closed.
 *
 * SUBTEST: importer-close-first
 * Description: The importing display device is closed first; its
 *              attachment goes away, the GPU keeps using the buffer.
 *
 * SUBTEST: leak-check
 * Description: 10,000 export/import/close cycles leave the core's and the
 *              devices' debugfs counters at their starting values.
 *
 * SUBTEST: unbind-gpu
 * Description: The GPU is unbound while the display scans out its buffer;
 *              the display keeps showing it, it is freed when the display
 *              lets go, and the GPU binds again.
 *
 * SUBTEST: unbind-display
 * Description: The display is unbound while the GPU renders into the
 *              display's buffer; the GPU keeps using it, it is freed with
 *              the GPU's handle, and the display binds again.
 *
 * SUBTEST: module-unload
 * Description: Unloading vprime.ko (and vprime_core.ko) is refused while
 *              another process holds a shared buffer; after it exits both
 *              unload, and load again with the same parameters and devices.
 *
 * SUBTEST: test-module-deps
 * Description: The test module vprime_test.ko holds vprime_core.ko: with
 *              vprime.ko gone, unloading the core is still refused while
 *              the test module is loaded (it is the core's holder), and the
 *              test module alone, without the core, does not load (unknown
 *              symbols, ENOENT, logged). Everything loads again after.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "igt.h"
#include "vprime_igt.h"
#include "vprime_kms_util.h"
#include "vprime_modules.h"
#include <linux/vprime_heap.h>

IGT_TEST_DESCRIPTION("Shared buffer lifetime, leak check, unbind/rebind and "
		     "module unload of the vprime GPU and display.");

#define LEAK_CYCLES	10000
#define BG_COLOR	0x00102030u

static const char *const core_counters[] = {
	"live_buffers", "bytes_system", "bytes_local", "attachments",
	"mappings", "exports", "pending_fences",
};

struct counters {
	uint64_t core[ARRAY_SIZE(core_counters)];
};

static void read_counters(struct counters *c)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(core_counters); i++)
		c->core[i] = vprime_core_stat(core_counters[i]);
}

static void check_counters(const struct counters *before)
{
	struct counters now;
	unsigned int i, bad = 0;

	read_counters(&now);
	for (i = 0; i < ARRAY_SIZE(core_counters); i++) {
		if (now.core[i] == before->core[i])
			continue;
		igt_info("vprime_core/stats %s: %" PRIu64 ", was %" PRIu64 "\n",
			 core_counters[i], now.core[i], before->core[i]);
		bad++;
	}
	igt_assert_f(!bad, "%u core counters not back at their start values\n", bad);
}

static uint64_t live(void)
{
	return vprime_core_stat("live_buffers");
}

/*
 * Assert that @n core buffers are alive. Releases that the kernel defers
 * to a worker get a bounded grace period; on failure the core's buffer
 * list is logged.
 */
static void assert_live(uint64_t n)
{
	static char buf[1 << 14];
	int i;

	for (i = 0; i < 100 && live() != n; i++)
		usleep(10000);
	if (live() == n)
		return;
	vprime_read_file("/sys/kernel/debug/vprime_core/buffers", buf, sizeof(buf));
	igt_info("vprime_core/buffers:\n%s", buf);
	igt_assert_eq_u64(live(), n);
}

static int gpu_open(void)
{
	int fd = __vprime_open_driver(VPRIME_GPU_DRIVER, 0, true);

	igt_assert_f(fd >= 0, "no vprime_gpu render node\n");
	return fd;
}

/* Read back pixel 0 of a GPU BO through its mmap. */
static uint32_t gpu_read_pixel(int gpu, uint32_t handle, uint64_t size)
{
	uint32_t *map = vprime_gpu_bo_mmap(gpu, handle, size);
	uint32_t v = map[0];

	munmap(map, size);
	return v;
}

static void fill_wait(int gpu, uint32_t handle, uint32_t pitch, uint32_t w,
		      uint32_t h, uint32_t value)
{
	int fence = vprime_job_fill(gpu, handle, pitch, w, h, value, 0, 0);

	igt_assert(vprime_fd_wait(fence, POLLIN, 10000));
	igt_assert_eq(vprime_gpu_sync_file_status(fence), 1);
	close(fence);
}

struct display {
	int fd;
	struct vprime_kms kms;
	struct vprime_capture cap;
	struct vprime_dumb bg;
	uint32_t bg_fb;
};

static void display_open(struct display *d)
{
	uint32_t x, y;

	d->fd = vprime_kms_open_or_fail(0);
	vprime_kms_init(&d->kms, d->fd);
	vprime_capture_create(&d->kms, &d->cap);
	vprime_dumb_create(d->fd, d->kms.width, d->kms.height, &d->bg);
	vprime_dumb_map(d->fd, &d->bg);
	for (y = 0; y < d->kms.height; y++)
		for (x = 0; x < d->kms.width; x++)
			((uint32_t *)((char *)d->bg.map + y * d->bg.pitch))[x] = BG_COLOR;
	d->bg_fb = vprime_kms_add_fb(d->fd, d->bg.handle, d->kms.width,
				     d->kms.height, d->bg.pitch,
				     DRM_FORMAT_XRGB8888);
	vprime_kms_set_fb(&d->kms, d->bg_fb);
}

static void display_show(struct display *d, uint32_t fb_id)
{
	struct vprime_commit c = { .fb_id = fb_id, .in_fence_fd = -1 };

	vprime_kms_commit(&d->kms, &c);
}

static void display_close(struct display *d)
{
	vprime_kms_fini(&d->kms);
	vprime_capture_destroy(&d->kms, &d->cap);
	drmModeRmFB(d->fd, d->bg_fb);
	vprime_dumb_destroy(d->fd, &d->bg);
	close(d->fd);
}

/* A GPU BO of the display's mode size rendered with @value. */
static uint32_t gpu_frame(int gpu, struct display *d, uint32_t value,
			  uint64_t *size)
{
	uint32_t pitch = d->kms.width * 4;
	uint32_t handle;

	*size = ALIGN((uint64_t)pitch * d->kms.height, 4096);
	handle = vprime_gpu_bo_create(gpu, *size);
	fill_wait(gpu, handle, pitch, d->kms.width, d->kms.height, value);
	return handle;
}

static void test_handle_close_first(void)
{
	uint64_t base, size;
	struct display d;
	uint32_t handle, kms_handle, fb;
	int gpu, dmabuf;

	gpu = gpu_open();
	display_open(&d);
	base = live();
	handle = gpu_frame(gpu, &d, 0x00336699, &size);
	dmabuf = vprime_prime_export(gpu, handle);
	assert_live(base + 1);

	/* the handle goes, the dma-buf keeps the buffer */
	gem_close(gpu, handle);
	assert_live(base + 1);

	/* import after the exporter's handle is gone; the pixels are there */
	kms_handle = prime_fd_to_handle(d.fd, dmabuf);
	fb = vprime_kms_add_fb(d.fd, kms_handle, d.kms.width, d.kms.height,
			       d.kms.width * 4, DRM_FORMAT_XRGB8888);
	display_show(&d, fb);
	vprime_kms_capture(&d.kms, &d.cap);
	igt_assert_eq(vprime_capture_diff_solid(&d.kms, &d.cap, 0x00336699), 0);

	/* re-importing into the GPU gives a working handle again */
	handle = prime_fd_to_handle(gpu, dmabuf);
	igt_assert_eq_u32(gpu_read_pixel(gpu, handle, size), 0x00336699);
	gem_close(gpu, handle);

	close(dmabuf);
	assert_live(base + 1);	/* the display holds it */
	display_show(&d, d.bg_fb);
	drmModeRmFB(d.fd, fb);
	assert_live(base + 1);
	gem_close(d.fd, kms_handle);
	assert_live(base);

	display_close(&d);
	close(gpu);
}

static void test_fd_close_first(void)
{
	uint64_t base, att, size;
	struct display d;
	uint32_t handle, kms_handle, fb;
	int gpu, dmabuf;

	gpu = gpu_open();
	display_open(&d);
	base = live();
	att = vprime_core_stat("attachments");
	handle = gpu_frame(gpu, &d, 0x00995533, &size);
	dmabuf = vprime_prime_export(gpu, handle);
	kms_handle = prime_fd_to_handle(d.fd, dmabuf);
	igt_assert_eq_u64(vprime_core_stat("attachments"), att + 1);

	/* the fd goes; both handles keep working */
	close(dmabuf);
	assert_live(base + 1);
	fb = vprime_kms_add_fb(d.fd, kms_handle, d.kms.width, d.kms.height,
			       d.kms.width * 4, DRM_FORMAT_XRGB8888);
	display_show(&d, fb);
	fill_wait(gpu, handle, d.kms.width * 4, d.kms.width, d.kms.height, 0x00113355);
	vprime_kms_capture(&d.kms, &d.cap);
	igt_assert_eq(vprime_capture_diff_solid(&d.kms, &d.cap, 0x00113355), 0);

	/* the display lets go: the GPU handle keeps the buffer */
	display_show(&d, d.bg_fb);
	drmModeRmFB(d.fd, fb);
	gem_close(d.fd, kms_handle);
	igt_assert_eq_u64(vprime_core_stat("attachments"), att);
	assert_live(base + 1);
	igt_assert_eq_u32(gpu_read_pixel(gpu, handle, size), 0x00113355);

	gem_close(gpu, handle);
	assert_live(base);
	display_close(&d);
	close(gpu);
}

static void test_importer_close_first(void)
{
	uint64_t base = live(), att = vprime_core_stat("attachments"), size;
	/* base and att: before the display's own buffers, which its close frees */
	struct display d;
	uint32_t handle, kms_handle, fb;
	int gpu, dmabuf;

	gpu = gpu_open();
	display_open(&d);
	handle = gpu_frame(gpu, &d, 0x00557799, &size);
	dmabuf = vprime_prime_export(gpu, handle);
	kms_handle = prime_fd_to_handle(d.fd, dmabuf);
	fb = vprime_kms_add_fb(d.fd, kms_handle, d.kms.width, d.kms.height,
			       d.kms.width * 4, DRM_FORMAT_XRGB8888);
	display_show(&d, fb);
	igt_assert_eq_u64(vprime_core_stat("attachments"), att + 1);

	/*
	 * Close the importer's file with the framebuffer and handle still in
	 * it (and on screen): closing the fd cleans everything up.
	 */
	vprime_capture_destroy(&d.kms, &d.cap);
	vprime_dumb_destroy(d.fd, &d.bg);
	close(d.fd);
	igt_assert_eq_u64(vprime_core_stat("attachments"), att);
	assert_live(base + 1);

	/* the exporter keeps working on it */
	fill_wait(gpu, handle, d.kms.width * 4, d.kms.width, d.kms.height, 0x00224466);
	igt_assert_eq_u32(gpu_read_pixel(gpu, handle, size), 0x00224466);
	close(dmabuf);
	assert_live(base + 1);
	gem_close(gpu, handle);
	assert_live(base);
	close(gpu);
}

/* Count "framebuffer[" entries in the display's debugfs "framebuffer". */
static int display_fb_count(int kmsfd)
{
	static char buf[1 << 16];
	const char *p = buf;
	int n = 0, len;

	len = vprime_debugfs_read(kmsfd, "framebuffer", buf, sizeof(buf));
	igt_assert_f(len >= 0, "display debugfs framebuffer: %s\n", strerror(-len));
	while ((p = strstr(p, "framebuffer["))) {
		n++;
		p++;
	}
	return n;
}

static void test_leak_check(void)
{
	int gpu, gpu_card, kmsfd, heap;
	int bos_before, fbs_before;
	uint64_t inflight, failed;
	struct counters before;
	struct timespec start = {};
	unsigned int i;

	gpu = gpu_open();
	gpu_card = vprime_gpu_open_or_fail(0);
	kmsfd = vprime_kms_open_or_fail(0);
	heap = open(VPRIME_HEAP_PATH, O_RDWR | O_CLOEXEC);
	igt_assert_fd(heap);

	read_counters(&before);
	failed = vprime_core_stat("failed_ops");
	bos_before = vprime_gpu_debugfs_bos(gpu_card);
	fbs_before = display_fb_count(kmsfd);
	igt_gettime(&start);

	for (i = 0; i < LEAK_CYCLES; i++) {
		uint32_t handle = vprime_gpu_bo_create(gpu, 4096);
		int dmabuf = vprime_prime_export(gpu, handle);
		uint32_t kms_handle = prime_fd_to_handle(kmsfd, dmabuf);

		if (i % 100 == 0) {
			struct vprime_heap_alloc args = { .size = 4096 };
			uint32_t fb = vprime_kms_add_fb(kmsfd, kms_handle, 32, 32,
							128, DRM_FORMAT_XRGB8888);
			uint32_t gpu_import;

			drmModeRmFB(kmsfd, fb);
			do_ioctl(heap, VPRIME_HEAP_IOCTL_ALLOC, &args);
			gpu_import = prime_fd_to_handle(gpu, args.fd);
			close(args.fd);
			gem_close(gpu, gpu_import);
		}
		gem_close(kmsfd, kms_handle);
		close(dmabuf);
		gem_close(gpu, handle);
	}
	igt_info("%d cycles in %.2f s\n", LEAK_CYCLES, igt_nsec_elapsed(&start) / 1e9);

	check_counters(&before);
	igt_assert_eq_u64(vprime_core_stat("failed_ops"), failed);
	igt_assert_eq(vprime_gpu_debugfs_bos(gpu_card), bos_before);
	igt_assert_eq(display_fb_count(kmsfd), fbs_before);
	igt_assert_eq(vprime_debugfs_read_key(gpu_card, "queue", "jobs_inflight",
					      &inflight), 0);
	igt_assert_eq_u64(inflight, 0);

	close(heap);
	close(kmsfd);
	close(gpu_card);
	close(gpu);
	/* nothing of this process is left */
	check_counters(&before);
}

/* Platform device name ("vprime-gpu.0") of DRM device @fd. */
static void platform_name(int fd, char *name, size_t size)
{
	char path[128], link[PATH_MAX];
	struct stat st;
	ssize_t len;

	igt_assert_eq(fstat(fd, &st), 0);
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/device",
		 major(st.st_rdev), minor(st.st_rdev));
	len = readlink(path, link, sizeof(link) - 1);
	igt_assert_f(len > 0, "readlink %s: %s\n", path, strerror(errno));
	link[len] = '\0';
	snprintf(name, size, "%s", basename(link));
}

/* Devices this process unbound, rebound by the exit handler if need be. */
static char unbound_gpu[64], unbound_kms[64];

static void driver_write(const char *driver, const char *file, const char *dev);
static bool bound(const char *driver, const char *dev);

static void rebind_handler(int sig)
{
	if (unbound_gpu[0] && !bound("vprime-gpu", unbound_gpu))
		driver_write("vprime-gpu", "bind", unbound_gpu);
	if (unbound_kms[0] && !bound("vprime-kms", unbound_kms))
		driver_write("vprime-kms", "bind", unbound_kms);
}

static void unbind(const char *driver, const char *dev)
{
	snprintf(strcmp(driver, "vprime-gpu") ? unbound_kms : unbound_gpu,
		 sizeof(unbound_gpu), "%s", dev);
	igt_install_exit_handler(rebind_handler);
	igt_info("unbinding %s\n", dev);
	driver_write(driver, "unbind", dev);
	igt_assert(!bound(driver, dev));
}

static void driver_write(const char *driver, const char *file, const char *dev)
{
	char path[128];
	int fd, len = strlen(dev);

	snprintf(path, sizeof(path), "/sys/bus/platform/drivers/%s/%s", driver, file);
	fd = open(path, O_WRONLY);
	igt_assert_f(fd >= 0, "open %s: %s\n", path, strerror(errno));
	igt_assert_f(write(fd, dev, len) == len, "%s %s: %s\n", file, dev,
		     strerror(errno));
	close(fd);
}

static bool bound(const char *driver, const char *dev)
{
	char path[160];

	snprintf(path, sizeof(path), "/sys/bus/platform/drivers/%s/%s", driver, dev);
	return access(path, F_OK) == 0;
}

/* Open device 0 of @driver, waiting for its node after a bind. */
static int open_after_bind(const char *driver, bool render)
{
	int tries, fd = -ENODEV;

	for (tries = 0; tries < 200 && fd < 0; tries++) {
		fd = __vprime_open_driver(driver, 0, render);
		if (fd < 0)
			usleep(10000);
	}
	igt_assert_f(fd >= 0, "%s did not come back after bind\n", driver);
	return fd;
}

static void test_unbind_gpu(void)
{
	struct drm_vprime_bo_info info;
	uint64_t base, size;
	uint32_t handle, kms_handle, fb;
	char name[64];
	struct display d;
	int gpu, gpu_card, dmabuf;

	gpu = gpu_open();
	gpu_card = vprime_gpu_open_or_fail(0);
	platform_name(gpu_card, name, sizeof(name));
	close(gpu_card);
	display_open(&d);
	base = live();

	handle = gpu_frame(gpu, &d, 0x00aa5500, &size);
	dmabuf = vprime_prime_export(gpu, handle);
	kms_handle = prime_fd_to_handle(d.fd, dmabuf);
	close(dmabuf);
	fb = vprime_kms_add_fb(d.fd, kms_handle, d.kms.width, d.kms.height,
			       d.kms.width * 4, DRM_FORMAT_XRGB8888);
	display_show(&d, fb);
	vprime_kms_capture(&d.kms, &d.cap);
	igt_assert_eq(vprime_capture_diff_solid(&d.kms, &d.cap, 0x00aa5500), 0);

	unbind("vprime-gpu", name);

	/* the unplugged GPU refuses new work, its objects stay valid */
	igt_assert_eq(__vprime_gpu_bo_info(gpu, handle, &info), -ENODEV);

	/* the display keeps showing the GPU's buffer */
	vprime_kms_capture(&d.kms, &d.cap);
	igt_assert_eq(vprime_capture_diff_solid(&d.kms, &d.cap, 0x00aa5500), 0);
	close(gpu);
	assert_live(base + 1);
	vprime_kms_capture(&d.kms, &d.cap);
	igt_assert_eq(vprime_capture_diff_solid(&d.kms, &d.cap, 0x00aa5500), 0);

	/* freed when the display lets it go */
	display_show(&d, d.bg_fb);
	drmModeRmFB(d.fd, fb);
	gem_close(d.fd, kms_handle);
	assert_live(base);

	driver_write("vprime-gpu", "bind", name);
	igt_assert(bound("vprime-gpu", name));
	gpu = open_after_bind(VPRIME_GPU_DRIVER, true);
	handle = gpu_frame(gpu, &d, 0x00123456, &size);
	igt_assert_eq_u32(gpu_read_pixel(gpu, handle, size), 0x00123456);
	gem_close(gpu, handle);
	close(gpu);
	assert_live(base);
	display_close(&d);
}

static void test_unbind_display(void)
{
	uint64_t base = live(), size;
	uint32_t import, copy;
	struct vprime_dumb dumb;
	struct drm_vprime_cmd cmd;
	struct drm_vprime_submit args;
	struct display d;
	char name[64];
	int gpu, dmabuf, ret;
	uint32_t w, h;

	gpu = gpu_open();
	display_open(&d);
	platform_name(d.fd, name, sizeof(name));
	w = d.kms.width;
	h = d.kms.height;

	/* the display's buffer, on screen, imported by the GPU */
	vprime_dumb_create(d.fd, w, h, &dumb);
	dmabuf = vprime_prime_export(d.fd, dumb.handle);
	import = prime_fd_to_handle(gpu, dmabuf);
	close(dmabuf);
	uint32_t fb = vprime_kms_add_fb(d.fd, dumb.handle, w, h, dumb.pitch,
					DRM_FORMAT_XRGB8888);
	fill_wait(gpu, import, dumb.pitch, w, h, 0x00446688);
	display_show(&d, fb);
	vprime_kms_capture(&d.kms, &d.cap);
	igt_assert_eq(vprime_capture_diff_solid(&d.kms, &d.cap, 0x00446688), 0);

	unbind("vprime-kms", name);
	ret = __vprime_kms_add_fb(d.fd, dumb.handle, w, h, dumb.pitch,
				  DRM_FORMAT_XRGB8888, &fb);
	igt_assert_f(ret == -ENODEV, "AddFB2 on the unplugged display: %d\n", ret);

	/*
	 * The CPU mappings of the background and capture buffers hold the
	 * DRM file, so closing the fd releases nothing yet; unmapping them
	 * lets the last file reference (and the unplugged device) go.
	 */
	close(d.fd);
	assert_live(base + 3);
	munmap(d.bg.map, d.bg.size);
	d.bg.map = NULL;
	munmap(d.cap.dumb.map, d.cap.dumb.size);
	d.cap.dumb.map = NULL;
	assert_live(base + 1);

	/* the GPU keeps rendering into and reading from it */
	size = ALIGN((uint64_t)dumb.pitch * h, 4096);
	copy = vprime_gpu_bo_create(gpu, size);
	fill_wait(gpu, import, dumb.pitch, w, h, 0x00778899);
	cmd = vprime_gpu_cmd_copy(copy, 0, dumb.pitch, import, 0, dumb.pitch, w, h);
	args = vprime_gpu_submit_args(&cmd, 1);
	vprime_gpu_submit(gpu, &args);
	vprime_gpu_bo_wait(gpu, copy);
	igt_assert_eq_u32(gpu_read_pixel(gpu, copy, size), 0x00778899);
	gem_close(gpu, copy);

	/* freed with the GPU's handle */
	gem_close(gpu, import);
	assert_live(base);

	driver_write("vprime-kms", "bind", name);
	igt_assert(bound("vprime-kms", name));
	display_open(&d);
	vprime_kms_capture(&d.kms, &d.cap);
	igt_assert_eq(vprime_capture_diff_solid(&d.kms, &d.cap, BG_COLOR), 0);
	display_close(&d);
	close(gpu);
	assert_live(base);
}

static int module_refcnt(const char *name)
{
	char path[96];
	uint64_t v;

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", name);
	igt_assert_eq(vprime_read_u64(path, &v), 0);
	return (int)v;
}

static void try_unload_refused(const char *name)
{
	long ret = syscall(SYS_delete_module, name, O_NONBLOCK);

	igt_assert_f(ret != 0, "%s was unloaded while a shared buffer is held\n", name);
	igt_assert_f(errno == EWOULDBLOCK || errno == EBUSY,
		     "delete_module(%s): %s, expected EWOULDBLOCK or EBUSY\n",
		     name, strerror(errno));
	igt_assert(vprime_module_loaded(name));
}

/*
 * Unload both modules for real, then load them again with the parameters
 * they had (vm/guest exports the module files it loaded in VPRIME_KOS).
 */
static void unload_and_reload(const char *core_ko, const char *drv_ko)
{
	char core_params[1024], drv_params[1024];
	int gpus = vprime_count_devices(VPRIME_GPU_DRIVER);
	int displays = vprime_count_devices(VPRIME_KMS_DRIVER);

	vprime_module_params("vprime_core", core_params, sizeof(core_params));
	vprime_module_params("vprime", drv_params, sizeof(drv_params));

	vprime_modules_unload();

	vprime_module_load(core_ko, core_params);
	vprime_test_module_load();
	vprime_module_load(drv_ko, drv_params);
	igt_assert_eq(vprime_count_devices(VPRIME_GPU_DRIVER), gpus);
	igt_assert_eq(vprime_count_devices(VPRIME_KMS_DRIVER), displays);
}

static void test_module_unload(void)
{
	int ready[2], go[2], vprime_base, core_base, status;
	const char *kos = getenv("VPRIME_KOS");
	char core_ko[256], drv_ko[256];
	pid_t pid;
	char c;

	igt_require_f(kos && sscanf(kos, "%255s %255s", core_ko, drv_ko) == 2,
		      "VPRIME_KOS (the module files, set by vm/guest) is needed to load the modules again\n");

	/* this process holds nothing of ours */
	vprime_base = module_refcnt("vprime");
	core_base = module_refcnt("vprime_core");
	igt_info("refcnt: vprime %d, vprime_core %d\n", vprime_base, core_base);

	igt_assert_eq(pipe(ready), 0);
	igt_assert_eq(pipe(go), 0);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		/* a process holding only a dma-buf of a vprime GPU BO */
		int gpu = __vprime_open_driver(VPRIME_GPU_DRIVER, 0, true);
		uint32_t handle;
		int dmabuf;

		if (gpu < 0)
			_exit(1);
		handle = vprime_gpu_bo_create(gpu, 4096);
		dmabuf = vprime_prime_export(gpu, handle);
		gem_close(gpu, handle);
		close(gpu);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		close(dmabuf);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	igt_assert_eq(read(ready[0], &c, 1), 1);

	igt_assert_f(module_refcnt("vprime_core") > core_base,
		     "vprime_core's refcount does not count the live dma-buf\n");
	/*
	 * The dma-buf's release calls back into vprime.ko (the GEM owner
	 * hook), so the buffer must pin vprime.ko too. Without that reference
	 * an unload would succeed and the later release would run freed code:
	 * fail instead of trying.
	 */
	igt_assert_f(module_refcnt("vprime") > vprime_base,
		     "vprime.ko's refcount (%d) does not count a live dma-buf exported by it: unloading now would succeed and its release would call into the unloaded module (vprime_gem's vprime_bo_owner_ops.module is not set)\n",
		     module_refcnt("vprime"));
	try_unload_refused("vprime");
	try_unload_refused("vprime_core");

	igt_assert_eq(write(go[1], "g", 1), 1);
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	igt_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(ready[0]);
	close(go[1]);

	/* nothing holds the modules any more: the unload succeeds */
	igt_assert_eq(module_refcnt("vprime"), vprime_base);
	igt_assert_eq(module_refcnt("vprime_core"), core_base);
	igt_assert_eq(vprime_base, 0);
	unload_and_reload(core_ko, drv_ko);
}

static void test_test_module_deps(void)
{
	char core_ko[256], drv_ko[256], core_params[1024], drv_params[1024];
	int gpus = vprime_count_devices(VPRIME_GPU_DRIVER);
	struct stat st;
	int kmsg, ret;

	vprime_modules_require(core_ko, drv_ko, sizeof(core_ko));
	igt_require(vprime_module_loaded("vprime_test"));
	igt_assert_f(stat("/sys/module/vprime_core/holders/vprime_test", &st) == 0,
		     "vprime_test is not a holder of vprime_core\n");
	vprime_module_params("vprime_core", core_params, sizeof(core_params));
	vprime_module_params("vprime", drv_params, sizeof(drv_params));

	/* only the test module holds the core now */
	igt_assert_eq(__vprime_module_unload("vprime"), 0);
	try_unload_refused("vprime_core");

	/* the test module alone: its core symbols are unknown */
	vprime_modules_unload();
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	igt_assert_lte(0, kmsg);
	lseek(kmsg, 0, SEEK_END);
	ret = __vprime_module_load(vprime_test_module_file(), "");
	igt_assert_f(ret == -ENOENT, "loading vprime_test without vprime_core: %s, expected ENOENT\n",
		     strerror(-ret));
	igt_assert(!vprime_module_loaded("vprime_test"));
	igt_assert_f(vprime_kmsg_has(kmsg, "vprime_test: Unknown symbol"),
		     "no \"vprime_test: Unknown symbol\" in the kernel log\n");
	close(kmsg);

	vprime_module_load(core_ko, core_params);
	vprime_test_module_load();
	vprime_module_load(drv_ko, drv_params);
	igt_assert_eq(vprime_count_devices(VPRIME_GPU_DRIVER), gpus);
}

igt_main
{
	igt_fixture {
		igt_require_f(vprime_module_loaded("vprime"),
			      "vprime.ko is not loaded (run the test under vm/run)\n");
	}

	igt_describe("Close the GPU BO's handle while its dma-buf lives: the "
		     "buffer and its pixels survive, the display imports it.");
	igt_subtest("handle-close-first")
		test_handle_close_first();

	igt_describe("Close the dma-buf fd while GPU and display handles live: "
		     "the buffer survives until the last handle goes.");
	igt_subtest("fd-close-first")
		test_fd_close_first();

	igt_describe("Close the importing display first: its attachment goes, "
		     "the GPU keeps using the buffer.");
	igt_subtest("importer-close-first")
		test_importer_close_first();

	igt_describe("10,000 export/import/close cycles leave the core's and the "
		     "devices' debugfs counters at their start values.");
	igt_subtest("leak-check")
		test_leak_check();

	igt_describe("Unbind the GPU while the display scans out its buffer; the "
		     "display keeps it until it lets go; the GPU binds again.");
	igt_subtest("unbind-gpu")
		test_unbind_gpu();

	igt_describe("Unbind the display while the GPU uses the display's buffer; "
		     "the GPU keeps using it; the display binds again.");
	igt_subtest("unbind-display")
		test_unbind_display();

	igt_describe("Module unload is refused while another process holds a "
		     "shared buffer, and unblocked once it exits.");
	igt_subtest("module-unload")
		test_module_unload();

	igt_describe("The test module holds the core (unloading the core under "
		     "it is refused) and does not load without it.");
	igt_subtest("test-module-deps")
		test_test_module_deps();
}
