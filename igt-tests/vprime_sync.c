// SPDX-License-Identifier: MIT
/*
 * vprime_sync - synchronisation of vprime GPU jobs: implicit sync through
 * the BOs' reservation objects (across files and across a PRIME import),
 * explicit sync through syncobjs (binary and timeline) and sync_files, and
 * the userspace-controlled fences.
 *
 * Ordering is checked without timing: a job blocked by an unsignalled fence
 * cannot have run, so its destination is still untouched and its out-fence
 * unsignalled however long the test takes; once the fence is signalled, the
 * results show the order.
 */

/**
 * TEST: vprime sync
 * Category: Software building block
 * Description: Implicit and explicit synchronisation of vprime GPU jobs.
 * Feature: vprime gpu
 *
 * SUBTEST: implicit-write-waits-fence
 * Description: A job writing a BO waits for a write fence attached by another file.
 *
 * SUBTEST: implicit-write-waits-reader
 * Description: A job writing a BO waits for a read fence on it.
 *
 * SUBTEST: implicit-read-waits-writer
 * Description: A job reading a BO waits for a blocked writer job of another file.
 *
 * SUBTEST: implicit-read-read
 * Description: A reading job does not wait for a read fence.
 *
 * SUBTEST: implicit-prime-import
 * Description: A job on an imported heap dma-buf waits for a fence attached on the exporter side.
 *
 * SUBTEST: implicit-prime-export
 * Description: A job's fence on an exported BO is visible through the dma-buf.
 *
 * SUBTEST: implicit-fence-usage
 * Description: A pending COPY publishes a READ fence on its source and a
 *              WRITE fence on its destination: through the dma-bufs, the
 *              source stays readable (EPOLLIN) but not writable (EPOLLOUT),
 *              the destination neither; a new reader of the source doesn't
 *              wait for it, a new writer does.
 *
 * SUBTEST: no-implicit
 * Description: VPRIME_SUBMIT_NO_IMPLICIT jobs ignore the implicit fences.
 *
 * SUBTEST: syncobj-binary
 * Description: A job waits for an in-syncobj; an out-syncobj gets the job's fence.
 *
 * SUBTEST: syncobj-timeline
 * Description: Timeline points as out- and in-syncs order jobs.
 *
 * SUBTEST: sync-file
 * Description: A job's out sync_file, used as another job's in-fence, orders them.
 *
 * SUBTEST: syncobj-bad-handle
 * Description: An unknown in-syncobj gives -ENOENT.
 *
 * SUBTEST: syncobj-no-fence
 * Description: An in-syncobj without a fence gives -EINVAL.
 *
 * SUBTEST: syncobj-bad-point
 * Description: An unsubmitted timeline point gives -EINVAL.
 *
 * SUBTEST: syncobj-bad-flags
 * Description: In-sync flags give -EINVAL.
 *
 * SUBTEST: syncobj-too-many
 * Description: More than VPRIME_MAX_SYNCS in-syncs give -EINVAL.
 *
 * SUBTEST: out-syncobj-bad-handle
 * Description: An unknown out-syncobj gives -ENOENT.
 *
 * SUBTEST: out-point-without-syncobj
 * Description: An out point without an out-syncobj gives -EINVAL.
 *
 * SUBTEST: in-fence-bad-fd
 * Description: An in-fence fd that is not a sync_file gives -EINVAL.
 *
 * SUBTEST: in-fence-without-flag
 * Description: An in_fence_fd without its flag gives -EINVAL.
 *
 * SUBTEST: fence-attach-busy
 * Description: Attaching a conflicting fence gives -EBUSY.
 *
 * SUBTEST: fence-signal-twice
 * Description: Signalling a fence id twice gives -ENOENT.
 *
 * SUBTEST: fence-attach-bad-handle
 * Description: FENCE_ATTACH on an unknown handle gives -ENOENT.
 *
 * SUBTEST: fence-attach-bad-flags
 * Description: FENCE_ATTACH with unknown flags gives -EINVAL.
 *
 * SUBTEST: fence-attach-bad-pad
 * Description: FENCE_ATTACH with a non-zero pad gives -EINVAL.
 *
 * SUBTEST: fence-signal-bad-id
 * Description: FENCE_SIGNAL of an unknown id gives -ENOENT.
 *
 * SUBTEST: fence-signal-bad-flags
 * Description: FENCE_SIGNAL with flags gives -EINVAL.
 *
 * SUBTEST: fence-timeout
 * Description: An unsignalled fence signals itself at its deadline; signalling it then gives -ETIMEDOUT.
 *
 * SUBTEST: fence-close
 * Description: Closing a file signals its fences, with the error
 *              -ECANCELED (the core's userspace-fence policy), and the job
 *              that waited for one runs.
 */

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "igt.h"
#include "vprime_igt.h"
#include "vprime_gpu_igt.h"
#include "vprime_kms_util.h"
#include "sw_sync.h"
#include <linux/dma-buf.h>
#include "linux/vprime_heap.h"
#include "linux/vprime_test.h"

IGT_TEST_DESCRIPTION("Implicit and explicit synchronisation of vprime GPU "
		     "jobs, and userspace-controlled fences.");

#define W 256
#define H 16
#define STRIDE (W * 4)
#define SZ (STRIDE * H)
#define WAIT_MS 60000

static void check_all(int fd, uint32_t handle, uint32_t value)
{
	uint32_t *ptr = vprime_gpu_bo_mmap(fd, handle, SZ);

	for (int i = 0; i < SZ / 4; i++)
		igt_assert_f(ptr[i] == value, "word %d: 0x%08x, expected 0x%08x\n",
			     i, ptr[i], value);
	munmap(ptr, SZ);
}

/* Submit one command; returns the out sync_file. */
static int submit_cmd(int fd, struct drm_vprime_cmd cmd, uint32_t flags)
{
	struct drm_vprime_submit args = vprime_gpu_submit_args(&cmd, 1);

	args.flags = flags | VPRIME_SUBMIT_OUT_FENCE_FD;
	vprime_gpu_submit(fd, &args);
	return args.out_fence_fd;
}

static struct drm_vprime_cmd fill_cmd(uint32_t handle, uint32_t value)
{
	return vprime_gpu_cmd_fill(handle, 0, STRIDE, W, H, value);
}

static struct drm_vprime_cmd copy_cmd(uint32_t dst, uint32_t src)
{
	return vprime_gpu_cmd_copy(dst, 0, STRIDE, src, 0, STRIDE, W, H);
}

static void assert_blocked(int fence)
{
	igt_assert_eq(vprime_gpu_sync_file_status(fence), 0);
}

static void assert_done(int fence)
{
	igt_assert_eq(vprime_gpu_sync_file_wait(fence, WAIT_MS), 0);
	igt_assert_eq(vprime_gpu_sync_file_status(fence), 1);
	close(fence);
}

/* Share @handle of @fd with @fd2 through PRIME. */
static uint32_t share(int fd, uint32_t handle, int fd2)
{
	int dmabuf = prime_handle_to_fd(fd, handle);
	uint32_t handle2 = prime_fd_to_handle(fd2, dmabuf);

	close(dmabuf);
	return handle2;
}

static void test_write_waits(int fd, bool reader_fence)
{
	int fd2 = vprime_open_gpu_render(0);
	uint32_t bo = vprime_gpu_bo_create(fd, SZ);
	uint32_t bo2 = share(fd, bo, fd2);
	uint32_t ufence;
	int job;

	ufence = vprime_gpu_fence_attach(fd2, bo2, reader_fence ? 0 :
					 VPRIME_FENCE_WRITE);
	job = submit_cmd(fd, fill_cmd(bo, 0x11), 0);
	/* the job can't have run: the fence is unsignalled */
	assert_blocked(job);
	check_all(fd, bo, 0);

	vprime_gpu_fence_signal(fd2, ufence);
	assert_done(job);
	check_all(fd, bo, 0x11);

	close(fd2);
	gem_close(fd, bo);
}

static void test_read_waits_writer(int fd)
{
	int fd2 = vprime_open_gpu_render(0);
	uint32_t a = vprime_gpu_bo_create(fd, SZ), b = vprime_gpu_bo_create(fd, SZ);
	uint32_t a2 = share(fd, a, fd2), b2 = share(fd, b, fd2);
	uint32_t ufence;
	int writer, reader;

	/* writer (fd) fills A, blocked by a fence; reader (fd2) copies A to B */
	ufence = vprime_gpu_fence_attach(fd, a, VPRIME_FENCE_WRITE);
	writer = submit_cmd(fd, fill_cmd(a, 0x22), 0);
	reader = submit_cmd(fd2, copy_cmd(b2, a2), 0);
	assert_blocked(writer);
	assert_blocked(reader);

	vprime_gpu_fence_signal(fd, ufence);
	assert_done(writer);
	assert_done(reader);
	/* the reader saw the writer's result */
	check_all(fd, b, 0x22);

	close(fd2);
	gem_close(fd, a);
	gem_close(fd, b);
}

static void test_read_read(int fd)
{
	uint32_t a = vprime_gpu_bo_create(fd, SZ), b = vprime_gpu_bo_create(fd, SZ);
	uint32_t ufence = vprime_gpu_fence_attach(fd, a, 0);
	int job;

	vprime_gpu_fill(fd, b, SZ, 0x33);
	/* reads A (which has a read fence), writes B: doesn't wait */
	job = submit_cmd(fd, copy_cmd(b, a), 0);
	assert_done(job);
	check_all(fd, b, 0);
	vprime_gpu_fence_signal(fd, ufence);

	gem_close(fd, a);
	gem_close(fd, b);
}

static short poll_now(int dmabuf, short events)
{
	struct pollfd pfd = { .fd = dmabuf, .events = events };

	igt_assert_lte(0, poll(&pfd, 1, 0));
	return pfd.revents & events;
}

static void test_fence_usage(int fd)
{
	uint32_t a = vprime_gpu_bo_create(fd, SZ), b = vprime_gpu_bo_create(fd, SZ);
	uint32_t c = vprime_gpu_bo_create(fd, SZ), a2, c2, ufence;
	int da = prime_handle_to_fd(fd, a), db = prime_handle_to_fd(fd, b);
	int fd2 = vprime_open_gpu_render(0);
	int copy, reader, writer;

	vprime_gpu_fill(fd, a, SZ, 0x44);
	vprime_gpu_bo_wait(fd, a);	/* A has no pending writer */
	/* the copy A -> B is held back by a write fence on B */
	ufence = vprime_gpu_fence_attach(fd, b, VPRIME_FENCE_WRITE);
	copy = submit_cmd(fd, copy_cmd(b, a), 0);
	assert_blocked(copy);

	/* A: the copy only reads it */
	igt_assert_eq(poll_now(da, POLLIN), POLLIN);
	igt_assert_eq(poll_now(da, POLLOUT), 0);
	/* B: the copy (and the user fence) write it */
	igt_assert_eq(poll_now(db, POLLIN | POLLOUT), 0);

	/*
	 * Another file (jobs of one file run in order): a reader of A runs,
	 * a writer of A waits for the copy.
	 */
	a2 = share(fd, a, fd2);
	c2 = share(fd, c, fd2);
	reader = submit_cmd(fd2, copy_cmd(c2, a2), 0);
	assert_done(reader);
	check_all(fd, c, 0x44);
	writer = submit_cmd(fd2, fill_cmd(a2, 0x66), 0);
	assert_blocked(writer);

	vprime_gpu_fence_signal(fd, ufence);
	assert_done(copy);
	assert_done(writer);
	check_all(fd, b, 0x44);
	check_all(fd, a, 0x66);
	igt_assert_eq(poll_now(da, POLLIN | POLLOUT), POLLIN | POLLOUT);
	igt_assert_eq(poll_now(db, POLLIN | POLLOUT), POLLIN | POLLOUT);

	close(fd2);
	close(da);
	close(db);
	gem_close(fd, a);
	gem_close(fd, b);
	gem_close(fd, c);
}

static int heap_ioctl(int heap, unsigned long request, void *arg)
{
	return vprime_gpu_ioctl(heap, request, arg);
}

static void test_prime_import(int fd)
{
	int heap = vprime_heap_open(), tst = vprime_test_open();
	struct vprime_heap_alloc alloc = {
		.size = SZ, .placement = VPRIME_HEAP_PLACEMENT_SYSTEM,
	};
	struct vprime_test_fence_attach attach = { .flags = VPRIME_TEST_FENCE_WRITE };
	struct vprime_test_fence_signal sig = { };
	uint32_t imported, *ptr;
	int job;

	igt_assert_eq(heap_ioctl(heap, VPRIME_HEAP_IOCTL_ALLOC, &alloc), 0);
	imported = prime_fd_to_handle(fd, alloc.fd);
	attach.fd = alloc.fd;
	igt_assert_eq(heap_ioctl(tst, VPRIME_TEST_IOCTL_FENCE_ATTACH, &attach), 0);

	job = submit_cmd(fd, fill_cmd(imported, 0x44), 0);
	assert_blocked(job);
	ptr = mmap(NULL, SZ, PROT_READ, MAP_SHARED, alloc.fd, 0);
	igt_assert(ptr != MAP_FAILED);
	igt_assert_eq_u32(ptr[0], 0);

	sig.handle = attach.handle;
	igt_assert_eq(heap_ioctl(tst, VPRIME_TEST_IOCTL_FENCE_SIGNAL, &sig), 0);
	assert_done(job);
	for (int i = 0; i < SZ / 4; i++)
		igt_assert_eq_u32(ptr[i], 0x44);

	munmap(ptr, SZ);
	gem_close(fd, imported);
	close(alloc.fd);
	close(tst);
	close(heap);
}

static void test_prime_export(int fd)
{
	uint32_t bo = vprime_gpu_bo_create(fd, SZ);
	uint32_t ufence = vprime_gpu_fence_attach(fd, bo, VPRIME_FENCE_WRITE);
	int dmabuf = prime_handle_to_fd(fd, bo);
	struct pollfd pfd = { .fd = dmabuf, .events = POLLIN };
	int job;

	job = submit_cmd(fd, fill_cmd(bo, 0x55), 0);
	/* the dma-buf is busy for readers while the job is pending */
	igt_assert_eq(poll(&pfd, 1, 0), 0);
	vprime_gpu_fence_signal(fd, ufence);
	igt_assert_eq(poll(&pfd, 1, WAIT_MS), 1);
	assert_done(job);
	check_all(fd, bo, 0x55);
	close(dmabuf);
	gem_close(fd, bo);
}

static void test_no_implicit(int fd)
{
	uint32_t bo = vprime_gpu_bo_create(fd, SZ);
	uint32_t ufence = vprime_gpu_fence_attach(fd, bo, VPRIME_FENCE_WRITE);
	int job;

	job = submit_cmd(fd, fill_cmd(bo, 0x66), VPRIME_SUBMIT_NO_IMPLICIT);
	assert_done(job);
	check_all(fd, bo, 0x66);
	/* the user fence is still there and still blocks implicit users */
	igt_assert_eq(__vprime_gpu_bo_wait(fd, bo, 0, 0), -ETIME);
	vprime_gpu_fence_signal(fd, ufence);
	gem_close(fd, bo);
}

/* A job filling @bo blocked by a fence; returns the fence id. */
static uint32_t blocked_fill(int fd, uint32_t bo, uint32_t value,
			     uint32_t out_syncobj, uint64_t point)
{
	uint32_t ufence = vprime_gpu_fence_attach(fd, bo, VPRIME_FENCE_WRITE);
	struct drm_vprime_cmd cmd = fill_cmd(bo, value);
	struct drm_vprime_submit args = vprime_gpu_submit_args(&cmd, 1);

	args.out_syncobj = out_syncobj;
	args.out_sync_point = point;
	vprime_gpu_submit(fd, &args);
	return ufence;
}

/* Copy @src to @dst after the in-sync; returns the out sync_file. */
static int synced_copy(int fd, uint32_t dst, uint32_t src, uint32_t syncobj,
		       uint64_t point, uint32_t flags)
{
	struct drm_vprime_sync sync = { .handle = syncobj, .point = point };
	struct drm_vprime_cmd cmd = copy_cmd(dst, src);
	struct drm_vprime_submit args = vprime_gpu_submit_args(&cmd, 1);

	args.in_syncs = (uintptr_t)&sync;
	args.in_sync_count = 1;
	args.flags = flags | VPRIME_SUBMIT_OUT_FENCE_FD;
	vprime_gpu_submit(fd, &args);
	return args.out_fence_fd;
}

static void test_syncobj(int fd, bool timeline)
{
	uint32_t a = vprime_gpu_bo_create(fd, SZ), b = vprime_gpu_bo_create(fd, SZ);
	uint64_t point = timeline ? 5 : 0, value = 0;
	uint32_t syncobj, ufence;
	int job;

	igt_assert_eq(drmSyncobjCreate(fd, 0, &syncobj), 0);
	ufence = blocked_fill(fd, a, 0x77, syncobj, point);
	/* explicit sync only: without the syncobj the copy would run now */
	job = synced_copy(fd, b, a, syncobj, point, VPRIME_SUBMIT_NO_IMPLICIT);
	assert_blocked(job);
	if (timeline) {
		igt_assert_eq(drmSyncobjQuery(fd, &syncobj, &value, 1), 0);
		igt_assert_eq_u64(value, 0);
	}

	vprime_gpu_fence_signal(fd, ufence);
	assert_done(job);
	check_all(fd, b, 0x77);
	if (timeline) {
		igt_assert_eq(drmSyncobjTimelineWait(fd, &syncobj, &point, 1,
						     INT64_MAX, 0, NULL), 0);
		igt_assert_eq(drmSyncobjQuery(fd, &syncobj, &value, 1), 0);
		igt_assert_eq_u64(value, 5);
	} else {
		igt_assert_eq(drmSyncobjWait(fd, &syncobj, 1, INT64_MAX, 0,
					     NULL), 0);
	}

	drmSyncobjDestroy(fd, syncobj);
	gem_close(fd, a);
	gem_close(fd, b);
}

static void test_sync_file(int fd)
{
	uint32_t a = vprime_gpu_bo_create(fd, SZ), b = vprime_gpu_bo_create(fd, SZ);
	uint32_t ufence = vprime_gpu_fence_attach(fd, a, VPRIME_FENCE_WRITE);
	struct drm_vprime_cmd cmd = copy_cmd(b, a);
	struct drm_vprime_submit args = vprime_gpu_submit_args(&cmd, 1);
	int first, second;

	first = submit_cmd(fd, fill_cmd(a, 0x88), 0);
	args.flags = VPRIME_SUBMIT_IN_FENCE_FD | VPRIME_SUBMIT_OUT_FENCE_FD |
		     VPRIME_SUBMIT_NO_IMPLICIT;
	args.in_fence_fd = first;
	vprime_gpu_submit(fd, &args);
	second = args.out_fence_fd;
	assert_blocked(first);
	assert_blocked(second);

	vprime_gpu_fence_signal(fd, ufence);
	assert_done(second);
	assert_done(first);
	check_all(fd, b, 0x88);
	gem_close(fd, a);
	gem_close(fd, b);
}

static int submit_in_sync(int fd, uint32_t bo, struct drm_vprime_sync *syncs,
			  uint32_t count)
{
	struct drm_vprime_cmd cmd = fill_cmd(bo, 1);
	struct drm_vprime_submit args = vprime_gpu_submit_args(&cmd, 1);

	args.in_syncs = (uintptr_t)syncs;
	args.in_sync_count = count;
	return __vprime_gpu_submit(fd, &args);
}

static void test_syncobj_err(int fd, uint32_t bo, int which)
{
	struct drm_vprime_sync syncs[VPRIME_MAX_SYNCS + 1] = { };
	uint32_t syncobj;
	int fence;

	igt_assert_eq(drmSyncobjCreate(fd, 0, &syncobj), 0);
	syncs[0].handle = syncobj;
	switch (which) {
	case 0: /* bad handle */
		syncs[0].handle = syncobj + 100;
		igt_assert_eq(submit_in_sync(fd, bo, syncs, 1), -ENOENT);
		break;
	case 1: /* no fence yet */
		igt_assert_eq(submit_in_sync(fd, bo, syncs, 1), -EINVAL);
		break;
	case 2: /* point 3 of a timeline that only has point 1 */
		fence = vprime_gpu_fill_fence(fd, bo, SZ, 2, 0);
		close(fence);
		{
			struct drm_vprime_cmd cmd = fill_cmd(bo, 3);
			struct drm_vprime_submit args =
				vprime_gpu_submit_args(&cmd, 1);

			args.out_syncobj = syncobj;
			args.out_sync_point = 1;
			vprime_gpu_submit(fd, &args);
		}
		syncs[0].point = 3;
		igt_assert_eq(submit_in_sync(fd, bo, syncs, 1), -EINVAL);
		syncs[0].point = 1;
		igt_assert_eq(submit_in_sync(fd, bo, syncs, 1), 0);
		break;
	case 3: /* flags */
		syncobj_signal(fd, &syncobj, 1);
		syncs[0].flags = 1;
		igt_assert_eq(submit_in_sync(fd, bo, syncs, 1), -EINVAL);
		break;
	case 4: /* too many */
		syncobj_signal(fd, &syncobj, 1);
		for (int i = 0; i <= VPRIME_MAX_SYNCS; i++)
			syncs[i].handle = syncobj;
		igt_assert_eq(submit_in_sync(fd, bo, syncs,
					     VPRIME_MAX_SYNCS + 1), -EINVAL);
		igt_assert_eq(submit_in_sync(fd, bo, syncs, VPRIME_MAX_SYNCS), 0);
		break;
	}
	vprime_gpu_bo_wait(fd, bo);
	drmSyncobjDestroy(fd, syncobj);
}

static void test_out_err(int fd, uint32_t bo, bool bad_handle)
{
	struct drm_vprime_cmd cmd = fill_cmd(bo, 1);
	struct drm_vprime_submit args = vprime_gpu_submit_args(&cmd, 1);
	uint32_t syncobj;

	igt_assert_eq(drmSyncobjCreate(fd, 0, &syncobj), 0);
	if (bad_handle) {
		args.out_syncobj = syncobj + 100;
		igt_assert_eq(__vprime_gpu_submit(fd, &args), -ENOENT);
	} else {
		args.out_sync_point = 1;
		igt_assert_eq(__vprime_gpu_submit(fd, &args), -EINVAL);
	}
	drmSyncobjDestroy(fd, syncobj);
}

static void test_in_fence_err(int fd, uint32_t bo, bool without_flag)
{
	struct drm_vprime_cmd cmd = fill_cmd(bo, 1);
	struct drm_vprime_submit args = vprime_gpu_submit_args(&cmd, 1);

	if (without_flag) {
		int fence = vprime_gpu_fill_fence(fd, bo, SZ, 1, 0);

		args.in_fence_fd = fence;
		igt_assert_eq(__vprime_gpu_submit(fd, &args), -EINVAL);
		close(fence);
		return;
	}
	/* the DRM fd itself is not a sync_file */
	args.flags = VPRIME_SUBMIT_IN_FENCE_FD;
	args.in_fence_fd = fd;
	igt_assert_eq(__vprime_gpu_submit(fd, &args), -EINVAL);
	args.in_fence_fd = -1;
	igt_assert_eq(__vprime_gpu_submit(fd, &args), -EINVAL);
}

static void test_attach_busy(int fd)
{
	uint32_t bo = vprime_gpu_bo_create(fd, SZ);
	uint32_t r1, r2, w, dummy;

	/* readers share; a writer conflicts with readers */
	r1 = vprime_gpu_fence_attach(fd, bo, 0);
	r2 = vprime_gpu_fence_attach(fd, bo, 0);
	igt_assert_eq(__vprime_gpu_fence_attach(fd, bo, VPRIME_FENCE_WRITE, 0,
						&dummy), -EBUSY);
	vprime_gpu_fence_signal(fd, r1);
	vprime_gpu_fence_signal(fd, r2);

	/* a writer conflicts with readers and writers */
	w = vprime_gpu_fence_attach(fd, bo, VPRIME_FENCE_WRITE);
	igt_assert_eq(__vprime_gpu_fence_attach(fd, bo, 0, 0, &dummy), -EBUSY);
	igt_assert_eq(__vprime_gpu_fence_attach(fd, bo, VPRIME_FENCE_WRITE, 0,
						&dummy), -EBUSY);
	vprime_gpu_fence_signal(fd, w);
	gem_close(fd, bo);
}

static void test_signal_twice(int fd)
{
	uint32_t bo = vprime_gpu_bo_create(fd, SZ);
	uint32_t f = vprime_gpu_fence_attach(fd, bo, VPRIME_FENCE_WRITE);

	vprime_gpu_fence_signal(fd, f);
	igt_assert_eq(__vprime_gpu_fence_signal(fd, f), -ENOENT);
	gem_close(fd, bo);
}

static void test_attach_err(int fd, int which)
{
	uint32_t bo = vprime_gpu_bo_create(fd, SZ);
	struct drm_vprime_fence_attach args = { .handle = bo };
	int err = -EINVAL;

	if (which == 0) {
		args.handle = bo + 100;
		err = -ENOENT;
	} else if (which == 1) {
		args.flags = 0x10;
	} else {
		args.pad = 1;
	}
	igt_assert_eq(vprime_gpu_ioctl(fd, DRM_IOCTL_VPRIME_FENCE_ATTACH, &args),
		      err);
	/* nothing was attached */
	igt_assert(!vprime_gpu_bo_busy(fd, bo));
	gem_close(fd, bo);
}

static void test_signal_err(int fd, bool bad_flags)
{
	uint32_t bo = vprime_gpu_bo_create(fd, SZ);
	uint32_t f = vprime_gpu_fence_attach(fd, bo, 0);
	struct drm_vprime_fence_signal args = { .fence = f };

	if (bad_flags) {
		args.flags = 1;
		igt_assert_eq(vprime_gpu_ioctl(fd, DRM_IOCTL_VPRIME_FENCE_SIGNAL,
					       &args), -EINVAL);
	} else {
		args.fence = f + 1000;
		igt_assert_eq(vprime_gpu_ioctl(fd, DRM_IOCTL_VPRIME_FENCE_SIGNAL,
					       &args), -ENOENT);
	}
	vprime_gpu_fence_signal(fd, f);
	gem_close(fd, bo);
}

static void test_fence_timeout(int fd)
{
	uint32_t bo = vprime_gpu_bo_create(fd, SZ), f;
	int job;

	igt_assert_eq(__vprime_gpu_fence_attach(fd, bo, VPRIME_FENCE_WRITE,
						vprime_gpu_now_ns() + 100000000,
						&f), 0);
	job = submit_cmd(fd, fill_cmd(bo, 0x99), 0);
	/* the fence expires by itself and the job runs */
	assert_done(job);
	check_all(fd, bo, 0x99);
	igt_assert_eq(__vprime_gpu_fence_signal(fd, f), -ETIMEDOUT);
	gem_close(fd, bo);
}

static void test_fence_close(int fd)
{
	int fd2 = vprime_open_gpu_render(0);
	uint32_t bo = vprime_gpu_bo_create(fd, SZ);
	uint32_t bo2 = share(fd, bo, fd2);
	int job, dmabuf, sf;

	vprime_gpu_fence_attach(fd2, bo2, VPRIME_FENCE_WRITE);
	/* the user fence alone, before the job adds its own */
	dmabuf = vprime_prime_export(fd, bo);
	sf = vprime_dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_READ);
	job = submit_cmd(fd, fill_cmd(bo, 0xaa), 0);
	assert_blocked(job);
	igt_assert_eq(sync_fence_status(sf), 0);
	close(fd2);
	assert_done(job);
	check_all(fd, bo, 0xaa);
	igt_assert_eq(sync_fence_wait(sf, -1), 0);
	igt_assert_eq(sync_fence_status(sf), -ECANCELED);
	close(sf);
	close(dmabuf);
	gem_close(fd, bo);
}

igt_main
{
	int fd = -1;
	uint32_t bo = 0;

	igt_fixture {
		fd = vprime_open_gpu_render(0);
		bo = vprime_gpu_bo_create(fd, SZ);
	}

	igt_describe("A job writing a BO waits for another file's write fence.");
	igt_subtest("implicit-write-waits-fence")
		test_write_waits(fd, false);

	igt_describe("A job writing a BO waits for a read fence on it.");
	igt_subtest("implicit-write-waits-reader")
		test_write_waits(fd, true);

	igt_describe("A reading job waits for a blocked writer of another file.");
	igt_subtest("implicit-read-waits-writer")
		test_read_waits_writer(fd);

	igt_describe("A reading job does not wait for a read fence.");
	igt_subtest("implicit-read-read")
		test_read_read(fd);

	igt_describe("A job on an imported dma-buf waits for the exporter's fence.");
	igt_subtest("implicit-prime-import")
		test_prime_import(fd);

	igt_describe("A job's fence on an exported BO is visible through the dma-buf.");
	igt_subtest("implicit-prime-export")
		test_prime_export(fd);

	igt_describe("A pending COPY publishes READ on its source, WRITE on its destination.");
	igt_subtest("implicit-fence-usage")
		test_fence_usage(fd);
	igt_describe("NO_IMPLICIT jobs ignore the implicit fences.");
	igt_subtest("no-implicit")
		test_no_implicit(fd);

	igt_describe("Binary in- and out-syncobjs order jobs.");
	igt_subtest("syncobj-binary")
		test_syncobj(fd, false);

	igt_describe("Timeline points as out- and in-syncs order jobs.");
	igt_subtest("syncobj-timeline")
		test_syncobj(fd, true);

	igt_describe("An out sync_file used as an in-fence orders jobs.");
	igt_subtest("sync-file")
		test_sync_file(fd);

	igt_describe("An unknown in-syncobj gives -ENOENT.");
	igt_subtest("syncobj-bad-handle")
		test_syncobj_err(fd, bo, 0);

	igt_describe("An in-syncobj without a fence gives -EINVAL.");
	igt_subtest("syncobj-no-fence")
		test_syncobj_err(fd, bo, 1);

	igt_describe("An unsubmitted timeline point gives -EINVAL.");
	igt_subtest("syncobj-bad-point")
		test_syncobj_err(fd, bo, 2);

	igt_describe("In-sync flags give -EINVAL.");
	igt_subtest("syncobj-bad-flags")
		test_syncobj_err(fd, bo, 3);

	igt_describe("More than VPRIME_MAX_SYNCS in-syncs give -EINVAL.");
	igt_subtest("syncobj-too-many")
		test_syncobj_err(fd, bo, 4);

	igt_describe("An unknown out-syncobj gives -ENOENT.");
	igt_subtest("out-syncobj-bad-handle")
		test_out_err(fd, bo, true);

	igt_describe("An out point without an out-syncobj gives -EINVAL.");
	igt_subtest("out-point-without-syncobj")
		test_out_err(fd, bo, false);

	igt_describe("An in-fence fd that is not a sync_file gives -EINVAL.");
	igt_subtest("in-fence-bad-fd")
		test_in_fence_err(fd, bo, false);

	igt_describe("An in_fence_fd without its flag gives -EINVAL.");
	igt_subtest("in-fence-without-flag")
		test_in_fence_err(fd, bo, true);

	igt_describe("Attaching a conflicting fence gives -EBUSY.");
	igt_subtest("fence-attach-busy")
		test_attach_busy(fd);

	igt_describe("Signalling a fence id twice gives -ENOENT.");
	igt_subtest("fence-signal-twice")
		test_signal_twice(fd);

	igt_describe("FENCE_ATTACH on an unknown handle gives -ENOENT.");
	igt_subtest("fence-attach-bad-handle")
		test_attach_err(fd, 0);

	igt_describe("FENCE_ATTACH with unknown flags gives -EINVAL.");
	igt_subtest("fence-attach-bad-flags")
		test_attach_err(fd, 1);

	igt_describe("FENCE_ATTACH with a non-zero pad gives -EINVAL.");
	igt_subtest("fence-attach-bad-pad")
		test_attach_err(fd, 2);

	igt_describe("FENCE_SIGNAL of an unknown id gives -ENOENT.");
	igt_subtest("fence-signal-bad-id")
		test_signal_err(fd, false);

	igt_describe("FENCE_SIGNAL with flags gives -EINVAL.");
	igt_subtest("fence-signal-bad-flags")
		test_signal_err(fd, true);

	igt_describe("A fence signals itself at its deadline.");
	igt_subtest("fence-timeout")
		test_fence_timeout(fd);

	igt_describe("Closing a file signals its fences with -ECANCELED.");
	igt_subtest("fence-close")
		test_fence_close(fd);

	igt_fixture {
		gem_close(fd, bo);
		close(fd);
	}
}
