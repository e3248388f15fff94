/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vprime_heap - userspace allocator of vprime_core dma-bufs
 *
 * /dev/vprime_heap plays the role of a dma-heap (which Debian's 6.1 does
 * not build): VPRIME_HEAP_IOCTL_ALLOC returns a dma-buf fd of zeroed,
 * page-backed memory in the system placement or the simulated
 * device-local pool. VPRIME_HEAP_IOCTL_MIGRATE moves such a buffer.
 *
 * The test and debug ioctls (fences that userspace controls, importer
 * devices) are not here: they are /dev/vprime_test's, of the test module
 * vprime_test.ko (<linux/vprime_test.h>), which is never installed. Their
 * ioctl numbers 0x02-0x09 of magic 'V' stay reserved on /dev/vprime_heap,
 * which answers them with -ENOTTY.
 *
 * All structs are padded to 64 bits; pad, reserved and unknown flag bits
 * must be zero (-EINVAL otherwise).
 */
#ifndef _UAPI_LINUX_VPRIME_HEAP_H
#define _UAPI_LINUX_VPRIME_HEAP_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VPRIME_HEAP_PLACEMENT_SYSTEM	0
#define VPRIME_HEAP_PLACEMENT_LOCAL	1

/**
 * struct vprime_heap_alloc - VPRIME_HEAP_IOCTL_ALLOC
 * @size: in, bytes; non-zero, a page multiple, at most the max_alloc_mb
 *	module parameter (-EINVAL otherwise); -ENOMEM when the placement's
 *	cap (system_mem_mb, local_mem_mb) would be exceeded
 * @placement: in, VPRIME_HEAP_PLACEMENT_*
 * @flags: in, must be 0
 * @fd_flags: in, O_CLOEXEC and an access mode (O_RDONLY, O_WRONLY or
 *	O_RDWR); 0 means O_CLOEXEC | O_RDWR; anything else is -EINVAL
 * @fd: out, the dma-buf fd
 * @id: out, the buffer's id in debugfs (vprime_core/buffers)
 * @reserved: must be 0
 */
struct vprime_heap_alloc {
	__u64 size;
	__u32 placement;
	__u32 flags;
	__u32 fd_flags;
	__u32 fd;
	__u64 id;
	__u64 reserved;
};

/**
 * struct vprime_heap_migrate - VPRIME_HEAP_IOCTL_MIGRATE
 * @fd: in, a dma-buf allocated here (-EINVAL for other dma-bufs)
 * @placement: in, VPRIME_HEAP_PLACEMENT_*
 * @flags: in, must be 0
 * @pad: must be 0
 *
 * Waits for all fences of the buffer (interruptibly), then moves it.
 * -EBUSY when the buffer is pinned (a static importer, or a mapped dynamic
 * importer without CONFIG_DMABUF_MOVE_NOTIFY), vmapped, mmapped, or when
 * an attached device can't reach the target placement; -ENOMEM when the
 * target is full. Dynamic importers get move_notify.
 */
struct vprime_heap_migrate {
	__u32 fd;
	__u32 placement;
	__u32 flags;
	__u32 pad;
};

#define VPRIME_HEAP_IOC_MAGIC		'V'

#define VPRIME_HEAP_IOCTL_ALLOC \
	_IOWR(VPRIME_HEAP_IOC_MAGIC, 0x00, struct vprime_heap_alloc)
#define VPRIME_HEAP_IOCTL_MIGRATE \
	_IOW(VPRIME_HEAP_IOC_MAGIC, 0x01, struct vprime_heap_migrate)

#endif /* _UAPI_LINUX_VPRIME_HEAP_H */
