// SPDX-License-Identifier: MIT
/*
 * vprime_heap - the allocator device /dev/vprime_heap: ALLOC in both
 * placements, its argument checks, the accounting in the core's debugfs,
 * the exporter's module reference and a leak check over every object
 * kind the core tracks.
 */

/**
 * TEST: vprime heap
 * Category: Software building block
 * Description: The /dev/vprime_heap allocator of vprime_core: buffer
 *              creation, its argument checks and its accounting.
 * Feature: vprime core
 *
 * SUBTEST: basic-alloc
 * Description: ALLOC in both placements returns a zeroed dma-buf fd of the
 *              size asked, accounted in debugfs (buffers, bytes, mmaps) and
 *              gone after close.
 *
 * SUBTEST: debugfs-config
 * Description: debugfs config shows the module parameters in effect.
 *
 * SUBTEST: alloc-fd-flags
 * Description: fd_flags select O_CLOEXEC and the access mode.
 *
 * SUBTEST: alloc-zero-size
 * Description: A zero size is -EINVAL and leaks nothing.
 *
 * SUBTEST: alloc-unaligned-size
 * Description: A size that is not a page multiple is -EINVAL and leaks
 *              nothing.
 *
 * SUBTEST: alloc-overflow-size
 * Description: A page-aligned size near 2^64 is -EINVAL and leaks
 *              nothing.
 *
 * SUBTEST: alloc-over-max
 * Description: A size above max_alloc_mb is -EINVAL and leaks nothing.
 *
 * SUBTEST: alloc-placement-full
 * Description: Exceeding the local pool's cap is -ENOMEM and leaks
 *              nothing; the space is back once the buffers are gone.
 *
 * SUBTEST: alloc-bad-placement
 * Description: An unknown placement is -EINVAL and leaks nothing.
 *
 * SUBTEST: alloc-bad-flags
 * Description: Unknown flags are -EINVAL and leak nothing.
 *
 * SUBTEST: alloc-bad-fd-flags
 * Description: fd_flags other than O_CLOEXEC and an access mode are
 *              -EINVAL and leak nothing.
 *
 * SUBTEST: alloc-nonzero-reserved
 * Description: A non-zero reserved field is -EINVAL and leaks nothing.
 *
 * SUBTEST: alloc-bad-pointer
 * Description: A bad argument pointer is -EFAULT and leaks nothing.
 *
 * SUBTEST: module-refcount
 * Description: A live dma-buf holds a reference on vprime_core, dropped by
 *              its last close.
 *
 * SUBTEST: leak-check
 * Description: After a workload touching every object kind (buffers in both
 *              placements, a name, mmap, fences, sync_files, dynamic and
 *              static imports, a failed map), the counters are back at the
 *              binary's start and nothing holds an attachment, mapping or
 *              deferred fence.
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

IGT_TEST_DESCRIPTION("vprime_heap: the /dev/vprime_heap allocator, its "
		     "argument checks and the core's accounting.");

/* /dev/vprime_heap; /dev/vprime_test (fences, importer devices) */
static int heap = -1, tst = -1;
static struct vprime_core_counters counters_base;

/* An ALLOC that must fail with @err and leave no buffer behind. */
static void alloc_fails(struct vprime_heap_alloc *args, int err)
{
	uint64_t live = vprime_core_stat("live_buffers");

	igt_assert_eq(__vprime_heap_alloc(heap, args), err);
	igt_assert_eq_u64(vprime_core_stat("live_buffers"), live);
}

static void test_basic_alloc(void)
{
	static const uint64_t sizes[] = { SZ_4K, 3 * SZ_4K, SZ_1M };
	uint32_t p;
	size_t i;

	for (p = 0; p <= VPRIME_HEAP_PLACEMENT_LOCAL; p++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			uint64_t id, before = vprime_core_stat(p ? "bytes_local" :
							"bytes_system");
			int fd = vprime_heap_alloc_id(heap, sizes[i], p, &id);
			char field[48];
			uint8_t *ptr;
			size_t j;

			igt_assert_eq_u64(prime_get_size(fd), sizes[i]);
			igt_assert(vprime_core_buffer_has(id, p ? "placement=local" :
					      "placement=system"));
			snprintf(field, sizeof(field), "size=%" PRIu64 " ",
				 sizes[i]);
			igt_assert(vprime_core_buffer_has(id, field));
			igt_assert(vprime_core_buffer_has(id, "pins=0 vmaps=0 mmaps=0 "));
			igt_assert_eq_u64(vprime_core_stat(p ? "bytes_local" :
						    "bytes_system"),
					  before + sizes[i]);
			ptr = vprime_dmabuf_mmap(fd, sizes[i], PROT_READ, 0);
			igt_assert(vprime_core_buffer_has(id, " mmaps=1 "));
			for (j = 0; j < sizes[i]; j++)
				igt_assert_eq(ptr[j], 0);
			munmap(ptr, sizes[i]);
			igt_assert(vprime_core_buffer_has(id, " mmaps=0 "));
			close(fd);
			igt_assert(!vprime_core_buffer_has(id, "id="));
		}
	}
}

static void test_debugfs_config(void)
{
	static const char * const params[] = {
		"local_mem_mb", "system_mem_mb", "max_alloc_mb",
	};
	char buf[256], path[128];
	uint64_t param, shown;
	size_t i;

	igt_assert_lt(0, vprime_read_file(VPRIME_CORE_DEBUGFS "/config", buf,
					  sizeof(buf)));
	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		snprintf(path, sizeof(path),
			 "/sys/module/vprime_core/parameters/%s", params[i]);
		igt_assert_eq(vprime_read_u64(path, &param), 0);
		igt_assert_eq(vprime_parse_key(buf, params[i], &shown), 0);
		igt_assert_eq_u64(shown, param);
	}
}

static void test_alloc_fd_flags(void)
{
	struct vprime_heap_alloc args = { .size = SZ_4K };
	void *ptr;

	/* Default: O_CLOEXEC | O_RDWR. */
	igt_assert_eq(__vprime_heap_alloc(heap, &args), 0);
	igt_assert(fcntl(args.fd, F_GETFD) & FD_CLOEXEC);
	igt_assert_eq(fcntl(args.fd, F_GETFL) & O_ACCMODE, O_RDWR);
	close(args.fd);

	args.fd_flags = O_RDWR;
	igt_assert_eq(__vprime_heap_alloc(heap, &args), 0);
	igt_assert(!(fcntl(args.fd, F_GETFD) & FD_CLOEXEC));
	igt_assert_eq(fcntl(args.fd, F_GETFL) & O_ACCMODE, O_RDWR);
	close(args.fd);

	args.fd_flags = O_CLOEXEC | O_RDONLY;
	igt_assert_eq(__vprime_heap_alloc(heap, &args), 0);
	igt_assert(fcntl(args.fd, F_GETFD) & FD_CLOEXEC);
	igt_assert_eq(fcntl(args.fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	ptr = mmap(NULL, SZ_4K, PROT_READ, MAP_SHARED, args.fd, 0);
	igt_assert(ptr != MAP_FAILED);
	munmap(ptr, SZ_4K);
	close(args.fd);
}

static void test_module_refcount(void)
{
	const char *path = "/sys/module/vprime_core/refcnt";
	uint64_t before, during, after;
	int fd;

	igt_assert_eq(vprime_read_u64(path, &before), 0);
	fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	igt_assert_eq(vprime_read_u64(path, &during), 0);
	/* The dma-buf's exporter module reference refuses rmmod. */
	igt_assert_eq_u64(during, before + 1);
	close(fd);
	/* The release runs from the final fput, before close() returns. */
	igt_assert_eq(vprime_read_u64(path, &after), 0);
	igt_assert_eq_u64(after, before);
}

/* Every object kind the core tracks, created and dropped once. */
static void leak_workload(void)
{
	struct vprime_heap_alloc bad = { .size = SZ_4K + 1 };
	int sys = vprime_heap_alloc(heap, 4 * SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	int local = vprime_heap_alloc(heap, 4 * SZ_4K, VPRIME_HEAP_PLACEMENT_LOCAL);
	uint32_t dyn, fence;
	void *ptr;
	int sf;

	igt_assert_eq(__vprime_heap_alloc(heap, &bad), -EINVAL);
	igt_assert_eq(ioctl(sys, DMA_BUF_SET_NAME, "leak"), 0);
	ptr = vprime_dmabuf_mmap(sys, 4 * SZ_4K, PROT_READ | PROT_WRITE, 0);
	fence = vprime_test_fence_attach(tst, sys, true);
	sf = vprime_dmabuf_export_sync_file(sys, DMA_BUF_SYNC_RW);
	dyn = vprime_import_attach(tst, sys, VPRIME_TEST_IMPORTER_WIDE, 0);
	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, dyn, 0, NULL), 0);
	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_MAP,
				  vprime_import_attach(tst, local, VPRIME_TEST_IMPORTER_WIDE,
						VPRIME_TEST_IMPORT_STATIC),
				  0, NULL), 0);
	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_UNMAP, dyn, 0, NULL),
		      0);
	vprime_core_debugfs_write("fail_next_map", "1");
	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, dyn, 1, NULL),
		      -ENOMEM);
	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, dyn, 1, NULL), 0);
	vprime_test_fence_signal(tst, fence, 0);
	munmap(ptr, 4 * SZ_4K);
	/* Left to close(): the dynamic and static imports, a fence. */
	vprime_test_fence_attach(tst, local, false);
	close(sf);
	close(sys);
	close(local);
}

/*
 * After a workload touching every object kind, the counters are back where
 * they were at this binary's start (zero, unless the GPU or display keep
 * buffers of their own), and nothing holds an attachment, mapping or
 * deferred fence. dma-bufs dropped by the kernel are released from a
 * workqueue, so the counters get a moment to settle.
 */
static void test_leak_check(void)
{
	static const char * const zero_keys[] = {
		"attachments", "mappings", "pending_fences",
	};
	size_t i;

	leak_workload();
	close(tst);
	close(heap);
	heap = vprime_heap_open();
	tst = vprime_test_open();

	igt_assert(vprime_core_counters_settled(&counters_base, true));
	/* Nobody may hold these once every test process is gone. */
	for (i = 0; i < sizeof(zero_keys) / sizeof(zero_keys[0]); i++)
		igt_assert_eq_u64(vprime_core_stat(zero_keys[i]), 0);
}

igt_main
{
	igt_fixture {
		vprime_core_fixture_open(&heap, &tst, &counters_base);
		vprime_core_reset_faults(0);
		igt_install_exit_handler(vprime_core_reset_faults);
	}

	igt_describe("ALLOC in both placements returns a zeroed dma-buf of the "
		     "size asked, accounted in debugfs and gone after close.");
	igt_subtest("basic-alloc")
		test_basic_alloc();

	igt_describe("debugfs config matches the module parameters.");
	igt_subtest("debugfs-config")
		test_debugfs_config();

	igt_describe("fd_flags select close-on-exec and the access mode.");
	igt_subtest("alloc-fd-flags")
		test_alloc_fd_flags();

	igt_subtest_group {
		struct vprime_heap_alloc args;

		igt_describe("A zero size is -EINVAL.");
		igt_subtest("alloc-zero-size") {
			args = (struct vprime_heap_alloc){ .size = 0 };
			alloc_fails(&args, -EINVAL);
		}
		igt_describe("A size that is not a page multiple is -EINVAL.");
		igt_subtest("alloc-unaligned-size") {
			args = (struct vprime_heap_alloc){ .size = SZ_4K + 1 };
			alloc_fails(&args, -EINVAL);
		}
		igt_describe("A page-aligned size near 2^64 is -EINVAL.");
		igt_subtest("alloc-overflow-size") {
			args = (struct vprime_heap_alloc){ .size = -SZ_4K };
			alloc_fails(&args, -EINVAL);
		}
		igt_describe("A size above max_alloc_mb is -EINVAL.");
		igt_subtest("alloc-over-max") {
			uint64_t max;

			igt_assert_eq(vprime_read_u64("/sys/module/vprime_core/parameters/max_alloc_mb",
						      &max), 0);
			args = (struct vprime_heap_alloc){
				.size = (max + 1) * SZ_1M,
			};
			alloc_fails(&args, -EINVAL);
		}
		igt_describe("Exceeding the local pool's cap is -ENOMEM.");
		igt_subtest("alloc-placement-full") {
			uint64_t cap, max, used;
			int fds[64], n = 0, i;

			igt_assert_eq(vprime_read_u64("/sys/module/vprime_core/parameters/local_mem_mb",
						      &cap), 0);
			igt_assert_eq(vprime_read_u64("/sys/module/vprime_core/parameters/max_alloc_mb",
						      &max), 0);
			igt_require(cap / max < 60 && cap <= 512);
			used = vprime_core_stat("bytes_local");
			/* Fill the pool with maximal buffers, then one more. */
			while (used + max * SZ_1M <= cap * SZ_1M) {
				fds[n++] = vprime_heap_alloc(heap, max * SZ_1M,
						      VPRIME_HEAP_PLACEMENT_LOCAL);
				used += max * SZ_1M;
			}
			if (used + SZ_4K <= cap * SZ_1M)
				fds[n++] = vprime_heap_alloc(heap, cap * SZ_1M - used,
						      VPRIME_HEAP_PLACEMENT_LOCAL);
			args = (struct vprime_heap_alloc){
				.size = SZ_4K,
				.placement = VPRIME_HEAP_PLACEMENT_LOCAL,
			};
			alloc_fails(&args, -ENOMEM);
			for (i = 0; i < n; i++)
				close(fds[i]);
			/* Space is back once the buffers are gone. */
			close(vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_LOCAL));
		}
		igt_describe("An unknown placement is -EINVAL.");
		igt_subtest("alloc-bad-placement") {
			args = (struct vprime_heap_alloc){
				.size = SZ_4K, .placement = 2,
			};
			alloc_fails(&args, -EINVAL);
		}
		igt_describe("Unknown flags are -EINVAL.");
		igt_subtest("alloc-bad-flags") {
			args = (struct vprime_heap_alloc){
				.size = SZ_4K, .flags = 1,
			};
			alloc_fails(&args, -EINVAL);
		}
		igt_describe("fd_flags other than O_CLOEXEC and an access mode "
			     "are -EINVAL.");
		igt_subtest("alloc-bad-fd-flags") {
			args = (struct vprime_heap_alloc){
				.size = SZ_4K, .fd_flags = O_RDWR | O_NONBLOCK,
			};
			alloc_fails(&args, -EINVAL);
			args.fd_flags = O_ACCMODE;
			alloc_fails(&args, -EINVAL);
		}
		igt_describe("A non-zero reserved field is -EINVAL.");
		igt_subtest("alloc-nonzero-reserved") {
			args = (struct vprime_heap_alloc){
				.size = SZ_4K, .reserved = 1,
			};
			alloc_fails(&args, -EINVAL);
		}
		igt_describe("A bad argument pointer is -EFAULT.");
		igt_subtest("alloc-bad-pointer") {
			uint64_t live = vprime_core_stat("live_buffers");

			igt_assert_eq(ioctl(heap, VPRIME_HEAP_IOCTL_ALLOC,
					    (void *)8), -1);
			igt_assert_eq(errno, EFAULT);
			igt_assert_eq_u64(vprime_core_stat("live_buffers"), live);
		}
	}

	igt_describe("A live dma-buf holds a vprime_core module reference.");
	igt_subtest("module-refcount")
		test_module_refcount();

	igt_describe("After a workload of every object kind the counters are back at this binary's start.");
	igt_subtest("leak-check")
		test_leak_check();

	igt_describe("The core's counters are back at this binary's start after its ALLOCs and the leak workload.");
	igt_subtest("counters-idle")
		vprime_core_counters_assert_idle(&counters_base);

	igt_fixture
		vprime_core_fixture_close(heap, tst);
}
