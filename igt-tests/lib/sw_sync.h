/* SPDX-License-Identifier: MIT */
/*
 * sw_sync.h - vprime's declarations for libigt.so.0's sw_sync (software
 * timeline) and sync_file helpers (IGT 1.27.1).
 *
 * Debian's 6.1 kernel is built without CONFIG_SW_SYNC: the sw_sync_timeline_*
 * helpers are unavailable there and igt_require_sw_sync() skips. The
 * sync_fence_* helpers work on any sync_file.
 */
#ifndef SW_SYNC_H
#define SW_SYNC_H

#include <stdint.h>

#define SW_SYNC_FENCE_STATUS_ERROR	(-1)
#define SW_SYNC_FENCE_STATUS_ACTIVE	(0)
#define SW_SYNC_FENCE_STATUS_SIGNALED	(1)

void igt_require_sw_sync(void);

int sw_sync_timeline_create(void);
void sw_sync_timeline_inc(int fd, uint32_t count);
int sw_sync_timeline_create_fence(int fd, uint32_t seqno);

int sync_fence_merge(int fd1, int fd2);
int sync_fence_wait(int fence, int timeout);
int sync_fence_status(int fence);
int sync_fence_count(int fd);
int sync_fence_count_status(int fd, int status);

#endif /* SW_SYNC_H */
