// SPDX-License-Identifier: MIT
/*
 * vprime_submit - the vprime GPU's job engine: FILL, COPY and PATTERN
 * results read back through mmap, the submit ioctl's error paths, hang
 * timeout and recovery, and clients killed while busy.
 */

/**
 * TEST: vprime submit
 * Category: Software building block
 * Description: Job submission and execution on the vprime render GPU.
 * Feature: vprime gpu
 *
 * SUBTEST: basic-fill
 * Description: FILL writes its rectangle, and only its rectangle.
 *
 * SUBTEST: fill-duration
 * Description: A job with a simulated duration completes with the right result.
 *
 * SUBTEST: copy
 * Description: COPY between two native BOs with different strides and offsets.
 *
 * SUBTEST: copy-unaligned
 * Description: COPY of odd widths at 4-byte aligned offsets.
 *
 * SUBTEST: copy-one-pixel
 * Description: COPY of a single pixel.
 *
 * SUBTEST: copy-overlap
 * Description: COPY inside one BO behaves like memmove.
 *
 * SUBTEST: copy-native-to-imported
 * Description: COPY from a native BO into an imported /dev/vprime_heap buffer.
 *
 * SUBTEST: copy-imported-to-native
 * Description: COPY from an imported /dev/vprime_heap buffer into a native BO.
 *
 * SUBTEST: fill-imported-vgem
 * Description: FILL into an imported vgem buffer, read back through vgem.
 *
 * SUBTEST: multi-command
 * Description: Commands of one job execute in order.
 *
 * SUBTEST: pattern
 * Description: PATTERN draws each pattern, animated by the frame counter.
 *
 * SUBTEST: hang-timeout
 * Description: A HANG job times out, its fence carries -ETIMEDOUT, and later jobs run.
 *
 * SUBTEST: timeout-before-run
 * Description: The scheduler's timeout firing before run_job gave the job
 *              its hardware fence leaves the job alone; it then runs.
 *
 * SUBTEST: duration-beyond-timeout
 * Description: A job whose simulated duration exceeds the job timeout is not a hang.
 *
 * SUBTEST: kill-while-busy
 * Description: A client killed with jobs queued leaves the device working
 *              and frees its jobs, BOs and fences.
 *
 * SUBTEST: kill-while-waiting
 * Description: A client killed in BO_WAIT leaves the device working and
 *              frees its BO and userspace fence.
 *
 * SUBTEST: kill-with-own-heap-fence
 * Description: A client killed with a job waiting for a heap fence of its
 *              own (its heap file closes after its GPU file) still exits:
 *              the fence times out, and everything is freed.
 *
 * SUBTEST: queue-limit
 * Description: A file's submit beyond VPRIME_MAX_JOBS_IN_FLIGHT sleeps until
 *              one of its jobs completes, and a signal interrupts it.
 *
 * SUBTEST: unbind-while-busy
 * Description: Unbinding the GPU with jobs running unplugs it cleanly; it binds again and works.
 *
 * SUBTEST: fdinfo-engine-busy
 * Description: drm-engine-render grows when the client's jobs run.
 *
 * SUBTEST: debugfs-queue
 * Description: debugfs queue counts the queued and finished jobs.
 *
 * SUBTEST: bad-flags
 * Description: Unknown submit flags give -EINVAL.
 *
 * SUBTEST: bad-extensions
 * Description: A non-zero extensions pointer gives -EINVAL.
 *
 * SUBTEST: zero-commands
 * Description: A job without commands gives -EINVAL.
 *
 * SUBTEST: too-many-commands
 * Description: More than VPRIME_MAX_CMDS commands give -EINVAL.
 *
 * SUBTEST: bad-cmds-pointer
 * Description: An unreadable command array gives -EFAULT.
 *
 * SUBTEST: bad-op
 * Description: An unknown command op gives -EINVAL.
 *
 * SUBTEST: cmd-flags
 * Description: Command flags give -EINVAL.
 *
 * SUBTEST: cmd-pad
 * Description: A non-zero command pad gives -EINVAL.
 *
 * SUBTEST: cmd-foreign-fields
 * Description: Source fields on a FILL give -EINVAL.
 *
 * SUBTEST: bad-pattern
 * Description: An unknown pattern gives -EINVAL.
 *
 * SUBTEST: empty-rectangle
 * Description: Width 0 gives -EINVAL.
 *
 * SUBTEST: bad-dst-handle
 * Description: An unknown destination handle gives -ENOENT.
 *
 * SUBTEST: bad-src-handle
 * Description: An unknown source handle gives -ENOENT.
 *
 * SUBTEST: rect-outside
 * Description: A rectangle past the end of its BO gives -EINVAL.
 *
 * SUBTEST: src-rect-outside
 * Description: A COPY source rectangle past the end of its BO gives -EINVAL.
 *
 * SUBTEST: stride-too-small
 * Description: A stride below width * 4 gives -EINVAL.
 *
 * SUBTEST: offset-overflow
 * Description: An offset that overflows the end computation gives -EINVAL.
 *
 * SUBTEST: huge-rectangle
 * Description: A stride * height far beyond the BO gives -EINVAL.
 *
 * SUBTEST: unaligned-offset
 * Description: An offset that is not 4-byte aligned gives -EINVAL.
 *
 * SUBTEST: duration-too-long
 * Description: A duration above VPRIME_MAX_DURATION_NS gives -EINVAL.
 *
 * SUBTEST: out-fence-fd-not-zero
 * Description: A non-zero out_fence_fd on input gives -EINVAL.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "igt.h"
#include "vprime_igt.h"
#include "vprime_gpu_igt.h"
#include "vprime_kms_util.h"
#include "linux/vprime_heap.h"
#include "linux/vprime_test.h"

IGT_TEST_DESCRIPTION("Job submission on the vprime GPU: FILL, COPY, PATTERN, "
		     "bad input, hang timeout and recovery, killed clients.");

#define W 256
#define H 64
#define STRIDE (W * 4)
#define SZ (STRIDE * H)

static void check_rect(const uint32_t *ptr, uint32_t stride, uint32_t x0,
		       uint32_t y0, uint32_t w, uint32_t h, uint32_t inside,
		       uint32_t outside, uint32_t rows)
{
	for (uint32_t y = 0; y < rows; y++) {
		for (uint32_t x = 0; x < stride / 4; x++) {
			bool in = x >= x0 && x < x0 + w && y >= y0 && y < y0 + h;
			uint32_t v = ptr[y * stride / 4 + x];

			igt_assert_f(v == (in ? inside : outside),
				     "(%u,%u): 0x%08x, expected 0x%08x\n", x, y,
				     v, in ? inside : outside);
		}
	}
}

static int submit_one(int fd, struct drm_vprime_cmd cmd)
{
	struct drm_vprime_submit args = vprime_gpu_submit_args(&cmd, 1);

	return __vprime_gpu_submit(fd, &args);
}

static void test_fill(int fd, uint64_t duration_ns)
{
	uint32_t bo = vprime_gpu_bo_create(fd, SZ);
	struct drm_vprime_cmd cmd = vprime_gpu_cmd_fill(bo, 10 * STRIDE + 5 * 4,
							STRIDE, 100, 20,
							0xff112233);
	struct drm_vprime_submit args = vprime_gpu_submit_args(&cmd, 1);
	uint32_t *ptr;

	args.duration_ns = duration_ns;
	vprime_gpu_submit(fd, &args);
	vprime_gpu_bo_wait(fd, bo);
	ptr = vprime_gpu_bo_mmap(fd, bo, SZ);
	check_rect(ptr, STRIDE, 5, 10, 100, 20, 0xff112233, 0, H);
	munmap(ptr, SZ);
	gem_close(fd, bo);
}

static void fill_reference(uint32_t *ptr, size_t words)
{
	for (size_t i = 0; i < words; i++)
		ptr[i] = 0x01000000 + i;
}

static void check_copy(const uint32_t *dst, uint32_t dst_stride,
		       uint64_t dst_off, const uint32_t *src,
		       uint32_t src_stride, uint64_t src_off, uint32_t w,
		       uint32_t h)
{
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			uint32_t d = dst[(dst_off + y * dst_stride) / 4 + x];
			uint32_t s = src[(src_off + y * src_stride) / 4 + x];

			igt_assert_f(d == s, "(%u,%u): 0x%08x != 0x%08x\n", x,
				     y, d, s);
		}
}

static void test_copy(int fd, uint64_t dst_off, uint64_t src_off, uint32_t w,
		      uint32_t h)
{
	uint32_t src = vprime_gpu_bo_create(fd, SZ);
	uint32_t dst = vprime_gpu_bo_create(fd, 2 * SZ);
	uint32_t *sptr = vprime_gpu_bo_mmap(fd, src, SZ);
	uint32_t *dptr = vprime_gpu_bo_mmap(fd, dst, 2 * SZ);

	fill_reference(sptr, SZ / 4);
	igt_assert_eq(submit_one(fd, vprime_gpu_cmd_copy(dst, dst_off,
							 2 * STRIDE, src,
							 src_off, STRIDE,
							 w, h)), 0);
	vprime_gpu_bo_wait(fd, dst);
	check_copy(dptr, 2 * STRIDE, dst_off, sptr, STRIDE, src_off, w, h);
	/* nothing outside the rectangle */
	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < 2 * W; x++) {
			uint64_t off = (uint64_t)y * 2 * STRIDE + x * 4;
			bool in = off >= dst_off &&
				  (off - dst_off) / (2 * STRIDE) < h &&
				  (off - dst_off) % (2 * STRIDE) < w * 4;

			if (!in)
				igt_assert_eq_u32(dptr[off / 4], 0);
		}
	munmap(sptr, SZ);
	munmap(dptr, 2 * SZ);
	gem_close(fd, src);
	gem_close(fd, dst);
}

static void test_copy_overlap(int fd)
{
	uint32_t bo = vprime_gpu_bo_create(fd, SZ);
	uint32_t *ptr = vprime_gpu_bo_mmap(fd, bo, SZ);
	uint32_t *ref = malloc(SZ);

	fill_reference(ptr, SZ / 4);
	memcpy(ref, ptr, SZ);
	/* move rows 0..39 down by 5 rows and 3 pixels */
	igt_assert_eq(submit_one(fd, vprime_gpu_cmd_copy(bo, 5 * STRIDE + 12,
							 STRIDE, bo, 0, STRIDE,
							 200, 40)), 0);
	vprime_gpu_bo_wait(fd, bo);
	for (uint32_t y = 0; y < 40; y++)
		for (uint32_t x = 0; x < 200; x++)
			igt_assert_eq_u32(ptr[(y + 5) * W + x + 3],
					  ref[y * W + x]);
	free(ref);
	munmap(ptr, SZ);
	gem_close(fd, bo);
}

static int heap_alloc(uint64_t size)
{
	struct vprime_heap_alloc args = {
		.size = size,
		.placement = VPRIME_HEAP_PLACEMENT_SYSTEM,
	};
	int heap = vprime_heap_open();

	igt_assert_eq(vprime_gpu_ioctl(heap, VPRIME_HEAP_IOCTL_ALLOC, &args), 0);
	close(heap);
	return args.fd;
}

static void test_copy_imported(int fd, bool to_imported)
{
	uint32_t native = vprime_gpu_bo_create(fd, SZ), imported;
	uint32_t *nptr = vprime_gpu_bo_mmap(fd, native, SZ), *iptr;
	uint32_t dst, src;
	int dmabuf = heap_alloc(SZ);

	iptr = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
	igt_assert(iptr != MAP_FAILED);
	imported = prime_fd_to_handle(fd, dmabuf);

	fill_reference(to_imported ? nptr : iptr, SZ / 4);
	dst = to_imported ? imported : native;
	src = to_imported ? native : imported;
	igt_assert_eq(submit_one(fd, vprime_gpu_cmd_copy(dst, 0, STRIDE, src, 0,
							 STRIDE, W, H)), 0);
	vprime_gpu_bo_wait(fd, dst);
	/* read the destination through its exporter's mapping */
	if (to_imported)
		check_copy(iptr, STRIDE, 0, nptr, STRIDE, 0, W, H);
	else
		check_copy(nptr, STRIDE, 0, iptr, STRIDE, 0, W, H);

	munmap(iptr, SZ);
	munmap(nptr, SZ);
	close(dmabuf);
	gem_close(fd, imported);
	gem_close(fd, native);
}

static void test_fill_vgem(int fd)
{
	struct drm_mode_create_dumb create = { .width = W, .height = H, .bpp = 32 };
	struct drm_mode_map_dumb map = { };
	uint32_t imported, *ptr;
	int vgem, dmabuf;

	vgem = __vprime_open_driver("vgem", 0, false);
	if (vgem < 0) {
		igt_system_quiet("modprobe vgem");
		vgem = __vprime_open_driver("vgem", 0, false);
	}
	igt_require_f(vgem >= 0, "vgem is not available\n");

	igt_assert_eq(vprime_gpu_ioctl(vgem, DRM_IOCTL_MODE_CREATE_DUMB, &create), 0);
	igt_assert_eq_u32(create.pitch, STRIDE);
	map.handle = create.handle;
	igt_assert_eq(vprime_gpu_ioctl(vgem, DRM_IOCTL_MODE_MAP_DUMB, &map), 0);
	ptr = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_SHARED, vgem, map.offset);
	igt_assert(ptr != MAP_FAILED);
	memset(ptr, 0, SZ);

	dmabuf = prime_handle_to_fd(vgem, create.handle);
	imported = prime_fd_to_handle(fd, dmabuf);
	igt_assert_eq(submit_one(fd, vprime_gpu_cmd_fill(imported, 2 * STRIDE + 8,
							 STRIDE, 30, 7,
							 0xabcdef01)), 0);
	vprime_gpu_bo_wait(fd, imported);
	check_rect(ptr, STRIDE, 2, 2, 30, 7, 0xabcdef01, 0, H);

	munmap(ptr, SZ);
	gem_close(fd, imported);
	close(dmabuf);
	close(vgem);
}

static void test_multi_command(int fd)
{
	uint32_t a = vprime_gpu_bo_create(fd, SZ), b = vprime_gpu_bo_create(fd, SZ);
	struct drm_vprime_cmd cmds[3] = {
		vprime_gpu_cmd_fill(a, 0, STRIDE, W, H, 0x11111111),
		vprime_gpu_cmd_copy(b, 0, STRIDE, a, 0, STRIDE, W, H),
		vprime_gpu_cmd_fill(a, 0, STRIDE, W, H, 0x22222222),
	};
	struct drm_vprime_submit args = vprime_gpu_submit_args(cmds, 3);
	uint32_t *pa, *pb;

	vprime_gpu_submit(fd, &args);
	vprime_gpu_bo_wait(fd, a);
	vprime_gpu_bo_wait(fd, b);
	pa = vprime_gpu_bo_mmap(fd, a, SZ);
	pb = vprime_gpu_bo_mmap(fd, b, SZ);
	check_rect(pa, STRIDE, 0, 0, W, H, 0x22222222, 0, H);
	check_rect(pb, STRIDE, 0, 0, W, H, 0x11111111, 0, H);
	munmap(pa, SZ);
	munmap(pb, SZ);
	gem_close(fd, a);
	gem_close(fd, b);
}

static void test_pattern(int fd, uint32_t pattern, uint32_t frame)
{
	/* tall enough for rows that repeat (checker: every 64 rows) */
	uint32_t rows = 200, size = STRIDE * rows;
	uint32_t bo = vprime_gpu_bo_create(fd, size);
	uint32_t w = 200, h = 150, *ptr;

	igt_assert_eq(submit_one(fd, vprime_gpu_cmd_pattern(bo, STRIDE, STRIDE,
							    w, h, pattern,
							    frame)), 0);
	vprime_gpu_bo_wait(fd, bo);
	ptr = vprime_gpu_bo_mmap(fd, bo, size);
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			igt_assert_eq_u32(ptr[(y + 1) * W + x],
					  vprime_gpu_pattern_pixel(pattern, x, y,
								   w, frame));
	igt_assert_eq_u32(ptr[0], 0);
	igt_assert_eq_u32(ptr[W + w], 0);
	igt_assert_eq_u32(ptr[(h + 1) * W], 0);
	munmap(ptr, size);
	gem_close(fd, bo);
}

static uint64_t queue_key(int fd, const char *key)
{
	uint64_t value = 0;

	igt_assert_eq(vprime_debugfs_read_key(fd, "queue", key, &value), 0);
	return value;
}

/* One FILL job of the tests below, and what to arm before it runs. */
struct timeout_job {
	uint32_t colour;
	uint32_t flags;		/* besides VPRIME_SUBMIT_OUT_FENCE_FD */
	uint64_t duration_ns;
	const char *fault;	/* a debugfs fault of the GPU, or NULL */
	uint64_t fault_value;
};

/*
 * Run @j's FILL of the whole of @bo under a job timeout of @timeout_ms.
 * Returns its out-fence's status once signalled, with *@timedout the jobs
 * the timeout handler declared hung meanwhile; the timeout is restored.
 */
static int run_under_timeout(int fd, uint32_t bo, uint32_t timeout_ms,
			     const struct timeout_job *j, uint64_t *timedout)
{
	struct drm_vprime_cmd cmd = vprime_gpu_cmd_fill(bo, 0, STRIDE, W, H,
							j->colour);
	struct drm_vprime_submit args = vprime_gpu_submit_args(&cmd, 1);
	uint32_t old_timeout;
	uint64_t before;
	int fence, status;

	igt_require(vprime_gpu_get_job_timeout(fd, &old_timeout) == 0);
	igt_assert_eq(vprime_gpu_set_job_timeout(fd, timeout_ms), 0);
	before = queue_key(fd, "jobs_timedout");
	if (j->fault)
		igt_assert_eq(vprime_gpu_debugfs_write(fd, j->fault,
						       j->fault_value), 0);

	args.flags = j->flags | VPRIME_SUBMIT_OUT_FENCE_FD;
	args.duration_ns = j->duration_ns;
	vprime_gpu_submit(fd, &args);
	fence = args.out_fence_fd;
	igt_assert_eq(vprime_gpu_sync_file_wait(fence, 60000), 0);
	status = vprime_gpu_sync_file_status(fence);
	close(fence);
	*timedout = queue_key(fd, "jobs_timedout") - before;
	igt_assert_eq(vprime_gpu_set_job_timeout(fd, old_timeout), 0);
	return status;
}

static void check_bo_colour(int fd, uint32_t bo, uint32_t colour)
{
	uint32_t *ptr = vprime_gpu_bo_mmap(fd, bo, SZ);

	check_rect(ptr, STRIDE, 0, 0, W, H, colour, 0, H);
	munmap(ptr, SZ);
}

static void test_hang(int fd)
{
	const struct timeout_job j = { .colour = 0xbad,
				       .flags = VPRIME_SUBMIT_HANG };
	uint32_t bo = vprime_gpu_bo_create(fd, SZ);
	uint64_t timedout;
	int fence;

	igt_assert_eq(run_under_timeout(fd, bo, 200, &j, &timedout),
		      -ETIMEDOUT);
	igt_assert_eq_u64(timedout, 1);

	/* the hung job did not write; the engine runs the next job */
	fence = vprime_gpu_fill_fence(fd, bo, SZ, 0x600d, 0);
	igt_assert_eq(vprime_gpu_sync_file_wait(fence, 60000), 0);
	igt_assert_eq(vprime_gpu_sync_file_status(fence), 1);
	close(fence);
	check_bo_colour(fd, bo, 0x600d);
	gem_close(fd, bo);
}

static void test_duration_beyond_timeout(int fd)
{
	const struct timeout_job j = { .colour = 0x10ff,
				       .duration_ns = 400000000 };
	uint32_t bo = vprime_gpu_bo_create(fd, SZ);
	uint64_t timedout;

	igt_assert_eq(run_under_timeout(fd, bo, 100, &j, &timedout), 1);
	igt_assert_eq_u64(timedout, 0);
	check_bo_colour(fd, bo, 0x10ff);
	gem_close(fd, bo);
}

/*
 * drm_sched arms its timeout before it calls run_job; the debugfs fault
 * stalls the next run_job well past the (minimum) timeout there, so the
 * handler runs for a job the engine doesn't have yet.
 */
static void test_timeout_before_run(int fd)
{
	/* the driver's minimum timeout: the handler fires ~30 times */
	const struct timeout_job j = { .colour = 0x7e57,
				       .fault = "stall_next_run_job_ms",
				       .fault_value = 300 };
	uint32_t bo = vprime_gpu_bo_create(fd, SZ);
	uint64_t timedout;
	char stall[32];

	/* signalled without an error: not declared hung */
	igt_assert_eq(run_under_timeout(fd, bo, 10, &j, &timedout), 1);
	igt_assert_eq_u64(timedout, 0);
	/* the stall was consumed by this job's run_job */
	igt_assert_lt(0, vprime_debugfs_read(fd, "stall_next_run_job_ms",
					     stall, sizeof(stall)));
	igt_assert_eq(strtoul(stall, NULL, 10), 0);
	check_bo_colour(fd, bo, 0x7e57);
	gem_close(fd, bo);
}

static void wait_ready(int pipefd)
{
	char c;

	igt_assert_eq(read(pipefd, &c, 1), 1);
}

static void signal_ready(int pipefd)
{
	igt_assert_eq(write(pipefd, "r", 1), 1);
}

static void check_device_works(int fd)
{
	uint32_t bo = vprime_gpu_bo_create(fd, SZ), *ptr;

	vprime_gpu_fill(fd, bo, SZ, 0x5a5a5a5a);
	vprime_gpu_bo_wait(fd, bo);
	ptr = vprime_gpu_bo_mmap(fd, bo, SZ);
	check_rect(ptr, STRIDE, 0, 0, W, H, 0x5a5a5a5a, 0, H);
	munmap(ptr, SZ);
	gem_close(fd, bo);
}

/* jobs_inflight of @fd's GPU */
static uint64_t jobs_inflight(int fd)
{
	uint64_t v;

	igt_assert_eq(vprime_debugfs_read_key(fd, "queue", "jobs_inflight", &v), 0);
	return v;
}

/*
 * Everything the killed client had is freed: its jobs (cancelled or run,
 * with their BO references), its BOs and its userspace fences. Freeing is
 * asynchronous (the scheduler's free_job, file release), so wait a bounded
 * time for the counters to come back.
 */
static void check_freed(int fd, uint64_t live, uint64_t bytes,
			uint64_t fences)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (!jobs_inflight(fd) &&
		    vprime_core_stat("live_buffers") == live &&
		    vprime_core_stat("bytes_system") == bytes &&
		    !vprime_core_stat("pending_fences") &&
		    vprime_core_stat("live_fences") == fences)
			return;
		usleep(10 * 1000);
	}
	igt_assert_eq_u64(jobs_inflight(fd), 0);
	igt_assert_eq_u64(vprime_core_stat("live_buffers"), live);
	igt_assert_eq_u64(vprime_core_stat("bytes_system"), bytes);
	igt_assert_eq_u64(vprime_core_stat("pending_fences"), 0);
	igt_assert_eq_u64(vprime_core_stat("live_fences"), fences);
}

enum kill_mode {
	KILL_BUSY,		/* jobs queued and running */
	KILL_WAITING,		/* in BO_WAIT on a fence nobody signals */
	KILL_OWN_HEAP_FENCE,	/* a job waits for a heap fence of its own */
};

/*
 * The child's setup for @mode; it then reports ready and sleeps. For
 * KILL_OWN_HEAP_FENCE it opens its test file (/dev/vprime_test) before its
 * GPU file: an exiting task releases its files last-opened first, so the
 * GPU file goes first, while the test fence its job waits for is still
 * unsignalled, and
 * only the fence's timeout can end that wait.
 */
static void kill_child(enum kill_mode mode, int ready)
{
	int tst = mode == KILL_OWN_HEAP_FENCE ? vprime_test_open() : -1;
	int cfd = vprime_open_gpu_render(0);
	uint32_t bo = vprime_gpu_bo_create(cfd, SZ);
	struct drm_vprime_cmd cmd = vprime_gpu_cmd_fill(bo, 0, STRIDE, W, H, 1);
	struct drm_vprime_submit args = vprime_gpu_submit_args(&cmd, 1);
	struct vprime_test_fence_attach fa = {
		.flags = VPRIME_TEST_FENCE_WRITE,
	};

	switch (mode) {
	case KILL_WAITING:
		vprime_gpu_fence_attach(cfd, bo, VPRIME_FENCE_WRITE);
		signal_ready(ready);
		__vprime_gpu_bo_wait(cfd, bo, 0, UINT64_MAX);
		_exit(1);
	case KILL_OWN_HEAP_FENCE:
		igt_assert_lt(tst, cfd);
		fa.fd = prime_handle_to_fd(cfd, bo);
		igt_assert_eq(ioctl(tst, VPRIME_TEST_IOCTL_FENCE_ATTACH, &fa), 0);
		vprime_gpu_submit(cfd, &args);
		break;
	case KILL_BUSY:
		args.duration_ns = 300000000;
		for (int i = 0; i < 8; i++)
			vprime_gpu_submit(cfd, &args);
		break;
	}
	signal_ready(ready);
	pause();
	_exit(1);
}

/* Wait for @pid at most @secs seconds; true if it was reaped. */
static bool reap_within(pid_t pid, int secs, int *status)
{
	int i;

	for (i = 0; i < secs * 10; i++) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

static void test_kill(int fd, enum kill_mode mode)
{
	uint64_t live, bytes, fences;
	int p[2], status, i;
	pid_t pid;

	/*
	 * The baseline once the GPU retired every job: a retire drops the
	 * last reference of a BO closed while its job ran (as the previous
	 * subtest's check_device_works() does).
	 */
	for (i = 0; i < 500 && jobs_inflight(fd); i++)
		usleep(10 * 1000);
	igt_assert_eq_u64(jobs_inflight(fd), 0);
	live = vprime_core_stat("live_buffers");
	bytes = vprime_core_stat("bytes_system");
	fences = vprime_core_stat("live_fences");

	if (mode == KILL_OWN_HEAP_FENCE)
		vprime_test_set_fence_timeout(1000);
	igt_assert_eq(pipe(p), 0);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0)
		kill_child(mode, p[1]);

	close(p[1]);
	wait_ready(p[0]);
	close(p[0]);
	igt_assert(jobs_inflight(fd) > 0 || mode == KILL_WAITING);
	igt_assert(vprime_core_stat("live_buffers") > live);
	igt_assert_eq(kill(pid, SIGKILL), 0);
	if (mode == KILL_OWN_HEAP_FENCE) {
		/* the job still waits for the fence */
		usleep(100 * 1000);
		igt_assert_eq(jobs_inflight(fd), 1);
	}
	/* a bound against a hang, far above the 1 s fence timeout */
	igt_assert_f(reap_within(pid, 30, &status),
		     "the killed client never finished exiting\n");
	igt_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	check_freed(fd, live, bytes, fences);
	if (mode == KILL_OWN_HEAP_FENCE)
		vprime_test_restore_fence_timeout();
	check_device_works(fd);
}

static void on_alarm(int sig)
{
}

/*
 * VPRIME_MAX_JOBS_IN_FLIGHT jobs wait for a userspace fence; the next
 * submit of the same file sleeps (a signal interrupts it with EINTR) and
 * goes through once the fence signals and the jobs complete.
 */
static void test_queue_limit(void)
{
	int cfd = vprime_open_gpu_render(0);
	uint32_t bo = vprime_gpu_bo_create(cfd, SZ);
	struct drm_vprime_cmd cmd = vprime_gpu_cmd_fill(bo, 0, STRIDE, W, H, 3);
	struct drm_vprime_submit args = vprime_gpu_submit_args(&cmd, 1);
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct itimerval it = { .it_value.tv_usec = 200 * 1000 };
	uint32_t fence = vprime_gpu_fence_attach(cfd, bo, VPRIME_FENCE_WRITE);
	int i;

	for (i = 0; i < VPRIME_MAX_JOBS_IN_FLIGHT; i++)
		vprime_gpu_submit(cfd, &args);
	igt_assert_eq(jobs_inflight(cfd), VPRIME_MAX_JOBS_IN_FLIGHT);

	/* no SA_RESTART: the sleeping submit returns EINTR */
	igt_assert_eq(sigaction(SIGALRM, &sa, &old), 0);
	igt_assert_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	/* plain ioctl(): drmIoctl() would restart it */
	igt_assert_eq(ioctl(cfd, DRM_IOCTL_VPRIME_SUBMIT, &args), -1);
	igt_assert_eq(errno, EINTR);
	igt_assert_eq(sigaction(SIGALRM, &old, NULL), 0);
	igt_assert_eq(jobs_inflight(cfd), VPRIME_MAX_JOBS_IN_FLIGHT);

	vprime_gpu_fence_signal(cfd, fence);
	vprime_gpu_submit(cfd, &args);
	vprime_gpu_bo_wait(cfd, bo);
	gem_close(cfd, bo);
	close(cfd);
}

#define GPU_DRIVER_DIR "/sys/bus/platform/drivers/vprime-gpu"

static int sysfs_write(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static void test_unbind_while_busy(void)
{
	int fd = vprime_open_gpu_render(0), fd2, dmabuf, fence;
	uint32_t bo = vprime_gpu_bo_create(fd, SZ);
	struct drm_vprime_cmd cmd = vprime_gpu_cmd_fill(bo, 0, STRIDE, W, H, 9);
	struct drm_vprime_submit args = vprime_gpu_submit_args(&cmd, 1);
	const char *dev = "vprime-gpu.0";
	uint32_t *ptr;

	igt_require(access(GPU_DRIVER_DIR "/vprime-gpu.0", F_OK) == 0);
	/* the dma-buf outlives the device; DRM-node mappings are revoked */
	dmabuf = prime_handle_to_fd(fd, bo);
	ptr = mmap(NULL, SZ, PROT_READ, MAP_SHARED, dmabuf, 0);
	igt_assert(ptr != MAP_FAILED);

	args.flags = VPRIME_SUBMIT_OUT_FENCE_FD;
	args.duration_ns = 300000000;
	vprime_gpu_submit(fd, &args);
	fence = args.out_fence_fd;
	args.flags = 0;
	args.out_fence_fd = 0;
	vprime_gpu_submit(fd, &args);

	igt_assert_eq(sysfs_write(GPU_DRIVER_DIR "/unbind", dev), 0);
	/* unplugged: ioctls fail, but queued work completes */
	igt_assert_eq(__vprime_gpu_submit(fd, &args), -ENODEV);
	igt_assert_eq(vprime_gpu_sync_file_wait(fence, 60000), 0);
	igt_assert_eq(vprime_gpu_sync_file_status(fence), 1);
	close(fence);
	igt_assert_eq_u32(ptr[0], 9);
	close(fd);
	munmap(ptr, SZ);
	close(dmabuf);

	igt_assert_eq(sysfs_write(GPU_DRIVER_DIR "/bind", dev), 0);
	fd2 = vprime_open_gpu_render(0);
	check_device_works(fd2);
	close(fd2);
}

static void test_fdinfo_busy(void)
{
	int fd = vprime_open_gpu_render(0);
	uint32_t bo = vprime_gpu_bo_create(fd, SZ);
	struct drm_vprime_cmd cmd = vprime_gpu_cmd_fill(bo, 0, STRIDE, W, H, 7);
	struct drm_vprime_submit args = vprime_gpu_submit_args(&cmd, 1);
	uint64_t before, after;

	igt_assert_eq(vprime_gpu_fdinfo_key(fd, "drm-engine-render", &before), 0);
	args.duration_ns = 20000000;
	vprime_gpu_submit(fd, &args);
	vprime_gpu_bo_wait(fd, bo);
	igt_assert_eq(vprime_gpu_fdinfo_key(fd, "drm-engine-render", &after), 0);
	/* the engine ran at least the simulated duration for this client */
	igt_assert_lte_u64(before + 20000000, after);
	gem_close(fd, bo);
	close(fd);
}

static void test_debugfs_queue(int fd)
{
	uint32_t bo = vprime_gpu_bo_create(fd, SZ);
	uint64_t queued = queue_key(fd, "jobs_queued");

	vprime_gpu_fill(fd, bo, SZ, 1);
	vprime_gpu_fill(fd, bo, SZ, 2);
	vprime_gpu_bo_wait(fd, bo);
	igt_assert_eq_u64(queue_key(fd, "jobs_queued"), queued + 2);
	gem_close(fd, bo);
}

/* Submit @cmd (with @bo as the usual destination) and expect @err. */
static void expect_cmd_err(int fd, struct drm_vprime_cmd cmd, int err)
{
	igt_assert_eq(submit_one(fd, cmd), err);
}

static void expect_args_err(int fd, uint32_t bo,
			    void (*mangle)(struct drm_vprime_submit *), int err)
{
	struct drm_vprime_cmd cmd = vprime_gpu_cmd_fill(bo, 0, STRIDE, W, H, 1);
	struct drm_vprime_submit args = vprime_gpu_submit_args(&cmd, 1);

	mangle(&args);
	igt_assert_eq(__vprime_gpu_submit(fd, &args), err);
}

static void mangle_flags(struct drm_vprime_submit *a) { a->flags = 1u << 31; }
static void mangle_ext(struct drm_vprime_submit *a) { a->extensions = 8; }
static void mangle_zero(struct drm_vprime_submit *a) { a->cmd_count = 0; }
static void mangle_many(struct drm_vprime_submit *a)
{
	a->cmd_count = VPRIME_MAX_CMDS + 1;
}
static void mangle_ptr(struct drm_vprime_submit *a) { a->cmds = 16; }
static void mangle_duration(struct drm_vprime_submit *a)
{
	a->duration_ns = VPRIME_MAX_DURATION_NS + 1;
}
static void mangle_out_fd(struct drm_vprime_submit *a) { a->out_fence_fd = 3; }

igt_main
{
	struct drm_vprime_cmd cmd;
	int fd = -1;
	uint32_t bo = 0, bo2 = 0;

	igt_fixture {
		fd = vprime_open_gpu_render(0);
		bo = vprime_gpu_bo_create(fd, SZ);
		bo2 = vprime_gpu_bo_create(fd, SZ);
	}

	igt_describe("FILL writes its rectangle and only it.");
	igt_subtest("basic-fill")
		test_fill(fd, 0);

	igt_describe("A job with a simulated duration completes correctly.");
	igt_subtest("fill-duration")
		test_fill(fd, 50000000);

	igt_describe("COPY between native BOs with different strides/offsets.");
	igt_subtest("copy")
		test_copy(fd, 3 * 2 * STRIDE + 8, STRIDE + 16, 200, 50);

	igt_describe("COPY of odd widths at 4-byte aligned offsets.");
	igt_subtest("copy-unaligned")
		test_copy(fd, 2 * STRIDE + 4, 8, 37, 9);

	igt_describe("COPY of a single pixel.");
	igt_subtest("copy-one-pixel")
		test_copy(fd, 12, 4, 1, 1);

	igt_describe("COPY inside one BO behaves like memmove.");
	igt_subtest("copy-overlap")
		test_copy_overlap(fd);

	igt_describe("COPY from a native BO into an imported heap buffer.");
	igt_subtest("copy-native-to-imported")
		test_copy_imported(fd, true);

	igt_describe("COPY from an imported heap buffer into a native BO.");
	igt_subtest("copy-imported-to-native")
		test_copy_imported(fd, false);

	igt_describe("FILL into an imported vgem buffer.");
	igt_subtest("fill-imported-vgem")
		test_fill_vgem(fd);

	igt_describe("Commands of one job execute in order.");
	igt_subtest("multi-command")
		test_multi_command(fd);

	igt_describe("PATTERN draws each pattern, animated by the frame counter.");
	igt_subtest_with_dynamic("pattern") {
		static const char * const names[] = { "gradient", "checker", "bars" };

		for (uint32_t p = 0; p < VPRIME_PATTERN_COUNT; p++) {
			igt_dynamic_f("%s", names[p]) {
				test_pattern(fd, p, 0);
				test_pattern(fd, p, 37);
				test_pattern(fd, p, 1000);
			}
		}
	}

	igt_describe("A hung job times out with -ETIMEDOUT; later jobs run.");
	igt_subtest("hang-timeout")
		test_hang(fd);

	igt_describe("A timeout before run_job doesn't declare the job hung.");
	igt_subtest("timeout-before-run")
		test_timeout_before_run(fd);

	igt_describe("A long simulated duration is progress, not a hang.");
	igt_subtest("duration-beyond-timeout")
		test_duration_beyond_timeout(fd);

	igt_describe("A client killed with jobs queued leaves the device working.");
	igt_subtest("kill-while-busy")
		test_kill(fd, KILL_BUSY);

	igt_describe("A client killed in BO_WAIT leaves the device working.");
	igt_subtest("kill-while-waiting")
		test_kill(fd, KILL_WAITING);

	igt_describe("A client killed waiting for its own heap fence exits.");
	igt_subtest("kill-with-own-heap-fence")
		test_kill(fd, KILL_OWN_HEAP_FENCE);

	igt_describe("Submits beyond the per-file job limit sleep, interruptibly.");
	igt_subtest("queue-limit")
		test_queue_limit();

	igt_describe("drm-engine-render grows when the client's jobs run.");
	igt_subtest("fdinfo-engine-busy")
		test_fdinfo_busy();

	igt_describe("debugfs queue counts the queued jobs.");
	igt_subtest("debugfs-queue")
		test_debugfs_queue(fd);

	igt_describe("Unknown submit flags give -EINVAL.");
	igt_subtest("bad-flags")
		expect_args_err(fd, bo, mangle_flags, -EINVAL);

	igt_describe("A non-zero extensions pointer gives -EINVAL.");
	igt_subtest("bad-extensions")
		expect_args_err(fd, bo, mangle_ext, -EINVAL);

	igt_describe("A job without commands gives -EINVAL.");
	igt_subtest("zero-commands")
		expect_args_err(fd, bo, mangle_zero, -EINVAL);

	igt_describe("More than VPRIME_MAX_CMDS commands give -EINVAL.");
	igt_subtest("too-many-commands")
		expect_args_err(fd, bo, mangle_many, -EINVAL);

	igt_describe("An unreadable command array gives -EFAULT.");
	igt_subtest("bad-cmds-pointer")
		expect_args_err(fd, bo, mangle_ptr, -EFAULT);

	igt_describe("A duration above the maximum gives -EINVAL.");
	igt_subtest("duration-too-long")
		expect_args_err(fd, bo, mangle_duration, -EINVAL);

	igt_describe("A non-zero out_fence_fd on input gives -EINVAL.");
	igt_subtest("out-fence-fd-not-zero")
		expect_args_err(fd, bo, mangle_out_fd, -EINVAL);

	igt_describe("An unknown command op gives -EINVAL.");
	igt_subtest("bad-op") {
		cmd = vprime_gpu_cmd_fill(bo, 0, STRIDE, W, H, 1);
		cmd.op = 99;
		expect_cmd_err(fd, cmd, -EINVAL);
	}

	igt_describe("Command flags give -EINVAL.");
	igt_subtest("cmd-flags") {
		cmd = vprime_gpu_cmd_fill(bo, 0, STRIDE, W, H, 1);
		cmd.flags = 1;
		expect_cmd_err(fd, cmd, -EINVAL);
	}

	igt_describe("A non-zero command pad gives -EINVAL.");
	igt_subtest("cmd-pad") {
		cmd = vprime_gpu_cmd_fill(bo, 0, STRIDE, W, H, 1);
		cmd.pad = 1;
		expect_cmd_err(fd, cmd, -EINVAL);
	}

	igt_describe("Source fields on a FILL give -EINVAL.");
	igt_subtest("cmd-foreign-fields") {
		cmd = vprime_gpu_cmd_fill(bo, 0, STRIDE, W, H, 1);
		cmd.src_handle = bo2;
		expect_cmd_err(fd, cmd, -EINVAL);
	}

	igt_describe("An unknown pattern gives -EINVAL.");
	igt_subtest("bad-pattern")
		expect_cmd_err(fd, vprime_gpu_cmd_pattern(bo, 0, STRIDE, W, H,
							  VPRIME_PATTERN_COUNT,
							  0), -EINVAL);

	igt_describe("Width 0 gives -EINVAL.");
	igt_subtest("empty-rectangle")
		expect_cmd_err(fd, vprime_gpu_cmd_fill(bo, 0, STRIDE, 0, H, 1),
			       -EINVAL);

	igt_describe("An unknown destination handle gives -ENOENT.");
	igt_subtest("bad-dst-handle")
		expect_cmd_err(fd, vprime_gpu_cmd_fill(bo2 + 100, 0, STRIDE, W,
						       H, 1), -ENOENT);

	igt_describe("An unknown source handle gives -ENOENT.");
	igt_subtest("bad-src-handle")
		expect_cmd_err(fd, vprime_gpu_cmd_copy(bo, 0, STRIDE, bo2 + 100,
						       0, STRIDE, W, H),
			       -ENOENT);

	igt_describe("A rectangle past the end of its BO gives -EINVAL.");
	igt_subtest("rect-outside")
		expect_cmd_err(fd, vprime_gpu_cmd_fill(bo, 4, STRIDE, W, H, 1),
			       -EINVAL);

	igt_describe("A COPY source rectangle past its BO gives -EINVAL.");
	igt_subtest("src-rect-outside")
		expect_cmd_err(fd, vprime_gpu_cmd_copy(bo, 0, STRIDE, bo2,
						       STRIDE, STRIDE, W, H),
			       -EINVAL);

	igt_describe("A stride below width * 4 gives -EINVAL.");
	igt_subtest("stride-too-small")
		expect_cmd_err(fd, vprime_gpu_cmd_fill(bo, 0, STRIDE - 4, W, 2, 1),
			       -EINVAL);

	igt_describe("An offset that overflows the end computation gives -EINVAL.");
	igt_subtest("offset-overflow")
		expect_cmd_err(fd, vprime_gpu_cmd_fill(bo, UINT64_MAX - 3, STRIDE,
						       W, 1, 1), -EINVAL);

	igt_describe("A stride * height far beyond the BO gives -EINVAL.");
	igt_subtest("huge-rectangle")
		expect_cmd_err(fd, vprime_gpu_cmd_fill(bo, 0, UINT32_MAX - 3, 1,
						       UINT32_MAX, 1), -EINVAL);

	igt_describe("An offset that is not 4-byte aligned gives -EINVAL.");
	igt_subtest("unaligned-offset")
		expect_cmd_err(fd, vprime_gpu_cmd_fill(bo, 2, STRIDE, 4, 1, 1),
			       -EINVAL);

	igt_fixture {
		gem_close(fd, bo);
		gem_close(fd, bo2);
		close(fd);
	}

	/* last: it replaces the device the fixture's fd belonged to */
	igt_describe("Unbinding the GPU with jobs running unplugs it cleanly.");
	igt_subtest("unbind-while-busy")
		test_unbind_while_busy();
}
