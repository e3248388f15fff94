/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vprime_drm.h - uapi of the vprime render-only GPU ("vprime_gpu")
 *
 * The device is a render node. Buffer objects (BOs) are page-backed, zeroed
 * at creation and shareable through PRIME. Jobs are small command streams
 * that the driver executes on the CPU, scheduled by drm_sched with implicit
 * (dma_resv) and explicit (syncobj, sync_file) synchronisation.
 *
 * Conventions for every ioctl below:
 *  - unknown flag bits and non-zero pad fields give -EINVAL;
 *  - an unknown GEM handle gives -ENOENT;
 *  - user pointers are __u64 and a bad one gives -EFAULT;
 *  - timeouts are absolute CLOCK_MONOTONIC times in ns; 0 means "poll".
 */
#ifndef _UAPI_VPRIME_DRM_H_
#define _UAPI_VPRIME_DRM_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

#define DRM_VPRIME_BO_CREATE		0x00
#define DRM_VPRIME_BO_MMAP_OFFSET	0x01
#define DRM_VPRIME_BO_INFO		0x02
#define DRM_VPRIME_BO_WAIT		0x03
#define DRM_VPRIME_SUBMIT		0x04
#define DRM_VPRIME_FENCE_ATTACH		0x05
#define DRM_VPRIME_FENCE_SIGNAL		0x06

#define DRM_IOCTL_VPRIME_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VPRIME_BO_CREATE, struct drm_vprime_bo_create)
#define DRM_IOCTL_VPRIME_BO_MMAP_OFFSET \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VPRIME_BO_MMAP_OFFSET, struct drm_vprime_bo_mmap_offset)
#define DRM_IOCTL_VPRIME_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VPRIME_BO_INFO, struct drm_vprime_bo_info)
#define DRM_IOCTL_VPRIME_BO_WAIT \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VPRIME_BO_WAIT, struct drm_vprime_bo_wait)
#define DRM_IOCTL_VPRIME_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VPRIME_SUBMIT, struct drm_vprime_submit)
#define DRM_IOCTL_VPRIME_FENCE_ATTACH \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VPRIME_FENCE_ATTACH, struct drm_vprime_fence_attach)
#define DRM_IOCTL_VPRIME_FENCE_SIGNAL \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VPRIME_FENCE_SIGNAL, struct drm_vprime_fence_signal)

/* Place the BO in the device-local placement instead of system memory. */
#define VPRIME_BO_CREATE_LOCAL		(1u << 0)
#define VPRIME_BO_CREATE_FLAGS		VPRIME_BO_CREATE_LOCAL

/**
 * struct drm_vprime_bo_create - DRM_IOCTL_VPRIME_BO_CREATE
 * @size: in: size in bytes (> 0); out: the size rounded up to pages
 * @flags: VPRIME_BO_CREATE_*
 * @handle: out: the GEM handle
 *
 * Creates a zeroed BO. Errors: -EINVAL for size 0, a size that overflows
 * when rounded up or bad flags/pad; -ENOMEM when the placement is full.
 */
struct drm_vprime_bo_create {
	__u64 size;
	__u32 flags;
	__u32 handle;
};

/**
 * struct drm_vprime_bo_mmap_offset - DRM_IOCTL_VPRIME_BO_MMAP_OFFSET
 * @handle: the BO
 * @flags: must be 0
 * @offset: out: the fake offset to pass to mmap() on the DRM fd
 *
 * Errors: -ENOENT (handle), -EINVAL (flags).
 */
struct drm_vprime_bo_mmap_offset {
	__u32 handle;
	__u32 flags;
	__u64 offset;
};

/* drm_vprime_bo_info.placement */
#define VPRIME_BO_PLACEMENT_SYSTEM	0
#define VPRIME_BO_PLACEMENT_LOCAL	1
#define VPRIME_BO_PLACEMENT_FOREIGN	0xffffffffu	/* an imported dma-buf */

/* drm_vprime_bo_info.status bits */
#define VPRIME_BO_STATUS_IMPORTED	(1u << 0)
#define VPRIME_BO_STATUS_EXPORTED	(1u << 1)
#define VPRIME_BO_STATUS_BUSY		(1u << 2)	/* unsignalled fences */

/**
 * struct drm_vprime_bo_info - DRM_IOCTL_VPRIME_BO_INFO
 * @handle: the BO
 * @flags: must be 0
 * @size: out: size in bytes
 * @placement: out: VPRIME_BO_PLACEMENT_*
 * @status: out: VPRIME_BO_STATUS_* bits
 * @id: out: the core BO id (also shown in debugfs), 0 for an import of a
 *	foreign dma-buf
 *
 * Errors: -ENOENT (handle), -EINVAL (flags).
 */
struct drm_vprime_bo_info {
	__u32 handle;
	__u32 flags;
	__u64 size;
	__u32 placement;
	__u32 status;
	__u64 id;
};

/* Only wait for writers (the BO may be read), not for readers too. */
#define VPRIME_BO_WAIT_READ		(1u << 0)
#define VPRIME_BO_WAIT_FLAGS		VPRIME_BO_WAIT_READ

/**
 * struct drm_vprime_bo_wait - DRM_IOCTL_VPRIME_BO_WAIT
 * @handle: the BO
 * @flags: VPRIME_BO_WAIT_*; without flags the wait is for all fences of
 *	the BO's reservation object (read and write), i.e. until idle
 * @timeout_ns: absolute CLOCK_MONOTONIC deadline in ns; 0 polls
 *
 * Returns 0 when idle; -ETIME when the deadline passed first; -ENOENT
 * (handle); -EINVAL (flags); -ERESTARTSYS/-EINTR on a signal. Fences that
 * completed with an error (for example a timed-out job) still count as
 * signalled.
 */
struct drm_vprime_bo_wait {
	__u32 handle;
	__u32 flags;
	__u64 timeout_ns;
};

/* Commands: all pixels are 32 bits; rectangles are offset + stride. */
#define VPRIME_CMD_FILL		1	/* dst rect = value */
#define VPRIME_CMD_COPY		2	/* dst rect = src rect */
#define VPRIME_CMD_PATTERN	3	/* dst rect = pattern(frame) */

/*
 * drm_vprime_cmd.pattern for VPRIME_CMD_PATTERN. Pixels are XRGB8888; x and
 * y are relative to the rectangle, w is its width, and the pattern scrolls
 * left by one pixel per frame: xs = (x + frame) % w.
 *  GRADIENT: 0xff000000 | (xs & 0xff) << 16 | ((y + frame) & 0xff) << 8 |
 *            (frame & 0xff)
 *  CHECKER:  32x32 squares, ((xs / 32 + y / 32) & 1) ? 0xffffffff :
 *            0xff000000
 *  BARS:     eight vertical bars, colour[xs * 8 / w] of white, yellow,
 *            cyan, green, magenta, red, blue, black
 */
#define VPRIME_PATTERN_GRADIENT	0
#define VPRIME_PATTERN_CHECKER	1
#define VPRIME_PATTERN_BARS	2
#define VPRIME_PATTERN_COUNT	3

/**
 * struct drm_vprime_cmd - one command of a job, 64 bytes
 * @op: VPRIME_CMD_*
 * @flags: must be 0
 * @dst_handle: the destination BO (written)
 * @src_handle: COPY: the source BO (read), may equal @dst_handle;
 *	must be 0 for the other ops
 * @dst_offset: byte offset of the destination rectangle's first pixel
 * @src_offset: COPY: byte offset of the source rectangle; else 0
 * @dst_stride: bytes between destination rows, >= @width * 4
 * @src_stride: COPY: bytes between source rows, >= @width * 4; else 0
 * @width: rectangle width in pixels, > 0
 * @height: rectangle height in rows, > 0
 * @value: FILL: the 32-bit pixel value; else 0
 * @frame: PATTERN: the frame counter that animates the pattern; else 0
 * @pattern: PATTERN: VPRIME_PATTERN_*; else 0
 * @pad: must be 0
 *
 * A rectangle must lie inside its BO: offset + (height - 1) * stride +
 * width * 4 <= BO size, computed without overflow; otherwise -EINVAL.
 * Overlapping COPY within one BO behaves like memmove.
 */
struct drm_vprime_cmd {
	__u32 op;
	__u32 flags;
	__u32 dst_handle;
	__u32 src_handle;
	__u64 dst_offset;
	__u64 src_offset;
	__u32 dst_stride;
	__u32 src_stride;
	__u32 width;
	__u32 height;
	__u32 value;
	__u32 frame;
	__u32 pattern;
	__u32 pad;
};

/**
 * struct drm_vprime_sync - an in-syncobj of a submit
 * @handle: the syncobj handle
 * @flags: must be 0
 * @point: the timeline point to wait for, 0 for a binary syncobj
 *
 * Errors: -ENOENT for an unknown syncobj, -EINVAL for a syncobj or point
 * without a fence yet (not submitted).
 */
struct drm_vprime_sync {
	__u32 handle;
	__u32 flags;
	__u64 point;
};

#define VPRIME_MAX_CMDS		64
#define VPRIME_MAX_SYNCS	64
#define VPRIME_MAX_DURATION_NS	10000000000ull	/* 10 s */
/*
 * Jobs a file can have queued or running at once; a submit beyond that
 * sleeps (interruptibly) until one of the file's jobs completes, as a
 * submit on a full hardware ring would.
 */
#define VPRIME_MAX_JOBS_IN_FLIGHT	64

/* @in_fence_fd is a sync_file fd to wait for. */
#define VPRIME_SUBMIT_IN_FENCE_FD	(1u << 0)
/* Return a sync_file of the job's finished fence in @out_fence_fd. */
#define VPRIME_SUBMIT_OUT_FENCE_FD	(1u << 1)
/*
 * Explicit-sync client: don't wait for the BOs' implicit fences and publish
 * the job's fence with DMA_RESV_USAGE_BOOKKEEP only (so memory management
 * still sees it, but implicit-sync readers and writers don't wait).
 */
#define VPRIME_SUBMIT_NO_IMPLICIT	(1u << 2)
/*
 * Debug: the job never completes. The scheduler's timeout (module parameter
 * vprime.job_timeout_ms, also in debugfs) fires, the job's fence is
 * signalled with the error -ETIMEDOUT and the engine goes on with the next
 * job. Its destination BOs are left untouched. Jobs without this flag don't
 * time out: a long @duration_ns is progress, not a hang.
 *
 * Fence-error policy for a display (vprime_kms) flip that waits on such a
 * job through the buffer's implicit fences or an IN_FENCE_FD: the flip
 * completes and the display shows the buffer with its previous contents.
 * A commit never fails because a fence it waits for signalled with an
 * error; the page-flip event, the CRTC out-fence and writeback complete
 * normally, and the error is visible on the job's out sync_file.
 */
#define VPRIME_SUBMIT_HANG		(1u << 3)
#define VPRIME_SUBMIT_FLAGS		(VPRIME_SUBMIT_IN_FENCE_FD | \
					 VPRIME_SUBMIT_OUT_FENCE_FD | \
					 VPRIME_SUBMIT_NO_IMPLICIT | \
					 VPRIME_SUBMIT_HANG)

/**
 * struct drm_vprime_submit - DRM_IOCTL_VPRIME_SUBMIT
 * @cmds: pointer to an array of @cmd_count struct drm_vprime_cmd
 * @cmd_count: 1..VPRIME_MAX_CMDS
 * @flags: VPRIME_SUBMIT_*
 * @in_syncs: pointer to an array of @in_sync_count struct drm_vprime_sync
 * @in_sync_count: 0..VPRIME_MAX_SYNCS
 * @in_fence_fd: with VPRIME_SUBMIT_IN_FENCE_FD: a sync_file fd; else 0
 * @out_syncobj: a syncobj that receives the job's fence, 0 for none
 * @out_fence_fd: out: with VPRIME_SUBMIT_OUT_FENCE_FD a new sync_file fd
 *	(O_CLOEXEC) of the job's fence; must be 0 on input
 * @out_sync_point: the timeline point @out_syncobj gets; 0 replaces the
 *	fence of a binary syncobj
 * @duration_ns: simulated execution time (at least), <= VPRIME_MAX_DURATION_NS
 * @extensions: must be 0 (room for an extension chain)
 *
 * The job waits for its in-syncs, the in-fence and (unless
 * VPRIME_SUBMIT_NO_IMPLICIT) the implicit fences: the writers of every
 * source BO and all fences of every destination BO. Its finished fence is
 * then added to each BO's reservation object, DMA_RESV_USAGE_WRITE for
 * destinations and DMA_RESV_USAGE_READ for sources. A job that fails or
 * times out completes with its fence's error set (-ETIMEDOUT for a hang).
 *
 * Errors: -EINVAL (flags, pads, counts, rectangles, strides, overflow,
 * ops, duration, extensions, bad fd, an in-sync without a fence),
 * -ENOENT (a BO or syncobj handle), -EFAULT, -ENOMEM, -ERESTARTSYS/-EINTR
 * on a signal while waiting for room (VPRIME_MAX_JOBS_IN_FLIGHT). When creating the
 * out sync_file fails after the job was queued, -ENOMEM is returned but
 * the job runs and the out-syncobj is updated.
 */
struct drm_vprime_submit {
	__u64 cmds;
	__u32 cmd_count;
	__u32 flags;
	__u64 in_syncs;
	__u32 in_sync_count;
	__u32 in_fence_fd;
	__u32 out_syncobj;
	__u32 out_fence_fd;
	__u64 out_sync_point;
	__u64 duration_ns;
	__u64 extensions;
};

/* drm_vprime_fence_attach.flags: attach for write (else for read). */
#define VPRIME_FENCE_WRITE		(1u << 0)
#define VPRIME_FENCE_FLAGS		VPRIME_FENCE_WRITE

/* Default and maximum lifetime of a userspace fence. */
#define VPRIME_FENCE_MAX_TIMEOUT_NS	10000000000ull	/* 10 s */

/**
 * struct drm_vprime_fence_attach - DRM_IOCTL_VPRIME_FENCE_ATTACH
 * @handle: the BO
 * @flags: VPRIME_FENCE_WRITE to attach as a writer, else as a reader
 * @out_fence: out: the fence id for DRM_IOCTL_VPRIME_FENCE_SIGNAL
 * @pad: must be 0
 * @timeout_ns: absolute CLOCK_MONOTONIC time at which the fence signals
 *	by itself with the error -ETIMEDOUT; 0 or anything later than
 *	VPRIME_FENCE_MAX_TIMEOUT_NS from now means that maximum
 *
 * Adds an unsignalled fence to the BO's reservation object, so implicit-sync
 * users of the BO (jobs, the display, other importers) wait for it.
 * Errors: -EBUSY when the BO has a conflicting unsignalled fence (any fence
 * for a writer, a writer for a reader), -ENOENT, -EINVAL, -ENOMEM.
 * The fences of a file that are left when it is closed are signalled with
 * the error -ECANCELED.
 */
struct drm_vprime_fence_attach {
	__u32 handle;
	__u32 flags;
	__u32 out_fence;
	__u32 pad;
	__u64 timeout_ns;
};

/**
 * struct drm_vprime_fence_signal - DRM_IOCTL_VPRIME_FENCE_SIGNAL
 * @fence: a fence id from DRM_IOCTL_VPRIME_FENCE_ATTACH of this file
 * @flags: must be 0
 *
 * Signals the fence and forgets the id. Errors: -ENOENT for an unknown or
 * already signalled id, -EINVAL (flags), -ETIMEDOUT when the fence had
 * already signalled by itself because its timeout expired.
 */
struct drm_vprime_fence_signal {
	__u32 fence;
	__u32 flags;
};

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_VPRIME_DRM_H_ */
