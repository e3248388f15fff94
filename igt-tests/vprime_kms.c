// SPDX-License-Identifier: MIT
/*
 * vprime_kms - the vprime_kms display as an atomic KMS device: objects and
 * properties, framebuffer and atomic-check rejections, vblanks and
 * page-flip events, explicit and implicit fences, legacy ioctls, and
 * modetest and kmscube as real clients.
 */

/**
 * TEST: vprime kms
 * Category: Display
 * Description: Conformance of the vprime_kms virtual display: properties,
 *              rejections, vblanks, fences, legacy ioctls and real clients.
 * Feature: vprime display
 *
 * SUBTEST: basic-connector
 * Description: The connector is connected with modes from 640x480 to
 *              1920x1080, 1024x768 (or the preferred_mode parameter)
 *              preferred, at the refresh parameter's rate.
 *
 * SUBTEST: basic-edid
 * Description: The connector's EDID is a valid EDID 1.4 block whose first
 *              detailed timing is the preferred mode.
 *
 * SUBTEST: basic-planes
 * Description: One primary, num_overlays overlays and one cursor, each with
 *              zpos and IN_FENCE_FD, all but the cursor with alpha and pixel
 *              blend mode, scanning out XRGB8888, ARGB8888, XBGR8888,
 *              ABGR8888 and RGB565, LINEAR only.
 *
 * SUBTEST: basic-crtc
 * Description: The CRTC has ACTIVE, MODE_ID and OUT_FENCE_PTR.
 *
 * SUBTEST: zpos-range
 * Description: Every plane's zpos range is 0 to the plane count of a CRTC
 *              minus one and its value inside it (IGT's kms_atomic indexes planes by
 *              zpos); every plane has FB_DAMAGE_CLIPS.
 *
 * SUBTEST: crc-frame-sequence
 * Description: 60 consecutive CRC entries have consecutive frame numbers
 *              (IGT's kms_pipe_crc_basic read-crc-frame-sequence).
 *
 * SUBTEST: addfb-reject-modifier
 * Description: ADDFB2 with a modifier no plane advertises is -EINVAL.
 *
 * SUBTEST: reject-unsupported-format
 * Description: A framebuffer of a format no plane scans out (ADDFB2 accepts
 *              it, as the DRM core does) is rejected by the atomic check on
 *              every plane with -EINVAL, nothing committed.
 *
 * SUBTEST: reject-scaling
 * Description: A plane scaled beyond its limits (more than 8x up or 4x
 *              down) and a scaled cursor are -EINVAL and nothing is
 *              committed.
 *
 * SUBTEST: reject-src-outside-fb
 * Description: A source rectangle larger than the framebuffer is rejected
 *              (-ENOSPC from the DRM core) and nothing is committed.
 *
 * SUBTEST: reject-position-overflow
 * Description: A plane position overflowing the coordinate range is
 *              rejected (-ERANGE from the DRM core).
 *
 * SUBTEST: reject-cursor-size
 * Description: A cursor larger than the cursor limit is -EINVAL.
 *
 * SUBTEST: test-only
 * Description: TEST_ONLY commits check without changing anything.
 *
 * SUBTEST: vblank-sequence
 * Description: DRM_IOCTL_WAIT_VBLANK returns increasing sequence numbers
 *              with timestamps one frame duration apart per vblank.
 *
 * SUBTEST: flip-events
 * Description: Nonblocking flips deliver page-flip events with their user
 *              data, increasing sequences and timestamps.
 *
 * SUBTEST: flip-ebusy
 * Description: A second nonblocking flip before the first completed is
 *              -EBUSY; the first one then completes.
 *
 * SUBTEST: in-fence-fd
 * Description: A flip waits for its IN_FENCE_FD: no event until it signals.
 *
 * SUBTEST: in-fence-no-fb
 * Description: An IN_FENCE_FD on a plane committed without a framebuffer
 *              is waited for and released: the core's live fence count
 *              returns to its value before the commit.
 *
 * SUBTEST: getfb-second-export
 * Description: A framebuffer's object gets a new handle from GETFB2 after
 *              its own handle was closed, so it can be exported a second
 *              time while the first dma-buf lives on. Both dma-bufs import
 *              (the cached one as the object itself), share the memory,
 *              and no kernel warning is triggered.
 *
 * SUBTEST: out-fence-ptr
 * Description: OUT_FENCE_PTR returns a sync_file that signals with the flip.
 *
 * SUBTEST: implicit-fence-prime
 * Description: A GPU buffer imported through PRIME with an unsignalled write
 *              fence is not scanned out until the fence signals.
 *
 * SUBTEST: fence-never-signals
 * Description: A blocking commit whose in-fence never signals returns while
 *              the fence is still unsignalled, the plane keeps its previous
 *              contents, and the next commit works.
 *
 * SUBTEST: fence-never-signals-nonblocking
 * Description: A nonblocking flip whose in-fence never signals completes
 *              with an event while the fence is still unsignalled.
 *
 * SUBTEST: syncobj-timeline-in-fence
 * Description: The display node has DRM_CAP_SYNCOBJ(_TIMELINE). A GPU
 *              render's sync_file imported into a timeline point of a
 *              display syncobj, exported again as a sync_file and used as
 *              the primary plane's IN_FENCE_FD gates the flip: no event
 *              while the render waits, and when the event comes the render
 *              has signalled and the writeback capture is its colour.
 *
 * SUBTEST: syncobj-timeline-never-signals
 * Description: A timeline point whose fence never signals bounds the flip
 *              with fence_timeout_ms like any other plane fence: the event
 *              comes while the point is still unsignalled and the capture
 *              is the previous frame.
 *
 * SUBTEST: legacy-ioctls
 * Description: SETCRTC, PAGE_FLIP and the cursor ioctls work through the
 *              atomic helpers.
 *
 * SUBTEST: modetest
 * Description: libdrm's modetest sets a mode and page-flips on the display.
 *
 * SUBTEST: kmscube
 * Description: kmscube renders and flips 30 frames on the display.
 */

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "igt.h"
#include "vprime_igt.h"
#include "vprime_kms_util.h"

IGT_TEST_DESCRIPTION("vprime_kms as an atomic KMS device: properties, "
		     "rejections, vblanks, fences, legacy ioctls, real clients.");

#define FENCE_WAIT_MS	20000

static struct vprime_kms kms;
static struct vprime_dumb img_a, img_b;
static uint32_t fb_a, fb_b;

static uint64_t module_param(const char *name, uint64_t def)
{
	char path[128];
	uint64_t v;

	snprintf(path, sizeof(path), "/sys/module/vprime/parameters/%s", name);
	return vprime_read_u64(path, &v) ? def : v;
}

static void preferred_size(uint32_t *w, uint32_t *h)
{
	char buf[64];

	*w = 1024;
	*h = 768;
	if (vprime_read_file("/sys/module/vprime/parameters/preferred_mode",
			     buf, sizeof(buf)) > 0 &&
	    sscanf(buf, "%ux%u", w, h) == 2 && *w >= 640 && *w <= 1920 &&
	    !(*w % 8) && *h >= 480 && *h <= 1080)
		return;
	*w = 1024;
	*h = 768;
}

/* Property @name of @obj, NULL when it has none (freed by the caller). */
static drmModePropertyPtr find_prop(uint32_t obj, uint32_t type,
				    const char *name, uint64_t *value)
{
	drmModePropertyPtr p = vprime_prop_get(kms.fd, obj, type, name, value);

	igt_assert_f(p || errno == ENOENT, "property %s of object %u: %s\n",
		     name, obj, strerror(errno));
	return p;
}

static uint32_t prop_id(uint32_t obj, uint32_t type, const char *name)
{
	return vprime_kms_prop_id(kms.fd, obj, type, name, true);
}

static uint64_t prop_value(uint32_t obj, uint32_t type, const char *name)
{
	return vprime_kms_prop_value(kms.fd, obj, type, name);
}

/* The @nth plane of @type that can be used on CRTC 0, or 0. */
static uint32_t plane_of_type(uint64_t type, int nth)
{
	drmModePlaneResPtr res = drmModeGetPlaneResources(kms.fd);
	uint32_t i, id = 0;

	igt_assert(res);
	for (i = 0; i < res->count_planes && !id; i++) {
		drmModePlanePtr p = drmModeGetPlane(kms.fd, res->planes[i]);

		if ((p->possible_crtcs & 1) &&
		    prop_value(p->plane_id, DRM_MODE_OBJECT_PLANE, "type") == type &&
		    nth-- == 0)
			id = p->plane_id;
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(res);
	return id;
}

static void plane_set(drmModeAtomicReqPtr req, uint32_t plane, uint32_t fb,
		      int x, int y, uint32_t w, uint32_t h, uint32_t src_x,
		      uint32_t src_y, uint32_t src_w, uint32_t src_h)
{
	const uint32_t t = DRM_MODE_OBJECT_PLANE;

	drmModeAtomicAddProperty(req, plane, prop_id(plane, t, "FB_ID"), fb);
	drmModeAtomicAddProperty(req, plane, prop_id(plane, t, "CRTC_ID"),
				 fb ? kms.crtc_id : 0);
	drmModeAtomicAddProperty(req, plane, prop_id(plane, t, "CRTC_X"), (int64_t)x);
	drmModeAtomicAddProperty(req, plane, prop_id(plane, t, "CRTC_Y"), (int64_t)y);
	drmModeAtomicAddProperty(req, plane, prop_id(plane, t, "CRTC_W"), w);
	drmModeAtomicAddProperty(req, plane, prop_id(plane, t, "CRTC_H"), h);
	drmModeAtomicAddProperty(req, plane, prop_id(plane, t, "SRC_X"),
				 (uint64_t)src_x << 16);
	drmModeAtomicAddProperty(req, plane, prop_id(plane, t, "SRC_Y"),
				 (uint64_t)src_y << 16);
	drmModeAtomicAddProperty(req, plane, prop_id(plane, t, "SRC_W"),
				 (uint64_t)src_w << 16);
	drmModeAtomicAddProperty(req, plane, prop_id(plane, t, "SRC_H"),
				 (uint64_t)src_h << 16);
}

static int commit(drmModeAtomicReqPtr req, uint32_t flags, void *data)
{
	int ret = drmModeAtomicCommit(kms.fd, req, flags, data);

	drmModeAtomicFree(req);
	return ret ? -errno : 0;
}

static void fill(struct vprime_dumb *d, uint32_t w, uint32_t h, uint32_t v)
{
	uint32_t *map = vprime_dumb_map(kms.fd, d), x, y;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			map[y * d->pitch / 4 + x] = v ^ (x * 0x010203) ^ (y << 8);
}

static uint32_t make_fb(struct vprime_dumb *d, uint32_t w, uint32_t h,
			uint32_t v)
{
	vprime_dumb_create(kms.fd, w, h, d);
	fill(d, w, h, v);
	return vprime_kms_add_fb(kms.fd, d->handle, w, h, d->pitch,
				 DRM_FORMAT_XRGB8888);
}

/* Show @fb on the primary, blocking, and wait for nothing else. */
static void show(uint32_t fb)
{
	struct vprime_commit c = { .fb_id = fb, .in_fence_fd = -1 };

	vprime_kms_commit(&kms, &c);
}

/* Read and drop pending events. */
static void drain_events(void)
{
	while (vprime_kms_event_ready(&kms))
		vprime_kms_wait_flip(&kms, 0);
}

/* An unsignalled GPU user fence as a sync_file; @fence_id signals it. */
struct user_fence {
	int gpu;
	uint32_t bo;
	uint32_t id;
	int dmabuf;
	int sync_file;
};

static void user_fence_create(struct user_fence *f, uint64_t size)
{
	f->gpu = vprime_gpu_open_or_fail(0);
	f->bo = vprime_gpu_bo_create(f->gpu, size);
	/* The longest lifetime the uapi allows (it signals by itself then). */
	f->id = vprime_gpu_fence_attach(f->gpu, f->bo, VPRIME_FENCE_WRITE);
	f->dmabuf = vprime_prime_export(f->gpu, f->bo);
	/* The write fences, which a reader (the display) waits for. */
	f->sync_file = vprime_dmabuf_export_sync_file(f->dmabuf,
						       DMA_BUF_SYNC_READ);
	igt_assert_eq(vprime_gpu_sync_file_status(f->sync_file), 0);
}

static void user_fence_destroy(struct user_fence *f)
{
	close(f->sync_file);
	close(f->dmabuf);
	gem_close(f->gpu, f->bo);
	close(f->gpu);
}

static void test_connector(void)
{
	drmModeConnectorPtr conn = drmModeGetConnector(kms.fd, kms.conn_id);
	uint32_t pw, ph, refresh = module_param("refresh", 60);
	bool pref = false, big = false, small = false;
	int i;

	igt_assert(conn);
	preferred_size(&pw, &ph);
	igt_assert_eq(conn->connection, DRM_MODE_CONNECTED);
	igt_assert_eq(conn->connector_type, DRM_MODE_CONNECTOR_VIRTUAL);
	igt_assert_lt(0, conn->count_modes);
	for (i = 0; i < conn->count_modes; i++) {
		drmModeModeInfo *m = &conn->modes[i];

		igt_debug("mode %s %u Hz type %x\n", m->name, m->vrefresh, m->type);
		igt_assert_lte(m->hdisplay, 1920);
		igt_assert_lte(m->vdisplay, 1080);
		igt_assert_lte(640, m->hdisplay);
		igt_assert_lte(480, m->vdisplay);
		igt_assert_lte(abs((int)m->vrefresh - (int)refresh), 1);
		if (m->type & DRM_MODE_TYPE_PREFERRED) {
			igt_assert(!pref);
			pref = true;
			igt_assert_eq(m->hdisplay, pw);
			igt_assert_eq(m->vdisplay, ph);
		}
		big |= m->hdisplay == 1920 && m->vdisplay == 1080;
		small |= m->hdisplay == 1024 && m->vdisplay == 768;
	}
	igt_assert(pref && big && small);
	drmModeFreeConnector(conn);
}

static void test_edid(void)
{
	drmModePropertyBlobPtr blob;
	const uint8_t *e;
	uint32_t pw, ph, i;
	uint8_t sum = 0;
	uint64_t id;

	preferred_size(&pw, &ph);
	/* The EDID is set when the modes are probed. */
	drmModeFreeConnector(drmModeGetConnector(kms.fd, kms.conn_id));
	id = prop_value(kms.conn_id, DRM_MODE_OBJECT_CONNECTOR, "EDID");
	igt_assert(id);
	blob = drmModeGetPropertyBlob(kms.fd, id);
	igt_assert(blob);
	igt_assert_eq(blob->length, 128);
	e = blob->data;
	igt_assert(!memcmp(e, "\0\xff\xff\xff\xff\xff\xff\0", 8));
	for (i = 0; i < 128; i++)
		sum += e[i];
	igt_assert_eq(sum, 0);
	igt_assert_eq(e[18], 1);
	igt_assert_eq(e[19], 4);
	igt_assert(e[20] & 0x80);	/* digital */
	/* First detailed timing: the preferred mode. */
	igt_assert(e[54] | e[55]);
	igt_assert_eq(e[56] | (e[58] >> 4) << 8, pw);
	igt_assert_eq(e[59] | (e[61] >> 4) << 8, ph);
	drmModeFreePropertyBlob(blob);
}

static const uint32_t formats[] = {
	DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888, DRM_FORMAT_XBGR8888,
	DRM_FORMAT_ABGR8888, DRM_FORMAT_RGB565,
};

static void check_in_formats(uint32_t plane)
{
	const struct drm_format_modifier_blob *b;
	const struct drm_format_modifier *mods;
	drmModePropertyBlobPtr blob;
	const uint32_t *fmts;
	uint32_t i, j;

	blob = drmModeGetPropertyBlob(kms.fd,
				      prop_value(plane, DRM_MODE_OBJECT_PLANE,
						 "IN_FORMATS"));
	igt_assert(blob);
	b = blob->data;
	fmts = (const uint32_t *)((const char *)b + b->formats_offset);
	mods = (const void *)((const char *)b + b->modifiers_offset);
	igt_assert_eq(b->count_modifiers, 1);
	igt_assert_eq_u64(mods[0].modifier, DRM_FORMAT_MOD_LINEAR);
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		bool found = false;

		for (j = 0; j < b->count_formats; j++)
			if (fmts[j] == formats[i])
				found = (mods[0].formats >> (j - mods[0].offset)) & 1;
		igt_assert_f(found, "plane %u: format %.4s not with LINEAR\n",
			     plane, (const char *)&formats[i]);
	}
	drmModeFreePropertyBlob(blob);
}

static void test_planes(void)
{
	static const char *const props[] = {
		"zpos", "IN_FENCE_FD", "IN_FORMATS",
	};
	/* not on cursors, as on i915's and amdgpu's (vprime_plane.c) */
	static const char *const blend_props[] = {
		"alpha", "pixel blend mode",
	};
	uint64_t overlays = module_param("num_overlays", 2);
	uint32_t types[3] = { 0 }, t, n, p, i;

	for (t = 0; t < 3; t++) {
		for (n = 0; (p = plane_of_type(t, n)); n++) {
			for (i = 0; i < sizeof(props) / sizeof(props[0]); i++)
				prop_id(p, DRM_MODE_OBJECT_PLANE, props[i]);
			for (i = 0; i < sizeof(blend_props) /
					sizeof(blend_props[0]); i++) {
				drmModePropertyPtr b;

				b = find_prop(p, DRM_MODE_OBJECT_PLANE,
					      blend_props[i], NULL);
				igt_assert_f(!b == (t == DRM_PLANE_TYPE_CURSOR),
					     "plane %u of type %u: %s %s\n", p,
					     t, b ? "has" : "has no",
					     blend_props[i]);
				drmModeFreeProperty(b);
			}
			check_in_formats(p);
			types[t]++;
		}
	}
	igt_assert_eq(types[DRM_PLANE_TYPE_PRIMARY], 1);
	igt_assert_eq(types[DRM_PLANE_TYPE_CURSOR], 1);
	igt_assert_eq(types[DRM_PLANE_TYPE_OVERLAY], overlays);
}

/*
 * What generic clients index by zpos (IGT's kms_atomic plane-immutable-zpos
 * keeps planes in an array of the plane count): every zpos range ends at
 * the plane count minus one and every current value is inside it, and the
 * damage-clips property exists (kms_atomic atomic-plane-damage). (zpos is
 * mutable: earlier tests may have changed the values, so only the range of
 * the current ones is checked.)
 */
static void test_zpos_range(void)
{
	drmModePlaneResPtr res = drmModeGetPlaneResources(kms.fd);
	uint32_t i, n = 0;

	igt_assert(res);
	/* zpos orders the planes of one CRTC: those of CRTC 0 here */
	for (i = 0; i < res->count_planes; i++) {
		drmModePlanePtr pl = drmModeGetPlane(kms.fd, res->planes[i]);

		igt_assert(pl);
		n += !!(pl->possible_crtcs & 1);
		drmModeFreePlane(pl);
	}
	for (i = 0; i < res->count_planes; i++) {
		uint32_t plane = res->planes[i];
		drmModePropertyPtr p = find_prop(plane, DRM_MODE_OBJECT_PLANE,
						 "zpos", NULL);
		uint64_t def;

		igt_assert(p);
		igt_assert(p->flags & DRM_MODE_PROP_RANGE);
		igt_assert_eq_u64(p->values[0], 0);
		igt_assert_eq_u64(p->values[1], n - 1);
		drmModeFreeProperty(p);

		def = prop_value(plane, DRM_MODE_OBJECT_PLANE, "zpos");
		igt_assert_lt_u64(def, n);
		prop_id(plane, DRM_MODE_OBJECT_PLANE, "FB_DAMAGE_CLIPS");
	}
	drmModeFreePlaneResources(res);
}

/*
 * IGT's kms_pipe_crc_basic read-crc-frame-sequence: the frame numbers of
 * consecutive CRC entries are consecutive, also when the emulated vblank
 * timer runs late.
 */
static void test_crc_frame_sequence(void)
{
	struct vprime_crc crc;
	uint32_t frame, prev = 0, value;
	int i;

	vprime_crc_start(&kms, &crc);
	for (i = 0; i < 60; i++) {
		igt_assert_f(vprime_crc_read(&crc, 2000, &frame, &value),
			     "no CRC entry %d\n", i);
		if (i)
			igt_assert_f(frame == prev + 1,
				     "CRC frame %u follows frame %u\n", frame, prev);
		prev = frame;
	}
	vprime_crc_stop(&crc);
}

static void test_crtc(void)
{
	prop_id(kms.crtc_id, DRM_MODE_OBJECT_CRTC, "ACTIVE");
	prop_id(kms.crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID");
	prop_id(kms.crtc_id, DRM_MODE_OBJECT_CRTC, "OUT_FENCE_PTR");
}

static int addfb2(uint32_t handle, uint32_t pitch, uint32_t format,
		  uint64_t modifier, bool with_modifier, uint32_t *fb)
{
	uint32_t handles[4] = { handle }, pitches[4] = { pitch };
	uint32_t offsets[4] = { 0 };
	uint64_t mods[4] = { modifier };

	if (drmModeAddFB2WithModifiers(kms.fd, 64, 64, format, handles, pitches,
				       offsets, with_modifier ? mods : NULL, fb,
				       with_modifier ? DRM_MODE_FB_MODIFIERS : 0))
		return -errno;
	return 0;
}

static void test_addfb_modifier(void)
{
	struct vprime_dumb d;
	uint32_t fb = 0;

	vprime_dumb_create(kms.fd, 64, 64, &d);
	/* An X-tiled modifier: what a GPU driver may try first. */
	igt_assert_eq(addfb2(d.handle, d.pitch, DRM_FORMAT_XRGB8888,
			     fourcc_mod_code(INTEL, 1), true, &fb), -EINVAL);
	igt_assert_eq(addfb2(d.handle, d.pitch, DRM_FORMAT_XRGB8888,
			     DRM_FORMAT_MOD_INVALID, true, &fb), -EINVAL);
	igt_assert_eq(addfb2(d.handle, d.pitch, DRM_FORMAT_XRGB8888,
			     DRM_FORMAT_MOD_LINEAR, true, &fb), 0);
	drmModeRmFB(kms.fd, fb);
	vprime_dumb_destroy(kms.fd, &d);
}

static void test_reject_format(void)
{
	const uint32_t formats[] = { DRM_FORMAT_XRGB2101010, DRM_FORMAT_RGBA8888 };
	drmModePlaneResPtr res = drmModeGetPlaneResources(kms.fd);
	struct vprime_dumb d;
	unsigned int i, p;
	uint32_t fb;

	igt_assert(res);
	vprime_dumb_create(kms.fd, 64, 64, &d);
	for (i = 0; i < ARRAY_SIZE(formats); i++) {
		igt_assert_eq(addfb2(d.handle, d.pitch, formats[i], 0, false,
				     &fb), 0);
		for (p = 0; p < res->count_planes; p++) {
			uint32_t plane = res->planes[p];
			uint64_t before = prop_value(plane, DRM_MODE_OBJECT_PLANE,
						     "FB_ID");
			drmModeAtomicReqPtr req = drmModeAtomicAlloc();

			plane_set(req, plane, fb, 0, 0, 64, 64, 0, 0, 64, 64);
			igt_assert_eq(commit(req, DRM_MODE_ATOMIC_TEST_ONLY, NULL),
				      -EINVAL);
			req = drmModeAtomicAlloc();
			plane_set(req, plane, fb, 0, 0, 64, 64, 0, 0, 64, 64);
			igt_assert_eq(commit(req, 0, NULL), -EINVAL);
			igt_assert_eq_u64(prop_value(plane, DRM_MODE_OBJECT_PLANE,
						     "FB_ID"), before);
		}
		drmModeRmFB(kms.fd, fb);
	}
	drmModeFreePlaneResources(res);
	vprime_dumb_destroy(kms.fd, &d);
}

/* Commit one overlay setup that must fail with @err, changing nothing. */
static void check_rejected(uint32_t plane, int x, int y, uint32_t w,
			   uint32_t h, uint32_t sw, uint32_t sh, int err)
{
	uint64_t fb_before = prop_value(plane, DRM_MODE_OBJECT_PLANE, "FB_ID");
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();

	plane_set(req, plane, fb_b, x, y, w, h, 0, 0, sw, sh);
	igt_assert_eq(commit(req, 0, NULL), err);
	igt_assert_eq_u64(prop_value(plane, DRM_MODE_OBJECT_PLANE, "FB_ID"),
			  fb_before);
}

static void test_reject_scaling(void)
{
	uint32_t ovl = plane_of_type(DRM_PLANE_TYPE_OVERLAY, 0);

	uint32_t cur = plane_of_type(DRM_PLANE_TYPE_CURSOR, 0);

	igt_require(ovl && cur);
	/* 9x up, 5x down */
	check_rejected(ovl, 0, 0, 900, 90, 100, 10, -EINVAL);
	check_rejected(kms.primary_id, 0, 0, kms.width / 5, kms.height / 5,
		       kms.width, kms.height, -EINVAL);
	check_rejected(cur, 0, 0, 64, 64, 32, 32, -EINVAL);
}

static void test_reject_src_outside(void)
{
	uint32_t ovl = plane_of_type(DRM_PLANE_TYPE_OVERLAY, 0);

	igt_require(ovl);
	/* fb_b is the mode's size: one column too many. */
	check_rejected(ovl, 0, 0, kms.width + 1, kms.height, kms.width + 1,
		       kms.height, -ENOSPC);
}

static void test_reject_position(void)
{
	uint32_t ovl = plane_of_type(DRM_PLANE_TYPE_OVERLAY, 0);

	igt_require(ovl);
	check_rejected(ovl, 0x7fffffff - 10, 0, 100, 100, 100, 100, -ERANGE);
}

static void test_reject_cursor(void)
{
	uint32_t cur = plane_of_type(DRM_PLANE_TYPE_CURSOR, 0);

	igt_require(cur);
	check_rejected(cur, 0, 0, 513, 300, 513, 300, -EINVAL);
}

static void test_test_only(void)
{
	uint32_t ovl = plane_of_type(DRM_PLANE_TYPE_OVERLAY, 0);
	drmModeAtomicReqPtr req;

	igt_require(ovl);
	req = drmModeAtomicAlloc();
	plane_set(req, ovl, fb_b, 10, 10, 100, 100, 0, 0, 100, 100);
	igt_assert_eq(commit(req, DRM_MODE_ATOMIC_TEST_ONLY, NULL), 0);
	igt_assert_eq_u64(prop_value(ovl, DRM_MODE_OBJECT_PLANE, "FB_ID"), 0);

	req = drmModeAtomicAlloc();
	/* 10x up is beyond the limit */
	plane_set(req, ovl, fb_b, 10, 10, 500, 500, 0, 0, 50, 50);
	igt_assert_eq(commit(req, DRM_MODE_ATOMIC_TEST_ONLY, NULL), -EINVAL);
}

static uint64_t frame_ns(void)
{
	return (uint64_t)kms.mode.htotal * kms.mode.vtotal * 1000000ull /
	       kms.mode.clock;
}

static void test_vblank_sequence(void)
{
	uint64_t period = frame_ns();
	unsigned int seq0 = 0, prev = 0;
	int64_t t0 = 0, prev_t = 0;
	int i;

	for (i = 0; i < 20; i++) {
		drmVBlank vbl = {
			.request.type = DRM_VBLANK_RELATIVE,
			.request.sequence = 1,
		};
		int64_t t, expect;

		igt_assert_eq(drmWaitVBlank(kms.fd, &vbl), 0);
		t = vbl.reply.tval_sec * 1000000ll + vbl.reply.tval_usec;
		if (i) {
			igt_assert_lt_u32(prev, vbl.reply.sequence);
			igt_assert_lt(prev_t, t);
			/* timestamps follow the sequence: t0 + n frames */
			expect = t0 + (int64_t)(vbl.reply.sequence - seq0) *
				 (int64_t)period / 1000;
			igt_assert_f(llabs(t - expect) <= 2 + (i * 2),
				     "vblank %u at %lld us, expected %lld\n",
				     vbl.reply.sequence, (long long)t,
				     (long long)expect);
		} else {
			seq0 = vbl.reply.sequence;
			t0 = t;
		}
		prev = vbl.reply.sequence;
		prev_t = t;
	}

	/* A query (relative 0) reports the last vblank, never a future one. */
	{
		drmVBlank vbl = { .request.type = DRM_VBLANK_RELATIVE };

		igt_assert_eq(drmWaitVBlank(kms.fd, &vbl), 0);
		igt_assert_lte_u32(prev, vbl.reply.sequence);
	}
}

static void test_flip_events(void)
{
	unsigned int prev_seq = 0;
	int i;

	drain_events();
	for (i = 0; i < 10; i++) {
		igt_assert_eq(vprime_kms_flip(&kms, i & 1 ? fb_a : fb_b, -1, 0,
					      NULL, 0x1000 + i), 0);
		igt_assert_f(vprime_kms_wait_flip(&kms, FENCE_WAIT_MS),
			     "no flip event\n");
		igt_assert_eq_u64(kms.last_user_data, 0x1000 + i);
		if (i)
			igt_assert_lt_u32(prev_seq, kms.last_seq);
		prev_seq = kms.last_seq;
	}
}

static void test_flip_ebusy(void)
{
	struct user_fence f;

	drain_events();
	user_fence_create(&f, 4096);
	/* The first flip is held by its in-fence, so it can't complete. */
	igt_assert_eq(vprime_kms_flip(&kms, fb_b, f.sync_file, 0, NULL, 1), 0);
	igt_assert_eq(vprime_kms_flip(&kms, fb_a, -1, 0, NULL, 2), -EBUSY);
	vprime_gpu_fence_signal(f.gpu, f.id);
	igt_assert(vprime_kms_wait_flip(&kms, FENCE_WAIT_MS));
	igt_assert_eq_u64(kms.last_user_data, 1);
	/* and then the CRTC takes flips again */
	igt_assert_eq(vprime_kms_flip(&kms, fb_a, -1, 0, NULL, 3), 0);
	igt_assert(vprime_kms_wait_flip(&kms, FENCE_WAIT_MS));
	igt_assert_eq_u64(kms.last_user_data, 3);
	user_fence_destroy(&f);
}

static void test_in_fence(void)
{
	struct user_fence f;

	drain_events();
	user_fence_create(&f, 4096);
	igt_assert_eq(vprime_kms_flip(&kms, fb_b, f.sync_file, 0, NULL, 7), 0);
	/* A few frames pass: the flip must still wait. */
	igt_assert(!vprime_kms_wait_flip(&kms, 300));
	igt_assert_eq_u64(prop_value(kms.primary_id, DRM_MODE_OBJECT_PLANE,
				     "FB_ID"), fb_b);
	vprime_gpu_fence_signal(f.gpu, f.id);
	igt_assert(vprime_kms_wait_flip(&kms, FENCE_WAIT_MS));
	igt_assert_eq_u64(kms.last_user_data, 7);
	user_fence_destroy(&f);
}

/*
 * A plane switched off (FB_ID 0, CRTC_ID 0) with an IN_FENCE_FD: 6.1's
 * drm_gem_plane_helper_prepare_fb() leaks that fence when called without a
 * framebuffer, and with it the GPU job's hardware fence (a core fence).
 */
static void test_in_fence_no_fb(void)
{
	uint32_t ovl = plane_of_type(DRM_PLANE_TYPE_OVERLAY, 0);
	const uint32_t t = DRM_MODE_OBJECT_PLANE;
	int gpu = vprime_gpu_open_or_fail(0);
	uint32_t bo = vprime_gpu_bo_create(gpu, 4096);
	uint64_t before, now = 0;
	drmModeAtomicReqPtr req;
	int fence, tries;

	igt_require(ovl);
	before = vprime_core_stat("live_fences");
	fence = vprime_job_fill(gpu, bo, 4096, 1024, 1, 0xff00ff00, 0, 0);
	igt_assert_lte(0, fence);
	igt_assert(vprime_fd_wait(fence, POLLIN, FENCE_WAIT_MS));
	/* the job's hardware fence lives while the sync_file does */
	igt_assert_lt(before, vprime_core_stat("live_fences"));

	req = drmModeAtomicAlloc();
	drmModeAtomicAddProperty(req, ovl, prop_id(ovl, t, "FB_ID"), 0);
	drmModeAtomicAddProperty(req, ovl, prop_id(ovl, t, "CRTC_ID"), 0);
	drmModeAtomicAddProperty(req, ovl, prop_id(ovl, t, "IN_FENCE_FD"),
				 fence);
	igt_assert_eq(commit(req, 0, NULL), 0);
	igt_assert_eq_u64(prop_value(ovl, t, "FB_ID"), 0);

	close(fence);
	gem_close(gpu, bo);
	close(gpu);
	/* the job is freed by the scheduler thread: give it a moment */
	for (tries = 0; tries < 50; tries++) {
		now = vprime_core_stat("live_fences");
		if (now <= before)
			break;
		usleep(100 * 1000);
	}
	igt_assert_eq_u64(now, before);
}

static void test_getfb_second_export(void)
{
	const uint32_t w = 64, h = 64;
	struct vprime_dumb d;
	drmModeFB2Ptr fb2;
	struct stat sx, sz;
	uint32_t fb, handle, h_x, *px, *pz;
	int x, z;

	vprime_dumb_create(kms.fd, w, h, &d);
	x = vprime_prime_export(kms.fd, d.handle);
	fb = vprime_kms_add_fb(kms.fd, d.handle, w, h, d.pitch,
			       DRM_FORMAT_XRGB8888);
	/* the last handle goes, and with it the object's cached export */
	gem_close(kms.fd, d.handle);

	fb2 = drmModeGetFB2(kms.fd, fb);
	igt_assert(fb2);
	handle = fb2->handles[0];
	igt_assert_neq(handle, 0);
	z = vprime_prime_export(kms.fd, handle);
	igt_assert_eq(fstat(x, &sx), 0);
	igt_assert_eq(fstat(z, &sz), 0);
	igt_assert_neq(sx.st_ino, sz.st_ino);

	/* the cached export is the object; the older one imports as well */
	igt_assert_eq(prime_fd_to_handle(kms.fd, z), handle);
	h_x = prime_fd_to_handle(kms.fd, x);
	igt_assert_neq(h_x, 0);

	px = mmap(NULL, d.size, PROT_READ | PROT_WRITE, MAP_SHARED, x, 0);
	pz = mmap(NULL, d.size, PROT_READ, MAP_SHARED, z, 0);
	igt_assert(px != MAP_FAILED && pz != MAP_FAILED);
	px[0] = 0xdeadbeef;
	px[w * h - 1] = 0x01234567;
	igt_assert_eq_u32(pz[0], 0xdeadbeef);
	igt_assert_eq_u32(pz[w * h - 1], 0x01234567);
	munmap(px, d.size);
	munmap(pz, d.size);

	gem_close(kms.fd, h_x);
	gem_close(kms.fd, handle);
	drmModeFreeFB2(fb2);
	igt_assert_eq(drmModeRmFB(kms.fd, fb), 0);
	close(x);
	close(z);
}

static void test_out_fence(void)
{
	struct vprime_commit c = {
		.fb_id = fb_a, .in_fence_fd = -1,
		.flags = DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT,
	};
	int fence = -1;

	drain_events();
	c.out_fence = &fence;
	vprime_kms_commit(&kms, &c);
	igt_assert_lte(0, fence);
	igt_assert(vprime_fd_wait(fence, POLLIN, FENCE_WAIT_MS));
	igt_assert_eq(vprime_gpu_sync_file_status(fence), 1);
	igt_assert(vprime_kms_wait_flip(&kms, FENCE_WAIT_MS));
	close(fence);
}

static void test_implicit_fence(void)
{
	struct user_fence f;
	uint32_t handle, fb, pitch = kms.width * 4;

	drain_events();
	user_fence_create(&f, (uint64_t)pitch * kms.height);
	/* The GPU buffer, with its unsignalled write fence, on the display. */
	handle = prime_fd_to_handle(kms.fd, f.dmabuf);
	fb = vprime_kms_add_fb(kms.fd, handle, kms.width, kms.height, pitch,
			       DRM_FORMAT_XRGB8888);

	igt_assert_eq(vprime_kms_flip(&kms, fb, -1, 0, NULL, 9), 0);
	igt_assert(!vprime_kms_wait_flip(&kms, 300));
	igt_assert_eq(vprime_gpu_sync_file_status(f.sync_file), 0);
	vprime_gpu_fence_signal(f.gpu, f.id);
	igt_assert(vprime_kms_wait_flip(&kms, FENCE_WAIT_MS));
	igt_assert_eq_u64(kms.last_user_data, 9);

	show(fb_a);
	drmModeRmFB(kms.fd, fb);
	gem_close(kms.fd, handle);
	user_fence_destroy(&f);
}

static void test_fence_never_signals(void)
{
	struct vprime_capture cap;
	struct vprime_commit c = { .in_fence_fd = -1 };
	struct user_fence f;
	int wb_fence = -1;
	unsigned int diff;

	vprime_capture_create(&kms, &cap);
	show(fb_a);

	/* Flip to fb_b behind a fence that won't signal, and capture. */
	user_fence_create(&f, 4096);
	c.fb_id = fb_b;
	c.in_fence_fd = f.sync_file;
	c.wb_fb_id = cap.fb_id;
	c.wb_fence = &wb_fence;
	vprime_capture_clear(&kms, &cap, 0x00777777);
	vprime_kms_commit(&kms, &c);
	/* The commit returned before the fence signalled... */
	igt_assert_eq(vprime_gpu_sync_file_status(f.sync_file), 0);
	/* ...and the plane kept showing fb_a. */
	igt_assert(vprime_fd_wait(wb_fence, POLLIN, FENCE_WAIT_MS));
	close(wb_fence);
	diff = vprime_capture_diff(&kms, &cap, img_a.map, img_a.pitch);
	igt_assert_f(!diff, "%u pixels are not the previous frame\n", diff);

	/* The device is not wedged: the next commit shows fb_b. */
	c.in_fence_fd = -1;
	vprime_kms_commit(&kms, &c);
	igt_assert(vprime_fd_wait(wb_fence, POLLIN, FENCE_WAIT_MS));
	close(wb_fence);
	diff = vprime_capture_diff(&kms, &cap, img_b.map, img_b.pitch);
	igt_assert_f(!diff, "%u pixels are not the new frame\n", diff);

	vprime_gpu_fence_signal(f.gpu, f.id);
	user_fence_destroy(&f);
	vprime_capture_destroy(&kms, &cap);
}

static void test_fence_never_signals_nonblocking(void)
{
	struct user_fence f;

	drain_events();
	user_fence_create(&f, 4096);
	igt_assert_eq(vprime_kms_flip(&kms, fb_b, f.sync_file, 0, NULL, 11), 0);
	igt_assert_eq(vprime_kms_flip(&kms, fb_a, -1, 0, NULL, 12), -EBUSY);
	igt_assert(vprime_kms_wait_flip(&kms, FENCE_WAIT_MS));
	igt_assert_eq_u64(kms.last_user_data, 11);
	igt_assert_eq(vprime_gpu_sync_file_status(f.sync_file), 0);
	igt_assert_eq(vprime_kms_flip(&kms, fb_a, -1, 0, NULL, 13), 0);
	igt_assert(vprime_kms_wait_flip(&kms, FENCE_WAIT_MS));
	igt_assert_eq_u64(kms.last_user_data, 13);
	vprime_gpu_fence_signal(f.gpu, f.id);
	user_fence_destroy(&f);
}

/* A timeline syncobj on the display and a binary one to move fences. */
struct timeline {
	uint32_t tl, bin;
};

static void timeline_create(struct timeline *t)
{
	uint64_t cap = 0;

	igt_assert_eq(drmGetCap(kms.fd, DRM_CAP_SYNCOBJ, &cap), 0);
	igt_assert_f(cap == 1, "display has no DRM_CAP_SYNCOBJ\n");
	igt_assert_eq(drmGetCap(kms.fd, DRM_CAP_SYNCOBJ_TIMELINE, &cap), 0);
	igt_assert_f(cap == 1, "display has no DRM_CAP_SYNCOBJ_TIMELINE\n");
	igt_assert_eq(drmSyncobjCreate(kms.fd, 0, &t->tl), 0);
	igt_assert_eq(drmSyncobjCreate(kms.fd, 0, &t->bin), 0);
}

static void timeline_destroy(struct timeline *t)
{
	igt_assert_eq(drmSyncobjDestroy(kms.fd, t->tl), 0);
	igt_assert_eq(drmSyncobjDestroy(kms.fd, t->bin), 0);
}

/* What a compositor does with a client's acquire point (wlroots, Weston). */
static void timeline_import(struct timeline *t, uint64_t point, int sync_file)
{
	igt_assert_eq(drmSyncobjImportSyncFile(kms.fd, t->bin, sync_file), 0);
	igt_assert_eq(drmSyncobjTransfer(kms.fd, t->tl, point, t->bin, 0, 0), 0);
	igt_assert_eq(drmSyncobjReset(kms.fd, &t->bin, 1), 0);
}

static int timeline_export(struct timeline *t, uint64_t point)
{
	int fd = -1;

	igt_assert_eq(drmSyncobjTransfer(kms.fd, t->bin, 0, t->tl, point, 0), 0);
	igt_assert_eq(drmSyncobjExportSyncFile(kms.fd, t->bin, &fd), 0);
	igt_assert_lte(0, fd);
	igt_assert_eq(drmSyncobjReset(kms.fd, &t->bin, 1), 0);
	return fd;
}

static bool timeline_signalled(struct timeline *t, uint64_t point)
{
	return drmSyncobjTimelineWait(kms.fd, &t->tl, &point, 1, 0, 0,
				      NULL) == 0;
}

static void test_syncobj_timeline(void)
{
	const uint32_t color = 0x00336699, pitch = kms.width * 4;
	uint64_t timeout_ms = module_param("fence_timeout_ms", 5000);
	struct vprime_capture cap;
	struct vprime_commit c = { .in_fence_fd = -1 };
	struct user_fence gate;
	struct timeline t;
	struct vprime_job job;
	uint32_t bo, handle, fb;
	int dmabuf, render, in_fence, wb_fence = -1;
	unsigned int diff;

	/* The flip must outwait 300 ms of blocked render and the render. */
	igt_require_f(timeout_ms >= 2000,
		      "fence_timeout_ms=%" PRIu64 " would end the wait first\n",
		      timeout_ms);
	timeline_create(&t);
	vprime_capture_create(&kms, &cap);
	show(fb_a);
	drain_events();

	/* The render waits for a GPU user fence, so it is pending for sure. */
	user_fence_create(&gate, 4096);
	bo = vprime_gpu_bo_create(gate.gpu, (uint64_t)pitch * kms.height);
	job = (struct vprime_job){
		.op = VPRIME_CMD_FILL, .dst = bo, .dst_stride = pitch,
		.width = kms.width, .height = kms.height, .value = color,
		.in_fence_fd = gate.sync_file, .want_out_fence = true,
	};
	render = vprime_job_submit(gate.gpu, &job);
	igt_assert_lte(0, render);
	dmabuf = vprime_prime_export(gate.gpu, bo);
	handle = prime_fd_to_handle(kms.fd, dmabuf);
	fb = vprime_kms_add_fb(kms.fd, handle, kms.width, kms.height, pitch,
			       DRM_FORMAT_XRGB8888);

	timeline_import(&t, 5, render);
	igt_assert(!timeline_signalled(&t, 5));
	in_fence = timeline_export(&t, 5);
	igt_assert_eq(vprime_gpu_sync_file_status(in_fence), 0);

	c.fb_id = fb;
	c.in_fence_fd = in_fence;
	c.wb_fb_id = cap.fb_id;
	c.wb_fence = &wb_fence;
	c.flags = DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT;
	c.user_data = 21;
	vprime_capture_clear(&kms, &cap, 0x00777777);
	vprime_kms_commit(&kms, &c);

	/* Frames pass; the render waits, so does the flip and its capture. */
	igt_assert(!vprime_kms_wait_flip(&kms, 300));
	igt_assert(!vprime_fd_ready(wb_fence, POLLIN));
	igt_assert_eq(vprime_gpu_sync_file_status(render), 0);

	vprime_gpu_fence_signal(gate.gpu, gate.id);
	igt_assert(vprime_kms_wait_flip(&kms, FENCE_WAIT_MS));
	igt_assert_eq_u64(kms.last_user_data, 21);
	/* the event came after the render, never before it */
	igt_assert_eq(vprime_gpu_sync_file_status(render), 1);
	igt_assert(timeline_signalled(&t, 5));
	igt_assert(vprime_fd_wait(wb_fence, POLLIN, FENCE_WAIT_MS));
	diff = vprime_capture_diff_solid(&kms, &cap, color);
	igt_assert_f(!diff, "%u pixels are not the render's colour\n", diff);

	close(wb_fence);
	close(in_fence);
	close(render);
	show(fb_a);
	drmModeRmFB(kms.fd, fb);
	gem_close(kms.fd, handle);
	close(dmabuf);
	gem_close(gate.gpu, bo);
	user_fence_destroy(&gate);
	vprime_capture_destroy(&kms, &cap);
	timeline_destroy(&t);
}

static void test_syncobj_never_signals(void)
{
	uint64_t timeout_ms = module_param("fence_timeout_ms", 5000);
	struct vprime_capture cap;
	struct vprime_commit c = { .in_fence_fd = -1 };
	struct user_fence f;
	struct timeline t;
	int in_fence, wb_fence = -1;
	unsigned int diff;

	/*
	 * The GPU's user fence ends by itself after at most 10 s: only a
	 * shorter display bound can be seen at work.
	 */
	igt_require_f(timeout_ms < 8000,
		      "fence_timeout_ms=%" PRIu64 " outlasts a GPU user fence\n",
		      timeout_ms);
	timeline_create(&t);
	vprime_capture_create(&kms, &cap);
	show(fb_a);
	drain_events();

	user_fence_create(&f, 4096);
	timeline_import(&t, 3, f.sync_file);
	in_fence = timeline_export(&t, 3);

	c.fb_id = fb_b;
	c.in_fence_fd = in_fence;
	c.wb_fb_id = cap.fb_id;
	c.wb_fence = &wb_fence;
	c.flags = DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT;
	c.user_data = 22;
	vprime_capture_clear(&kms, &cap, 0x00777777);
	vprime_kms_commit(&kms, &c);

	igt_assert(vprime_kms_wait_flip(&kms, timeout_ms + FENCE_WAIT_MS));
	igt_assert_eq_u64(kms.last_user_data, 22);
	/* bounded by the display, not ended by the fence */
	igt_assert(!timeline_signalled(&t, 3));
	igt_assert_eq(vprime_gpu_sync_file_status(in_fence), 0);
	igt_assert(vprime_fd_wait(wb_fence, POLLIN, FENCE_WAIT_MS));
	diff = vprime_capture_diff(&kms, &cap, img_a.map, img_a.pitch);
	igt_assert_f(!diff, "%u pixels are not the previous frame\n", diff);

	vprime_gpu_fence_signal(f.gpu, f.id);
	igt_assert(vprime_fd_wait(in_fence, POLLIN, FENCE_WAIT_MS));
	igt_assert(timeline_signalled(&t, 3));
	close(wb_fence);
	close(in_fence);
	user_fence_destroy(&f);
	vprime_capture_destroy(&kms, &cap);
	timeline_destroy(&t);
}

static void test_legacy(void)
{
	uint32_t cur = plane_of_type(DRM_PLANE_TYPE_CURSOR, 0);
	struct vprime_dumb cursor;
	drmModeCrtcPtr crtc;
	uint32_t conn = kms.conn_id;

	igt_require(cur);
	igt_assert_eq(drmModeSetCrtc(kms.fd, kms.crtc_id, fb_a, 0, 0, &conn, 1,
				     &kms.mode), 0);
	crtc = drmModeGetCrtc(kms.fd, kms.crtc_id);
	igt_assert(crtc && crtc->mode_valid);
	igt_assert_eq(crtc->buffer_id, fb_a);
	drmModeFreeCrtc(crtc);

	drain_events();
	igt_assert_eq(drmModePageFlip(kms.fd, kms.crtc_id, fb_b,
				      DRM_MODE_PAGE_FLIP_EVENT,
				      (void *)(uintptr_t)0x42), 0);
	igt_assert(vprime_kms_wait_flip(&kms, FENCE_WAIT_MS));
	igt_assert_eq_u64(kms.last_user_data, 0x42);
	igt_assert_eq_u64(prop_value(kms.primary_id, DRM_MODE_OBJECT_PLANE,
				     "FB_ID"), fb_b);

	vprime_dumb_create(kms.fd, 64, 64, &cursor);
	fill(&cursor, 64, 64, 0xff00ff00);
	igt_assert_eq(drmModeSetCursor(kms.fd, kms.crtc_id, cursor.handle, 64,
				       64), 0);
	igt_assert_eq(drmModeMoveCursor(kms.fd, kms.crtc_id, 100, 50), 0);
	igt_assert(prop_value(cur, DRM_MODE_OBJECT_PLANE, "FB_ID"));
	igt_assert_eq_u64(prop_value(cur, DRM_MODE_OBJECT_PLANE, "CRTC_X"), 100);
	igt_assert_eq_u64(prop_value(cur, DRM_MODE_OBJECT_PLANE, "CRTC_Y"), 50);
	igt_assert_eq(drmModeSetCursor(kms.fd, kms.crtc_id, 0, 0, 0), 0);
	igt_assert_eq_u64(prop_value(cur, DRM_MODE_OBJECT_PLANE, "FB_ID"), 0);
	vprime_dumb_destroy(kms.fd, &cursor);
}

/*
 * Run @argv with stdin on a pipe we hold (both tools quit when stdin
 * becomes readable), collect its output until @until appears or @secs
 * pass, then ask it to quit and return its exit status.
 */
static int run_client(char *const argv[], const char *until, int secs,
		      char *out, size_t size)
{
	int in[2], outp[2], status = -1;
	bool exited = false, asked = false;
	struct timespec start;
	size_t len = 0;
	pid_t pid;

	igt_assert_eq(pipe(in), 0);
	igt_assert_eq(pipe(outp), 0);
	pid = fork();
	igt_assert_lte(0, pid);
	if (!pid) {
		dup2(in[0], 0);
		dup2(outp[1], 1);
		dup2(outp[1], 2);
		close(in[0]);
		close(in[1]);
		close(outp[0]);
		close(outp[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	signal(SIGPIPE, SIG_IGN);

	/*
	 * Collect the output until the client exits. Once @until shows, or
	 * after @secs, ask it to quit through stdin; 30 s later, kill it.
	 */
	igt_gettime(&start);
	out[0] = '\0';
	while (!exited) {
		uint32_t t = igt_seconds_elapsed(&start);
		ssize_t n;

		if (!asked && (t >= (uint32_t)secs ||
			       (until && strstr(out, until)))) {
			if (write(in[1], "\n", 1) != 1)
				igt_debug("%s: stdin closed\n", argv[0]);
			asked = true;
			igt_gettime(&start);
			continue;
		}
		if (asked && t >= 30) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		if (vprime_fd_wait(outp[0], POLLIN, 200)) {
			if (len + 1 >= size)
				len = 0;	/* keep the tail */
			n = read(outp[0], out + len, size - 1 - len);
			if (n > 0) {
				len += n;
				out[len] = '\0';
				continue;
			}
		}
		exited = waitpid(pid, &status, WNOHANG) == pid;
	}
	/* What it wrote last. */
	while (len + 1 < size && vprime_fd_ready(outp[0], POLLIN)) {
		ssize_t n = read(outp[0], out + len, size - 1 - len);

		if (n <= 0)
			break;
		len += n;
		out[len] = '\0';
	}
	close(in[1]);
	close(outp[0]);
	igt_info("%s output (tail):\n%s\n", argv[0],
		 len > 2000 ? out + len - 2000 : out);
	return status;
}

static bool have_tool(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/usr/bin/%s", name);
	return access(path, X_OK) == 0;
}

static void test_modetest(void)
{
	char spec[64], out[16384];
	char *argv[] = {
		"modetest", "-M", "vprime_kms", "-s", spec, "-v", NULL,
	};
	int status;

	igt_require_f(have_tool("modetest"), "modetest (libdrm-tests) missing\n");
	snprintf(spec, sizeof(spec), "%u@%u:1024x768", kms.conn_id, kms.crtc_id);
	/* Flipping works once modetest reports a flip rate. */
	status = run_client(argv, "freq:", 120, out, sizeof(out));
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "modetest status %x\n", status);
	igt_assert(strstr(out, "setting mode 1024x768"));
	igt_assert_f(strstr(out, "freq:"), "modetest reported no page flips\n");
	igt_assert(!strstr(out, "failed to page flip"));
}

static void test_kmscube(void)
{
	char card[32], out[16384];
	char *argv[] = { "kmscube", "-D", card, "-c", "30", NULL };
	struct stat st;
	int status;

	igt_require_f(have_tool("kmscube"), "kmscube missing\n");
	igt_assert_eq(fstat(kms.fd, &st), 0);
	snprintf(card, sizeof(card), "/dev/dri/card%u", minor(st.st_rdev));
	/* 30 frames through llvmpipe under emulation: allow a while. */
	status = run_client(argv, NULL, 400, out, sizeof(out));
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "kmscube status %x\n", status);
	/* It stopped after its 30 frames, not because we asked it to. */
	igt_assert(!strstr(out, "user interrupted"));
	igt_assert(strstr(out, "Rendered"));
}

igt_main
{
	igt_fixture {
		int fd = vprime_kms_open_or_fail(0);

		vprime_kms_init(&kms, fd);
		fb_a = make_fb(&img_a, kms.width, kms.height, 0x00204080);
		fb_b = make_fb(&img_b, kms.width, kms.height, 0x00804020);
		vprime_kms_set_fb(&kms, fb_a);
	}

	igt_describe("Connector state, mode list and preferred mode.");
	igt_subtest("basic-connector")
		test_connector();
	igt_describe("The EDID blob is valid and describes the preferred mode.");
	igt_subtest("basic-edid")
		test_edid();
	igt_describe("Plane types, properties, formats and modifiers.");
	igt_subtest("basic-planes")
		test_planes();
	igt_describe("CRTC properties.");
	igt_subtest("basic-crtc")
		test_crtc();
	igt_describe("zpos ranges span the plane count, defaults distinct; damage clips.");
	igt_subtest("zpos-range")
		test_zpos_range();
	igt_describe("Consecutive CRC entries have consecutive frame numbers.");
	igt_subtest("crc-frame-sequence")
		test_crc_frame_sequence();

	igt_describe("Framebuffers with an unadvertised modifier are rejected.");
	igt_subtest("addfb-reject-modifier")
		test_addfb_modifier();
	igt_describe("Planes reject framebuffers of formats they don't scan out.");
	igt_subtest("reject-unsupported-format")
		test_reject_format();
	igt_describe("Scaling out of the limits is rejected, nothing committed.");
	igt_subtest("reject-scaling")
		test_reject_scaling();
	igt_describe("A source rectangle outside the fb is rejected.");
	igt_subtest("reject-src-outside-fb")
		test_reject_src_outside();
	igt_describe("Overflowing plane positions are rejected.");
	igt_subtest("reject-position-overflow")
		test_reject_position();
	igt_describe("Oversized cursors are rejected.");
	igt_subtest("reject-cursor-size")
		test_reject_cursor();
	igt_describe("TEST_ONLY checks without committing.");
	igt_subtest("test-only")
		test_test_only();

	igt_describe("WAIT_VBLANK sequences and timestamps.");
	igt_subtest("vblank-sequence")
		test_vblank_sequence();
	igt_describe("Page-flip events of nonblocking flips.");
	igt_subtest("flip-events")
		test_flip_events();
	igt_describe("A second nonblocking flip while one is pending is -EBUSY.");
	igt_subtest("flip-ebusy")
		test_flip_ebusy();
	igt_describe("Flips wait for their IN_FENCE_FD.");
	igt_subtest("in-fence-fd")
		test_in_fence();
	igt_describe("An IN_FENCE_FD on a plane without a framebuffer is released.");
	igt_subtest("in-fence-no-fb")
		test_in_fence_no_fb();
	igt_describe("A second export of a framebuffer's object imports cleanly.");
	igt_subtest("getfb-second-export")
		test_getfb_second_export();
	igt_describe("OUT_FENCE_PTR signals with the flip.");
	igt_subtest("out-fence-ptr")
		test_out_fence();
	igt_describe("PRIME-imported GPU buffers wait for their write fence.");
	igt_subtest("implicit-fence-prime")
		test_implicit_fence();
	igt_describe("A never-signalling in-fence bounds a blocking commit.");
	igt_subtest("fence-never-signals")
		test_fence_never_signals();
	igt_describe("A never-signalling in-fence bounds a nonblocking flip.");
	igt_subtest("fence-never-signals-nonblocking")
		test_fence_never_signals_nonblocking();
	igt_describe("A timeline syncobj point on the display, signalled by a "
		     "GPU render, gates a flip as its IN_FENCE_FD.");
	igt_subtest("syncobj-timeline-in-fence")
		test_syncobj_timeline();
	igt_describe("A timeline point that never signals is bounded by "
		     "fence_timeout_ms.");
	igt_subtest("syncobj-timeline-never-signals")
		test_syncobj_never_signals();
	igt_describe("Legacy SETCRTC, PAGE_FLIP and cursor ioctls.");
	igt_subtest("legacy-ioctls")
		test_legacy();

	igt_subtest_group {
		igt_fixture {
			/* The clients need to become DRM master. */
			vprime_kms_fini(&kms);
			drmDropMaster(kms.fd);
		}

		igt_describe("modetest sets a mode and flips.");
		igt_subtest("modetest")
			test_modetest();
		igt_describe("kmscube renders and flips 30 frames.");
		igt_subtest("kmscube")
			test_kmscube();
	}

	igt_fixture {
		drmModeRmFB(kms.fd, fb_a);
		drmModeRmFB(kms.fd, fb_b);
		vprime_dumb_destroy(kms.fd, &img_a);
		vprime_dumb_destroy(kms.fd, &img_b);
		close(kms.fd);
	}
}
