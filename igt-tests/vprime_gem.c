// SPDX-License-Identifier: MIT
/*
 * vprime_gem - buffer objects of the vprime render GPU: the BO ioctls,
 * PRIME export/import both ways, fdinfo and debugfs.
 */

/**
 * TEST: vprime gem
 * Category: Software building block
 * Description: BO ioctls, mmap, PRIME and introspection of the vprime GPU.
 * Feature: vprime gpu
 *
 * SUBTEST: basic-create
 * Description: A new BO has the requested size, reads back zeroed.
 *
 * SUBTEST: create-rounds-up
 * Description: The size is rounded up to whole pages.
 *
 * SUBTEST: create-local
 * Description: VPRIME_BO_CREATE_LOCAL places the BO in the local placement.
 *
 * SUBTEST: create-zero-size
 * Description: Size 0 gives -EINVAL.
 *
 * SUBTEST: create-huge-size
 * Description: A size that overflows when rounded up gives -EINVAL.
 *
 * SUBTEST: create-bad-flags
 * Description: Unknown create flags give -EINVAL.
 *
 * SUBTEST: mmap-offset-bad-handle
 * Description: MMAP_OFFSET of an unknown handle gives -ENOENT.
 *
 * SUBTEST: mmap-offset-bad-flags
 * Description: MMAP_OFFSET with flags gives -EINVAL.
 *
 * SUBTEST: mmap-coherent
 * Description: Two mmaps of one BO see each other's writes.
 *
 * SUBTEST: info-bad-handle
 * Description: INFO of an unknown handle gives -ENOENT.
 *
 * SUBTEST: info-bad-flags
 * Description: INFO with flags gives -EINVAL.
 *
 * SUBTEST: wait-idle
 * Description: WAIT on an idle BO succeeds, also as a poll.
 *
 * SUBTEST: wait-timeout
 * Description: WAIT on a BO with an unsignalled fence gives -ETIME at the deadline.
 *
 * SUBTEST: wait-bad-handle
 * Description: WAIT on an unknown handle gives -ENOENT.
 *
 * SUBTEST: wait-bad-flags
 * Description: WAIT with unknown flags gives -EINVAL.
 *
 * SUBTEST: prime-self-import
 * Description: Importing our own export returns the same handle.
 *
 * SUBTEST: prime-export-flags
 * Description: Export honours O_CLOEXEC and O_RDWR; the dma-buf mmaps.
 *
 * SUBTEST: prime-other-file
 * Description: Another file of the same device imports the BO and shares its pages.
 *
 * SUBTEST: prime-import-heap
 * Description: A dma-buf from /dev/vprime_heap imports as an imported BO.
 *
 * SUBTEST: prime-import-vgem
 * Description: A vgem dma-buf imports and its contents are visible.
 *
 * SUBTEST: prime-import-display
 * Description: A dumb buffer of the display device imports on the GPU.
 *
 * SUBTEST: prime-export-to-display
 * Description: A GPU BO imports on the display device and backs a framebuffer.
 *
 * SUBTEST: prime-import-gpu-instance
 * Description: A BO of a second GPU instance imports as a foreign buffer.
 *
 * SUBTEST: prime-import-bad-fd
 * Description: Importing a closed fd or a non-dma-buf fd fails.
 *
 * SUBTEST: prime-close-handle-keeps-dmabuf
 * Description: The dma-buf outlives the GEM handle and imports back.
 *
 * SUBTEST: fdinfo-keys
 * Description: fdinfo shows drm-driver, drm-client-id, drm-engine-render and drm-memory-*.
 *
 * SUBTEST: fdinfo-memory
 * Description: drm-memory-system grows by the size of a new BO.
 *
 * SUBTEST: debugfs-bos
 * Description: debugfs "bos" lists a BO with its size and export state,
 *              and its fences with usage and state.
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drmMode.h>

#include "igt.h"
#include "vprime_igt.h"
#include "vprime_gpu_igt.h"
#include "linux/vprime_heap.h"

IGT_TEST_DESCRIPTION("Buffer objects of the vprime GPU: BO ioctls, mmap, "
		     "PRIME both ways, fdinfo and debugfs.");

#define SZ (64 * 1024)

static void check_value(const uint32_t *ptr, size_t count, uint32_t value)
{
	for (size_t i = 0; i < count; i++)
		igt_assert_f(ptr[i] == value, "word %zu: 0x%08x, expected 0x%08x\n",
			     i, ptr[i], value);
}

static void test_create(int fd)
{
	struct drm_vprime_bo_info info;
	uint32_t handle = vprime_gpu_bo_create(fd, SZ);
	uint32_t *ptr;

	igt_assert_eq(__vprime_gpu_bo_info(fd, handle, &info), 0);
	igt_assert_eq_u64(info.size, SZ);
	igt_assert_eq_u32(info.placement, VPRIME_BO_PLACEMENT_SYSTEM);
	igt_assert_eq_u32(info.status, 0);
	igt_assert(info.id);

	ptr = vprime_gpu_bo_mmap(fd, handle, SZ);
	check_value(ptr, SZ / 4, 0);
	munmap(ptr, SZ);
	gem_close(fd, handle);
}

static void test_create_rounds_up(int fd)
{
	uint64_t size = 1;
	uint32_t handle;

	igt_assert_eq(__vprime_gpu_bo_create(fd, &size, 0, &handle), 0);
	igt_assert_eq_u64(size, getpagesize());
	gem_close(fd, handle);
}

static void test_create_local(int fd)
{
	struct drm_vprime_bo_info info;
	uint64_t size = SZ;
	uint32_t handle;
	int ret;

	ret = __vprime_gpu_bo_create(fd, &size, VPRIME_BO_CREATE_LOCAL, &handle);
	igt_require_f(ret != -ENOMEM, "no local memory configured\n");
	igt_assert_eq(ret, 0);
	igt_assert_eq(__vprime_gpu_bo_info(fd, handle, &info), 0);
	igt_assert_eq_u32(info.placement, VPRIME_BO_PLACEMENT_LOCAL);
	gem_close(fd, handle);
}

static void test_create_err(int fd, uint64_t size, uint32_t flags)
{
	uint32_t handle;

	igt_assert_eq(__vprime_gpu_bo_create(fd, &size, flags, &handle),
		      -EINVAL);
}

static void test_mmap_offset_err(int fd, bool bad_handle)
{
	uint32_t handle = vprime_gpu_bo_create(fd, SZ);
	struct drm_vprime_bo_mmap_offset args = {
		.handle = bad_handle ? handle + 100 : handle,
		.flags = bad_handle ? 0 : 1,
	};

	igt_assert_eq(vprime_gpu_ioctl(fd, DRM_IOCTL_VPRIME_BO_MMAP_OFFSET,
				       &args), bad_handle ? -ENOENT : -EINVAL);
	gem_close(fd, handle);
}

static void test_mmap_coherent(int fd)
{
	uint32_t handle = vprime_gpu_bo_create(fd, SZ);
	uint32_t *a = vprime_gpu_bo_mmap(fd, handle, SZ);
	uint32_t *b = vprime_gpu_bo_mmap(fd, handle, SZ);

	for (int i = 0; i < SZ / 4; i++)
		a[i] = i * 7;
	for (int i = 0; i < SZ / 4; i++)
		igt_assert_eq_u32(b[i], i * 7);
	munmap(a, SZ);
	gem_close(fd, handle);
	/* the mapping keeps the object alive after the handle is gone */
	igt_assert_eq_u32(b[SZ / 4 - 1], (SZ / 4 - 1) * 7);
	munmap(b, SZ);
}

static void test_info_err(int fd, bool bad_handle)
{
	struct drm_vprime_bo_info info = { };
	uint32_t handle = vprime_gpu_bo_create(fd, SZ);

	info.handle = bad_handle ? handle + 100 : handle;
	info.flags = bad_handle ? 0 : 1;
	igt_assert_eq(vprime_gpu_ioctl(fd, DRM_IOCTL_VPRIME_BO_INFO, &info),
		      bad_handle ? -ENOENT : -EINVAL);
	gem_close(fd, handle);
}

static void test_wait_idle(int fd)
{
	uint32_t handle = vprime_gpu_bo_create(fd, SZ);

	igt_assert_eq(__vprime_gpu_bo_wait(fd, handle, 0, 0), 0);
	igt_assert_eq(__vprime_gpu_bo_wait(fd, handle, VPRIME_BO_WAIT_READ, 0), 0);
	igt_assert_eq(__vprime_gpu_bo_wait(fd, handle, 0,
					   vprime_gpu_now_ns() + 1000000), 0);
	gem_close(fd, handle);
}

static void test_wait_timeout(int fd)
{
	uint32_t handle = vprime_gpu_bo_create(fd, SZ);
	uint32_t fence = vprime_gpu_fence_attach(fd, handle, VPRIME_FENCE_WRITE);

	igt_assert(vprime_gpu_bo_busy(fd, handle));
	igt_assert_eq(__vprime_gpu_bo_wait(fd, handle, 0, 0), -ETIME);
	igt_assert_eq(__vprime_gpu_bo_wait(fd, handle, 0,
					   vprime_gpu_now_ns() + 20000000),
		      -ETIME);
	igt_assert_eq(__vprime_gpu_bo_wait(fd, handle, VPRIME_BO_WAIT_READ, 0),
		      -ETIME);
	vprime_gpu_fence_signal(fd, fence);
	igt_assert_eq(__vprime_gpu_bo_wait(fd, handle, 0, 0), 0);
	igt_assert(!vprime_gpu_bo_busy(fd, handle));
	gem_close(fd, handle);
}

static void test_wait_err(int fd, bool bad_handle)
{
	uint32_t handle = vprime_gpu_bo_create(fd, SZ);

	if (bad_handle)
		igt_assert_eq(__vprime_gpu_bo_wait(fd, handle + 100, 0, 0),
			      -ENOENT);
	else
		igt_assert_eq(__vprime_gpu_bo_wait(fd, handle, 0x80, 0),
			      -EINVAL);
	gem_close(fd, handle);
}

static void test_self_import(int fd)
{
	uint32_t handle = vprime_gpu_bo_create(fd, SZ);
	int dmabuf = prime_handle_to_fd(fd, handle);

	igt_assert_eq_u32(prime_fd_to_handle(fd, dmabuf), handle);
	close(dmabuf);
	gem_close(fd, handle);
}

static int export_flags(int fd, uint32_t handle, uint32_t flags)
{
	struct drm_prime_handle args = { .handle = handle, .flags = flags };

	igt_assert_eq(vprime_gpu_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &args), 0);
	return args.fd;
}

static void test_export_flags(int fd)
{
	uint32_t handle = vprime_gpu_bo_create(fd, SZ);
	uint32_t *gpu_ptr = vprime_gpu_bo_mmap(fd, handle, SZ);
	uint32_t *ptr;
	int dmabuf;

	dmabuf = export_flags(fd, handle, DRM_CLOEXEC);
	igt_assert(fcntl(dmabuf, F_GETFD) & FD_CLOEXEC);
	igt_assert_eq(fcntl(dmabuf, F_GETFL) & O_ACCMODE, O_RDONLY);
	close(dmabuf);

	/* the export is cached while the handle lives: close it for a new one */
	dmabuf = export_flags(fd, handle, DRM_RDWR);
	close(dmabuf);
	gem_close(fd, handle);
	munmap(gpu_ptr, SZ);

	handle = vprime_gpu_bo_create(fd, SZ);
	gpu_ptr = vprime_gpu_bo_mmap(fd, handle, SZ);
	dmabuf = export_flags(fd, handle, DRM_RDWR);
	igt_assert(!(fcntl(dmabuf, F_GETFD) & FD_CLOEXEC));
	igt_assert_eq(fcntl(dmabuf, F_GETFL) & O_ACCMODE, O_RDWR);

	ptr = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
	igt_assert(ptr != MAP_FAILED);
	ptr[5] = 0xcafe;
	igt_assert_eq_u32(gpu_ptr[5], 0xcafe);
	munmap(ptr, SZ);
	munmap(gpu_ptr, SZ);
	close(dmabuf);
	gem_close(fd, handle);
}

static void test_other_file(int fd)
{
	int fd2 = vprime_open_gpu_render(0);
	uint32_t handle = vprime_gpu_bo_create(fd, SZ), handle2;
	struct drm_vprime_bo_info info;
	uint32_t *ptr, *ptr2;
	int dmabuf;

	ptr = vprime_gpu_bo_mmap(fd, handle, SZ);
	ptr[100] = 0x1234;
	dmabuf = prime_handle_to_fd(fd, handle);
	handle2 = prime_fd_to_handle(fd2, dmabuf);
	/* same device: the same object, not an attachment */
	igt_assert_eq(__vprime_gpu_bo_info(fd2, handle2, &info), 0);
	igt_assert(!(info.status & VPRIME_BO_STATUS_IMPORTED));
	ptr2 = vprime_gpu_bo_mmap(fd2, handle2, SZ);
	igt_assert_eq_u32(ptr2[100], 0x1234);
	igt_assert_eq_u32(prime_fd_to_handle(fd2, dmabuf), handle2);

	munmap(ptr, SZ);
	munmap(ptr2, SZ);
	close(dmabuf);
	close(fd2);
	gem_close(fd, handle);
}

static int heap_alloc(int heap, uint64_t size)
{
	struct vprime_heap_alloc args = {
		.size = size,
		.placement = VPRIME_HEAP_PLACEMENT_SYSTEM,
	};

	igt_assert_eq(vprime_gpu_ioctl(heap, VPRIME_HEAP_IOCTL_ALLOC, &args), 0);
	return args.fd;
}

/* The import's attachment is dynamic exactly when the exporter is. */
static void check_attachment(int fd, uint32_t handle, bool dynamic)
{
	static char buf[1 << 16];
	char prefix[64], *line, *end;

	igt_assert_lt(0, vprime_debugfs_read(fd, "bos", buf, sizeof(buf)));
	snprintf(prefix, sizeof(prefix), "handle %u size %u ", handle, SZ);
	line = strstr(buf, prefix);
	igt_assert_f(line, "\"%s\" not in:\n%s", prefix, buf);
	end = strchr(line, '\n');
	igt_assert(end);
	*end = '\0';
	igt_assert_f(strstr(line, dynamic ? " imported dynamic" :
			    " imported static"), "%s: not %s\n", line,
		     dynamic ? "dynamic" : "static");
}

static void check_import(int fd, int dmabuf, uint32_t *exporter_ptr,
			 bool core_buffer)
{
	struct drm_vprime_bo_info info;
	uint32_t handle, *ptr;

	handle = prime_fd_to_handle(fd, dmabuf);
	/* the core's exporter is dynamic, vgem's is not */
	check_attachment(fd, handle, core_buffer);
	igt_assert_eq(__vprime_gpu_bo_info(fd, handle, &info), 0);
	igt_assert(info.status & VPRIME_BO_STATUS_IMPORTED);
	igt_assert_eq_u64(info.size, SZ);
	if (core_buffer)
		igt_assert_eq_u32(info.placement, VPRIME_BO_PLACEMENT_SYSTEM);
	/* importing again gives the same handle */
	igt_assert_eq_u32(prime_fd_to_handle(fd, dmabuf), handle);

	exporter_ptr[7] = 0xdeadbeef;
	ptr = vprime_gpu_bo_mmap(fd, handle, SZ);
	igt_assert_eq_u32(ptr[7], 0xdeadbeef);
	ptr[8] = 0x8888;
	igt_assert_eq_u32(exporter_ptr[8], 0x8888);
	munmap(ptr, SZ);
	gem_close(fd, handle);
}

static void test_import_heap(int fd)
{
	int heap = vprime_heap_open();
	int dmabuf = heap_alloc(heap, SZ);
	uint32_t *ptr;

	ptr = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
	igt_assert(ptr != MAP_FAILED);
	check_import(fd, dmabuf, ptr, true);
	munmap(ptr, SZ);
	close(dmabuf);
	close(heap);
}

static uint32_t dumb_create(int fd, uint32_t width, uint32_t height,
			    uint64_t *size)
{
	struct drm_mode_create_dumb args = {
		.width = width, .height = height, .bpp = 32,
	};

	igt_assert_eq(vprime_gpu_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &args), 0);
	*size = args.size;
	return args.handle;
}

static void *dumb_mmap(int fd, uint32_t handle, uint64_t size)
{
	struct drm_mode_map_dumb args = { .handle = handle };
	void *ptr;

	igt_assert_eq(vprime_gpu_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &args), 0);
	ptr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   args.offset);
	igt_assert(ptr != MAP_FAILED);
	return ptr;
}

static void test_import_vgem(int fd)
{
	uint32_t handle, *ptr;
	uint64_t size;
	int vgem, dmabuf;

	vgem = __vprime_open_driver("vgem", 0, false);
	if (vgem < 0) {
		igt_system_quiet("modprobe vgem");
		vgem = __vprime_open_driver("vgem", 0, false);
	}
	igt_require_f(vgem >= 0, "vgem is not available\n");

	handle = dumb_create(vgem, SZ / 4 / 16, 16, &size);
	igt_assert_eq_u64(size, SZ);
	ptr = dumb_mmap(vgem, handle, size);
	dmabuf = prime_handle_to_fd(vgem, handle);
	check_import(fd, dmabuf, ptr, false);
	munmap(ptr, SZ);
	close(dmabuf);
	close(vgem);
}

static void test_import_display(int fd)
{
	int kms = vprime_open_display(0);
	uint32_t handle, *ptr;
	uint64_t size;
	int dmabuf;

	handle = dumb_create(kms, SZ / 4 / 16, 16, &size);
	igt_assert_eq_u64(size, SZ);
	ptr = dumb_mmap(kms, handle, size);
	dmabuf = prime_handle_to_fd(kms, handle);
	check_import(fd, dmabuf, ptr, true);
	munmap(ptr, SZ);
	close(dmabuf);
	close(kms);
}

static void test_export_to_display(int fd)
{
	int kms = vprime_open_display(0);
	/* 128x128 XRGB8888 */
	uint32_t handle = vprime_gpu_bo_create(fd, SZ);
	uint32_t kms_handle, fb_id = 0;
	uint32_t handles[4] = { }, pitches[4] = { 128 * 4 }, offsets[4] = { };
	int dmabuf;

	dmabuf = prime_handle_to_fd(fd, handle);
	kms_handle = prime_fd_to_handle(kms, dmabuf);
	igt_assert(kms_handle);
	igt_assert_eq_u32(prime_fd_to_handle(kms, dmabuf), kms_handle);

	/* the display can scan it out: a framebuffer on the import */
	handles[0] = kms_handle;
	igt_assert_eq(drmModeAddFB2(kms, 128, 128, DRM_FORMAT_XRGB8888, handles,
				    pitches, offsets, &fb_id, 0), 0);
	igt_assert(fb_id);
	drmModeRmFB(kms, fb_id);

	gem_close(kms, kms_handle);
	close(dmabuf);
	close(kms);
	gem_close(fd, handle);
}

static void test_import_gpu_instance(int fd)
{
	int other, dmabuf;
	uint32_t handle, *ptr;

	igt_require_f(vprime_count_devices(VPRIME_GPU_DRIVER) >= 2,
		      "needs vprime.num_gpus >= 2\n");
	other = vprime_open_gpu_render(1);
	handle = vprime_gpu_bo_create(other, SZ);
	ptr = vprime_gpu_bo_mmap(other, handle, SZ);
	dmabuf = prime_handle_to_fd(other, handle);
	check_import(fd, dmabuf, ptr, true);
	munmap(ptr, SZ);
	close(dmabuf);
	gem_close(other, handle);
	close(other);
}

static void test_import_bad_fd(int fd)
{
	struct drm_prime_handle args = { .fd = -1 };
	int tmp = dup(fd);

	igt_assert_eq(vprime_gpu_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &args),
		      -EBADF);
	args.fd = tmp;
	igt_assert_eq(vprime_gpu_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &args),
		      -EINVAL);
	close(tmp);
}

static void test_close_handle_keeps_dmabuf(int fd)
{
	uint32_t handle = vprime_gpu_bo_create(fd, SZ);
	uint32_t *ptr = vprime_gpu_bo_mmap(fd, handle, SZ);
	int dmabuf;

	ptr[0] = 0xabcd;
	munmap(ptr, SZ);
	dmabuf = prime_handle_to_fd(fd, handle);
	gem_close(fd, handle);

	handle = prime_fd_to_handle(fd, dmabuf);
	close(dmabuf);
	ptr = vprime_gpu_bo_mmap(fd, handle, SZ);
	igt_assert_eq_u32(ptr[0], 0xabcd);
	munmap(ptr, SZ);
	gem_close(fd, handle);
}

static void test_fdinfo_keys(int fd)
{
	char path[64], buf[4096];
	uint64_t id, busy, mem;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	igt_assert_lt(0, vprime_read_file(path, buf, sizeof(buf)));
	igt_assert_f(strstr(buf, "drm-driver:\tvprime_gpu\n"), "%s", buf);
	igt_assert_eq(vprime_parse_key(buf, "drm-client-id", &id), 0);
	igt_assert_eq(vprime_parse_key(buf, "drm-engine-render", &busy), 0);
	igt_assert_eq(vprime_parse_key(buf, "drm-memory-system", &mem), 0);
	igt_assert_eq(vprime_parse_key(buf, "drm-memory-local", &mem), 0);
}

static void test_fdinfo_memory(void)
{
	int fd = vprime_open_gpu_render(0), fd2 = vprime_open_gpu_render(0);
	uint64_t before, after, id1, id2;
	uint32_t handle;

	igt_assert_eq(vprime_gpu_fdinfo_key(fd, "drm-memory-system", &before), 0);
	handle = vprime_gpu_bo_create(fd, 1024 * 1024);
	igt_assert_eq(vprime_gpu_fdinfo_key(fd, "drm-memory-system", &after), 0);
	igt_assert_eq_u64(after, before + 1024);

	/* every file is its own client */
	igt_assert_eq(vprime_gpu_fdinfo_key(fd, "drm-client-id", &id1), 0);
	igt_assert_eq(vprime_gpu_fdinfo_key(fd2, "drm-client-id", &id2), 0);
	igt_assert_neq_u64(id1, id2);

	gem_close(fd, handle);
	close(fd2);
	close(fd);
}

/* The "bos" entry starting with @line (up to the next BO or client). */
static char *bos_entry(int fd, const char *line)
{
	static char buf[1 << 16];
	char *entry, *end;

	igt_assert_lt(0, vprime_debugfs_read(fd, "bos", buf, sizeof(buf)));
	entry = strstr(buf, line);
	igt_assert_f(entry, "\"%s\" not in:\n%s", line, buf);
	end = strstr(entry + 1, "\n  handle ");
	if (!end)
		end = strstr(entry + 1, "\nclient ");
	if (end)
		end[1] = '\0';
	return entry;
}

static void test_debugfs_bos(int fd)
{
	uint32_t handle = vprime_gpu_bo_create(fd, 3 * 4096);
	struct drm_vprime_bo_info info;
	static char buf[1 << 16];
	char line[128], *entry;
	uint32_t fence;
	int dmabuf;

	igt_assert_eq(__vprime_gpu_bo_info(fd, handle, &info), 0);
	dmabuf = prime_handle_to_fd(fd, handle);
	igt_assert_lt(0, vprime_debugfs_read(fd, "bos", buf, sizeof(buf)));
	snprintf(line, sizeof(line), "handle %u size %u placement system id %llu exported",
		 handle, 3 * 4096, (unsigned long long)info.id);
	igt_assert_f(strstr(buf, line), "\"%s\" not in:\n%s", line, buf);
	entry = bos_entry(fd, line);
	igt_assert_f(!strstr(entry, "fence:"), "a fence on an idle BO:\n%s",
		     entry);

	/* the BO's fences follow it, with their usage and state */
	fence = vprime_gpu_fence_attach(fd, handle, VPRIME_FENCE_WRITE);
	entry = bos_entry(fd, line);
	igt_assert_f(strstr(entry, "write fence:") &&
		     strstr(entry, "unsignalled"),
		     "the write fence is not listed:\n%s", entry);
	vprime_gpu_fence_signal(fd, fence);
	entry = bos_entry(fd, line);
	igt_assert_f(!strstr(entry, "unsignalled"),
		     "the signalled fence is listed as unsignalled:\n%s", entry);

	close(dmabuf);
	gem_close(fd, handle);
}

igt_main
{
	int fd = -1;

	igt_fixture {
		fd = vprime_open_gpu_render(0);
	}

	igt_describe("A new BO has the requested size and reads back zeroed.");
	igt_subtest("basic-create")
		test_create(fd);

	igt_describe("The size is rounded up to whole pages.");
	igt_subtest("create-rounds-up")
		test_create_rounds_up(fd);

	igt_describe("VPRIME_BO_CREATE_LOCAL places the BO in local memory.");
	igt_subtest("create-local")
		test_create_local(fd);

	igt_describe("Size 0 gives -EINVAL.");
	igt_subtest("create-zero-size")
		test_create_err(fd, 0, 0);

	igt_describe("A size that overflows when rounded up gives -EINVAL.");
	igt_subtest("create-huge-size")
		test_create_err(fd, UINT64_MAX - 10, 0);

	igt_describe("Unknown create flags give -EINVAL.");
	igt_subtest("create-bad-flags")
		test_create_err(fd, SZ, 0x100);

	igt_describe("MMAP_OFFSET of an unknown handle gives -ENOENT.");
	igt_subtest("mmap-offset-bad-handle")
		test_mmap_offset_err(fd, true);

	igt_describe("MMAP_OFFSET with flags gives -EINVAL.");
	igt_subtest("mmap-offset-bad-flags")
		test_mmap_offset_err(fd, false);

	igt_describe("Two mmaps of one BO see each other's writes.");
	igt_subtest("mmap-coherent")
		test_mmap_coherent(fd);

	igt_describe("INFO of an unknown handle gives -ENOENT.");
	igt_subtest("info-bad-handle")
		test_info_err(fd, true);

	igt_describe("INFO with flags gives -EINVAL.");
	igt_subtest("info-bad-flags")
		test_info_err(fd, false);

	igt_describe("WAIT on an idle BO succeeds, also as a poll.");
	igt_subtest("wait-idle")
		test_wait_idle(fd);

	igt_describe("WAIT on a fenced BO gives -ETIME at its deadline.");
	igt_subtest("wait-timeout")
		test_wait_timeout(fd);

	igt_describe("WAIT on an unknown handle gives -ENOENT.");
	igt_subtest("wait-bad-handle")
		test_wait_err(fd, true);

	igt_describe("WAIT with unknown flags gives -EINVAL.");
	igt_subtest("wait-bad-flags")
		test_wait_err(fd, false);

	igt_describe("Importing our own export returns the same handle.");
	igt_subtest("prime-self-import")
		test_self_import(fd);

	igt_describe("Export honours O_CLOEXEC and O_RDWR; the dma-buf mmaps.");
	igt_subtest("prime-export-flags")
		test_export_flags(fd);

	igt_describe("Another file of the device imports the same object.");
	igt_subtest("prime-other-file")
		test_other_file(fd);

	igt_describe("A /dev/vprime_heap dma-buf imports as an imported BO.");
	igt_subtest("prime-import-heap")
		test_import_heap(fd);

	igt_describe("A vgem dma-buf imports and shares its pages.");
	igt_subtest("prime-import-vgem")
		test_import_vgem(fd);

	igt_describe("A display dumb buffer imports on the GPU.");
	igt_subtest("prime-import-display")
		test_import_display(fd);

	igt_describe("A GPU BO imports on the display device.");
	igt_subtest("prime-export-to-display")
		test_export_to_display(fd);

	igt_describe("A BO of another GPU instance imports as a foreign buffer.");
	igt_subtest("prime-import-gpu-instance")
		test_import_gpu_instance(fd);

	igt_describe("Importing a closed or non-dma-buf fd fails.");
	igt_subtest("prime-import-bad-fd")
		test_import_bad_fd(fd);

	igt_describe("The dma-buf outlives the GEM handle and imports back.");
	igt_subtest("prime-close-handle-keeps-dmabuf")
		test_close_handle_keeps_dmabuf(fd);

	igt_describe("fdinfo shows the DRM client keys.");
	igt_subtest("fdinfo-keys")
		test_fdinfo_keys(fd);

	igt_describe("drm-memory-system grows by the size of a new BO.");
	igt_subtest("fdinfo-memory")
		test_fdinfo_memory();

	igt_describe("debugfs bos lists a BO with size and export state.");
	igt_subtest("debugfs-bos")
		test_debugfs_bos(fd);

	igt_fixture {
		close(fd);
	}
}
