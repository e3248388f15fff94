/* SPDX-License-Identifier: MIT */
/*
 * vprime-demo: a zero-copy GPU -> display pipeline on vprime's devices,
 * the way a Wayland compositor with a separate render GPU drives them.
 *
 * Shared declarations of the demo's parts: device discovery (devices.c),
 * the render GPU (gpu.c), the frame's command stream and its CPU reference
 * (render.c), the display (display.c), writeback capture and verification
 * (capture.c), the pipeline loop (pipeline.c) and the results (report.c).
 */
#ifndef VPRIME_DEMO_H
#define VPRIME_DEMO_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "vprime_drm.h"

#define DEMO_GPU_DRIVER		"vprime_gpu"
#define DEMO_DISPLAY_DRIVER	"vprime_kms"
#define DEMO_MAX_BUFFERS	16
#define DEMO_MAX_CAPTURE_BUFS	4

/* Exit statuses (documented in --help). */
#define DEMO_EXIT_OK		0
#define DEMO_EXIT_ERROR		1
#define DEMO_EXIT_USAGE		2
#define DEMO_EXIT_VERIFY	3
#define DEMO_EXIT_INTERRUPTED	130

/* The program name messages start with. */
extern const char *demo_prog;

/* Report a failed call with errno's text: "vprime-demo: what: strerror". */
void demo_err(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Plain diagnostic on stderr, prefixed with the program name. */
void demo_vmsg(const char *fmt, va_list ap);
void demo_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

uint64_t demo_now_ns(void);

/* Set by SIGINT/SIGTERM; the only state shared with the signal handler. */
extern volatile sig_atomic_t demo_stop;

struct demo_opts {
	unsigned int frames;
	unsigned int buffers;
	uint64_t render_ns;
	unsigned int pattern;		/* VPRIME_PATTERN_* */
	unsigned int capture_every;	/* 0: no captures */
	const char *out_dir;
	bool copy;			/* also run the CPU-copy baseline */
	bool verify_all;		/* read back every GPU buffer too */
	unsigned int gpu_index;
	unsigned int display_index;
	int progress;			/* 0 off, 1 lines, 2 \r counter */
};

/* devices.c: find a DRM node by driver name (drmGetVersion). */
int demo_open_driver(const char *driver, unsigned int index, bool render);
void demo_explain_missing(const char *driver, unsigned int index);

/* gpu.c: the render GPU's ioctls. */
int gpu_bo_create(int fd, uint64_t size, uint32_t *handle);
void *gpu_bo_map(int fd, uint32_t handle, size_t size);
int gpu_bo_wait(int fd, uint32_t handle, uint64_t timeout_ns);
int gpu_submit(int fd, const struct drm_vprime_cmd *cmds, unsigned int count,
	       uint64_t duration_ns);
int gpu_submit_hang(int fd, const struct drm_vprime_cmd *cmds,
		    unsigned int count, int *fence_fd);
void gpu_gem_close(int fd, uint32_t handle);

/* render.c: one frame's commands, and the same commands run on the CPU. */
#define RENDER_MAX_CMDS		VPRIME_MAX_CMDS

struct render_target {
	uint32_t handle;
	uint32_t width;
	uint32_t height;
	uint32_t stride;	/* bytes */
};

unsigned int render_build(struct drm_vprime_cmd *cmds,
			  const struct render_target *t,
			  unsigned int pattern, unsigned int frame);
void render_cpu(const struct drm_vprime_cmd *cmds, unsigned int count,
		uint32_t *pixels);
/* Differing pixels (RGB, alpha ignored) of two width x height images. */
uint64_t render_compare(const uint32_t *a, uint32_t a_stride,
			const uint32_t *b, uint32_t b_stride,
			uint32_t width, uint32_t height);
int parse_pattern(const char *name);
const char *pattern_name(unsigned int pattern);

/* display.c: KMS objects and atomic commits of the display device. */
struct display_props {
	uint32_t plane_fb_id, plane_crtc_id, plane_src_x, plane_src_y,
		 plane_src_w, plane_src_h, plane_crtc_x, plane_crtc_y,
		 plane_crtc_w, plane_crtc_h;
	uint32_t crtc_mode_id, crtc_active;
	uint32_t conn_crtc_id;
	uint32_t wb_crtc_id, wb_fb_id, wb_out_fence_ptr;
};

struct display {
	int fd;
	uint32_t crtc_id;
	uint32_t conn_id;
	uint32_t plane_id;
	uint32_t wb_conn_id;		/* 0: no writeback connector */
	bool wb_attached;		/* on the CRTC since display_enable() */
	bool wb_rejected;		/* the kernel refused to attach it */
	drmModeModeInfo mode;
	uint32_t mode_blob;
	struct display_props props;
};

int display_init(struct display *d, int fd);
void display_fini(struct display *d);
int display_enable(struct display *d, uint32_t fb_id, bool writeback);
int display_disable(struct display *d);
int display_flip(struct display *d, uint32_t fb_id, uint32_t wb_fb_id,
		 int *wb_fence, void *user_data);
int display_add_fb(int fd, uint32_t handle, uint32_t width, uint32_t height,
		   uint32_t stride, uint32_t *fb_id);
int display_dumb_create(int fd, uint32_t width, uint32_t height,
			uint32_t *handle, uint32_t *stride, uint64_t *size,
			void **map);
void display_dumb_destroy(int fd, uint32_t handle, void *map, uint64_t size);
double display_refresh_hz(const struct display *d);

/*
 * capture.c: captures, checked and written by a worker thread. The source
 * is the writeback connector, or (when the display can't attach it next to
 * its output) a CPU readback of the GPU buffer once the display released it.
 */
enum capture_source {
	CAPTURE_WRITEBACK,
	CAPTURE_READBACK,
};

struct capture_result {
	unsigned int frame;
	uint64_t diff_pixels;
};

struct capture;

struct capture *capture_create(struct display *d, const char *out_dir,
			       const char *prefix, enum capture_source src,
			       unsigned int nbufs);
enum capture_source capture_source(const struct capture *c);
/* Reserve a free capture buffer; false when all are busy. */
bool capture_get(struct capture *c, unsigned int *slot);
/* Writeback: the framebuffer of @slot for WRITEBACK_FB_ID. */
uint32_t capture_fb(const struct capture *c, unsigned int slot);
/* Writeback: the commit for @frame took @slot with out-fence @fence. */
void capture_submitted(struct capture *c, unsigned int slot, int fence,
		       unsigned int frame, const struct drm_vprime_cmd *cmds,
		       unsigned int count);
/* Readback: copy @pixels (the released GPU buffer of @frame) into @slot. */
void capture_readback(struct capture *c, unsigned int slot, unsigned int frame,
		      const struct drm_vprime_cmd *cmds, unsigned int count,
		      const void *pixels, uint32_t stride);
/* Fill @fds with the pending out-fences; returns their number. */
unsigned int capture_pending_fds(struct capture *c, int *fds, unsigned int max);
/* Hand every capture whose out-fence signalled to the worker. */
int capture_poll(struct capture *c);
/* Wait for pending captures and the worker; collect results. */
int capture_finish(struct capture *c, uint64_t timeout_ns);
unsigned int capture_results(struct capture *c,
			     const struct capture_result **res);
double capture_cpu_seconds(struct capture *c);
void capture_destroy(struct capture *c);

/* pipeline.c: one run of the frame loop. */
enum demo_mode {
	DEMO_ZERO_COPY,
	DEMO_CPU_COPY,
};

struct frame_rec {
	uint64_t submit_ns;
	uint64_t flip_ns;	/* the flip event's vblank timestamp */
	uint32_t seq;		/* the flip event's vblank sequence */
	uint32_t missed;	/* vblanks skipped since the previous flip */
	uint8_t buffer;
	int8_t verified;	/* -1 not checked, 0 match, 1 mismatch */
	bool captured;
};

struct run_result {
	enum demo_mode mode;
	unsigned int requested;
	unsigned int shown;
	struct frame_rec *frames;	/* [requested] */
	uint64_t missed_vblanks;
	uint64_t bytes_copied;
	unsigned int shared_buffers;	/* zero-copy: imports that are the GPU's dma-buf */
	unsigned int captures;
	enum capture_source capture_src;
	bool capture_active;
	unsigned int mismatches;	/* frames whose check failed */
	unsigned int readbacks;		/* --verify-all GPU readbacks */
	uint64_t start_ns;
	double wall_s;
	double cpu_user_s;
	double cpu_sys_s;
	double cpu_capture_s;		/* the capture worker's share */
	bool interrupted;
	/* latency submit -> scanout, ms */
	double lat_min, lat_median, lat_p99, lat_mean, lat_max;
};

struct demo_devices {
	int gpu_fd;
	struct display disp;
};

int pipeline_run(struct demo_devices *dev, const struct demo_opts *o,
		 enum demo_mode mode, struct run_result *res);
void run_result_free(struct run_result *res);

/* report.c: tables, summary.txt, summary.json, frames.csv, latency.svg. */
int report_write(const struct demo_opts *o, const struct demo_devices *dev,
		 const struct run_result *runs, unsigned int nruns);

#endif /* VPRIME_DEMO_H */
