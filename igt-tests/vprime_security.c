// SPDX-License-Identifier: MIT
/*
 * vprime_security - the isolation promises of vprime's three device nodes
 * (threat model: docs/reliability.md).
 */

/**
 * TEST: vprime security
 * Category: Software building block
 * Description: A render-node client can't reach the display; GEM handles,
 *              mmap offsets and fdinfo are private to their file; new
 *              buffers are zeroed; flink is not offered; every uapi pad and
 *              flag check not covered by the other tests has a negative test.
 * Feature: vprime security
 *
 * SUBTEST: render-node-no-kms
 * Description: The GPU render node rejects every KMS ioctl and DRM master.
 *
 * SUBTEST: display-has-no-render-node
 * Description: No render node belongs to the display driver.
 *
 * SUBTEST: display-non-master-no-modeset
 * Description: A display client that is not DRM master can't modeset.
 *
 * SUBTEST: gem-handles-private
 * Description: Another file can't look up, mmap, export or close a handle.
 *
 * SUBTEST: mmap-offset-private
 * Description: Another file can't mmap a BO through its fake offset.
 *
 * SUBTEST: fdinfo-private
 * Description: A file's fdinfo counts only its own BOs.
 *
 * SUBTEST: gpu-bo-zeroed
 * Description: New GPU BOs (both placements) are zero after freed ones were
 *              filled with a pattern.
 *
 * SUBTEST: heap-buffer-zeroed
 * Description: New heap buffers (both placements) are zero after freed ones
 *              were filled with a pattern.
 *
 * SUBTEST: dumb-buffer-zeroed
 * Description: New display dumb buffers are zero after freed ones were
 *              filled with a pattern.
 *
 * SUBTEST: flink-not-offered
 * Description: GEM_FLINK and GEM_OPEN fail on the render node.
 *
 * SUBTEST: uapi-%s
 * Description: An import ioctl of /dev/vprime_test (ATTACH, MAP, UNMAP,
 *              DETACH, QUERY) with one bad field (flags, pad, direction,
 *              importer) is -EINVAL and changes nothing: one subtest per
 *              ioctl and field (import-attach-flags, ...).
 *
 * SUBTEST: uapi-fence-signal-error-range
 * Description: FENCE_SIGNAL rejects an error above 4095 with -EINVAL; the
 *              fence stays, and a good signal then works once.
 *
 * SUBTEST: uapi-fence-signal-error-negative
 * Description: FENCE_SIGNAL rejects a negative (wrapped) error with
 *              -EINVAL; the fence stays, and a good signal then works once.
 *
 * SUBTEST: uapi-alloc-out-fields
 * Description: ALLOC's output fields (fd, id) are not input-checked:
 *              garbage in them is overwritten.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "igt.h"
#include "vprime_igt.h"
#include "vprime_gpu_igt.h"
#include "linux/vprime_heap.h"
#include "linux/vprime_test.h"

IGT_TEST_DESCRIPTION("Isolation of vprime's nodes: render clients can't reach "
		     "KMS, handles/offsets/fdinfo are per file, buffers are "
		     "zeroed, no flink, uapi pad/flag checks.");

#define PATTERN 0xa5

static int ioctl_err(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

/* True when every byte of @p is zero; logs the first non-zero one. */
static bool all_zero(const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++) {
		if (b[i]) {
			igt_info("byte %zu of %zu is %#x\n", i, len, b[i]);
			return false;
		}
	}
	return true;
}

static void test_render_node_no_kms(void)
{
	int fd = vprime_open_gpu_render(0);
	struct drm_mode_card_res res = { 0 };
	struct drm_mode_fb_cmd2 fb = { 0 };
	struct drm_mode_atomic atomic = { 0 };
	struct drm_mode_crtc crtc = { 0 };
	struct drm_mode_create_dumb dumb = { .width = 64, .height = 64, .bpp = 32 };
	uint64_t cap = 0;

	igt_assert_eq(drmGetNodeTypeFromFd(fd), DRM_NODE_RENDER);
	/* Not a KMS driver at all: the modesetting ioctls say so... */
	igt_assert_neq(ioctl_err(fd, DRM_IOCTL_MODE_GETRESOURCES, &res), 0);
	/* ...and the rest aren't allowed on a render node. */
	igt_assert_eq(ioctl_err(fd, DRM_IOCTL_MODE_ADDFB2, &fb), -EACCES);
	igt_assert_eq(ioctl_err(fd, DRM_IOCTL_MODE_ATOMIC, &atomic), -EACCES);
	igt_assert_eq(ioctl_err(fd, DRM_IOCTL_MODE_SETCRTC, &crtc), -EACCES);
	igt_assert_eq(ioctl_err(fd, DRM_IOCTL_MODE_CREATE_DUMB, &dumb), -EACCES);
	igt_assert_eq(ioctl_err(fd, DRM_IOCTL_SET_MASTER, NULL), -EACCES);
	igt_assert(!drmIsMaster(fd));
	/* no dumb buffers: the cap is refused or 0 */
	if (drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &cap) == 0)
		igt_assert_eq_u64(cap, 0);
	close(fd);
}

static void test_display_has_no_render_node(void)
{
	igt_assert_eq(__vprime_open_driver(VPRIME_KMS_DRIVER, 0, true), -ENODEV);
}

static void test_display_non_master(void)
{
	int master = vprime_open_display(0), other;
	drmModeResPtr res;
	struct drm_mode_crtc crtc = { 0 };
	struct drm_mode_atomic atomic = { 0 };

	/* Whoever holds master, a second file without it can't modeset. */
	if (!drmIsMaster(master))
		igt_require_f(drmSetMaster(master) == 0, "can't become DRM master\n");
	other = vprime_open_display(0);
	igt_assert(!drmIsMaster(other));
	res = drmModeGetResources(other);
	igt_assert(res && res->count_crtcs > 0);
	crtc.crtc_id = res->crtcs[0];
	drmModeFreeResources(res);
	igt_assert_eq(drmSetClientCap(other, DRM_CLIENT_CAP_ATOMIC, 1), 0);
	igt_assert_eq(ioctl_err(other, DRM_IOCTL_MODE_SETCRTC, &crtc), -EACCES);
	igt_assert_eq(ioctl_err(other, DRM_IOCTL_MODE_ATOMIC, &atomic), -EACCES);
	/* master is taken: -EBUSY for root, -EACCES for others */
	igt_assert_neq(ioctl_err(other, DRM_IOCTL_SET_MASTER, NULL), 0);
	igt_assert(!drmIsMaster(other));
	close(other);
	close(master);
}

static void test_gem_handles_private(void)
{
	int a = vprime_open_gpu_render(0), b = vprime_open_gpu_render(0);
	struct drm_vprime_bo_info info = { 0 };
	struct drm_vprime_bo_mmap_offset off = { 0 };
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC };
	struct drm_gem_close gc = { 0 };
	uint32_t h[4];
	int i;

	for (i = 0; i < 4; i++)
		h[i] = vprime_gpu_bo_create(a, 4096);
	for (i = 0; i < 4; i++) {
		info.handle = h[i];
		igt_assert_eq(ioctl_err(b, DRM_IOCTL_VPRIME_BO_INFO, &info), -ENOENT);
		off.handle = h[i];
		igt_assert_eq(ioctl_err(b, DRM_IOCTL_VPRIME_BO_MMAP_OFFSET, &off),
			      -ENOENT);
		prime.handle = h[i];
		igt_assert_eq(ioctl_err(b, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime),
			      -ENOENT);
		gc.handle = h[i];
		igt_assert_eq(ioctl_err(b, DRM_IOCTL_GEM_CLOSE, &gc), -EINVAL);
	}
	/* b's attempt closed nothing of a's */
	for (i = 0; i < 4; i++)
		igt_assert_eq(__vprime_gpu_bo_info(a, h[i], &info), 0);
	close(b);
	close(a);
}

static void test_mmap_offset_private(void)
{
	int a = vprime_open_gpu_render(0), b = vprime_open_gpu_render(0);
	struct drm_vprime_bo_mmap_offset off = { 0 };
	uint32_t h = vprime_gpu_bo_create(a, 8192);
	void *p;

	off.handle = h;
	igt_assert_eq(ioctl_err(a, DRM_IOCTL_VPRIME_BO_MMAP_OFFSET, &off), 0);
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, a, off.offset);
	igt_assert(p != MAP_FAILED);
	memset(p, PATTERN, 8192);
	munmap(p, 8192);

	/* The same offset on another file of the same device: no access. */
	p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, b, off.offset);
	igt_assert(p == MAP_FAILED);
	igt_assert(errno == EACCES || errno == EINVAL || errno == EPERM);
	/* Nor on the primary node. */
	{
		int c = vprime_open_gpu(0);

		p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, c, off.offset);
		igt_assert(p == MAP_FAILED);
		close(c);
	}
	close(b);
	close(a);
}

static void test_fdinfo_private(void)
{
	int a = vprime_open_gpu_render(0), b = vprime_open_gpu_render(0);
	uint64_t ida = 0, idb = 0, mema = 0, memb = 0;

	vprime_gpu_bo_create(a, 1 << 20);
	igt_assert_eq(vprime_gpu_fdinfo_key(a, "drm-client-id", &ida), 0);
	igt_assert_eq(vprime_gpu_fdinfo_key(b, "drm-client-id", &idb), 0);
	igt_assert_neq_u64(ida, idb);
	igt_assert_eq(vprime_gpu_fdinfo_key(a, "drm-memory-system", &mema), 0);
	igt_assert_lte(1024, (int)mema);
	if (vprime_gpu_fdinfo_key(b, "drm-memory-system", &memb) == 0)
		igt_assert_eq_u64(memb, 0);
	close(b);
	close(a);
}

/* Allocate, check zero, fill, free; several sizes so freed pages recycle. */
static void zero_cycle(const char *what, void *(*alloc)(size_t size, void *ctx,
							 uint64_t *cookie),
		       void (*release)(void *map, size_t size, void *ctx, uint64_t cookie),
		       void *ctx)
{
	static const size_t sizes[] = { 4096, 65536, 4096, 1 << 20, 65536, 4096,
					1 << 20, 8192 };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t cookie;
		void *p = alloc(sizes[i], ctx, &cookie);

		igt_assert_f(all_zero(p, sizes[i]), "%s %zu bytes not zeroed\n",
			     what, sizes[i]);
		memset(p, PATTERN, sizes[i]);
		release(p, sizes[i], ctx, cookie);
	}
}

struct gpu_ctx {
	int fd;
	uint32_t flags;
};

static void *gpu_alloc(size_t size, void *data, uint64_t *cookie)
{
	struct gpu_ctx *g = data;
	uint64_t sz = size;
	uint32_t h;

	igt_assert_eq(__vprime_gpu_bo_create(g->fd, &sz, g->flags, &h), 0);
	*cookie = h;
	return vprime_gpu_bo_mmap(g->fd, h, size);
}

static void gpu_release(void *map, size_t size, void *data, uint64_t cookie)
{
	struct gpu_ctx *g = data;
	struct drm_gem_close gc = { .handle = (uint32_t)cookie };

	munmap(map, size);
	igt_assert_eq(ioctl_err(g->fd, DRM_IOCTL_GEM_CLOSE, &gc), 0);
}

static void test_gpu_bo_zeroed(void)
{
	struct gpu_ctx g = { .fd = vprime_open_gpu_render(0) };

	zero_cycle("GPU BO (system)", gpu_alloc, gpu_release, &g);
	g.flags = VPRIME_BO_CREATE_LOCAL;
	zero_cycle("GPU BO (local)", gpu_alloc, gpu_release, &g);
	close(g.fd);
}

struct heap_ctx {
	int fd;
	uint32_t placement;
};

static void *heap_alloc(size_t size, void *data, uint64_t *cookie)
{
	struct heap_ctx *h = data;
	struct vprime_heap_alloc a = { .size = size, .placement = h->placement };
	void *p;

	igt_assert_eq(ioctl_err(h->fd, VPRIME_HEAP_IOCTL_ALLOC, &a), 0);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, (int)a.fd, 0);
	igt_assert(p != MAP_FAILED);
	*cookie = a.fd;
	return p;
}

static void heap_release(void *map, size_t size, void *data, uint64_t cookie)
{
	munmap(map, size);
	close((int)cookie);
}

static void test_heap_buffer_zeroed(void)
{
	struct heap_ctx h = { .fd = vprime_heap_open() };

	zero_cycle("heap buffer (system)", heap_alloc, heap_release, &h);
	h.placement = VPRIME_HEAP_PLACEMENT_LOCAL;
	zero_cycle("heap buffer (local)", heap_alloc, heap_release, &h);
	close(h.fd);
}

static void *dumb_alloc(size_t size, void *data, uint64_t *cookie)
{
	int fd = *(int *)data;
	struct drm_mode_create_dumb c = { .width = 256, .bpp = 32 };
	struct drm_mode_map_dumb m = { 0 };
	void *p;

	c.height = size / 1024;
	igt_assert_eq(ioctl_err(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c), 0);
	igt_assert(c.size >= size);
	m.handle = c.handle;
	igt_assert_eq(ioctl_err(fd, DRM_IOCTL_MODE_MAP_DUMB, &m), 0);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, m.offset);
	igt_assert(p != MAP_FAILED);
	*cookie = c.handle;
	return p;
}

static void dumb_release(void *map, size_t size, void *data, uint64_t cookie)
{
	int fd = *(int *)data;
	struct drm_mode_destroy_dumb d = { .handle = (uint32_t)cookie };

	munmap(map, size);
	igt_assert_eq(ioctl_err(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d), 0);
}

static void test_dumb_buffer_zeroed(void)
{
	int fd = vprime_open_display(0);

	zero_cycle("dumb buffer", dumb_alloc, dumb_release, &fd);
	close(fd);
}

static void test_flink_not_offered(void)
{
	int fd = vprime_open_gpu_render(0);
	struct drm_gem_flink flink = { 0 };
	struct drm_gem_open op = { 0 };
	uint32_t name;

	flink.handle = vprime_gpu_bo_create(fd, 4096);
	igt_assert_eq(ioctl_err(fd, DRM_IOCTL_GEM_FLINK, &flink), -EACCES);
	/* nor can a render client open any global name */
	for (name = 1; name < 16; name++) {
		op.name = name;
		igt_assert_eq(ioctl_err(fd, DRM_IOCTL_GEM_OPEN, &op), -EACCES);
	}
	close(fd);
}

/* ---- uapi negative tests not in vprime_heap, vprime_importer, ... ---- */

struct heap_fixture {
	int heap;
	int test;
	int buf;
};

static void heap_fixture(struct heap_fixture *f)
{
	struct vprime_heap_alloc a = { .size = 4096 };

	f->heap = vprime_heap_open();
	f->test = vprime_test_open();
	igt_assert_eq(ioctl_err(f->heap, VPRIME_HEAP_IOCTL_ALLOC, &a), 0);
	f->buf = (int)a.fd;
}

static void heap_fixture_fini(struct heap_fixture *f)
{
	close(f->buf);
	close(f->test);
	close(f->heap);
}

enum import_field { F_FLAGS, F_PAD, F_DIRECTION, F_IMPORTER };

/* One import ioctl with one bad field: -EINVAL, and no state change. */
static void test_import_field(unsigned long req, enum import_field field)
{
	struct heap_fixture f;
	struct vprime_test_import a = { 0 }, q = { 0 };

	heap_fixture(&f);
	a.fd = (uint32_t)f.buf;
	if (req != VPRIME_TEST_IOCTL_IMPORT_ATTACH) {
		igt_assert_eq(ioctl_err(f.test, VPRIME_TEST_IOCTL_IMPORT_ATTACH, &a), 0);
		a.fd = 0;
	}
	switch (field) {
	case F_FLAGS:
		a.flags = req == VPRIME_TEST_IOCTL_IMPORT_ATTACH ? 1u << 1 : 1;
		break;
	case F_PAD:
		a.pad = 1;
		break;
	case F_DIRECTION:
		a.direction = req == VPRIME_TEST_IOCTL_IMPORT_MAP ?
			VPRIME_TEST_IMPORT_DIR_FROM_DEVICE + 1 : 1;
		break;
	case F_IMPORTER:
		a.importer = VPRIME_TEST_IMPORTER_SMALL_SEG + 1;
		break;
	}
	igt_assert_eq(ioctl_err(f.test, req, &a), -EINVAL);
	if (req != VPRIME_TEST_IOCTL_IMPORT_ATTACH) {
		/* the import is still there and unmapped */
		q.handle = a.handle;
		igt_assert_eq(ioctl_err(f.test, VPRIME_TEST_IOCTL_IMPORT_QUERY, &q), 0);
		igt_assert(!(q.status & VPRIME_TEST_IMPORT_MAPPED));
	}
	heap_fixture_fini(&f);
}

static void test_fence_signal_error(uint32_t error)
{
	struct heap_fixture f;
	struct vprime_test_fence_attach fa = { 0 };
	struct vprime_test_fence_signal fs = { 0 };

	heap_fixture(&f);
	fa.fd = (uint32_t)f.buf;
	igt_assert_eq(ioctl_err(f.test, VPRIME_TEST_IOCTL_FENCE_ATTACH, &fa), 0);
	fs.handle = fa.handle;
	fs.error = error;
	igt_assert_eq(ioctl_err(f.test, VPRIME_TEST_IOCTL_FENCE_SIGNAL, &fs), -EINVAL);
	/* the fence is still there: a good signal works once */
	fs.error = 0;
	igt_assert_eq(ioctl_err(f.test, VPRIME_TEST_IOCTL_FENCE_SIGNAL, &fs), 0);
	igt_assert_eq(ioctl_err(f.test, VPRIME_TEST_IOCTL_FENCE_SIGNAL, &fs), -ENOENT);
	heap_fixture_fini(&f);
}

static void test_alloc_out_fields(void)
{
	struct heap_fixture f;
	struct vprime_heap_alloc a = { .size = 4096, .fd = 12345, .id = ~0ull };

	/* @fd and @id are outputs: garbage in them is overwritten, not checked */
	heap_fixture(&f);
	igt_assert_eq(ioctl_err(f.heap, VPRIME_HEAP_IOCTL_ALLOC, &a), 0);
	igt_assert_neq(a.fd, 12345);
	close((int)a.fd);
	heap_fixture_fini(&f);
}

static const struct {
	const char *name;
	unsigned long req;
	enum import_field field;
} import_cases[] = {
	{ "import-attach-flags", VPRIME_TEST_IOCTL_IMPORT_ATTACH, F_FLAGS },
	{ "import-attach-pad", VPRIME_TEST_IOCTL_IMPORT_ATTACH, F_PAD },
	{ "import-attach-direction", VPRIME_TEST_IOCTL_IMPORT_ATTACH, F_DIRECTION },
	{ "import-attach-importer", VPRIME_TEST_IOCTL_IMPORT_ATTACH, F_IMPORTER },
	{ "import-map-flags", VPRIME_TEST_IOCTL_IMPORT_MAP, F_FLAGS },
	{ "import-map-pad", VPRIME_TEST_IOCTL_IMPORT_MAP, F_PAD },
	{ "import-unmap-flags", VPRIME_TEST_IOCTL_IMPORT_UNMAP, F_FLAGS },
	{ "import-unmap-pad", VPRIME_TEST_IOCTL_IMPORT_UNMAP, F_PAD },
	{ "import-unmap-direction", VPRIME_TEST_IOCTL_IMPORT_UNMAP, F_DIRECTION },
	{ "import-detach-flags", VPRIME_TEST_IOCTL_IMPORT_DETACH, F_FLAGS },
	{ "import-detach-pad", VPRIME_TEST_IOCTL_IMPORT_DETACH, F_PAD },
	{ "import-detach-direction", VPRIME_TEST_IOCTL_IMPORT_DETACH, F_DIRECTION },
	{ "import-query-flags", VPRIME_TEST_IOCTL_IMPORT_QUERY, F_FLAGS },
	{ "import-query-pad", VPRIME_TEST_IOCTL_IMPORT_QUERY, F_PAD },
	{ "import-query-direction", VPRIME_TEST_IOCTL_IMPORT_QUERY, F_DIRECTION },
};

igt_main
{
	unsigned int i;

	igt_fixture
		igt_require(vprime_module_loaded("vprime"));

	igt_describe("The GPU render node rejects KMS ioctls and DRM master.");
	igt_subtest("render-node-no-kms")
		test_render_node_no_kms();
	igt_describe("The display offers no render node.");
	igt_subtest("display-has-no-render-node")
		test_display_has_no_render_node();
	igt_describe("A display client without DRM master can't modeset.");
	igt_subtest("display-non-master-no-modeset")
		test_display_non_master();
	igt_describe("Another file can't use a file's GEM handles.");
	igt_subtest("gem-handles-private")
		test_gem_handles_private();
	igt_describe("Another file can't mmap a BO through its fake offset.");
	igt_subtest("mmap-offset-private")
		test_mmap_offset_private();
	igt_describe("fdinfo counts only the file's own BOs.");
	igt_subtest("fdinfo-private")
		test_fdinfo_private();
	igt_describe("New GPU BOs are zeroed, also over freed patterned ones.");
	igt_subtest("gpu-bo-zeroed")
		test_gpu_bo_zeroed();
	igt_describe("New heap buffers are zeroed, also over freed patterned ones.");
	igt_subtest("heap-buffer-zeroed")
		test_heap_buffer_zeroed();
	igt_describe("New dumb buffers are zeroed, also over freed patterned ones.");
	igt_subtest("dumb-buffer-zeroed")
		test_dumb_buffer_zeroed();
	igt_describe("GEM_FLINK/GEM_OPEN fail on the render node.");
	igt_subtest("flink-not-offered")
		test_flink_not_offered();

	for (i = 0; i < sizeof(import_cases) / sizeof(import_cases[0]); i++) {
		igt_describe("An import ioctl rejects this bad field with -EINVAL.");
		igt_subtest_f("uapi-%s", import_cases[i].name)
			test_import_field(import_cases[i].req, import_cases[i].field);
	}
	igt_describe("FENCE_SIGNAL rejects an error above 4095.");
	igt_subtest("uapi-fence-signal-error-range")
		test_fence_signal_error(4096);
	igt_describe("FENCE_SIGNAL rejects a negative (wrapped) error.");
	igt_subtest("uapi-fence-signal-error-negative")
		test_fence_signal_error((uint32_t)-EINVAL);
	igt_describe("ALLOC's output fields are not input-checked.");
	igt_subtest("uapi-alloc-out-fields")
		test_alloc_out_fields();
}
