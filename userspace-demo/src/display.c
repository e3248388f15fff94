// SPDX-License-Identifier: MIT
/*
 * The display ("vprime_kms") through atomic KMS: pick the connected output,
 * its preferred mode, a CRTC, that CRTC's primary plane and the writeback
 * connector; enable it once with a blocking modeset, then flip with
 * nonblocking commits that ask for a page-flip event and, on frames to be
 * captured, carry a writeback job with an out-fence.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <drm_fourcc.h>

#include "demo.h"
#include "vprime_util.h"

/* Property @name of object @id, or 0 (reported) when it has none. */
static uint32_t prop_id(int fd, uint32_t id, uint32_t type, const char *name)
{
	uint32_t found = 0;
	int ret;

	ret = vprime_prop_find(fd, id, type, name, &found, NULL);
	if (ret == -ENOENT)
		demo_msg("object %u has no property \"%s\"", id, name);
	else if (ret)
		demo_err(-ret, "the properties of object %u", id);
	return ret ? 0 : found;
}

/* The value of property @name of object @id; @def when it has none. */
static uint64_t prop_value(int fd, uint32_t id, uint32_t type,
			   const char *name, uint64_t def)
{
	uint64_t val;

	return vprime_prop_find(fd, id, type, name, NULL, &val) ? def : val;
}

static int set_caps(int fd)
{
	if (drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1)) {
		demo_err(errno, "drmSetClientCap(UNIVERSAL_PLANES)");
		return -1;
	}
	if (drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1)) {
		demo_err(errno, "drmSetClientCap(ATOMIC)");
		return -1;
	}
	if (drmSetClientCap(fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1))
		demo_err(errno, "drmSetClientCap(WRITEBACK_CONNECTORS), no captures");
	return 0;
}

static void pick_mode(struct display *d, drmModeConnectorPtr c)
{
	int i;

	d->mode = c->modes[0];
	for (i = 0; i < c->count_modes; i++)
		if (c->modes[i].type & DRM_MODE_TYPE_PREFERRED) {
			d->mode = c->modes[i];
			break;
		}
}

/* The CRTC index that connector @c can drive, or -1. */
static int pick_crtc(int fd, drmModeResPtr res, drmModeConnectorPtr c)
{
	drmModeEncoderPtr enc;
	uint32_t possible = 0;
	int i;

	for (i = 0; i < c->count_encoders; i++) {
		enc = drmModeGetEncoder(fd, c->encoders[i]);
		if (!enc)
			continue;
		possible |= enc->possible_crtcs;
		drmModeFreeEncoder(enc);
	}
	for (i = 0; i < res->count_crtcs; i++)
		if (possible & (1u << i))
			return i;
	return -1;
}

static int find_output(struct display *d, drmModeResPtr res)
{
	drmModeConnectorPtr c;
	int i, crtc = -1;

	for (i = 0; i < res->count_connectors; i++) {
		c = drmModeGetConnector(d->fd, res->connectors[i]);
		if (!c)
			continue;
		if (c->connector_type == DRM_MODE_CONNECTOR_WRITEBACK) {
			if (!d->wb_conn_id)
				d->wb_conn_id = c->connector_id;
		} else if (!d->conn_id && c->connection == DRM_MODE_CONNECTED &&
			   c->count_modes > 0) {
			crtc = pick_crtc(d->fd, res, c);
			if (crtc >= 0) {
				d->conn_id = c->connector_id;
				d->crtc_id = res->crtcs[crtc];
				pick_mode(d, c);
			}
		}
		drmModeFreeConnector(c);
	}
	if (!d->conn_id) {
		demo_msg("display: no connected connector with modes and a CRTC");
		return -1;
	}
	for (i = 0; i < res->count_crtcs; i++)
		if (res->crtcs[i] == d->crtc_id)
			return i;
	return -1;
}

static int find_primary_plane(struct display *d, int crtc_index)
{
	drmModePlaneResPtr pres = drmModeGetPlaneResources(d->fd);
	drmModePlanePtr p;
	uint32_t i;

	if (!pres) {
		demo_err(errno, "drmModeGetPlaneResources");
		return -1;
	}
	for (i = 0; i < pres->count_planes && !d->plane_id; i++) {
		p = drmModeGetPlane(d->fd, pres->planes[i]);
		if (!p)
			continue;
		if ((p->possible_crtcs & (1u << crtc_index)) &&
		    prop_value(d->fd, p->plane_id, DRM_MODE_OBJECT_PLANE,
			       "type", ~0ull) == DRM_PLANE_TYPE_PRIMARY)
			d->plane_id = p->plane_id;
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(pres);
	if (!d->plane_id) {
		demo_msg("display: no primary plane for CRTC %u", d->crtc_id);
		return -1;
	}
	return 0;
}

static int lookup_props(struct display *d)
{
	struct display_props *p = &d->props;
	const uint32_t pl = DRM_MODE_OBJECT_PLANE, cr = DRM_MODE_OBJECT_CRTC,
		       co = DRM_MODE_OBJECT_CONNECTOR;

	p->plane_fb_id = prop_id(d->fd, d->plane_id, pl, "FB_ID");
	p->plane_crtc_id = prop_id(d->fd, d->plane_id, pl, "CRTC_ID");
	p->plane_src_x = prop_id(d->fd, d->plane_id, pl, "SRC_X");
	p->plane_src_y = prop_id(d->fd, d->plane_id, pl, "SRC_Y");
	p->plane_src_w = prop_id(d->fd, d->plane_id, pl, "SRC_W");
	p->plane_src_h = prop_id(d->fd, d->plane_id, pl, "SRC_H");
	p->plane_crtc_x = prop_id(d->fd, d->plane_id, pl, "CRTC_X");
	p->plane_crtc_y = prop_id(d->fd, d->plane_id, pl, "CRTC_Y");
	p->plane_crtc_w = prop_id(d->fd, d->plane_id, pl, "CRTC_W");
	p->plane_crtc_h = prop_id(d->fd, d->plane_id, pl, "CRTC_H");
	p->crtc_mode_id = prop_id(d->fd, d->crtc_id, cr, "MODE_ID");
	p->crtc_active = prop_id(d->fd, d->crtc_id, cr, "ACTIVE");
	p->conn_crtc_id = prop_id(d->fd, d->conn_id, co, "CRTC_ID");
	if (!p->plane_fb_id || !p->plane_crtc_id || !p->plane_src_x ||
	    !p->plane_src_y || !p->plane_src_w || !p->plane_src_h ||
	    !p->plane_crtc_x || !p->plane_crtc_y || !p->plane_crtc_w ||
	    !p->plane_crtc_h || !p->crtc_mode_id || !p->crtc_active ||
	    !p->conn_crtc_id)
		return -1;
	if (!d->wb_conn_id)
		return 0;
	p->wb_crtc_id = prop_id(d->fd, d->wb_conn_id, co, "CRTC_ID");
	p->wb_fb_id = prop_id(d->fd, d->wb_conn_id, co, "WRITEBACK_FB_ID");
	p->wb_out_fence_ptr = prop_id(d->fd, d->wb_conn_id, co,
				      "WRITEBACK_OUT_FENCE_PTR");
	if (!p->wb_crtc_id || !p->wb_fb_id || !p->wb_out_fence_ptr)
		d->wb_conn_id = 0;
	return 0;
}

/**
 * display_init - find the output, CRTC, primary plane and writeback
 * connector of the display device open on @fd
 */
int display_init(struct display *d, int fd)
{
	drmModeResPtr res;
	int crtc_index;

	memset(d, 0, sizeof(*d));
	d->fd = fd;
	if (set_caps(fd))
		return -1;
	res = drmModeGetResources(fd);
	if (!res) {
		demo_err(errno, "drmModeGetResources");
		return -1;
	}
	crtc_index = find_output(d, res);
	drmModeFreeResources(res);
	if (crtc_index < 0 || find_primary_plane(d, crtc_index) ||
	    lookup_props(d))
		return -1;
	if (drmModeCreatePropertyBlob(fd, &d->mode, sizeof(d->mode),
				      &d->mode_blob)) {
		demo_err(errno, "drmModeCreatePropertyBlob(mode)");
		return -1;
	}
	return 0;
}

void display_fini(struct display *d)
{
	if (d->mode_blob)
		drmModeDestroyPropertyBlob(d->fd, d->mode_blob);
	d->mode_blob = 0;
}

double display_refresh_hz(const struct display *d)
{
	const drmModeModeInfo *m = &d->mode;

	if (!m->htotal || !m->vtotal)
		return m->vrefresh;
	return m->clock * 1000.0 / ((double)m->htotal * m->vtotal);
}

static int add(drmModeAtomicReqPtr req, uint32_t obj, uint32_t prop,
	       uint64_t val)
{
	return drmModeAtomicAddProperty(req, obj, prop, val) < 0 ? -1 : 0;
}

static int add_plane(drmModeAtomicReqPtr req, const struct display *d,
		     uint32_t fb_id)
{
	const struct display_props *p = &d->props;
	uint32_t crtc = fb_id ? d->crtc_id : 0;
	uint64_t w = fb_id ? d->mode.hdisplay : 0, h = fb_id ? d->mode.vdisplay : 0;

	return add(req, d->plane_id, p->plane_fb_id, fb_id) |
	       add(req, d->plane_id, p->plane_crtc_id, crtc) |
	       add(req, d->plane_id, p->plane_src_x, 0) |
	       add(req, d->plane_id, p->plane_src_y, 0) |
	       add(req, d->plane_id, p->plane_src_w, w << 16) |
	       add(req, d->plane_id, p->plane_src_h, h << 16) |
	       add(req, d->plane_id, p->plane_crtc_x, 0) |
	       add(req, d->plane_id, p->plane_crtc_y, 0) |
	       add(req, d->plane_id, p->plane_crtc_w, w) |
	       add(req, d->plane_id, p->plane_crtc_h, h);
}

static int commit(struct display *d, drmModeAtomicReqPtr req, uint32_t flags,
		  void *user_data, const char *what)
{
	int ret = drmModeAtomicCommit(d->fd, req, flags, user_data);

	if (ret)
		demo_err(errno, "drmModeAtomicCommit(%s)", what);
	return ret ? -1 : 0;
}

/*
 * Light the output with @fb_id on the primary plane (blocking modeset).
 * With @writeback, the writeback connector is attached to the CRTC too.
 */
int display_enable(struct display *d, uint32_t fb_id, bool writeback)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	const struct display_props *p = &d->props;
	int ret;

	if (!req)
		return -1;
	ret = add(req, d->crtc_id, p->crtc_mode_id, d->mode_blob) |
	      add(req, d->crtc_id, p->crtc_active, 1) |
	      add(req, d->conn_id, p->conn_crtc_id, d->crtc_id) |
	      add_plane(req, d, fb_id);
	/* attached once here, so captures later need no modeset */
	if (writeback)
		ret |= add(req, d->wb_conn_id, p->wb_crtc_id, d->crtc_id);
	if (!ret)
		ret = drmModeAtomicCommit(d->fd, req,
					  DRM_MODE_ATOMIC_ALLOW_MODESET, NULL);
	drmModeAtomicFree(req);
	if (ret) {
		ret = -errno;
		if (!writeback)
			demo_err(errno, "drmModeAtomicCommit(enable)");
		return ret;
	}
	d->wb_attached = writeback;
	return 0;
}

/* Turn the output off and detach the planes (blocking modeset). */
int display_disable(struct display *d)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	const struct display_props *p = &d->props;
	int ret;

	if (!req)
		return -1;
	ret = add(req, d->crtc_id, p->crtc_mode_id, 0) |
	      add(req, d->crtc_id, p->crtc_active, 0) |
	      add(req, d->conn_id, p->conn_crtc_id, 0) |
	      add_plane(req, d, 0);
	if (d->wb_attached)
		ret |= add(req, d->wb_conn_id, p->wb_crtc_id, 0);
	if (!ret)
		ret = commit(d, req, DRM_MODE_ATOMIC_ALLOW_MODESET, NULL,
			     "disable");
	drmModeAtomicFree(req);
	if (!ret)
		d->wb_attached = false;
	return ret;
}

/**
 * display_flip - nonblocking flip to @fb_id with a page-flip event
 * @wb_fb_id: a framebuffer to capture the composed frame into, or 0
 * @wb_fence: out: the capture's out-fence (a sync_file fd), or -1
 * @user_data: handed back with the page-flip event
 *
 * No in-fence: the display waits for the buffer's implicit fences.
 */
int display_flip(struct display *d, uint32_t fb_id, uint32_t wb_fb_id,
		 int *wb_fence, void *user_data)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	const struct display_props *p = &d->props;
	int32_t fence = -1;
	int ret;

	*wb_fence = -1;
	if (!req)
		return -1;
	ret = add(req, d->plane_id, p->plane_fb_id, fb_id);
	if (wb_fb_id)
		ret |= add(req, d->wb_conn_id, p->wb_fb_id, wb_fb_id) |
		       add(req, d->wb_conn_id, p->wb_out_fence_ptr,
			   (uintptr_t)&fence);
	if (!ret)
		ret = commit(d, req, DRM_MODE_ATOMIC_NONBLOCK |
			     DRM_MODE_PAGE_FLIP_EVENT, user_data, "flip");
	drmModeAtomicFree(req);
	if (!ret)
		*wb_fence = fence;
	return ret;
}

int display_add_fb(int fd, uint32_t handle, uint32_t width, uint32_t height,
		   uint32_t stride, uint32_t *fb_id)
{
	uint32_t handles[4] = { handle }, pitches[4] = { stride };
	uint32_t offsets[4] = { 0 };

	if (drmModeAddFB2(fd, width, height, DRM_FORMAT_XRGB8888, handles,
			  pitches, offsets, fb_id, 0)) {
		demo_err(errno, "drmModeAddFB2(handle %u, %ux%u XRGB8888)",
			 handle, width, height);
		return -1;
	}
	return 0;
}

/* A mapped XRGB8888 dumb buffer on the display. */
int display_dumb_create(int fd, uint32_t width, uint32_t height,
			uint32_t *handle, uint32_t *stride, uint64_t *size,
			void **map)
{
	uint64_t offset;

	if (drmModeCreateDumbBuffer(fd, width, height, 32, 0, handle, stride,
				    size)) {
		demo_err(errno, "drmModeCreateDumbBuffer(%ux%u)", width,
			 height);
		return -1;
	}
	if (drmModeMapDumbBuffer(fd, *handle, &offset)) {
		demo_err(errno, "drmModeMapDumbBuffer(handle %u)", *handle);
		goto err_destroy;
	}
	*map = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    (off_t)offset);
	if (*map == MAP_FAILED) {
		demo_err(errno, "mmap of dumb buffer %u", *handle);
		goto err_destroy;
	}
	return 0;

err_destroy:
	drmModeDestroyDumbBuffer(fd, *handle);
	*map = NULL;
	return -1;
}

void display_dumb_destroy(int fd, uint32_t handle, void *map, uint64_t size)
{
	if (map)
		munmap(map, size);
	if (handle && drmModeDestroyDumbBuffer(fd, handle))
		demo_err(errno, "drmModeDestroyDumbBuffer(handle %u)", handle);
}
