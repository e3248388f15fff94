// SPDX-License-Identifier: MIT
/*
 * kms.c - display benchmarks: composition time per frame (from the
 * driver's debugfs vprime_compose_stats), the flip pipeline with implicit
 * fences from GPU jobs, and "hold", which keeps a mode set while a peer
 * benchmark (IGT's kms_vblank) runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <math.h>
#include <stdbool.h>

#include <linux/dma-buf.h>
#include <linux/sync_file.h>
#include <drm.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "drm/vprime_drm.h"
#include "common.h"

#define MAX_PLANES 16

/*
 * vgem's fence ioctls (Linux include/uapi/drm/vgem_drm.h; libdrm ships no
 * vgem header): attach a fence to a BO, signal it.
 */
struct drm_vgem_fence_attach {
	uint32_t handle;
	uint32_t flags;
#define VGEM_FENCE_WRITE 0x1
	uint32_t out_fence;
	uint32_t pad;
};

struct drm_vgem_fence_signal {
	uint32_t fence;
	uint32_t flags;
};

#define DRM_IOCTL_VGEM_FENCE_ATTACH \
	DRM_IOWR(DRM_COMMAND_BASE + 0x1, struct drm_vgem_fence_attach)
#define DRM_IOCTL_VGEM_FENCE_SIGNAL \
	DRM_IOW(DRM_COMMAND_BASE + 0x2, struct drm_vgem_fence_signal)

struct kms {
	int fd;
	uint32_t conn, crtc;
	uint32_t conn_crtc_prop, crtc_mode_prop, crtc_active_prop;
	int nplanes;
	struct {
		uint32_t id, type;
		uint32_t fb_id, crtc_id, src[4], dst[4];	/* prop ids */
	} plane[MAX_PLANES];
	drmModeModeInfo modes[64];
	int nmodes;
	char debugfs[128];
};

static uint32_t prop_id(int fd, uint32_t obj, uint32_t type, const char *name,
			uint64_t *value)
{
	uint32_t id;
	int ret;

	ret = vprime_prop_find(fd, obj, type, name, &id, value);
	if (ret)
		die("property %s of object %u: %s", name, obj, strerror(-ret));
	return id;
}

/* Open the first KMS device of @driver; false when there is none. */
static bool kms_open_driver(struct kms *k, const char *driver)
{
	static const char *const src[] = { "SRC_X", "SRC_Y", "SRC_W", "SRC_H" };
	static const char *const dst[] = { "CRTC_X", "CRTC_Y", "CRTC_W", "CRTC_H" };
	drmModePlaneResPtr pres;
	drmModeConnectorPtr c;
	drmModeResPtr res;
	uint32_t i;
	int j;

	memset(k, 0, sizeof(*k));
	k->fd = vprime_open_driver_node(driver, 0, false);
	if (k->fd < 0)
		return false;
	if (drmSetClientCap(k->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) ||
	    drmSetClientCap(k->fd, DRM_CLIENT_CAP_ATOMIC, 1))
		die("atomic client caps");
	vprime_debugfs_dir(k->fd, k->debugfs, sizeof(k->debugfs));

	res = drmModeGetResources(k->fd);
	if (!res || !res->count_connectors || !res->count_crtcs)
		die("GetResources");
	k->crtc = res->crtcs[0];
	k->conn = res->connectors[0];
	c = drmModeGetConnector(k->fd, k->conn);
	if (!c)
		die("GetConnector");
	for (j = 0; j < c->count_modes && j < 64; j++)
		k->modes[k->nmodes++] = c->modes[j];
	drmModeFreeConnector(c);
	drmModeFreeResources(res);

	k->conn_crtc_prop = prop_id(k->fd, k->conn, DRM_MODE_OBJECT_CONNECTOR,
				    "CRTC_ID", NULL);
	k->crtc_mode_prop = prop_id(k->fd, k->crtc, DRM_MODE_OBJECT_CRTC,
				    "MODE_ID", NULL);
	k->crtc_active_prop = prop_id(k->fd, k->crtc, DRM_MODE_OBJECT_CRTC,
				      "ACTIVE", NULL);

	pres = drmModeGetPlaneResources(k->fd);
	if (!pres)
		die("GetPlaneResources");
	for (i = 0; i < pres->count_planes && k->nplanes < MAX_PLANES; i++) {
		drmModePlanePtr p = drmModeGetPlane(k->fd, pres->planes[i]);
		uint64_t type = 0;
		int n = k->nplanes;

		if (!p)
			continue;
		if (!(p->possible_crtcs & 1)) {
			drmModeFreePlane(p);
			continue;
		}
		k->plane[n].id = p->plane_id;
		drmModeFreePlane(p);
		prop_id(k->fd, k->plane[n].id, DRM_MODE_OBJECT_PLANE, "type", &type);
		k->plane[n].type = type;
		k->plane[n].fb_id = prop_id(k->fd, k->plane[n].id,
					    DRM_MODE_OBJECT_PLANE, "FB_ID", NULL);
		k->plane[n].crtc_id = prop_id(k->fd, k->plane[n].id,
					      DRM_MODE_OBJECT_PLANE, "CRTC_ID", NULL);
		for (j = 0; j < 4; j++) {
			k->plane[n].src[j] = prop_id(k->fd, k->plane[n].id,
						     DRM_MODE_OBJECT_PLANE, src[j], NULL);
			k->plane[n].dst[j] = prop_id(k->fd, k->plane[n].id,
						     DRM_MODE_OBJECT_PLANE, dst[j], NULL);
		}
		k->nplanes++;
	}
	drmModeFreePlaneResources(pres);
	return true;
}

static void kms_open(struct kms *k)
{
	if (!kms_open_driver(k, "vprime_kms"))
		die("no vprime_kms device");
}

static const drmModeModeInfo *kms_mode(struct kms *k, int w, int h)
{
	int i;

	for (i = 0; i < k->nmodes; i++)
		if (k->modes[i].hdisplay == w && k->modes[i].vdisplay == h)
			return &k->modes[i];
	die("the connector has no %dx%d mode", w, h);
}

/* Plane order for N visible planes: primary, overlays, then the cursor. */
static int kms_plane_order(const struct kms *k, int *order)
{
	static const uint32_t types[] = {
		DRM_PLANE_TYPE_PRIMARY, DRM_PLANE_TYPE_OVERLAY, DRM_PLANE_TYPE_CURSOR,
	};
	int n = 0, t, i;

	for (t = 0; t < 3; t++)
		for (i = 0; i < k->nplanes; i++)
			if (k->plane[i].type == types[t])
				order[n++] = i;
	return n;
}

struct fb {
	uint32_t handle, id, w, h, pitch;
	uint64_t size;
	uint32_t *map;
};

static void dumb_fb(int fd, struct fb *fb, uint32_t w, uint32_t h,
		    uint32_t format, uint32_t seed)
{
	struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = 32 };
	struct drm_mode_map_dumb m = { 0 };
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	uint32_t x, y;

	if (ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
		die("CREATE_DUMB %ux%u", w, h);
	fb->handle = c.handle;
	fb->pitch = c.pitch;
	fb->size = c.size;
	fb->w = w;
	fb->h = h;
	m.handle = c.handle;
	if (ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &m))
		die("MAP_DUMB");
	fb->map = mmap(NULL, c.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       m.offset);
	if (fb->map == MAP_FAILED)
		die("mmap dumb");
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			uint32_t a = format == DRM_FORMAT_ARGB8888 ?
				     (0x40 + ((x + y + seed) & 0x7f)) << 24 :
				     0xff000000;
			uint32_t r = (x * 255 / w) & 0xff, g = (y * 255 / h) & 0xff;

			fb->map[y * (fb->pitch / 4) + x] =
				a | (r << 16) | (g << 8) | (seed * 40 & 0xff);
		}
	handles[0] = c.handle;
	pitches[0] = c.pitch;
	if (drmModeAddFB2(fd, w, h, format, handles, pitches, offsets, &fb->id, 0))
		die("AddFB2 %ux%u", w, h);
}

static void fb_free(int fd, struct fb *fb)
{
	drmModeRmFB(fd, fb->id);
	munmap(fb->map, fb->size);
	gem_close_handle(fd, fb->handle);
	memset(fb, 0, sizeof(*fb));
}

static void add_plane(drmModeAtomicReqPtr req, const struct kms *k, int p,
		      uint32_t fb, uint32_t sw, uint32_t sh, int x, int y,
		      uint32_t w, uint32_t h)
{
	const uint64_t v[8] = {
		0, 0, (uint64_t)sw << 16, (uint64_t)sh << 16, x, y, w, h,
	};
	int j;

	drmModeAtomicAddProperty(req, k->plane[p].id, k->plane[p].fb_id, fb);
	drmModeAtomicAddProperty(req, k->plane[p].id, k->plane[p].crtc_id,
				 fb ? k->crtc : 0);
	for (j = 0; j < 4; j++) {
		drmModeAtomicAddProperty(req, k->plane[p].id, k->plane[p].src[j],
					 fb ? v[j] : 0);
		drmModeAtomicAddProperty(req, k->plane[p].id, k->plane[p].dst[j],
					 fb ? v[4 + j] : 0);
	}
}

/* Modeset to @mode with the planes' framebuffers; NULL fbs are disabled. */
static void kms_modeset(struct kms *k, const drmModeModeInfo *mode,
			const int *order, int n, struct fb *fbs)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	uint32_t blob;
	int i;

	if (drmModeCreatePropertyBlob(k->fd, mode, sizeof(*mode), &blob))
		die("CreatePropertyBlob");
	drmModeAtomicAddProperty(req, k->conn, k->conn_crtc_prop, k->crtc);
	drmModeAtomicAddProperty(req, k->crtc, k->crtc_mode_prop, blob);
	drmModeAtomicAddProperty(req, k->crtc, k->crtc_active_prop, 1);
	for (i = 0; i < k->nplanes; i++) {
		int j, p = -1;

		for (j = 0; j < n; j++)
			if (order[j] == i)
				p = j;
		if (p < 0 || !fbs[p].id) {
			add_plane(req, k, i, 0, 0, 0, 0, 0, 0, 0);
			continue;
		}
		/* overlays are staggered so that they overlap */
		add_plane(req, k, i, fbs[p].id, fbs[p].w, fbs[p].h,
			  p ? (int)(mode->hdisplay / 8 * p) : 0,
			  p ? (int)(mode->vdisplay / 8 * p) : 0,
			  fbs[p].w, fbs[p].h);
	}
	if (drmModeAtomicCommit(k->fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET, NULL))
		die("modeset %ux%u", mode->hdisplay, mode->vdisplay);
	drmModeAtomicFree(req);
	drmModeDestroyPropertyBlob(k->fd, blob);
}

/* ---- CRC capture: makes the composer run every vblank ---- */

struct crc_reader {
	pthread_t thread;
	int fd;
	volatile int stop;
	long lines;
};

static void *crc_thread(void *arg)
{
	struct crc_reader *c = arg;
	char buf[4096];

	while (!c->stop) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		ssize_t n;
		int i;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(c->fd, buf, sizeof(buf));
		if (n <= 0) {
			if (n < 0 && errno != EINTR && errno != EAGAIN)
				break;
			continue;
		}
		for (i = 0; i < n; i++)
			c->lines += buf[i] == '\n';
	}
	return NULL;
}

static void crc_start(struct kms *k, struct crc_reader *c)
{
	char path[192];
	int fd;

	snprintf(path, sizeof(path), "%s/crtc-0/crc/control", k->debugfs);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, "auto", 4) != 4)
		die("%s", path);
	close(fd);
	snprintf(path, sizeof(path), "%s/crtc-0/crc/data", k->debugfs);
	memset(c, 0, sizeof(*c));
	c->fd = open(path, O_RDONLY | O_NONBLOCK);
	if (c->fd < 0)
		die("%s", path);
	pthread_create(&c->thread, NULL, crc_thread, c);
}

static void crc_stop(struct crc_reader *c)
{
	c->stop = 1;
	pthread_join(c->thread, NULL);
	close(c->fd);
}

static void stats_reset(struct kms *k)
{
	char path[192];
	int fd;

	snprintf(path, sizeof(path), "%s/vprime_compose_stats", k->debugfs);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, "0\n", 2) != 2)
		die("reset %s", path);
	close(fd);
}

static uint64_t stats_key(struct kms *k, const char *key)
{
	char path[192], buf[4096];
	uint64_t v;

	snprintf(path, sizeof(path), "%s/vprime_compose_stats", k->debugfs);
	if (vprime_read_file(path, buf, sizeof(buf)) < 0)
		die("%s", path);
	if (vprime_parse_key(buf, key, &v))
		die("no %s in %s", key, path);
	return v;
}

/* Vblank period from two vblank waits 30 frames apart, in us. */
static double vblank_period_us(int fd)
{
	drmVBlank vbl;
	double t0, t1;
	uint32_t s0;

	memset(&vbl, 0, sizeof(vbl));
	vbl.request.type = DRM_VBLANK_RELATIVE;
	vbl.request.sequence = 1;
	if (drmWaitVBlank(fd, &vbl))
		die("WAIT_VBLANK");
	t0 = vbl.reply.tval_sec * 1e6 + vbl.reply.tval_usec;
	s0 = vbl.reply.sequence;
	vbl.request.type = DRM_VBLANK_RELATIVE;
	vbl.request.sequence = bench_quick ? 3 : 30;
	if (drmWaitVBlank(fd, &vbl))
		die("WAIT_VBLANK");
	t1 = vbl.reply.tval_sec * 1e6 + vbl.reply.tval_usec;
	return (t1 - t0) / (vbl.reply.sequence - s0);
}

/*
 * Measure the composer in @windows windows of @window_us with the CRC on;
 * each window's avg_us in @ms (milliseconds), the sums in @frames, @behind.
 */
static void compose_measure(struct kms *k, int windows, useconds_t window_us,
			    double *ms, uint64_t *frames, uint64_t *behind,
			    long *crc_lines)
{
	struct crc_reader crc;
	int w;

	*frames = *behind = 0;
	crc_start(k, &crc);
	usleep(300000);	/* let the composer settle */
	for (w = 0; w < windows; w++) {
		uint64_t f;

		stats_reset(k);
		usleep(window_us);
		f = stats_key(k, "frames");
		*frames += f;
		*behind += stats_key(k, "vblanks_behind");
		ms[w] = f ? stats_key(k, "avg_us") / 1e3 : 0;
	}
	crc_stop(&crc);
	*crc_lines = crc.lines;
}

/* A LUT blob: (i / 255) raised to @e, on every channel. */
static uint32_t lut_blob(int fd, double e)
{
	struct drm_color_lut lut[256];
	uint32_t id;
	int i;

	for (i = 0; i < 256; i++)
		lut[i].red = lut[i].green = lut[i].blue =
			(uint16_t)(pow(i / 255.0, e) * 65535 + 0.5);
	if (drmModeCreatePropertyBlob(fd, lut, sizeof(lut), &id))
		die("CreatePropertyBlob LUT");
	return id;
}

/* Night-light-like CTM: full red, less green, little blue, some mixing. */
static uint32_t ctm_blob(int fd)
{
	static const double m[9] = {
		0.9, 0.1, 0, 0, 0.8, 0.05, 0, 0.05, 0.5,
	};
	struct drm_color_ctm ctm;
	uint32_t id;
	int i;

	for (i = 0; i < 9; i++)
		ctm.matrix[i] = (uint64_t)(m[i] * 4294967296.0 + 0.5);
	if (drmModeCreatePropertyBlob(fd, &ctm, sizeof(ctm), &id))
		die("CreatePropertyBlob CTM");
	return id;
}

/*
 * 1024x768, primary and one ARGB overlay (half the mode's size), with the
 * colour pipeline and with the overlay scaled, each case its own figure.
 */
/*
 * KMS state outlives this process: leave the CRTC without colour transforms
 * for whoever uses the display next (Weston 10, for one, never sets them and
 * would show its frames through our LUTs).
 */
static void crtc_color_off(struct kms *k, uint32_t degamma_p, uint32_t ctm_p,
			   uint32_t gamma_p)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();

	drmModeAtomicAddProperty(req, k->crtc, degamma_p, 0);
	drmModeAtomicAddProperty(req, k->crtc, ctm_p, 0);
	drmModeAtomicAddProperty(req, k->crtc, gamma_p, 0);
	if (drmModeAtomicCommit(k->fd, req, 0, NULL))
		die("commit: colour properties off");
	drmModeAtomicFree(req);
}

static void compose_color_scaled(struct kms *k, int overlay, double period)
{
	static const struct {
		const char *name, *what;
		bool gamma, ctm, scaled;
	} cases[] = {
		{ "gamma", "GAMMA_LUT only", true, false, false },
		{ "color", "DEGAMMA_LUT, CTM and GAMMA_LUT", true, true, false },
		{ "scaled-overlay", "overlay 512x384 scaled to 1000x700",
		  false, false, true },
		{ "color+scaled-overlay",
		  "DEGAMMA_LUT, CTM, GAMMA_LUT and the overlay scaled to 1000x700",
		  true, true, true },
	};
	const drmModeModeInfo *mode = kms_mode(k, 1024, 768);
	int windows = bench_quick ? 1 : 5, order[2] = { 0, overlay };
	uint32_t degamma_p, ctm_p, gamma_p, degamma, gamma, ctm;
	struct fb fbs[2] = { 0 };
	unsigned int c;

	for (c = 0; c < (unsigned int)k->nplanes; c++)
		if (k->plane[c].type == DRM_PLANE_TYPE_PRIMARY)
			order[0] = c;
	degamma_p = prop_id(k->fd, k->crtc, DRM_MODE_OBJECT_CRTC, "DEGAMMA_LUT",
			    NULL);
	ctm_p = prop_id(k->fd, k->crtc, DRM_MODE_OBJECT_CRTC, "CTM", NULL);
	gamma_p = prop_id(k->fd, k->crtc, DRM_MODE_OBJECT_CRTC, "GAMMA_LUT",
			  NULL);
	degamma = lut_blob(k->fd, 2.2);
	gamma = lut_blob(k->fd, 1 / 2.2);
	ctm = ctm_blob(k->fd);

	dumb_fb(k->fd, &fbs[0], mode->hdisplay, mode->vdisplay,
		DRM_FORMAT_XRGB8888, 0);
	dumb_fb(k->fd, &fbs[1], mode->hdisplay / 2, mode->vdisplay / 2,
		DRM_FORMAT_ARGB8888, 1);
	kms_modeset(k, mode, order, 2, fbs);

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		drmModeAtomicReqPtr req = drmModeAtomicAlloc();
		uint64_t frames, behind;
		char name[64], text[256];
		struct stats st;
		double ms[16];
		long lines;

		drmModeAtomicAddProperty(req, k->crtc, degamma_p,
					 cases[c].ctm ? degamma : 0);
		drmModeAtomicAddProperty(req, k->crtc, ctm_p,
					 cases[c].ctm ? ctm : 0);
		drmModeAtomicAddProperty(req, k->crtc, gamma_p,
					 cases[c].gamma ? gamma : 0);
		add_plane(req, k, overlay, fbs[1].id, fbs[1].w, fbs[1].h, 12, 34,
			  cases[c].scaled ? 1000 : fbs[1].w,
			  cases[c].scaled ? 700 : fbs[1].h);
		if (drmModeAtomicCommit(k->fd, req, 0, NULL))
			die("commit %s", cases[c].name);
		drmModeAtomicFree(req);

		compose_measure(k, windows, bench_quick ? 300000 : 800000, ms,
				&frames, &behind, &lines);
		stats_of(ms, windows, &st);
		snprintf(name, sizeof(name), "compose.1024x768.%s",
			 cases[c].name);
		snprintf(text, sizeof(text),
			 "debugfs vprime_compose_stats avg_us per 0.8 s window, CRC on, XRGB primary and ARGB overlay, %s; %llu frames, %llu vblanks behind, %ld CRC lines",
			 cases[c].what, (unsigned long long)frames,
			 (unsigned long long)behind, lines);
		if (!frames)
			note("%s: the composer reported no frames", name);
		emit_figure(name, &st, "ms/frame", "vblank period",
			    period / 1e3, GOAL_MAX, 1.0, text);
	}

	crtc_color_off(k, degamma_p, ctm_p, gamma_p);
	fb_free(k->fd, &fbs[0]);
	fb_free(k->fd, &fbs[1]);
	drmModeDestroyPropertyBlob(k->fd, degamma);
	drmModeDestroyPropertyBlob(k->fd, gamma);
	drmModeDestroyPropertyBlob(k->fd, ctm);
}

int bench_compose(int argc, char **argv)
{
	static const int sizes[2][2] = { { 1024, 768 }, { 1920, 1080 } };
	static const int counts[3] = { 1, 2, 4 };
	int nsizes = bench_quick ? 1 : 2, ncounts = bench_quick ? 1 : 3;
	int windows = bench_quick ? 1 : 5;
	int order[MAX_PLANES], nplanes;
	double period_768 = 0;
	struct kms k;
	int s, c, i;

	kms_open(&k);
	nplanes = kms_plane_order(&k, order);

	for (s = 0; s < nsizes; s++) {
		const drmModeModeInfo *mode = kms_mode(&k, sizes[s][0], sizes[s][1]);
		double period = 0;

		for (c = 0; c < ncounts; c++) {
			int n = counts[c] < nplanes ? counts[c] : nplanes;
			struct fb fbs[MAX_PLANES] = { 0 };
			double ms[16];
			uint64_t frames = 0, behind = 0;
			struct stats st;
			char name[64], text[256];
			long lines;

			for (i = 0; i < n; i++) {
				uint32_t fw = i ? mode->hdisplay / 2 : mode->hdisplay;
				uint32_t fh = i ? mode->vdisplay / 2 : mode->vdisplay;

				if (k.plane[order[i]].type == DRM_PLANE_TYPE_CURSOR)
					fw = fh = 64;
				dumb_fb(k.fd, &fbs[i], fw, fh,
					i ? DRM_FORMAT_ARGB8888 : DRM_FORMAT_XRGB8888, i);
			}
			kms_modeset(&k, mode, order, n, fbs);
			if (!period)
				period = vblank_period_us(k.fd);
			if (!s)
				period_768 = period;
			compose_measure(&k, windows, bench_quick ? 300000 :
					s ? 1500000 : 800000, ms, &frames,
					&behind, &lines);
			stats_of(ms, windows, &st);
			snprintf(name, sizeof(name), "compose.%dx%d.%dplanes",
				 sizes[s][0], sizes[s][1], n);
			snprintf(text, sizeof(text),
				 "debugfs vprime_compose_stats avg_us per %s window, CRC on, ARGB overlays; %llu frames, %llu vblanks behind, %ld CRC lines",
				 s ? "1.5 s" : "0.8 s", (unsigned long long)frames,
				 (unsigned long long)behind, lines);
			if (!frames)
				note("%s: the composer reported no frames", name);
			emit_figure(name, &st, "ms/frame", "vblank period",
				    period / 1e3, s ? GOAL_NONE : GOAL_MAX, 1.0, text);
			emit_point(s ? "1920x1080" : "1024x768", "visible planes",
				   n, "ms/frame", &st);
			for (i = 0; i < n; i++)
				fb_free(k.fd, &fbs[i]);
		}
	}

	/* the overlay: the plane after the primary in zpos order */
	if (nplanes > 1 && k.plane[order[1]].type == DRM_PLANE_TYPE_OVERLAY)
		compose_color_scaled(&k, order[1], period_768);
	else
		note("compose: no overlay plane, no colour/scaling figures");
	close(k.fd);
	return 0;
}

/* ---- flip pipeline ---- */

struct flip_state {
	int done;
	unsigned int seq;
	uint64_t ts_ns;		/* the event's vblank timestamp */
	uint64_t recv_ns;	/* when userspace got it */
};

static void flip_handler(int fd, unsigned int seq, unsigned int sec,
			 unsigned int usec, unsigned int crtc, void *data)
{
	struct flip_state *f = data;

	f->done = 1;
	f->seq = seq;
	f->ts_ns = sec * 1000000000ull + usec * 1000ull;
	f->recv_ns = now_ns();
}

static uint64_t fence_signal_ns(int sync_fd)
{
	struct sync_fence_info info[4];
	struct sync_file_info fi;
	uint64_t last = 0;
	uint32_t i;

	memset(&fi, 0, sizeof(fi));
	memset(info, 0, sizeof(info));
	fi.num_fences = 4;
	fi.sync_fence_info = (uintptr_t)info;
	if (ioctl(sync_fd, SYNC_IOC_FILE_INFO, &fi))
		die("SYNC_IOC_FILE_INFO");
	if (fi.status != 1 || fi.num_fences < 1)
		return 0;
	for (i = 0; i < fi.num_fences && i < 4; i++)
		if (info[i].timestamp_ns > last)
			last = info[i].timestamp_ns;
	return last;
}

/*
 * What renders the frames of a flip run: three buffers of the renderer
 * imported into the display as @fb, and a render step that starts frame
 * @i into buffer i % 3 and returns a sync_file of its fence (the fence the
 * display finds in the buffer's reservation object).
 */
struct flip_src {
	const char *name;
	int fd;				/* the renderer's device */
	uint32_t bo[3], fb[3];
	int (*render)(struct flip_src *src, int i, uint32_t w, uint32_t h,
		      uint64_t duration);
	/* the anchor's CPU "GPU" */
	int dmabuf[3];
	uint32_t *map[3];
	uint64_t size;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int job, stop;			/* job: frame + 1, 0 when idle */
	uint32_t fence;
	uint64_t submitted, duration;
};

struct flip_result {
	int frames;
	double *lat, *stale, *job;
	long missed, late, early, ebusy, before, display_late;
	double period;
};

static void flip_src_init(struct flip_src *src, const char *name,
			  int (*render)(struct flip_src *, int, uint32_t,
					uint32_t, uint64_t),
			  const char *driver, bool render_node)
{
	memset(src, 0, sizeof(*src));
	src->name = name;
	src->render = render;
	src->fd = vprime_open_driver_node(driver, 0, render_node);
	if (src->fd < 0)
		die("no %s device", driver);
}

/* vprime: a vprime_gpu FILL job of @duration, its fence in the BO's resv */
static int flip_render_vprime(struct flip_src *src, int i, uint32_t w,
			      uint32_t h, uint64_t duration)
{
	/* a 64x64 square moving along a diagonal */
	struct drm_vprime_cmd cmd = {
		.op = VPRIME_CMD_FILL, .dst_handle = src->bo[i % 3],
		.dst_offset = ((uint64_t)(i * 4 % (h - 64)) * w +
			       i * 4 % (w - 64)) * 4,
		.dst_stride = w * 4, .width = 64, .height = 64,
		.value = 0xff000000 | (i * 0x010203),
	};
	struct drm_vprime_submit s = {
		.cmds = (uintptr_t)&cmd, .cmd_count = 1,
		.flags = VPRIME_SUBMIT_OUT_FENCE_FD,
		.duration_ns = duration,
	};

	if (ioctl(src->fd, DRM_IOCTL_VPRIME_SUBMIT, &s))
		die("SUBMIT");
	return s.out_fence_fd;
}

static void flip_src_vprime(struct flip_src *src, struct kms *k, uint32_t w,
			    uint32_t h)
{
	int i;

	flip_src_init(src, "vprime_gpu -> vprime_kms", flip_render_vprime,
		      "vprime_gpu", true);
	/* three GPU buffers, imported into the display through PRIME */
	for (i = 0; i < 3; i++) {
		uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
		int fd;

		src->bo[i] = bo_create(src->fd, true, (uint64_t)w * h * 4);
		fd = prime_export(src->fd, src->bo[i]);
		handles[0] = prime_import(k->fd, fd);
		close(fd);
		pitches[0] = w * 4;
		if (drmModeAddFB2(k->fd, w, h, DRM_FORMAT_XRGB8888, handles,
				  pitches, offsets, &src->fb[i], 0))
			die("AddFB2 of an imported GPU buffer");
	}
}

/*
 * The anchor: the same frame written by the CPU through vgem's mmap, with
 * a vgem fence attached before and signalled once the write is done and
 * @duration has passed since the frame started (the same "render time").
 */
static void *flip_anchor_thread(void *arg)
{
	struct flip_src *src = arg;

	pthread_mutex_lock(&src->lock);
	for (;;) {
		struct drm_vgem_fence_signal sig = { 0 };
		uint64_t end;
		uint32_t *p;
		int i, y, x, w;

		while (!src->job && !src->stop)
			pthread_cond_wait(&src->cond, &src->lock);
		if (src->stop)
			break;
		i = src->job - 1;
		sig.fence = src->fence;
		end = src->submitted + src->duration;
		pthread_mutex_unlock(&src->lock);

		w = 1024;
		p = src->map[i % 3] + (i * 4 % (768 - 64)) * w + i * 4 % (w - 64);
		for (y = 0; y < 64; y++)
			for (x = 0; x < 64; x++)
				p[y * w + x] = 0xff000000 | (i * 0x010203);
		while (now_ns() < end)
			usleep((end - now_ns()) / 1000 + 1);
		if (ioctl(src->fd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sig))
			die("VGEM_FENCE_SIGNAL");

		pthread_mutex_lock(&src->lock);
		src->job = 0;
		pthread_cond_broadcast(&src->cond);
	}
	pthread_mutex_unlock(&src->lock);
	return NULL;
}

static int flip_render_anchor(struct flip_src *src, int i, uint32_t w,
			      uint32_t h, uint64_t duration)
{
	struct drm_vgem_fence_attach att = {
		.handle = src->bo[i % 3], .flags = VGEM_FENCE_WRITE,
	};
	struct dma_buf_export_sync_file ex = { .flags = DMA_BUF_SYNC_RW };

	if (w != 1024 || h != 768)
		die("the anchor renders 1024x768 frames");
	pthread_mutex_lock(&src->lock);
	while (src->job)	/* the previous frame's flip has completed */
		pthread_cond_wait(&src->cond, &src->lock);
	pthread_mutex_unlock(&src->lock);
	src->submitted = now_ns();
	src->duration = duration;
	if (ioctl(src->fd, DRM_IOCTL_VGEM_FENCE_ATTACH, &att))
		die("VGEM_FENCE_ATTACH");
	if (ioctl(src->dmabuf[i % 3], DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &ex))
		die("DMA_BUF_IOCTL_EXPORT_SYNC_FILE");
	pthread_mutex_lock(&src->lock);
	src->fence = att.out_fence;
	src->job = i + 1;
	pthread_cond_broadcast(&src->cond);
	pthread_mutex_unlock(&src->lock);
	return ex.fd;
}

static void flip_src_anchor(struct flip_src *src, struct kms *k, uint32_t w,
			    uint32_t h)
{
	int i;

	flip_src_init(src, "vgem (CPU write + vgem fence) -> vkms",
		      flip_render_anchor, "vgem", false);
	for (i = 0; i < 3; i++) {
		struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = 32 };
		struct drm_mode_map_dumb m = { 0 };
		uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };

		if (ioctl(src->fd, DRM_IOCTL_MODE_CREATE_DUMB, &c))
			die("vgem CREATE_DUMB");
		src->bo[i] = c.handle;
		src->size = c.size;
		m.handle = c.handle;
		if (ioctl(src->fd, DRM_IOCTL_MODE_MAP_DUMB, &m))
			die("vgem MAP_DUMB");
		src->map[i] = mmap(NULL, c.size, PROT_READ | PROT_WRITE,
				   MAP_SHARED, src->fd, m.offset);
		if (src->map[i] == MAP_FAILED)
			die("mmap vgem BO");
		memset(src->map[i], 0, c.size);
		src->dmabuf[i] = prime_export(src->fd, c.handle);
		handles[0] = prime_import(k->fd, src->dmabuf[i]);
		pitches[0] = c.pitch;
		if (drmModeAddFB2(k->fd, w, h, DRM_FORMAT_XRGB8888, handles,
				  pitches, offsets, &src->fb[i], 0))
			die("AddFB2 of an imported vgem buffer");
	}
	pthread_mutex_init(&src->lock, NULL);
	pthread_cond_init(&src->cond, NULL);
	pthread_create(&src->thread, NULL, flip_anchor_thread, src);
}

static void flip_src_close(struct flip_src *src)
{
	int i;

	if (src->render == flip_render_anchor) {
		pthread_mutex_lock(&src->lock);
		src->stop = 1;
		pthread_cond_broadcast(&src->cond);
		pthread_mutex_unlock(&src->lock);
		pthread_join(src->thread, NULL);
	}
	for (i = 0; i < 3; i++) {
		if (src->map[i])
			munmap(src->map[i], src->size);
		if (src->dmabuf[i] > 0)
			close(src->dmabuf[i]);
		gem_close_handle(src->fd, src->bo[i]);
	}
	close(src->fd);
}

/*
 * @frames frames at @mode from @src: render, nonblocking atomic flip with
 * the implicit fence, wait for the flip event. CRC capture on if @crc_on.
 */
static void flip_run(struct kms *k, struct flip_src *src, int frames,
		     uint64_t duration, bool crc_on, struct flip_result *r)
{
	const drmModeModeInfo *mode = kms_mode(k, 1024, 768);
	struct fb fbs[MAX_PLANES] = { 0 };
	drmEventContext ev = {
		.version = 3, .page_flip_handler2 = flip_handler,
	};
	uint64_t first_ts = 0, last_ts = 0;
	unsigned int prev_seq = 0, first_seq = 0;
	int order[MAX_PLANES], i;
	struct crc_reader crc;

	memset(r, 0, sizeof(*r));
	r->frames = frames;
	kms_plane_order(k, order);
	fbs[0].id = src->fb[0];
	fbs[0].w = mode->hdisplay;
	fbs[0].h = mode->vdisplay;
	kms_modeset(k, mode, order, 1, fbs);
	if (crc_on)
		crc_start(k, &crc);

	r->lat = calloc(frames, sizeof(*r->lat));
	r->stale = calloc(frames, sizeof(*r->stale));
	r->job = calloc(frames, sizeof(*r->job));
	for (i = 0; i < frames; i++) {
		uint64_t submitted = now_ns();
		struct flip_state f = { 0 };
		drmModeAtomicReqPtr req;
		uint64_t sig;
		int ret, fence;

		fence = src->render(src, i, mode->hdisplay, mode->vdisplay,
				    duration);
		req = drmModeAtomicAlloc();
		drmModeAtomicAddProperty(req, k->plane[order[0]].id,
					 k->plane[order[0]].fb_id, src->fb[i % 3]);
		while ((ret = drmModeAtomicCommit(k->fd, req,
						  DRM_MODE_ATOMIC_NONBLOCK |
						  DRM_MODE_PAGE_FLIP_EVENT, &f)) &&
		       errno == EBUSY) {
			r->ebusy++;
			usleep(1000);
		}
		if (ret)
			die("nonblocking flip %d on %s", i, src->name);
		drmModeAtomicFree(req);
		while (!f.done) {
			struct pollfd pfd = { .fd = k->fd, .events = POLLIN };

			if (poll(&pfd, 1, 10000) <= 0)
				die("no flip event for frame %d on %s", i, src->name);
			drmHandleEvent(k->fd, &ev);
		}
		sig = fence_signal_ns(fence);
		close(fence);
		if (!sig)
			die("the fence of frame %d has not signalled at its flip (%s)",
			    i, src->name);
		r->lat[i] = ((double)f.ts_ns - (double)sig) / 1e3;
		r->job[i] = ((double)sig - (double)submitted) / 1e3;
		if (r->lat[i] < 0)
			r->early++;
		if (f.recv_ns < sig)
			r->before++;	/* scanned out before its fence: broken */
		r->stale[i] = ((double)f.recv_ns - (double)f.ts_ns) / 1e3;
		if (r->lat[i] > 100000 || r->lat[i] < 0)
			note("%s frame %d: seq %u, fence->event timestamp %.0f us, event timestamp->receipt %.0f us",
			     src->name, i, f.seq, r->lat[i], r->stale[i]);
		if (i) {
			r->missed += f.seq - prev_seq - 1;
		} else {
			first_seq = f.seq;
			first_ts = f.ts_ns;
		}
		prev_seq = f.seq;
		last_ts = f.ts_ns;
	}
	if (crc_on)
		crc_stop(&crc);

	r->period = frames > 1 && prev_seq != first_seq ?
		    (last_ts - first_ts) / 1e3 / (prev_seq - first_seq) : 1e6 / 60;
	for (i = 0; i < frames; i++) {
		if (r->lat[i] > r->period)
			r->late++;
		if (r->lat[i] > 0)
			r->display_late += (long)(r->lat[i] / r->period);
	}
}

static void flip_result_free(struct flip_result *r)
{
	free(r->lat);
	free(r->stale);
	free(r->job);
}

static int flip_describe(char *buf, size_t size, const struct flip_result *r)
{
	return snprintf(buf, size,
			"%ld vblanks passed with the fence already signalled (display-side); job submit->signal median %.1f ms p99 %.1f ms; %ld flips more than a period after their fence, %ld flip event timestamps before their fence signalled (%ld events received before it), event timestamp->receipt median %.0f us, %ld EBUSY retries",
			r->display_late, percentile(r->job, r->frames, 50) / 1e3,
			percentile(r->job, r->frames, 99) / 1e3, r->late, r->early,
			r->before, percentile(r->stale, r->frames, 50), r->ebusy);
}

/*
 * The anchor's run on vkms + vgem, when both are loaded; false (with
 * @why) when they are not. vkms is a measurement peer (bench/build-peers).
 */
static bool flip_anchor(int frames, uint64_t duration, struct flip_result *r,
			const char **why)
{
	struct flip_src src;
	struct kms k;
	int vgem;

	vgem = vprime_open_driver_node("vgem", 0, false);
	if (vgem < 0) {
		*why = "vgem not loaded";
		return false;
	}
	close(vgem);
	if (!kms_open_driver(&k, "vkms")) {
		*why = "vkms not loaded (bench/build-peers, run-bench)";
		return false;
	}
	flip_src_anchor(&src, &k, 1024, 768);
	flip_run(&k, &src, frames, duration, true, r);
	flip_src_close(&src);
	close(k.fd);	/* the framebuffers and the mode go with the file */
	return true;
}

int bench_flip(int argc, char **argv)
{
	int frames = bench_quick ? 10 : 600;
	uint64_t duration = 8000000;
	struct flip_result r, a = { 0 };
	struct stats st, pst;
	struct flip_src src;
	struct peer peer = { .name = "vkms+vgem" };
	bool crc_on = !(argc > 1 && !strcmp(argv[1], "nocrc"));
	const char *pfx = crc_on ? "flip" : "flip.nocrc";
	bool anchored = false;
	char text[2048], name[64];
	struct kms k;
	int n;

	kms_open(&k);
	flip_src_vprime(&src, &k, 1024, 768);
	stats_reset(&k);
	flip_run(&k, &src, frames, duration, crc_on, &r);
	n = snprintf(text, sizeof(text),
		     "%d frames at 1024x768, each: a GPU job (64x64 FILL, duration %llu ms) into one of 3 GPU BOs imported by the display, then a nonblocking atomic flip with its implicit fence, wait for the event; CRC %s. Missed = vblanks between consecutive flips minus 1, summed; of those ",
		     frames, (unsigned long long)(duration / 1000000),
		     crc_on ? "on (the composer runs every vblank)" : "off (no composition)");
	n += flip_describe(text + n, sizeof(text) - n, &r);
	n += snprintf(text + n, sizeof(text) - n, ", %llu composer vblanks behind",
		      (unsigned long long)stats_key(&k, "vblanks_behind"));
	flip_src_close(&src);
	close(k.fd);	/* the framebuffers and the mode go with the file */

	/* the anchor, side by side: only for the composed (CRC on) pipeline */
	if (crc_on) {
		anchored = flip_anchor(frames, duration, &a, &peer.missing);
		if (anchored) {
			n += snprintf(text + n, sizeof(text) - n,
				      ". Peer (same run): the same %d frames on vkms, each a 64x64 CPU write into one of 3 vgem BOs through mmap with a vgem write fence attached first and signalled %llu ms after the frame started, imported into vkms; of its misses ",
				      frames, (unsigned long long)(duration / 1000000));
			flip_describe(text + n, sizeof(text) - n, &a);
		} else {
			note("flip: no peer: %s", peer.missing);
		}
	}

	snprintf(name, sizeof(name), "%s.missed_vblanks", pfx);
	st = (struct stats){ .median = r.missed, .p25 = r.missed, .p75 = r.missed,
			     .min = r.missed, .max = r.missed, .runs = 1 };
	pst = (struct stats){ .median = a.missed, .p25 = a.missed, .p75 = a.missed,
			      .min = a.missed, .max = a.missed, .runs = 1 };
	peer.s = anchored ? &pst : NULL;
	peer.goal_ratio = 1.0;
	if (crc_on)
		emit_figure_peer(name, &st, "vblanks", "frames", frames,
				 GOAL_MAX, 0.005, &peer, text);
	else
		emit_value(name, r.missed, "vblanks", "frames", frames,
			   1, GOAL_MAX, 0, text);

	stats_of(r.lat, frames, &st);
	if (anchored)
		stats_of(a.lat, frames, &pst);
	peer.goal_ratio = 0;
	snprintf(name, sizeof(name), "%s.latency.p50", pfx);
	emit_figure_peer(name, &st, "us", "vblank period", r.period,
			 GOAL_NONE, 0, crc_on ? &peer : NULL,
			 "flip event timestamp - fence signal timestamp (sync_file info), spread = IQR/min/max over the frames");
	st.median = percentile(r.lat, frames, 99);
	pst.median = anchored ? percentile(a.lat, frames, 99) : 0;
	peer.goal_ratio = 1.0;
	snprintf(name, sizeof(name), "%s.latency.p99", pfx);
	emit_figure_peer(name, &st, "us", "vblank period", r.period,
			 GOAL_MAX, 1.0, crc_on ? &peer : NULL,
			 "99th percentile of flip event - fence signal");
	flip_result_free(&r);
	if (anchored)
		flip_result_free(&a);
	return 0;
}

/* ---- hold: keep a mode set while a command runs ---- */

int bench_hold(int argc, char **argv)
{
	const drmModeModeInfo *mode;
	struct fb fbs[MAX_PLANES] = { 0 };
	int order[MAX_PLANES], status;
	struct kms k;
	pid_t pid;

	if (argc < 2)
		die("usage: hold COMMAND...");
	kms_open(&k);
	kms_plane_order(&k, order);
	mode = kms_mode(&k, 1024, 768);
	dumb_fb(k.fd, &fbs[0], mode->hdisplay, mode->vdisplay,
		DRM_FORMAT_XRGB8888, 0);
	kms_modeset(&k, mode, order, 1, fbs);

	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		close(k.fd);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	fb_free(k.fd, &fbs[0]);
	close(k.fd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- composition side by side with vkms, and against memcpy ---- */

/*
 * Composition time per frame measured the same way on every driver: the
 * duration of the composer's work item, from the workqueue tracepoints
 * (workqueue_execute_start/end) in a tracefs instance of our own.
 */
struct wq_trace {
	char dir[256];
};

static void trace_write(const struct wq_trace *t, const char *file,
			const char *val)
{
	char path[400];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", t->dir, file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		die("write %s to %s", val, path);
	close(fd);
}

static void trace_open(struct wq_trace *t)
{
	static const char *const roots[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[64];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/instances", roots[i]);
		if (!access(path, F_OK))
			break;
	}
	if (i == 2)
		die("no tracefs instances directory");
	snprintf(t->dir, sizeof(t->dir), "%s/vprime-bench", path);
	if (mkdir(t->dir, 0755) && errno != EEXIST)
		die("mkdir %s", t->dir);
	trace_write(t, "buffer_size_kb", "4096");
	trace_write(t, "events/workqueue/workqueue_execute_start/enable", "1");
	trace_write(t, "events/workqueue/workqueue_execute_end/enable", "1");
	trace_write(t, "tracing_on", "0");
}

static void trace_close(struct wq_trace *t)
{
	trace_write(t, "events/workqueue/workqueue_execute_start/enable", "0");
	trace_write(t, "events/workqueue/workqueue_execute_end/enable", "0");
	if (rmdir(t->dir))
		note("rmdir %s: %s", t->dir, strerror(errno));
}

static void trace_begin(struct wq_trace *t)
{
	trace_write(t, "trace", "");
	trace_write(t, "tracing_on", "1");
}

/*
 * The number of @func work items that ran since trace_begin(), their mean
 * duration in *@mean_ms (tracing goes on).
 */
static int trace_read(struct wq_trace *t, const char *func, double *mean_ms)
{
	char path[300], line[512];
	double start = -1, sum = 0;
	unsigned long long work = 0;
	size_t flen = strlen(func);
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace", t->dir);
	f = fopen(path, "r");
	if (!f)
		die("%s", path);
	while (fgets(line, sizeof(line), f)) {
		char *ev = strstr(line, ": workqueue_execute_"), *ts, *fn, *w;
		unsigned long long wk;
		double when;

		if (!ev)
			continue;
		*ev = 0;
		ts = strrchr(line, ' ');
		fn = strstr(ev + 1, "function ");
		w = strstr(ev + 1, "work struct ");
		if (!ts || !fn || !w || strncmp(fn + 9, func, flen) ||
		    (fn[9 + flen] != ' ' && fn[9 + flen] != '\n'))
			continue;
		when = strtod(ts + 1, NULL);
		wk = strtoull(w + 12, NULL, 16);
		if (!strncmp(ev + strlen(": workqueue_execute_"), "start", 5)) {
			start = when;
			work = wk;
		} else if (start >= 0 && wk == work) {
			sum += when - start;
			n++;
			start = -1;
		}
	}
	fclose(f);
	*mean_ms = n ? sum * 1e3 / n : 0;
	return n;
}

/* One display under test: its device, planes and composer's work item. */
struct compose_dev {
	struct kms k;
	const char *worker;
	bool own_stats;		/* has debugfs vprime_compose_stats */
	double stats_ms;	/* sum of its avg_us per window, in ms */
	int order[MAX_PLANES], nplanes;
	struct fb fbs[MAX_PLANES];
};

static void compose_setup(struct compose_dev *d, const drmModeModeInfo *mode,
			  int n)
{
	int i;

	for (i = 0; i < n; i++) {
		uint32_t fw = i ? mode->hdisplay / 2 : mode->hdisplay;
		uint32_t fh = i ? mode->vdisplay / 2 : mode->vdisplay;

		dumb_fb(d->k.fd, &d->fbs[i], fw, fh,
			i ? DRM_FORMAT_ARGB8888 : DRM_FORMAT_XRGB8888, i);
	}
	kms_modeset(&d->k, mode, d->order, n, d->fbs);
}

/*
 * One window with the CRC (so the composer) on; mean ms per frame. The
 * window lasts @us, longer (up to 10 s) until 3 compositions completed in
 * it: a slow composer may take more than a window per frame.
 */
static double compose_window(struct compose_dev *d, struct wq_trace *t,
			     uint64_t us, int *frames)
{
	uint64_t t0, want = bench_quick ? 1 : 3;
	struct crc_reader crc;
	double ms;

	crc_start(&d->k, &crc);
	usleep(200000);	/* let the composer settle */
	if (d->own_stats)
		stats_reset(&d->k);
	trace_begin(t);
	t0 = now_ns();
	usleep(us);
	while ((uint64_t)(*frames = trace_read(t, d->worker, &ms)) < want &&
	       now_ns() - t0 < 10000000000ull)
		usleep(100000);
	trace_write(t, "tracing_on", "0");
	/* vprime_kms's own timing of the same frames, as a cross-check */
	if (d->own_stats)
		d->stats_ms += stats_key(&d->k, "avg_us") / 1e3;
	crc_stop(&crc);
	return ms;
}

int bench_compose_peer(int argc, char **argv)
{
	static const int sizes[2][2] = { { 1024, 768 }, { 1920, 1080 } };
	static const int counts[3] = { 1, 2, 4 };
	int nsizes = bench_quick ? 1 : 2, ncounts = bench_quick ? 1 : 3;
	int windows = bench_quick ? 1 : 4;
	uint64_t window_us = bench_quick ? 300000 : 1000000;
	struct compose_dev dev[2] = {
		{ .worker = "vprime_composer_work", .own_stats = true },
		{ .worker = "vkms_composer_worker" },
	};
	const char *missing = NULL;
	struct wq_trace t;
	bool have_peer;
	int s, c, w, i;

	kms_open(&dev[0].k);
	have_peer = kms_open_driver(&dev[1].k, "vkms");
	if (!have_peer) {
		missing = "vkms not loaded (bench/build-peers, run-bench)";
		note("compose-peer: no peer: %s", missing);
	}
	for (i = 0; i < 1 + have_peer; i++)
		dev[i].nplanes = kms_plane_order(&dev[i].k, dev[i].order);
	trace_open(&t);

	for (s = 0; s < nsizes; s++) {
		for (c = 0; c < ncounts; c++) {
			int n = counts[c], frames[2] = { 0, 0 }, nw[2] = { 0, 0 };
			double ms[2][8], cp[8];
			uint64_t bytes = (uint64_t)sizes[s][0] * sizes[s][1] * 4;
			uint64_t planes = bytes + (n - 1) * (bytes / 4), copy;
			struct stats st[2], cst;
			struct peer peer = {
				.name = "vkms", .missing = missing,
				.goal_ratio = 0.5,
			};
			char name[64], text[768];
			void *src, *dst;
			int d, ok = 1;

			for (d = 0; d < 1 + have_peer; d++) {
				if (dev[d].nplanes < n) {
					note("%s has %d planes, not %d",
					     dev[d].worker, dev[d].nplanes, n);
					ok = 0;
				}
			}
			if (!ok || dev[0].nplanes < n)
				continue;
			for (d = 0; d < 1 + have_peer; d++)
				compose_setup(&dev[d], kms_mode(&dev[d].k, sizes[s][0],
								sizes[s][1]), n);
			/*
			 * The bytes a composition must touch: every visible
			 * plane read once, the output written once. A memcpy
			 * of half their sum moves as many bytes (it reads and
			 * writes each); with one plane it is exactly a copy
			 * of the plane into the output.
			 */
			copy = (planes + bytes) / 2;
			src = malloc(copy);
			dst = malloc(copy);
			if (!src || !dst)
				die("malloc %llu", (unsigned long long)copy);
			memset(src, 0x5a, copy);
			memset(dst, 0, copy);
			dev[0].stats_ms = 0;
			/* alternate the devices window by window, same load */
			for (w = 0; w < windows; w++) {
				int f;

				for (d = 0; d < 1 + have_peer; d++) {
					double v = compose_window(&dev[d], &t,
								  window_us, &f);

					frames[d] += f;
					if (f)
						ms[d][nw[d]++] = v;
					else
						note("%s: no composition completed in 10 s",
						     dev[d].worker);
				}
				cp[w] = best_memcpy_us(dst, src, copy, NULL) / 1e3;
			}
			free(src);
			free(dst);
			for (d = 0; d < 1 + have_peer; d++) {
				stats_of(ms[d], nw[d], &st[d]);
				for (i = 0; i < n; i++)
					fb_free(dev[d].k.fd, &dev[d].fbs[i]);
			}
			stats_of(cp, windows, &cst);
			snprintf(name, sizeof(name), "compose-peer.%dx%d.%dplanes",
				 sizes[s][0], sizes[s][1], n);
			peer.s = have_peer && nw[1] ? &st[1] : NULL;
			if (have_peer && !nw[1])
				peer.missing = "vkms completed no composition in 10 s windows";
			if (!nw[0])
				die("%s: vprime_kms composed nothing", name);
			snprintf(text, sizeof(text),
				 "mean duration of the composer's work item (workqueue_execute_start/end tracepoints: %s for vprime_kms, %s for vkms) per window of %.1f s (longer, up to 10 s, until 3 compositions completed), CRC on, windows alternating between the two devices (vprime's own debugfs avg_us over the same windows: %.2f ms); primary XRGB8888 full screen, %d ARGB8888 half-screen overlays, staggered; %d vprime frames, %d vkms frames. Reference: the guest's memcpy (best of glibc and rep movsb) of %llu bytes, i.e. the %llu bytes of the visible planes read once plus the %llu-byte output written once",
				 dev[0].worker, dev[1].worker, window_us / 1e6,
				 dev[0].stats_ms / windows, n - 1,
				 frames[0], frames[1], (unsigned long long)copy,
				 (unsigned long long)planes, (unsigned long long)bytes);
			emit_figure_peer(name, &st[0], "ms/frame",
					 "memcpy of the bytes touched", cst.median,
					 GOAL_MAX, 2.0, &peer, text);
			emit_point("vprime_kms", "configuration (mode x planes)",
				   s * 3 + c + 1, "ms/frame", &st[0]);
			if (have_peer)
				emit_point("vkms", "configuration (mode x planes)",
					   s * 3 + c + 1, "ms/frame", &st[1]);
			emit_point("memcpy of the bytes touched",
				   "configuration (mode x planes)", s * 3 + c + 1,
				   "ms/frame", &cst);
		}
	}
	trace_close(&t);
	close(dev[0].k.fd);
	if (have_peer)
		close(dev[1].k.fd);
	return 0;
}
