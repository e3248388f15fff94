/* SPDX-License-Identifier: MIT */
/*
 * vprime_core_igt.h - helpers for the tests of the dma-buf core
 * (vprime_heap, vprime_dmabuf, vprime_user_fence, vprime_importer,
 * vprime_fault_inject, vprime_migrate): the heap's ALLOC and MIGRATE
 * (linux/vprime_heap.h), the test module's fences and importer devices
 * (linux/vprime_test.h), a dma-buf fd's own uapi, and the core's debugfs
 * (stats, buffers, fault knobs).
 *
 * @heap is an fd of /dev/vprime_heap, @tst one of /dev/vprime_test.
 * __vprime_*() return 0 or -errno; the others assert success. Include
 * "igt.h" before this header.
 */
#ifndef VPRIME_CORE_IGT_H
#define VPRIME_CORE_IGT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/vprime_heap.h>
#include <linux/vprime_test.h>

#define VPRIME_CORE_DEBUGFS "/sys/kernel/debug/vprime_core"
#define SZ_4K 4096ull
#define SZ_16K (4 * SZ_4K)
#define SZ_64K (16 * SZ_4K)
#define SZ_1M (1024ull * 1024)

/* /dev/vprime_heap */
int __vprime_heap_alloc(int heap, struct vprime_heap_alloc *args);
/* A dma-buf fd of @size in @placement; its core id in @id if not NULL. */
int vprime_heap_alloc_id(int heap, uint64_t size, uint32_t placement,
			 uint64_t *id);
int vprime_heap_alloc(int heap, uint64_t size, uint32_t placement);
int __vprime_heap_migrate(int heap, int fd, uint32_t placement);

/* /dev/vprime_test: fences in dma-buf @fd's reservation object */
int __vprime_test_fence_attach(int tst, int fd, bool write, uint32_t *handle);
uint32_t vprime_test_fence_attach(int tst, int fd, bool write);
int __vprime_test_fence_signal(int tst, uint32_t handle, uint32_t error);
void vprime_test_fence_signal(int tst, uint32_t handle, uint32_t error);

/* /dev/vprime_test: importer devices (VPRIME_TEST_IMPORTER_*) */
int __vprime_import_attach(int tst, int fd, uint32_t importer, uint32_t flags,
			   uint32_t *handle);
uint32_t vprime_import_attach(int tst, int fd, uint32_t importer,
			      uint32_t flags);
/* IMPORT_MAP/UNMAP/QUERY/DETACH @cmd on @handle; the reply in @out. */
int __vprime_import_op(int tst, unsigned long cmd, uint32_t handle,
		       uint32_t dir, struct vprime_test_import *out);
struct vprime_test_import vprime_import_query(int tst, uint32_t handle);
void vprime_import_detach(int tst, uint32_t handle);

/* dma-buf fd uapi */
/* DMA_BUF_IOCTL_SYNC, raw (no EINTR restart). */
int vprime_dmabuf_sync(int fd, uint64_t flags);
/* DMA_BUF_IOCTL_EXPORT_SYNC_FILE with DMA_BUF_SYNC_READ/WRITE @flags. */
int vprime_dmabuf_export_sync_file(int dmabuf, uint32_t flags);
/* DMA_BUF_IOCTL_IMPORT_SYNC_FILE: add @sync_file as a READ/WRITE fence. */
void vprime_dmabuf_import_sync_file(int dmabuf, int sync_file, uint32_t flags);
void *vprime_dmabuf_mmap(int fd, size_t size, int prot, off_t offset);
/* Write word i as @seed + i through a CPU mapping, inside SYNC start/end. */
void vprime_dmabuf_fill(int fd, size_t size, uint32_t seed);
/* Assert word i reads @seed + i. */
void vprime_dmabuf_check(int fd, size_t size, uint32_t seed);
/* The revents of @events ready on @fd now (poll with no timeout). */
int vprime_poll_events(int fd, short events);
/* Block until @events are ready on @fd (no timeout: the fence will come). */
void vprime_poll_wait_ready(int fd, short events);

/* The core's debugfs */
/* Read "key: value" from /sys/kernel/debug/vprime_core/stats. */
uint64_t vprime_core_stat(const char *key);
void vprime_core_debugfs_write(const char *name, const char *val);
int __vprime_core_debugfs_write(const char *name, const char *val);
/* Disarm every fault knob (an igt exit handler too: @sig is unused). */
void vprime_core_reset_faults(int sig);
/* True if the debugfs "buffers" line of buffer @id contains @needle. */
bool vprime_core_buffer_has(uint64_t id, const char *needle);

/*
 * The core's live-object counters (buffers, bytes per placement,
 * attachments, mappings, exports, deferred and live fences).
 *
 * A test binary takes a snapshot in its first fixture and its last
 * subtest, counters-idle, asserts that they are back at it. The snapshot
 * is the binary's start: when igt-tests/run-tests runs each subtest in a
 * process of its own, it reads the counters before the binary's first
 * subtest and passes them in the environment (VPRIME_CORE_COUNTERS, as
 * "key=value ..."), which vprime_core_counters_snapshot() takes instead
 * of the values of the moment.
 */
#define VPRIME_CORE_NCOUNTERS 8
#define VPRIME_CORE_COUNTERS_ENV "VPRIME_CORE_COUNTERS"

struct vprime_core_counters {
	uint64_t value[VPRIME_CORE_NCOUNTERS];
};

extern const char *const vprime_core_counter_names[VPRIME_CORE_NCOUNTERS];

/*
 * The first fixture of a core test binary: open /dev/vprime_heap into
 * @heap and /dev/vprime_test into @tst (skipping without them or the
 * core's debugfs) and take the snapshot @base that counters-idle checks.
 */
void vprime_core_fixture_open(int *heap, int *tst,
			      struct vprime_core_counters *base);
/* The last fixture: close what vprime_core_fixture_open() opened. */
void vprime_core_fixture_close(int heap, int tst);
void vprime_core_counters_read(struct vprime_core_counters *c);
/* The binary's start: the runner's snapshot if it gave one, else now. */
void vprime_core_counters_snapshot(struct vprime_core_counters *c);
/*
 * Wait up to 5 s for the counters to equal @base (dma-bufs dropped by the
 * kernel are released from a workqueue); true if they do. With @report,
 * igt_info() each counter against @base.
 */
bool vprime_core_counters_settled(const struct vprime_core_counters *base,
				  bool report);
/* Fail, listing the counters and the live buffers, unless they settle. */
void vprime_core_counters_assert_idle(const struct vprime_core_counters *base);

#endif /* VPRIME_CORE_IGT_H */
