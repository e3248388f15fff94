// SPDX-License-Identifier: MIT
/*
 * vprime_user_fence - the core's userspace fences through the test
 * module's /dev/vprime_test: FENCE_ATTACH and FENCE_SIGNAL, their checks,
 * their conflict, close and timeout policy, and what a fence's error does
 * to the dma-buf's exported sync_file.
 */

/**
 * TEST: vprime user fence
 * Category: Software building block
 * Description: Userspace-controlled fences in a vprime_core dma-buf's
 *              reservation object, through /dev/vprime_test.
 * Feature: vprime core
 *
 * SUBTEST: test-uapi-needs-admin
 * Description: The fence and importer ioctls need CAP_SYS_ADMIN; ALLOC
 *              and MIGRATE do not.
 *
 * SUBTEST: fence-bad-handle
 * Description: FENCE_SIGNAL rejects unknown handles and out-of-range
 *              errors; a signalled fence's handle is forgotten.
 *
 * SUBTEST: fence-bad-flags
 * Description: FENCE_ATTACH and FENCE_SIGNAL reject unknown flags, a
 *              non-zero pad and a bad fd.
 *
 * SUBTEST: fence-error
 * Description: A fence signalled with an error passes it to the exported
 *              sync_file as its status.
 *
 * SUBTEST: fence-attach-busy
 * Description: FENCE_ATTACH follows the core's one userspace-fence policy:
 *              readers share a buffer, a writer conflicts with any
 *              unsignalled fence and a reader with an unsignalled writer
 *              (-EBUSY); a signalled fence conflicts with nothing.
 *
 * SUBTEST: fence-close-cancels
 * Description: Closing the test file signals its fences with -ECANCELED;
 *              handles are per open file.
 *
 * SUBTEST: fence-timeout
 * Description: A fence nobody signals signals itself with -ETIMEDOUT after
 *              vprime_test.fence_timeout_ms; FENCE_SIGNAL then reports
 *              -ETIMEDOUT and forgets the handle.
 *
 * SUBTEST: counters-idle
 * Description: The core's live-object counters (buffers, bytes, attachments,
 *              mappings, exports, deferred and live fences) are back at their
 *              values at this binary's start: its first fixture's snapshot, or
 *              the one run-tests took before the binary's first subtest.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/vprime_heap.h>
#include <linux/vprime_test.h>
#include <xf86drm.h>

#include "igt.h"
#include "sw_sync.h"
#include "vprime_igt.h"
#include "vprime_core_igt.h"

IGT_TEST_DESCRIPTION("vprime_user_fence: userspace fences in a dma-buf's "
		     "reservation object through /dev/vprime_test.");

/* /dev/vprime_heap; /dev/vprime_test (fences, importer devices) */
static int heap = -1, tst = -1;
static struct vprime_core_counters counters_base;

static void test_uapi_needs_admin(void)
{
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);

	igt_require(getuid() == 0);
	igt_fork(child, 1) {
		struct vprime_test_fence_attach fence = { .fd = fd };
		struct vprime_test_import imp = { .fd = fd };
		struct vprime_test_import_read rd = { .size = 4 };
		int cfd;

		igt_assert_eq(setgid(65534), 0);
		igt_assert_eq(setuid(65534), 0);
		heap = vprime_heap_open();
		tst = vprime_test_open();
		igt_assert_eq(ioctl(tst, VPRIME_TEST_IOCTL_FENCE_ATTACH,
				    &fence), -1);
		igt_assert_eq(errno, EPERM);
		igt_assert_eq(ioctl(tst, VPRIME_TEST_IOCTL_IMPORT_ATTACH,
				    &imp), -1);
		igt_assert_eq(errno, EPERM);
		igt_assert_eq(ioctl(tst, VPRIME_TEST_IOCTL_IMPORT_READ, &rd),
			      -1);
		igt_assert_eq(errno, EPERM);
		cfd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
		igt_assert_eq(__vprime_heap_migrate(heap, cfd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
		close(cfd);
	}
	igt_waitchildren();
	close(fd);
}

static void test_fence_bad_handle(void)
{
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t h;

	igt_assert_eq(__vprime_test_fence_signal(tst, 0, 0), -ENOENT);
	igt_assert_eq(__vprime_test_fence_signal(tst, 12345, 0), -ENOENT);
	h = vprime_test_fence_attach(tst, fd, true);
	igt_assert_eq(__vprime_test_fence_signal(tst, h, 4096), -EINVAL);
	vprime_test_fence_signal(tst, h, 0);
	/* Signalled fences are forgotten. */
	igt_assert_eq(__vprime_test_fence_signal(tst, h, 0), -ENOENT);
	close(fd);
}

static void test_fence_attach_busy(void)
{
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t r1, r2, w, dummy;

	/* readers share; a writer conflicts with readers */
	r1 = vprime_test_fence_attach(tst, fd, false);
	r2 = vprime_test_fence_attach(tst, fd, false);
	igt_assert_neq(r1, r2);
	igt_assert_eq(__vprime_test_fence_attach(tst, fd, true, &dummy), -EBUSY);
	vprime_test_fence_signal(tst, r1, 0);
	igt_assert_eq(__vprime_test_fence_attach(tst, fd, true, &dummy), -EBUSY);
	vprime_test_fence_signal(tst, r2, 0);

	/* a writer conflicts with readers and writers */
	w = vprime_test_fence_attach(tst, fd, true);
	igt_assert_eq(__vprime_test_fence_attach(tst, fd, false, &dummy), -EBUSY);
	igt_assert_eq(__vprime_test_fence_attach(tst, fd, true, &dummy), -EBUSY);
	/* an error is a signal too: the buffer is free again */
	vprime_test_fence_signal(tst, w, EIO);
	w = vprime_test_fence_attach(tst, fd, true);
	vprime_test_fence_signal(tst, w, 0);
	close(fd);
}

static void test_fence_bad_flags(void)
{
	struct vprime_test_fence_attach args = {};
	struct vprime_test_fence_signal sig = {};
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);

	args.fd = fd;
	args.flags = 2;
	igt_assert_eq(ioctl(tst, VPRIME_TEST_IOCTL_FENCE_ATTACH, &args), -1);
	igt_assert_eq(errno, EINVAL);
	args.flags = 0;
	args.pad = 1;
	igt_assert_eq(ioctl(tst, VPRIME_TEST_IOCTL_FENCE_ATTACH, &args), -1);
	igt_assert_eq(errno, EINVAL);
	args.pad = 0;
	args.fd = -1;
	igt_assert_eq(ioctl(tst, VPRIME_TEST_IOCTL_FENCE_ATTACH, &args), -1);
	igt_assert_eq(errno, EBADF);

	args.fd = fd;
	igt_assert_eq(ioctl(tst, VPRIME_TEST_IOCTL_FENCE_ATTACH, &args), 0);
	sig.handle = args.handle;
	sig.flags = 1;
	igt_assert_eq(ioctl(tst, VPRIME_TEST_IOCTL_FENCE_SIGNAL, &sig), -1);
	igt_assert_eq(errno, EINVAL);
	sig.flags = 0;
	sig.pad = 1;
	igt_assert_eq(ioctl(tst, VPRIME_TEST_IOCTL_FENCE_SIGNAL, &sig), -1);
	igt_assert_eq(errno, EINVAL);
	sig.pad = 0;
	igt_assert_eq(ioctl(tst, VPRIME_TEST_IOCTL_FENCE_SIGNAL, &sig), 0);
	close(fd);
}

static void test_fence_error(void)
{
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t h = vprime_test_fence_attach(tst, fd, true);
	int sf = vprime_dmabuf_export_sync_file(fd, DMA_BUF_SYNC_WRITE);

	vprime_test_fence_signal(tst, h, EIO);
	/* The error reaches the sync_file as the fence status. */
	igt_assert_eq(sync_fence_wait(sf, -1), 0);
	igt_assert_eq(sync_fence_status(sf), -EIO);
	close(sf);
	close(fd);
}

static void test_fence_close_cancels(void)
{
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	int tst2 = vprime_test_open();
	struct vprime_test_fence_attach args = {
		.fd = fd,
		.flags = VPRIME_TEST_FENCE_WRITE,
	};
	int sf;

	igt_assert_eq(ioctl(tst2, VPRIME_TEST_IOCTL_FENCE_ATTACH, &args), 0);
	sf = vprime_dmabuf_export_sync_file(fd, DMA_BUF_SYNC_READ);
	igt_assert_eq(sync_fence_status(sf), 0);
	/* Handles are per open file. */
	igt_assert_eq(__vprime_test_fence_signal(tst, args.handle, 0), -ENOENT);
	close(tst2);
	igt_assert_eq(sync_fence_wait(sf, -1), 0);
	igt_assert_eq(sync_fence_status(sf), -ECANCELED);
	vprime_poll_wait_ready(fd, POLLIN | POLLOUT);
	close(sf);
	close(fd);
}

static void test_fence_timeout(void)
{
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM), sf;
	uint32_t h;

	vprime_test_set_fence_timeout(200);
	h = vprime_test_fence_attach(tst, fd, true);
	sf = vprime_dmabuf_export_sync_file(fd, DMA_BUF_SYNC_READ);
	vprime_test_restore_fence_timeout();
	/* the timeout was taken at attach time */
	igt_assert_eq(sync_fence_wait(sf, 5000), 0);
	igt_assert_eq(sync_fence_status(sf), -ETIMEDOUT);
	vprime_poll_wait_ready(fd, POLLIN | POLLOUT);
	igt_assert_eq(__vprime_test_fence_signal(tst, h, 0), -ETIMEDOUT);
	igt_assert_eq(__vprime_test_fence_signal(tst, h, 0), -ENOENT);
	close(sf);
	close(fd);
}

igt_main
{
	igt_fixture {
		vprime_core_fixture_open(&heap, &tst, &counters_base);
	}

	igt_describe("The test and debug ioctls need CAP_SYS_ADMIN.");
	igt_subtest("test-uapi-needs-admin")
		test_uapi_needs_admin();

	igt_describe("FENCE_SIGNAL rejects unknown handles and errors.");
	igt_subtest("fence-bad-handle")
		test_fence_bad_handle();

	igt_describe("FENCE_ATTACH/SIGNAL reject unknown flags and pad.");
	igt_subtest("fence-bad-flags")
		test_fence_bad_flags();

	igt_describe("A fence error reaches the exported sync_file.");
	igt_subtest("fence-error")
		test_fence_error();

	igt_describe("FENCE_ATTACH refuses a conflicting fence with -EBUSY.");
	igt_subtest("fence-attach-busy")
		test_fence_attach_busy();

	igt_describe("Closing the test file cancels its fences.");
	igt_subtest("fence-close-cancels")
		test_fence_close_cancels();

	igt_describe("An unsignalled test fence times out with -ETIMEDOUT.");
	igt_subtest("fence-timeout")
		test_fence_timeout();

	igt_describe("The core's counters are back at this binary's start after its signalled, cancelled and timed-out fences.");
	igt_subtest("counters-idle")
		vprime_core_counters_assert_idle(&counters_base);

	igt_fixture
		vprime_core_fixture_close(heap, tst);
}
