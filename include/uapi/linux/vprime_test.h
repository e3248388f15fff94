/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vprime_test - the test and debug uapi of vprime_test.ko
 *
 * /dev/vprime_test belongs to the test module vprime_test.ko, which the
 * test suite loads and which neither `make install` nor DKMS installs (as
 * the kernel keeps its dma-buf selftests in a module of their own). It
 * lets a test put fences it controls into any dma-buf's reservation
 * object (FENCE_*) and attach one of the module's three importer devices
 * to any dma-buf, as a driver would (IMPORT_*). All ioctls need
 * CAP_SYS_ADMIN (-EPERM otherwise): a fence that only its creator signals
 * could stall any buffer it is given.
 *
 * These ioctls were /dev/vprime_heap's before: the magic, the numbers and
 * the structs are unchanged, only the node (and the names) moved.
 *
 * All structs are padded to 64 bits; pad and unknown flag bits must be
 * zero (-EINVAL otherwise).
 */
#ifndef _UAPI_LINUX_VPRIME_TEST_H
#define _UAPI_LINUX_VPRIME_TEST_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Add the fence with DMA_RESV_USAGE_WRITE; READ usage otherwise. */
#define VPRIME_TEST_FENCE_WRITE		(1u << 0)

/**
 * struct vprime_test_fence_attach - VPRIME_TEST_IOCTL_FENCE_ATTACH
 * @fd: in, any dma-buf
 * @flags: in, VPRIME_TEST_FENCE_WRITE or 0
 * @handle: out, the fence's handle in this open file
 * @pad: must be 0
 *
 * Adds a new unsignalled fence to the dma-buf's reservation object. It is
 * signalled by VPRIME_TEST_IOCTL_FENCE_SIGNAL, with -ECANCELED when the
 * test file is closed, or by itself with -ETIMEDOUT after the module
 * parameter vprime_test.fence_timeout_ms (default 10 s).
 */
struct vprime_test_fence_attach {
	__u32 fd;
	__u32 flags;
	__u32 handle;
	__u32 pad;
};

/**
 * struct vprime_test_fence_signal - VPRIME_TEST_IOCTL_FENCE_SIGNAL
 * @handle: in, from FENCE_ATTACH (-ENOENT if unknown or signalled; the
 *	fence is signalled and forgotten with -ETIMEDOUT if it had timed out)
 * @error: in, 0, or a positive errno (at most 4095) set as the fence error
 * @flags: in, must be 0
 * @pad: must be 0
 */
struct vprime_test_fence_signal {
	__u32 handle;
	__u32 error;
	__u32 flags;
	__u32 pad;
};

/* Importer devices: a 64-bit DMA mask (reaches both placements) ... */
#define VPRIME_TEST_IMPORTER_WIDE	0
/* ... and a 32-bit one (reaches only the system placement) ... */
#define VPRIME_TEST_IMPORTER_NARROW	1
/*
 * ... and one whose DMA segments are at most 2 KiB: no placement (both are
 * made of whole pages) can serve it, so ATTACH fails with -EINVAL.
 */
#define VPRIME_TEST_IMPORTER_SMALL_SEG	2

/* Attach statically (dma_buf_attach) instead of dynamically. */
#define VPRIME_TEST_IMPORT_STATIC	(1u << 0)

#define VPRIME_TEST_IMPORT_DIR_BIDIRECTIONAL	0
#define VPRIME_TEST_IMPORT_DIR_TO_DEVICE	1
#define VPRIME_TEST_IMPORT_DIR_FROM_DEVICE	2

/* status bits */
#define VPRIME_TEST_IMPORT_DYNAMIC	(1u << 0)
#define VPRIME_TEST_IMPORT_MAPPED	(1u << 1)

/**
 * struct vprime_test_import - VPRIME_TEST_IOCTL_IMPORT_*
 * @fd: ATTACH in, any dma-buf; ignored by the other ioctls
 * @importer: ATTACH in, VPRIME_TEST_IMPORTER_*; ignored by the others
 * @flags: ATTACH in, VPRIME_TEST_IMPORT_STATIC or 0; 0 for the others
 * @handle: ATTACH out; in for MAP, UNMAP, DETACH, QUERY (-ENOENT if unknown)
 * @direction: MAP in, VPRIME_TEST_IMPORT_DIR_*; 0 for the others
 * @status: out, VPRIME_TEST_IMPORT_DYNAMIC | VPRIME_TEST_IMPORT_MAPPED
 * @invalidations: out, how many times move_notify invalidated the import
 * @pad: must be 0
 *
 * ATTACH attaches the importer device (dynamically when the exporter is
 * dynamic, unless VPRIME_TEST_IMPORT_STATIC), MAP maps it for @direction
 * under the reservation lock and keeps the mapping until UNMAP, DETACH or
 * a move; errors from the exporter are returned as they are.
 */
struct vprime_test_import {
	__u32 fd;
	__u32 importer;
	__u32 flags;
	__u32 handle;
	__u32 direction;
	__u32 status;
	__u32 invalidations;
	__u32 pad;
};

/**
 * struct vprime_test_import_read - VPRIME_TEST_IOCTL_IMPORT_READ
 * @handle: an import of this file (-ENOENT if unknown)
 * @flags: must be 0
 * @offset: first byte of the dma-buf to read
 * @size: bytes to read, 1 to VPRIME_TEST_IMPORT_READ_MAX, with
 *	@offset + @size at most the dma-buf's size
 * @data: user pointer to @size bytes that receive what the device read
 *
 * The importer device reads the buffer as a DMA engine does: through the
 * DMA addresses of the import's current mapping, which must exist
 * (IMPORT_MAP; -ENODATA if there is none, for example after a move
 * invalidated it) and let the device read (-EINVAL for
 * VPRIME_TEST_IMPORT_DIR_FROM_DEVICE). It neither waits for fences nor
 * does cache maintenance: it sees what the exporter made visible to the
 * device, so data the CPU wrote is there after DMA_BUF_IOCTL_SYNC END
 * (end_cpu_access syncs every mapping for its device, bounce buffers
 * included). -EOPNOTSUPP if the device's DMA addresses are not physical
 * addresses (an IOMMU). Returns -EIO if the mapping doesn't cover the
 * range, which is an exporter bug.
 */
struct vprime_test_import_read {
	__u32 handle;
	__u32 flags;
	__u64 offset;
	__u64 size;
	__u64 data;
};

#define VPRIME_TEST_IMPORT_READ_MAX	(1u << 20)

#define VPRIME_TEST_IOC_MAGIC		'V'

#define VPRIME_TEST_IOCTL_FENCE_ATTACH \
	_IOWR(VPRIME_TEST_IOC_MAGIC, 0x02, struct vprime_test_fence_attach)
#define VPRIME_TEST_IOCTL_FENCE_SIGNAL \
	_IOW(VPRIME_TEST_IOC_MAGIC, 0x03, struct vprime_test_fence_signal)
#define VPRIME_TEST_IOCTL_IMPORT_ATTACH \
	_IOWR(VPRIME_TEST_IOC_MAGIC, 0x04, struct vprime_test_import)
#define VPRIME_TEST_IOCTL_IMPORT_MAP \
	_IOWR(VPRIME_TEST_IOC_MAGIC, 0x05, struct vprime_test_import)
#define VPRIME_TEST_IOCTL_IMPORT_UNMAP \
	_IOWR(VPRIME_TEST_IOC_MAGIC, 0x06, struct vprime_test_import)
#define VPRIME_TEST_IOCTL_IMPORT_DETACH \
	_IOW(VPRIME_TEST_IOC_MAGIC, 0x07, struct vprime_test_import)
#define VPRIME_TEST_IOCTL_IMPORT_QUERY \
	_IOWR(VPRIME_TEST_IOC_MAGIC, 0x08, struct vprime_test_import)
#define VPRIME_TEST_IOCTL_IMPORT_READ \
	_IOW(VPRIME_TEST_IOC_MAGIC, 0x09, struct vprime_test_import_read)

#endif /* _UAPI_LINUX_VPRIME_TEST_H */
