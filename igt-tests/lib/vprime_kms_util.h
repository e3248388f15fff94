/* SPDX-License-Identifier: MIT */
/*
 * vprime_kms_util.h - GPU and KMS plumbing shared by vprime's PRIME tests
 * (vprime_prime, vprime_prime_mp, vprime_lifetime).
 *
 * GPU: BO creation, mmap, FILL/COPY submits with optional in/out sync_files,
 * userspace fences (include/uapi/drm/vprime_drm.h).
 * KMS: one display (CRTC, primary plane, connector and writeback connector)
 * driven through libdrm's atomic API, framebuffers, page-flip events, the
 * writeback capture and the debugfs CRC of crtc-0.
 *
 * Every helper without a leading "__" asserts on failure. Include "igt.h"
 * before this header.
 */
#ifndef VPRIME_KMS_UTIL_H
#define VPRIME_KMS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "vprime_core_igt.h"
#include "vprime_gpu_igt.h"

/* GPU (the uapi wrappers are in vprime_gpu_igt.h) */

/* Open GPU/display @index or fail (never skip): the modules are loaded. */
int vprime_gpu_open_or_fail(int index);
int vprime_kms_open_or_fail(int index);

/**
 * struct vprime_job - a one-command job for vprime_gpu_submit()
 * @op: VPRIME_CMD_FILL or VPRIME_CMD_COPY
 * @dst: destination BO; @src: COPY source BO (else 0)
 * @dst_stride, @src_stride: row pitches in bytes
 * @width, @height: rectangle; the rectangle starts at offset 0
 * @value: FILL value
 * @duration_ns: simulated execution time
 * @flags: VPRIME_SUBMIT_* (IN_FENCE_FD and OUT_FENCE_FD are set from the
 *	fds below)
 * @in_fence_fd: a sync_file to wait for, or -1
 * @want_out_fence: return a sync_file of the job's fence
 */
struct vprime_job {
	uint32_t op;
	uint32_t dst, src;
	uint32_t dst_stride, src_stride;
	uint32_t width, height;
	uint32_t value;
	uint64_t duration_ns;
	uint32_t flags;
	int in_fence_fd;
	bool want_out_fence;
};

/* Submit @job; returns the out sync_file (or -1 without one), or -errno. */
int __vprime_job_submit(int fd, const struct vprime_job *job);
int vprime_job_submit(int fd, const struct vprime_job *job);
/* FILL a @w x @h rectangle at offset 0; returns the out sync_file. */
int vprime_job_fill(int fd, uint32_t handle, uint32_t stride, uint32_t w,
		    uint32_t h, uint32_t value, uint64_t duration_ns,
		    uint32_t flags);

/* PRIME and dma-buf */

/* PRIME export with DRM_CLOEXEC | DRM_RDWR (mmap-able, writable). */
int vprime_prime_export(int fd, uint32_t handle);
/* (the dma-buf sync_file helpers are in vprime_core_igt.h) */

/* sync_file / dma-buf state */

/* poll(@fd, @events, 0): true if all of @events are reported. */
bool vprime_fd_ready(int fd, short events);
/* Wait for @fd to report @events, at most @timeout_ms; true if it did. */
bool vprime_fd_wait(int fd, short events, int timeout_ms);

/* KMS */

/**
 * struct vprime_kms - one display pipe of a "vprime_kms" device
 * @fd: the card fd (atomic, universal planes and writeback caps set)
 * @crtc_id, @crtc_index, @conn_id, @wb_id, @primary_id: the objects
 * @mode: the smallest mode of the connector (fast to compose under TCG)
 * @width, @height: its size
 * @mode_blob: a MODE_ID blob of @mode
 * @p_*: property ids
 * @events: page-flip events received so far
 * @last_seq: vblank sequence of the last one
 * @last_user_data: its user data
 */
struct vprime_kms {
	int fd;
	uint32_t crtc_id, crtc_index, conn_id, wb_id, primary_id;
	drmModeModeInfo mode;
	uint32_t width, height;
	uint32_t mode_blob;
	uint32_t p_fb_id, p_crtc_id, p_src_x, p_src_y, p_src_w, p_src_h;
	uint32_t p_crtc_x, p_crtc_y, p_crtc_w, p_crtc_h, p_in_fence_fd;
	uint32_t c_active, c_mode_id, c_out_fence_ptr;
	uint32_t conn_crtc_id;
	uint32_t wb_crtc_id, wb_fb_id, wb_out_fence_ptr;
	unsigned int events;
	unsigned int last_seq;
	uint64_t last_user_data;
};

int vprime_kms_reset_color(int fd);
void vprime_kms_init(struct vprime_kms *kms, int fd);
/*
 * The pipe of CRTC index @pipe: its connected connector, writeback connector
 * and primary plane (those whose possible_crtcs include @pipe).
 * vprime_kms_init() is pipe 0.
 */
void vprime_kms_init_pipe(struct vprime_kms *kms, int fd, uint32_t pipe);
/* Switch the pipe off and free the mode blob; the fd stays open. */
void vprime_kms_fini(struct vprime_kms *kms);

/**
 * struct vprime_commit - what vprime_kms_commit() commits
 * @fb_id: primary plane framebuffer (full screen), 0 to leave the plane
 * @in_fence_fd: the plane's IN_FENCE_FD, or -1
 * @wb_fb_id: a writeback framebuffer, 0 for no capture
 * @wb_fence: out: the writeback out-fence (with @wb_fb_id)
 * @out_fence: out: the CRTC out-fence, when not NULL
 * @flags: DRM_MODE_ATOMIC_* / DRM_MODE_PAGE_FLIP_EVENT
 * @modeset: also set the mode, connector and ACTIVE (ALLOW_MODESET)
 * @user_data: for the page-flip event
 */
struct vprime_commit {
	uint32_t fb_id;
	int in_fence_fd;
	uint32_t wb_fb_id;
	int *wb_fence;
	int *out_fence;
	uint32_t flags;
	bool modeset;
	uint64_t user_data;
};

/* 0 or -errno. */
int __vprime_kms_commit(struct vprime_kms *kms, const struct vprime_commit *c);
void vprime_kms_commit(struct vprime_kms *kms, const struct vprime_commit *c);
/* Blocking modeset showing @fb_id. */
void vprime_kms_set_fb(struct vprime_kms *kms, uint32_t fb_id);
/*
 * Nonblocking flip to @fb_id with a page-flip event carrying @user_data and,
 * when @wb_fb_id, a writeback capture whose out-fence goes to @wb_fence.
 * Returns 0 or -errno.
 */
int vprime_kms_flip(struct vprime_kms *kms, uint32_t fb_id, int in_fence_fd,
		    uint32_t wb_fb_id, int *wb_fence, uint64_t user_data);
/* True if a DRM event is ready to read (nothing is read). */
bool vprime_kms_event_ready(struct vprime_kms *kms);
/* Read events until one page-flip event arrived (@timeout_ms); true if so. */
bool vprime_kms_wait_flip(struct vprime_kms *kms, int timeout_ms);

/* AddFB2 of a single-plane linear buffer. */
uint32_t vprime_kms_add_fb(int fd, uint32_t handle, uint32_t width,
			   uint32_t height, uint32_t pitch, uint32_t format);
int __vprime_kms_add_fb(int fd, uint32_t handle, uint32_t width,
			uint32_t height, uint32_t pitch, uint32_t format,
			uint32_t *fb_id);

/* Dumb buffers (32 bpp) on any device with dumb_create. */
struct vprime_dumb {
	uint32_t handle;
	uint32_t pitch;
	uint64_t size;
	void *map;
};

void vprime_dumb_create(int fd, uint32_t width, uint32_t height,
			struct vprime_dumb *dumb);
void *vprime_dumb_map(int fd, struct vprime_dumb *dumb);
void vprime_dumb_destroy(int fd, struct vprime_dumb *dumb);

/*
 * A writeback target: a dumb buffer of the mode's size with an XRGB8888
 * framebuffer, mapped for reading the capture.
 */
struct vprime_capture {
	struct vprime_dumb dumb;
	uint32_t fb_id;
};

void vprime_capture_create(struct vprime_kms *kms, struct vprime_capture *cap);
void vprime_capture_destroy(struct vprime_kms *kms, struct vprime_capture *cap);
/* Fill the capture with @value so that a stale capture shows. */
void vprime_capture_clear(struct vprime_kms *kms, struct vprime_capture *cap,
			  uint32_t value);
/*
 * Compare the capture (ARGB, alpha ignored) with a solid @value over the
 * whole mode. Returns the number of differing pixels; logs the first one.
 */
unsigned int vprime_capture_diff_solid(struct vprime_kms *kms,
				       const struct vprime_capture *cap,
				       uint32_t value);
/* Same against an XRGB8888 image @img with @pitch bytes per row. */
unsigned int vprime_capture_diff(struct vprime_kms *kms,
				 const struct vprime_capture *cap,
				 const void *img, uint32_t pitch);

/*
 * Capture what the display shows now: a blocking commit with only a
 * writeback job (the capture is cleared to magenta first), then wait for
 * its out-fence.
 */
void vprime_kms_capture(struct vprime_kms *kms, struct vprime_capture *cap);

/* CRC (debugfs crtc-N/crc) */

struct vprime_crc {
	int data_fd;
};

/* Select source "auto" and open the data file (starts the CRC). */
void vprime_crc_start(struct vprime_kms *kms, struct vprime_crc *crc);
void vprime_crc_stop(struct vprime_crc *crc);
/* Read one entry, waiting at most @timeout_ms; true if one was read. */
bool vprime_crc_read(struct vprime_crc *crc, int timeout_ms,
		     uint32_t *frame, uint32_t *value);

/*
 * The display's CRC of an XRGB8888 image / solid frame: the low 32 bits of
 * the XXH64 (seed 0) of its rows with alpha 0xff.
 */
uint32_t vprime_expected_crc(const void *img, uint32_t pitch, uint32_t width,
			     uint32_t height);
uint32_t vprime_expected_crc_solid(uint32_t value, uint32_t width,
				   uint32_t height);

/* KMS properties (vprime_prop_find()), failing the subtest on an error */

/* Property @name's id; 0 when the object has none and !@required. */
uint32_t vprime_kms_prop_id(int fd, uint32_t obj_id, uint32_t obj_type,
			    const char *name, bool required);
/* The current value of property @name, which the object must have. */
uint64_t vprime_kms_prop_value(int fd, uint32_t obj_id, uint32_t obj_type,
			       const char *name);

/* debugfs counters */

/* Number of GEM objects the GPU's debugfs "bos" file lists. */
int vprime_gpu_debugfs_bos(int gpu_fd);

#endif /* VPRIME_KMS_UTIL_H */
