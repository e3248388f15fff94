// SPDX-License-Identifier: MIT
/*
 * vprime_migrate - moving a vprime_core buffer between its two placements
 * through the heap's MIGRATE: data kept, refusals while pinned (mmap,
 * static or narrow importers), waits on fences, move_notify to dynamic
 * importers (the test module's and the vprime GPU), and a concurrent
 * stress of moves, imports, fences and CPU access.
 */

/**
 * TEST: vprime migrate
 * Category: Software building block
 * Description: Migration of vprime_core buffers between the system and
 *              local placements, its refusals and its importers.
 * Feature: vprime core
 *
 * SUBTEST: migrate-basic
 * Description: MIGRATE moves the data both ways, accounted in debugfs; a
 *              move to the same placement does nothing.
 *
 * SUBTEST: migrate-bad-args
 * Description: MIGRATE rejects an unknown placement, flags, a non-zero pad,
 *              an fd that is not a dma-buf and a bad fd.
 *
 * SUBTEST: migrate-busy-mmap
 * Description: A buffer with pages mapped to userspace doesn't move
 *              (-EBUSY); an untouched mapping does, and faults in the
 *              moved pages.
 *
 * SUBTEST: migrate-busy-static-importer
 * Description: A buffer pinned by a static importer doesn't move
 *              (-EBUSY) until it detaches.
 *
 * SUBTEST: migrate-waits-fences
 * Description: MIGRATE returns only once the buffer's fences signalled.
 *
 * SUBTEST: migrate-dynamic-importer
 * Description: A live dynamic importer is notified of a move
 *              (invalidations) and maps again; while it is mapped, the
 *              move is refused or invalidates the mapping, depending on
 *              CONFIG_DMABUF_MOVE_NOTIFY.
 *
 * SUBTEST: migrate-narrow-importer
 * Description: A 32-bit importer moves the buffer out of the local pool at
 *              attach, and a move back is refused while it is attached.
 *
 * SUBTEST: attach-narrow-pinned
 * Description: A 32-bit importer can't attach (-EBUSY) to a local buffer
 *              a static importer pins; once unpinned it attaches and moves
 *              the buffer.
 *
 * SUBTEST: migrate-gpu-importer
 * Description: With the vprime GPU as a live dynamic importer, the buffer
 *              moves before the GPU mapped it (its first map is no remap)
 *              and again once its jobs retired; the GPU's next job maps it
 *              again (debugfs remaps counts it) and writes the moved pages.
 *
 * SUBTEST: stress-concurrent
 * Description: Migrations, importer maps, CPU syncs and fences from several
 *              processes at once keep the data and the errnos right.
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
#include "vprime_gpu_igt.h"

IGT_TEST_DESCRIPTION("vprime_migrate: vprime_core buffers moving between "
		     "placements, with importers, mappings and fences.");

/* /dev/vprime_heap; /dev/vprime_test (fences, importer devices) */
static int heap = -1, tst = -1;
static struct vprime_core_counters counters_base;

static void test_migrate_basic(void)
{
	const size_t size = 32 * SZ_4K;
	uint64_t id, migrations = vprime_core_stat("migrations");
	uint64_t local = vprime_core_stat("bytes_local");
	int fd = vprime_heap_alloc_id(heap, size, VPRIME_HEAP_PLACEMENT_SYSTEM, &id);

	vprime_dmabuf_fill(fd, size, 0xabc);
	igt_assert_eq(__vprime_heap_migrate(heap, fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
	igt_assert(vprime_core_buffer_has(id, "placement=local"));
	igt_assert_eq_u64(vprime_core_stat("bytes_local"), local + size);
	igt_assert_eq_u64(vprime_core_stat("migrations"), migrations + 1);
	vprime_dmabuf_check(fd, size, 0xabc);
	/* Same placement: nothing to do. */
	igt_assert_eq(__vprime_heap_migrate(heap, fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
	igt_assert_eq_u64(vprime_core_stat("migrations"), migrations + 1);
	igt_assert_eq(__vprime_heap_migrate(heap, fd, VPRIME_HEAP_PLACEMENT_SYSTEM), 0);
	igt_assert(vprime_core_buffer_has(id, "placement=system"));
	igt_assert_eq_u64(vprime_core_stat("bytes_local"), local);
	vprime_dmabuf_check(fd, size, 0xabc);
	close(fd);
}

static void test_migrate_bad_args(void)
{
	struct vprime_heap_migrate args = {};
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	int not_dmabuf = dup(heap);

	args.fd = fd;
	args.placement = 2;
	igt_assert_eq(ioctl(heap, VPRIME_HEAP_IOCTL_MIGRATE, &args), -1);
	igt_assert_eq(errno, EINVAL);
	args.placement = 1;
	args.flags = 1;
	igt_assert_eq(ioctl(heap, VPRIME_HEAP_IOCTL_MIGRATE, &args), -1);
	igt_assert_eq(errno, EINVAL);
	args.flags = 0;
	args.pad = 1;
	igt_assert_eq(ioctl(heap, VPRIME_HEAP_IOCTL_MIGRATE, &args), -1);
	igt_assert_eq(errno, EINVAL);
	args.pad = 0;
	args.fd = not_dmabuf;
	igt_assert_eq(ioctl(heap, VPRIME_HEAP_IOCTL_MIGRATE, &args), -1);
	igt_assert_eq(errno, EINVAL);
	args.fd = -1;
	igt_assert_eq(ioctl(heap, VPRIME_HEAP_IOCTL_MIGRATE, &args), -1);
	igt_assert_eq(errno, EBADF);
	close(not_dmabuf);
	close(fd);
}

static void test_migrate_busy_mmap(void)
{
	uint64_t id;
	int fd = vprime_heap_alloc_id(heap, SZ_64K, VPRIME_HEAP_PLACEMENT_SYSTEM, &id);
	uint32_t *ptr = vprime_dmabuf_mmap(fd, SZ_64K, PROT_READ | PROT_WRITE, 0);

	/* Pages are mapped on first touch: an untouched mapping can move. */
	igt_assert_eq(__vprime_heap_migrate(heap, fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
	igt_assert(vprime_core_buffer_has(id, "placement=local"));

	/* A touched page pins the placement while it is mapped. */
	ptr[SZ_16K / 4] = 0xc0ffee;
	igt_assert_eq(__vprime_heap_migrate(heap, fd, VPRIME_HEAP_PLACEMENT_SYSTEM), -EBUSY);
	igt_assert(vprime_core_buffer_has(id, "placement=local"));
	munmap(ptr, SZ_64K);
	igt_assert_eq(__vprime_heap_migrate(heap, fd, VPRIME_HEAP_PLACEMENT_SYSTEM), 0);

	/* The write went to the pages that moved; a new mapping sees it. */
	ptr = vprime_dmabuf_mmap(fd, SZ_64K, PROT_READ, 0);
	igt_assert_eq_u32(ptr[SZ_16K / 4], 0xc0ffee);
	igt_assert_eq_u32(ptr[0], 0);
	munmap(ptr, SZ_64K);
	close(fd);
}

static void test_migrate_busy_static(void)
{
	uint64_t id;
	int fd = vprime_heap_alloc_id(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM, &id);
	uint32_t h = vprime_import_attach(tst, fd, VPRIME_TEST_IMPORTER_WIDE,
				   VPRIME_TEST_IMPORT_STATIC);

	igt_assert_eq(__vprime_heap_migrate(heap, fd, VPRIME_HEAP_PLACEMENT_LOCAL), -EBUSY);
	igt_assert(vprime_core_buffer_has(id, "placement=system"));
	vprime_import_detach(tst, h);
	igt_assert_eq(__vprime_heap_migrate(heap, fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
	close(fd);
}

static void test_migrate_waits_fences(void)
{
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t h = vprime_test_fence_attach(tst, fd, false);
	int sf = vprime_dmabuf_export_sync_file(fd, DMA_BUF_SYNC_WRITE);

	igt_fork(child, 1) {
		/* The test file (and its fence handles) is shared by fork. */
		usleep(200 * 1000);
		igt_assert_eq(__vprime_test_fence_signal(tst, h, 0), 0);
	}
	igt_assert_eq(__vprime_heap_migrate(heap, fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
	/* The migration returned only once the read fence had signalled. */
	igt_assert_eq(sync_fence_status(sf), 1);
	igt_waitchildren();
	close(sf);
	close(fd);
}

static void test_migrate_dynamic_importer(void)
{
	const size_t size = 8 * SZ_4K;
	uint64_t id;
	int fd = vprime_heap_alloc_id(heap, size, VPRIME_HEAP_PLACEMENT_SYSTEM, &id);
	uint32_t h = vprime_import_attach(tst, fd, VPRIME_TEST_IMPORTER_WIDE, 0);
	struct vprime_test_import st;
	int ret;

	vprime_dmabuf_fill(fd, size, 5);
	/* Attached and mapped once, then idle: the importer is notified. */
	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, h, 0, NULL), 0);
	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_UNMAP, h, 0, NULL),
		      0);
	igt_assert_eq(__vprime_heap_migrate(heap, fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
	st = vprime_import_query(tst, h);
	igt_assert_eq_u32(st.invalidations, 1);
	igt_assert(vprime_core_buffer_has(id, "placement=local"));
	vprime_dmabuf_check(fd, size, 5);

	/* Lazy re-map after the move. */
	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, h, 0, &st), 0);
	igt_assert(st.status & VPRIME_TEST_IMPORT_MAPPED);

	/*
	 * While mapped: without CONFIG_DMABUF_MOVE_NOTIFY the framework pinned
	 * the buffer and the move is refused; with it, the importer's mapping
	 * is invalidated and the move goes ahead.
	 */
	ret = __vprime_heap_migrate(heap, fd, VPRIME_HEAP_PLACEMENT_SYSTEM);
	st = vprime_import_query(tst, h);
	if (ret == -EBUSY) {
		igt_info("mapped dynamic importer pins (MOVE_NOTIFY off)\n");
		igt_assert(st.status & VPRIME_TEST_IMPORT_MAPPED);
		igt_assert_eq_u32(st.invalidations, 1);
		igt_assert(vprime_core_buffer_has(id, "placement=local"));
	} else {
		igt_assert_eq(ret, 0);
		igt_assert(!(st.status & VPRIME_TEST_IMPORT_MAPPED));
		igt_assert_eq_u32(st.invalidations, 2);
		igt_assert(vprime_core_buffer_has(id, "placement=system"));
	}
	vprime_dmabuf_check(fd, size, 5);
	vprime_import_detach(tst, h);
	close(fd);
}

static void test_migrate_narrow_importer(void)
{
	const size_t size = 4 * SZ_4K;
	uint64_t id;
	int fd = vprime_heap_alloc_id(heap, size, VPRIME_HEAP_PLACEMENT_LOCAL, &id);
	uint32_t h;

	vprime_dmabuf_fill(fd, size, 9);
	/* The 32-bit device can't reach the local pool: attach moves it. */
	h = vprime_import_attach(tst, fd, VPRIME_TEST_IMPORTER_NARROW, 0);
	igt_assert(vprime_core_buffer_has(id, "placement=system"));
	igt_assert(vprime_core_buffer_has(id, "vprime-test-importer.1:dynamic"));
	vprime_dmabuf_check(fd, size, 9);
	/* ... and a move that would strand it is refused. */
	igt_assert_eq(__vprime_heap_migrate(heap, fd, VPRIME_HEAP_PLACEMENT_LOCAL), -EBUSY);
	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, h, 0, NULL), 0);
	vprime_import_detach(tst, h);
	igt_assert_eq(__vprime_heap_migrate(heap, fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
	close(fd);
}

static void test_attach_narrow_pinned(void)
{
	uint64_t id, attachments = vprime_core_stat("attachments");
	int fd = vprime_heap_alloc_id(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_LOCAL, &id);
	uint32_t pin, h;

	/* A static importer pins the buffer in the local pool. */
	pin = vprime_import_attach(tst, fd, VPRIME_TEST_IMPORTER_WIDE,
			    VPRIME_TEST_IMPORT_STATIC);
	igt_assert_eq(__vprime_import_attach(tst, fd, VPRIME_TEST_IMPORTER_NARROW, 0, &h),
		      -EBUSY);
	igt_assert(vprime_core_buffer_has(id, "placement=local"));
	igt_assert_eq_u64(vprime_core_stat("attachments"), attachments + 1);
	vprime_import_detach(tst, pin);
	h = vprime_import_attach(tst, fd, VPRIME_TEST_IMPORTER_NARROW, 0);
	igt_assert(vprime_core_buffer_has(id, "placement=system"));
	vprime_import_detach(tst, h);
	close(fd);
}

static void check_value(int fd, size_t size, uint32_t value)
{
	uint32_t *ptr = vprime_dmabuf_mmap(fd, size, PROT_READ, 0);
	size_t i;

	igt_assert_eq(vprime_dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	for (i = 0; i < size / 4; i++)
		igt_assert_f(ptr[i] == value, "word %zu: %#x != %#x\n", i,
			     ptr[i], value);
	igt_assert_eq(vprime_dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
	munmap(ptr, size);
}

static void test_migrate_gpu_importer(void)
{
	const size_t size = 16 * SZ_4K;
	uint64_t id, inflight = 1, maps, remaps, now;
	uint32_t handle;
	int gpu, fd, ret, tries;

	gpu = __vprime_open_driver(VPRIME_GPU_DRIVER, 0, false);
	igt_require_f(gpu >= 0, "no vprime_gpu device\n");

	fd = vprime_heap_alloc_id(heap, size, VPRIME_HEAP_PLACEMENT_SYSTEM, &id);
	vprime_dmabuf_fill(fd, size, 0x600d);
	ret = drmPrimeFDToHandle(gpu, fd, &handle);
	igt_require_f(ret == 0, "the GPU can't import dma-bufs: %s\n",
		      strerror(errno));

	/* The GPU is a live dynamic importer of the heap buffer. */
	igt_assert(vprime_core_buffer_has(id, "attachments=1 "));
	igt_assert(vprime_core_buffer_has(id, ":dynamic"));
	igt_assert_eq(vprime_debugfs_read_key(gpu, "queue", "import_maps",
					      &maps), 0);
	igt_assert_eq(vprime_debugfs_read_key(gpu, "queue", "remaps",
					      &remaps), 0);

	/* Before the GPU maps it: a move the GPU has no mapping for. */
	igt_assert_eq(__vprime_heap_migrate(heap, fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
	igt_assert(vprime_core_buffer_has(id, "placement=local"));
	vprime_dmabuf_check(fd, size, 0x600d);

	/* The GPU's first job maps it (no remap) and writes the new pages. */
	vprime_gpu_fill(gpu, handle, size, 0x11111111);
	vprime_gpu_bo_wait(gpu, handle);
	check_value(fd, size, 0x11111111);
	igt_assert_eq(vprime_debugfs_read_key(gpu, "queue", "import_maps",
					      &now), 0);
	igt_assert_eq_u64(now, maps + 1);
	igt_assert_eq(vprime_debugfs_read_key(gpu, "queue", "remaps", &now), 0);
	igt_assert_eq_u64(now, remaps);

	/*
	 * After the GPU used it: once the GPU's jobs retired nothing pins
	 * the buffer (an idle GPU gives its mapping up where the framework
	 * pins mapped buffers); it moves again, move_notify invalidates the
	 * GPU's mapping and the GPU's next job reaches the new pages.
	 */
	for (tries = 0; tries < 500; tries++) {
		igt_assert_eq(vprime_debugfs_read_key(gpu, "queue", "jobs_inflight",
						      &inflight), 0);
		if (!inflight)
			break;
		usleep(10 * 1000);
	}
	igt_assert_eq_u64(inflight, 0);
	igt_assert(vprime_core_buffer_has(id, "vmaps=0 "));
	igt_assert_eq(__vprime_heap_migrate(heap, fd, VPRIME_HEAP_PLACEMENT_SYSTEM), 0);
	igt_assert(vprime_core_buffer_has(id, "placement=system"));
	vprime_gpu_fill(gpu, handle, size, 0x22222222);
	vprime_gpu_bo_wait(gpu, handle);
	check_value(fd, size, 0x22222222);
	/* the move notified the GPU: its next job mapped the buffer again */
	igt_assert_eq(vprime_debugfs_read_key(gpu, "queue", "remaps", &now), 0);
	igt_assert_eq_u64(now, remaps + 1);

	gem_close(gpu, handle);
	close(fd);
	close(gpu);
}

static bool ok_or_busy(int ret)
{
	return ret == 0 || ret == -EBUSY;
}

static void test_stress_concurrent(void)
{
	const size_t size = 16 * SZ_4K;
	int fd = vprime_heap_alloc(heap, size, VPRIME_HEAP_PLACEMENT_SYSTEM);

	vprime_dmabuf_fill(fd, size, 0x5eed);

	/* A mover: back and forth, refused while someone holds it. */
	igt_fork(child, 1) {
		uint32_t p = VPRIME_HEAP_PLACEMENT_LOCAL;

		igt_until_timeout(3) {
			int ret = __vprime_heap_migrate(heap, fd, p);

			igt_assert_f(ok_or_busy(ret), "migrate: %d\n", ret);
			p ^= 1;
		}
	}
	/* Importers: dynamic and static, wide and narrow. */
	igt_fork(child, 2) {
		igt_until_timeout(3) {
			uint32_t flags = child ? VPRIME_TEST_IMPORT_STATIC : 0;
			uint32_t importer = rand() & 1;
			uint32_t h;
			int ret;

			ret = __vprime_import_attach(tst, fd, importer, flags, &h);
			igt_assert_f(ok_or_busy(ret), "attach: %d\n", ret);
			if (ret)
				continue;
			ret = __vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, h,
					  rand() % 3, NULL);
			igt_assert_eq(ret, 0);
			if (rand() & 1)
				igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_UNMAP,
							  h, 0, NULL), 0);
			vprime_import_detach(tst, h);
		}
	}
	/* Fences and CPU access. */
	igt_fork(child, 1) {
		igt_until_timeout(3) {
			uint32_t h = vprime_test_fence_attach(tst, fd, rand() & 1);

			vprime_poll_events(fd, POLLIN | POLLOUT);
			vprime_test_fence_signal(tst, h, 0);
			vprime_poll_wait_ready(fd, POLLIN | POLLOUT);
			igt_assert_eq(vprime_dmabuf_sync(fd, DMA_BUF_SYNC_START |
						 DMA_BUF_SYNC_READ), 0);
			igt_assert_eq(vprime_dmabuf_sync(fd, DMA_BUF_SYNC_END |
						 DMA_BUF_SYNC_READ), 0);
		}
	}
	igt_waitchildren();

	vprime_dmabuf_check(fd, size, 0x5eed);
	close(fd);
}

igt_main
{
	igt_fixture {
		vprime_core_fixture_open(&heap, &tst, &counters_base);
	}

	igt_describe("MIGRATE moves the data both ways.");
	igt_subtest("migrate-basic")
		test_migrate_basic();

	igt_describe("MIGRATE validates its arguments.");
	igt_subtest("migrate-bad-args")
		test_migrate_bad_args();

	igt_describe("A buffer with pages mapped to userspace doesn't move; an "
		     "untouched mapping does, and faults in the moved pages.");
	igt_subtest("migrate-busy-mmap")
		test_migrate_busy_mmap();

	igt_describe("A buffer pinned by a static importer doesn't move.");
	igt_subtest("migrate-busy-static-importer")
		test_migrate_busy_static();

	igt_describe("MIGRATE waits for the buffer's fences.");
	igt_subtest("migrate-waits-fences")
		test_migrate_waits_fences();

	igt_describe("A live dynamic importer is notified and re-maps.");
	igt_subtest("migrate-dynamic-importer")
		test_migrate_dynamic_importer();

	igt_describe("A 32-bit importer moves the buffer out of the local "
		     "pool and keeps it out.");
	igt_subtest("migrate-narrow-importer")
		test_migrate_narrow_importer();

	igt_describe("A 32-bit importer can't attach to a pinned local "
		     "buffer.");
	igt_subtest("attach-narrow-pinned")
		test_attach_narrow_pinned();

	igt_describe("Migration with the vprime GPU as a live dynamic "
		     "importer.");
	igt_subtest("migrate-gpu-importer")
		test_migrate_gpu_importer();

	igt_describe("Concurrent migrations, imports, fences and CPU access.");
	igt_subtest("stress-concurrent")
		test_stress_concurrent();

	igt_describe("The core's counters are back at this binary's start after its migrations, GPU import and stress.");
	igt_subtest("counters-idle")
		vprime_core_counters_assert_idle(&counters_base);

	igt_fixture
		vprime_core_fixture_close(heap, tst);
}
