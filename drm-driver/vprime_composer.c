// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime display composer
 *
 * Composes the visible planes of a CRTC into one ARGB8888 frame on the CPU,
 * in a worker queued by the vblank timer. The frame is produced row by row,
 * straight into the writeback framebuffer when a capture is pending (both
 * writeback formats have the composer's layout) or into a row buffer, and
 * the CRC of each row is accumulated as it is produced.
 *
 * Per row, the topmost opaque plane that covers the whole row is found and
 * the background and every plane below it are skipped. Opaque planes are
 * converted straight into the output row (XRGB8888 is one OR per pixel);
 * the others are converted into a stage row and blended.
 *
 * Blending is done in 8 bits per channel, with the plane alpha A (0-255,
 * the top 8 bits of the "alpha" property), pixel alpha a and mul(x, y) =
 * round(x * y / 255):
 *
 * - "None":           c = mul(s, A),         k = A
 * - "Pre-multiplied": c = mul(s, A),         k = mul(a, A)
 * - "Coverage":       c = mul(mul(s, a), A), k = mul(a, A)
 *
 * and the result is min(255, c + mul(d, 255 - k)) for each colour channel,
 * over an opaque black background. The output alpha is always 0xff.
 *
 * A scaled plane (source and destination sizes differ) is sampled nearest
 * neighbour with either SCALING_FILTER: destination pixel (X, Y) of a
 * plane at CRTC_X/Y, CRTC_W/H shows source pixel
 * (floor(SRC_X + (X - CRTC_X + 1/2) * SRC_W / CRTC_W),
 * floor(SRC_Y + (Y - CRTC_Y + 1/2) * SRC_H / CRTC_H)), exactly, with the
 * source rectangle in 16.16 as the properties give it.
 *
 * The CRTC's colour pipeline (degamma, CTM, gamma: vprime_color.c) is
 * applied to each output row after blending, before the CRC and the
 * capture.
 *
 * The "CRC" is a per-frame signature, opaque to userspace as hardware CRCs
 * are: the low 32 bits of the XXH64 (seed 0) of the output rows, 4 bytes
 * per pixel, little endian 0xffRRGGBB, top row first. XXH64 rather than
 * crc32_le: under QEMU TCG the table-driven crc32_le of a 1024x768 frame
 * costs about 10 ms, XXH64 under 2 ms (PCLMULQDQ is slower still there, as
 * TCG emulates it bit by bit). When the worker falls behind the vblank
 * timer, the CRC of a composition is reported for every vblank it stands
 * for.
 */
#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/xxhash.h>
#include <asm/unaligned.h>

#include <drm/drm_blend.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_print.h>
#include <drm/drm_vblank.h>

#include "vprime_kms.h"

/*
 * The blend works on all four channels of a pixel at once: a pixel is
 * spread over the four 16-bit lanes of a u64 (blue, red, green, alpha from
 * the lowest lane up), so that one multiplication scales every channel and
 * no lane carries into the next (255 * 255 + 255 < 65536).
 */
#define VPRIME_LANES	0x00ff00ff00ff00ffULL

static inline u64 vprime_spread(u32 p)
{
	return (p & 0x00ff00ff) | ((u64)(p & 0xff00ff00) << 24);
}

/* The colour channels of @v, with alpha 0xff. */
static inline u32 vprime_gather(u64 v)
{
	return 0xff000000 | (v & 0x00ff00ff) | ((v >> 24) & 0xff00);
}

/* mul(lane, @y) for every lane: round(lane * y / 255), exactly. */
static inline u64 vprime_mul_lanes(u64 x, u32 y)
{
	u64 v = x * y + 0x0080008000800080ULL;

	return ((v + ((v >> 8) & VPRIME_LANES)) >> 8) & VPRIME_LANES;
}

/* min(255, lane) for lanes of at most 510. */
static inline u64 vprime_saturate_lanes(u64 v)
{
	u64 over = v & 0x0100010001000100ULL;

	return (v | (over - (over >> 8))) & VPRIME_LANES;
}

static void vprime_blend_row(const struct vprime_frame *frame,
			     const u32 *src, u32 *dst, unsigned int n)
{
	u32 pa = frame->alpha, mode = frame->blend_mode;
	unsigned int i;

	for (i = 0; i < n; i++) {
		u32 s = src[i], a = s >> 24, k;
		u64 c;

		if (mode == DRM_MODE_BLEND_PIXEL_NONE) {
			if (pa == 0xff) {
				dst[i] = s | 0xff000000;
				continue;
			}
			c = vprime_mul_lanes(vprime_spread(s), pa);
			k = pa;
		} else {
			/* The common cases need no arithmetic. */
			if (pa == 0xff && a == 0xff) {
				dst[i] = s;
				continue;
			}
			if (pa == 0xff && !s)
				continue;
			c = vprime_spread(s);
			if (mode == DRM_MODE_BLEND_COVERAGE)
				c = (vprime_mul_lanes(c, a) &
				     0x0000ffffffffffffULL) | ((u64)a << 48);
			if (pa != 0xff)
				c = vprime_mul_lanes(c, pa);
			/* The alpha lane now holds k = mul(a, pa). */
			k = c >> 48;
		}

		c += vprime_mul_lanes(vprime_spread(dst[i]), 255 - k);
		dst[i] = vprime_gather(vprime_saturate_lanes(c));
	}
}

static inline bool vprime_frame_on_row(const struct vprime_frame *frame,
				       int y)
{
	return y >= frame->dst.y1 && y < frame->dst.y2;
}

/* The plane hides the whole row: opaque, from the left to the right edge. */
static bool vprime_frame_covers_row(const struct vprime_frame *frame,
				    int y, int width)
{
	return frame->opaque && frame->dst.x1 <= 0 && frame->dst.x2 >= width &&
	       vprime_frame_on_row(frame, y);
}

static void vprime_compose_plane_row(const struct vprime_frame *frame,
				     int y, int width, u32 *out, u32 *stage)
{
	int x1 = max(frame->dst.x1, 0);
	int x2 = min(frame->dst.x2, width);
	const u8 *src;
	unsigned int n;

	if (x1 >= x2)
		return;

	n = x2 - x1;
	src = (const u8 *)frame->data[0].vaddr +
	      (size_t)(frame->src.y1 + y - frame->dst.y1) * frame->pitch +
	      (size_t)(frame->src.x1 + x1 - frame->dst.x1) * frame->cpp;

	if (frame->opaque) {
		frame->format->read_opaque(src, out + x1, n);
		return;
	}

	/* ARGB8888 is the composer's own layout: blend it in place. */
	if (frame->format->fourcc == DRM_FORMAT_ARGB8888 &&
	    IS_ALIGNED((unsigned long)src, sizeof(u32))) {
		vprime_blend_row(frame, (const u32 *)src, out + x1, n);
		return;
	}

	frame->format->read_line(src, stage, n);
	vprime_blend_row(frame, stage, out + x1, n);
}

/*
 * The source column (or row) that destination pixel @d samples in a scaled
 * frame: the centre of @d mapped into the 16.16 source rectangle
 * @src1..@src1 + @src_len of the unclipped destination @crtc1..@crtc1 +
 * @crtc_len, rounded down. @d lies inside the destination rectangle.
 */
static u32 vprime_scale_src(int src1, u32 src_len, int crtc1, u32 crtc_len,
			    int d)
{
	u64 num = (u64)src1 * 2 * crtc_len +
		  (u64)(2 * (d - crtc1) + 1) * src_len;

	return div64_u64(num, (u64)crtc_len << 17);
}

/* Source columns of the visible destination pixels of a scaled frame. */
static u32 *vprime_scale_columns(const struct vprime_frame *frame)
{
	unsigned int i, n = drm_rect_width(&frame->dst);
	u32 *xmap;

	xmap = kvmalloc_array(n, sizeof(u32), GFP_KERNEL);
	if (!xmap)
		return NULL;
	for (i = 0; i < n; i++)
		xmap[i] = vprime_scale_src(frame->src_fp.x1,
					   drm_rect_width(&frame->src_fp),
					   frame->crtc.x1,
					   drm_rect_width(&frame->crtc),
					   frame->dst.x1 + i);
	return xmap;
}

/*
 * A scaled frame's row @y: the source row it samples is converted into
 * @line from the first to the last column sampled, then each destination
 * pixel takes its column (nearest-neighbour sampling).
 */
static void vprime_compose_scaled_row(const struct vprime_frame *frame,
				      const u32 *xmap, int y, u32 *out,
				      u32 *stage, u32 *line)
{
	unsigned int i, n = drm_rect_width(&frame->dst);
	u32 first = xmap[0], span = xmap[n - 1] - first + 1;
	u32 sy = vprime_scale_src(frame->src_fp.y1,
				  drm_rect_height(&frame->src_fp),
				  frame->crtc.y1, drm_rect_height(&frame->crtc),
				  y);
	const u8 *src = (const u8 *)frame->data[0].vaddr +
			(size_t)sy * frame->pitch + (size_t)first * frame->cpp;
	u32 *dst = frame->opaque ? out + frame->dst.x1 : stage;

	if (frame->opaque)
		frame->format->read_opaque(src, line, span);
	else
		frame->format->read_line(src, line, span);
	for (i = 0; i < n; i++)
		dst[i] = line[xmap[i] - first];
	if (!frame->opaque)
		vprime_blend_row(frame, stage, out + frame->dst.x1, n);
}

static void vprime_fill_black(u32 *out, unsigned int n)
{
	const u64 black = 0xff000000ff000000ULL;
	u8 *d = (u8 *)out;
	unsigned int i;

	for (i = 0; i + 4 <= n; i += 4, d += 16) {
		put_unaligned(black, (u64 *)d);
		put_unaligned(black, (u64 *)(d + 8));
	}
	for (; i < n; i++)
		out[i] = 0xff000000;
}

/*
 * Compose @cstate into @job's framebuffer (when not NULL) and into the
 * signature @crc (when not NULL). Returns 0, -EINVAL (writeback
 * framebuffer smaller than the mode) or -ENOMEM.
 */
static int vprime_compose(struct vprime_crtc_state *cstate,
			  struct vprime_wb_job *job, u32 *crc)
{
	int width = cstate->base.mode.hdisplay;
	int height = cstate->base.mode.vdisplay;
	unsigned int n = cstate->num_planes;
	const struct vprime_frame *frames[VPRIME_KMS_MAX_OVERLAYS + 2];
	u32 *xmaps[VPRIME_KMS_MAX_OVERLAYS + 2] = { };
	struct xxh64_state sig;
	u32 *row = NULL, *stage, *line = NULL;
	unsigned int i, count = 0, line_len = 0;
	int y, ret = -ENOMEM;

	for (i = 0; i < n && count < ARRAY_SIZE(frames); i++) {
		struct vprime_plane_state *pstate = cstate->planes[i];

		if (!pstate->hidden && pstate->frame.fb && pstate->frame.format)
			frames[count++] = &pstate->frame;
	}

	if (job && (job->fb->width < width || job->fb->height < height))
		return -EINVAL;

	stage = kvmalloc_array(width, sizeof(u32), GFP_KERNEL);
	if (!stage)
		return -ENOMEM;
	if (!job) {
		row = kvmalloc_array(width, sizeof(u32), GFP_KERNEL);
		if (!row)
			goto out_free;
	}
	for (i = 0; i < count; i++) {
		unsigned int last = drm_rect_width(&frames[i]->dst) - 1;

		if (!frames[i]->scaled)
			continue;
		xmaps[i] = vprime_scale_columns(frames[i]);
		if (!xmaps[i])
			goto out_free;
		line_len = max(line_len, xmaps[i][last] - xmaps[i][0] + 1);
	}
	if (line_len) {
		line = kvmalloc_array(line_len, sizeof(u32), GFP_KERNEL);
		if (!line)
			goto out_free;
	}

	if (crc)
		xxh64_reset(&sig, 0);

	for (y = 0; y < height; y++) {
		bool covered = false;
		unsigned int first = 0;
		u32 *out = row;

		if (job)
			out = (u32 *)((u8 *)job->data[0].vaddr +
				      (size_t)y * job->fb->pitches[0]);

		for (i = count; i > 0; i--) {
			if (vprime_frame_covers_row(frames[i - 1], y, width)) {
				first = i - 1;
				covered = true;
				break;
			}
		}
		if (!covered)
			vprime_fill_black(out, width);

		for (i = first; i < count; i++) {
			if (!vprime_frame_on_row(frames[i], y))
				continue;
			if (xmaps[i])
				vprime_compose_scaled_row(frames[i], xmaps[i],
							  y, out, stage, line);
			else
				vprime_compose_plane_row(frames[i], y, width,
							 out, stage);
		}

		if (cstate->color)
			vprime_color_apply_row(cstate->color, out, width);
		if (crc)
			xxh64_update(&sig, out, width * sizeof(u32));
	}
	if (crc)
		*crc = lower_32_bits(xxh64_digest(&sig));
	ret = 0;

out_free:
	kvfree(line);
	for (i = 0; i < count; i++)
		kvfree(xmaps[i]);
	kvfree(row);
	kvfree(stage);

	return ret;
}

static void vprime_stats_add(struct vprime_crtc *vcrtc, u64 ns,
			     int width, int height)
{
	struct vprime_compose_stats *stats = &vcrtc->stats;

	mutex_lock(&vcrtc->stats_lock);
	if (!stats->frames || ns < stats->min_ns)
		stats->min_ns = ns;
	stats->max_ns = max(stats->max_ns, ns);
	stats->last_ns = ns;
	stats->total_ns += ns;
	stats->frames++;
	stats->width = width;
	stats->height = height;
	mutex_unlock(&vcrtc->stats_lock);
}

/**
 * vprime_composer_work - compose one frame, emit its CRC and capture
 * @work: &vprime_crtc.composer_work
 */
void vprime_composer_work(struct work_struct *work)
{
	struct vprime_crtc *vcrtc = container_of(work, struct vprime_crtc,
						 composer_work);
	struct drm_crtc *crtc = &vcrtc->base;
	struct drm_pending_vblank_event *event;
	struct vprime_crtc_state *cstate;
	struct vprime_wb_job *job = NULL;
	u64 frame_start, frame_end;
	bool pending, crc_on;
	u32 crc = 0;
	ktime_t start;
	int ret;

	spin_lock_irq(&vcrtc->lock);
	pending = vcrtc->frame_pending;
	cstate = vcrtc->latched;
	frame_start = vcrtc->frame_start;
	frame_end = vcrtc->frame_end;
	crc_on = vcrtc->crc_enabled;
	vcrtc->frame_pending = false;
	if (pending) {
		vcrtc->composing = cstate;
		job = vcrtc->latched_job;
		vcrtc->latched_job = NULL;
		/* This composition reports the CRCs up to @frame_end. */
		vcrtc->crc_next = frame_end + 1;
		vcrtc->crc_next_valid = crc_on;
	}
	spin_unlock_irq(&vcrtc->lock);

	if (!pending || !cstate)
		return;
	if (job)
		wake_up_all(&vcrtc->wb_wait);

	start = ktime_get();
	ret = vprime_compose(cstate, job, crc_on ? &crc : NULL);
	vprime_stats_add(vcrtc, ktime_to_ns(ktime_sub(ktime_get(), start)),
			 cstate->base.mode.hdisplay, cstate->base.mode.vdisplay);

	/* done with cstate's buffers: a flip that waited for that goes now */
	spin_lock_irq(&vcrtc->lock);
	vcrtc->composing = NULL;
	event = vprime_crtc_take_flip_event(vcrtc, false);
	spin_unlock_irq(&vcrtc->lock);
	if (event)
		vprime_crtc_send_flip_event(crtc, event);

	if (job)
		vprime_writeback_done(vcrtc, job, ret);

	if (!crc_on || ret)
		return;

	while (frame_start <= frame_end)
		drm_crtc_add_crc_entry(crtc, true, frame_start++, &crc);
}

static const char *const vprime_crc_sources[] = { "auto" };

const char *const *vprime_crc_get_sources(struct drm_crtc *crtc, size_t *count)
{
	*count = ARRAY_SIZE(vprime_crc_sources);
	return vprime_crc_sources;
}

static int vprime_crc_parse(struct drm_crtc *crtc, const char *source,
			    bool *enabled)
{
	*enabled = false;
	if (!source)
		return 0;
	if (!strcmp(source, "auto")) {
		*enabled = true;
		return 0;
	}

	drm_dbg_driver(crtc->dev, "unknown CRC source %s\n", source);
	return -EINVAL;
}

int vprime_crc_verify_source(struct drm_crtc *crtc, const char *source,
			     size_t *values_cnt)
{
	bool enabled;
	int ret;

	ret = vprime_crc_parse(crtc, source, &enabled);
	if (ret)
		return ret;

	*values_cnt = 1;
	return 0;
}

int vprime_crc_set_source(struct drm_crtc *crtc, const char *source)
{
	struct vprime_crtc *vcrtc = to_vprime_crtc(crtc);
	bool enabled, had_ref, want_ref;
	int ret;

	ret = vprime_crc_parse(crtc, source, &enabled);
	if (ret)
		return ret;

	/* The CRC needs vblanks: hold a reference while it is on. */
	spin_lock_irq(&vcrtc->lock);
	vcrtc->crc_enabled = enabled;
	vcrtc->crc_next_valid = false;
	had_ref = vcrtc->crc_vblank_ref;
	spin_unlock_irq(&vcrtc->lock);

	want_ref = enabled && !had_ref && !drm_crtc_vblank_get(crtc);
	if (!enabled && had_ref)
		drm_crtc_vblank_put(crtc);

	spin_lock_irq(&vcrtc->lock);
	if (want_ref)
		vcrtc->crc_vblank_ref = true;
	else if (!enabled)
		vcrtc->crc_vblank_ref = false;
	spin_unlock_irq(&vcrtc->lock);

	return 0;
}

static int vprime_compose_stats_show(struct seq_file *m, void *data)
{
	struct vprime_crtc *vcrtc = m->private;
	struct vprime_compose_stats stats;
	bool flip, capture;
	u64 behind;

	mutex_lock(&vcrtc->stats_lock);
	stats = vcrtc->stats;
	mutex_unlock(&vcrtc->stats_lock);

	spin_lock_irq(&vcrtc->lock);
	behind = vcrtc->frames_behind;
	flip = vcrtc->flip_event;
	capture = vprime_crtc_capture_pending(vcrtc);
	spin_unlock_irq(&vcrtc->lock);

	seq_printf(m, "size: %ux%u\n", stats.width, stats.height);
	seq_printf(m, "frames: %llu\n", stats.frames);
	seq_printf(m, "last_us: %llu\n", div_u64(stats.last_ns, 1000));
	seq_printf(m, "min_us: %llu\n", div_u64(stats.min_ns, 1000));
	seq_printf(m, "max_us: %llu\n", div_u64(stats.max_ns, 1000));
	seq_printf(m, "avg_us: %llu\n", stats.frames ?
		   div64_u64(stats.total_ns, stats.frames * 1000) : 0);
	seq_printf(m, "vblanks_behind: %llu\n", behind);
	seq_printf(m, "fence_timeouts: %d\n",
		   atomic_read(&vcrtc->fence_timeouts));
	seq_printf(m, "flip_pending: %d\n", flip);
	seq_printf(m, "capture_pending: %d\n", capture);

	return 0;
}

static int vprime_compose_stats_open(struct inode *inode, struct file *file)
{
	return single_open(file, vprime_compose_stats_show, inode->i_private);
}

/* Any write resets the statistics. */
static ssize_t vprime_compose_stats_write(struct file *file,
					  const char __user *buf,
					  size_t len, loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	struct vprime_crtc *vcrtc = m->private;

	mutex_lock(&vcrtc->stats_lock);
	memset(&vcrtc->stats, 0, sizeof(vcrtc->stats));
	mutex_unlock(&vcrtc->stats_lock);

	spin_lock_irq(&vcrtc->lock);
	vcrtc->frames_behind = 0;
	spin_unlock_irq(&vcrtc->lock);

	return len;
}

static const struct file_operations vprime_compose_stats_fops = {
	.owner = THIS_MODULE,
	.open = vprime_compose_stats_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = vprime_compose_stats_write,
	.release = single_release,
};

/**
 * vprime_composer_debugfs_init - create the composer's debugfs file
 * @vcrtc: the CRTC
 * @root: the DRM minor's debugfs directory
 *
 * "vprime_compose_stats" shows the per-frame composition times, and
 * whether a flip event and a writeback capture are pending on the CRTC;
 * writing to it resets the times. Each CRTC has one in crtc-N/, and CRTC 0's
 * is also at the top of the minor's directory.
 */
void vprime_composer_debugfs_init(struct vprime_crtc *vcrtc,
				  struct dentry *root)
{
	debugfs_create_file("vprime_compose_stats", 0644, root, vcrtc,
			    &vprime_compose_stats_fops);
}
