// SPDX-License-Identifier: MIT
/*
 * vprime_fault_inject - the core's debugfs fault injection: each knob
 * (fail_next_attach, fail_next_map, fail_next_begin_cpu_access,
 * force_migrate, fence_delay_ms) fails or defers exactly one operation,
 * with its errno, and the next operation works.
 */

/**
 * TEST: vprime fault inject
 * Category: Software building block
 * Description: The vprime_core debugfs fault knobs reach the importer,
 *              the CPU-access and the fence paths; the next op works.
 * Feature: vprime core
 *
 * SUBTEST: fault-attach
 * Description: fail_next_attach fails one attach with -EBUSY and counts it in
 *              failed_ops; the next attach works.
 *
 * SUBTEST: fault-map
 * Description: fail_next_map fails one map with -ENOMEM and leaves the
 *              buffer unpinned; the next map works.
 *
 * SUBTEST: fault-map-static-attach
 * Description: fail_next_map fails a static attach (mapped at attach)
 *              with -ENOMEM, leaving nothing attached; the next works.
 *
 * SUBTEST: fault-begin-cpu-access
 * Description: fail_next_begin_cpu_access fails one SYNC start with
 *              -EINTR; the next succeeds.
 *
 * SUBTEST: fault-force-migrate
 * Description: force_migrate moves a buffer by id both ways, keeping its
 *              data; refused (-EBUSY) while a static importer pins it and
 *              -ENOENT for an unknown id.
 *
 * SUBTEST: fault-fence-delay
 * Description: fence_delay_ms defers a fence's signal and its error without
 *              losing them; an out-of-range delay is -EINVAL.
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

IGT_TEST_DESCRIPTION("vprime_fault_inject: vprime_core's debugfs fault "
		     "injection knobs.");

/* /dev/vprime_heap; /dev/vprime_test (fences, importer devices) */
static int heap = -1, tst = -1;
static struct vprime_core_counters counters_base;

static void test_fault_attach(void)
{
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint64_t failed = vprime_core_stat("failed_ops");
	uint32_t h;

	vprime_core_debugfs_write("fail_next_attach", "1");
	igt_assert_eq(__vprime_import_attach(tst, fd, VPRIME_TEST_IMPORTER_WIDE, 0, &h),
		      -EBUSY);
	igt_assert_eq_u64(vprime_core_stat("failed_ops"), failed + 1);
	h = vprime_import_attach(tst, fd, VPRIME_TEST_IMPORTER_WIDE, 0);
	vprime_import_detach(tst, h);
	close(fd);
}

static void test_fault_map(void)
{
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t h = vprime_import_attach(tst, fd, VPRIME_TEST_IMPORTER_WIDE, 0);
	struct vprime_test_import st;

	vprime_core_debugfs_write("fail_next_map", "1");
	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, h, 0, &st),
		      -ENOMEM);
	st = vprime_import_query(tst, h);
	igt_assert(!(st.status & VPRIME_TEST_IMPORT_MAPPED));
	/* The framework unpinned after the failed map. */
	igt_assert_eq(__vprime_heap_migrate(heap, fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, h, 0, &st), 0);
	igt_assert(st.status & VPRIME_TEST_IMPORT_MAPPED);
	vprime_import_detach(tst, h);
	close(fd);
}

static void test_fault_map_static(void)
{
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint64_t attachments = vprime_core_stat("attachments");
	uint32_t h;

	/* The framework maps static importers of dynamic exporters at attach. */
	vprime_core_debugfs_write("fail_next_map", "1");
	igt_assert_eq(__vprime_import_attach(tst, fd, VPRIME_TEST_IMPORTER_WIDE,
				      VPRIME_TEST_IMPORT_STATIC, &h), -ENOMEM);
	igt_assert_eq_u64(vprime_core_stat("attachments"), attachments);
	h = vprime_import_attach(tst, fd, VPRIME_TEST_IMPORTER_WIDE,
			  VPRIME_TEST_IMPORT_STATIC);
	vprime_import_detach(tst, h);
	close(fd);
}

static void test_fault_begin_cpu_access(void)
{
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);

	vprime_core_debugfs_write("fail_next_begin_cpu_access", "1");
	/* Raw ioctl: no EINTR restart. */
	igt_assert_eq(vprime_dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ),
		      -EINTR);
	igt_assert_eq(vprime_dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	igt_assert_eq(vprime_dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
	close(fd);
}

static void test_fault_force_migrate(void)
{
	const size_t size = 4 * SZ_4K;
	char cmd[64];
	uint64_t id;
	int fd = vprime_heap_alloc_id(heap, size, VPRIME_HEAP_PLACEMENT_SYSTEM, &id);

	vprime_dmabuf_fill(fd, size, 77);
	snprintf(cmd, sizeof(cmd), "%llu", (unsigned long long)id);
	vprime_core_debugfs_write("force_migrate", cmd);
	igt_assert(vprime_core_buffer_has(id, "placement=local"));
	vprime_dmabuf_check(fd, size, 77);
	snprintf(cmd, sizeof(cmd), "%llu 0", (unsigned long long)id);
	vprime_core_debugfs_write("force_migrate", cmd);
	igt_assert(vprime_core_buffer_has(id, "placement=system"));
	vprime_dmabuf_check(fd, size, 77);

	/* A static importer pins it: the forced move is refused. */
	{
		uint32_t h = vprime_import_attach(tst, fd, VPRIME_TEST_IMPORTER_WIDE,
					   VPRIME_TEST_IMPORT_STATIC);

		snprintf(cmd, sizeof(cmd), "%llu 1", (unsigned long long)id);
		igt_assert_eq(__vprime_core_debugfs_write("force_migrate", cmd),
			      -EBUSY);
		vprime_import_detach(tst, h);
	}
	igt_assert_eq(__vprime_core_debugfs_write("force_migrate", "999999999"),
		      -ENOENT);
	close(fd);
}

static void test_fault_fence_delay(void)
{
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t h;
	int sf;

	igt_assert_eq(__vprime_core_debugfs_write("fence_delay_ms", "100000"),
		      -EINVAL);
	vprime_core_debugfs_write("fence_delay_ms", "200");
	h = vprime_test_fence_attach(tst, fd, true);
	sf = vprime_dmabuf_export_sync_file(fd, DMA_BUF_SYNC_READ);
	vprime_test_fence_signal(tst, h, EIO);
	/* Deferred, not lost: the signal and its error arrive. */
	igt_assert_eq(sync_fence_wait(sf, -1), 0);
	igt_assert_eq(sync_fence_status(sf), -EIO);
	vprime_poll_wait_ready(fd, POLLIN | POLLOUT);
	vprime_core_debugfs_write("fence_delay_ms", "0");
	close(sf);
	close(fd);
}

igt_main
{
	igt_fixture {
		vprime_core_fixture_open(&heap, &tst, &counters_base);
		vprime_core_reset_faults(0);
		igt_install_exit_handler(vprime_core_reset_faults);
	}

	igt_describe("fail_next_attach fails one attach with -EBUSY.");
	igt_subtest("fault-attach")
		test_fault_attach();

	igt_describe("fail_next_map fails one map with -ENOMEM.");
	igt_subtest("fault-map")
		test_fault_map();

	igt_describe("fail_next_map fails a static attach with -ENOMEM.");
	igt_subtest("fault-map-static-attach")
		test_fault_map_static();

	igt_describe("fail_next_begin_cpu_access fails one SYNC start with "
		     "-EINTR.");
	igt_subtest("fault-begin-cpu-access")
		test_fault_begin_cpu_access();

	igt_describe("force_migrate moves a buffer by id, keeping its data.");
	igt_subtest("fault-force-migrate")
		test_fault_force_migrate();

	igt_describe("fence_delay_ms defers signals without losing them.");
	igt_subtest("fault-fence-delay")
		test_fault_fence_delay();

	igt_describe("The core's counters are back at this binary's start after its injected failures and delays.");
	igt_subtest("counters-idle")
		vprime_core_counters_assert_idle(&counters_base);

	igt_fixture
		vprime_core_fixture_close(heap, tst);
}
