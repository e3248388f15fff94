// SPDX-License-Identifier: MIT
/*
 * vprime_dmabuf - the uapi of a vprime_core dma-buf fd: DMA_BUF_IOCTL_SYNC,
 * DMA_BUF_SET_NAME, fdinfo, llseek, mmap, passing the fd over SCM_RIGHTS,
 * poll on its reservation object and the sync_file export and import
 * ioctls; fences through the test module's /dev/vprime_test.
 */

/**
 * TEST: vprime dmabuf
 * Category: Software building block
 * Description: The dma-buf file uapi of a vprime_core buffer: CPU access
 *              sync, name, fdinfo, llseek, mmap, fd passing, poll and
 *              sync_file export/import.
 * Feature: vprime core
 *
 * SUBTEST: sync-read
 * Description: DMA_BUF_IOCTL_SYNC start and end for reading, with and
 *              without a device mapping.
 *
 * SUBTEST: sync-write
 * Description: DMA_BUF_IOCTL_SYNC start and end for writing, with and
 *              without a device mapping.
 *
 * SUBTEST: sync-rw
 * Description: DMA_BUF_IOCTL_SYNC start and end for reading and writing,
 *              with and without a device mapping.
 *
 * SUBTEST: sync-bad-direction
 * Description: DMA_BUF_IOCTL_SYNC without a direction is -EINVAL.
 *
 * SUBTEST: sync-bad-flags
 * Description: DMA_BUF_IOCTL_SYNC with unknown bits is -EINVAL.
 *
 * SUBTEST: set-name
 * Description: DMA_BUF_SET_NAME shows in fdinfo and in the core's debugfs;
 *              a buffer can be renamed.
 *
 * SUBTEST: set-name-too-long
 * Description: A name longer than DMA_BUF_NAME_LEN - 1 is refused.
 *
 * SUBTEST: fdinfo
 * Description: fdinfo reports size, count (the file references) and the
 *              exporter name.
 *
 * SUBTEST: llseek-size
 * Description: SEEK_END discovers the size; other seeks are refused.
 *
 * SUBTEST: mmap-inside
 * Description: An mmap of the whole buffer writes and reads back.
 *
 * SUBTEST: mmap-offset
 * Description: mmap honours the page offset, up to the last page.
 *
 * SUBTEST: mmap-beyond
 * Description: An mmap beyond the buffer's size fails with -EINVAL.
 *
 * SUBTEST: mmap-dontneed
 * Description: After MADV_DONTNEED the pages fault back in with their data.
 *
 * SUBTEST: mmap-private
 * Description: A private mapping is refused (-EINVAL).
 *
 * SUBTEST: mmap-readonly-fd
 * Description: A read-only fd can't be mapped writable (-EACCES).
 *
 * SUBTEST: scm-rights-child
 * Description: A child receives the fd over SCM_RIGHTS and writes through
 *              it; the parent reads the data.
 *
 * SUBTEST: poll-read-fence
 * Description: A read fence blocks EPOLLOUT only.
 *
 * SUBTEST: poll-write-fence
 * Description: A write fence blocks EPOLLIN and EPOLLOUT.
 *
 * SUBTEST: export-sync-file
 * Description: DMA_BUF_IOCTL_EXPORT_SYNC_FILE returns the fences a read or
 *              a write must wait for.
 *
 * SUBTEST: import-sync-file
 * Description: DMA_BUF_IOCTL_IMPORT_SYNC_FILE adds a sync_file's fence as
 *              a read or a write fence.
 *
 * SUBTEST: sync-file-bad-flags
 * Description: The sync_file export and import ioctls reject bad flags
 *              and an fd that is not a sync_file.
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

IGT_TEST_DESCRIPTION("vprime_dmabuf: the uapi of a vprime_core dma-buf fd "
		     "(sync, name, fdinfo, llseek, mmap, poll, sync_file).");

/* /dev/vprime_heap; /dev/vprime_test (fences, importer devices) */
static int heap = -1, tst = -1;
static struct vprime_core_counters counters_base;

static void test_mmap_inside(void)
{
	const size_t size = 16 * SZ_4K;
	int fd = vprime_heap_alloc(heap, size, VPRIME_HEAP_PLACEMENT_SYSTEM);

	vprime_dmabuf_fill(fd, size, 0x1000);
	vprime_dmabuf_check(fd, size, 0x1000);
	close(fd);
}

static void test_mmap_offset(void)
{
	const size_t size = 4 * SZ_4K;
	int fd = vprime_heap_alloc(heap, size, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t *ptr;

	vprime_dmabuf_fill(fd, size, 0);
	ptr = vprime_dmabuf_mmap(fd, SZ_4K, PROT_READ, 2 * SZ_4K);
	igt_assert_eq_u32(ptr[0], 2 * SZ_4K / 4);
	igt_assert_eq_u32(ptr[SZ_4K / 4 - 1], 3 * SZ_4K / 4 - 1);
	munmap(ptr, SZ_4K);
	/* The last page, exactly at the end. */
	ptr = vprime_dmabuf_mmap(fd, SZ_4K, PROT_READ, size - SZ_4K);
	igt_assert_eq_u32(ptr[SZ_4K / 4 - 1], size / 4 - 1);
	munmap(ptr, SZ_4K);
	close(fd);
}

static void test_mmap_beyond(void)
{
	const size_t size = 2 * SZ_4K;
	int fd = vprime_heap_alloc(heap, size, VPRIME_HEAP_PLACEMENT_SYSTEM);
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
	int fd = vprime_heap_alloc(heap, size, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t *ptr;

	vprime_dmabuf_fill(fd, size, 0xd00d);
	ptr = vprime_dmabuf_mmap(fd, size, PROT_READ | PROT_WRITE, 0);
	igt_assert_eq(madvise(ptr, size, MADV_DONTNEED), 0);
	/* Shared memory: the data is still there, refaulted. */
	igt_assert_eq_u32(ptr[0], 0xd00d);
	igt_assert_eq_u32(ptr[size / 4 - 1], 0xd00d + size / 4 - 1);
	ptr[1] = 42;
	munmap(ptr, size);
	ptr = vprime_dmabuf_mmap(fd, size, PROT_READ, 0);
	igt_assert_eq_u32(ptr[1], 42);
	munmap(ptr, size);
	/* Unmapped again: it can move. */
	igt_assert_eq(__vprime_heap_migrate(heap, fd, VPRIME_HEAP_PLACEMENT_LOCAL), 0);
	close(fd);
}

static void test_mmap_private(void)
{
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
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

	igt_assert_eq(__vprime_heap_alloc(heap, &args), 0);
	ptr = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE, MAP_SHARED, args.fd, 0);
	igt_assert(ptr == MAP_FAILED);
	igt_assert_eq(errno, EACCES);
	close(args.fd);
}

static void test_sync(uint64_t dir)
{
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t h = vprime_import_attach(tst, fd, VPRIME_TEST_IMPORTER_WIDE, 0);

	/* With a device mapping, so that the syncs have something to do. */
	igt_assert_eq(__vprime_import_op(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, h, 0, NULL), 0);
	igt_assert_eq(vprime_dmabuf_sync(fd, DMA_BUF_SYNC_START | dir), 0);
	igt_assert_eq(vprime_dmabuf_sync(fd, DMA_BUF_SYNC_END | dir), 0);
	vprime_import_detach(tst, h);
	igt_assert_eq(vprime_dmabuf_sync(fd, DMA_BUF_SYNC_START | dir), 0);
	igt_assert_eq(vprime_dmabuf_sync(fd, DMA_BUF_SYNC_END | dir), 0);
	close(fd);
}

static void test_sync_bad(uint64_t flags)
{
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);

	igt_assert_eq(vprime_dmabuf_sync(fd, flags), -EINVAL);
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
	int fd = vprime_heap_alloc_id(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM, &id);

	igt_assert(vprime_core_buffer_has(id, "name=- "));
	igt_assert_eq(ioctl(fd, DMA_BUF_SET_NAME, "vprime-core-test"), 0);
	igt_assert(fdinfo_has(fd, "name:\tvprime-core-test\n"));
	igt_assert(vprime_core_buffer_has(id, "name=vprime-core-test "));
	/* Renaming is allowed. */
	igt_assert_eq(ioctl(fd, DMA_BUF_SET_NAME, "second"), 0);
	igt_assert(fdinfo_has(fd, "name:\tsecond\n"));
	igt_assert(vprime_core_buffer_has(id, "name=second "));
	close(fd);
}

static void test_set_name_too_long(void)
{
	char name[DMA_BUF_NAME_LEN + 1];
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);

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
	int fd = vprime_heap_alloc(heap, 8 * SZ_4K, VPRIME_HEAP_PLACEMENT_LOCAL);
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
	int fd = vprime_heap_alloc(heap, size, VPRIME_HEAP_PLACEMENT_SYSTEM);

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
		vprime_dmabuf_fill(cfd, size, 0xc0de0000);
		close(cfd);
	}
	close(sv[1]);

	/* Allocated after the fork: the child only has it from the socket. */
	fd = vprime_heap_alloc(heap, size, VPRIME_HEAP_PLACEMENT_SYSTEM);
	send_fd(sv[0], fd);
	igt_waitchildren();
	close(sv[0]);

	vprime_dmabuf_check(fd, size, 0xc0de0000);
	close(fd);
}

static void test_poll(bool write)
{
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	uint32_t h;

	igt_assert_eq(vprime_poll_events(fd, POLLIN | POLLOUT), POLLIN | POLLOUT);

	h = vprime_test_fence_attach(tst, fd, write);
	/* EPOLLOUT (write access) waits for every fence. */
	igt_assert_eq(vprime_poll_events(fd, POLLOUT), 0);
	/* EPOLLIN (read access) waits for write fences only. */
	igt_assert_eq(vprime_poll_events(fd, POLLIN), write ? 0 : POLLIN);

	vprime_test_fence_signal(tst, h, 0);
	vprime_poll_wait_ready(fd, POLLOUT);
	vprime_poll_wait_ready(fd, POLLIN);
	igt_assert_eq(vprime_poll_events(fd, POLLIN | POLLOUT), POLLIN | POLLOUT);
	close(fd);
}

static void test_export_sync_file(void)
{
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	int rd, wr;
	uint32_t h;

	/* No fences: a signalled stub. */
	rd = vprime_dmabuf_export_sync_file(fd, DMA_BUF_SYNC_READ);
	igt_assert_eq(sync_fence_status(rd), 1);
	close(rd);

	h = vprime_test_fence_attach(tst, fd, false);
	/* A reader waits for writers only, a writer for everyone. */
	rd = vprime_dmabuf_export_sync_file(fd, DMA_BUF_SYNC_READ);
	wr = vprime_dmabuf_export_sync_file(fd, DMA_BUF_SYNC_WRITE);
	igt_assert_eq(sync_fence_status(rd), 1);
	igt_assert_eq(sync_fence_status(wr), 0);
	vprime_test_fence_signal(tst, h, 0);
	igt_assert_eq(sync_fence_wait(wr, -1), 0);
	igt_assert_eq(sync_fence_status(wr), 1);
	close(rd);
	close(wr);

	h = vprime_test_fence_attach(tst, fd, true);
	rd = vprime_dmabuf_export_sync_file(fd, DMA_BUF_SYNC_READ);
	igt_assert_eq(sync_fence_status(rd), 0);
	vprime_test_fence_signal(tst, h, 0);
	igt_assert_eq(sync_fence_wait(rd, -1), 0);
	close(rd);
	close(fd);
}

static void test_import_sync_file(void)
{
	int a = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	int b = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);
	struct dma_buf_import_sync_file imp = { .flags = DMA_BUF_SYNC_WRITE };
	uint32_t h = vprime_test_fence_attach(tst, a, true);

	/* Move a's write fence into b as a write fence. */
	imp.fd = vprime_dmabuf_export_sync_file(a, DMA_BUF_SYNC_READ);
	igt_assert_eq(vprime_poll_events(b, POLLIN), POLLIN);
	igt_assert_eq(ioctl(b, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp), 0);
	igt_assert_eq(vprime_poll_events(b, POLLIN), 0);
	igt_assert_eq(vprime_poll_events(b, POLLOUT), 0);

	vprime_test_fence_signal(tst, h, 0);
	vprime_poll_wait_ready(b, POLLIN | POLLOUT);
	close(imp.fd);

	/* As a read fence it blocks writers only. */
	h = vprime_test_fence_attach(tst, a, true);
	imp.fd = vprime_dmabuf_export_sync_file(a, DMA_BUF_SYNC_READ);
	imp.flags = DMA_BUF_SYNC_READ;
	igt_assert_eq(ioctl(b, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp), 0);
	igt_assert_eq(vprime_poll_events(b, POLLIN), POLLIN);
	igt_assert_eq(vprime_poll_events(b, POLLOUT), 0);
	vprime_test_fence_signal(tst, h, 0);
	vprime_poll_wait_ready(b, POLLOUT);
	close(imp.fd);
	close(a);
	close(b);
}

static void test_sync_file_bad_flags(void)
{
	struct dma_buf_export_sync_file exp = {};
	struct dma_buf_import_sync_file imp = {};
	int fd = vprime_heap_alloc(heap, SZ_4K, VPRIME_HEAP_PLACEMENT_SYSTEM);

	exp.flags = 0;
	igt_assert_eq(ioctl(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp), -1);
	igt_assert_eq(errno, EINVAL);
	exp.flags = DMA_BUF_SYNC_READ | 4;
	igt_assert_eq(ioctl(fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &exp), -1);
	igt_assert_eq(errno, EINVAL);

	imp.fd = vprime_dmabuf_export_sync_file(fd, DMA_BUF_SYNC_RW);
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

igt_main
{
	igt_fixture {
		vprime_core_fixture_open(&heap, &tst, &counters_base);
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

	igt_describe("EXPORT_SYNC_FILE returns the fences of the access.");
	igt_subtest("export-sync-file")
		test_export_sync_file();

	igt_describe("IMPORT_SYNC_FILE adds read or write fences.");
	igt_subtest("import-sync-file")
		test_import_sync_file();

	igt_describe("The sync-file ioctls validate their flags.");
	igt_subtest("sync-file-bad-flags")
		test_sync_file_bad_flags();

	igt_describe("The core's counters are back at this binary's start after its mappings, syncs and sync_files.");
	igt_subtest("counters-idle")
		vprime_core_counters_assert_idle(&counters_base);

	igt_fixture
		vprime_core_fixture_close(heap, tst);
}
