// SPDX-License-Identifier: MIT
/*
 * vprime_writeback - the display's composer checked pixel by pixel through
 * its writeback connector and its CRC, against a CPU reference.
 */

/**
 * TEST: vprime writeback
 * Category: Display
 * Description: Captures composed frames of the vprime_kms display through
 *              its writeback connector and compares them, and the CRC of
 *              the frame, with a CPU reference of the documented composer.
 * Feature: vprime display
 *
 * SUBTEST: writeback-properties
 * Description: The writeback connector advertises XRGB8888 and ARGB8888.
 *
 * SUBTEST: writeback-formats
 * Description: A capture into each writeback format matches the scanout.
 *
 * SUBTEST: plane-formats
 * Description: Every plane format scans out as the CPU conversion of its
 *              pixels, checked by capture and by CRC.
 *
 * SUBTEST: plane-position
 * Description: Overlay and cursor planes positioned inside, across the
 *              edges and off the CRTC are clipped as the reference.
 *
 * SUBTEST: plane-source-offset
 * Description: A plane's source rectangle inside a larger framebuffer.
 *
 * SUBTEST: alpha-blend
 * Description: ARGB overlays, and an ARGB primary plane over the black
 *              background, blended with each pixel blend mode and plane
 *              alpha match the reference formula; cursor planes have
 *              neither property.
 *
 * SUBTEST: mode-switch-lowres
 * Description: The planes of a higher mode, one of them in its bottom rows,
 *              are clipped and hidden in the mode under test and shown
 *              again after the switch back, by CRC and capture.
 *
 * SUBTEST: zpos-order
 * Description: Swapping the zpos of two overlapping planes swaps which one
 *              is seen.
 *
 * SUBTEST: covered-primary
 * Description: A primary plane fully covered by an opaque overlay does not
 *              show.
 *
 * SUBTEST: color-properties
 * Description: Every CRTC has DEGAMMA_LUT, CTM and GAMMA_LUT with LUT sizes
 *              of 256 and a legacy gamma table of the same size.
 *
 * SUBTEST: color-pipeline
 * Description: Identity LUTs, an inverting LUT, a channel-swapping CTM,
 *              degamma, CTM and gamma together, and a LUT over alpha-blended
 *              planes match values computed in the test, by capture and CRC.
 *
 * SUBTEST: color-legacy-gamma
 * Description: The legacy gamma ioctl sets GAMMA_LUT and the composer
 *              applies it.
 *
 * SUBTEST: color-reject-bad-size
 * Description: DEGAMMA_LUT and GAMMA_LUT blobs of another size than 256
 *              entries and a CTM blob of the wrong size are -EINVAL.
 *
 * SUBTEST: plane-scaling
 * Description: Primary and overlay planes scaled up and down, at the limits
 *              and at non-integer ratios, with each SCALING_FILTER, match the
 *              nearest-neighbour reference by capture and CRC; a 2x upscale
 *              has the CRC of an unscaled framebuffer of doubled pixels.
 *
 * SUBTEST: plane-scaling-limits
 * Description: More than 8x up, more than 4x down, and any scaling of the
 *              cursor are -EINVAL.
 *
 * SUBTEST: cursor-sizes
 * Description: ARGB cursors of 64 to 512 pixels, square and 512x170, match
 *              the reference by capture and CRC; DRM_CAP_CURSOR_WIDTH and
 *              HEIGHT are 512 and a 513-pixel cursor is -EINVAL.
 *
 * SUBTEST: writeback-out-fence
 * Description: The writeback out-fence signals without error once the
 *              capture is written, and a capture is written once per job.
 *
 * SUBTEST: reject-out-fence-without-fb
 * Description: WRITEBACK_OUT_FENCE_PTR without WRITEBACK_FB_ID is -EINVAL.
 *
 * SUBTEST: reject-bad-size
 * Description: A writeback framebuffer of another size than the mode is
 *              -EINVAL and nothing is committed.
 *
 * SUBTEST: reject-bad-format
 * Description: A writeback framebuffer in a format the connector does not
 *              list is -EINVAL.
 */

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "igt.h"
#include "vprime_igt.h"
#include "vprime_kms_util.h"

IGT_TEST_DESCRIPTION("vprime_kms composer checked through writeback and CRC "
		     "against a CPU reference.");

enum {
	P_FB_ID, P_CRTC_ID, P_SRC_X, P_SRC_Y, P_SRC_W, P_SRC_H,
	P_CRTC_X, P_CRTC_Y, P_CRTC_W, P_CRTC_H, P_ZPOS, P_ALPHA, P_BLEND,
	P_COUNT
};

static const char *const plane_prop_names[P_COUNT] = {
	"FB_ID", "CRTC_ID", "SRC_X", "SRC_Y", "SRC_W", "SRC_H",
	"CRTC_X", "CRTC_Y", "CRTC_W", "CRTC_H", "zpos", "alpha",
	"pixel blend mode",
};

#define MAX_PLANES 16

struct plane {
	uint32_t id;
	uint64_t type;
	uint32_t prop[P_COUNT];
	uint64_t blend_none, blend_premulti, blend_coverage;
	/* SCALING_FILTER (not on cursors: 0) and its two values */
	uint32_t filter_prop;
	uint64_t filter_default, filter_nearest;
};

/* The CRTC's colour properties. */
static uint32_t crtc_degamma, crtc_ctm, crtc_gamma;

/* A framebuffer with the ARGB8888 value each pixel decodes to. */
struct image {
	struct vprime_dumb dumb;
	uint32_t fb_id;
	uint32_t width, height;
	uint32_t *argb;
};

/* w x h of the source at src_x/src_y; dw x dh on the CRTC (0: w x h) */
struct plane_setup {
	const struct image *img;
	int x, y;
	uint32_t src_x, src_y, w, h;
	uint32_t dw, dh;
	int filter;	/* 0 default, 1 nearest neighbour */
	uint64_t alpha;
	int blend;	/* 0 pre-multiplied, 1 coverage, 2 none */
	uint64_t zpos;
};

static struct vprime_kms kms;
static struct plane planes[MAX_PLANES];
static int num_planes;
static struct vprime_capture capture;
static struct image background;

/* Property @name's id, 0 when @obj has none; *@out gets the property. */
static uint32_t prop_id(uint32_t obj, uint32_t type, const char *name,
			drmModePropertyPtr *out)
{
	drmModePropertyPtr p = vprime_prop_get(kms.fd, obj, type, name, NULL);
	uint32_t id;

	if (!p) {
		igt_assert_f(errno == ENOENT, "property %s of object %u: %s\n",
			     name, obj, strerror(errno));
		return 0;
	}
	id = p->prop_id;
	if (out)
		*out = p;
	else
		drmModeFreeProperty(p);
	return id;
}

static uint64_t prop_get(uint32_t obj, uint32_t type, const char *name)
{
	return vprime_kms_prop_value(kms.fd, obj, type, name);
}

static void find_planes(void)
{
	drmModePlaneResPtr res = drmModeGetPlaneResources(kms.fd);
	uint32_t i;
	int j, e;

	igt_assert(res);
	for (i = 0; i < res->count_planes && num_planes < MAX_PLANES; i++) {
		drmModePlanePtr pl = drmModeGetPlane(kms.fd, res->planes[i]);
		drmModePropertyPtr blend = NULL;
		struct plane *p;
		bool ours;

		/* the planes of the pipe under test (num_outputs > 1) */
		igt_assert(pl);
		ours = pl->possible_crtcs & (1u << kms.crtc_index);
		drmModeFreePlane(pl);
		if (!ours)
			continue;
		p = &planes[num_planes++];
		p->id = res->planes[i];
		p->type = prop_get(p->id, DRM_MODE_OBJECT_PLANE, "type");
		for (j = 0; j < P_COUNT; j++) {
			/* cursors have no alpha and no blend mode */
			bool want = p->type != DRM_PLANE_TYPE_CURSOR ||
				    (j != P_ALPHA && j != P_BLEND);

			p->prop[j] = prop_id(p->id, DRM_MODE_OBJECT_PLANE,
					     plane_prop_names[j],
					     j == P_BLEND ? &blend : NULL);
			igt_assert_f(!p->prop[j] == !want,
				     "plane %u (type %u) %s %s\n", p->id,
				     (unsigned int)p->type,
				     p->prop[j] ? "has" : "has no",
				     plane_prop_names[j]);
		}
		for (e = 0; blend && e < blend->count_enums; e++) {
			const char *n = blend->enums[e].name;

			if (!strcmp(n, "None"))
				p->blend_none = blend->enums[e].value;
			else if (!strcmp(n, "Pre-multiplied"))
				p->blend_premulti = blend->enums[e].value;
			else if (!strcmp(n, "Coverage"))
				p->blend_coverage = blend->enums[e].value;
		}
		drmModeFreeProperty(blend);

		blend = NULL;
		p->filter_prop = prop_id(p->id, DRM_MODE_OBJECT_PLANE,
					 "SCALING_FILTER", &blend);
		for (e = 0; blend && e < blend->count_enums; e++) {
			const char *n = blend->enums[e].name;

			if (!strcmp(n, "Default"))
				p->filter_default = blend->enums[e].value;
			else if (!strcmp(n, "Nearest Neighbor"))
				p->filter_nearest = blend->enums[e].value;
		}
		drmModeFreeProperty(blend);
	}
	drmModeFreePlaneResources(res);
}

static struct plane *plane_of_type(uint64_t type, int nth)
{
	int i;

	for (i = 0; i < num_planes; i++)
		if (planes[i].type == type && nth-- == 0)
			return &planes[i];
	return NULL;
}

/* Reference of the composer (see the DOC of drm-driver/vprime_composer.c). */

static uint32_t mul255(uint32_t x, uint32_t y)
{
	uint32_t v = x * y + 128;

	return (v + (v >> 8)) >> 8;
}

static uint32_t blend_channel(uint32_t c, uint32_t d, uint32_t k)
{
	uint32_t v = c + mul255(d, 255 - k);

	return v > 255 ? 255 : v;
}

static uint32_t ref_blend(uint32_t d, uint32_t s, uint32_t pa, int mode,
			  bool has_alpha)
{
	uint32_t a = has_alpha ? s >> 24 : 0xff;
	uint32_t r = (s >> 16) & 0xff, g = (s >> 8) & 0xff, b = s & 0xff;
	uint32_t k;

	if (mode == 2) {
		k = pa;
	} else {
		if (mode == 1) {
			r = mul255(r, a);
			g = mul255(g, a);
			b = mul255(b, a);
		}
		k = mul255(a, pa);
	}
	r = mul255(r, pa);
	g = mul255(g, pa);
	b = mul255(b, pa);

	return 0xff000000 | blend_channel(r, (d >> 16) & 0xff, k) << 16 |
	       blend_channel(g, (d >> 8) & 0xff, k) << 8 |
	       blend_channel(b, d & 0xff, k);
}

static bool format_has_alpha(uint32_t format)
{
	return format == DRM_FORMAT_ARGB8888 || format == DRM_FORMAT_ABGR8888;
}

/* Store ARGB @v in @format at @p; return the value the display reads. */
static uint32_t encode_pixel(uint32_t format, void *p, uint32_t v)
{
	uint32_t r = (v >> 16) & 0xff, g = (v >> 8) & 0xff, b = v & 0xff;
	uint32_t a = v >> 24;

	switch (format) {
	case DRM_FORMAT_XRGB8888:
		/* The X byte is garbage the display must ignore. */
		*(uint32_t *)p = (v & 0xffffff) | 0x5a000000;
		return v | 0xff000000;
	case DRM_FORMAT_ARGB8888:
		*(uint32_t *)p = v;
		return v;
	case DRM_FORMAT_XBGR8888:
		*(uint32_t *)p = 0xa5000000 | b << 16 | g << 8 | r;
		return v | 0xff000000;
	case DRM_FORMAT_ABGR8888:
		*(uint32_t *)p = a << 24 | b << 16 | g << 8 | r;
		return v;
	case DRM_FORMAT_RGB565: {
		uint32_t r5 = r >> 3, g6 = g >> 2, b5 = b >> 3;

		*(uint16_t *)p = r5 << 11 | g6 << 5 | b5;
		return 0xff000000 | ((r5 << 3) | (r5 >> 2)) << 16 |
		       ((g6 << 2) | (g6 >> 4)) << 8 | ((b5 << 3) | (b5 >> 2));
	}
	}
	igt_assert_f(0, "unknown format\n");
	return 0;
}

static uint32_t cpp_of(uint32_t format)
{
	return format == DRM_FORMAT_RGB565 ? 2 : 4;
}

/* A pre-multiplied pattern: alpha and colours vary per pixel. */
static uint32_t pattern(uint32_t x, uint32_t y, uint32_t seed)
{
	uint32_t a = (x * 7 + y * 3 + seed) & 0xff;
	uint32_t r = (x + seed * 5) & 0xff, g = (y * 2 + seed) & 0xff;
	uint32_t b = ((x ^ y) + seed * 3) & 0xff;

	return a << 24 | mul255(r, a) << 16 | mul255(g, a) << 8 | mul255(b, a);
}

static uint32_t opaque_pattern(uint32_t x, uint32_t y, uint32_t seed)
{
	return 0xff000000 | ((x * 3 + seed) & 0xff) << 16 |
	       ((y * 5 + seed * 7) & 0xff) << 8 | ((x + y + seed) & 0xff);
}

static void image_create(struct image *img, uint32_t w, uint32_t h,
			 uint32_t format, uint32_t seed, bool alpha)
{
	uint32_t x, y, bpp_w;
	uint8_t *map;

	memset(img, 0, sizeof(*img));
	img->width = w;
	img->height = h;
	/* vprime_dumb_create() makes 32 bpp buffers: wide enough for 16 bpp. */
	bpp_w = cpp_of(format) == 2 ? (w + 1) / 2 : w;
	vprime_dumb_create(kms.fd, bpp_w, h, &img->dumb);
	map = vprime_dumb_map(kms.fd, &img->dumb);
	img->argb = calloc((size_t)w * h, sizeof(uint32_t));
	igt_assert(img->argb);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			uint32_t v = alpha ? pattern(x, y, seed) :
					     opaque_pattern(x, y, seed);

			img->argb[y * w + x] =
				encode_pixel(format, map + y * img->dumb.pitch +
					     x * cpp_of(format), v);
		}
	img->fb_id = vprime_kms_add_fb(kms.fd, img->dumb.handle, w, h,
				       img->dumb.pitch, format);
}

static void image_destroy(struct image *img)
{
	if (img->fb_id)
		drmModeRmFB(kms.fd, img->fb_id);
	vprime_dumb_destroy(kms.fd, &img->dumb);
	free(img->argb);
	memset(img, 0, sizeof(*img));
}

static void plane_add(drmModeAtomicReqPtr req, const struct plane *p,
		      const struct plane_setup *s)
{
	uint64_t blend = s->blend == 1 ? p->blend_coverage :
			 s->blend == 2 ? p->blend_none : p->blend_premulti;

	drmModeAtomicAddProperty(req, p->id, p->prop[P_FB_ID], s->img->fb_id);
	drmModeAtomicAddProperty(req, p->id, p->prop[P_CRTC_ID], kms.crtc_id);
	drmModeAtomicAddProperty(req, p->id, p->prop[P_SRC_X],
				 (uint64_t)s->src_x << 16);
	drmModeAtomicAddProperty(req, p->id, p->prop[P_SRC_Y],
				 (uint64_t)s->src_y << 16);
	drmModeAtomicAddProperty(req, p->id, p->prop[P_SRC_W], (uint64_t)s->w << 16);
	drmModeAtomicAddProperty(req, p->id, p->prop[P_SRC_H], (uint64_t)s->h << 16);
	drmModeAtomicAddProperty(req, p->id, p->prop[P_CRTC_X], (int64_t)s->x);
	drmModeAtomicAddProperty(req, p->id, p->prop[P_CRTC_Y], (int64_t)s->y);
	drmModeAtomicAddProperty(req, p->id, p->prop[P_CRTC_W], s->dw ?: s->w);
	drmModeAtomicAddProperty(req, p->id, p->prop[P_CRTC_H], s->dh ?: s->h);
	if (p->filter_prop)
		drmModeAtomicAddProperty(req, p->id, p->filter_prop,
					 s->filter ? p->filter_nearest :
						     p->filter_default);
	drmModeAtomicAddProperty(req, p->id, p->prop[P_ZPOS], s->zpos);
	if (p->prop[P_ALPHA])
		drmModeAtomicAddProperty(req, p->id, p->prop[P_ALPHA], s->alpha);
	if (p->prop[P_BLEND])
		drmModeAtomicAddProperty(req, p->id, p->prop[P_BLEND], blend);
}

static void plane_disable(drmModeAtomicReqPtr req, const struct plane *p)
{
	drmModeAtomicAddProperty(req, p->id, p->prop[P_FB_ID], 0);
	drmModeAtomicAddProperty(req, p->id, p->prop[P_CRTC_ID], 0);
}

/*
 * The source pixel destination offset @d samples: the centre of the
 * destination pixel mapped into the source, rounded down (the documented
 * nearest-neighbour sampling of the composer).
 */
static uint32_t ref_sample(uint32_t src, uint32_t src_len, uint32_t dst_len,
			   uint32_t d)
{
	return src + (uint32_t)(((uint64_t)(2 * d + 1) * src_len) /
				(2ull * dst_len));
}

/*
 * Draw plane @s on the reference frame @ref of @fw x @fh pixels (bottom to
 * top order).
 */
static void ref_plane_in(uint32_t *ref, uint32_t fw, uint32_t fh,
			 const struct plane_setup *s, uint32_t format)
{
	uint32_t dw = s->dw ?: s->w, dh = s->dh ?: s->h;
	int x, y;

	for (y = 0; y < (int)dh; y++) {
		int cy = s->y + y;
		uint32_t sy = ref_sample(s->src_y, s->h, dh, y);

		if (cy < 0 || cy >= (int)fh)
			continue;
		for (x = 0; x < (int)dw; x++) {
			int cx = s->x + x;
			uint32_t *d;
			uint32_t v;

			if (cx < 0 || cx >= (int)fw)
				continue;
			d = &ref[cy * fw + cx];
			v = s->img->argb[sy * s->img->width +
					 ref_sample(s->src_x, s->w, dw, x)];
			*d = ref_blend(*d, v, s->alpha >> 8, s->blend,
				       format_has_alpha(format));
		}
	}
}

/* The same on a reference frame of the mode's size. */
static void ref_plane(uint32_t *ref, const struct plane_setup *s,
		      uint32_t format)
{
	ref_plane_in(ref, kms.width, kms.height, s, format);
}

/* A black frame of @w x @h pixels. */
static uint32_t *ref_frame_of(uint32_t w, uint32_t h)
{
	uint32_t *ref = malloc((size_t)w * h * 4);
	uint32_t i;

	igt_assert(ref);
	for (i = 0; i < w * h; i++)
		ref[i] = 0xff000000;
	return ref;
}

static uint32_t *ref_frame(void)
{
	return ref_frame_of(kms.width, kms.height);
}

static void drain_crc(struct vprime_crc *crc)
{
	uint32_t frame, value;

	while (vprime_crc_read(crc, 0, &frame, &value))
		;
}

/* The next frame's CRC is that of @ref, @w x @h pixels. */
static void check_crc(struct vprime_crc *crc, const uint32_t *ref, uint32_t w,
		      uint32_t h)
{
	uint32_t frame, value, expected;

	expected = vprime_expected_crc(ref, w * 4, w, h);
	drain_crc(crc);
	igt_assert_f(vprime_crc_read(crc, 5000, &frame, &value),
		     "no CRC after the commit\n");
	igt_assert_f(value == expected,
		     "CRC of frame %u is %08x, reference %08x\n", frame, value,
		     expected);
}

/*
 * Commit @req (planes) plus a writeback job blocking, with the
 * DRM_MODE_ATOMIC_* @flags, wait for the capture and compare it with @ref;
 * with @crc, also the next frame's CRC.
 */
static void commit_and_check_flags(drmModeAtomicReqPtr req,
				   const uint32_t *ref, struct vprime_crc *crc,
				   uint32_t flags)
{
	unsigned int diff;
	int fence = -1;

	vprime_capture_clear(&kms, &capture, 0x00123456);
	drmModeAtomicAddProperty(req, kms.wb_id, kms.wb_crtc_id, kms.crtc_id);
	drmModeAtomicAddProperty(req, kms.wb_id, kms.wb_fb_id, capture.fb_id);
	drmModeAtomicAddProperty(req, kms.wb_id, kms.wb_out_fence_ptr,
				 (uintptr_t)&fence);
	igt_assert_f(drmModeAtomicCommit(kms.fd, req, flags, NULL) == 0,
		     "commit: %s\n", strerror(errno));
	igt_assert_lte(0, fence);
	igt_assert_f(vprime_fd_wait(fence, POLLIN, 10000),
		     "writeback out-fence did not signal\n");
	igt_assert_eq(vprime_gpu_sync_file_status(fence), 1);
	close(fence);

	diff = vprime_capture_diff(&kms, &capture, ref, kms.width * 4);
	igt_assert_f(diff == 0, "%u pixels differ from the reference\n", diff);

	if (crc)
		check_crc(crc, ref, kms.width, kms.height);
}

static void commit_and_check(drmModeAtomicReqPtr req, const uint32_t *ref,
			     struct vprime_crc *crc)
{
	commit_and_check_flags(req, ref, crc, 0);
}

/* Only the primary showing @background, every other plane off. */
static drmModeAtomicReqPtr base_req(void)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	struct plane_setup s = {
		.img = &background, .w = kms.width, .h = kms.height,
		.alpha = 0xffff,
	};
	int i;

	igt_assert(req);
	/* no colour management unless the test sets it */
	drmModeAtomicAddProperty(req, kms.crtc_id, crtc_degamma, 0);
	drmModeAtomicAddProperty(req, kms.crtc_id, crtc_ctm, 0);
	drmModeAtomicAddProperty(req, kms.crtc_id, crtc_gamma, 0);
	for (i = 0; i < num_planes; i++) {
		if (planes[i].type == DRM_PLANE_TYPE_PRIMARY)
			plane_add(req, &planes[i], &s);
		else
			plane_disable(req, &planes[i]);
	}
	return req;
}

static uint32_t *base_ref(void)
{
	struct plane_setup s = {
		.img = &background, .w = kms.width, .h = kms.height,
		.alpha = 0xffff,
	};
	uint32_t *ref = ref_frame();

	ref_plane(ref, &s, DRM_FORMAT_XRGB8888);
	return ref;
}

/*
 * Show plane @p as @s over the base request, draw it on @ref (freed here)
 * and check the capture, and the CRC with @crc.
 */
static void check_plane(const struct plane *p, const struct plane_setup *s,
			uint32_t format, uint32_t *ref, struct vprime_crc *crc)
{
	drmModeAtomicReqPtr req = base_req();

	plane_add(req, p, s);
	ref_plane(ref, s, format);
	commit_and_check(req, ref, crc);
	drmModeAtomicFree(req);
	free(ref);
}

static const uint32_t plane_formats[] = {
	DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888, DRM_FORMAT_XBGR8888,
	DRM_FORMAT_ABGR8888, DRM_FORMAT_RGB565,
};

static const char *format_name(uint32_t f)
{
	static char name[5];

	memcpy(name, &f, 4);
	return name;
}

static void test_writeback_properties(void)
{
	drmModePropertyBlobPtr blob;
	bool xrgb = false, argb = false;
	uint32_t i, *fmts;

	blob = drmModeGetPropertyBlob(kms.fd,
				      prop_get(kms.wb_id, DRM_MODE_OBJECT_CONNECTOR,
					       "WRITEBACK_PIXEL_FORMATS"));
	igt_assert(blob);
	fmts = blob->data;
	for (i = 0; i < blob->length / 4; i++) {
		xrgb |= fmts[i] == DRM_FORMAT_XRGB8888;
		argb |= fmts[i] == DRM_FORMAT_ARGB8888;
	}
	drmModeFreePropertyBlob(blob);
	igt_assert(xrgb && argb);
}

static void test_writeback_formats(void)
{
	static const uint32_t wb_formats[] = {
		DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888,
	};
	uint32_t *ref = base_ref();
	unsigned int i;

	for (i = 0; i < 2; i++) {
		drmModeAtomicReqPtr req = base_req();
		struct vprime_dumb dumb;
		uint32_t fb, *map, x, y, bad = 0;
		int fence = -1;

		vprime_dumb_create(kms.fd, kms.width, kms.height, &dumb);
		map = vprime_dumb_map(kms.fd, &dumb);
		memset(map, 0x11, dumb.size);
		fb = vprime_kms_add_fb(kms.fd, dumb.handle, kms.width, kms.height,
				       dumb.pitch, wb_formats[i]);
		drmModeAtomicAddProperty(req, kms.wb_id, kms.wb_crtc_id,
					 kms.crtc_id);
		drmModeAtomicAddProperty(req, kms.wb_id, kms.wb_fb_id, fb);
		drmModeAtomicAddProperty(req, kms.wb_id, kms.wb_out_fence_ptr,
					 (uintptr_t)&fence);
		igt_assert_eq(drmModeAtomicCommit(kms.fd, req, 0, NULL), 0);
		drmModeAtomicFree(req);
		igt_assert(vprime_fd_wait(fence, POLLIN, 10000));
		close(fence);

		/* Both formats store the frame with an opaque alpha. */
		for (y = 0; y < kms.height; y++)
			for (x = 0; x < kms.width; x++)
				bad += map[y * dumb.pitch / 4 + x] !=
				       ref[y * kms.width + x];
		igt_assert_f(!bad, "%s capture: %u pixels differ\n",
			     format_name(wb_formats[i]), bad);
		drmModeRmFB(kms.fd, fb);
		vprime_dumb_destroy(kms.fd, &dumb);
	}
	free(ref);
}

static void test_plane_format(const struct plane *p, uint32_t format,
			      struct vprime_crc *crc)
{
	struct plane_setup s = { .alpha = 0xffff, .zpos = 0 };
	bool primary = p->type == DRM_PLANE_TYPE_PRIMARY;
	struct image img;

	image_create(&img, kms.width - 16, kms.height - 8, format, 3,
		     format_has_alpha(format));
	s.img = &img;
	s.x = 8;
	s.y = 4;
	s.w = img.width;
	s.h = img.height;
	s.zpos = primary ? 0 : 1;
	/* The primary alone: black shows around it. */
	check_plane(p, &s, format, primary ? ref_frame() : base_ref(), crc);
	image_destroy(&img);
}

static void test_plane_position(void)
{
	struct plane *ovl = plane_of_type(DRM_PLANE_TYPE_OVERLAY, 0);
	struct plane *cur = plane_of_type(DRM_PLANE_TYPE_CURSOR, 0);
	const int pos[][2] = {
		{ 10, 20 }, { -30, -40 }, { 0, 0 },
		{ (int)kms.width - 50, (int)kms.height - 30 },
		{ (int)kms.width + 5, 10 }, { -200, -200 },
	};
	struct image img, cimg;
	unsigned int i;

	igt_require(ovl && cur);
	image_create(&img, 100, 80, DRM_FORMAT_XRGB8888, 9, false);
	image_create(&cimg, 64, 64, DRM_FORMAT_ARGB8888, 17, true);

	for (i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
		struct plane_setup so = {
			.img = &img, .x = pos[i][0], .y = pos[i][1],
			.w = 100, .h = 80, .alpha = 0xffff, .zpos = 1,
		};
		struct plane_setup sc = {
			.img = &cimg, .x = pos[i][1] + 20, .y = pos[i][0] / 2,
			.w = 64, .h = 64, .alpha = 0xffff,
			.zpos = num_planes - 1,	/* the top of the range */
		};
		drmModeAtomicReqPtr req = base_req();
		uint32_t *ref = base_ref();

		igt_debug("overlay at %d,%d, cursor at %d,%d\n", so.x, so.y,
			  sc.x, sc.y);
		plane_add(req, ovl, &so);
		plane_add(req, cur, &sc);
		ref_plane(ref, &so, DRM_FORMAT_XRGB8888);
		ref_plane(ref, &sc, DRM_FORMAT_ARGB8888);
		commit_and_check(req, ref, NULL);
		drmModeAtomicFree(req);
		free(ref);
	}
	image_destroy(&img);
	image_destroy(&cimg);
}

static void test_plane_source_offset(void)
{
	struct plane *ovl = plane_of_type(DRM_PLANE_TYPE_OVERLAY, 0);
	struct plane_setup s = {
		.x = 33, .y = 21, .src_x = 17, .src_y = 9, .w = 120, .h = 70,
		.alpha = 0xffff, .zpos = 1,
	};
	drmModeAtomicReqPtr req = base_req();
	uint32_t *ref = base_ref();
	struct image img;

	igt_require(ovl);
	image_create(&img, 200, 100, DRM_FORMAT_ARGB8888, 5, true);
	s.img = &img;
	plane_add(req, ovl, &s);
	ref_plane(ref, &s, DRM_FORMAT_ARGB8888);
	commit_and_check(req, ref, NULL);
	drmModeAtomicFree(req);
	free(ref);
	image_destroy(&img);
}

static void test_alpha_blend(int mode, uint64_t alpha, struct vprime_crc *crc)
{
	struct plane *o0 = plane_of_type(DRM_PLANE_TYPE_OVERLAY, 0);
	struct plane *o1 = plane_of_type(DRM_PLANE_TYPE_OVERLAY, 1);
	drmModeAtomicReqPtr req = base_req();
	uint32_t *ref = base_ref();
	struct image a, b;
	struct plane_setup s0 = {
		.x = 40, .y = 30, .w = 300, .h = 200, .alpha = alpha,
		.blend = mode, .zpos = 1,
	};
	struct plane_setup s1 = {
		.x = 200, .y = 120, .w = 256, .h = 256, .alpha = 0xffff,
		.blend = 0, .zpos = 2,
	};

	igt_require(o0 && o1);
	image_create(&a, 300, 200, DRM_FORMAT_ARGB8888, 11, true);
	image_create(&b, 256, 256, DRM_FORMAT_ABGR8888, 23, true);
	s0.img = &a;
	s1.img = &b;
	plane_add(req, o0, &s0);
	plane_add(req, o1, &s1);
	ref_plane(ref, &s0, DRM_FORMAT_ARGB8888);
	ref_plane(ref, &s1, DRM_FORMAT_ABGR8888);
	commit_and_check(req, ref, crc);
	drmModeAtomicFree(req);
	free(ref);
	image_destroy(&a);
	image_destroy(&b);
}

/*
 * The primary plane itself with plane alpha @alpha and blend mode @mode: a
 * full-screen ARGB framebuffer over the black background (the cases
 * kms_plane_alpha_blend's constant-alpha-*, alpha-transparent-fb and
 * coverage-vs-premult-vs-constant run on the primary plane).
 */
static void test_primary_alpha(int mode, uint64_t alpha,
			       struct vprime_crc *crc)
{
	struct plane *p = plane_of_type(DRM_PLANE_TYPE_PRIMARY, 0);
	struct image img;
	struct plane_setup s = {
		.w = kms.width, .h = kms.height, .alpha = alpha, .blend = mode,
	};

	igt_assert(p);
	image_create(&img, kms.width, kms.height, DRM_FORMAT_ARGB8888, 31,
		     true);
	s.img = &img;
	check_plane(p, &s, DRM_FORMAT_ARGB8888, ref_frame(), crc);
	image_destroy(&img);
}

/*
 * A connector mode whose height is more than @margin rows above the mode
 * under test, the smallest such one by area.
 */
static drmModeModeInfo taller_mode(uint32_t margin)
{
	drmModeConnectorPtr conn = drmModeGetConnector(kms.fd, kms.conn_id);
	drmModeModeInfo best = { 0 };
	int i;

	igt_assert(conn);
	for (i = 0; i < conn->count_modes; i++) {
		const drmModeModeInfo *m = &conn->modes[i];

		if (m->vdisplay <= kms.height + margin)
			continue;
		if (!best.hdisplay ||
		    m->hdisplay * m->vdisplay < best.hdisplay * best.vdisplay)
			best = *m;
	}
	drmModeFreeConnector(conn);
	igt_assert_f(best.hdisplay, "no mode taller than %u + %u rows\n",
		     kms.height, margin);
	return best;
}

/*
 * The base request with mode @mode_blob, and with @sp and @so on the primary
 * and @o (both NULL: the base request's planes).
 */
static drmModeAtomicReqPtr mode_req(uint32_t mode_blob, const struct plane *o,
				    const struct plane_setup *sp,
				    const struct plane_setup *so)
{
	drmModeAtomicReqPtr req = base_req();

	drmModeAtomicAddProperty(req, kms.crtc_id, kms.c_mode_id, mode_blob);
	drmModeAtomicAddProperty(req, kms.crtc_id, kms.c_active, 1);
	drmModeAtomicAddProperty(req, kms.conn_id, kms.conn_crtc_id,
				 kms.crtc_id);
	if (sp)
		plane_add(req, plane_of_type(DRM_PLANE_TYPE_PRIMARY, 0), sp);
	if (so)
		plane_add(req, o, so);
	return req;
}

/*
 * kms_plane_lowres' sequence: a high mode with the primary showing a
 * framebuffer of its size and an overlay in its bottom rows, then the
 * low mode under test with the planes unchanged (the primary is clipped,
 * the overlay is off the CRTC and invisible), then the high mode again.
 * Each frame is checked against the reference of its own size.
 */
static void test_mode_switch(struct vprime_crc *crc)
{
	struct plane *o = plane_of_type(DRM_PLANE_TYPE_OVERLAY, 0);
	drmModeModeInfo hi = taller_mode(2 * 64);
	drmModeAtomicReqPtr req;
	struct image big, small;
	uint32_t blob, *ref_hi, *ref_lo;
	struct plane_setup sp = {
		.w = hi.hdisplay, .h = hi.vdisplay, .alpha = 0xffff,
	};
	struct plane_setup so = {
		.x = 0, .y = hi.vdisplay - 64, .w = 64, .h = 64,
		.alpha = 0xffff, .zpos = 1,
	};
	int step;

	igt_require(o);
	igt_info("high mode %ux%u, low mode %ux%u\n", hi.hdisplay,
		 hi.vdisplay, kms.width, kms.height);
	igt_assert_eq(drmModeCreatePropertyBlob(kms.fd, &hi, sizeof(hi),
						&blob), 0);
	image_create(&big, hi.hdisplay, hi.vdisplay, DRM_FORMAT_XRGB8888, 5,
		     false);
	image_create(&small, 64, 64, DRM_FORMAT_XRGB8888, 6, false);
	sp.img = &big;
	so.img = &small;

	ref_hi = ref_frame_of(hi.hdisplay, hi.vdisplay);
	ref_plane_in(ref_hi, hi.hdisplay, hi.vdisplay, &sp, DRM_FORMAT_XRGB8888);
	ref_plane_in(ref_hi, hi.hdisplay, hi.vdisplay, &so, DRM_FORMAT_XRGB8888);
	ref_lo = ref_frame();
	ref_plane(ref_lo, &sp, DRM_FORMAT_XRGB8888);
	ref_plane(ref_lo, &so, DRM_FORMAT_XRGB8888);

	for (step = 0; step < 3; step++) {
		if (step == 1) {
			/* the low mode: also captured by writeback */
			req = mode_req(kms.mode_blob, o, &sp, &so);
			commit_and_check_flags(req, ref_lo, crc,
					       DRM_MODE_ATOMIC_ALLOW_MODESET);
		} else {
			req = mode_req(blob, o, &sp, &so);
			igt_assert_f(drmModeAtomicCommit(kms.fd, req,
					DRM_MODE_ATOMIC_ALLOW_MODESET,
					NULL) == 0,
				     "commit: %s\n", strerror(errno));
			check_crc(crc, ref_hi, hi.hdisplay, hi.vdisplay);
		}
		drmModeAtomicFree(req);
	}

	/* back to the mode under test and the base request's planes */
	req = mode_req(kms.mode_blob, NULL, NULL, NULL);
	igt_assert_eq(drmModeAtomicCommit(kms.fd, req,
					  DRM_MODE_ATOMIC_ALLOW_MODESET, NULL), 0);
	drmModeAtomicFree(req);
	drmModeDestroyPropertyBlob(kms.fd, blob);
	free(ref_hi);
	free(ref_lo);
	image_destroy(&big);
	image_destroy(&small);
}

static void test_zpos_order(void)
{
	struct plane *o0 = plane_of_type(DRM_PLANE_TYPE_OVERLAY, 0);
	struct plane *o1 = plane_of_type(DRM_PLANE_TYPE_OVERLAY, 1);
	struct image a, b;
	int swap;

	igt_require(o0 && o1);
	image_create(&a, 200, 150, DRM_FORMAT_XRGB8888, 1, false);
	image_create(&b, 200, 150, DRM_FORMAT_XRGB8888, 99, false);

	for (swap = 0; swap < 2; swap++) {
		struct plane_setup sa = {
			.img = &a, .x = 50, .y = 50, .w = 200, .h = 150,
			.alpha = 0xffff, .zpos = swap ? 3 : 1,
		};
		struct plane_setup sb = {
			.img = &b, .x = 150, .y = 100, .w = 200, .h = 150,
			.alpha = 0xffff, .zpos = swap ? 1 : 3,
		};
		drmModeAtomicReqPtr req = base_req();
		uint32_t *ref = base_ref();

		plane_add(req, o0, &sa);
		plane_add(req, o1, &sb);
		if (swap) {
			ref_plane(ref, &sb, DRM_FORMAT_XRGB8888);
			ref_plane(ref, &sa, DRM_FORMAT_XRGB8888);
		} else {
			ref_plane(ref, &sa, DRM_FORMAT_XRGB8888);
			ref_plane(ref, &sb, DRM_FORMAT_XRGB8888);
		}
		commit_and_check(req, ref, NULL);
		drmModeAtomicFree(req);
		free(ref);
	}
	image_destroy(&a);
	image_destroy(&b);
}

static void test_covered_primary(struct vprime_crc *crc)
{
	struct plane *ovl = plane_of_type(DRM_PLANE_TYPE_OVERLAY, 0);
	struct plane_setup s = {
		.x = -5, .y = -5, .w = kms.width + 10, .h = kms.height + 10,
		.alpha = 0xffff, .zpos = 1,
	};
	drmModeAtomicReqPtr req = base_req();
	uint32_t *ref = ref_frame();
	struct image img;

	igt_require(ovl);
	image_create(&img, kms.width + 10, kms.height + 10,
		     DRM_FORMAT_XRGB8888, 42, false);
	s.img = &img;
	plane_add(req, ovl, &s);
	ref_plane(ref, &s, DRM_FORMAT_XRGB8888);
	commit_and_check(req, ref, crc);
	drmModeAtomicFree(req);
	free(ref);
	image_destroy(&img);
}

/* Colour management (see the DOC of drm-driver/vprime_color.c). */

#define LUT_SIZE 256

static uint32_t lut_blob(const struct drm_color_lut *lut, unsigned int n)
{
	uint32_t id = 0;

	igt_assert_eq(drmModeCreatePropertyBlob(kms.fd, lut, n * sizeof(*lut),
						&id), 0);
	return id;
}

static void lut_fill(struct drm_color_lut *lut, uint16_t (*f)(int, int))
{
	int i;

	for (i = 0; i < LUT_SIZE; i++) {
		lut[i].red = f(i, 0);
		lut[i].green = f(i, 1);
		lut[i].blue = f(i, 2);
		lut[i].reserved = 0;
	}
}

static uint16_t lut_identity(int i, int ch)
{
	return i * 257;
}

static uint16_t lut_invert(int i, int ch)
{
	return 0xffff - i * 257;
}

/* A degamma-like curve, different per channel: (i/255)^2, ^3, ^1.5. */
static uint16_t lut_curve(int i, int ch)
{
	static const double e[3] = { 2.0, 3.0, 1.5 };

	return (uint16_t)(pow(i / 255.0, e[ch]) * 65535.0 + 0.5);
}

/* A gamma-like curve: (i/255)^(1/2.2) on every channel. */
static uint16_t lut_gamma(int i, int ch)
{
	return (uint16_t)(pow(i / 255.0, 1 / 2.2) * 65535.0 + 0.5);
}

/* S31.32 sign-magnitude, as the CTM blob wants it. */
static uint64_t ctm_value(double v)
{
	uint64_t mag = (uint64_t)((v < 0 ? -v : v) * 4294967296.0 + 0.5);

	return v < 0 ? mag | (1ull << 63) : mag;
}

static uint32_t ctm_blob(const double m[9])
{
	struct drm_color_ctm ctm;
	uint32_t id = 0;
	int i;

	for (i = 0; i < 9; i++)
		ctm.matrix[i] = ctm_value(m[i]);
	igt_assert_eq(drmModeCreatePropertyBlob(kms.fd, &ctm, sizeof(ctm),
						&id), 0);
	return id;
}

/* The documented linear interpolation of a LUT at 16-bit @x. */
static uint32_t ref_lut(const struct drm_color_lut *lut, int ch, uint32_t x)
{
	uint32_t p = x * (LUT_SIZE - 1), i = p / 0xffff, f = p % 0xffff;
	const uint16_t *e0 = &lut[i].red + ch;

	if (!f)
		return *e0;
	return ((uint64_t)*e0 * (0xffff - f) +
		(uint64_t)*(&lut[i + 1].red + ch) * f + 0x7fff) / 0xffff;
}

/*
 * Apply degamma (or NULL), the CTM @m (or NULL), gamma (or NULL) to the
 * 0xffRRGGBB pixels of @ref, in place, as the documented pipeline.
 */
static void ref_color(uint32_t *ref, const struct drm_color_lut *degamma,
		      const double *m, const struct drm_color_lut *gamma)
{
	uint32_t i, n = kms.width * kms.height;
	int64_t c[9];
	int ch, k;

	for (k = 0; m && k < 9; k++)
		c[k] = (int64_t)(m[k] * 65536.0 + (m[k] < 0 ? -0.5 : 0.5));
	for (i = 0; i < n; i++) {
		uint32_t x[3], y[3], out = 0xff000000;

		for (ch = 0; ch < 3; ch++) {
			x[ch] = ((ref[i] >> (16 - 8 * ch)) & 0xff) * 257;
			if (degamma)
				x[ch] = ref_lut(degamma, ch, x[ch]);
		}
		for (ch = 0; ch < 3; ch++) {
			int64_t v;

			y[ch] = x[ch];
			if (!m)
				continue;
			v = (c[ch * 3] * x[0] + c[ch * 3 + 1] * x[1] +
			     c[ch * 3 + 2] * x[2] + 0x8000) >> 16;
			v = v < 0 ? 0 : v > 0xffff ? 0xffff : v;
			/* 12 bits into the gamma stage behind a CTM */
			y[ch] = (v >> 4) << 4 | v >> 12;
		}
		for (ch = 0; ch < 3; ch++) {
			uint32_t v = gamma ? ref_lut(gamma, ch, y[ch]) : y[ch];

			out |= ((v * 255 + 0x7fff) / 0xffff) << (16 - 8 * ch);
		}
		ref[i] = out;
	}
}

static void color_add(drmModeAtomicReqPtr req, uint32_t degamma, uint32_t ctm,
		      uint32_t gamma)
{
	drmModeAtomicAddProperty(req, kms.crtc_id, crtc_degamma, degamma);
	drmModeAtomicAddProperty(req, kms.crtc_id, crtc_ctm, ctm);
	drmModeAtomicAddProperty(req, kms.crtc_id, crtc_gamma, gamma);
}

static void test_color_properties(void)
{
	drmModeResPtr res = drmModeGetResources(kms.fd);
	int i;

	igt_assert(res);
	for (i = 0; i < res->count_crtcs; i++) {
		uint32_t id = res->crtcs[i];
		drmModeCrtcPtr crtc = drmModeGetCrtc(kms.fd, id);

		igt_assert(crtc);
		igt_assert_eq(crtc->gamma_size, LUT_SIZE);
		drmModeFreeCrtc(crtc);
		igt_assert_eq_u64(prop_get(id, DRM_MODE_OBJECT_CRTC,
					   "GAMMA_LUT_SIZE"), LUT_SIZE);
		igt_assert_eq_u64(prop_get(id, DRM_MODE_OBJECT_CRTC,
					   "DEGAMMA_LUT_SIZE"), LUT_SIZE);
		igt_assert(prop_id(id, DRM_MODE_OBJECT_CRTC, "CTM", NULL));
		igt_assert(prop_id(id, DRM_MODE_OBJECT_CRTC, "GAMMA_LUT", NULL));
		igt_assert(prop_id(id, DRM_MODE_OBJECT_CRTC, "DEGAMMA_LUT",
				   NULL));
	}
	drmModeFreeResources(res);
}

/* The frame of overlays the colour cases run on: a blend over the base. */
static void color_scene(drmModeAtomicReqPtr req, uint32_t *ref,
			struct image *a)
{
	struct plane *o0 = plane_of_type(DRM_PLANE_TYPE_OVERLAY, 0);
	struct plane_setup s = {
		.img = a, .x = 60, .y = 40, .w = a->width, .h = a->height,
		.alpha = 0xa000, .blend = 0, .zpos = 1,
	};

	igt_require(o0);
	plane_add(req, o0, &s);
	ref_plane(ref, &s, DRM_FORMAT_ARGB8888);
}

enum color_case {
	COLOR_IDENTITY, COLOR_INVERT, COLOR_SWAP, COLOR_FULL, COLOR_BLEND,
};

static void test_color_case(enum color_case c, struct vprime_crc *crc)
{
	/* R <- G, G <- B, B <- R */
	static const double swap[9] = { 0, 1, 0, 0, 0, 1, 1, 0, 0 };
	static const double mix[9] = {
		0.5, 0.25, 0.25, -0.25, 1.25, 0, 0.125, 0.125, 0.75,
	};
	struct drm_color_lut lut_a[LUT_SIZE], lut_b[LUT_SIZE];
	drmModeAtomicReqPtr req = base_req();
	uint32_t *ref = base_ref(), i, n = kms.width * kms.height;
	uint32_t deg = 0, ctm = 0, gam = 0;
	struct image a;

	image_create(&a, 300, 200, DRM_FORMAT_ARGB8888, 31, true);
	if (c == COLOR_BLEND)
		color_scene(req, ref, &a);
	if (c != COLOR_BLEND) {
		/* black borders: runs of one colour through the pipeline */
		struct plane_setup s = {
			.img = &background, .x = 8, .y = 4, .src_x = 8,
			.src_y = 4, .w = kms.width - 16, .h = kms.height - 8,
			.alpha = 0xffff,
		};

		free(ref);
		ref = ref_frame();
		/* the later value of a property wins in libdrm's request */
		plane_add(req, plane_of_type(DRM_PLANE_TYPE_PRIMARY, 0), &s);
		ref_plane(ref, &s, DRM_FORMAT_XRGB8888);
	}

	switch (c) {
	case COLOR_IDENTITY:
		/* the same frame as without colour management */
		lut_fill(lut_a, lut_identity);
		deg = lut_blob(lut_a, LUT_SIZE);
		gam = lut_blob(lut_a, LUT_SIZE);
		break;
	case COLOR_INVERT:
	case COLOR_BLEND:
		lut_fill(lut_a, lut_invert);
		gam = lut_blob(lut_a, LUT_SIZE);
		for (i = 0; i < n; i++)
			ref[i] = 0xff000000 | (~ref[i] & 0xffffff);
		break;
	case COLOR_SWAP:
		ctm = ctm_blob(swap);
		for (i = 0; i < n; i++)
			ref[i] = 0xff000000 | (ref[i] & 0xffff) << 8 |
				 (ref[i] >> 16 & 0xff);
		break;
	case COLOR_FULL:
		lut_fill(lut_a, lut_curve);
		lut_fill(lut_b, lut_gamma);
		deg = lut_blob(lut_a, LUT_SIZE);
		ctm = ctm_blob(mix);
		gam = lut_blob(lut_b, LUT_SIZE);
		ref_color(ref, lut_a, mix, lut_b);
		break;
	}
	color_add(req, deg, ctm, gam);
	commit_and_check(req, ref, crc);
	drmModeAtomicFree(req);

	/* and off again */
	req = base_req();
	free(ref);
	ref = base_ref();
	if (c == COLOR_BLEND)
		color_scene(req, ref, &a);
	commit_and_check(req, ref, NULL);
	drmModeAtomicFree(req);

	if (deg)
		drmModeDestroyPropertyBlob(kms.fd, deg);
	if (ctm)
		drmModeDestroyPropertyBlob(kms.fd, ctm);
	if (gam)
		drmModeDestroyPropertyBlob(kms.fd, gam);
	free(ref);
	image_destroy(&a);
}

static void test_color_legacy_gamma(struct vprime_crc *crc)
{
	uint16_t r[LUT_SIZE], g[LUT_SIZE], b[LUT_SIZE];
	uint32_t *ref = base_ref(), i;
	drmModeAtomicReqPtr req;
	uint32_t frame, value, expected;

	/* red inverted, green kept, blue off */
	for (i = 0; i < LUT_SIZE; i++) {
		r[i] = 0xffff - i * 257;
		g[i] = i * 257;
		b[i] = 0;
	}
	igt_assert_f(drmModeCrtcSetGamma(kms.fd, kms.crtc_id, LUT_SIZE, r, g,
					 b) == 0,
		     "drmModeCrtcSetGamma: %s\n", strerror(errno));
	igt_assert(prop_get(kms.crtc_id, DRM_MODE_OBJECT_CRTC, "GAMMA_LUT"));

	for (i = 0; i < kms.width * kms.height; i++)
		ref[i] = 0xff000000 | (~ref[i] & 0xff0000) | (ref[i] & 0xff00);
	expected = vprime_expected_crc(ref, kms.width * 4, kms.width,
				       kms.height);
	drain_crc(crc);
	igt_assert(vprime_crc_read(crc, 5000, &frame, &value));
	drain_crc(crc);
	igt_assert(vprime_crc_read(crc, 5000, &frame, &value));
	igt_assert_f(value == expected, "CRC %08x, reference %08x\n", value,
		     expected);

	/* a wrong size is refused by the core */
	igt_assert_eq(drmModeCrtcSetGamma(kms.fd, kms.crtc_id, LUT_SIZE - 1,
					  r, g, b), -EINVAL);

	req = base_req();
	free(ref);
	ref = base_ref();
	commit_and_check(req, ref, NULL);
	drmModeAtomicFree(req);
	free(ref);
}

static int try_commit_test_only(drmModeAtomicReqPtr req)
{
	int ret = drmModeAtomicCommit(kms.fd, req, DRM_MODE_ATOMIC_TEST_ONLY,
				      NULL);

	return ret ? -errno : 0;
}

static void test_color_reject_bad_size(void)
{
	static const unsigned int sizes[] = { 1, LUT_SIZE - 1, LUT_SIZE + 1,
					      LUT_SIZE * 2 };
	struct drm_color_lut lut[LUT_SIZE * 2] = { };
	struct drm_color_ctm ctm = { };
	uint32_t prop[2] = { crtc_degamma, crtc_gamma }, blob;
	unsigned int i, j;

	for (j = 0; j < 2; j++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			drmModeAtomicReqPtr req = base_req();

			blob = lut_blob(lut, sizes[i]);
			drmModeAtomicAddProperty(req, kms.crtc_id, prop[j], blob);
			igt_assert_f(try_commit_test_only(req) == -EINVAL,
				     "%s of %u entries accepted\n",
				     j ? "GAMMA_LUT" : "DEGAMMA_LUT", sizes[i]);
			drmModeAtomicFree(req);
			drmModeDestroyPropertyBlob(kms.fd, blob);
		}
		/* the right size passes */
		{
			drmModeAtomicReqPtr req = base_req();

			blob = lut_blob(lut, LUT_SIZE);
			drmModeAtomicAddProperty(req, kms.crtc_id, prop[j], blob);
			igt_assert_eq(try_commit_test_only(req), 0);
			drmModeAtomicFree(req);
			drmModeDestroyPropertyBlob(kms.fd, blob);
		}
	}

	for (i = 0; i < 2; i++) {
		drmModeAtomicReqPtr req = base_req();

		igt_assert_eq(drmModeCreatePropertyBlob(kms.fd, &ctm,
							sizeof(ctm) - 8 + 16 * i,
							&blob), 0);
		drmModeAtomicAddProperty(req, kms.crtc_id, crtc_ctm, blob);
		igt_assert_eq(try_commit_test_only(req), -EINVAL);
		drmModeAtomicFree(req);
		drmModeDestroyPropertyBlob(kms.fd, blob);
	}
}

/* Plane scaling */

struct scale_case {
	const char *name;
	uint32_t w, h, dw, dh;
};

static const struct scale_case scale_cases[] = {
	{ "up-2x", 160, 120, 320, 240 },
	{ "down-2x", 320, 240, 160, 120 },
	{ "up-8x", 40, 30, 320, 240 },
	{ "down-4x", 640, 480, 160, 120 },
	{ "up-non-integer", 150, 97, 333, 211 },
	{ "down-non-integer", 333, 211, 150, 97 },
	{ "mixed", 300, 60, 100, 300 },
};

static void test_plane_scaling(const struct plane *p,
			       const struct scale_case *c, int filter,
			       struct vprime_crc *crc)
{
	bool primary = p->type == DRM_PLANE_TYPE_PRIMARY;
	struct plane_setup s = {
		.x = 37, .y = 25, .src_x = 5, .src_y = 3, .w = c->w, .h = c->h,
		.dw = c->dw, .dh = c->dh, .alpha = 0xffff, .filter = filter,
		.zpos = primary ? 0 : 1,
	};
	uint32_t format = primary ? DRM_FORMAT_XRGB8888 : DRM_FORMAT_ARGB8888;
	struct image img;

	image_create(&img, c->w + 11, c->h + 7, format, 13, !primary);
	s.img = &img;
	check_plane(p, &s, format, primary ? ref_frame() : base_ref(), crc);
	image_destroy(&img);
}

/* Commit plane @p as @s over the base request; the CRC of a frame after. */
static uint32_t plane_crc(const struct plane *p, const struct plane_setup *s,
			  struct vprime_crc *crc)
{
	drmModeAtomicReqPtr req = base_req();
	uint32_t frame, value;

	plane_add(req, p, s);
	igt_assert_eq(drmModeAtomicCommit(kms.fd, req, 0, NULL), 0);
	drmModeAtomicFree(req);
	drain_crc(crc);
	igt_assert(vprime_crc_read(crc, 5000, &frame, &value));
	return value;
}

/*
 * As upstream kms_plane_scaling does it: a 2x upscaled plane has the CRC of
 * a framebuffer drawn at the doubled size, shown unscaled.
 */
static void test_plane_scaling_crc(const struct plane *p,
				   struct vprime_crc *crc)
{
	struct plane_setup s = {
		.x = 0, .y = 0, .w = kms.width / 2, .h = kms.height / 2,
		.dw = kms.width / 2 * 2, .dh = kms.height / 2 * 2,
		.alpha = 0xffff, .filter = 1,
		.zpos = p->type == DRM_PLANE_TYPE_PRIMARY ? 0 : 1,
	};
	struct image img, big;
	struct vprime_dumb *d = &big.dumb;
	uint32_t scaled, unscaled, x, y;
	uint8_t *map, *src;

	image_create(&img, s.w, s.h, DRM_FORMAT_XRGB8888, 57, false);
	image_create(&big, s.dw, s.dh, DRM_FORMAT_XRGB8888, 0, false);
	map = vprime_dumb_map(kms.fd, d);
	src = vprime_dumb_map(kms.fd, &img.dumb);
	for (y = 0; y < s.dh; y++)
		for (x = 0; x < s.dw; x++)
			memcpy(map + y * d->pitch + x * 4,
			       src + (y / 2) * img.dumb.pitch + (x / 2) * 4, 4);

	s.img = &img;
	scaled = plane_crc(p, &s, crc);
	s.img = &big;
	s.w = s.dw;
	s.h = s.dh;
	unscaled = plane_crc(p, &s, crc);
	igt_assert_f(scaled == unscaled,
		     "scaled CRC %08x, reference framebuffer's %08x\n",
		     scaled, unscaled);

	image_destroy(&img);
	image_destroy(&big);
}

static void test_plane_scaling_limits(void)
{
	struct plane *types[3] = {
		plane_of_type(DRM_PLANE_TYPE_PRIMARY, 0),
		plane_of_type(DRM_PLANE_TYPE_OVERLAY, 0),
		plane_of_type(DRM_PLANE_TYPE_CURSOR, 0),
	};
	static const uint32_t ok[][4] = {
		{ 40, 30, 320, 240 }, { 640, 480, 160, 120 },
	};
	static const uint32_t bad[][4] = {
		{ 39, 30, 320, 240 }, { 40, 29, 320, 240 },
		{ 641, 480, 160, 120 }, { 640, 481, 160, 120 },
	};
	struct image img;
	unsigned int t, i;

	image_create(&img, 700, 500, DRM_FORMAT_ARGB8888, 3, true);
	for (t = 0; t < 3; t++) {
		struct plane *p = types[t];

		if (!p)
			continue;
		for (i = 0; i < 2 + 4; i++) {
			const uint32_t *v = i < 2 ? ok[i] : bad[i - 2];
			struct plane_setup s = {
				.img = &img, .w = v[0], .h = v[1], .dw = v[2],
				.dh = v[3], .alpha = 0xffff,
				.zpos = t ? 1 : 0,
			};
			drmModeAtomicReqPtr req = base_req();
			int want = i < 2 && t < 2 ? 0 : -EINVAL;

			if (t == 2)
				s.zpos = num_planes - 1;
			plane_add(req, p, &s);
			igt_assert_f(try_commit_test_only(req) == want,
				     "plane type %u, %ux%u to %ux%u: not %d\n",
				     t, v[0], v[1], v[2], v[3], want);
			drmModeAtomicFree(req);
		}
	}
	image_destroy(&img);
}

/* Cursors */

static void test_cursor_size(uint32_t w, uint32_t h, struct vprime_crc *crc)
{
	struct plane *cur = plane_of_type(DRM_PLANE_TYPE_CURSOR, 0);
	const int pos[][2] = {
		{ 17, 9 }, { (int)kms.width - (int)w / 2, (int)kms.height / 3 },
		{ -(int)w / 3, -(int)h / 4 },
	};
	struct image img;
	unsigned int i;

	igt_require(cur);
	image_create(&img, w, h, DRM_FORMAT_ARGB8888, w + h, true);
	for (i = 0; i < 3; i++) {
		struct plane_setup s = {
			.img = &img, .x = pos[i][0], .y = pos[i][1], .w = w,
			.h = h, .alpha = 0xffff, .zpos = num_planes - 1,
		};

		check_plane(cur, &s, DRM_FORMAT_ARGB8888, base_ref(), crc);
	}
	image_destroy(&img);
}

static void test_cursor_limits(void)
{
	struct plane *cur = plane_of_type(DRM_PLANE_TYPE_CURSOR, 0);
	uint64_t cw = 0, ch = 0;
	struct image img;
	unsigned int i;

	igt_require(cur);
	igt_assert_eq(drmGetCap(kms.fd, DRM_CAP_CURSOR_WIDTH, &cw), 0);
	igt_assert_eq(drmGetCap(kms.fd, DRM_CAP_CURSOR_HEIGHT, &ch), 0);
	igt_assert_eq_u64(cw, 512);
	igt_assert_eq_u64(ch, 512);

	image_create(&img, 520, 520, DRM_FORMAT_ARGB8888, 1, true);
	for (i = 0; i < 3; i++) {
		struct plane_setup s = {
			.img = &img, .w = i == 1 ? 512 : 513,
			.h = i == 0 ? 512 : 513, .alpha = 0xffff,
			.zpos = num_planes - 1,
		};
		drmModeAtomicReqPtr req = base_req();

		plane_add(req, cur, &s);
		igt_assert_eq(try_commit_test_only(req), -EINVAL);
		drmModeAtomicFree(req);
	}
	image_destroy(&img);
}

static void test_out_fence(void)
{
	drmModeAtomicReqPtr req;
	uint32_t *ref = base_ref();
	int fence = -1;

	/* A capture per job: after one job, later frames don't touch it. */
	req = base_req();
	commit_and_check(req, ref, NULL);
	drmModeAtomicFree(req);

	vprime_capture_clear(&kms, &capture, 0x00abcdef);
	usleep(200 * 1000);
	igt_assert_eq(vprime_capture_diff_solid(&kms, &capture, 0x00abcdef), 0);

	/* The fence of a second job signals without error, too. */
	req = base_req();
	drmModeAtomicAddProperty(req, kms.wb_id, kms.wb_fb_id, capture.fb_id);
	drmModeAtomicAddProperty(req, kms.wb_id, kms.wb_out_fence_ptr,
				 (uintptr_t)&fence);
	igt_assert_eq(drmModeAtomicCommit(kms.fd, req,
					  DRM_MODE_ATOMIC_NONBLOCK, NULL), 0);
	drmModeAtomicFree(req);
	igt_assert_lte(0, fence);
	igt_assert(vprime_fd_wait(fence, POLLIN, 10000));
	igt_assert_eq(vprime_gpu_sync_file_status(fence), 1);
	close(fence);
	igt_assert_eq(vprime_capture_diff(&kms, &capture, ref, kms.width * 4), 0);
	free(ref);
}

static int commit_wb(uint32_t fb_id, int *fence)
{
	drmModeAtomicReqPtr req = base_req();
	int ret;

	drmModeAtomicAddProperty(req, kms.wb_id, kms.wb_crtc_id, kms.crtc_id);
	drmModeAtomicAddProperty(req, kms.wb_id, kms.wb_fb_id, fb_id);
	if (fence)
		drmModeAtomicAddProperty(req, kms.wb_id, kms.wb_out_fence_ptr,
					 (uintptr_t)fence);
	ret = drmModeAtomicCommit(kms.fd, req, 0, NULL);
	if (ret)
		ret = -errno;
	drmModeAtomicFree(req);
	return ret;
}

static void test_reject_fence_without_fb(void)
{
	int fence = -1;

	igt_assert_eq(commit_wb(0, &fence), -EINVAL);
	igt_assert_eq(fence, -1);
}

static void test_reject_bad_size(void)
{
	struct vprime_dumb dumb;
	uint32_t fb;
	int fence = -1;

	vprime_dumb_create(kms.fd, kms.width / 2, kms.height, &dumb);
	fb = vprime_kms_add_fb(kms.fd, dumb.handle, kms.width / 2, kms.height,
			       dumb.pitch, DRM_FORMAT_XRGB8888);
	igt_assert_eq(commit_wb(fb, &fence), -EINVAL);
	igt_assert_eq(fence, -1);
	igt_assert_eq_u64(prop_get(kms.wb_id, DRM_MODE_OBJECT_CONNECTOR,
				   "WRITEBACK_FB_ID"), 0);
	drmModeRmFB(kms.fd, fb);
	vprime_dumb_destroy(kms.fd, &dumb);
}

static void test_reject_bad_format(void)
{
	struct vprime_dumb dumb;
	uint32_t fb;
	int fence = -1;

	vprime_dumb_create(kms.fd, kms.width, kms.height, &dumb);
	fb = vprime_kms_add_fb(kms.fd, dumb.handle, kms.width, kms.height,
			       dumb.pitch, DRM_FORMAT_ABGR8888);
	igt_assert_eq(commit_wb(fb, &fence), -EINVAL);
	igt_assert_eq(fence, -1);
	drmModeRmFB(kms.fd, fb);
	vprime_dumb_destroy(kms.fd, &dumb);
}

igt_main
{
	struct vprime_crc crc = { .data_fd = -1 };

	igt_fixture {
		int fd = vprime_kms_open_or_fail(0);

		vprime_kms_init(&kms, fd);
		find_planes();
		crtc_degamma = prop_id(kms.crtc_id, DRM_MODE_OBJECT_CRTC,
				       "DEGAMMA_LUT", NULL);
		crtc_ctm = prop_id(kms.crtc_id, DRM_MODE_OBJECT_CRTC, "CTM",
				   NULL);
		crtc_gamma = prop_id(kms.crtc_id, DRM_MODE_OBJECT_CRTC,
				     "GAMMA_LUT", NULL);
		igt_assert(crtc_degamma && crtc_ctm && crtc_gamma);
		image_create(&background, kms.width, kms.height,
			     DRM_FORMAT_XRGB8888, 77, false);
		vprime_kms_set_fb(&kms, background.fb_id);
		vprime_capture_create(&kms, &capture);
		vprime_crc_start(&kms, &crc);
	}

	igt_describe("The writeback connector lists XRGB8888 and ARGB8888.");
	igt_subtest("writeback-properties")
		test_writeback_properties();

	igt_describe("Captures in each writeback format match the scanout.");
	igt_subtest("writeback-formats")
		test_writeback_formats();

	igt_describe("Each plane format on each plane type matches the CPU "
		     "conversion, by capture and by CRC.");
	igt_subtest_with_dynamic("plane-formats") {
		static const uint64_t types[] = {
			DRM_PLANE_TYPE_PRIMARY, DRM_PLANE_TYPE_OVERLAY,
			DRM_PLANE_TYPE_CURSOR,
		};
		static const char *const tname[] = {
			"primary", "overlay", "cursor",
		};
		unsigned int t, f;

		for (t = 0; t < 3; t++) {
			struct plane *p = plane_of_type(types[t], 0);

			if (!p)
				continue;
			for (f = 0; f < 5; f++) {
				if (types[t] == DRM_PLANE_TYPE_CURSOR)
					continue;
				igt_dynamic_f("%s-%s", tname[t],
					      format_name(plane_formats[f]))
					test_plane_format(p, plane_formats[f],
							  &crc);
			}
		}
	}

	igt_describe("Planes inside, across the edges and off the CRTC.");
	igt_subtest("plane-position")
		test_plane_position();

	igt_describe("A source rectangle inside a larger framebuffer.");
	igt_subtest("plane-source-offset")
		test_plane_source_offset();

	igt_describe("Each pixel blend mode with opaque, half and zero plane "
		     "alpha, by capture and by CRC.");
	igt_subtest_with_dynamic("alpha-blend") {
		static const char *const mname[] = {
			"premultiplied", "coverage", "none",
		};
		static const uint64_t alphas[] = { 0xffff, 0x8000, 0x0 };
		int m, a;

		for (m = 0; m < 3; m++)
			for (a = 0; a < 3; a++)
				igt_dynamic_f("%s-alpha-%04x", mname[m],
					      (unsigned int)alphas[a])
					test_alpha_blend(m, alphas[a], &crc);
		for (m = 0; m < 3; m++)
			for (a = 0; a < 3; a++)
				igt_dynamic_f("primary-%s-alpha-%04x", mname[m],
					      (unsigned int)alphas[a])
					test_primary_alpha(m, alphas[a], &crc);
	}

	igt_describe("A switch to a lower mode and back with the planes of "
		     "the higher one, by CRC and capture.");
	igt_subtest("mode-switch-lowres")
		test_mode_switch(&crc);

	igt_describe("Swapping zpos swaps the visible plane.");
	igt_subtest("zpos-order")
		test_zpos_order();

	igt_describe("A fully covered primary plane does not show.");
	igt_subtest("covered-primary")
		test_covered_primary(&crc);

	igt_describe("Every CRTC has the colour management properties.");
	igt_subtest("color-properties")
		test_color_properties();

	igt_describe("The colour pipeline against values computed here.");
	igt_subtest_with_dynamic("color-pipeline") {
		static const char *const names[] = {
			"identity-lut", "inverting-lut", "channel-swap-ctm",
			"degamma-ctm-gamma", "lut-alpha-blend",
		};
		int c;

		for (c = 0; c < 5; c++)
			igt_dynamic(names[c])
				test_color_case(c, &crc);
	}

	igt_describe("The legacy gamma ioctl goes through GAMMA_LUT.");
	igt_subtest("color-legacy-gamma")
		test_color_legacy_gamma(&crc);

	igt_describe("LUT and CTM blobs of the wrong size are rejected.");
	igt_subtest("color-reject-bad-size")
		test_color_reject_bad_size();

	igt_describe("Scaled planes against the nearest-neighbour reference.");
	igt_subtest_with_dynamic("plane-scaling") {
		static const char *const fname[] = { "default", "nearest" };
		int t, f;
		unsigned int c;

		for (t = 0; t < 2; t++) {
			struct plane *p = plane_of_type(t ? DRM_PLANE_TYPE_OVERLAY :
							    DRM_PLANE_TYPE_PRIMARY, 0);

			if (!p)
				continue;
			for (c = 0; c < sizeof(scale_cases) / sizeof(scale_cases[0]); c++)
				for (f = 0; f < 2; f++)
					igt_dynamic_f("%s-%s-%s",
						      t ? "overlay" : "primary",
						      scale_cases[c].name, fname[f])
						test_plane_scaling(p, &scale_cases[c],
								   f, &crc);
			igt_dynamic_f("%s-up-2x-reference-fb",
				      t ? "overlay" : "primary")
				test_plane_scaling_crc(p, &crc);
		}
	}

	igt_describe("Scale factors out of range, and cursor scaling, are "
		     "rejected.");
	igt_subtest("plane-scaling-limits")
		test_plane_scaling_limits();

	igt_describe("Cursors of 64 to 512 pixels, and the size limit.");
	igt_subtest_with_dynamic("cursor-sizes") {
		static const uint32_t sz[][2] = {
			{ 64, 64 }, { 128, 128 }, { 256, 256 }, { 512, 512 },
			{ 512, 170 },
		};
		unsigned int i;

		for (i = 0; i < 5; i++)
			igt_dynamic_f("%ux%u", sz[i][0], sz[i][1])
				test_cursor_size(sz[i][0], sz[i][1], &crc);
		igt_dynamic("limits")
			test_cursor_limits();
	}

	igt_describe("The out-fence signals once the capture is written.");
	igt_subtest("writeback-out-fence")
		test_out_fence();

	igt_describe("An out-fence without a framebuffer is rejected.");
	igt_subtest("reject-out-fence-without-fb")
		test_reject_fence_without_fb();

	igt_describe("A writeback framebuffer of the wrong size is rejected.");
	igt_subtest("reject-bad-size")
		test_reject_bad_size();

	igt_describe("A writeback framebuffer format not listed is rejected.");
	igt_subtest("reject-bad-format")
		test_reject_bad_format();

	igt_fixture {
		vprime_crc_stop(&crc);
		vprime_capture_destroy(&kms, &capture);
		vprime_kms_fini(&kms);
		image_destroy(&background);
		close(kms.fd);
	}
}
