// SPDX-License-Identifier: MIT
/*
 * The render GPU ("vprime_gpu") through its uapi, vprime_drm.h: buffer
 * objects, CPU mappings, waits and job submission.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "demo.h"

int gpu_bo_create(int fd, uint64_t size, uint32_t *handle)
{
	struct drm_vprime_bo_create args = { .size = size };

	if (drmIoctl(fd, DRM_IOCTL_VPRIME_BO_CREATE, &args)) {
		demo_err(errno, "DRM_IOCTL_VPRIME_BO_CREATE(%llu bytes)",
			 (unsigned long long)size);
		return -errno;
	}
	*handle = args.handle;
	return 0;
}

/* A shared read-write CPU mapping of the BO, or NULL. */
void *gpu_bo_map(int fd, uint32_t handle, size_t size)
{
	struct drm_vprime_bo_mmap_offset args = { .handle = handle };
	void *map;

	if (drmIoctl(fd, DRM_IOCTL_VPRIME_BO_MMAP_OFFSET, &args)) {
		demo_err(errno, "DRM_IOCTL_VPRIME_BO_MMAP_OFFSET(handle %u)",
			 handle);
		return NULL;
	}
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   (off_t)args.offset);
	if (map == MAP_FAILED) {
		demo_err(errno, "mmap of GPU BO %u", handle);
		return NULL;
	}
	return map;
}

/* Wait until the BO is idle; @timeout_ns is relative, converted to absolute. */
int gpu_bo_wait(int fd, uint32_t handle, uint64_t timeout_ns)
{
	struct drm_vprime_bo_wait args = {
		.handle = handle,
		.timeout_ns = demo_now_ns() + timeout_ns,
	};

	if (drmIoctl(fd, DRM_IOCTL_VPRIME_BO_WAIT, &args)) {
		demo_err(errno, "DRM_IOCTL_VPRIME_BO_WAIT(handle %u)", handle);
		return -errno;
	}
	return 0;
}

/*
 * Queue a job with implicit sync only (no in-fences) and @flags; with
 * VPRIME_SUBMIT_OUT_FENCE_FD, *fence_fd gets a sync_file of its fence.
 */
static int submit(int fd, const struct drm_vprime_cmd *cmds, unsigned int count,
		  uint64_t duration_ns, uint32_t flags, int *fence_fd)
{
	struct drm_vprime_submit args = {
		.cmds = (uintptr_t)cmds,
		.cmd_count = count,
		.flags = flags,
		.duration_ns = duration_ns,
	};

	if (drmIoctl(fd, DRM_IOCTL_VPRIME_SUBMIT, &args)) {
		demo_err(errno, "DRM_IOCTL_VPRIME_SUBMIT(%s%u commands)",
			 flags & VPRIME_SUBMIT_HANG ? "HANG, " : "", count);
		return -errno;
	}
	if (flags & VPRIME_SUBMIT_OUT_FENCE_FD)
		*fence_fd = args.out_fence_fd;
	return 0;
}

/* Queue a job with implicit sync only: no in-fences, no out-fence. */
int gpu_submit(int fd, const struct drm_vprime_cmd *cmds, unsigned int count,
	       uint64_t duration_ns)
{
	return submit(fd, cmds, count, duration_ns, 0, NULL);
}

/*
 * Queue a job that never completes (VPRIME_SUBMIT_HANG): the scheduler's
 * timeout ends it and signals its fence with -ETIMEDOUT. *fence_fd gets a
 * sync_file of that fence.
 */
int gpu_submit_hang(int fd, const struct drm_vprime_cmd *cmds,
		    unsigned int count, int *fence_fd)
{
	return submit(fd, cmds, count, 0,
		      VPRIME_SUBMIT_HANG | VPRIME_SUBMIT_OUT_FENCE_FD, fence_fd);
}

void gpu_gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close args = { .handle = handle };

	if (handle && drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &args))
		demo_err(errno, "DRM_IOCTL_GEM_CLOSE(handle %u)", handle);
}
