// SPDX-License-Identifier: MIT
/*
 * vprime_gpu_igt.c - wrappers of the vprime GPU uapi for the GPU tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/sync_file.h>

#include "igt.h"
#include "vprime_igt.h"
#include "vprime_gpu_igt.h"

int vprime_gpu_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret ? -errno : 0;
}

int __vprime_gpu_bo_create(int fd, uint64_t *size, uint32_t flags,
			   uint32_t *handle)
{
	struct drm_vprime_bo_create args = { .size = *size, .flags = flags };
	int ret;

	ret = vprime_gpu_ioctl(fd, DRM_IOCTL_VPRIME_BO_CREATE, &args);
	if (!ret) {
		*size = args.size;
		*handle = args.handle;
	}
	return ret;
}

uint32_t vprime_gpu_bo_create(int fd, uint64_t size)
{
	uint32_t handle = 0;

	igt_assert_eq(__vprime_gpu_bo_create(fd, &size, 0, &handle), 0);
	igt_assert(handle);
	return handle;
}

int __vprime_gpu_bo_info(int fd, uint32_t handle,
			 struct drm_vprime_bo_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	return vprime_gpu_ioctl(fd, DRM_IOCTL_VPRIME_BO_INFO, info);
}

void *vprime_gpu_bo_mmap(int fd, uint32_t handle, size_t size)
{
	struct drm_vprime_bo_mmap_offset args = { .handle = handle };
	void *ptr;

	igt_assert_eq(vprime_gpu_ioctl(fd, DRM_IOCTL_VPRIME_BO_MMAP_OFFSET,
				       &args), 0);
	ptr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   args.offset);
	igt_assert_f(ptr != MAP_FAILED, "mmap of BO %u: %s\n", handle,
		     strerror(errno));
	return ptr;
}

int __vprime_gpu_bo_wait(int fd, uint32_t handle, uint32_t flags,
			 uint64_t abs_timeout_ns)
{
	struct drm_vprime_bo_wait args = {
		.handle = handle,
		.flags = flags,
		.timeout_ns = abs_timeout_ns,
	};

	return vprime_gpu_ioctl(fd, DRM_IOCTL_VPRIME_BO_WAIT, &args);
}

void vprime_gpu_bo_wait(int fd, uint32_t handle)
{
	igt_assert_eq(__vprime_gpu_bo_wait(fd, handle, 0, UINT64_MAX), 0);
}

bool vprime_gpu_bo_busy(int fd, uint32_t handle)
{
	struct drm_vprime_bo_info info;

	igt_assert_eq(__vprime_gpu_bo_info(fd, handle, &info), 0);
	return info.status & VPRIME_BO_STATUS_BUSY;
}

struct drm_vprime_cmd vprime_gpu_cmd_fill(uint32_t dst, uint64_t offset,
					  uint32_t stride, uint32_t width,
					  uint32_t height, uint32_t value)
{
	struct drm_vprime_cmd cmd = {
		.op = VPRIME_CMD_FILL,
		.dst_handle = dst,
		.dst_offset = offset,
		.dst_stride = stride,
		.width = width,
		.height = height,
		.value = value,
	};

	return cmd;
}

struct drm_vprime_cmd vprime_gpu_cmd_copy(uint32_t dst, uint64_t dst_offset,
					  uint32_t dst_stride, uint32_t src,
					  uint64_t src_offset,
					  uint32_t src_stride, uint32_t width,
					  uint32_t height)
{
	struct drm_vprime_cmd cmd = {
		.op = VPRIME_CMD_COPY,
		.dst_handle = dst,
		.src_handle = src,
		.dst_offset = dst_offset,
		.src_offset = src_offset,
		.dst_stride = dst_stride,
		.src_stride = src_stride,
		.width = width,
		.height = height,
	};

	return cmd;
}

struct drm_vprime_cmd vprime_gpu_cmd_pattern(uint32_t dst, uint64_t offset,
					     uint32_t stride, uint32_t width,
					     uint32_t height, uint32_t pattern,
					     uint32_t frame)
{
	struct drm_vprime_cmd cmd = {
		.op = VPRIME_CMD_PATTERN,
		.dst_handle = dst,
		.dst_offset = offset,
		.dst_stride = stride,
		.width = width,
		.height = height,
		.pattern = pattern,
		.frame = frame,
	};

	return cmd;
}

struct drm_vprime_submit vprime_gpu_submit_args(struct drm_vprime_cmd *cmds,
						uint32_t count)
{
	struct drm_vprime_submit args = {
		.cmds = (uintptr_t)cmds,
		.cmd_count = count,
	};

	return args;
}

int __vprime_gpu_submit(int fd, struct drm_vprime_submit *args)
{
	return vprime_gpu_ioctl(fd, DRM_IOCTL_VPRIME_SUBMIT, args);
}

void vprime_gpu_submit(int fd, struct drm_vprime_submit *args)
{
	igt_assert_eq(__vprime_gpu_submit(fd, args), 0);
}

int vprime_gpu_fill_fence(int fd, uint32_t handle, uint64_t size,
			  uint32_t value, uint32_t flags)
{
	uint32_t width = 1024, height = size / (width * VPRIME_GPU_BPP);
	struct drm_vprime_cmd cmd;
	struct drm_vprime_submit args;

	if (!height) {
		width = size / VPRIME_GPU_BPP;
		height = 1;
	}
	igt_assert_eq_u64((uint64_t)width * height * VPRIME_GPU_BPP, size);
	cmd = vprime_gpu_cmd_fill(handle, 0, width * VPRIME_GPU_BPP, width,
				  height, value);
	args = vprime_gpu_submit_args(&cmd, 1);
	args.flags = flags | VPRIME_SUBMIT_OUT_FENCE_FD;
	vprime_gpu_submit(fd, &args);
	igt_assert_fd((int)args.out_fence_fd);
	return args.out_fence_fd;
}

void vprime_gpu_fill(int fd, uint32_t handle, uint64_t size, uint32_t value)
{
	close(vprime_gpu_fill_fence(fd, handle, size, value, 0));
}

int __vprime_gpu_fence_attach(int fd, uint32_t handle, uint32_t flags,
			      uint64_t abs_timeout_ns, uint32_t *fence)
{
	struct drm_vprime_fence_attach args = {
		.handle = handle,
		.flags = flags,
		.timeout_ns = abs_timeout_ns,
	};
	int ret;

	ret = vprime_gpu_ioctl(fd, DRM_IOCTL_VPRIME_FENCE_ATTACH, &args);
	if (!ret)
		*fence = args.out_fence;
	return ret;
}

uint32_t vprime_gpu_fence_attach(int fd, uint32_t handle, uint32_t flags)
{
	uint32_t fence = 0;

	igt_assert_eq(__vprime_gpu_fence_attach(fd, handle, flags, 0, &fence),
		      0);
	igt_assert(fence);
	return fence;
}

int __vprime_gpu_fence_signal(int fd, uint32_t fence)
{
	struct drm_vprime_fence_signal args = { .fence = fence };

	return vprime_gpu_ioctl(fd, DRM_IOCTL_VPRIME_FENCE_SIGNAL, &args);
}

void vprime_gpu_fence_signal(int fd, uint32_t fence)
{
	igt_assert_eq(__vprime_gpu_fence_signal(fd, fence), 0);
}

static const uint32_t vprime_gpu_bar_colours[8] = {
	0xffffffff, 0xffffff00, 0xff00ffff, 0xff00ff00,
	0xffff00ff, 0xffff0000, 0xff0000ff, 0xff000000,
};

uint32_t vprime_gpu_pattern_pixel(uint32_t pattern, uint32_t x, uint32_t y,
				  uint32_t width, uint32_t frame)
{
	uint32_t xs = (uint32_t)(((uint64_t)x + frame) % width);

	switch (pattern) {
	case VPRIME_PATTERN_GRADIENT:
		return 0xff000000 | ((xs & 0xff) << 16) |
		       (((y + frame) & 0xff) << 8) | (frame & 0xff);
	case VPRIME_PATTERN_CHECKER:
		return ((xs / 32 + y / 32) & 1) ? 0xffffffff : 0xff000000;
	default:
		return vprime_gpu_bar_colours[(uint64_t)xs * 8 / width];
	}
}

uint64_t vprime_gpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int vprime_gpu_sync_file_status(int sync_file)
{
	struct sync_file_info info;

	memset(&info, 0, sizeof(info));
	igt_assert_eq(vprime_gpu_ioctl(sync_file, SYNC_IOC_FILE_INFO, &info),
		      0);
	return info.status;
}

int vprime_gpu_sync_file_wait(int sync_file, int timeout_ms)
{
	struct pollfd pfd = { .fd = sync_file, .events = POLLIN };
	int ret;

	do {
		ret = poll(&pfd, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	igt_assert(ret >= 0);
	return ret ? 0 : -ETIME;
}

static int vprime_gpu_debugfs_path(int fd, const char *name, char *path,
				   size_t size)
{
	char dir[256];
	int ret;

	ret = vprime_debugfs_dir(fd, dir, sizeof(dir));
	if (ret)
		return ret;
	snprintf(path, size, "%s/%s", dir, name);
	return 0;
}

int vprime_gpu_get_job_timeout(int fd, uint32_t *ms)
{
	char path[300];
	uint64_t val;
	int ret;

	ret = vprime_gpu_debugfs_path(fd, "job_timeout_ms", path, sizeof(path));
	if (ret)
		return ret;
	ret = vprime_read_u64(path, &val);
	if (!ret)
		*ms = val;
	return ret;
}

int vprime_gpu_debugfs_write(int fd, const char *name, uint64_t value)
{
	char path[300], buf[32];
	int dfd, len, ret = 0;

	ret = vprime_gpu_debugfs_path(fd, name, path, sizeof(path));
	if (ret)
		return ret;
	dfd = open(path, O_WRONLY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", value);
	if (write(dfd, buf, len) != len)
		ret = -errno;
	close(dfd);
	return ret;
}

int vprime_gpu_set_job_timeout(int fd, uint32_t ms)
{
	return vprime_gpu_debugfs_write(fd, "job_timeout_ms", ms);
}

int vprime_gpu_fdinfo_key(int fd, const char *key, uint64_t *value)
{
	char path[64], buf[4096];
	int ret;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	ret = vprime_read_file(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	return vprime_parse_key(buf, key, value);
}
