/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vprime_kms - private header of the virtual display devices.
 *
 * One display device (struct vprime_kms_device) per platform device
 * "vprime-kms.N", with "num_outputs" pipes (struct vprime_pipe): each a CRTC
 * with an hrtimer vblank, its own primary, overlay and cursor planes, a
 * virtual connector with its encoder and a writeback connector.
 */
#ifndef _VPRIME_KMS_H_
#define _VPRIME_KMS_H_

#include <linux/hrtimer.h>
#include <linux/iosys-map.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <drm/drm_connector.h>
#include <drm/drm_crtc.h>
#include <drm/drm_device.h>
#include <drm/drm_encoder.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_plane.h>
#include <drm/drm_rect.h>
#include <drm/drm_writeback.h>

#define VPRIME_KMS_DRIVER_NAME	"vprime_kms"

/* Framebuffer limits (mode_config) and CRTC mode limits. */
#define VPRIME_KMS_FB_MIN	1
#define VPRIME_KMS_FB_MAX	8192
#define VPRIME_KMS_MODE_MIN	20
#define VPRIME_KMS_MODE_MAX	4096
/* Connector mode list bounds. */
#define VPRIME_KMS_LIST_MAX_W	1920
#define VPRIME_KMS_LIST_MAX_H	1080
#define VPRIME_KMS_CURSOR_MAX	512
/* Plane scaling limits: up to 8x larger, down to 4x smaller. */
#define VPRIME_KMS_MAX_UPSCALE	8
#define VPRIME_KMS_MAX_DOWNSCALE	4
/* Most vblanks one late timer callback reports the previous CRC for. */
#define VPRIME_CRC_MAX_GAP	64
#define VPRIME_KMS_MAX_OVERLAYS	8
#define VPRIME_KMS_MAX_DISPLAYS	8
#define VPRIME_KMS_MAX_OUTPUTS	8
/* The DRM core's plane masks are 32 bits wide. */
#define VPRIME_KMS_MAX_PLANES	32

/**
 * struct vprime_kms_config - module parameters of one display device
 * @num_outputs: pipes (CRTC, planes, connector, writeback) of the device
 * @num_overlays: overlay planes per CRTC
 * @refresh: refresh rate of the mode list in Hz
 * @pref_w: width of the preferred mode
 * @pref_h: height of the preferred mode
 * @fence_timeout_ms: bound of a commit's wait for its plane fences
 */
struct vprime_kms_config {
	unsigned int num_outputs;
	unsigned int num_overlays;
	unsigned int refresh;
	unsigned int pref_w;
	unsigned int pref_h;
	unsigned int fence_timeout_ms;
};

/* Formats (vprime_formats.c) */

/**
 * typedef vprime_read_line_t - convert @n pixels of a framebuffer row
 * @src: first source pixel
 * @dst: ARGB8888 (0xAARRGGBB) output, alpha 0xff for formats without alpha
 * @n: pixel count
 */
typedef void (*vprime_read_line_t)(const void *src, u32 *dst, unsigned int n);

/**
 * struct vprime_format - a scanout format the composer reads
 * @fourcc: DRM_FORMAT_*
 * @has_alpha: the format carries per-pixel alpha
 * @read_line: row converter to ARGB8888
 * @read_opaque: row converter to ARGB8888 with alpha 0xff
 */
struct vprime_format {
	u32 fourcc;
	bool has_alpha;
	vprime_read_line_t read_line;
	vprime_read_line_t read_opaque;
};

extern const u32 vprime_plane_formats[];
extern const unsigned int vprime_num_plane_formats;
extern const u32 vprime_wb_formats[];
extern const unsigned int vprime_num_wb_formats;
extern const u64 vprime_format_modifiers[];

const struct vprime_format *vprime_format_lookup(u32 fourcc);

/* Framebuffers (vprime_kms_fb.c) */

/**
 * struct vprime_fb - a framebuffer of a display
 * @base: DRM framebuffer
 * @lock: protects @map, @data and @map_count
 * @map: vmap of each GEM object, valid while @map_count > 0
 * @data: @map advanced to each fb plane's offset
 * @map_count: users of the mapping: plane states that scan @base out and
 *	writeback jobs that write it (see vprime_fb_vmap())
 */
struct vprime_fb {
	struct drm_framebuffer base;
	/* protects map, data and map_count */
	struct mutex lock;
	struct iosys_map map[DRM_FORMAT_MAX_PLANES];
	struct iosys_map data[DRM_FORMAT_MAX_PLANES];
	unsigned int map_count;
};

static inline struct vprime_fb *to_vprime_fb(struct drm_framebuffer *fb)
{
	return container_of(fb, struct vprime_fb, base);
}

struct drm_framebuffer *vprime_fb_create(struct drm_device *dev,
					 struct drm_file *file,
					 const struct drm_mode_fb_cmd2 *mode_cmd);
int vprime_fb_vmap(struct drm_framebuffer *fb, struct iosys_map *data);
void vprime_fb_vunmap(struct drm_framebuffer *fb);

/* Planes (vprime_plane.c) */

/**
 * struct vprime_plane - a plane
 * @base: DRM plane
 */
struct vprime_plane {
	struct drm_plane base;
};

/**
 * struct vprime_frame - what the composer reads for one plane
 * @fb: the framebuffer; while set, the frame holds one use of its mapping
 *	(vprime_fb_vmap()), and a reference while @owned
 * @data: the mapping of each fb plane of @fb
 * @src: source rectangle in whole pixels
 * @dst: destination rectangle on the CRTC
 * @pitch: bytes per framebuffer row
 * @cpp: bytes per pixel
 * @format: pixel reader
 * @alpha: plane alpha, 0 (transparent) to 255 (opaque)
 * @blend_mode: DRM_MODE_BLEND_*
 * @opaque: nothing below this plane shows through it
 * @scaled: the source and destination sizes differ; the composer then
 *	samples through @src_fp and @crtc instead of @src
 * @src_fp: the whole source rectangle in 16.16 fixed point, before clipping
 * @crtc: the whole destination rectangle, before clipping
 * @owned: @fb was taken for a skipped frame (see
 *	vprime_plane_keep_previous()) and is released with the state
 */
struct vprime_frame {
	struct drm_framebuffer *fb;
	struct iosys_map data[DRM_FORMAT_MAX_PLANES];
	struct drm_rect src;
	struct drm_rect dst;
	unsigned int pitch;
	unsigned int cpp;
	const struct vprime_format *format;
	unsigned int alpha;
	unsigned int blend_mode;
	bool opaque;
	bool scaled;
	struct drm_rect src_fp;
	struct drm_rect crtc;
	bool owned;
};

/**
 * struct vprime_plane_state - plane state
 * @base: DRM plane state
 * @frame: composition input, filled by prepare_fb and atomic_update; read
 *	by the composer while the CRTC state that lists this plane is the
 *	composer's state
 * @wait_fence: the explicit IN_FENCE_FD and the implicit write fences of
 *	the framebuffer, taken out of @base.fence so that the commit tail
 *	waits for them with a bound (see vprime_kms_wait_fences())
 * @hidden: the plane is not composed (its fence timed out and it had no
 *	previous contents)
 */
struct vprime_plane_state {
	struct drm_plane_state base;
	struct vprime_frame frame;
	struct dma_fence *wait_fence;
	bool hidden;
};

static inline struct vprime_plane_state *
to_vprime_plane_state(struct drm_plane_state *state)
{
	return container_of(state, struct vprime_plane_state, base);
}

struct drm_plane *vprime_plane_create(struct drm_device *dev,
				      enum drm_plane_type type, u32 possible_crtcs,
				      unsigned int zpos, unsigned int max_zpos);
void vprime_plane_keep_previous(struct drm_plane_state *old_state,
				struct drm_plane_state *new_state);

/* Colour management (vprime_color.c) */

/* DEGAMMA_LUT_SIZE, GAMMA_LUT_SIZE and the legacy gamma size */
#define VPRIME_COLOR_LUT_SIZE	256
/* points of the gamma table behind a CTM (12 bits) */
#define VPRIME_COLOR_GAMMA_POINTS	4096

/**
 * struct vprime_color - a CRTC state's colour pipeline, as tables
 * @has_ctm: a CTM is set: @degamma, @ctm and @gamma8 are used, else @lut
 * @lut: without a CTM, the whole pipeline per channel (R, G, B) and 8-bit
 *	input, its 8-bit output shifted to the channel's place in 0xffRRGGBB
 * @degamma: with a CTM, the degamma output per channel and 8-bit input
 * @ctm: with a CTM, its coefficients in S15.16, row per output channel
 * @gamma8: with a CTM, gamma and rounding per channel and 12-bit value
 */
struct vprime_color {
	bool has_ctm;
	u32 lut[3][256];
	u16 degamma[3][256];
	s32 ctm[3][3];
	u8 gamma8[3][VPRIME_COLOR_GAMMA_POINTS];
};

/* CRTC (vprime_crtc.c) */

/**
 * struct vprime_crtc_state - CRTC state
 * @base: DRM CRTC state
 * @planes: visible planes bottom to top (normalized zpos), built in
 *	atomic_check
 * @num_planes: entries of @planes
 * @color: the colour pipeline's tables, built in atomic_check; NULL when
 *	no LUT or CTM is set
 */
struct vprime_crtc_state {
	struct drm_crtc_state base;
	struct vprime_plane_state **planes;
	unsigned int num_planes;
	struct vprime_color *color;
};

int vprime_color_check(struct drm_crtc *crtc, struct vprime_crtc_state *state);
void vprime_color_apply_row(const struct vprime_color *color, u32 *row,
			    unsigned int n);
int vprime_color_init(struct drm_crtc *crtc);

static inline struct vprime_crtc_state *
to_vprime_crtc_state(struct drm_crtc_state *state)
{
	return container_of(state, struct vprime_crtc_state, base);
}

/**
 * struct vprime_compose_stats - per-frame composition times
 * @frames: composed frames
 * @last_ns: time of the last frame
 * @min_ns: fastest frame
 * @max_ns: slowest frame
 * @total_ns: sum over @frames
 * @width: width of the last frame
 * @height: height of the last frame
 */
struct vprime_compose_stats {
	u64 frames;
	u64 last_ns;
	u64 min_ns;
	u64 max_ns;
	u64 total_ns;
	u32 width;
	u32 height;
};

struct vprime_wb_job;

/**
 * struct vprime_crtc - the CRTC of a display and its composer
 * @base: DRM CRTC
 * @vblank_timer: the simulated vblank interrupt
 * @period: vblank period of the current mode; written before the timer is
 *	started, read by the timer
 * @vblank_on: vblank interrupts are enabled; written by enable/disable_vblank
 *	(READ_ONCE/WRITE_ONCE), read by the timer, which stops itself when clear
 * @composer_wq: ordered queue of @composer_work
 * @composer_work: composes one frame; queued by the vblank timer, never run
 *	in it
 * @lock: protects the fields below it; taken from the hrtimer (hardirq)
 * @state: the committed state the composer reads; set in atomic_flush,
 *	the old state is only freed after @composer_work was flushed
 * @crc_enabled: CRC source "auto" selected
 * @crc_vblank_ref: a vblank reference is held for the CRC
 * @wb_job: the writeback job of the last commit, not yet latched by a
 *	vblank, or NULL
 * @frame_start: first vblank the pending composition stands for
 * @frame_end: last vblank the pending composition stands for
 * @frame_pending: a composition is requested for @frame_start..@frame_end
 * @crc_next: the first vblank without a CRC entry yet, when @crc_next_valid
 * @crc_next_valid: @crc_next continues the CRCs reported since the source
 *	was selected and the CRTC enabled
 * @frames_behind: vblanks that found the previous composition still pending
 * @latched: the state the pending composition reads, latched by the vblank
 *	that requested it
 * @latched_job: the writeback job latched with @latched, or NULL; it is
 *	filled with @latched only, never with a state committed after it
 * @composing: the state whose buffers the running composition reads, or
 *	NULL; a flip event for a newer state waits until it is done, as it
 *	waits for a pending composition of an older @latched
 * @flip_event: the event of the last committed flip, not sent yet
 * @flip_due: the vblank that latched @flip_event has passed; it is sent as
 *	soon as no composition of an older state runs
 * @wb_wait: woken when the composer takes @latched_job
 * @stats_lock: protects @stats
 * @stats: composition times, shown in debugfs
 * @fence_timeouts: commits whose plane fences timed out; atomic_t
 */
struct vprime_crtc {
	struct drm_crtc base;
	struct hrtimer vblank_timer;
	ktime_t period;
	bool vblank_on;
	struct workqueue_struct *composer_wq;
	struct work_struct composer_work;

	/* protects state to flip_due; taken from the vblank hrtimer */
	spinlock_t lock;
	struct vprime_crtc_state *state;
	bool crc_enabled;
	bool crc_vblank_ref;
	struct vprime_wb_job *wb_job;
	u64 frame_start;
	u64 frame_end;
	bool frame_pending;
	u64 crc_next;
	bool crc_next_valid;
	u64 frames_behind;
	struct vprime_crtc_state *latched;
	struct vprime_wb_job *latched_job;
	struct vprime_crtc_state *composing;
	struct drm_pending_vblank_event *flip_event;
	bool flip_due;

	wait_queue_head_t wb_wait;

	/* protects stats */
	struct mutex stats_lock;
	struct vprime_compose_stats stats;
	atomic_t fence_timeouts;
};

static inline struct vprime_crtc *to_vprime_crtc(struct drm_crtc *crtc)
{
	return container_of(crtc, struct vprime_crtc, base);
}

/* A capture is queued or latched, not yet taken by the composer; @lock held. */
static inline bool vprime_crtc_capture_pending(const struct vprime_crtc *vcrtc)
{
	return vcrtc->wb_job || vcrtc->latched_job;
}

int vprime_crtc_init(struct drm_device *dev, struct vprime_crtc *vcrtc,
		     struct drm_plane *primary, struct drm_plane *cursor);
void vprime_crtc_flush_composer(struct vprime_crtc *vcrtc);
void vprime_crtc_send_flip_event(struct drm_crtc *crtc,
				 struct drm_pending_vblank_event *event);
struct drm_pending_vblank_event *
vprime_crtc_take_flip_event(struct vprime_crtc *vcrtc, bool at_vblank);

/* Composer (vprime_composer.c) */

void vprime_composer_work(struct work_struct *work);
const char *const *vprime_crc_get_sources(struct drm_crtc *crtc,
					  size_t *count);
int vprime_crc_verify_source(struct drm_crtc *crtc, const char *source,
			     size_t *values_cnt);
int vprime_crc_set_source(struct drm_crtc *crtc, const char *source);
void vprime_composer_debugfs_init(struct vprime_crtc *vcrtc,
				  struct dentry *root);

/* Connector and encoder (vprime_output.c) */

/**
 * struct vprime_output - a virtual output (connector and encoder)
 * @base: DRM connector
 * @encoder: its encoder
 * @edid: the EDID blob built at init
 * @index: the pipe's index in the device
 * @connected: the simulated monitor is plugged in; written under
 *	mode_config.mutex by the "connected" debugfs file, read with
 *	READ_ONCE() by detect and the atomic check
 */
struct vprime_output {
	struct drm_connector base;
	struct drm_encoder encoder;
	u8 edid[128];
	unsigned int index;
	bool connected;
};

static inline struct vprime_output *
to_vprime_output(struct drm_connector *connector)
{
	return container_of(connector, struct vprime_output, base);
}

int vprime_output_init(struct drm_device *dev, struct vprime_output *output,
		       struct drm_crtc *crtc, unsigned int index);

/* Writeback (vprime_writeback.c) */

/**
 * struct vprime_wb_job - a prepared writeback job
 * @fb: the destination framebuffer
 * @data: the mapping of each fb plane of @fb
 */
struct vprime_wb_job {
	struct drm_framebuffer *fb;
	struct iosys_map data[DRM_FORMAT_MAX_PLANES];
};

/**
 * struct vprime_writeback - the writeback connector of a display
 * @base: DRM writeback connector
 */
struct vprime_writeback {
	struct drm_writeback_connector base;
};

int vprime_writeback_init(struct drm_device *dev, struct vprime_writeback *wb,
			  struct drm_crtc *crtc);
void vprime_writeback_done(struct vprime_crtc *vcrtc,
			   struct vprime_wb_job *job, int status);

/* Device (vprime_kms.c) */

/**
 * struct vprime_pipe - one output of a display device
 * @crtc: the CRTC, its vblank timer and composer
 * @output: connector and encoder, driven by @crtc only
 * @wb: writeback connector, capturing @crtc only
 */
struct vprime_pipe {
	struct vprime_crtc crtc;
	struct vprime_output output;
	struct vprime_writeback wb;
};

static inline struct vprime_pipe *to_vprime_pipe(struct vprime_crtc *vcrtc)
{
	return container_of(vcrtc, struct vprime_pipe, crtc);
}

/**
 * struct vprime_kms_device - one display device
 * @base: DRM device
 * @config: module parameters at probe time
 * @pipes: @config.num_outputs pipes, pipe K driving CRTC index K
 */
struct vprime_kms_device {
	struct drm_device base;
	struct vprime_kms_config config;
	struct vprime_pipe *pipes;
};

static inline struct vprime_kms_device *to_vprime_kms(struct drm_device *dev)
{
	return container_of(dev, struct vprime_kms_device, base);
}

#endif /* _VPRIME_KMS_H_ */
