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
#include <sys/wait.h>
#include <unistd.h>

#include <math.h>
#include <stdbool.h>

#include <linux/sync_file.h>
#include <drm.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "drm/vprime_drm.h"
#include "common.h"

#define MAX_PLANES 16

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
	drmModeObjectPropertiesPtr props;
	uint32_t id = 0;
	uint32_t i;

	props = drmModeObjectGetProperties(fd, obj, type);
	if (!props)
		die("GetProperties %u", obj);
	for (i = 0; i < props->count_props && !id; i++) {
		drmModePropertyPtr p = drmModeGetProperty(fd, props->props[i]);

		if (p && !strcmp(p->name, name)) {
			id = p->prop_id;
			if (value)
				*value = props->prop_values[i];
		}
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	if (!id)
		die("no property %s on object %u", name, obj);
	return id;
}

static void kms_open(struct kms *k)
{
	static const char *const src[] = { "SRC_X", "SRC_Y", "SRC_W", "SRC_H" };
	static const char *const dst[] = { "CRTC_X", "CRTC_Y", "CRTC_W", "CRTC_H" };
	drmModePlaneResPtr pres;
	drmModeConnectorPtr c;
	drmModeResPtr res;
	uint32_t i;
	int j;

	memset(k, 0, sizeof(*k));
	k->fd = open_driver("vprime_kms", false);
	if (k->fd < 0)
		die("no vprime_kms device");
	if (drmSetClientCap(k->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) ||
	    drmSetClientCap(k->fd, DRM_CLIENT_CAP_ATOMIC, 1))
		die("atomic client caps");
	debugfs_dir(k->fd, k->debugfs, sizeof(k->debugfs));

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
	char path[192], line[128];
	uint64_t v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/vprime_compose_stats", k->debugfs);
	f = fopen(path, "r");
	if (!f)
		die("%s", path);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = strtoull(line + strlen(key) + 1, NULL, 10);
	fclose(f);
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

	memset(&fi, 0, sizeof(fi));
	memset(info, 0, sizeof(info));
	fi.num_fences = 4;
	fi.sync_fence_info = (uintptr_t)info;
	if (ioctl(sync_fd, SYNC_IOC_FILE_INFO, &fi))
		die("SYNC_IOC_FILE_INFO");
	if (fi.status != 1 || fi.num_fences < 1)
		return 0;
	return info[0].timestamp_ns;
}

int bench_flip(int argc, char **argv)
{
	int frames = bench_quick ? 10 : 600;
	uint64_t duration = 8000000;
	const drmModeModeInfo *mode;
	struct kms k;
	int gpu, order[MAX_PLANES], i;
	uint32_t gh[3], kh[3], fb[3];
	struct fb fbs[MAX_PLANES] = { 0 };
	struct crc_reader crc;
	double *lat;
	long missed = 0, late = 0, early = 0, ebusy = 0, before = 0;
	double *stale, *job;
	long display_late = 0;
	unsigned int prev_seq = 0;
	uint64_t first_ts = 0, last_ts = 0;
	unsigned int first_seq = 0;
	drmEventContext ev = {
		.version = 3, .page_flip_handler2 = flip_handler,
	};
	struct stats st;
	double period, p50, p99;
	char text[1024];
	uint32_t w, h;
	bool crc_on = !(argc > 1 && !strcmp(argv[1], "nocrc"));
	const char *pfx = crc_on ? "flip" : "flip.nocrc";
	char name[64];

	kms_open(&k);
	kms_plane_order(&k, order);
	mode = kms_mode(&k, 1024, 768);
	w = mode->hdisplay;
	h = mode->vdisplay;
	gpu = open_driver("vprime_gpu", true);
	if (gpu < 0)
		die("no vprime_gpu device");

	/* three GPU buffers, imported into the display through PRIME */
	for (i = 0; i < 3; i++) {
		uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
		int fd;

		gh[i] = bo_create(gpu, true, (uint64_t)w * h * 4);
		fd = prime_export(gpu, gh[i]);
		kh[i] = prime_import(k.fd, fd);
		close(fd);
		handles[0] = kh[i];
		pitches[0] = w * 4;
		if (drmModeAddFB2(k.fd, w, h, DRM_FORMAT_XRGB8888, handles,
				  pitches, offsets, &fb[i], 0))
			die("AddFB2 of an imported GPU buffer");
	}
	fbs[0].id = fb[0];
	fbs[0].w = w;
	fbs[0].h = h;
	kms_modeset(&k, mode, order, 1, fbs);
	if (crc_on)
		crc_start(&k, &crc);
	stats_reset(&k);

	lat = calloc(frames, sizeof(*lat));
	stale = calloc(frames, sizeof(*stale));
	job = calloc(frames, sizeof(*job));
	for (i = 0; i < frames; i++) {
		/* a 64x64 square moving along a diagonal, 8 ms of "GPU" time */
		struct drm_vprime_cmd cmd = {
			.op = VPRIME_CMD_FILL, .dst_handle = gh[i % 3],
			.dst_offset = ((uint64_t)(i * 4 % (h - 64)) * w +
				       i * 4 % (w - 64)) * 4,
			.dst_stride = w * 4, .width = 64, .height = 64,
			.value = 0xff000000 | (i * 0x010203),
		};
		uint64_t submitted = now_ns();
		struct drm_vprime_submit s = {
			.cmds = (uintptr_t)&cmd, .cmd_count = 1,
			.flags = VPRIME_SUBMIT_OUT_FENCE_FD,
			.duration_ns = duration,
		};
		struct flip_state f = { 0 };
		drmModeAtomicReqPtr req;
		uint64_t sig;
		int ret;

		if (ioctl(gpu, DRM_IOCTL_VPRIME_SUBMIT, &s))
			die("SUBMIT");
		req = drmModeAtomicAlloc();
		drmModeAtomicAddProperty(req, k.plane[order[0]].id,
					 k.plane[order[0]].fb_id, fb[i % 3]);
		while ((ret = drmModeAtomicCommit(k.fd, req,
						  DRM_MODE_ATOMIC_NONBLOCK |
						  DRM_MODE_PAGE_FLIP_EVENT, &f)) &&
		       errno == EBUSY) {
			ebusy++;
			usleep(1000);
		}
		if (ret)
			die("nonblocking flip %d", i);
		drmModeAtomicFree(req);
		while (!f.done) {
			struct pollfd pfd = { .fd = k.fd, .events = POLLIN };

			if (poll(&pfd, 1, 10000) <= 0)
				die("no flip event for frame %d", i);
			drmHandleEvent(k.fd, &ev);
		}
		sig = fence_signal_ns(s.out_fence_fd);
		close(s.out_fence_fd);
		if (!sig)
			die("the job's fence of frame %d has not signalled at its flip", i);
		lat[i] = ((double)f.ts_ns - (double)sig) / 1e3;
		job[i] = ((double)sig - (double)submitted) / 1e3;
		if (lat[i] < 0)
			early++;
		if (f.recv_ns < sig)
			before++;	/* scanned out before its fence: broken */
		stale[i] = ((double)f.recv_ns - (double)f.ts_ns) / 1e3;
		if (lat[i] > 100000 || lat[i] < 0)
			note("frame %d: seq %u, fence->event timestamp %.0f us, event timestamp->receipt %.0f us",
			     i, f.seq, lat[i], stale[i]);
		if (i) {
			missed += f.seq - prev_seq - 1;
		} else {
			first_seq = f.seq;
			first_ts = f.ts_ns;
		}
		prev_seq = f.seq;
		last_ts = f.ts_ns;
	}
	if (crc_on)
		crc_stop(&crc);

	period = frames > 1 && prev_seq != first_seq ?
		 (last_ts - first_ts) / 1e3 / (prev_seq - first_seq) : 1e6 / 60;
	for (i = 0; i < frames; i++) {
		if (lat[i] > period)
			late++;
		if (lat[i] > 0)
			display_late += (long)(lat[i] / period);
	}
	stats_of(lat, frames, &st);
	p50 = st.median;
	p99 = percentile(lat, frames, 99);
	snprintf(text, sizeof(text),
		 "%d frames at 1024x768, each: a GPU job (64x64 FILL, duration %llu ms) into one of 3 GPU BOs imported by the display, then a nonblocking atomic flip with its implicit fence, wait for the event; CRC %s. Missed = vblanks between consecutive flips minus 1, summed; of those %ld vblanks passed with the fence already signalled (display-side); job submit->signal median %.1f ms p99 %.1f ms; %ld flips more than a period after their fence, %ld flip event timestamps before their fence signalled (%ld events received before it), event timestamp->receipt median %.0f us, %ld EBUSY retries, %llu composer vblanks behind",
		 frames, (unsigned long long)(duration / 1000000),
		 crc_on ? "on (the composer runs every vblank)" : "off (no composition)",
		 display_late,
		 percentile(job, frames, 50) / 1e3, percentile(job, frames, 99) / 1e3,
		 late, early,
		 before, percentile(stale, frames, 50), ebusy,
		 (unsigned long long)stats_key(&k, "vblanks_behind"));
	snprintf(name, sizeof(name), "%s.missed_vblanks", pfx);
	emit_value(name, missed, "vblanks", "frames", frames,
		   1, GOAL_MAX, 0, text);
	st.median = p50;
	snprintf(name, sizeof(name), "%s.latency.p50", pfx);
	emit_figure(name, &st, "us", "vblank period", period,
		    GOAL_NONE, 0, "flip event timestamp - fence signal timestamp (sync_file info), spread = IQR/min/max over the frames");
	st.median = p99;
	snprintf(name, sizeof(name), "%s.latency.p99", pfx);
	emit_figure(name, &st, "us", "vblank period", period,
		    GOAL_MAX, 1.0, "99th percentile of flip event - fence signal");
	free(lat);
	free(stale);
	free(job);

	for (i = 0; i < 3; i++)
		gem_close_handle(gpu, gh[i]);
	close(gpu);
	close(k.fd);	/* the framebuffers and the mode go with the file */
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
