// SPDX-License-Identifier: MIT
/*
 * vprime_importer - the core's importer side, through the test module's
 * importer devices (64-bit, 32-bit and half-page segments): dynamic and
 * static attachments, mappings in each direction, device reads through
 * the mapping's DMA addresses, and the segment-size refusal.
 */

/**
 * TEST: vprime importer
 * Category: Software building block
 * Description: vprime_core dma-bufs attached, mapped and read by the test
 *              module's importer devices.
 * Feature: vprime core
 *
 * SUBTEST: import-dynamic
 * Description: A dynamic importer attaches unpinned, maps each direction,
 *              and detaches with a live mapping; nothing stays attached.
 *
 * SUBTEST: import-static
 * Description: A static importer is pinned by the framework from attach
 *              on, maps each direction, and detaching unpins it.
 *
 * SUBTEST: import-device-read
 * Description: The importer device reads a buffer through its mapping's DMA
 *              addresses (segments of 64 KiB and unlimited, the narrow
 *              importer through bounce buffers where a page is above 4 GiB)
 *              and sees what the CPU wrote, again after the CPU rewrote it.
 *
 * SUBTEST: import-device-read-invalid
 * Description: IMPORT_READ rejects unknown flags, empty, oversized and
 *              out-of-range reads, unknown handles, unmapped imports, a
 *              device-write-only mapping and a bad user pointer.
 *
 * SUBTEST: attach-small-segments
 * Description: An importer whose DMA segments are shorter than a page is
 *              refused (-EINVAL) in both placements, dynamic or static.
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

IGT_TEST_DESCRIPTION("vprime_importer: vprime_core dma-bufs attached, mapped "
		     "and read by the test module's importer devices.");

/* /dev/vprime_heap; /dev/vprime_test (fences, importer devices) */
static int heap = -1, tst = -1;
static struct vprime_core_counters counters_base;

static void test_import(bool dynamic)
{
	const size_t size = 4 * SZ_4K;
	uint64_t id, attachments = vprime_core_stat("attachments");
	int fd = vprime_heap_alloc_id(heap, size, VPRIME_HEAP_PLACEMENT_LOCAL, &id);
	uint32_t flags = dynamic ? 0 : VPRIME_TEST_IMPORT_STATIC;
	struct vprime_test_import st;
	uint32_t h, dir;

	h = vprime_import_attach(tst, fd, VPRIME_TEST_IMPORTER_WIDE, flags);
	igt_assert_eq_u64(vprime_core_stat("attachments"), attachments + 1);
	igt_assert(vprime_core_buffer_has(id, dynamic ? "vprime-test-importer.0:dynamic" :
			      "vprime-test-importer.0:static"));
	st = vprime_import_query(tst, h);
	igt_assert_eq_u32(st.status & VPRIME_TEST_IMPORT_DYNAMIC,
			  dynamic ? VPRIME_TEST_IMPORT_DYNAMIC : 0);
	/* A static importer is pinned by the framework from attach on. */
	igt_assert(vprime_core_buffer_has(id, dynamic ? "pins=0 " : "pins=1 "));

	for (dir = 0; dir <= VPRIME_TEST_IMPORT_DIR_FROM_DEVICE; dir++) {
		igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, h, dir,
					  &st), 0);
		igt_assert(st.status & VPRIME_TEST_IMPORT_MAPPED);
		igt_assert(vprime_core_stat("mappings") >= 1);
		igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_UNMAP, h, 0,
					  &st), 0);
		igt_assert(!(st.status & VPRIME_TEST_IMPORT_MAPPED));
	}
	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, h, 3, NULL),
		      -EINVAL);
	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, h + 100, 0,
				  NULL), -ENOENT);

	/* Detach with a live mapping cleans up too. */
	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, h, 0, NULL), 0);
	vprime_import_detach(tst, h);
	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_QUERY, h, 0, NULL),
		      -ENOENT);
	igt_assert_eq_u64(vprime_core_stat("attachments"), attachments);
	igt_assert(vprime_core_buffer_has(id, "pins=0 "));
	igt_assert(vprime_core_buffer_has(id, "attachments=0"));
	close(fd);
}

static int __import_read(uint32_t handle, uint64_t offset, uint64_t size,
			 void *data)
{
	struct vprime_test_import_read args = {
		.handle = handle,
		.offset = offset,
		.size = size,
		.data = to_user_pointer(data),
	};

	if (ioctl(tst, VPRIME_TEST_IOCTL_IMPORT_READ, &args))
		return -errno;
	return 0;
}

/* The device sees word i of [@offset, @offset + @size) as @seed + i. */
static void device_check(uint32_t h, uint64_t offset, uint64_t size,
			 uint32_t seed)
{
	uint32_t *buf = malloc(VPRIME_TEST_IMPORT_READ_MAX);
	uint64_t i, n;

	igt_assert(buf);
	for (; size; offset += n, size -= n) {
		n = size < VPRIME_TEST_IMPORT_READ_MAX ?
			size : VPRIME_TEST_IMPORT_READ_MAX;
		igt_assert_eq(__import_read(h, offset, n, buf), 0);
		for (i = 0; i < n / 4; i++)
			igt_assert_f(buf[i] == (uint32_t)(seed + offset / 4 + i),
				     "device word %" PRIu64 ": %#x != %#x\n",
				     offset / 4 + i, buf[i],
				     (uint32_t)(seed + offset / 4 + i));
	}
	free(buf);
}

/*
 * 3 MiB + 84 KiB: backing chunks of 1 MiB, 64 KiB and single pages, so the
 * mappings have segments of every length and boundaries between them.
 */
#define DEVICE_READ_SIZE (3 * SZ_1M + 21 * SZ_4K)

static void test_import_device_read(void)
{
	static const struct {
		uint32_t placement, importer;
	} cases[] = {
		{ VPRIME_HEAP_PLACEMENT_SYSTEM, VPRIME_TEST_IMPORTER_WIDE },
		{ VPRIME_HEAP_PLACEMENT_SYSTEM, VPRIME_TEST_IMPORTER_NARROW },
		{ VPRIME_HEAP_PLACEMENT_LOCAL, VPRIME_TEST_IMPORTER_WIDE },
	};
	const uint64_t size = DEVICE_READ_SIZE;
	unsigned int c;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		int fd = vprime_heap_alloc(heap, size, cases[c].placement);
		uint32_t h, dir, seed = 0x1000 * (c + 1);
		uint8_t part[SZ_64K + 12];
		uint64_t off, i;

		igt_debug("placement %u importer %u\n", cases[c].placement,
			  cases[c].importer);
		vprime_dmabuf_fill(fd, size, seed);
		h = vprime_import_attach(tst, fd, cases[c].importer, 0);
		for (dir = VPRIME_TEST_IMPORT_DIR_BIDIRECTIONAL;
		     dir <= VPRIME_TEST_IMPORT_DIR_TO_DEVICE; dir++) {
			igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_MAP,
						  h, dir, NULL), 0);
			device_check(h, 0, size, seed);
			igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_UNMAP,
						  h, 0, NULL), 0);
		}

		/* unaligned, across the 1 MiB and 64 KiB chunk boundaries */
		igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, h,
					  VPRIME_TEST_IMPORT_DIR_TO_DEVICE,
					  NULL), 0);
		for (off = SZ_1M - 6; off < size; off += 2 * SZ_1M - SZ_64K) {
			uint64_t n = off + sizeof(part) <= size ?
				sizeof(part) : size - off;

			igt_assert_eq(__import_read(h, off, n, part), 0);
			for (i = 0; i < n; i++) {
				uint64_t b = off + i;
				uint32_t w = seed + b / 4;

				igt_assert_eq(part[i],
					      (uint8_t)(w >> (8 * (b % 4))));
			}
		}

		/* the CPU rewrites it while mapped: END syncs the mapping */
		vprime_dmabuf_fill(fd, size, ~seed);
		device_check(h, 0, size, ~seed);
		vprime_import_detach(tst, h);
		close(fd);
	}
}

static void test_import_device_read_invalid(void)
{
	const uint64_t max = VPRIME_TEST_IMPORT_READ_MAX;
	int fd = vprime_heap_alloc(heap, 2 * SZ_1M, VPRIME_HEAP_PLACEMENT_SYSTEM);
	struct vprime_test_import_read args = { 0 };
	uint32_t h = vprime_import_attach(tst, fd, VPRIME_TEST_IMPORTER_WIDE, 0);
	char *buf = malloc(max + SZ_4K);

	igt_assert(buf);
	/* not mapped */
	igt_assert_eq(__import_read(h, 0, SZ_4K, buf), -ENODATA);
	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, h,
				  VPRIME_TEST_IMPORT_DIR_FROM_DEVICE, NULL), 0);
	igt_assert_eq(__import_read(h, 0, SZ_4K, buf), -EINVAL);
	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, h,
				  VPRIME_TEST_IMPORT_DIR_TO_DEVICE, NULL), 0);
	igt_assert_eq(__import_read(h, 0, SZ_4K, buf), 0);

	igt_assert_eq(__import_read(h, 0, 0, buf), -EINVAL);
	igt_assert_eq(__import_read(h, 0, max + 1, buf), -EINVAL);
	igt_assert_eq(__import_read(h, 2 * SZ_1M - 4, 8, buf), -EINVAL);
	igt_assert_eq(__import_read(h, 2 * SZ_1M + 1, 1, buf), -EINVAL);
	igt_assert_eq(__import_read(h, UINT64_MAX - 2, 4, buf), -EINVAL);
	igt_assert_eq(__import_read(h + 100, 0, 4, buf), -ENOENT);
	igt_assert_eq(__import_read(h, 0, SZ_4K, (void *)8), -EFAULT);
	igt_assert_eq(__import_read(h, 2 * SZ_1M - 4, 4, buf), 0);

	args.handle = h;
	args.size = 4;
	args.data = to_user_pointer(buf);
	args.flags = 1;
	igt_assert_eq(ioctl(tst, VPRIME_TEST_IOCTL_IMPORT_READ, &args), -1);
	igt_assert_eq(errno, EINVAL);
	args.flags = 1u << 31;
	igt_assert_eq(ioctl(tst, VPRIME_TEST_IOCTL_IMPORT_READ, &args), -1);
	igt_assert_eq(errno, EINVAL);

	vprime_import_detach(tst, h);
	igt_assert_eq(__import_read(h, 0, 4, buf), -ENOENT);
	free(buf);
	close(fd);
}

/*
 * A device whose DMA segments are shorter than a page can't be served by
 * either placement: attach fails with -EINVAL, dynamic or static, in both
 * placements, and nothing is left attached.
 */
static void test_attach_small_segments(void)
{
	uint64_t attachments = vprime_core_stat("attachments");
	uint32_t p, h;

	for (p = 0; p <= VPRIME_HEAP_PLACEMENT_LOCAL; p++) {
		int fd = vprime_heap_alloc(heap, SZ_4K, p);

		igt_assert_eq(__vprime_import_attach(tst, fd, VPRIME_TEST_IMPORTER_SMALL_SEG,
					      0, &h), -EINVAL);
		igt_assert_eq(__vprime_import_attach(tst, fd, VPRIME_TEST_IMPORTER_SMALL_SEG,
					      VPRIME_TEST_IMPORT_STATIC, &h),
			      -EINVAL);
		igt_assert_eq_u64(vprime_core_stat("attachments"), attachments);
		/* the others still attach */
		h = vprime_import_attach(tst, fd, VPRIME_TEST_IMPORTER_WIDE, 0);
		vprime_import_detach(tst, h);
		close(fd);
	}
}

igt_main
{
	igt_fixture {
		vprime_core_fixture_open(&heap, &tst, &counters_base);
	}

	igt_describe("A dynamic importer attaches, maps each direction and "
		     "detaches.");
	igt_subtest("import-dynamic")
		test_import(true);

	igt_describe("A static importer is pinned and mapped by the "
		     "framework.");
	igt_subtest("import-static")
		test_import(false);

	igt_describe("The importer device reads a buffer through its "
		     "mapping's DMA addresses and sees what the CPU wrote.");
	igt_subtest("import-device-read")
		test_import_device_read();

	igt_describe("IMPORT_READ rejects bad flags, sizes, ranges, handles, "
		     "mappings and pointers.");
	igt_subtest("import-device-read-invalid")
		test_import_device_read_invalid();

	igt_describe("An importer with DMA segments under a page can't attach.");
	igt_subtest("attach-small-segments")
		test_attach_small_segments();

	igt_describe("The core's counters are back at this binary's start after its attachments, mappings and device reads.");
	igt_subtest("counters-idle")
		vprime_core_counters_assert_idle(&counters_base);

	igt_fixture
		vprime_core_fixture_close(heap, tst);
}
