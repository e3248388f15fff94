/* SPDX-License-Identifier: MIT */
/*
 * ioctl_wrappers.h - vprime's declarations for the driver-neutral GEM and
 * PRIME wrappers of libigt.so.0 (IGT 1.27.1). Each asserts on failure.
 */
#ifndef IOCTL_WRAPPERS_H
#define IOCTL_WRAPPERS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

void gem_close(int fd, uint32_t handle);

int prime_handle_to_fd(int fd, uint32_t handle);
int prime_handle_to_fd_for_mmap(int fd, uint32_t handle);
uint32_t prime_fd_to_handle(int fd, int dma_buf_fd);
off_t prime_get_size(int dma_buf_fd);
void prime_sync_start(int dma_buf_fd, bool write);
void prime_sync_end(int dma_buf_fd, bool write);

/* As upstream's: a pointer as a __u64 ioctl field. */
static inline uint64_t to_user_pointer(const void *ptr)
{
	return (uintptr_t)ptr;
}

#endif /* IOCTL_WRAPPERS_H */
