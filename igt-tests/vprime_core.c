// SPDX-License-Identifier: MIT
/*
 * vprime_core - the dma-buf core through its real uapi: /dev/vprime_heap,
 * the dma-buf fd's own ioctls, poll, mmap, llseek, fdinfo, and the core's
 * debugfs statistics and fault injection; fences and importer devices
 * through the test module's /dev/vprime_test.
 */

/**
 * TEST: vprime core
 * Category: Software building block
 * Description: The vprime_core dma-buf exporter, importer helpers, fences
 *              and allocator device, through the heap, test-module and
 *              dma-buf uapi.
 * Feature: vprime core
 *
 * SUBTEST: basic-alloc
 * Description: ALLOC in both placements returns a zeroed, sized dma-buf fd.
 *
 * SUBTEST: counters-idle
 * Description: With no client, every live-object counter is zero (the
 *              runner runs it last: a leak check of the whole suite).
 *
 * SUBTEST: debugfs-config
 * Description: debugfs config shows the module parameters in effect.
 *
 * SUBTEST: alloc-fd-flags
 * Description: fd_flags select O_CLOEXEC and the access mode.
 *
 * SUBTEST: alloc-zero-size
 * SUBTEST: alloc-unaligned-size
 * SUBTEST: alloc-overflow-size
 * SUBTEST: alloc-over-max
 * SUBTEST: alloc-placement-full
 * SUBTEST: alloc-bad-placement
 * SUBTEST: alloc-bad-flags
 * SUBTEST: alloc-bad-fd-flags
 * SUBTEST: alloc-nonzero-reserved
 * SUBTEST: alloc-bad-pointer
 * Description: Each ALLOC check fails with its errno and leaks nothing.
 *
 * SUBTEST: sync-read
 * SUBTEST: sync-write
 * SUBTEST: sync-rw
 * Description: DMA_BUF_IOCTL_SYNC start and end for one direction.
 *
 * SUBTEST: sync-bad-direction
 * SUBTEST: sync-bad-flags
 * Description: DMA_BUF_IOCTL_SYNC rejects a missing direction / unknown bits.
 *
 * SUBTEST: set-name
 * Description: DMA_BUF_SET_NAME shows in fdinfo and in the core's debugfs.
 *
 * SUBTEST: set-name-too-long
 * Description: A name longer than DMA_BUF_NAME_LEN - 1 is refused.
 *
 * SUBTEST: fdinfo
 * Description: fdinfo reports size, count and the exporter name.
 *
 * SUBTEST: llseek-size
 * Description: SEEK_END discovers the size; other seeks are refused.
 *
 * SUBTEST: mmap-inside
 * SUBTEST: mmap-offset
 * SUBTEST: mmap-beyond
 * SUBTEST: mmap-dontneed
 * Description: After MADV_DONTNEED the pages fault back in with their data.
 *
 * SUBTEST: mmap-private
 * SUBTEST: mmap-readonly-fd
 * Description: mmap of the dma-buf within, at an offset, and beyond its size.
 *
 * SUBTEST: scm-rights-child
 * Description: A child receives the fd over SCM_RIGHTS and writes through
 *              it; the parent reads the data.
 *
 * SUBTEST: poll-read-fence
 * SUBTEST: poll-write-fence
 * Description: EPOLLIN waits only for write fences, EPOLLOUT for all.
 *
 * SUBTEST: test-uapi-needs-admin
 * Description: The fence and importer ioctls need CAP_SYS_ADMIN; ALLOC
 *              does not.
 *
 * SUBTEST: fence-bad-handle
 * SUBTEST: fence-bad-flags
 * Description: The test-fence uapi validates its input.
 *
 * SUBTEST: export-sync-file
 * SUBTEST: import-sync-file
 * SUBTEST: sync-file-bad-flags
 * SUBTEST: fence-error
 * Description: DMA_BUF_IOCTL_EXPORT/IMPORT_SYNC_FILE with controlled fences.
 *
 * SUBTEST: fence-attach-busy
 * Description: FENCE_ATTACH follows the core's one userspace-fence policy:
 *              readers share a buffer, a writer conflicts with any
 *              unsignalled fence and a reader with an unsignalled writer
 *              (-EBUSY); a signalled fence conflicts with nothing.
 *
 * SUBTEST: fence-close-cancels
 * Description: Closing the test file signals its fences with -ECANCELED.
 *
 * SUBTEST: fence-timeout
 * Description: A fence nobody signals signals itself with -ETIMEDOUT after
 *              vprime_test.fence_timeout_ms; FENCE_SIGNAL then reports
 *              -ETIMEDOUT and forgets the handle.
 *
 * SUBTEST: import-dynamic
 * SUBTEST: import-static
 * Description: Importer devices attach and map through the importer helpers.
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
 * SUBTEST: fault-attach
 * SUBTEST: fault-map
 * SUBTEST: fault-map-static-attach
 * SUBTEST: fault-begin-cpu-access
 * SUBTEST: fault-force-migrate
 * SUBTEST: fault-fence-delay
 * Description: Each debugfs fault reaches the importer; the next op works.
 *
 * SUBTEST: migrate-basic
 * SUBTEST: migrate-bad-args
 * SUBTEST: migrate-busy-mmap
 * SUBTEST: migrate-busy-static-importer
 * SUBTEST: migrate-waits-fences
 * SUBTEST: migrate-dynamic-importer
 * SUBTEST: migrate-narrow-importer
 * SUBTEST: attach-narrow-pinned
 * Description: Migration between the placements and its refusals.
 *
 * SUBTEST: attach-small-segments
 * Description: An importer whose DMA segments are shorter than a page is
 *              refused (-EINVAL) in both placements, dynamic or static.
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
 * SUBTEST: module-refcount
 * Description: A live dma-buf holds a reference on vprime_core.
 *
 * SUBTEST: leak-check
 * Description: All debugfs counters are back to zero.
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
#include "vprime_gpu_igt.h"

IGT_TEST_DESCRIPTION("vprime_core: dma-buf exporter, importer helpers, "
		     "fences and the /dev/vprime_heap allocator.");

#define CORE_DEBUGFS "/sys/kernel/debug/vprime_core"
#define SZ_4K 4096ull
#define SZ_16K (4 * SZ_4K)
#define SZ_64K (16 * SZ_4K)
#define SZ_1M (1024ull * 1024)

static int heap = -1;
/* /dev/vprime_test, the test module's fences and importer devices */
static int tst = -1;

/* Helpers */

static int __heap_alloc(struct vprime_heap_alloc *args)
{
	if (ioctl(heap, VPRIME_HEAP_IOCTL_ALLOC, args))
		return -errno;
	return 0;
}

static int heap_alloc_id(uint64_t size, uint32_t placement, uint64_t *id)
{
	struct vprime_heap_alloc args = {
		.size = size,
		.placement = placement,
	};

	igt_assert_eq(__heap_alloc(&args), 0);
	igt_assert_fd((int)args.fd);
	if (id)
		*id = args.id;
	return args.fd;
}

static int heap_alloc(uint64_t size, uint32_t placement)
{
	return heap_alloc_id(size, placement, NULL);
}

static int __migrate(int fd, uint32_t placement)
{
	struct vprime_heap_migrate args = { .fd = fd, .placement = placement };

	if (ioctl(heap, VPRIME_HEAP_IOCTL_MIGRATE, &args))
		return -errno;
	return 0;
}

static uint32_t fence_attach(int fd, bool write)
{
	struct vprime_test_fence_attach args = {
		.fd = fd,
		.flags = write ? VPRIME_TEST_FENCE_WRITE : 0,
	};

	igt_assert_eq(ioctl(tst, VPRIME_TEST_IOCTL_FENCE_ATTACH, &args), 0);
	igt_assert_neq(args.handle, 0);
	return args.handle;
}

static int __fence_signal(int hfd, uint32_t handle, uint32_t error)
{
	struct vprime_test_fence_signal args = {
		.handle = handle,
		.error = error,
	};

	if (ioctl(hfd, VPRIME_TEST_IOCTL_FENCE_SIGNAL, &args))
		return -errno;
	return 0;
}

static void fence_signal(uint32_t handle, uint32_t error)
{
	igt_assert_eq(__fence_signal(tst, handle, error), 0);
}

static int __import(unsigned long cmd, struct vprime_test_import *args)
{
	if (ioctl(tst, cmd, args))
		return -errno;
	return 0;
}

static int __import_attach(int fd, uint32_t importer, uint32_t flags,
			   uint32_t *handle)
{
	struct vprime_test_import args = {
		.fd = fd,
		.importer = importer,
		.flags = flags,
	};
	int ret;

	ret = __import(VPRIME_TEST_IOCTL_IMPORT_ATTACH, &args);
	if (!ret)
		*handle = args.handle;
	return ret;
}

static uint32_t import_attach(int fd, uint32_t importer, uint32_t flags)
{
	uint32_t handle = 0;

	igt_assert_eq(__import_attach(fd, importer, flags, &handle), 0);
	return handle;
}

static int __import_op(unsigned long cmd, uint32_t handle, uint32_t dir,
		       struct vprime_test_import *out)
{
	struct vprime_test_import args = {
		.handle = handle,
		.direction = dir,
	};
	int ret;

	ret = __import(cmd, &args);
	if (out)
		*out = args;
	return ret;
}

static struct vprime_test_import import_query(uint32_t handle)
{
	struct vprime_test_import args;

	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_QUERY, handle, 0,
				  &args), 0);
	return args;
}

static void import_detach(uint32_t handle)
{
	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_DETACH, handle, 0,
				  NULL), 0);
}

static uint64_t core_stat(const char *key)
{
	char buf[1024];
	uint64_t val;

	igt_assert_lt(0, vprime_read_file(CORE_DEBUGFS "/stats", buf,
					  sizeof(buf)));
	igt_assert_f(vprime_parse_key(buf, key, &val) == 0,
		     "no %s in stats:\n%s", key, buf);
	return val;
}

static void core_debugfs_write(const char *name, const char *val)
{
	char path[128];
	int fd, len = strlen(val);

	snprintf(path, sizeof(path), CORE_DEBUGFS "/%s", name);
	fd = open(path, O_WRONLY);
	igt_assert_f(fd >= 0, "open %s: %s\n", path, strerror(errno));
	igt_assert_eq(write(fd, val, len), len);
	close(fd);
}

static int __core_debugfs_write(const char *name, const char *val)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), CORE_DEBUGFS "/%s", name);
	fd = open(path, O_WRONLY);
	igt_assert_f(fd >= 0, "open %s: %s\n", path, strerror(errno));
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Disarm every fault knob, so a failed subtest can't leak one. */
static void reset_faults(int sig)
{
	static const char * const knobs[] = {
		"fail_next_attach", "fail_next_map",
		"fail_next_begin_cpu_access", "fence_delay_ms",
	};
	char path[128];
	size_t i;
	int fd;

	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		snprintf(path, sizeof(path), CORE_DEBUGFS "/%s", knobs[i]);
		fd = open(path, O_WRONLY);
		if (fd < 0)
			continue;
		if (write(fd, "0", 1) != 1)
			igt_debug("resetting %s: %s\n", knobs[i], strerror(errno));
		close(fd);
	}
}

/* The debugfs "buffers" line of buffer @id, or "" if there is none. */
static void buffer_line(uint64_t id, char *line, size_t size)
{
	static char buf[65536];
	char key[32], *p, *end;

	igt_assert_lte(0, vprime_read_file(CORE_DEBUGFS "/buffers", buf,
					   sizeof(buf)));
	snprintf(key, sizeof(key), "id=%llu ", (unsigned long long)id);
	line[0] = '\0';
	for (p = buf; p && *p; p = end ? end + 1 : NULL) {
		end = strchr(p, '\n');
		if (strncmp(p, key, strlen(key)))
			continue;
		snprintf(line, size, "%.*s", end ? (int)(end - p) : (int)strlen(p),
			 p);
		return;
	}
}

static bool buffer_has(uint64_t id, const char *needle)
{
	char line[1024];

	buffer_line(id, line, sizeof(line));
	igt_debug("buffer %llu: %s\n", (unsigned long long)id, line);
	return strstr(line, needle) != NULL;
}

static int poll_events(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ret;

	ret = poll(&pfd, 1, 0);
	igt_assert_lte(0, ret);
	return ret ? pfd.revents : 0;
}

/* Block until @events are ready on @fd (no timeout: the fence will come). */
static void poll_wait_ready(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	igt_assert_eq(poll(&pfd, 1, -1), 1);
	igt_assert_eq(pfd.revents & events, events);
}

static int sync_ioctl(int fd, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	if (ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync))
		return -errno;
	return 0;
}

static int export_sync_file(int fd, uint32_t flags)
{
	struct dma_buf_export_sync_file args = { .flags = flags, .fd = -1 };

	igt_assert_eq(ioctl(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &args), 0);
	igt_assert_fd(args.fd);
	return args.fd;
}

static void *mmap_buf(int fd, size_t size, int prot, off_t offset)
{
	void *ptr = mmap(NULL, size, prot, MAP_SHARED, fd, offset);

	igt_assert(ptr != MAP_FAILED);
	return ptr;
}

static void fill(int fd, size_t size, uint32_t seed)
{
	uint32_t *ptr = mmap_buf(fd, size, PROT_READ | PROT_WRITE, 0);
	size_t i;

	igt_assert_eq(sync_ioctl(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE), 0);
	for (i = 0; i < size / 4; i++)
		ptr[i] = seed + i;
	igt_assert_eq(sync_ioctl(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE), 0);
	munmap(ptr, size);
}

static void check(int fd, size_t size, uint32_t seed)
{
	uint32_t *ptr = mmap_buf(fd, size, PROT_READ, 0);
	size_t i;

	igt_assert_eq(sync_ioctl(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	for (i = 0; i < size / 4; i++)
		igt_assert_f(ptr[i] == seed + i, "word %zu: %#x != %#x\n", i,
			     ptr[i], (uint32_t)(seed + i));
	igt_assert_eq(sync_ioctl(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
	munmap(ptr, size);
}

/* An ALLOC that must fail with @err and leave no buffer behind. */
static void alloc_fails(struct vprime_heap_alloc *args, int err)
{
	uint64_t live = core_stat("live_buffers");

	igt_assert_eq(__heap_alloc(args), err);
	igt_assert_eq_u64(core_stat("live_buffers"), live);
}

/* Subtests */

static void test_basic_alloc(void)
{
	static const uint64_t sizes[] = { SZ_4K, 3 * SZ_4K, SZ_1M };
	uint32_t p;
	size_t i;

	for (p = 0; p <= VPRIME_HEAP_PLACEMENT_LOCAL; p++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			uint64_t id, before = core_stat(p ? "bytes_local" :
							"bytes_system");
			int fd = heap_alloc_id(sizes[i], p, &id);
			char field[48];
			uint8_t *ptr;
			size_t j;

			igt_assert_eq_u64(prime_get_size(fd), sizes[i]);
			igt_assert(buffer_has(id, p ? "placement=local" :
					      "placement=system"));
			snprintf(field, sizeof(field), "size=%" PRIu64 " ",
				 sizes[i]);
			igt_assert(buffer_has(id, field));
			igt_assert(buffer_has(id, "pins=0 vmaps=0 mmaps=0 "));
			igt_assert_eq_u64(core_stat(p ? "bytes_local" :
						    "bytes_system"),
					  before + sizes[i]);
			ptr = mmap_buf(fd, sizes[i], PROT_READ, 0);
			igt_assert(buffer_has(id, " mmaps=1 "));
			for (j = 0; j < sizes[i]; j++)
				igt_assert_eq(ptr[j], 0);
			munmap(ptr, sizes[i]);
			igt_assert(buffer_has(id, " mmaps=0 "));
			close(fd);
			igt_assert(!buffer_has(id, "id="));
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

	igt_assert_lt(0, vprime_read_file(CORE_DEBUGFS "/config", buf,
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
	igt_assert_eq(__heap_alloc(&args), 0);
	igt_assert(fcntl(args.fd, F_GETFD) & FD_CLOEXEC);
	igt_assert_eq(fcntl(args.fd, F_GETFL) & O_ACCMODE, O_RDWR);
	close(args.fd);

	args.fd_flags = O_RDWR;
	igt_assert_eq(__heap_alloc(&args), 0);
	igt_assert(!(fcntl(args.fd, F_GETFD) & FD_CLOEXEC));
	igt_assert_eq(fcntl(args.fd, F_GETFL) & O_ACCMODE, O_RDWR);
	close(args.fd);

	args.fd_flags = O_CLOEXEC | O_RDONLY;
	igt_assert_eq(__heap_alloc(&args), 0);
	igt_assert(fcntl(args.fd, F_GETFD) & FD_CLOEXEC);
	igt_assert_eq(fcntl(args.fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	ptr = mmap(NULL, SZ_4K, PROT_READ, MAP_SHARED, args.fd, 0);
	igt_assert(ptr != MAP_FAILED);
	munmap(ptr, SZ_4K);
	close(args.fd);
}

static void test_mmap_inside(void)
{
	const size_t size = 16 * SZ_4K;
	int fd = heap_alloc(size, VPRIME_HEAP_PLACEMENT_SYSTEM);

	fill(fd, size, 0x1000);
	check(fd, size, 0x1000);
	close(fd);
}

static void test_mmap_offset(void)
{
	const size_t size = 4 * SZ_4K;
	int fd = heap_alloc(size, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t *ptr;

	fill(fd, size, 0);
	ptr = mmap_buf(fd, SZ_4K, PROT_READ, 2 * SZ_4K);
	igt_assert_eq_u32(ptr[0], 2 * SZ_4K / 4);
	igt_assert_eq_u32(ptr[SZ_4K / 4 - 1], 3 * SZ_4K / 4 - 1);
	munmap(ptr, SZ_4K);
	/* The last page, exactly at the end. */
	ptr = mmap_buf(fd, SZ_4K, PROT_READ, size - SZ_4K);
	igt_assert_eq_u32(ptr[SZ_4K / 4 - 1], size / 4 - 1);
	munmap(ptr, SZ_4K);
	close(fd);
}

static void test_mmap_beyond(void)
{
	const size_t size = 2 * SZ_4K;
	int fd = heap_alloc(size, VPRIME_HEAP_PLACEMENT_SYSTEM);
	void *ptr;

	ptr = mmap(NULL, size + SZ_4K, PROT_READ, MAP_SHARED, fd, 0);
	igt_assert(ptr == MAP_FAILED);
	igt_assert_eq(errno, EINVAL);
	ptr = mmap(NULL, SZ_4K, PROT_READ, MAP_SHARED, fd, size);
	igt_assert(ptr == MAP_FAILED);
	igt_assert_eq(errno, EINVAL);
	ptr = mmap(NULL, 2 * SZ_4K, PROT_READ, MAP_SHARED, fd, SZ_4K);
	igt_assert(ptr == MAP_FAILED);
	igt_assert_eq(errno, EINVAL);
	close(fd);
}

static void test_mmap_dontneed(void)
{
	const size_t size = 4 * SZ_4K;
	int fd = heap_alloc(size, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t *ptr;

	fill(fd, size, 0xd00d);
	ptr = mmap_buf(fd, size, PROT_READ | PROT_WRITE, 0);
	igt_assert_eq(madvise(ptr, size, MADV_DONTNEED), 0);
	/* Shared memory: the data is still there, refaulted. */
	igt_assert_eq_u32(ptr[0], 0xd00d);
	igt_assert_eq_u32(ptr[size / 4 - 1], 0xd00d + size / 4 - 1);
	ptr[1] = 42;
	munmap(ptr, size);
	ptr = mmap_buf(fd, size, PROT_READ, 0);
	igt_assert_eq_u32(ptr[1], 42);
	munmap(ptr, size);
	/* Unmapped again: it can move. */
	igt_assert_eq(__migrate(fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
	close(fd);
}

static void test_mmap_private(void)
{
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	void *ptr;

	ptr = mmap(NULL, SZ_4K, PROT_READ, MAP_PRIVATE, fd, 0);
	igt_assert(ptr == MAP_FAILED);
	igt_assert_eq(errno, EINVAL);
	close(fd);
}

static void test_mmap_readonly_fd(void)
{
	struct vprime_heap_alloc args = {
		.size = SZ_4K,
		.fd_flags = O_CLOEXEC | O_RDONLY,
	};
	void *ptr;

	igt_assert_eq(__heap_alloc(&args), 0);
	ptr = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE, MAP_SHARED, args.fd, 0);
	igt_assert(ptr == MAP_FAILED);
	igt_assert_eq(errno, EACCES);
	close(args.fd);
}

static void test_sync(uint64_t dir)
{
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t h = import_attach(fd, VPRIME_TEST_IMPORTER_WIDE, 0);

	/* With a device mapping, so that the syncs have something to do. */
	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_MAP, h, 0, NULL), 0);
	igt_assert_eq(sync_ioctl(fd, DMA_BUF_SYNC_START | dir), 0);
	igt_assert_eq(sync_ioctl(fd, DMA_BUF_SYNC_END | dir), 0);
	import_detach(h);
	igt_assert_eq(sync_ioctl(fd, DMA_BUF_SYNC_START | dir), 0);
	igt_assert_eq(sync_ioctl(fd, DMA_BUF_SYNC_END | dir), 0);
	close(fd);
}

static void test_sync_bad(uint64_t flags)
{
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);

	igt_assert_eq(sync_ioctl(fd, flags), -EINVAL);
	close(fd);
}

static bool fdinfo_has(int fd, const char *needle)
{
	char path[64], buf[1024];

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	igt_assert_lt(0, vprime_read_file(path, buf, sizeof(buf)));
	igt_debug("fdinfo %d:\n%s", fd, buf);
	return strstr(buf, needle) != NULL;
}

static void test_set_name(void)
{
	uint64_t id;
	int fd = heap_alloc_id(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM, &id);

	igt_assert(buffer_has(id, "name=- "));
	igt_assert_eq(ioctl(fd, DMA_BUF_SET_NAME, "vprime-core-test"), 0);
	igt_assert(fdinfo_has(fd, "name:\tvprime-core-test\n"));
	igt_assert(buffer_has(id, "name=vprime-core-test "));
	/* Renaming is allowed. */
	igt_assert_eq(ioctl(fd, DMA_BUF_SET_NAME, "second"), 0);
	igt_assert(fdinfo_has(fd, "name:\tsecond\n"));
	igt_assert(buffer_has(id, "name=second "));
	close(fd);
}

static void test_set_name_too_long(void)
{
	char name[DMA_BUF_NAME_LEN + 1];
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);

	/* DMA_BUF_NAME_LEN includes the NUL. */
	memset(name, 'a', sizeof(name));
	name[DMA_BUF_NAME_LEN - 1] = '\0';
	igt_assert_eq(ioctl(fd, DMA_BUF_SET_NAME, name), 0);
	name[DMA_BUF_NAME_LEN - 1] = 'a';
	name[DMA_BUF_NAME_LEN] = '\0';
	igt_assert_eq(ioctl(fd, DMA_BUF_SET_NAME, name), -1);
	igt_assert_eq(errno, EINVAL);
	close(fd);
}

static void test_fdinfo(void)
{
	char needle[64];
	int fd = heap_alloc(8 * SZ_4K, VPRIME_HEAP_PLACEMENT_LOCAL);
	int dup_fd;

	snprintf(needle, sizeof(needle), "size:\t%llu\n", 8 * SZ_4K);
	igt_assert(fdinfo_has(fd, needle));
	igt_assert(fdinfo_has(fd, "count:\t1\n"));
	igt_assert(fdinfo_has(fd, "exp_name:\tvprime_core\n"));
	igt_assert(!fdinfo_has(fd, "name:\t\n"));
	/* count is the number of file references. */
	dup_fd = dup(fd);
	igt_assert(fdinfo_has(dup_fd, "count:\t2\n"));
	close(dup_fd);
	igt_assert(fdinfo_has(fd, "count:\t1\n"));
	close(fd);
}

static void test_llseek(void)
{
	const uint64_t size = 5 * SZ_4K;
	int fd = heap_alloc(size, VPRIME_HEAP_PLACEMENT_SYSTEM);

	igt_assert_eq_u64(lseek(fd, 0, SEEK_END), size);
	igt_assert_eq_u64(lseek(fd, 0, SEEK_SET), 0);
	igt_assert_eq(lseek(fd, 0, SEEK_CUR), -1);
	igt_assert_eq(errno, EINVAL);
	igt_assert_eq(lseek(fd, 1, SEEK_END), -1);
	igt_assert_eq(errno, EINVAL);
	close(fd);
}

static void send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	char data = 'x';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	igt_assert_eq(sendmsg(sock, &msg, 0), 1);
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	int fd;

	igt_assert_eq(recvmsg(sock, &msg, 0), 1);
	cmsg = CMSG_FIRSTHDR(&msg);
	igt_assert(cmsg && cmsg->cmsg_type == SCM_RIGHTS);
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

static void test_scm_rights(void)
{
	const size_t size = 8 * SZ_4K;
	int sv[2], fd;

	igt_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

	igt_fork(child, 1) {
		int cfd;

		close(sv[0]);
		cfd = recv_fd(sv[1]);
		igt_assert_eq_u64(lseek(cfd, 0, SEEK_END), size);
		fill(cfd, size, 0xc0de0000);
		close(cfd);
	}
	close(sv[1]);

	/* Allocated after the fork: the child only has it from the socket. */
	fd = heap_alloc(size, VPRIME_HEAP_PLACEMENT_SYSTEM);
	send_fd(sv[0], fd);
	igt_waitchildren();
	close(sv[0]);

	check(fd, size, 0xc0de0000);
	close(fd);
}

static void test_poll(bool write)
{
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t h;

	igt_assert_eq(poll_events(fd, POLLIN | POLLOUT), POLLIN | POLLOUT);

	h = fence_attach(fd, write);
	/* EPOLLOUT (write access) waits for every fence. */
	igt_assert_eq(poll_events(fd, POLLOUT), 0);
	/* EPOLLIN (read access) waits for write fences only. */
	igt_assert_eq(poll_events(fd, POLLIN), write ? 0 : POLLIN);

	fence_signal(h, 0);
	poll_wait_ready(fd, POLLOUT);
	poll_wait_ready(fd, POLLIN);
	igt_assert_eq(poll_events(fd, POLLIN | POLLOUT), POLLIN | POLLOUT);
	close(fd);
}

static void test_uapi_needs_admin(void)
{
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);

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
		cfd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
		igt_assert_eq(__migrate(cfd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
		close(cfd);
	}
	igt_waitchildren();
	close(fd);
}

static void test_fence_bad_handle(void)
{
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t h;

	igt_assert_eq(__fence_signal(tst, 0, 0), -ENOENT);
	igt_assert_eq(__fence_signal(tst, 12345, 0), -ENOENT);
	h = fence_attach(fd, true);
	igt_assert_eq(__fence_signal(tst, h, 4096), -EINVAL);
	fence_signal(h, 0);
	/* Signalled fences are forgotten. */
	igt_assert_eq(__fence_signal(tst, h, 0), -ENOENT);
	close(fd);
}

static int __fence_attach(int fd, bool write, uint32_t *handle)
{
	struct vprime_test_fence_attach args = {
		.fd = fd,
		.flags = write ? VPRIME_TEST_FENCE_WRITE : 0,
	};

	if (ioctl(tst, VPRIME_TEST_IOCTL_FENCE_ATTACH, &args))
		return -errno;
	*handle = args.handle;
	return 0;
}

static void test_fence_attach_busy(void)
{
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t r1, r2, w, dummy;

	/* readers share; a writer conflicts with readers */
	r1 = fence_attach(fd, false);
	r2 = fence_attach(fd, false);
	igt_assert_neq(r1, r2);
	igt_assert_eq(__fence_attach(fd, true, &dummy), -EBUSY);
	fence_signal(r1, 0);
	igt_assert_eq(__fence_attach(fd, true, &dummy), -EBUSY);
	fence_signal(r2, 0);

	/* a writer conflicts with readers and writers */
	w = fence_attach(fd, true);
	igt_assert_eq(__fence_attach(fd, false, &dummy), -EBUSY);
	igt_assert_eq(__fence_attach(fd, true, &dummy), -EBUSY);
	/* an error is a signal too: the buffer is free again */
	fence_signal(w, EIO);
	w = fence_attach(fd, true);
	fence_signal(w, 0);
	close(fd);
}

static void test_fence_bad_flags(void)
{
	struct vprime_test_fence_attach args = {};
	struct vprime_test_fence_signal sig = {};
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);

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

static void test_export_sync_file(void)
{
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	int rd, wr;
	uint32_t h;

	/* No fences: a signalled stub. */
	rd = export_sync_file(fd, DMA_BUF_SYNC_READ);
	igt_assert_eq(sync_fence_status(rd), 1);
	close(rd);

	h = fence_attach(fd, false);
	/* A reader waits for writers only, a writer for everyone. */
	rd = export_sync_file(fd, DMA_BUF_SYNC_READ);
	wr = export_sync_file(fd, DMA_BUF_SYNC_WRITE);
	igt_assert_eq(sync_fence_status(rd), 1);
	igt_assert_eq(sync_fence_status(wr), 0);
	fence_signal(h, 0);
	igt_assert_eq(sync_fence_wait(wr, -1), 0);
	igt_assert_eq(sync_fence_status(wr), 1);
	close(rd);
	close(wr);

	h = fence_attach(fd, true);
	rd = export_sync_file(fd, DMA_BUF_SYNC_READ);
	igt_assert_eq(sync_fence_status(rd), 0);
	fence_signal(h, 0);
	igt_assert_eq(sync_fence_wait(rd, -1), 0);
	close(rd);
	close(fd);
}

static void test_import_sync_file(void)
{
	int a = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	int b = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	struct dma_buf_import_sync_file imp = { .flags = DMA_BUF_SYNC_WRITE };
	uint32_t h = fence_attach(a, true);

	/* Move a's write fence into b as a write fence. */
	imp.fd = export_sync_file(a, DMA_BUF_SYNC_READ);
	igt_assert_eq(poll_events(b, POLLIN), POLLIN);
	igt_assert_eq(ioctl(b, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp), 0);
	igt_assert_eq(poll_events(b, POLLIN), 0);
	igt_assert_eq(poll_events(b, POLLOUT), 0);

	fence_signal(h, 0);
	poll_wait_ready(b, POLLIN | POLLOUT);
	close(imp.fd);

	/* As a read fence it blocks writers only. */
	h = fence_attach(a, true);
	imp.fd = export_sync_file(a, DMA_BUF_SYNC_READ);
	imp.flags = DMA_BUF_SYNC_READ;
	igt_assert_eq(ioctl(b, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp), 0);
	igt_assert_eq(poll_events(b, POLLIN), POLLIN);
	igt_assert_eq(poll_events(b, POLLOUT), 0);
	fence_signal(h, 0);
	poll_wait_ready(b, POLLOUT);
	close(imp.fd);
	close(a);
	close(b);
}

static void test_sync_file_bad_flags(void)
{
	struct dma_buf_export_sync_file exp = {};
	struct dma_buf_import_sync_file imp = {};
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);

	exp.flags = 0;
	igt_assert_eq(ioctl(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp), -1);
	igt_assert_eq(errno, EINVAL);
	exp.flags = DMA_BUF_SYNC_READ | 4;
	igt_assert_eq(ioctl(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp), -1);
	igt_assert_eq(errno, EINVAL);

	imp.fd = export_sync_file(fd, DMA_BUF_SYNC_RW);
	imp.flags = 0;
	igt_assert_eq(ioctl(fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp), -1);
	igt_assert_eq(errno, EINVAL);
	close(imp.fd);
	/* Not a sync_file. */
	imp.fd = fd;
	imp.flags = DMA_BUF_SYNC_WRITE;
	igt_assert_eq(ioctl(fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp), -1);
	igt_assert_eq(errno, EINVAL);
	close(fd);
}

static void test_fence_error(void)
{
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t h = fence_attach(fd, true);
	int sf = export_sync_file(fd, DMA_BUF_SYNC_WRITE);

	fence_signal(h, EIO);
	/* The error reaches the sync_file as the fence status. */
	igt_assert_eq(sync_fence_wait(sf, -1), 0);
	igt_assert_eq(sync_fence_status(sf), -EIO);
	close(sf);
	close(fd);
}

static void test_fence_close_cancels(void)
{
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	int tst2 = vprime_test_open();
	struct vprime_test_fence_attach args = {
		.fd = fd,
		.flags = VPRIME_TEST_FENCE_WRITE,
	};
	int sf;

	igt_assert_eq(ioctl(tst2, VPRIME_TEST_IOCTL_FENCE_ATTACH, &args), 0);
	sf = export_sync_file(fd, DMA_BUF_SYNC_READ);
	igt_assert_eq(sync_fence_status(sf), 0);
	/* Handles are per open file. */
	igt_assert_eq(__fence_signal(tst, args.handle, 0), -ENOENT);
	close(tst2);
	igt_assert_eq(sync_fence_wait(sf, -1), 0);
	igt_assert_eq(sync_fence_status(sf), -ECANCELED);
	poll_wait_ready(fd, POLLIN | POLLOUT);
	close(sf);
	close(fd);
}

static void test_fence_timeout(void)
{
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM), sf;
	uint32_t h;

	vprime_test_set_fence_timeout(200);
	h = fence_attach(fd, true);
	sf = export_sync_file(fd, DMA_BUF_SYNC_READ);
	vprime_test_restore_fence_timeout();
	/* the timeout was taken at attach time */
	igt_assert_eq(sync_fence_wait(sf, 5000), 0);
	igt_assert_eq(sync_fence_status(sf), -ETIMEDOUT);
	poll_wait_ready(fd, POLLIN | POLLOUT);
	igt_assert_eq(__fence_signal(tst, h, 0), -ETIMEDOUT);
	igt_assert_eq(__fence_signal(tst, h, 0), -ENOENT);
	close(sf);
	close(fd);
}

static void test_import(bool dynamic)
{
	const size_t size = 4 * SZ_4K;
	uint64_t id, attachments = core_stat("attachments");
	int fd = heap_alloc_id(size, VPRIME_HEAP_PLACEMENT_LOCAL, &id);
	uint32_t flags = dynamic ? 0 : VPRIME_TEST_IMPORT_STATIC;
	struct vprime_test_import st;
	uint32_t h, dir;

	h = import_attach(fd, VPRIME_TEST_IMPORTER_WIDE, flags);
	igt_assert_eq_u64(core_stat("attachments"), attachments + 1);
	igt_assert(buffer_has(id, dynamic ? "vprime-test-importer.0:dynamic" :
			      "vprime-test-importer.0:static"));
	st = import_query(h);
	igt_assert_eq_u32(st.status & VPRIME_TEST_IMPORT_DYNAMIC,
			  dynamic ? VPRIME_TEST_IMPORT_DYNAMIC : 0);
	/* A static importer is pinned by the framework from attach on. */
	igt_assert(buffer_has(id, dynamic ? "pins=0 " : "pins=1 "));

	for (dir = 0; dir <= VPRIME_TEST_IMPORT_DIR_FROM_DEVICE; dir++) {
		igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_MAP, h, dir,
					  &st), 0);
		igt_assert(st.status & VPRIME_TEST_IMPORT_MAPPED);
		igt_assert(core_stat("mappings") >= 1);
		igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_UNMAP, h, 0,
					  &st), 0);
		igt_assert(!(st.status & VPRIME_TEST_IMPORT_MAPPED));
	}
	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_MAP, h, 3, NULL),
		      -EINVAL);
	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_MAP, h + 100, 0,
				  NULL), -ENOENT);

	/* Detach with a live mapping cleans up too. */
	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_MAP, h, 0, NULL), 0);
	import_detach(h);
	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_QUERY, h, 0, NULL),
		      -ENOENT);
	igt_assert_eq_u64(core_stat("attachments"), attachments);
	igt_assert(buffer_has(id, "pins=0 "));
	igt_assert(buffer_has(id, "attachments=0"));
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
		int fd = heap_alloc(size, cases[c].placement);
		uint32_t h, dir, seed = 0x1000 * (c + 1);
		uint8_t part[SZ_64K + 12];
		uint64_t off, i;

		igt_debug("placement %u importer %u\n", cases[c].placement,
			  cases[c].importer);
		fill(fd, size, seed);
		h = import_attach(fd, cases[c].importer, 0);
		for (dir = VPRIME_TEST_IMPORT_DIR_BIDIRECTIONAL;
		     dir <= VPRIME_TEST_IMPORT_DIR_TO_DEVICE; dir++) {
			igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_MAP,
						  h, dir, NULL), 0);
			device_check(h, 0, size, seed);
			igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_UNMAP,
						  h, 0, NULL), 0);
		}

		/* unaligned, across the 1 MiB and 64 KiB chunk boundaries */
		igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_MAP, h,
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
		fill(fd, size, ~seed);
		device_check(h, 0, size, ~seed);
		import_detach(h);
		close(fd);
	}
}

static void test_import_device_read_invalid(void)
{
	const uint64_t max = VPRIME_TEST_IMPORT_READ_MAX;
	int fd = heap_alloc(2 * SZ_1M, VPRIME_HEAP_PLACEMENT_SYSTEM);
	struct vprime_test_import_read args = { 0 };
	uint32_t h = import_attach(fd, VPRIME_TEST_IMPORTER_WIDE, 0);
	char *buf = malloc(max + SZ_4K);

	igt_assert(buf);
	/* not mapped */
	igt_assert_eq(__import_read(h, 0, SZ_4K, buf), -ENODATA);
	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_MAP, h,
				  VPRIME_TEST_IMPORT_DIR_FROM_DEVICE, NULL), 0);
	igt_assert_eq(__import_read(h, 0, SZ_4K, buf), -EINVAL);
	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_MAP, h,
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

	import_detach(h);
	igt_assert_eq(__import_read(h, 0, 4, buf), -ENOENT);
	free(buf);
	close(fd);
}

static void test_fault_attach(void)
{
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint64_t failed = core_stat("failed_ops");
	uint32_t h;

	core_debugfs_write("fail_next_attach", "1");
	igt_assert_eq(__import_attach(fd, VPRIME_TEST_IMPORTER_WIDE, 0, &h),
		      -EBUSY);
	igt_assert_eq_u64(core_stat("failed_ops"), failed + 1);
	h = import_attach(fd, VPRIME_TEST_IMPORTER_WIDE, 0);
	import_detach(h);
	close(fd);
}

static void test_fault_map(void)
{
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t h = import_attach(fd, VPRIME_TEST_IMPORTER_WIDE, 0);
	struct vprime_test_import st;

	core_debugfs_write("fail_next_map", "1");
	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_MAP, h, 0, &st),
		      -ENOMEM);
	st = import_query(h);
	igt_assert(!(st.status & VPRIME_TEST_IMPORT_MAPPED));
	/* The framework unpinned after the failed map. */
	igt_assert_eq(__migrate(fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_MAP, h, 0, &st), 0);
	igt_assert(st.status & VPRIME_TEST_IMPORT_MAPPED);
	import_detach(h);
	close(fd);
}

static void test_fault_map_static(void)
{
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint64_t attachments = core_stat("attachments");
	uint32_t h;

	/* The framework maps static importers of dynamic exporters at attach. */
	core_debugfs_write("fail_next_map", "1");
	igt_assert_eq(__import_attach(fd, VPRIME_TEST_IMPORTER_WIDE,
				      VPRIME_TEST_IMPORT_STATIC, &h), -ENOMEM);
	igt_assert_eq_u64(core_stat("attachments"), attachments);
	h = import_attach(fd, VPRIME_TEST_IMPORTER_WIDE,
			  VPRIME_TEST_IMPORT_STATIC);
	import_detach(h);
	close(fd);
}

static void test_fault_begin_cpu_access(void)
{
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);

	core_debugfs_write("fail_next_begin_cpu_access", "1");
	/* Raw ioctl: no EINTR restart. */
	igt_assert_eq(sync_ioctl(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ),
		      -EINTR);
	igt_assert_eq(sync_ioctl(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	igt_assert_eq(sync_ioctl(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
	close(fd);
}

static void test_fault_force_migrate(void)
{
	const size_t size = 4 * SZ_4K;
	char cmd[64];
	uint64_t id;
	int fd = heap_alloc_id(size, VPRIME_HEAP_PLACEMENT_SYSTEM, &id);

	fill(fd, size, 77);
	snprintf(cmd, sizeof(cmd), "%llu", (unsigned long long)id);
	core_debugfs_write("force_migrate", cmd);
	igt_assert(buffer_has(id, "placement=local"));
	check(fd, size, 77);
	snprintf(cmd, sizeof(cmd), "%llu 0", (unsigned long long)id);
	core_debugfs_write("force_migrate", cmd);
	igt_assert(buffer_has(id, "placement=system"));
	check(fd, size, 77);

	/* A static importer pins it: the forced move is refused. */
	{
		uint32_t h = import_attach(fd, VPRIME_TEST_IMPORTER_WIDE,
					   VPRIME_TEST_IMPORT_STATIC);

		snprintf(cmd, sizeof(cmd), "%llu 1", (unsigned long long)id);
		igt_assert_eq(__core_debugfs_write("force_migrate", cmd),
			      -EBUSY);
		import_detach(h);
	}
	igt_assert_eq(__core_debugfs_write("force_migrate", "999999999"),
		      -ENOENT);
	close(fd);
}

static void test_fault_fence_delay(void)
{
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t h;
	int sf;

	igt_assert_eq(__core_debugfs_write("fence_delay_ms", "100000"),
		      -EINVAL);
	core_debugfs_write("fence_delay_ms", "200");
	h = fence_attach(fd, true);
	sf = export_sync_file(fd, DMA_BUF_SYNC_READ);
	fence_signal(h, EIO);
	/* Deferred, not lost: the signal and its error arrive. */
	igt_assert_eq(sync_fence_wait(sf, -1), 0);
	igt_assert_eq(sync_fence_status(sf), -EIO);
	poll_wait_ready(fd, POLLIN | POLLOUT);
	core_debugfs_write("fence_delay_ms", "0");
	close(sf);
	close(fd);
}

static void test_migrate_basic(void)
{
	const size_t size = 32 * SZ_4K;
	uint64_t id, migrations = core_stat("migrations");
	uint64_t local = core_stat("bytes_local");
	int fd = heap_alloc_id(size, VPRIME_HEAP_PLACEMENT_SYSTEM, &id);

	fill(fd, size, 0xabc);
	igt_assert_eq(__migrate(fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
	igt_assert(buffer_has(id, "placement=local"));
	igt_assert_eq_u64(core_stat("bytes_local"), local + size);
	igt_assert_eq_u64(core_stat("migrations"), migrations + 1);
	check(fd, size, 0xabc);
	/* Same placement: nothing to do. */
	igt_assert_eq(__migrate(fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
	igt_assert_eq_u64(core_stat("migrations"), migrations + 1);
	igt_assert_eq(__migrate(fd, VPRIME_HEAP_PLACEMENT_SYSTEM), 0);
	igt_assert(buffer_has(id, "placement=system"));
	igt_assert_eq_u64(core_stat("bytes_local"), local);
	check(fd, size, 0xabc);
	close(fd);
}

static void test_migrate_bad_args(void)
{
	struct vprime_heap_migrate args = {};
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
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
	int fd = heap_alloc_id(SZ_64K, VPRIME_HEAP_PLACEMENT_SYSTEM, &id);
	uint32_t *ptr = mmap_buf(fd, SZ_64K, PROT_READ | PROT_WRITE, 0);

	/* Pages are mapped on first touch: an untouched mapping can move. */
	igt_assert_eq(__migrate(fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
	igt_assert(buffer_has(id, "placement=local"));

	/* A touched page pins the placement while it is mapped. */
	ptr[SZ_16K / 4] = 0xc0ffee;
	igt_assert_eq(__migrate(fd, VPRIME_HEAP_PLACEMENT_SYSTEM), -EBUSY);
	igt_assert(buffer_has(id, "placement=local"));
	munmap(ptr, SZ_64K);
	igt_assert_eq(__migrate(fd, VPRIME_HEAP_PLACEMENT_SYSTEM), 0);

	/* The write went to the pages that moved; a new mapping sees it. */
	ptr = mmap_buf(fd, SZ_64K, PROT_READ, 0);
	igt_assert_eq_u32(ptr[SZ_16K / 4], 0xc0ffee);
	igt_assert_eq_u32(ptr[0], 0);
	munmap(ptr, SZ_64K);
	close(fd);
}

static void test_migrate_busy_static(void)
{
	uint64_t id;
	int fd = heap_alloc_id(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM, &id);
	uint32_t h = import_attach(fd, VPRIME_TEST_IMPORTER_WIDE,
				   VPRIME_TEST_IMPORT_STATIC);

	igt_assert_eq(__migrate(fd, VPRIME_HEAP_PLACEMENT_LOCAL), -EBUSY);
	igt_assert(buffer_has(id, "placement=system"));
	import_detach(h);
	igt_assert_eq(__migrate(fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
	close(fd);
}

static void test_migrate_waits_fences(void)
{
	int fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t h = fence_attach(fd, false);
	int sf = export_sync_file(fd, DMA_BUF_SYNC_WRITE);

	igt_fork(child, 1) {
		/* The test file (and its fence handles) is shared by fork. */
		usleep(200 * 1000);
		igt_assert_eq(__fence_signal(tst, h, 0), 0);
	}
	igt_assert_eq(__migrate(fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
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
	int fd = heap_alloc_id(size, VPRIME_HEAP_PLACEMENT_SYSTEM, &id);
	uint32_t h = import_attach(fd, VPRIME_TEST_IMPORTER_WIDE, 0);
	struct vprime_test_import st;
	int ret;

	fill(fd, size, 5);
	/* Attached and mapped once, then idle: the importer is notified. */
	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_MAP, h, 0, NULL), 0);
	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_UNMAP, h, 0, NULL),
		      0);
	igt_assert_eq(__migrate(fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
	st = import_query(h);
	igt_assert_eq_u32(st.invalidations, 1);
	igt_assert(buffer_has(id, "placement=local"));
	check(fd, size, 5);

	/* Lazy re-map after the move. */
	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_MAP, h, 0, &st), 0);
	igt_assert(st.status & VPRIME_TEST_IMPORT_MAPPED);

	/*
	 * While mapped: without CONFIG_DMABUF_MOVE_NOTIFY the framework pinned
	 * the buffer and the move is refused; with it, the importer's mapping
	 * is invalidated and the move goes ahead.
	 */
	ret = __migrate(fd, VPRIME_HEAP_PLACEMENT_SYSTEM);
	st = import_query(h);
	if (ret == -EBUSY) {
		igt_info("mapped dynamic importer pins (MOVE_NOTIFY off)\n");
		igt_assert(st.status & VPRIME_TEST_IMPORT_MAPPED);
		igt_assert_eq_u32(st.invalidations, 1);
		igt_assert(buffer_has(id, "placement=local"));
	} else {
		igt_assert_eq(ret, 0);
		igt_assert(!(st.status & VPRIME_TEST_IMPORT_MAPPED));
		igt_assert_eq_u32(st.invalidations, 2);
		igt_assert(buffer_has(id, "placement=system"));
	}
	check(fd, size, 5);
	import_detach(h);
	close(fd);
}

static void test_migrate_narrow_importer(void)
{
	const size_t size = 4 * SZ_4K;
	uint64_t id;
	int fd = heap_alloc_id(size, VPRIME_HEAP_PLACEMENT_LOCAL, &id);
	uint32_t h;

	fill(fd, size, 9);
	/* The 32-bit device can't reach the local pool: attach moves it. */
	h = import_attach(fd, VPRIME_TEST_IMPORTER_NARROW, 0);
	igt_assert(buffer_has(id, "placement=system"));
	igt_assert(buffer_has(id, "vprime-test-importer.1:dynamic"));
	check(fd, size, 9);
	/* ... and a move that would strand it is refused. */
	igt_assert_eq(__migrate(fd, VPRIME_HEAP_PLACEMENT_LOCAL), -EBUSY);
	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_MAP, h, 0, NULL), 0);
	import_detach(h);
	igt_assert_eq(__migrate(fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
	close(fd);
}

static void test_attach_narrow_pinned(void)
{
	uint64_t id, attachments = core_stat("attachments");
	int fd = heap_alloc_id(SZ_4K, VPRIME_HEAP_PLACEMENT_LOCAL, &id);
	uint32_t pin, h;

	/* A static importer pins the buffer in the local pool. */
	pin = import_attach(fd, VPRIME_TEST_IMPORTER_WIDE,
			    VPRIME_TEST_IMPORT_STATIC);
	igt_assert_eq(__import_attach(fd, VPRIME_TEST_IMPORTER_NARROW, 0, &h),
		      -EBUSY);
	igt_assert(buffer_has(id, "placement=local"));
	igt_assert_eq_u64(core_stat("attachments"), attachments + 1);
	import_detach(pin);
	h = import_attach(fd, VPRIME_TEST_IMPORTER_NARROW, 0);
	igt_assert(buffer_has(id, "placement=system"));
	import_detach(h);
	close(fd);
}

/*
 * A device whose DMA segments are shorter than a page can't be served by
 * either placement: attach fails with -EINVAL, dynamic or static, in both
 * placements, and nothing is left attached.
 */
static void test_attach_small_segments(void)
{
	uint64_t attachments = core_stat("attachments");
	uint32_t p, h;

	for (p = 0; p <= VPRIME_HEAP_PLACEMENT_LOCAL; p++) {
		int fd = heap_alloc(SZ_4K, p);

		igt_assert_eq(__import_attach(fd, VPRIME_TEST_IMPORTER_SMALL_SEG,
					      0, &h), -EINVAL);
		igt_assert_eq(__import_attach(fd, VPRIME_TEST_IMPORTER_SMALL_SEG,
					      VPRIME_TEST_IMPORT_STATIC, &h),
			      -EINVAL);
		igt_assert_eq_u64(core_stat("attachments"), attachments);
		/* the others still attach */
		h = import_attach(fd, VPRIME_TEST_IMPORTER_WIDE, 0);
		import_detach(h);
		close(fd);
	}
}

static void check_value(int fd, size_t size, uint32_t value)
{
	uint32_t *ptr = mmap_buf(fd, size, PROT_READ, 0);
	size_t i;

	igt_assert_eq(sync_ioctl(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	for (i = 0; i < size / 4; i++)
		igt_assert_f(ptr[i] == value, "word %zu: %#x != %#x\n", i,
			     ptr[i], value);
	igt_assert_eq(sync_ioctl(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
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

	fd = heap_alloc_id(size, VPRIME_HEAP_PLACEMENT_SYSTEM, &id);
	fill(fd, size, 0x600d);
	ret = drmPrimeFDToHandle(gpu, fd, &handle);
	igt_require_f(ret == 0, "the GPU can't import dma-bufs: %s\n",
		      strerror(errno));

	/* The GPU is a live dynamic importer of the heap buffer. */
	igt_assert(buffer_has(id, "attachments=1 "));
	igt_assert(buffer_has(id, ":dynamic"));
	igt_assert_eq(vprime_debugfs_read_key(gpu, "queue", "import_maps",
					      &maps), 0);
	igt_assert_eq(vprime_debugfs_read_key(gpu, "queue", "remaps",
					      &remaps), 0);

	/* Before the GPU maps it: a move the GPU has no mapping for. */
	igt_assert_eq(__migrate(fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
	igt_assert(buffer_has(id, "placement=local"));
	check(fd, size, 0x600d);

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
	igt_assert(buffer_has(id, "vmaps=0 "));
	igt_assert_eq(__migrate(fd, VPRIME_HEAP_PLACEMENT_SYSTEM), 0);
	igt_assert(buffer_has(id, "placement=system"));
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
	int fd = heap_alloc(size, VPRIME_HEAP_PLACEMENT_SYSTEM);

	fill(fd, size, 0x5eed);

	/* A mover: back and forth, refused while someone holds it. */
	igt_fork(child, 1) {
		uint32_t p = VPRIME_HEAP_PLACEMENT_LOCAL;

		igt_until_timeout(3) {
			int ret = __migrate(fd, p);

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

			ret = __import_attach(fd, importer, flags, &h);
			igt_assert_f(ok_or_busy(ret), "attach: %d\n", ret);
			if (ret)
				continue;
			ret = __import_op(VPRIME_TEST_IOCTL_IMPORT_MAP, h,
					  rand() % 3, NULL);
			igt_assert_eq(ret, 0);
			if (rand() & 1)
				igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_UNMAP,
							  h, 0, NULL), 0);
			import_detach(h);
		}
	}
	/* Fences and CPU access. */
	igt_fork(child, 1) {
		igt_until_timeout(3) {
			uint32_t h = fence_attach(fd, rand() & 1);

			poll_events(fd, POLLIN | POLLOUT);
			fence_signal(h, 0);
			poll_wait_ready(fd, POLLIN | POLLOUT);
			igt_assert_eq(sync_ioctl(fd, DMA_BUF_SYNC_START |
						 DMA_BUF_SYNC_READ), 0);
			igt_assert_eq(sync_ioctl(fd, DMA_BUF_SYNC_END |
						 DMA_BUF_SYNC_READ), 0);
		}
	}
	igt_waitchildren();

	check(fd, size, 0x5eed);
	close(fd);
}

static void test_module_refcount(void)
{
	const char *path = "/sys/module/vprime_core/refcnt";
	uint64_t before, during, after;
	int fd;

	igt_assert_eq(vprime_read_u64(path, &before), 0);
	fd = heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	igt_assert_eq(vprime_read_u64(path, &during), 0);
	/* The dma-buf's exporter module reference refuses rmmod. */
	igt_assert_eq_u64(during, before + 1);
	close(fd);
	/* The release runs from the final fput, before close() returns. */
	igt_assert_eq(vprime_read_u64(path, &after), 0);
	igt_assert_eq_u64(after, before);
}

static const char * const leak_keys[] = {
	"live_buffers", "bytes_system", "bytes_local", "attachments",
	"mappings", "exports", "pending_fences", "live_fences",
};
static uint64_t leak_base[sizeof(leak_keys) / sizeof(leak_keys[0])];

static void leak_baseline(void)
{
	size_t i;

	for (i = 0; i < sizeof(leak_keys) / sizeof(leak_keys[0]); i++)
		leak_base[i] = core_stat(leak_keys[i]);
}

/* Every object kind the core tracks, created and dropped once. */
static void leak_workload(void)
{
	struct vprime_heap_alloc bad = { .size = SZ_4K + 1 };
	int sys = heap_alloc(4 * SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	int local = heap_alloc(4 * SZ_4K, VPRIME_HEAP_PLACEMENT_LOCAL);
	uint32_t dyn, fence;
	void *ptr;
	int sf;

	igt_assert_eq(__heap_alloc(&bad), -EINVAL);
	igt_assert_eq(ioctl(sys, DMA_BUF_SET_NAME, "leak"), 0);
	ptr = mmap_buf(sys, 4 * SZ_4K, PROT_READ | PROT_WRITE, 0);
	fence = fence_attach(sys, true);
	sf = export_sync_file(sys, DMA_BUF_SYNC_RW);
	dyn = import_attach(sys, VPRIME_TEST_IMPORTER_WIDE, 0);
	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_MAP, dyn, 0, NULL), 0);
	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_MAP,
				  import_attach(local, VPRIME_TEST_IMPORTER_WIDE,
						VPRIME_TEST_IMPORT_STATIC),
				  0, NULL), 0);
	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_UNMAP, dyn, 0, NULL),
		      0);
	core_debugfs_write("fail_next_map", "1");
	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_MAP, dyn, 1, NULL),
		      -ENOMEM);
	igt_assert_eq(__import_op(VPRIME_TEST_IOCTL_IMPORT_MAP, dyn, 1, NULL), 0);
	fence_signal(fence, 0);
	munmap(ptr, 4 * SZ_4K);
	/* Left to close(): the dynamic and static imports, a fence. */
	fence_attach(local, false);
	close(sf);
	close(sys);
	close(local);
}

static bool leak_settled(bool report)
{
	static const char * const zero_keys[] = {
		"attachments", "mappings", "pending_fences",
	};
	bool ok = true;
	size_t i;

	for (i = 0; i < sizeof(leak_keys) / sizeof(leak_keys[0]); i++) {
		uint64_t now = core_stat(leak_keys[i]);

		if (report)
			igt_info("%s: %llu (at start %llu)\n", leak_keys[i],
				 (unsigned long long)now,
				 (unsigned long long)leak_base[i]);
		ok &= now == leak_base[i];
	}
	/* Nobody may hold these once every test process is gone. */
	for (i = 0; i < sizeof(zero_keys) / sizeof(zero_keys[0]); i++)
		ok &= core_stat(zero_keys[i]) == 0;
	return ok;
}

/*
 * After a workload touching every object kind, the counters are back where
 * they were when this process started (zero, unless the GPU or display
 * keep buffers of their own), and nothing holds an attachment, mapping or
 * deferred fence. dma-bufs dropped by the kernel are released from a
 * workqueue, so the counters get a moment to settle.
 */
static void test_leak_check(void)
{
	int tries;

	leak_workload();
	close(tst);
	close(heap);
	heap = vprime_heap_open();
	tst = vprime_test_open();

	for (tries = 0; tries < 50 && !leak_settled(false); tries++)
		usleep(100 * 1000);
	igt_assert(leak_settled(true));
}

/*
 * With no client holding anything, every counter of live objects is zero.
 * The suite runner runs this subtest last, so it checks that the whole
 * suite - GPU, display and sharing tests included - left nothing behind.
 */
static void test_counters_idle(void)
{
	static char buf[1 << 14];
	size_t i;
	int tries;
	bool idle = false;

	for (tries = 0; tries < 50 && !idle; tries++) {
		idle = true;
		for (i = 0; i < sizeof(leak_keys) / sizeof(leak_keys[0]); i++)
			idle &= core_stat(leak_keys[i]) == 0;
		if (!idle)
			usleep(100 * 1000);
	}
	if (idle)
		return;
	for (i = 0; i < sizeof(leak_keys) / sizeof(leak_keys[0]); i++)
		igt_info("%s: %llu\n", leak_keys[i],
			 (unsigned long long)core_stat(leak_keys[i]));
	if (vprime_read_file(CORE_DEBUGFS "/buffers", buf, sizeof(buf)) >= 0)
		igt_info("vprime_core/buffers:\n%s", buf);
	igt_fail(IGT_EXIT_FAILURE);
}

igt_main
{
	igt_fixture {
		heap = vprime_heap_open();
		tst = vprime_test_open();
		igt_require_f(access(CORE_DEBUGFS "/stats", R_OK) == 0,
			      "no vprime_core debugfs\n");
		reset_faults(0);
		igt_install_exit_handler(reset_faults);
		leak_baseline();
	}

	igt_describe("ALLOC in both placements returns a zeroed dma-buf of the "
		     "size asked, accounted in debugfs and gone after close.");
	igt_subtest("basic-alloc")
		test_basic_alloc();

	igt_describe("With no client holding anything, every counter of live "
		     "objects (buffers, bytes, attachments, mappings, exports, "
		     "pending fences) is zero; the runner runs this last.");
	igt_subtest("counters-idle")
		test_counters_idle();

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
			used = core_stat("bytes_local");
			/* Fill the pool with maximal buffers, then one more. */
			while (used + max * SZ_1M <= cap * SZ_1M) {
				fds[n++] = heap_alloc(max * SZ_1M,
						      VPRIME_HEAP_PLACEMENT_LOCAL);
				used += max * SZ_1M;
			}
			if (used + SZ_4K <= cap * SZ_1M)
				fds[n++] = heap_alloc(cap * SZ_1M - used,
						      VPRIME_HEAP_PLACEMENT_LOCAL);
			args = (struct vprime_heap_alloc){
				.size = SZ_4K,
				.placement = VPRIME_HEAP_PLACEMENT_LOCAL,
			};
			alloc_fails(&args, -ENOMEM);
			for (i = 0; i < n; i++)
				close(fds[i]);
			/* Space is back once the buffers are gone. */
			close(heap_alloc(SZ_4K, VPRIME_HEAP_PLACEMENT_LOCAL));
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
			uint64_t live = core_stat("live_buffers");

			igt_assert_eq(ioctl(heap, VPRIME_HEAP_IOCTL_ALLOC,
					    (void *)8), -1);
			igt_assert_eq(errno, EFAULT);
			igt_assert_eq_u64(core_stat("live_buffers"), live);
		}
	}

	igt_describe("DMA_BUF_IOCTL_SYNC start/end for reading.");
	igt_subtest("sync-read")
		test_sync(DMA_BUF_SYNC_READ);
	igt_describe("DMA_BUF_IOCTL_SYNC start/end for writing.");
	igt_subtest("sync-write")
		test_sync(DMA_BUF_SYNC_WRITE);
	igt_describe("DMA_BUF_IOCTL_SYNC start/end for reading and writing.");
	igt_subtest("sync-rw")
		test_sync(DMA_BUF_SYNC_RW);
	igt_describe("DMA_BUF_IOCTL_SYNC without a direction is -EINVAL.");
	igt_subtest("sync-bad-direction")
		test_sync_bad(DMA_BUF_SYNC_START);
	igt_describe("DMA_BUF_IOCTL_SYNC with unknown bits is -EINVAL.");
	igt_subtest("sync-bad-flags")
		test_sync_bad(DMA_BUF_SYNC_READ | 8);

	igt_describe("DMA_BUF_SET_NAME shows in fdinfo and debugfs.");
	igt_subtest("set-name")
		test_set_name();
	igt_describe("DMA_BUF_SET_NAME refuses names over the limit.");
	igt_subtest("set-name-too-long")
		test_set_name_too_long();
	igt_describe("fdinfo reports size, count and exp_name.");
	igt_subtest("fdinfo")
		test_fdinfo();
	igt_describe("lseek(SEEK_END) discovers the size.");
	igt_subtest("llseek-size")
		test_llseek();

	igt_describe("mmap of the whole buffer writes and reads back.");
	igt_subtest("mmap-inside")
		test_mmap_inside();
	igt_describe("mmap honours the page offset.");
	igt_subtest("mmap-offset")
		test_mmap_offset();
	igt_describe("mmap beyond the size fails.");
	igt_subtest("mmap-beyond")
		test_mmap_beyond();
	igt_describe("Zapped PTEs fault back in with the data.");
	igt_subtest("mmap-dontneed")
		test_mmap_dontneed();
	igt_describe("Private mappings are refused.");
	igt_subtest("mmap-private")
		test_mmap_private();
	igt_describe("A read-only fd can't be mapped writable.");
	igt_subtest("mmap-readonly-fd")
		test_mmap_readonly_fd();
	igt_describe("A child gets the fd over SCM_RIGHTS and writes; the "
		     "parent reads.");
	igt_subtest("scm-rights-child")
		test_scm_rights();

	igt_describe("poll: a read fence blocks EPOLLOUT only.");
	igt_subtest("poll-read-fence")
		test_poll(false);
	igt_describe("poll: a write fence blocks EPOLLIN and EPOLLOUT.");
	igt_subtest("poll-write-fence")
		test_poll(true);
	igt_describe("The test and debug ioctls need CAP_SYS_ADMIN.");
	igt_subtest("test-uapi-needs-admin")
		test_uapi_needs_admin();
	igt_describe("FENCE_SIGNAL rejects unknown handles and errors.");
	igt_subtest("fence-bad-handle")
		test_fence_bad_handle();
	igt_describe("FENCE_ATTACH/SIGNAL reject unknown flags and pad.");
	igt_subtest("fence-bad-flags")
		test_fence_bad_flags();
	igt_describe("EXPORT_SYNC_FILE returns the fences of the access.");
	igt_subtest("export-sync-file")
		test_export_sync_file();
	igt_describe("IMPORT_SYNC_FILE adds read or write fences.");
	igt_subtest("import-sync-file")
		test_import_sync_file();
	igt_describe("The sync-file ioctls validate their flags.");
	igt_subtest("sync-file-bad-flags")
		test_sync_file_bad_flags();
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
	igt_describe("An importer with DMA segments under a page can't attach.");
	igt_subtest("attach-small-segments")
		test_attach_small_segments();
	igt_describe("Migration with the vprime GPU as a live dynamic "
		     "importer.");
	igt_subtest("migrate-gpu-importer")
		test_migrate_gpu_importer();

	igt_describe("Concurrent migrations, imports, fences and CPU access.");
	igt_subtest("stress-concurrent")
		test_stress_concurrent();

	igt_describe("A live dma-buf holds a vprime_core module reference.");
	igt_subtest("module-refcount")
		test_module_refcount();

	igt_describe("Every counter is back to zero.");
	igt_subtest("leak-check")
		test_leak_check();

	igt_fixture {
		close(tst);
		close(heap);
	}
}
