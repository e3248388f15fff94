// SPDX-License-Identifier: MIT
/*
 * vprime_core_igt.c - helpers for the tests of the dma-buf core: the heap,
 * the test module's fences and importers, dma-buf fds and the core's
 * debugfs (see vprime_core_igt.h).
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
#include <unistd.h>

#include <linux/dma-buf.h>

#include "igt.h"
#include "vprime_igt.h"
#include "vprime_core_igt.h"

/* /dev/vprime_heap */

int __vprime_heap_alloc(int heap, struct vprime_heap_alloc *args)
{
	if (ioctl(heap, VPRIME_HEAP_IOCTL_ALLOC, args))
		return -errno;
	return 0;
}

int vprime_heap_alloc_id(int heap, uint64_t size, uint32_t placement,
			 uint64_t *id)
{
	struct vprime_heap_alloc args = {
		.size = size,
		.placement = placement,
	};

	igt_assert_eq(__vprime_heap_alloc(heap, &args), 0);
	igt_assert_fd((int)args.fd);
	if (id)
		*id = args.id;
	return args.fd;
}

int vprime_heap_alloc(int heap, uint64_t size, uint32_t placement)
{
	return vprime_heap_alloc_id(heap, size, placement, NULL);
}

int __vprime_heap_migrate(int heap, int fd, uint32_t placement)
{
	struct vprime_heap_migrate args = { .fd = fd, .placement = placement };

	if (ioctl(heap, VPRIME_HEAP_IOCTL_MIGRATE, &args))
		return -errno;
	return 0;
}

/* /dev/vprime_test: fences */

int __vprime_test_fence_attach(int tst, int fd, bool write, uint32_t *handle)
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

uint32_t vprime_test_fence_attach(int tst, int fd, bool write)
{
	uint32_t handle = 0;

	igt_assert_eq(__vprime_test_fence_attach(tst, fd, write, &handle), 0);
	igt_assert_neq(handle, 0);
	return handle;
}

int __vprime_test_fence_signal(int tst, uint32_t handle, uint32_t error)
{
	struct vprime_test_fence_signal args = {
		.handle = handle,
		.error = error,
	};

	if (ioctl(tst, VPRIME_TEST_IOCTL_FENCE_SIGNAL, &args))
		return -errno;
	return 0;
}

void vprime_test_fence_signal(int tst, uint32_t handle, uint32_t error)
{
	igt_assert_eq(__vprime_test_fence_signal(tst, handle, error), 0);
}

/* /dev/vprime_test: importer devices */

static int __vprime_import(int tst, unsigned long cmd,
			   struct vprime_test_import *args)
{
	if (ioctl(tst, cmd, args))
		return -errno;
	return 0;
}

int __vprime_import_attach(int tst, int fd, uint32_t importer, uint32_t flags,
			   uint32_t *handle)
{
	struct vprime_test_import args = {
		.fd = fd,
		.importer = importer,
		.flags = flags,
	};
	int ret;

	ret = __vprime_import(tst, VPRIME_TEST_IOCTL_IMPORT_ATTACH, &args);
	if (!ret)
		*handle = args.handle;
	return ret;
}

uint32_t vprime_import_attach(int tst, int fd, uint32_t importer,
			      uint32_t flags)
{
	uint32_t handle = 0;

	igt_assert_eq(__vprime_import_attach(tst, fd, importer, flags, &handle),
		      0);
	return handle;
}

int __vprime_import_op(int tst, unsigned long cmd, uint32_t handle,
		       uint32_t dir, struct vprime_test_import *out)
{
	struct vprime_test_import args = {
		.handle = handle,
		.direction = dir,
	};
	int ret;

	ret = __vprime_import(tst, cmd, &args);
	if (out)
		*out = args;
	return ret;
}

struct vprime_test_import vprime_import_query(int tst, uint32_t handle)
{
	struct vprime_test_import args;

	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_QUERY,
					 handle, 0, &args), 0);
	return args;
}

void vprime_import_detach(int tst, uint32_t handle)
{
	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_DETACH,
					 handle, 0, NULL), 0);
}

/* dma-buf fd uapi */

int vprime_dmabuf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	if (ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync))
		return -errno;
	return 0;
}

int vprime_dmabuf_export_sync_file(int dmabuf, uint32_t flags)
{
	struct dma_buf_export_sync_file args = { .flags = flags, .fd = -1 };

	do_ioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &args);
	igt_assert_fd(args.fd);
	return args.fd;
}

void vprime_dmabuf_import_sync_file(int dmabuf, int sync_file, uint32_t flags)
{
	struct dma_buf_import_sync_file args = { .flags = flags, .fd = sync_file };

	do_ioctl(dmabuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &args);
}

void *vprime_dmabuf_mmap(int fd, size_t size, int prot, off_t offset)
{
	void *ptr = mmap(NULL, size, prot, MAP_SHARED, fd, offset);

	igt_assert(ptr != MAP_FAILED);
	return ptr;
}

void vprime_dmabuf_fill(int fd, size_t size, uint32_t seed)
{
	uint32_t *ptr = vprime_dmabuf_mmap(fd, size, PROT_READ | PROT_WRITE, 0);
	size_t i;

	igt_assert_eq(vprime_dmabuf_sync(fd, DMA_BUF_SYNC_START |
					 DMA_BUF_SYNC_WRITE), 0);
	for (i = 0; i < size / 4; i++)
		ptr[i] = seed + i;
	igt_assert_eq(vprime_dmabuf_sync(fd, DMA_BUF_SYNC_END |
					 DMA_BUF_SYNC_WRITE), 0);
	munmap(ptr, size);
}

void vprime_dmabuf_check(int fd, size_t size, uint32_t seed)
{
	uint32_t *ptr = vprime_dmabuf_mmap(fd, size, PROT_READ, 0);
	size_t i;

	igt_assert_eq(vprime_dmabuf_sync(fd, DMA_BUF_SYNC_START |
					 DMA_BUF_SYNC_READ), 0);
	for (i = 0; i < size / 4; i++)
		igt_assert_f(ptr[i] == seed + i, "word %zu: %#x != %#x\n", i,
			     ptr[i], (uint32_t)(seed + i));
	igt_assert_eq(vprime_dmabuf_sync(fd, DMA_BUF_SYNC_END |
					 DMA_BUF_SYNC_READ), 0);
	munmap(ptr, size);
}

int vprime_poll_events(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ret;

	ret = poll(&pfd, 1, 0);
	igt_assert_lte(0, ret);
	return ret ? pfd.revents : 0;
}

void vprime_poll_wait_ready(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	igt_assert_eq(poll(&pfd, 1, -1), 1);
	igt_assert_eq(pfd.revents & events, events);
}

/* The core's debugfs */

uint64_t vprime_core_stat(const char *key)
{
	uint64_t value;
	int ret;

	ret = vprime_core_stat_read(key, &value);
	igt_assert_f(ret == 0, "\"%s\" of " VPRIME_CORE_STATS ": %s\n", key,
		     strerror(-ret));
	return value;
}

void vprime_core_debugfs_write(const char *name, const char *val)
{
	igt_assert_eq(__vprime_core_debugfs_write(name, val), 0);
}

int __vprime_core_debugfs_write(const char *name, const char *val)
{
	char path[128];
	int fd, ret = 0;
	ssize_t len = strlen(val);

	snprintf(path, sizeof(path), VPRIME_CORE_DEBUGFS "/%s", name);
	fd = open(path, O_WRONLY);
	igt_assert_f(fd >= 0, "open %s: %s\n", path, strerror(errno));
	if (write(fd, val, len) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

void vprime_core_reset_faults(int sig)
{
	static const char * const knobs[] = {
		"fail_next_attach", "fail_next_map",
		"fail_next_begin_cpu_access", "fence_delay_ms",
	};
	char path[128];
	size_t i;
	int fd;

	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		snprintf(path, sizeof(path), VPRIME_CORE_DEBUGFS "/%s", knobs[i]);
		fd = open(path, O_WRONLY);
		if (fd < 0)
			continue;
		if (write(fd, "0", 1) != 1)
			igt_debug("resetting %s: %s\n", knobs[i], strerror(errno));
		close(fd);
	}
}

/* The debugfs "buffers" line of buffer @id, or "" if there is none. */
static void vprime_core_buffer_line(uint64_t id, char *line, size_t size)
{
	static char buf[65536];
	char key[32], *p, *end;

	igt_assert_lte(0, vprime_read_file(VPRIME_CORE_DEBUGFS "/buffers", buf,
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

bool vprime_core_buffer_has(uint64_t id, const char *needle)
{
	char line[1024];

	vprime_core_buffer_line(id, line, sizeof(line));
	igt_debug("buffer %llu: %s\n", (unsigned long long)id, line);
	return strstr(line, needle) != NULL;
}

/* Live-object counters */

const char *const vprime_core_counter_names[VPRIME_CORE_NCOUNTERS] = {
	"live_buffers", "bytes_system", "bytes_local", "attachments",
	"mappings", "exports", "pending_fences", "live_fences",
};

void vprime_core_counters_read(struct vprime_core_counters *c)
{
	size_t i;

	for (i = 0; i < VPRIME_CORE_NCOUNTERS; i++)
		c->value[i] = vprime_core_stat(vprime_core_counter_names[i]);
}

void vprime_core_counters_snapshot(struct vprime_core_counters *c)
{
	const char *env = getenv(VPRIME_CORE_COUNTERS_ENV);
	char text[512], *p;
	size_t i;

	if (!env || !*env) {
		vprime_core_counters_read(c);
		return;
	}
	/* "key=value key=value ...": one line per key for vprime_parse_key */
	snprintf(text, sizeof(text), "%s", env);
	for (p = text; *p; p++)
		if (*p == ' ')
			*p = '\n';
	for (i = 0; i < VPRIME_CORE_NCOUNTERS; i++)
		igt_assert_f(vprime_parse_key(text, vprime_core_counter_names[i],
					      &c->value[i]) == 0,
			     "%s has no %s: \"%s\"\n", VPRIME_CORE_COUNTERS_ENV,
			     vprime_core_counter_names[i], env);
	igt_debug("counters at the binary's start (from run-tests): %s\n", env);
}

void vprime_core_fixture_open(int *heap, int *tst,
			      struct vprime_core_counters *base)
{
	*heap = vprime_heap_open();
	*tst = vprime_test_open();
	igt_require_f(access(VPRIME_CORE_DEBUGFS "/stats", R_OK) == 0,
		      "no vprime_core debugfs\n");
	vprime_core_counters_snapshot(base);
}

void vprime_core_fixture_close(int heap, int tst)
{
	close(tst);
	close(heap);
}

static bool vprime_core_counters_equal(const struct vprime_core_counters *a,
				       const struct vprime_core_counters *b)
{
	return !memcmp(a->value, b->value, sizeof(a->value));
}

bool vprime_core_counters_settled(const struct vprime_core_counters *base,
				  bool report)
{
	struct vprime_core_counters now;
	size_t i;
	int tries;

	for (tries = 0; tries < 50; tries++) {
		vprime_core_counters_read(&now);
		if (vprime_core_counters_equal(&now, base))
			break;
		usleep(100 * 1000);
	}
	if (report)
		for (i = 0; i < VPRIME_CORE_NCOUNTERS; i++)
			igt_info("%s: %" PRIu64 " (at start %" PRIu64 ")\n",
				 vprime_core_counter_names[i], now.value[i],
				 base->value[i]);
	return vprime_core_counters_equal(&now, base);
}

void vprime_core_counters_assert_idle(const struct vprime_core_counters *base)
{
	static char buf[1 << 14];

	if (vprime_core_counters_settled(base, false))
		return;
	vprime_core_counters_settled(base, true);
	if (vprime_read_file(VPRIME_CORE_DEBUGFS "/buffers", buf,
			     sizeof(buf)) >= 0)
		igt_info("vprime_core/buffers:\n%s", buf);
	igt_fail(IGT_EXIT_FAILURE);
}
