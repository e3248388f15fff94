// SPDX-License-Identifier: MIT
/*
 * vprime_faults - fault campaigns over real sharing flows (GPU renders into
 * a buffer that the display scans out): the core's debugfs fault injection
 * points, a GPU hang with flips pending, SIGKILL of a compositor/client pair
 * at random points and, on the debug kernel only, allocation failures
 * injected with /proc/self/fail-nth into every ioctl of the three nodes.
 * After each campaign the devices must be usable and the core's debugfs
 * counters back to their values before it.
 */

/**
 * TEST: vprime faults
 * Category: Software building block
 * Description: Fault injection during GPU -> display sharing, hang recovery
 *              with flips pending, SIGKILL campaigns and (debug kernel)
 *              fail-nth allocation-failure campaigns over every ioctl.
 * Feature: vprime reliability
 *
 * SUBTEST: share-fail-attach
 * Description: fail_next_attach fires while the display imports a GPU buffer.
 *
 * SUBTEST: share-fail-map
 * Description: fail_next_map fires while a shared buffer is mapped by an
 *              importer (display scan-out or GPU job).
 *
 * SUBTEST: share-fail-begin-cpu-access
 * Description: fail_next_begin_cpu_access fires on a CPU access to a buffer
 *              the display scans out.
 *
 * SUBTEST: share-migrate-scanout
 * Description: force_migrate refuses (-EBUSY) a buffer the display scans
 *              out, and moves it once it is off screen with its framebuffer
 *              kept; its content and the next flips survive.
 *
 * SUBTEST: share-fence-delay
 * Description: With fence_delay_ms set, a flip waiting on a GPU job's fence
 *              still completes, after the fence.
 *
 * SUBTEST: hang-with-flips-pending
 * Description: A hung GPU job on a shared buffer with a flip waiting for it
 *              times out with -ETIMEDOUT, the flip completes, the engine
 *              recovers.
 *
 * SUBTEST: sigkill-compositor-client
 * Description: 200 compositor/client process pairs SIGKILLed at random
 *              points after their first frame leave nothing behind.
 *
 * SUBTEST: fail-nth-heap
 * Description: Debug kernel only: every allocation of every heap ioctl
 *              fails in turn; clean errnos, nothing left behind.
 *
 * SUBTEST: fail-nth-gpu
 * Description: Debug kernel only: the same over every GPU ioctl.
 *
 * SUBTEST: fail-nth-display
 * Description: Debug kernel only: the same over the display ioctls, and
 *              over a flip up to the read of its event: after a failure
 *              injected into that poll() or read() the event is still
 *              there and is read once, never lost, doubled or stray.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>
#include <linux/sync_file.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "igt.h"
#include "vprime_igt.h"
#include "vprime_kms_util.h"
#include "drm/vprime_drm.h"
#include "linux/vprime_heap.h"
#include "linux/vprime_test.h"

IGT_TEST_DESCRIPTION("Fault campaigns over GPU -> display sharing: debugfs "
		     "fault points, hang recovery, SIGKILL, fail-nth.");

#define CORE_DBG "/sys/kernel/debug/vprime_core/"

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

/* ---- core debugfs ---- */

static int core_write(const char *knob, const char *val)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), CORE_DBG "%s", knob);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static uint64_t core_read(const char *file, const char *key)
{
	char buf[2048];
	uint64_t v = 0;
	int ret;

	snprintf(buf, sizeof(buf), CORE_DBG "%s", file);
	ret = vprime_read_file(buf, buf, sizeof(buf));
	igt_assert_f(ret > 0, "can't read %s\n", file);
	if (!key)
		return strtoull(buf, NULL, 0);
	igt_assert_eq(vprime_parse_key(buf, key, &v), 0);
	return v;
}

static const char *const counters[] = {
	"live_buffers", "bytes_system", "bytes_local", "attachments",
	"mappings", "exports", "pending_fences",
};
#define NCOUNTERS (sizeof(counters) / sizeof(counters[0]))

static void counters_get(uint64_t *v)
{
	unsigned int i;

	for (i = 0; i < NCOUNTERS; i++)
		v[i] = core_read("stats", counters[i]);
}

/* Counters back to @base, allowing a few seconds for deferred frees. */
static void counters_settle(const uint64_t *base)
{
	uint64_t now[NCOUNTERS];
	unsigned int i, tries;
	bool same = false;

	for (tries = 0; tries < 100 && !same; tries++) {
		if (tries)
			usleep(100000);
		counters_get(now);
		same = !memcmp(now, base, sizeof(now));
	}
	for (i = 0; i < NCOUNTERS; i++)
		igt_assert_f(now[i] == base[i], "%s: %" PRIu64 " after, %" PRIu64
			     " before\n", counters[i], now[i], base[i]);
}

/* ---- GPU ---- */

static uint32_t gpu_bo(int fd, uint64_t size)
{
	struct drm_vprime_bo_create c = { .size = size };

	igt_assert_eq(xioctl(fd, DRM_IOCTL_VPRIME_BO_CREATE, &c), 0);
	return c.handle;
}

static void vp_gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close gc = { .handle = handle };

	igt_assert_eq(xioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc), 0);
}

static uint64_t gpu_bo_id(int fd, uint32_t handle)
{
	struct drm_vprime_bo_info i = { .handle = handle };

	igt_assert_eq(xioctl(fd, DRM_IOCTL_VPRIME_BO_INFO, &i), 0);
	return i.id;
}

/* FILL the @w x @h rectangle; returns the out sync_file or -errno. */
static int __gpu_fill(int fd, uint32_t handle, uint32_t w, uint32_t h,
		      uint32_t value, uint32_t flags, uint64_t duration_ns)
{
	struct drm_vprime_cmd cmd = {
		.op = VPRIME_CMD_FILL, .dst_handle = handle, .dst_stride = w * 4,
		.width = w, .height = h, .value = value,
	};
	struct drm_vprime_submit s = {
		.cmds = (uintptr_t)&cmd, .cmd_count = 1,
		.flags = flags | VPRIME_SUBMIT_OUT_FENCE_FD,
		.duration_ns = duration_ns,
	};
	int ret = xioctl(fd, DRM_IOCTL_VPRIME_SUBMIT, &s);

	return ret ? ret : (int)s.out_fence_fd;
}

static int gpu_fill(int fd, uint32_t handle, uint32_t w, uint32_t h,
		    uint32_t value, uint32_t flags)
{
	int f = __gpu_fill(fd, handle, w, h, value, flags, 0);

	igt_assert_f(f >= 0, "submit: %s\n", strerror(-f));
	return f;
}

static int prime_export(int fd, uint32_t handle)
{
	struct drm_prime_handle p = { .handle = handle, .flags = DRM_CLOEXEC | DRM_RDWR };

	igt_assert_eq(xioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p), 0);
	return p.fd;
}

static int __prime_import(int fd, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle p = { .fd = dmabuf };
	int ret = xioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);

	/* drm_ioctl() copies the args back on failure too: a dead handle */
	if (!ret)
		*handle = p.handle;
	return ret;
}

/* 1 signalled, 0 pending, <0 the fence's error */
static int fence_status(int fd)
{
	struct sync_fence_info fi = { 0 };
	struct sync_file_info info = { .num_fences = 1, .sync_fence_info = (uintptr_t)&fi };

	igt_assert_eq(xioctl(fd, SYNC_IOC_FILE_INFO, &info), 0);
	return info.status;
}

static bool fence_wait(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1;
}

static int job_timeout_path(int fd, char *path, size_t size)
{
	char dir[256];
	int ret = vprime_debugfs_dir(fd, dir, sizeof(dir));

	if (ret)
		return ret;
	snprintf(path, size, "%s/job_timeout_ms", dir);
	return 0;
}

static uint32_t job_timeout_set(int fd, uint32_t ms)
{
	char path[300], buf[32];
	uint64_t old = 0;
	int f;

	igt_assert_eq(job_timeout_path(fd, path, sizeof(path)), 0);
	igt_assert_eq(vprime_read_u64(path, &old), 0);
	f = open(path, O_WRONLY);
	igt_assert(f >= 0);
	snprintf(buf, sizeof(buf), "%u", ms);
	igt_assert(write(f, buf, strlen(buf)) > 0);
	close(f);
	return (uint32_t)old;
}

/* ---- display ---- */

struct kms {
	int fd;
	uint32_t crtc, conn, plane, blob;
	uint32_t w, h;
	uint32_t p_fb, p_crtc, p_sx, p_sy, p_sw, p_sh, p_cx, p_cy, p_cw, p_ch, p_in_fence;
	uint32_t c_active, c_mode, conn_crtc;
	unsigned int events;
};

static uint32_t prop_id(int fd, uint32_t obj, uint32_t type, const char *name)
{
	return vprime_kms_prop_id(fd, obj, type, name, true);
}

static void kms_open(struct kms *k)
{
	drmModeResPtr res;
	drmModePlaneResPtr pres;
	drmModeModeInfo mode;
	bool have = false;
	uint32_t i;
	int m;

	memset(k, 0, sizeof(*k));
	k->fd = vprime_open_display(0);
	igt_assert_eq(drmSetClientCap(k->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1), 0);
	igt_assert_eq(drmSetClientCap(k->fd, DRM_CLIENT_CAP_ATOMIC, 1), 0);
	res = drmModeGetResources(k->fd);
	igt_assert(res && res->count_crtcs);
	k->crtc = res->crtcs[0];
	for (i = 0; i < (uint32_t)res->count_connectors && !have; i++) {
		drmModeConnectorPtr c = drmModeGetConnector(k->fd, res->connectors[i]);

		if (c && c->connector_type != DRM_MODE_CONNECTOR_WRITEBACK &&
		    c->count_modes) {
			mode = c->modes[0];
			for (m = 1; m < c->count_modes; m++)
				if (c->modes[m].hdisplay * c->modes[m].vdisplay <
				    mode.hdisplay * mode.vdisplay)
					mode = c->modes[m];
			k->conn = c->connector_id;
			have = true;
		}
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	igt_assert(have);
	k->w = mode.hdisplay;
	k->h = mode.vdisplay;
	pres = drmModeGetPlaneResources(k->fd);
	igt_assert(pres);
	for (i = 0; i < pres->count_planes && !k->plane; i++)
		if (vprime_kms_prop_value(k->fd, pres->planes[i],
					  DRM_MODE_OBJECT_PLANE, "type") ==
		    DRM_PLANE_TYPE_PRIMARY)
			k->plane = pres->planes[i];
	drmModeFreePlaneResources(pres);
	igt_assert(k->plane);
	igt_assert_eq(drmModeCreatePropertyBlob(k->fd, &mode, sizeof(mode), &k->blob), 0);
	k->p_fb = prop_id(k->fd, k->plane, DRM_MODE_OBJECT_PLANE, "FB_ID");
	k->p_crtc = prop_id(k->fd, k->plane, DRM_MODE_OBJECT_PLANE, "CRTC_ID");
	k->p_sx = prop_id(k->fd, k->plane, DRM_MODE_OBJECT_PLANE, "SRC_X");
	k->p_sy = prop_id(k->fd, k->plane, DRM_MODE_OBJECT_PLANE, "SRC_Y");
	k->p_sw = prop_id(k->fd, k->plane, DRM_MODE_OBJECT_PLANE, "SRC_W");
	k->p_sh = prop_id(k->fd, k->plane, DRM_MODE_OBJECT_PLANE, "SRC_H");
	k->p_cx = prop_id(k->fd, k->plane, DRM_MODE_OBJECT_PLANE, "CRTC_X");
	k->p_cy = prop_id(k->fd, k->plane, DRM_MODE_OBJECT_PLANE, "CRTC_Y");
	k->p_cw = prop_id(k->fd, k->plane, DRM_MODE_OBJECT_PLANE, "CRTC_W");
	k->p_ch = prop_id(k->fd, k->plane, DRM_MODE_OBJECT_PLANE, "CRTC_H");
	k->p_in_fence = prop_id(k->fd, k->plane, DRM_MODE_OBJECT_PLANE, "IN_FENCE_FD");
	k->c_active = prop_id(k->fd, k->crtc, DRM_MODE_OBJECT_CRTC, "ACTIVE");
	k->c_mode = prop_id(k->fd, k->crtc, DRM_MODE_OBJECT_CRTC, "MODE_ID");
	k->conn_crtc = prop_id(k->fd, k->conn, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID");
}

/* Show @fb (0: pipe off). @modeset: blocking full modeset; else a flip. */
static int __kms_commit(struct kms *k, uint32_t fb, int in_fence, bool modeset)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	uint32_t flags;
	int ret;

	igt_assert(req);
	if (modeset) {
		drmModeAtomicAddProperty(req, k->crtc, k->c_mode, fb ? k->blob : 0);
		drmModeAtomicAddProperty(req, k->crtc, k->c_active, !!fb);
		drmModeAtomicAddProperty(req, k->conn, k->conn_crtc, fb ? k->crtc : 0);
	}
	drmModeAtomicAddProperty(req, k->plane, k->p_fb, fb);
	drmModeAtomicAddProperty(req, k->plane, k->p_crtc, fb ? k->crtc : 0);
	drmModeAtomicAddProperty(req, k->plane, k->p_sx, 0);
	drmModeAtomicAddProperty(req, k->plane, k->p_sy, 0);
	drmModeAtomicAddProperty(req, k->plane, k->p_sw, fb ? (uint64_t)k->w << 16 : 0);
	drmModeAtomicAddProperty(req, k->plane, k->p_sh, fb ? (uint64_t)k->h << 16 : 0);
	drmModeAtomicAddProperty(req, k->plane, k->p_cx, 0);
	drmModeAtomicAddProperty(req, k->plane, k->p_cy, 0);
	drmModeAtomicAddProperty(req, k->plane, k->p_cw, fb ? k->w : 0);
	drmModeAtomicAddProperty(req, k->plane, k->p_ch, fb ? k->h : 0);
	if (in_fence >= 0)
		drmModeAtomicAddProperty(req, k->plane, k->p_in_fence, in_fence);
	flags = modeset ? DRM_MODE_ATOMIC_ALLOW_MODESET :
		DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT;
	ret = drmModeAtomicCommit(k->fd, req, flags, k) ? -errno : 0;
	drmModeAtomicFree(req);
	return ret;
}

static void flip_handler(int fd, unsigned int seq, unsigned int s, unsigned int us,
			 unsigned int crtc, void *data)
{
	((struct kms *)data)->events++;
}

/*
 * Wait up to @ms for one flip event and read it: 0, -ETIMEDOUT, or the
 * -errno of poll() or of the read in drmHandleEvent(); @read_failed (if
 * given) tells the last two apart.
 */
static int __kms_read_flip(struct kms *k, int ms, bool *read_failed)
{
	drmEventContext ctx = { .version = 3, .page_flip_handler2 = flip_handler };
	unsigned int before = k->events;
	struct pollfd p = { .fd = k->fd, .events = POLLIN };
	int ret;

	while (k->events == before) {
		ret = poll(&p, 1, ms);
		if (ret < 0)
			return -errno;
		if (!ret)
			return -ETIMEDOUT;
		errno = 0;
		if (drmHandleEvent(k->fd, &ctx)) {
			if (read_failed)
				*read_failed = true;
			return errno ? -errno : -EIO;
		}
	}
	return 0;
}

/* Wait up to @ms for one flip event: a liveness bound, not a timing test. */
static bool kms_wait_flip(struct kms *k, int ms)
{
	int ret = __kms_read_flip(k, ms, NULL);

	igt_assert_f(ret == 0 || ret == -ETIMEDOUT, "reading the flip event: %s\n",
		     strerror(-ret));
	return ret == 0;
}

/* No event is queued on the display fd. */
static bool kms_no_event(struct kms *k)
{
	struct pollfd p = { .fd = k->fd, .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

static void kms_close(struct kms *k)
{
	__kms_commit(k, 0, -1, true);
	drmModeDestroyPropertyBlob(k->fd, k->blob);
	close(k->fd);
}

static int __kms_fb(struct kms *k, uint32_t handle, uint32_t *fb)
{
	uint32_t handles[4] = { handle }, pitches[4] = { k->w * 4 }, offsets[4] = { 0 };

	return drmModeAddFB2(k->fd, k->w, k->h, DRM_FORMAT_XRGB8888, handles,
			     pitches, offsets, fb, 0) ? -errno : 0;
}

/* ---- a shared frame: GPU BO, exported, imported by the display, a fb ---- */

struct frame {
	uint32_t gpu_handle;
	int dmabuf;
	uint32_t kms_handle;
	uint32_t fb;
};

static int __frame_share(int gpu, struct kms *k, struct frame *f)
{
	int ret;

	memset(f, 0, sizeof(*f));
	f->dmabuf = -1;
	f->gpu_handle = gpu_bo(gpu, (uint64_t)k->w * k->h * 4);
	f->dmabuf = prime_export(gpu, f->gpu_handle);
	ret = __prime_import(k->fd, f->dmabuf, &f->kms_handle);
	if (ret) {
		f->kms_handle = 0;
		return ret;
	}
	return __kms_fb(k, f->kms_handle, &f->fb);
}

static void frame_release(int gpu, struct kms *k, struct frame *f)
{
	if (f->fb)
		drmModeRmFB(k->fd, f->fb);
	if (f->kms_handle)
		vp_gem_close(k->fd, f->kms_handle);
	if (f->dmabuf >= 0)
		close(f->dmabuf);
	if (f->gpu_handle)
		vp_gem_close(gpu, f->gpu_handle);
	memset(f, 0, sizeof(*f));
	f->dmabuf = -1;
}

/* Read one pixel of a dma-buf through mmap (SYNC start/end around it). */
static uint32_t dmabuf_pixel(int dmabuf, size_t size, size_t offset)
{
	struct dma_buf_sync s = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };
	uint32_t *p, v;

	p = mmap(NULL, size, PROT_READ, MAP_SHARED, dmabuf, 0);
	igt_assert(p != MAP_FAILED);
	igt_assert_eq(xioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &s), 0);
	v = p[offset / 4];
	s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	igt_assert_eq(xioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &s), 0);
	munmap(p, size);
	return v;
}

struct env {
	int gpu;
	struct kms k;
	uint64_t base[NCOUNTERS];
};

static void env_open(struct env *e)
{
	counters_get(e->base);
	e->gpu = vprime_open_gpu_render(0);
	kms_open(&e->k);
}

/* Devices usable, counters back: the end of every campaign. */
static void env_close_check(struct env *e)
{
	struct frame f;
	int fence;

	/* usable: render, share, scan out */
	igt_assert_eq(__frame_share(e->gpu, &e->k, &f), 0);
	fence = gpu_fill(e->gpu, f.gpu_handle, e->k.w, e->k.h, 0xff00ff00, 0);
	igt_assert_eq(__kms_commit(&e->k, f.fb, fence, true), 0);
	close(fence);
	igt_assert_eq_u32(dmabuf_pixel(f.dmabuf, (size_t)e->k.w * e->k.h * 4, 0),
			  0xff00ff00);
	igt_assert_eq(__kms_commit(&e->k, 0, -1, true), 0);
	frame_release(e->gpu, &e->k, &f);
	kms_close(&e->k);
	close(e->gpu);
	counters_settle(e->base);
}

static void knobs_reset(void)
{
	core_write("fail_next_attach", "0");
	core_write("fail_next_map", "0");
	core_write("fail_next_begin_cpu_access", "0");
	core_write("fence_delay_ms", "0");
}

/* ---- campaigns ---- */

static void test_share_fail_attach(void)
{
	struct env e;
	struct frame f;
	uint64_t failed = core_read("stats", "failed_ops");
	int ret;

	env_open(&e);
	igt_assert_eq(core_write("fail_next_attach", "1"), 0);
	ret = __frame_share(e.gpu, &e.k, &f);
	igt_assert_f(ret == -EBUSY, "display import with an attach fault: %d\n", ret);
	igt_assert_eq(core_read("fail_next_attach", NULL), 0);
	igt_assert_lt_u64(failed, core_read("stats", "failed_ops"));
	frame_release(e.gpu, &e.k, &f);
	/* the same flow without the fault goes through */
	igt_assert_eq(__frame_share(e.gpu, &e.k, &f), 0);
	igt_assert_eq(__kms_commit(&e.k, f.fb, -1, true), 0);
	frame_release(e.gpu, &e.k, &f);
	env_close_check(&e);
}

/*
 * A map fault while the buffer is shared: the GPU renders into it, the
 * display scans it out, and a third device (the core's test importer, a
 * dynamic importer like a video encoder would be) maps it.
 */
static void test_share_fail_map(void)
{
	struct env e;
	struct frame f;
	struct vprime_test_import imp = { 0 };
	int tst, fence;

	env_open(&e);
	tst = vprime_test_open();
	igt_assert_eq(__frame_share(e.gpu, &e.k, &f), 0);
	fence = gpu_fill(e.gpu, f.gpu_handle, e.k.w, e.k.h, 0xff00aa00, 0);
	igt_assert_eq(__kms_commit(&e.k, f.fb, fence, true), 0);
	close(fence);
	imp.fd = (uint32_t)f.dmabuf;
	imp.importer = VPRIME_TEST_IMPORTER_WIDE;
	igt_assert_eq(xioctl(tst, VPRIME_TEST_IOCTL_IMPORT_ATTACH, &imp), 0);

	igt_assert_eq(core_write("fail_next_map", "1"), 0);
	igt_assert_eq(xioctl(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, &imp), -ENOMEM);
	igt_assert_eq(core_read("fail_next_map", NULL), 0);
	igt_assert_eq(xioctl(tst, VPRIME_TEST_IOCTL_IMPORT_QUERY, &imp), 0);
	igt_assert(!(imp.status & VPRIME_TEST_IMPORT_MAPPED));
	/* the display and the GPU carry on; the retry maps */
	fence = gpu_fill(e.gpu, f.gpu_handle, e.k.w, e.k.h, 0xff00bb00, 0);
	igt_assert_eq(__kms_commit(&e.k, f.fb, fence, false), 0);
	igt_assert(kms_wait_flip(&e.k, 10000));
	close(fence);
	igt_assert_eq(xioctl(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, &imp), 0);
	igt_assert_eq(xioctl(tst, VPRIME_TEST_IOCTL_IMPORT_QUERY, &imp), 0);
	igt_assert(imp.status & VPRIME_TEST_IMPORT_MAPPED);
	igt_assert_eq_u32(dmabuf_pixel(f.dmabuf, (size_t)e.k.w * e.k.h * 4, 0),
			  0xff00bb00);
	igt_assert_eq(xioctl(tst, VPRIME_TEST_IOCTL_IMPORT_DETACH, &imp), 0);
	close(tst);
	frame_release(e.gpu, &e.k, &f);
	env_close_check(&e);
}

static void test_share_fail_begin_cpu_access(void)
{
	struct env e;
	struct frame f;
	struct dma_buf_sync s = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };
	int fence;

	env_open(&e);
	igt_assert_eq(__frame_share(e.gpu, &e.k, &f), 0);
	fence = gpu_fill(e.gpu, f.gpu_handle, e.k.w, e.k.h, 0xff0000ff, 0);
	igt_assert_eq(__kms_commit(&e.k, f.fb, fence, true), 0);
	close(fence);
	/* CPU access to the buffer on screen: the fault, then a clean retry */
	igt_assert_eq(core_write("fail_next_begin_cpu_access", "1"), 0);
	igt_assert_eq(xioctl(f.dmabuf, DMA_BUF_IOCTL_SYNC, &s), -EINTR);
	igt_assert_eq(core_read("fail_next_begin_cpu_access", NULL), 0);
	igt_assert_eq_u32(dmabuf_pixel(f.dmabuf, (size_t)e.k.w * e.k.h * 4, 4 * e.k.w + 4),
			  0xff0000ff);
	/* and the display goes on flipping it */
	igt_assert_eq(__kms_commit(&e.k, f.fb, -1, false), 0);
	igt_assert(kms_wait_flip(&e.k, 10000));
	frame_release(e.gpu, &e.k, &f);
	env_close_check(&e);
}

/* Wait (bounded) until the GPU has freed its jobs and their BO mappings. */
static void gpu_wait_idle(int gpu)
{
	uint64_t inflight = 1;
	int i;

	for (i = 0; i < 500 && inflight; i++) {
		igt_assert_eq(vprime_debugfs_read_key(gpu, "queue", "jobs_inflight",
						      &inflight), 0);
		if (inflight)
			usleep(10 * 1000);
	}
	igt_assert_f(!inflight, "GPU jobs still in flight after 5 s\n");
}

static void test_share_migrate_scanout(void)
{
	struct env e;
	struct frame f, g;
	char cmd[64];
	uint64_t id, migrations = core_read("stats", "migrations");
	int fence, ret, i, moved = 0;
	size_t size;

	env_open(&e);
	size = (size_t)e.k.w * e.k.h * 4;
	igt_assert_eq(__frame_share(e.gpu, &e.k, &f), 0);
	id = gpu_bo_id(e.gpu, f.gpu_handle);
	fence = gpu_fill(e.gpu, f.gpu_handle, e.k.w, e.k.h, 0xff123456, 0);
	igt_assert_eq(__kms_commit(&e.k, f.fb, fence, true), 0);
	close(fence);
	for (i = 0; i < 4; i++) {
		/* migrate between flips, with a flip pending half of the time */
		if (i & 1)
			igt_assert_eq(__kms_commit(&e.k, f.fb, -1, false), 0);
		snprintf(cmd, sizeof(cmd), "%" PRIu64, id);
		ret = core_write("force_migrate", cmd);
		/* the display keeps a buffer it scans out mapped: it stays */
		igt_assert_f(ret == -EBUSY, "force_migrate on screen: %d\n", ret);
		if (i & 1)
			igt_assert(kms_wait_flip(&e.k, 10000));
		igt_assert_eq_u32(dmabuf_pixel(f.dmabuf, size, size - 4), 0xff123456);
	}

	/*
	 * Off screen, between flips, with its framebuffer and both imports
	 * kept: nothing maps it, so it moves, and flipping back shows it.
	 */
	igt_assert_eq(__frame_share(e.gpu, &e.k, &g), 0);
	igt_assert_eq(__kms_commit(&e.k, g.fb, -1, true), 0);
	gpu_wait_idle(e.gpu);
	for (i = 0; i < 2; i++) {
		ret = core_write("force_migrate", cmd);
		igt_assert_f(ret == 0, "force_migrate off screen: %d\n", ret);
		moved++;
		igt_assert_eq(__kms_commit(&e.k, f.fb, -1, false), 0);
		igt_assert(kms_wait_flip(&e.k, 10000));
		igt_assert_eq_u32(dmabuf_pixel(f.dmabuf, size, size - 4), 0xff123456);
		igt_assert_eq(__kms_commit(&e.k, g.fb, -1, true), 0);
	}
	igt_assert_eq(core_read("stats", "migrations") - migrations, (uint64_t)moved);
	igt_assert_eq(__kms_commit(&e.k, f.fb, -1, true), 0);
	frame_release(e.gpu, &e.k, &g);
	/* and it is still displayable and renderable */
	fence = gpu_fill(e.gpu, f.gpu_handle, e.k.w, e.k.h, 0xff654321, 0);
	igt_assert_eq(__kms_commit(&e.k, f.fb, fence, false), 0);
	igt_assert(kms_wait_flip(&e.k, 10000));
	igt_assert_eq(fence_status(fence), 1);
	close(fence);
	igt_assert_eq_u32(dmabuf_pixel(f.dmabuf, size, 0), 0xff654321);
	frame_release(e.gpu, &e.k, &f);
	env_close_check(&e);
}

static void test_share_fence_delay(void)
{
	struct env e;
	struct frame f;
	int fence, i;

	env_open(&e);
	igt_assert_eq(__frame_share(e.gpu, &e.k, &f), 0);
	igt_assert_eq(__kms_commit(&e.k, f.fb, -1, true), 0);
	igt_assert_eq(core_write("fence_delay_ms", "100"), 0);
	for (i = 0; i < 3; i++) {
		fence = gpu_fill(e.gpu, f.gpu_handle, e.k.w, e.k.h, 0xff000000 | i, 0);
		igt_assert_eq(__kms_commit(&e.k, f.fb, fence, false), 0);
		igt_assert(kms_wait_flip(&e.k, 20000));
		/* the flip waited for the (delayed) fence */
		igt_assert_eq(fence_status(fence), 1);
		close(fence);
		igt_assert_eq_u32(dmabuf_pixel(f.dmabuf, (size_t)e.k.w * e.k.h * 4, 0),
				  0xff000000 | i);
	}
	igt_assert_eq(core_write("fence_delay_ms", "0"), 0);
	frame_release(e.gpu, &e.k, &f);
	env_close_check(&e);
}

static void test_hang_with_flips_pending(void)
{
	struct env e;
	struct frame f[2];
	uint32_t old;
	int hang, fence, st;

	env_open(&e);
	old = job_timeout_set(e.gpu, 300);
	igt_assert_eq(__frame_share(e.gpu, &e.k, &f[0]), 0);
	igt_assert_eq(__frame_share(e.gpu, &e.k, &f[1]), 0);
	fence = gpu_fill(e.gpu, f[0].gpu_handle, e.k.w, e.k.h, 0xff0000aa, 0);
	igt_assert_eq(__kms_commit(&e.k, f[0].fb, fence, true), 0);
	close(fence);

	/* a hung job renders into f[1]; a flip to f[1] waits for it */
	hang = gpu_fill(e.gpu, f[1].gpu_handle, e.k.w, e.k.h, 0xff0000bb,
			VPRIME_SUBMIT_HANG);
	igt_assert_eq(__kms_commit(&e.k, f[1].fb, hang, false), 0);
	/* a second job queued behind the hang, on the buffer on screen */
	fence = gpu_fill(e.gpu, f[0].gpu_handle, e.k.w, e.k.h, 0xff0000cc, 0);

	igt_assert_f(kms_wait_flip(&e.k, 30000), "flip behind a hung job never completed\n");
	igt_assert(fence_wait(hang, 30000));
	st = fence_status(hang);
	igt_assert_f(st == -ETIMEDOUT, "hung job's fence status %d\n", st);
	/* the engine recovered: the next job ran */
	igt_assert(fence_wait(fence, 30000));
	igt_assert_eq(fence_status(fence), 1);
	igt_assert_eq_u32(dmabuf_pixel(f[0].dmabuf, (size_t)e.k.w * e.k.h * 4, 0),
			  0xff0000cc);
	close(fence);
	close(hang);
	/* a flip back works */
	igt_assert_eq(__kms_commit(&e.k, f[0].fb, -1, false), 0);
	igt_assert(kms_wait_flip(&e.k, 10000));
	job_timeout_set(e.gpu, old);
	frame_release(e.gpu, &e.k, &f[0]);
	frame_release(e.gpu, &e.k, &f[1]);
	env_close_check(&e);
}

/* ---- SIGKILL campaign ---- */

static void send_fds(int sock, int a, int b)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))];
	char byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	int fds[2] = { a, b };

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		_exit(0);
}

static bool recv_fds(int sock, int *a, int *b)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))];
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fds[2];

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) <= 0)
		return false;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return false;
	memcpy(fds, CMSG_DATA(cm), sizeof(fds));
	*a = fds[0];
	*b = fds[1];
	return true;
}

/* Renders frames forever: BO, job, export, send buffer + fence. */
static void sk_client(int sock, uint32_t w, uint32_t h)
{
	int gpu = __vprime_open_driver(VPRIME_GPU_DRIVER, 0, true);
	unsigned int i;

	if (gpu < 0)
		_exit(1);
	for (i = 0;; i++) {
		struct drm_vprime_bo_create c = { .size = (uint64_t)w * h * 4 };
		struct drm_prime_handle p = { .flags = DRM_CLOEXEC | DRM_RDWR };
		struct drm_gem_close gc = { 0 };
		int fence;

		if (ioctl(gpu, DRM_IOCTL_VPRIME_BO_CREATE, &c))
			_exit(1);
		fence = __gpu_fill(gpu, c.handle, w, h, 0xff000000 | i,
				   0, 1000000);
		p.handle = c.handle;
		if (fence < 0 || ioctl(gpu, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p))
			_exit(1);
		send_fds(sock, p.fd, fence);
		close(p.fd);
		close(fence);
		gc.handle = c.handle;
		ioctl(gpu, DRM_IOCTL_GEM_CLOSE, &gc);
	}
}

static unsigned int *sk_frames;	/* shared: frames the compositors flipped */

/* Imports, flips with the render fence, retires the previous frame. */
static void sk_compositor(int sock)
{
	struct kms k;
	uint32_t prev_fb = 0, prev_handle = 0;
	bool on = false;
	int buf, fence;

	kms_open(&k);
	while (recv_fds(sock, &buf, &fence)) {
		uint32_t handle, fb;

		if (__prime_import(k.fd, buf, &handle) || __kms_fb(&k, handle, &fb))
			_exit(1);
		close(buf);
		if (__kms_commit(&k, fb, fence, !on))
			_exit(1);
		close(fence);
		if (on && !kms_wait_flip(&k, 10000))
			_exit(1);
		on = true;
		__atomic_add_fetch(sk_frames, 1, __ATOMIC_RELAXED);
		if (prev_fb) {
			drmModeRmFB(k.fd, prev_fb);
			drmCloseBufferHandle(k.fd, prev_handle);
		}
		prev_fb = fb;
		prev_handle = handle;
	}
	_exit(0);
}

/*
 * Wait for the pair's first frame on screen (the compositor counts it after
 * its commit), so that each kill lands in a running pipeline. Returns false
 * when the compositor exited first or no frame came in 30 s.
 */
static bool sk_wait_first_frame(pid_t comp, unsigned int frames)
{
	struct timespec start, now;

	igt_assert_eq(clock_gettime(CLOCK_MONOTONIC, &start), 0);
	while (__atomic_load_n(sk_frames, __ATOMIC_RELAXED) == frames) {
		/* peek only: the caller reaps */
		siginfo_t si = { 0 };

		igt_assert_eq(waitid(P_PID, comp, &si,
				     WEXITED | WNOHANG | WNOWAIT), 0);
		if (si.si_pid == comp)
			return false;
		igt_assert_eq(clock_gettime(CLOCK_MONOTONIC, &now), 0);
		if (now.tv_sec - start.tv_sec >= 30)
			return false;
		usleep(1000);
	}
	return true;
}

static void test_sigkill(void)
{
	unsigned int runs = 200, i, killed[3] = { 0 };
	uint64_t base[NCOUNTERS];
	const char *env = getenv("VPRIME_SIGKILL_RUNS");
	struct kms k;
	uint32_t w, h;
	int master;

	if (env)
		runs = (unsigned int)strtoul(env, NULL, 0);
	sk_frames = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	igt_assert(sk_frames != MAP_FAILED);
	*sk_frames = 0;
	counters_get(base);
	kms_open(&k);
	w = k.w;
	h = k.h;
	master = drmIsMaster(k.fd);
	kms_close(&k);	/* the compositors take master in turn */
	srand(1);
	for (i = 0; i < runs; i++) {
		unsigned int victim = rand() % 3;	/* client, compositor, both */
		unsigned int frames = *sk_frames;
		int sv[2], status = 0;
		pid_t client, comp;
		bool running;

		igt_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
		comp = fork();
		igt_assert(comp >= 0);
		if (comp == 0) {
			close(sv[0]);
			sk_compositor(sv[1]);
		}
		client = fork();
		igt_assert(client >= 0);
		if (client == 0) {
			close(sv[1]);
			sk_client(sv[0], w, h);
		}
		close(sv[0]);
		close(sv[1]);
		running = sk_wait_first_frame(comp, frames);
		if (!running) {
			kill(client, SIGKILL);
			kill(comp, SIGKILL);
			waitpid(client, &status, 0);
			waitpid(comp, &status, 0);
		}
		igt_assert_f(running, "run %u: no frame on screen (compositor gone "
			     "or 30 s passed), compositor status 0x%x\n", i, status);
		/* then a random point of the running pipeline */
		usleep(rand() % 150000);
		if (victim != 1)
			kill(client, SIGKILL);
		if (victim != 0)
			kill(comp, SIGKILL);
		/* the survivor notices the peer's death (EOF / EPIPE) and exits */
		usleep(rand() % 20000);
		kill(client, SIGKILL);
		kill(comp, SIGKILL);
		waitpid(client, &status, 0);
		waitpid(comp, &status, 0);
		killed[victim]++;
	}
	igt_info("%u runs: client killed first %u, compositor first %u, both %u; "
		 "%u frames flipped in all; master was %d\n",
		 runs, killed[0], killed[1], killed[2], *sk_frames, master);
	counters_settle(base);
	{
		struct env e;

		env_open(&e);
		memcpy(e.base, base, sizeof(base));
		env_close_check(&e);
	}
}

/* ---- fail-nth (debug kernel) ---- */

struct nth_stats {
	unsigned int calls, injected, succeeded;
	unsigned int errnos[4096];
};

static int fail_nth_fd = -1;

static void fail_nth_setup(void)
{
	static const char *const attrs[] = { "failslab", "fail_page_alloc", "fail_usercopy" };
	char path[128];
	unsigned int i;

	igt_require_f(access("/proc/self/fail-nth", F_OK) == 0,
		      "no /proc/self/fail-nth: this subtest runs on the debug kernel "
		      "only (make check-debug)\n");
	for (i = 0; i < 3; i++) {
		int fd;

		snprintf(path, sizeof(path), "/sys/kernel/debug/%s/verbose", attrs[i]);
		if ((fd = open(path, O_WRONLY)) >= 0) {
			igt_assert(write(fd, "0", 1) == 1);
			close(fd);
		}
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s/ignore-gfp-wait", attrs[i]);
		if ((fd = open(path, O_WRONLY)) >= 0) {
			igt_assert(write(fd, "N", 1) == 1);
			close(fd);
		}
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s/min-order", attrs[i]);
		if ((fd = open(path, O_WRONLY)) >= 0) {
			igt_assert(write(fd, "0", 1) == 1);
			close(fd);
		}
	}
	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	igt_assert(fail_nth_fd >= 0);
}

/*
 * Arm the counter, or (n = 0) disarm it. Disarming right after a call may
 * see the rest of the counter run out in this write's own copy from
 * userspace (a fault site with FAULT_INJECTION_USERCOPY): EFAULT, and the
 * counter is 0 as wanted.
 */
static void fail_nth_set(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);
	ssize_t ret = pwrite(fail_nth_fd, buf, len, 0);

	if (!n && ret < 0 && errno == EFAULT)
		return;
	igt_assert_eq(ret, len);
}

/* Which fds are open, as a bitmap of the first 1024. */
static void fds_open(uint64_t map[16])
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	igt_assert(d);
	memset(map, 0, 16 * sizeof(map[0]));
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] != '.' && fd != dirfd(d) && fd < 1024)
			map[fd / 64] |= 1ull << (fd % 64);
	}
	closedir(d);
}

/*
 * Close the fds opened since @before: a call that installs an fd and then
 * fails to copy its number out (an injected usercopy fault) returns
 * -EFAULT with the fd open, and nobody else knows it.
 */
static void close_new_fds(const uint64_t before[16])
{
	uint64_t now[16];
	int fd;

	fds_open(now);
	for (fd = 0; fd < 1024; fd++)
		if ((now[fd / 64] & ~before[fd / 64]) & (1ull << (fd % 64)))
			close(fd);
}

/*
 * true if the fault was injected (the counter ran out inside the call).
 * With FAULT_INJECTION_USERCOPY, the copy to userspace of this read is a
 * fault site too: a counter left at 1 by the call runs out there, and the
 * read fails with EFAULT - the call itself did not reach the nth site.
 */
static bool fail_nth_fired(void)
{
	char buf[16] = { 0 };
	ssize_t len = pread(fail_nth_fd, buf, sizeof(buf) - 1, 0);

	if (len < 0 && errno == EFAULT)
		return false;
	igt_assert(len > 0);
	if (atoi(buf) == 0)
		return true;
	fail_nth_set(0);
	return false;
}

/*
 * One op: @setup builds the state the call needs, @call is the ioctl under
 * test (returns 0 or -errno), @undo releases whatever setup and a
 * successful call created. For n = 1, 2, ... the nth fault site of the call
 * fails, until the call completes without reaching n sites.
 */
struct nth_op {
	const char *name;
	void (*setup)(void *ctx);
	int (*call)(void *ctx);
	void (*undo)(void *ctx, int ret);
};

static void run_nth(const struct nth_op *op, void *ctx, struct nth_stats *st)
{
	unsigned int n;

	for (n = 1; n < 2000; n++) {
		uint64_t fds[16];
		bool fired;
		int ret;

		fds_open(fds);
		if (op->setup)
			op->setup(ctx);
		fail_nth_set(n);
		ret = op->call(ctx);
		fired = fail_nth_fired();
		st->calls++;
		if (op->undo)
			op->undo(ctx, ret);
		close_new_fds(fds);
		if (!fired) {
			igt_assert_f(ret == 0, "%s: %d without an injected fault\n",
				     op->name, ret);
			st->succeeded++;
			igt_debug("%s: %u fault sites\n", op->name, n - 1);
			return;
		}
		st->injected++;
		igt_assert_f(ret <= 0 && ret > -4096, "%s: bad return %d\n", op->name, ret);
		/* a call may survive a failed allocation (fallbacks) */
		if (ret)
			st->errnos[-ret]++;
		igt_assert_f(ret != -ENOTTY && ret != -EINVAL,
			     "%s: an allocation failure at site %u reported %s\n",
			     op->name, n, strerror(-ret));
	}
	igt_assert_f(0, "%s: more than 2000 fault sites?\n", op->name);
}

static void nth_report(const char *what, struct nth_stats *st)
{
	unsigned int i;

	igt_info("%s: %u calls, %u with an injected failure, %u ops completed\n",
		 what, st->calls, st->injected, st->succeeded);
	for (i = 1; i < 4096; i++)
		if (st->errnos[i])
			igt_info("  %s: %u\n", strerror((int)i), st->errnos[i]);
}

/* heap ops */
struct heap_ctx {
	int heap, test, buf, sf;
	uint32_t handle;
	struct vprime_heap_alloc alloc;
	struct vprime_test_import imp;
	unsigned int which;
	uint32_t data[65536 / 4];	/* IMPORT_READ's destination */
};

static void heap_setup(void *p)
{
	struct heap_ctx *c = p;
	struct vprime_heap_alloc a = { .size = 65536 };

	igt_assert_eq(xioctl(c->heap, VPRIME_HEAP_IOCTL_ALLOC, &a), 0);
	c->buf = (int)a.fd;
	c->sf = -1;
	c->handle = 0;
	memset(&c->imp, 0, sizeof(c->imp));
	/* these need an attached import */
	if ((c->which >= 4 && c->which <= 7) || c->which == 12) {
		c->imp.fd = (uint32_t)c->buf;
		igt_assert_eq(xioctl(c->test, VPRIME_TEST_IOCTL_IMPORT_ATTACH, &c->imp), 0);
		if (c->which == 6 || c->which == 12) {	/* unmap, read need a map */
			igt_assert_eq(xioctl(c->test, VPRIME_TEST_IOCTL_IMPORT_MAP, &c->imp), 0);
		}
	}
	if (c->which == 3) {	/* signal needs a fence */
		struct vprime_test_fence_attach fa = { .fd = (uint32_t)c->buf };

		igt_assert_eq(xioctl(c->test, VPRIME_TEST_IOCTL_FENCE_ATTACH, &fa), 0);
		c->handle = fa.handle;
	}
	if (c->which == 11) {	/* import-sync-file needs a sync_file */
		struct dma_buf_export_sync_file e = { .flags = DMA_BUF_SYNC_WRITE };

		igt_assert_eq(xioctl(c->buf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &e), 0);
		c->sf = e.fd;
	}
}

static int heap_call(void *p)
{
	struct heap_ctx *c = p;
	struct vprime_heap_migrate m = { .fd = (uint32_t)c->buf, .placement = 1 };
	struct vprime_test_fence_attach fa = { .fd = (uint32_t)c->buf };
	struct vprime_test_fence_signal fs = { .handle = c->handle };
	struct dma_buf_sync s = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };
	struct dma_buf_export_sync_file e = { .flags = DMA_BUF_SYNC_RW };
	struct dma_buf_import_sync_file i = { .flags = DMA_BUF_SYNC_WRITE, .fd = c->sf };
	struct vprime_test_import_read rd = { 0 };
	int ret;

	switch (c->which) {
	case 0:
		c->alloc = (struct vprime_heap_alloc){ .size = 65536 };
		return xioctl(c->heap, VPRIME_HEAP_IOCTL_ALLOC, &c->alloc);
	case 1: return xioctl(c->heap, VPRIME_HEAP_IOCTL_MIGRATE, &m);
	case 2:
		ret = xioctl(c->test, VPRIME_TEST_IOCTL_FENCE_ATTACH, &fa);
		c->handle = fa.handle;
		return ret;
	case 3: return xioctl(c->test, VPRIME_TEST_IOCTL_FENCE_SIGNAL, &fs);
	case 4: return xioctl(c->test, VPRIME_TEST_IOCTL_IMPORT_MAP, &c->imp);
	case 5: return xioctl(c->test, VPRIME_TEST_IOCTL_IMPORT_QUERY, &c->imp);
	case 6: return xioctl(c->test, VPRIME_TEST_IOCTL_IMPORT_UNMAP, &c->imp);
	case 7: return xioctl(c->test, VPRIME_TEST_IOCTL_IMPORT_DETACH, &c->imp);
	case 8:
		c->imp = (struct vprime_test_import){ .fd = (uint32_t)c->buf };
		return xioctl(c->test, VPRIME_TEST_IOCTL_IMPORT_ATTACH, &c->imp);
	case 9:
		ret = xioctl(c->buf, DMA_BUF_IOCTL_SYNC, &s);
		if (!ret) {
			s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
			xioctl(c->buf, DMA_BUF_IOCTL_SYNC, &s);
		}
		return ret;
	case 10:
		ret = xioctl(c->buf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &e);
		if (!ret)
			close(e.fd);
		return ret;
	case 11: return xioctl(c->buf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &i);
	default:
		rd.handle = c->imp.handle;
		rd.size = sizeof(c->data);
		rd.data = to_user_pointer(c->data);
		return xioctl(c->test, VPRIME_TEST_IOCTL_IMPORT_READ, &rd);
	}
}

static void heap_undo(void *p, int ret)
{
	struct heap_ctx *c = p;

	if (c->which == 0 && !ret)
		close((int)c->alloc.fd);
	if (c->which == 2 && !ret) {
		struct vprime_test_fence_signal fs = { .handle = c->handle };

		xioctl(c->test, VPRIME_TEST_IOCTL_FENCE_SIGNAL, &fs);
	}
	if (c->sf >= 0)
		close(c->sf);
	close(c->buf);	/* imports and fences of the buffer go with the file below */
}

static const char *const heap_names[] = {
	"ALLOC", "MIGRATE", "FENCE_ATTACH", "FENCE_SIGNAL", "IMPORT_MAP",
	"IMPORT_QUERY", "IMPORT_UNMAP", "IMPORT_DETACH", "IMPORT_ATTACH",
	"DMA_BUF_SYNC", "EXPORT_SYNC_FILE", "IMPORT_SYNC_FILE", "IMPORT_READ",
};

static void test_fail_nth_heap(void)
{
	struct nth_stats *st = calloc(1, sizeof(*st));
	uint64_t base[NCOUNTERS];
	unsigned int w;

	fail_nth_setup();
	counters_get(base);
	for (w = 0; w < sizeof(heap_names) / sizeof(heap_names[0]); w++) {
		struct heap_ctx c = { .which = w };
		struct nth_op op = { heap_names[w], heap_setup, heap_call, heap_undo };

		/* fresh files per op: imports and fences die with them */
		c.heap = vprime_heap_open();
		c.test = vprime_test_open();
		run_nth(&op, &c, st);
		close(c.test);
		close(c.heap);
	}
	nth_report("heap", st);
	counters_settle(base);
	free(st);
}

/* GPU ops */
struct gpu_ctx {
	int gpu, heap, heapbuf, sf;
	uint32_t bo, handle, syncobj, fence;
	int out_fd;
	unsigned int which;
};

static void gpu_setup(void *p)
{
	struct gpu_ctx *c = p;

	c->bo = gpu_bo(c->gpu, 65536);
	c->handle = 0;
	c->out_fd = -1;
	c->heapbuf = -1;
	if (c->which == 6) {	/* signal needs a fence */
		struct drm_vprime_fence_attach a = { .handle = c->bo };

		igt_assert_eq(xioctl(c->gpu, DRM_IOCTL_VPRIME_FENCE_ATTACH, &a), 0);
		c->fence = a.out_fence;
	}
	if (c->which == 8) {
		struct vprime_heap_alloc a = { .size = 65536 };

		igt_assert_eq(xioctl(c->heap, VPRIME_HEAP_IOCTL_ALLOC, &a), 0);
		c->heapbuf = (int)a.fd;
	}
}

static int gpu_call(void *p)
{
	struct gpu_ctx *c = p;
	struct drm_vprime_bo_create bc = { .size = 65536 };
	struct drm_vprime_bo_mmap_offset mo = { .handle = c->bo };
	struct drm_vprime_bo_info bi = { .handle = c->bo };
	struct drm_vprime_bo_wait bw = { .handle = c->bo };
	struct drm_vprime_fence_attach fa = { .handle = c->bo };
	struct drm_vprime_fence_signal fs = { .fence = c->fence };
	struct drm_prime_handle ph = { .handle = c->bo, .flags = DRM_CLOEXEC };
	struct drm_vprime_sync in = { .handle = c->syncobj };
	struct drm_vprime_cmd cmd = {
		.op = VPRIME_CMD_FILL, .dst_handle = c->bo, .dst_stride = 256,
		.width = 64, .height = 64, .value = 7,
	};
	struct drm_vprime_submit s = {
		.cmds = (uintptr_t)&cmd, .cmd_count = 1,
		.flags = VPRIME_SUBMIT_OUT_FENCE_FD,
		.in_syncs = (uintptr_t)&in, .in_sync_count = 1,
		.out_syncobj = c->syncobj,
	};
	int ret;

	switch (c->which) {
	case 0:
		ret = xioctl(c->gpu, DRM_IOCTL_VPRIME_BO_CREATE, &bc);
		c->handle = bc.handle;
		return ret;
	case 1: return xioctl(c->gpu, DRM_IOCTL_VPRIME_BO_MMAP_OFFSET, &mo);
	case 2: return xioctl(c->gpu, DRM_IOCTL_VPRIME_BO_INFO, &bi);
	case 3: return xioctl(c->gpu, DRM_IOCTL_VPRIME_BO_WAIT, &bw);
	case 4:
		ret = xioctl(c->gpu, DRM_IOCTL_VPRIME_SUBMIT, &s);
		c->out_fd = ret ? -1 : (int)s.out_fence_fd;
		return ret;
	case 5:
		ret = xioctl(c->gpu, DRM_IOCTL_VPRIME_FENCE_ATTACH, &fa);
		c->fence = fa.out_fence;
		return ret;
	case 6: return xioctl(c->gpu, DRM_IOCTL_VPRIME_FENCE_SIGNAL, &fs);
	case 7:
		ret = xioctl(c->gpu, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph);
		c->out_fd = ret ? -1 : ph.fd;
		return ret;
	default:
		return __prime_import(c->gpu, c->heapbuf, &c->handle);
	}
}

static void gpu_undo(void *p, int ret)
{
	struct gpu_ctx *c = p;

	if (c->out_fd >= 0) {
		if (c->which == 4)
			fence_wait(c->out_fd, 10000);
		close(c->out_fd);
	}
	if (c->which == 4 && ret == -ENOMEM) {
		/* the job may run although the sync_file failed: wait for it */
		struct drm_vprime_bo_wait bw = { .handle = c->bo,
						 .timeout_ns = UINT64_MAX >> 1 };

		xioctl(c->gpu, DRM_IOCTL_VPRIME_BO_WAIT, &bw);
	}
	if (c->which == 5 && !ret) {
		struct drm_vprime_fence_signal fs = { .fence = c->fence };

		xioctl(c->gpu, DRM_IOCTL_VPRIME_FENCE_SIGNAL, &fs);
	}
	if ((c->which == 0 || c->which == 8) && !ret)
		vp_gem_close(c->gpu, c->handle);
	if (c->heapbuf >= 0)
		close(c->heapbuf);
	vp_gem_close(c->gpu, c->bo);
}

static const char *const gpu_names[] = {
	"BO_CREATE", "BO_MMAP_OFFSET", "BO_INFO", "BO_WAIT", "SUBMIT",
	"FENCE_ATTACH", "FENCE_SIGNAL", "PRIME_HANDLE_TO_FD", "PRIME_FD_TO_HANDLE",
};

static void test_fail_nth_gpu(void)
{
	struct nth_stats *st = calloc(1, sizeof(*st));
	uint64_t base[NCOUNTERS];
	unsigned int w;

	fail_nth_setup();
	counters_get(base);
	for (w = 0; w < sizeof(gpu_names) / sizeof(gpu_names[0]); w++) {
		struct gpu_ctx c = { .which = w };
		struct nth_op op = { gpu_names[w], gpu_setup, gpu_call, gpu_undo };
		struct drm_syncobj_create sc = { .flags = DRM_SYNCOBJ_CREATE_SIGNALED };

		c.gpu = vprime_open_gpu_render(0);
		c.heap = vprime_heap_open();
		igt_assert_eq(xioctl(c.gpu, DRM_IOCTL_SYNCOBJ_CREATE, &sc), 0);
		c.syncobj = sc.handle;
		run_nth(&op, &c, st);
		close(c.heap);
		close(c.gpu);
	}
	nth_report("gpu", st);
	counters_settle(base);
	free(st);
}

/* display ops */
static const char *const kms_names[] = {
	"CREATE_DUMB", "MAP_DUMB", "PRIME_IMPORT+ADDFB2", "ATOMIC modeset",
	"ATOMIC flip", "flip event read",
};

struct kms_ctx {
	struct kms *k;
	int gpu, dmabuf;
	uint32_t gpu_bo, handle, fb, dumb;
	uint64_t offset;
	unsigned int which;
	/* ATOMIC flip: a flip event is owed; the event count before it */
	bool flip_pending, read_failed;
	/* ATOMIC flip: the commit returned -EFAULT, maybe after it was done */
	bool flip_maybe;
	unsigned int events_before;
	/* events read again after a failed poll() / event read */
	unsigned int reread_poll, reread_read;
};

static void kms_setup(void *p)
{
	struct kms_ctx *c = p;
	struct drm_mode_create_dumb d = { .width = c->k->w, .height = c->k->h, .bpp = 32 };

	c->handle = 0;
	c->fb = 0;
	c->flip_pending = false;
	c->read_failed = false;
	c->flip_maybe = false;
	igt_assert_eq(xioctl(c->k->fd, DRM_IOCTL_MODE_CREATE_DUMB, &d), 0);
	c->dumb = d.handle;
	c->gpu_bo = gpu_bo(c->gpu, (uint64_t)c->k->w * c->k->h * 4);
	c->dmabuf = prime_export(c->gpu, c->gpu_bo);
	if (c->which >= 3)
		igt_assert_eq(__kms_fb(c->k, c->dumb, &c->fb), 0);
	if (c->which >= 4)	/* a flip needs the pipe on */
		igt_assert_eq(__kms_commit(c->k, c->fb, -1, true), 0);
	if (c->which == 5) {
		struct pollfd p = { .fd = c->k->fd, .events = POLLIN };

		/* unarmed: a flip whose event is queued, ready to be read */
		igt_assert_eq(__kms_commit(c->k, c->fb, -1, false), 0);
		c->flip_pending = true;
		c->events_before = c->k->events;
		igt_assert_eq(poll(&p, 1, 10000), 1);
	}
}

static int kms_call(void *p)
{
	struct kms_ctx *c = p;
	struct drm_mode_create_dumb d = { .width = 64, .height = 64, .bpp = 32 };
	struct drm_mode_map_dumb m = { .handle = c->dumb };
	int ret;

	switch (c->which) {
	case 0:
		ret = xioctl(c->k->fd, DRM_IOCTL_MODE_CREATE_DUMB, &d);
		c->handle = d.handle;
		return ret;
	case 1: return xioctl(c->k->fd, DRM_IOCTL_MODE_MAP_DUMB, &m);
	case 2:
		ret = __prime_import(c->k->fd, c->dmabuf, &c->handle);
		if (!ret) {
			uint32_t fb;

			ret = __kms_fb(c->k, c->handle, &fb);
			if (!ret)
				drmModeRmFB(c->k->fd, fb);
		}
		return ret;
	case 3: return __kms_commit(c->k, c->fb, -1, true);
	case 5: {
		/*
		 * Only the read of a queued event, armed: its first fault
		 * site is drm_read()'s copy_to_user() of the event, so n = 1
		 * fails exactly that copy on every run.
		 */
		drmEventContext ctx = { .version = 3, .page_flip_handler2 = flip_handler };

		errno = 0;
		if (drmHandleEvent(c->k->fd, &ctx)) {
			c->read_failed = true;
			return errno ? -errno : -EIO;
		}
		return 0;
	}
	default:
		/*
		 * The flip and the read of its event, all with the counter
		 * armed: poll()'s copy of the pollfd and drm_read()'s
		 * copy_to_user() of the event are this task's fault sites
		 * too (FAULT_INJECTION_USERCOPY). kms_undo() reads the event
		 * again, unarmed, when that failed.
		 */
		ret = __kms_commit(c->k, c->fb, -1, false);
		/*
		 * drm_ioctl() copies the args back after a commit that
		 * succeeded; a fault there gives -EFAULT for a flip that was
		 * queued, and its event comes (kms_undo()).
		 */
		c->flip_maybe = ret == -EFAULT;
		c->events_before = c->k->events;
		if (ret)
			return ret;
		c->flip_pending = true;
		return __kms_read_flip(c->k, 10000, &c->read_failed);
	}
}

static void kms_undo(void *p, int ret)
{
	struct kms_ctx *c = p;
	struct drm_mode_destroy_dumb dd = { .handle = c->dumb };

	/*
	 * A committed flip owes exactly one event. If poll() or the read
	 * failed (an injected fault: drm_read() puts an event it could not
	 * copy back at the head of the list), it is still there: read it now.
	 */
	if (c->flip_pending) {
		if (c->k->events == c->events_before) {
			igt_assert_f(kms_wait_flip(c->k, 10000),
				     "ATOMIC flip: the flip event is lost after a failed %s (%s)\n",
				     c->read_failed ? "event read" : "poll",
				     strerror(-ret));
			if (c->read_failed)
				c->reread_read++;
			else
				c->reread_poll++;
		}
		igt_assert_f(c->k->events == c->events_before + 1,
			     "ATOMIC flip: %u flip events for one flip\n",
			     c->k->events - c->events_before);
	}
	if (c->which >= 3) {
		__kms_commit(c->k, 0, -1, true);
		/*
		 * The pipe-off modeset waited for a flip the -EFAULT commit
		 * may have queued: its one event is there now, or none.
		 */
		if (c->flip_maybe && !kms_no_event(c->k)) {
			igt_assert(kms_wait_flip(c->k, 0));
			igt_assert_eq(c->k->events, c->events_before + 1);
		}
		/* with the pipe off, nothing more can come: no stray event */
		igt_assert_f(kms_no_event(c->k), "%s: an event nobody asked for\n",
			     kms_names[c->which]);
	}
	if (c->fb)
		drmModeRmFB(c->k->fd, c->fb);
	if (c->handle && c->which == 0) {
		struct drm_mode_destroy_dumb d2 = { .handle = c->handle };

		xioctl(c->k->fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d2);
	} else if (c->handle) {
		vp_gem_close(c->k->fd, c->handle);
	}
	xioctl(c->k->fd, DRM_IOCTL_MODE_DESTROY_DUMB, &dd);
	close(c->dmabuf);
	vp_gem_close(c->gpu, c->gpu_bo);
}

static void test_fail_nth_display(void)
{
	struct nth_stats *st = calloc(1, sizeof(*st));
	uint64_t base[NCOUNTERS];
	struct kms k;
	unsigned int w;

	fail_nth_setup();
	counters_get(base);
	kms_open(&k);
	for (w = 0; w < sizeof(kms_names) / sizeof(kms_names[0]); w++) {
		struct kms_ctx c = { .k = &k, .which = w };
		struct nth_op op = { kms_names[w], kms_setup, kms_call, kms_undo };

		c.gpu = vprime_open_gpu_render(0);
		run_nth(&op, &c, st);
		close(c.gpu);
		if (w < 4)
			continue;
		/*
		 * After a failed poll() or event read the event was read
		 * again, never lost or doubled (kms_undo()). Whether a fault
		 * of the flip step lands in its poll() or its read depends on
		 * whether the event was queued before poll() slept; the last
		 * op reads a queued event, so there it is the read, always.
		 */
		igt_info("%s: flip event read again after a failed read %u times, "
			 "after a failed poll %u times\n", kms_names[w],
			 c.reread_read, c.reread_poll);
		if (w == 5)
			igt_assert_f(c.reread_read > 0,
				     "flip event read: no injected fault reached drm_read()'s copy\n");
	}
	kms_close(&k);
	nth_report("display", st);
	counters_settle(base);
	free(st);
}

igt_main
{
	igt_fixture {
		igt_require(vprime_module_loaded("vprime"));
		igt_require_f(access(CORE_DBG "stats", R_OK) == 0,
			      "no vprime_core debugfs\n");
	}

	igt_describe("fail_next_attach fires while the display imports a GPU buffer.");
	igt_subtest("share-fail-attach")
		test_share_fail_attach();
	igt_describe("fail_next_map fires while a shared buffer gets mapped.");
	igt_subtest("share-fail-map")
		test_share_fail_map();
	igt_describe("fail_next_begin_cpu_access fires on a buffer on screen.");
	igt_subtest("share-fail-begin-cpu-access")
		test_share_fail_begin_cpu_access();
	igt_describe("force_migrate of a buffer on screen (refused) and off screen between flips (moved).");
	igt_subtest("share-migrate-scanout")
		test_share_migrate_scanout();
	igt_describe("fence_delay_ms delays a render fence a flip waits for.");
	igt_subtest("share-fence-delay")
		test_share_fence_delay();
	igt_describe("A GPU hang with a flip waiting for it; recovery.");
	igt_subtest("hang-with-flips-pending")
		test_hang_with_flips_pending();
	igt_describe("SIGKILL compositor/client pairs at random points, 200 times.");
	igt_subtest("sigkill-compositor-client")
		test_sigkill();
	igt_describe("Debug kernel only: fail-nth over every heap ioctl.");
	igt_subtest("fail-nth-heap")
		test_fail_nth_heap();
	igt_describe("Debug kernel only: fail-nth over every GPU ioctl.");
	igt_subtest("fail-nth-gpu")
		test_fail_nth_gpu();
	igt_describe("Debug kernel only: fail-nth over the display ioctls.");
	igt_subtest("fail-nth-display")
		test_fail_nth_display();

	igt_fixture
		knobs_reset();
}
