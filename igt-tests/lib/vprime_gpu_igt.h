/* SPDX-License-Identifier: MIT */
/*
 * vprime_gpu_igt.h - wrappers of the vprime GPU uapi (drm/vprime_drm.h)
 * shared by the vprime_gem, vprime_submit and vprime_sync tests.
 *
 * __vprime_gpu_*() return 0 or -errno; vprime_gpu_*() assert success.
 * Include "igt.h" before this header.
 */
#ifndef VPRIME_GPU_IGT_H
#define VPRIME_GPU_IGT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drm/vprime_drm.h"

/* Pixels are 32 bits; a "surface" here is a BO with a row stride. */
#define VPRIME_GPU_BPP	4

int vprime_gpu_ioctl(int fd, unsigned long request, void *arg);

int __vprime_gpu_bo_create(int fd, uint64_t *size, uint32_t flags,
			   uint32_t *handle);
uint32_t vprime_gpu_bo_create(int fd, uint64_t size);
int __vprime_gpu_bo_info(int fd, uint32_t handle,
			 struct drm_vprime_bo_info *info);
void *vprime_gpu_bo_mmap(int fd, uint32_t handle, size_t size);
int __vprime_gpu_bo_wait(int fd, uint32_t handle, uint32_t flags,
			 uint64_t abs_timeout_ns);
void vprime_gpu_bo_wait(int fd, uint32_t handle);
bool vprime_gpu_bo_busy(int fd, uint32_t handle);

struct drm_vprime_cmd vprime_gpu_cmd_fill(uint32_t dst, uint64_t offset,
					  uint32_t stride, uint32_t width,
					  uint32_t height, uint32_t value);
struct drm_vprime_cmd vprime_gpu_cmd_copy(uint32_t dst, uint64_t dst_offset,
					  uint32_t dst_stride, uint32_t src,
					  uint64_t src_offset,
					  uint32_t src_stride, uint32_t width,
					  uint32_t height);
struct drm_vprime_cmd vprime_gpu_cmd_pattern(uint32_t dst, uint64_t offset,
					     uint32_t stride, uint32_t width,
					     uint32_t height, uint32_t pattern,
					     uint32_t frame);
/* A submit of @count commands with everything else zero. */
struct drm_vprime_submit vprime_gpu_submit_args(struct drm_vprime_cmd *cmds,
						uint32_t count);
int __vprime_gpu_submit(int fd, struct drm_vprime_submit *args);
void vprime_gpu_submit(int fd, struct drm_vprime_submit *args);
/* One FILL of the whole BO (@size bytes) with @value. */
void vprime_gpu_fill(int fd, uint32_t handle, uint64_t size, uint32_t value);
/* Like vprime_gpu_fill() but returns the job's sync_file fd. */
int vprime_gpu_fill_fence(int fd, uint32_t handle, uint64_t size,
			  uint32_t value, uint32_t flags);

int __vprime_gpu_fence_attach(int fd, uint32_t handle, uint32_t flags,
			      uint64_t abs_timeout_ns, uint32_t *fence);
uint32_t vprime_gpu_fence_attach(int fd, uint32_t handle, uint32_t flags);
int __vprime_gpu_fence_signal(int fd, uint32_t fence);
void vprime_gpu_fence_signal(int fd, uint32_t fence);

/* The reference pattern formula of the uapi. */
uint32_t vprime_gpu_pattern_pixel(uint32_t pattern, uint32_t x, uint32_t y,
				  uint32_t width, uint32_t frame);

uint64_t vprime_gpu_now_ns(void);
/* Status of a sync_file: 1 signalled, 0 active, <0 the fence's error. */
int vprime_gpu_sync_file_status(int sync_file);
/* Wait up to @timeout_ms for a sync_file; 0 when signalled, -ETIME. */
int vprime_gpu_sync_file_wait(int sync_file, int timeout_ms);

/* debugfs job_timeout_ms of device @fd: read, and write (returns 0/-errno). */
int vprime_gpu_get_job_timeout(int fd, uint32_t *ms);
int vprime_gpu_set_job_timeout(int fd, uint32_t ms);
/* Write @value to the debugfs file @name of device @fd; 0 or -errno. */
int vprime_gpu_debugfs_write(int fd, const char *name, uint64_t value);

/* Value of fdinfo key @key of @fd; 0 or -errno. */
int vprime_gpu_fdinfo_key(int fd, const char *key, uint64_t *value);

#endif /* VPRIME_GPU_IGT_H */
