// SPDX-License-Identifier: MIT
/*
 * vprime_gpu_import - the vprime GPU as a dynamic importer: its engine
 * reaches imported buffers through DMA mappings of its attachments, made
 * in the submit's validate step, made again after move_notify, synced at
 * job boundaries (through swiotlb for a GPU with a narrow DMA mask), and a
 * mapping that fails fails its job's fence.
 */

/**
 * TEST: vprime gpu import
 * Category: Software building block
 * Description: DMA mappings of the vprime GPU's imported buffers.
 * Feature: vprime gpu, prime
 *
 * SUBTEST: migrate-remap
 * Description: A shared buffer migrates between two GPU jobs: the second
 *              job maps it again (debugfs remaps counts it) and reads and
 *              writes the moved pages; a job without a move in between is
 *              no remap.
 *
 * SUBTEST: engine-ops
 * Description: FILL, COPY (overlapping too) and PATTERN on an imported
 *              buffer, across its DMA segments, give exactly what they give
 *              on a native BO.
 *
 * SUBTEST: map-failure
 * Description: A mapping that fails (the core's fail_next_map) fails that
 *              job's fence with -ENOMEM without touching the buffer; the
 *              next job maps again and succeeds.
 *
 * SUBTEST: narrow-mask-sync
 * Description: A GPU with a 32-bit DMA mask reaches a buffer above it
 *              through swiotlb: what it writes reaches the buffer at the end
 *              of its job (another GPU reads it), and what another GPU
 *              writes reaches its cached mapping at the start of its next
 *              job.
 *
 * SUBTEST: narrow-mask-engine-ops
 * Description: The engine-ops commands on an import of a GPU with a 32-bit
 *              DMA mask (short segments, bounced) match a native BO.
 *
 * SUBTEST: dma-bits-out-of-range
 * Description: gpu_dma_bits outside 32-64 refuses the load with EINVAL
 *              and a kernel message naming the value.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/vprime_heap.h>
#include <xf86drm.h>

#include "igt.h"
#include "vprime_igt.h"
#include "vprime_gpu_igt.h"
#include "vprime_modules.h"

IGT_TEST_DESCRIPTION("vprime GPU: DMA mappings of imported buffers, "
		     "remaps after moves, syncs through swiotlb, map failures.");

#define CORE_DEBUGFS	"/sys/kernel/debug/vprime_core"
#define ROW_BYTES	1024u
#define NARROW_BITS	32

static char saved_params[1024];
/* the GPUs of the narrow-mask group; closed before the modules reload */
static int narrow = -1, wide = -1;

/* Helpers */

static uint64_t queue_stat(int gpu, const char *key)
{
	uint64_t v;

	igt_assert_f(vprime_debugfs_read_key(gpu, "queue", key, &v) == 0,
		     "no %s in the GPU's debugfs queue\n", key);
	return v;
}

/*
 * Wait until the GPU retired every job: only then has an idle GPU given
 * its mappings up (the stock kernel's framework pins a mapped buffer).
 */
static void wait_gpu_retired(int gpu)
{
	int tries;

	for (tries = 0; tries < 500; tries++) {
		if (!queue_stat(gpu, "jobs_inflight"))
			return;
		usleep(10 * 1000);
	}
	igt_assert_f(0, "GPU jobs still in flight after 5 s\n");
}

static int heap_buffer(int heap, uint64_t size, uint32_t placement)
{
	struct vprime_heap_alloc args = {
		.size = size,
		.placement = placement,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};

	igt_assert_eq(igt_ioctl(heap, VPRIME_HEAP_IOCTL_ALLOC, &args), 0);
	igt_assert_fd((int)args.fd);
	return args.fd;
}

static int heap_migrate(int heap, int fd, uint32_t placement)
{
	struct vprime_heap_migrate args = { .fd = fd, .placement = placement };

	return igt_ioctl(heap, VPRIME_HEAP_IOCTL_MIGRATE, &args) ? -errno : 0;
}

static void core_knob(const char *name, const char *value)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", CORE_DEBUGFS, name);
	fd = open(path, O_WRONLY);
	igt_require_f(fd >= 0, "no %s: %s\n", path, strerror(errno));
	igt_assert_eq((int)write(fd, value, strlen(value)), (int)strlen(value));
	close(fd);
}

/* A dma-buf's contents, read with DMA_BUF_IOCTL_SYNC around the copy. */
static void dmabuf_read(int fd, void *out, size_t size)
{
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START |
					      DMA_BUF_SYNC_READ };
	void *map;

	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	igt_assert(map != MAP_FAILED);
	igt_assert_eq(igt_ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync), 0);
	memcpy(out, map, size);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	igt_assert_eq(igt_ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync), 0);
	munmap(map, size);
}

static void gem_read(int gpu, uint32_t handle, void *out, size_t size)
{
	void *map = vprime_gpu_bo_mmap(gpu, handle, size);

	memcpy(out, map, size);
	munmap(map, size);
}

/* Every 32-bit word of @buf[@from, @to) is @value. */
static void check_words(const void *buf, size_t from, size_t to,
			uint32_t value, const char *what)
{
	const uint32_t *w = buf;
	size_t i;

	for (i = from / 4; i < to / 4; i++)
		igt_assert_f(w[i] == value,
			     "%s: word at 0x%zx is 0x%08x, expected 0x%08x\n",
			     what, i * 4, w[i], value);
}

static uint32_t prime_to(int from, uint32_t handle, int to)
{
	uint32_t imported;
	int fd;

	igt_assert_eq(drmPrimeHandleToFD(from, handle, DRM_CLOEXEC | DRM_RDWR,
					 &fd), 0);
	igt_assert_eq(drmPrimeFDToHandle(to, fd, &imported), 0);
	close(fd);
	return imported;
}

static struct drm_vprime_cmd fill_all(uint32_t handle, uint64_t offset,
				      uint64_t size, uint32_t value)
{
	return vprime_gpu_cmd_fill(handle, offset, ROW_BYTES, ROW_BYTES / 4,
				   size / ROW_BYTES, value);
}

static int submit_fence(int gpu, struct drm_vprime_cmd *cmds, uint32_t count,
			uint32_t flags, int in_fence, uint64_t duration_ns)
{
	struct drm_vprime_submit args = vprime_gpu_submit_args(cmds, count);

	args.flags = flags | VPRIME_SUBMIT_OUT_FENCE_FD;
	if (in_fence >= 0) {
		args.flags |= VPRIME_SUBMIT_IN_FENCE_FD;
		args.in_fence_fd = in_fence;
	}
	args.duration_ns = duration_ns;
	vprime_gpu_submit(gpu, &args);
	return args.out_fence_fd;
}

static void wait_fence_ok(int fence)
{
	igt_assert_eq(vprime_gpu_sync_file_wait(fence, 10000), 0);
	igt_assert_eq(vprime_gpu_sync_file_status(fence), 1);
	close(fence);
}

/* Subtests */

static void test_migrate_remap(int gpu, int heap)
{
	const uint64_t size = 256 * 1024, half = size / 2;
	struct drm_vprime_cmd cmds[2];
	uint64_t maps, remaps;
	uint32_t s, d;
	void *buf;
	int fd;

	buf = malloc(size);
	igt_assert(buf);
	fd = heap_buffer(heap, size, VPRIME_HEAP_PLACEMENT_SYSTEM);
	igt_assert_eq(drmPrimeFDToHandle(gpu, fd, &s), 0);
	d = vprime_gpu_bo_create(gpu, size);
	maps = queue_stat(gpu, "import_maps");
	remaps = queue_stat(gpu, "remaps");

	/* job 1 maps the import: a first map, no remap */
	cmds[0] = fill_all(s, 0, size, 0x11111111);
	wait_fence_ok(submit_fence(gpu, cmds, 1, 0, -1, 0));
	igt_assert_eq_u64(queue_stat(gpu, "import_maps"), maps + 1);
	igt_assert_eq_u64(queue_stat(gpu, "remaps"), remaps);

	/* the move between the jobs invalidates the GPU's mapping */
	wait_gpu_retired(gpu);
	igt_assert_eq(heap_migrate(heap, fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);

	/* job 2 maps the moved buffer again, reads it and writes it */
	cmds[0] = vprime_gpu_cmd_copy(d, 0, ROW_BYTES, s, 0, ROW_BYTES,
				      ROW_BYTES / 4, half / ROW_BYTES);
	cmds[1] = fill_all(s, half, half, 0x22222222);
	wait_fence_ok(submit_fence(gpu, cmds, 2, 0, -1, 0));
	igt_assert_eq_u64(queue_stat(gpu, "import_maps"), maps + 2);
	igt_assert_eq_u64(queue_stat(gpu, "remaps"), remaps + 1);

	gem_read(gpu, d, buf, size);
	check_words(buf, 0, half, 0x11111111, "copy from the moved buffer");
	check_words(buf, half, size, 0, "outside the copy");
	dmabuf_read(fd, buf, size);
	check_words(buf, 0, half, 0x11111111, "moved buffer, first half");
	check_words(buf, half, size, 0x22222222, "moved buffer, second half");

	/* no move, no remap */
	wait_gpu_retired(gpu);
	cmds[0] = fill_all(s, 0, ROW_BYTES, 0x33333333);
	wait_fence_ok(submit_fence(gpu, cmds, 1, 0, -1, 0));
	igt_assert_eq_u64(queue_stat(gpu, "remaps"), remaps + 1);

	gem_close(gpu, d);
	gem_close(gpu, s);
	close(fd);
	free(buf);
}

/*
 * Commands over @size bytes of @dst: a background pattern, rectangles
 * with strides, patterns and copies (overlapping ones too) at offsets
 * that straddle pages, segments and chunks.
 */
static uint32_t engine_cmds(struct drm_vprime_cmd *cmds, uint32_t dst,
			    uint64_t size)
{
	uint32_t n = 0;

	cmds[n++] = vprime_gpu_cmd_pattern(dst, 0, ROW_BYTES, ROW_BYTES / 4,
					   size / ROW_BYTES,
					   VPRIME_PATTERN_GRADIENT, 9);
	cmds[n++] = vprime_gpu_cmd_fill(dst, 12, 4104, 1000, 200, 0xabcdef01);
	cmds[n++] = vprime_gpu_cmd_pattern(dst, 0x40000 - 100, 1336, 333, 70,
					   VPRIME_PATTERN_BARS, 5);
	cmds[n++] = vprime_gpu_cmd_pattern(dst, 0x80004, 1200, 300, 100,
					   VPRIME_PATTERN_CHECKER, 3);
	cmds[n++] = vprime_gpu_cmd_pattern(dst, 0xc0000 - 8, 2100, 517, 40,
					   VPRIME_PATTERN_GRADIENT, 77);
	/* memmove upwards and downwards, rows overlapping their sources */
	cmds[n++] = vprime_gpu_cmd_copy(dst, 0x10008, 4096, dst, 0x10000, 4096,
					400, 50);
	cmds[n++] = vprime_gpu_cmd_copy(dst, 0x20000, 3200, dst, 0x20804, 3200,
					800, 30);
	/* a block across the 1 MiB chunk's end */
	cmds[n++] = vprime_gpu_cmd_copy(dst, 0xe0000, 2048, dst, 0, 2048, 512,
					70);
	cmds[n++] = vprime_gpu_cmd_fill(dst, 0x100000 - 40, 4000, 1000, 1,
					0x5a5a5a5a);
	return n;
}

/*
 * Run engine_cmds() on @imported (an import on @gpu of a buffer read back
 * by @read) and on a native BO of @gpu; both must come out the same.
 */
static void check_engine_ops(int gpu, uint32_t imported, uint64_t size,
			     void (*read)(void *data, void *out, size_t size),
			     void *data)
{
	struct drm_vprime_cmd cmds[16];
	uint8_t *got, *want;
	uint32_t native, n;
	size_t i;

	got = malloc(size);
	want = malloc(size);
	igt_assert(got && want);
	native = vprime_gpu_bo_create(gpu, size);

	n = engine_cmds(cmds, imported, size);
	wait_fence_ok(submit_fence(gpu, cmds, n, 0, -1, 0));
	n = engine_cmds(cmds, native, size);
	wait_fence_ok(submit_fence(gpu, cmds, n, 0, -1, 0));

	read(data, got, size);
	gem_read(gpu, native, want, size);
	for (i = 0; i < size && got[i] == want[i]; i++)
		;
	igt_assert_f(i == size,
		     "import differs from native at 0x%zx: 0x%02x, expected 0x%02x\n",
		     i, got[i], want[i]);

	gem_close(gpu, native);
	free(got);
	free(want);
}

static void read_dmabuf_fd(void *data, void *out, size_t size)
{
	dmabuf_read(*(int *)data, out, size);
}

static void test_engine_ops(int gpu, int heap)
{
	/* a 1 MiB chunk and a few single pages */
	const uint64_t size = 0x100000 + 3 * 4096;
	uint32_t s;
	int fd;

	fd = heap_buffer(heap, size, VPRIME_HEAP_PLACEMENT_SYSTEM);
	igt_assert_eq(drmPrimeFDToHandle(gpu, fd, &s), 0);
	check_engine_ops(gpu, s, size, read_dmabuf_fd, &fd);
	gem_close(gpu, s);
	close(fd);
}

static void test_map_failure(int gpu, int heap)
{
	const uint64_t size = 64 * 1024;
	struct drm_vprime_cmd cmd;
	uint64_t failures;
	uint32_t s;
	void *buf;
	int fd, fence;

	buf = malloc(size);
	igt_assert(buf);
	/* a fresh import: its first job has to map it */
	fd = heap_buffer(heap, size, VPRIME_HEAP_PLACEMENT_SYSTEM);
	igt_assert_eq(drmPrimeFDToHandle(gpu, fd, &s), 0);
	failures = queue_stat(gpu, "map_failures");

	core_knob("fail_next_map", "1");
	cmd = fill_all(s, 0, size, 0x44444444);
	fence = submit_fence(gpu, &cmd, 1, 0, -1, 0);
	igt_assert_eq(vprime_gpu_sync_file_wait(fence, 10000), 0);
	igt_assert_eq(vprime_gpu_sync_file_status(fence), -ENOMEM);
	close(fence);
	core_knob("fail_next_map", "0");
	igt_assert_eq_u64(queue_stat(gpu, "map_failures"), failures + 1);
	dmabuf_read(fd, buf, size);
	check_words(buf, 0, size, 0, "after the failed job");

	/* the next job maps again and runs */
	cmd = fill_all(s, 0, size, 0x55555555);
	wait_fence_ok(submit_fence(gpu, &cmd, 1, 0, -1, 0));
	igt_assert_eq_u64(queue_stat(gpu, "map_failures"), failures + 1);
	dmabuf_read(fd, buf, size);
	check_words(buf, 0, size, 0x55555555, "after the next job");

	gem_close(gpu, s);
	close(fd);
	free(buf);
}

/*
 * One round of narrow-mask-sync on a fresh buffer S of the wide GPU @wide,
 * imported by the narrow GPU @narrow. Returns whether swiotlb bounced the
 * narrow GPU's mapping of S; the results must be right either way.
 *
 *   narrow job H: FILL S = X, 300 ms of simulated time (mapping S)
 *   wide job 1:   COPY S -> DW (after H, implicit): sees X only if H
 *                 synced its mapping for the CPU at its end
 *   wide job 2:   FILL S = Y (after job 1, no implicit sync)
 *   narrow job K: COPY S -> DN (after job 2's fence), submitted while H is
 *                 in flight, so it reuses H's mapping: sees Y only if K
 *                 synced the mapping for the device at its start
 */
static bool narrow_sync_round(int narrow, int wide, uint64_t size)
{
	const uint32_t x = 0x0badf00d, y = 0x600dcafe;
	uint32_t s_wide, s_narrow, dw, dn;
	struct drm_vprime_cmd cmd;
	uint64_t maps, bounced;
	int fence_h, fence_2;
	void *buf;

	buf = malloc(size);
	igt_assert(buf);
	s_wide = vprime_gpu_bo_create(wide, size);
	s_narrow = prime_to(wide, s_wide, narrow);
	dw = vprime_gpu_bo_create(wide, size);
	dn = vprime_gpu_bo_create(narrow, size);
	maps = queue_stat(narrow, "import_maps");
	bounced = queue_stat(narrow, "bounced_maps");

	cmd = fill_all(s_narrow, 0, size, x);
	fence_h = submit_fence(narrow, &cmd, 1, 0, -1, 300 * 1000 * 1000);
	cmd = vprime_gpu_cmd_copy(dw, 0, ROW_BYTES, s_wide, 0, ROW_BYTES,
				  ROW_BYTES / 4, size / ROW_BYTES);
	close(submit_fence(wide, &cmd, 1, 0, -1, 0));
	cmd = fill_all(s_wide, 0, size, y);
	fence_2 = submit_fence(wide, &cmd, 1, VPRIME_SUBMIT_NO_IMPLICIT, -1, 0);
	cmd = vprime_gpu_cmd_copy(dn, 0, ROW_BYTES, s_narrow, 0, ROW_BYTES,
				  ROW_BYTES / 4, size / ROW_BYTES);
	close(submit_fence(narrow, &cmd, 1, 0, fence_2, 0));
	/* job K was validated while H held the mapping: one map for both */
	igt_assert_eq_u64(queue_stat(narrow, "import_maps"), maps + 1);

	wait_fence_ok(fence_h);
	close(fence_2);
	vprime_gpu_bo_wait(wide, dw);
	vprime_gpu_bo_wait(narrow, dn);

	gem_read(wide, dw, buf, size);
	check_words(buf, 0, size, x, "the wide GPU's copy of the narrow GPU's fill");
	gem_read(narrow, dn, buf, size);
	check_words(buf, 0, size, y, "the narrow GPU's copy of the wide GPU's fill");

	gem_close(narrow, dn);
	gem_close(wide, dw);
	gem_close(narrow, s_narrow);
	gem_close(wide, s_wide);
	free(buf);
	return queue_stat(narrow, "bounced_maps") > bounced;
}

static void test_narrow_sync(int narrow, int wide)
{
	int round;

	igt_assert_eq_u64(queue_stat(narrow, "dma_bits"), NARROW_BITS);
	/* most pages of a 6 GiB guest lie above 4 GiB; retry a few buffers */
	for (round = 0; round < 4; round++)
		if (narrow_sync_round(narrow, wide, 1024 * 1024))
			return;
	igt_require_f(0, "no mapping was bounced: no memory above the %u-bit mask?\n",
		      NARROW_BITS);
}

struct gem_src {
	int gpu;
	uint32_t handle;
};

static void read_gem(void *data, void *out, size_t size)
{
	struct gem_src *src = data;

	gem_read(src->gpu, src->handle, out, size);
}

static void test_narrow_engine_ops(int narrow, int wide)
{
	const uint64_t size = 0x100000 + 3 * 4096;
	struct gem_src src = { .gpu = wide };
	uint32_t s_narrow;

	src.handle = vprime_gpu_bo_create(wide, size);
	s_narrow = prime_to(wide, src.handle, narrow);
	check_engine_ops(narrow, s_narrow, size, read_gem, &src);
	gem_close(narrow, s_narrow);
	gem_close(wide, src.handle);
}

static void restore_modules(int sig)
{
	if (!saved_params[0] || sig)
		return;
	if (narrow >= 0)
		close(narrow);
	if (wide >= 0)
		close(wide);
	narrow = -1;
	wide = -1;
	vprime_modules_restore(saved_params);
	saved_params[0] = '\0';
}

/*
 * The wide GPU 0 and the narrow GPU 1: reloads the modules with
 * gpu_dma_bits=64,NARROW_BITS on first use (in the subtests, not in a
 * fixture, which would run for every subtest of the binary); the group's
 * closing fixture or the exit handler restores them.
 */
static void open_narrow(void)
{
	static bool handler;
	char extra[64];

	igt_require_f(vprime_count_devices(VPRIME_GPU_DRIVER) >= 2,
		      "needs two GPUs (vprime.num_gpus=2)\n");
	if (!saved_params[0]) {
		vprime_modules_require(NULL, NULL, 0);
		if (!handler)
			igt_install_exit_handler(restore_modules);
		handler = true;
		snprintf(extra, sizeof(extra), " gpu_dma_bits=64,%u",
			 NARROW_BITS);
		vprime_modules_reload(extra, saved_params);
	}
	if (wide < 0)
		wide = vprime_open_gpu(0);
	if (narrow < 0)
		narrow = vprime_open_gpu(1);
}

static void test_dma_bits_range(void)
{
	static const struct vprime_refused_load bad[] = {
		{ "gpu_dma_bits=31", "gpu_dma_bits[0]=31 out of range 32-64" },
		{ "gpu_dma_bits=64,65", "gpu_dma_bits[1]=65 out of range 32-64" },
	};
	char drv_ko[256], params[1200];

	igt_install_exit_handler(restore_modules);
	vprime_modules_core_only(drv_ko, sizeof(drv_ko), saved_params);
	vprime_module_check_refused(drv_ko, saved_params, bad,
				    ARRAY_SIZE(bad));

	/* both ends of the range load */
	snprintf(params, sizeof(params), "%s gpu_dma_bits=32,64", saved_params);
	vprime_module_load(drv_ko, params);
	igt_assert_eq(__vprime_module_unload("vprime"), 0);
	vprime_module_load(drv_ko, saved_params);
	saved_params[0] = '\0';
}

igt_main
{
	int gpu = -1, heap = -1;

	igt_fixture {
		gpu = vprime_open_gpu(0);
		heap = vprime_heap_open();
	}

	igt_describe("A migration between two GPU jobs is a counted remap.");
	igt_subtest("migrate-remap")
		test_migrate_remap(gpu, heap);

	igt_describe("Engine commands on an import match a native BO.");
	igt_subtest("engine-ops")
		test_engine_ops(gpu, heap);

	igt_describe("A failed mapping fails its job's fence; the next maps again.");
	igt_subtest("map-failure")
		test_map_failure(gpu, heap);

	igt_fixture {
		close(heap);
		close(gpu);
	}

	igt_subtest_group {
		igt_describe("Syncs at job boundaries carry data through swiotlb.");
		igt_subtest("narrow-mask-sync") {
			open_narrow();
			test_narrow_sync(narrow, wide);
		}

		igt_describe("Engine commands through bounced mappings are right.");
		igt_subtest("narrow-mask-engine-ops") {
			open_narrow();
			test_narrow_engine_ops(narrow, wide);
		}

		igt_fixture
			restore_modules(0);
	}

	igt_describe("gpu_dma_bits out of range is refused at load.");
	igt_subtest("dma-bits-out-of-range")
		test_dma_bits_range();
}
