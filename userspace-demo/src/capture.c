// SPDX-License-Identifier: MIT
/*
 * Captures. With the writeback source, a few dumb buffers on the display
 * serve as capture targets: the frame loop puts a free one into a flip's
 * writeback job and polls the job's out-fence; once it signals, the buffer
 * goes to a worker thread. With the readback source, the frame loop copies
 * the GPU buffer of a frame into a capture buffer once the display released
 * it, and queues it at once.
 *
 * The worker renders the expected frame on the CPU from the same command
 * list, compares it with the capture, writes the capture as a PNG (and the
 * expected image too on a mismatch) and frees the buffer again. It keeps
 * PNG encoding off the frame loop and measures its own CPU time so that
 * the pipeline's CPU cost can be reported without it.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <png.h>

#include "demo.h"

enum slot_state {
	SLOT_FREE,
	SLOT_IN_FLIGHT,		/* reserved: in a commit, or awaiting release */
	SLOT_QUEUED,		/* captured, waiting for or in the worker */
};

struct capture_slot {
	uint32_t handle;
	uint32_t fb_id;
	uint32_t stride;
	uint64_t size;
	void *map;
	int fence;
	unsigned int frame;
	unsigned int ncmds;
	struct drm_vprime_cmd cmds[RENDER_MAX_CMDS];
	enum slot_state state;	/* under capture.lock */
};

struct capture {
	struct display *d;
	enum capture_source src;
	char out_dir[512];
	char prefix[32];
	unsigned int nslots;
	struct capture_slot slots[DEMO_MAX_CAPTURE_BUFS];

	pthread_t worker;
	bool worker_started;
	/* lock protects: slots[].state, queue, qlen, stop, results, nresults */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int queue[DEMO_MAX_CAPTURE_BUFS];
	unsigned int qlen;
	bool stop;
	struct capture_result *results;
	unsigned int nresults;
	unsigned int results_cap;
	double worker_cpu_s;	/* written by the worker before it exits */
};

static double thread_cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Encode the image; libpng errors longjmp back here. */
static int png_encode(png_structp png, png_infop info, FILE *f, uint8_t *row,
		      const uint32_t *pixels, uint32_t stride, uint32_t width,
		      uint32_t height)
{
	const uint32_t *src;
	uint32_t x, y;

	if (setjmp(png_jmpbuf(png)))
		return -1;
	png_init_io(png, f);
	png_set_compression_level(png, 1);
	/* one cheap filter instead of libpng's per-row search of all five */
	png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
	png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
		     PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (y = 0; y < height; y++) {
		src = (const uint32_t *)((const char *)pixels +
					 (size_t)y * stride);
		for (x = 0; x < width; x++) {
			row[x * 3 + 0] = (uint8_t)(src[x] >> 16);
			row[x * 3 + 1] = (uint8_t)(src[x] >> 8);
			row[x * 3 + 2] = (uint8_t)src[x];
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	return 0;
}

/* Write an XRGB8888 image as an 8-bit RGB PNG. */
static int write_png(const char *path, const uint32_t *pixels,
		     uint32_t stride, uint32_t width, uint32_t height)
{
	png_structp png;
	png_infop info = NULL;
	uint8_t *row;
	FILE *f;
	int ret = -1;

	f = fopen(path, "wb");
	if (!f) {
		demo_err(errno, "fopen(%s)", path);
		return -1;
	}
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (png)
		info = png_create_info_struct(png);
	row = malloc((size_t)width * 3);
	if (!png || !info || !row)
		demo_msg("%s: out of memory for the PNG encoder", path);
	else if (png_encode(png, info, f, row, pixels, stride, width, height))
		demo_msg("%s: libpng failed", path);
	else
		ret = 0;
	png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
	free(row);
	if (fclose(f) && !ret) {
		demo_err(errno, "fclose(%s)", path);
		ret = -1;
	}
	return ret;
}

static void add_result(struct capture *c, unsigned int frame, uint64_t diff)
{
	struct capture_result *tmp;

	if (c->nresults == c->results_cap) {
		c->results_cap = c->results_cap ? c->results_cap * 2 : 32;
		tmp = realloc(c->results, c->results_cap * sizeof(*tmp));
		if (!tmp) {
			demo_msg("out of memory for capture results");
			return;
		}
		c->results = tmp;
	}
	c->results[c->nresults].frame = frame;
	c->results[c->nresults].diff_pixels = diff;
	c->nresults++;
}

/* Check one capture against the CPU render and save it. Worker only. */
static uint64_t check_slot(struct capture *c, struct capture_slot *s)
{
	const struct drm_vprime_cmd *full = &s->cmds[0];
	uint32_t w = c->d->mode.hdisplay, h = c->d->mode.vdisplay;
	uint32_t ref_stride = full->dst_stride;
	uint32_t *ref;
	uint64_t diff;
	char path[700];

	ref = calloc((size_t)h, ref_stride);
	if (!ref) {
		demo_msg("frame %u: no memory for the reference image",
			 s->frame);
		return UINT64_MAX;
	}
	render_cpu(s->cmds, s->ncmds, ref);
	diff = render_compare(s->map, s->stride, ref, ref_stride, w, h);

	snprintf(path, sizeof(path), "%s/%s%s-%05u.png", c->out_dir,
		 c->prefix, c->src == CAPTURE_WRITEBACK ? "capture" : "readback",
		 s->frame);
	if (write_png(path, s->map, s->stride, w, h))
		demo_msg("frame %u: capture not saved", s->frame);
	if (diff) {
		snprintf(path, sizeof(path), "%s/%sexpected-%05u.png",
			 c->out_dir, c->prefix, s->frame);
		write_png(path, ref, ref_stride, w, h);
		demo_msg("frame %u: capture differs from the expected render in %llu pixels",
			 s->frame, (unsigned long long)diff);
	}
	free(ref);
	return diff;
}

static void *worker_main(void *arg)
{
	struct capture *c = arg;
	struct capture_slot *s;
	uint64_t diff;
	unsigned int i;

	/* checking and encoding yield to the frame loop and the kernel */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10))
		demo_err(errno, "setpriority(capture worker, 10)");

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->qlen && !c->stop)
			pthread_cond_wait(&c->cond, &c->lock);
		if (!c->qlen)
			break;
		s = &c->slots[c->queue[0]];
		for (i = 1; i < c->qlen; i++)
			c->queue[i - 1] = c->queue[i];
		c->qlen--;
		pthread_mutex_unlock(&c->lock);

		diff = check_slot(c, s);

		pthread_mutex_lock(&c->lock);
		add_result(c, s->frame, diff);
		s->state = SLOT_FREE;
	}
	pthread_mutex_unlock(&c->lock);
	c->worker_cpu_s = thread_cpu_seconds();
	return NULL;
}

static void destroy_slots(struct capture *c)
{
	struct capture_slot *s;
	unsigned int i;

	for (i = 0; i < c->nslots; i++) {
		s = &c->slots[i];
		if (s->fence >= 0)
			close(s->fence);
		if (c->src == CAPTURE_READBACK) {
			free(s->map);
			continue;
		}
		if (s->fb_id)
			drmModeRmFB(c->d->fd, s->fb_id);
		display_dumb_destroy(c->d->fd, s->handle, s->map, s->size);
	}
	c->nslots = 0;
}

static int create_slot(struct capture *c, struct capture_slot *s)
{
	struct display *d = c->d;

	s->fence = -1;
	if (c->src == CAPTURE_READBACK) {
		s->stride = d->mode.hdisplay * 4;
		s->size = (uint64_t)s->stride * d->mode.vdisplay;
		s->map = malloc(s->size);
		if (!s->map)
			demo_msg("out of memory for a capture buffer");
		return s->map ? 0 : -1;
	}
	if (display_dumb_create(d->fd, d->mode.hdisplay, d->mode.vdisplay,
				&s->handle, &s->stride, &s->size, &s->map))
		return -1;
	return display_add_fb(d->fd, s->handle, d->mode.hdisplay,
			      d->mode.vdisplay, s->stride, &s->fb_id);
}

/**
 * capture_create - @nbufs capture buffers and the checking worker
 * @prefix: file name prefix of the PNGs, e.g. "" or "copy-"
 * @src: where captures come from
 *
 * Returns NULL on failure (reported).
 */
struct capture *capture_create(struct display *d, const char *out_dir,
			       const char *prefix, enum capture_source src,
			       unsigned int nbufs)
{
	struct capture *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return NULL;
	c->d = d;
	c->src = src;
	snprintf(c->out_dir, sizeof(c->out_dir), "%s", out_dir);
	snprintf(c->prefix, sizeof(c->prefix), "%s", prefix);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	if (nbufs > DEMO_MAX_CAPTURE_BUFS)
		nbufs = DEMO_MAX_CAPTURE_BUFS;
	for (c->nslots = 0; c->nslots < nbufs; c->nslots++) {
		if (create_slot(c, &c->slots[c->nslots])) {
			c->nslots++;	/* destroy_slots() undoes it */
			goto err;
		}
	}
	err = pthread_create(&c->worker, NULL, worker_main, c);
	if (err) {
		demo_err(err, "pthread_create(capture worker)");
		goto err;
	}
	c->worker_started = true;
	return c;
err:
	destroy_slots(c);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c);
	return NULL;
}

enum capture_source capture_source(const struct capture *c)
{
	return c->src;
}

/* A free slot becomes IN_FLIGHT (reserved) until its capture is queued. */
bool capture_get(struct capture *c, unsigned int *slot)
{
	bool found = false;
	unsigned int i;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->nslots && !found; i++)
		if (c->slots[i].state == SLOT_FREE) {
			c->slots[i].state = SLOT_IN_FLIGHT;
			*slot = i;
			found = true;
		}
	pthread_mutex_unlock(&c->lock);
	return found;
}

uint32_t capture_fb(const struct capture *c, unsigned int slot)
{
	return c->slots[slot].fb_id;
}

static void set_frame(struct capture_slot *s, unsigned int frame,
		      const struct drm_vprime_cmd *cmds, unsigned int count)
{
	s->frame = frame;
	s->ncmds = count;
	memcpy(s->cmds, cmds, count * sizeof(*cmds));
}

/* Hand @slot to the worker. Frame loop only. */
static void queue_slot(struct capture *c, unsigned int slot)
{
	pthread_mutex_lock(&c->lock);
	c->slots[slot].state = SLOT_QUEUED;
	c->queue[c->qlen++] = slot;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

void capture_submitted(struct capture *c, unsigned int slot, int fence,
		       unsigned int frame, const struct drm_vprime_cmd *cmds,
		       unsigned int count)
{
	struct capture_slot *s = &c->slots[slot];

	set_frame(s, frame, cmds, count);
	s->fence = fence;
}

void capture_readback(struct capture *c, unsigned int slot, unsigned int frame,
		      const struct drm_vprime_cmd *cmds, unsigned int count,
		      const void *pixels, uint32_t stride)
{
	struct capture_slot *s = &c->slots[slot];
	uint32_t y, row = c->d->mode.hdisplay * 4;

	set_frame(s, frame, cmds, count);
	for (y = 0; y < c->d->mode.vdisplay; y++)
		memcpy((char *)s->map + (size_t)y * s->stride,
		       (const char *)pixels + (size_t)y * stride, row);
	queue_slot(c, slot);
}

/* Only the frame loop's thread changes IN_FLIGHT slots: no lock to read. */
unsigned int capture_pending_fds(struct capture *c, int *fds, unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; i < c->nslots && n < max; i++)
		if (c->slots[i].fence >= 0)
			fds[n++] = c->slots[i].fence;
	return n;
}

static bool fence_signalled(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

int capture_poll(struct capture *c)
{
	struct capture_slot *s;
	unsigned int i;

	for (i = 0; i < c->nslots; i++) {
		s = &c->slots[i];
		if (s->fence < 0 || !fence_signalled(s->fence))
			continue;
		close(s->fence);
		s->fence = -1;
		queue_slot(c, i);
	}
	return 0;
}

/**
 * capture_finish - wait up to @timeout_ns for the pending captures, then
 * let the worker finish. A capture whose out-fence never signalled is
 * recorded as a mismatch (UINT64_MAX differing pixels).
 */
int capture_finish(struct capture *c, uint64_t timeout_ns)
{
	uint64_t end = demo_now_ns() + timeout_ns;
	struct pollfd pfd[DEMO_MAX_CAPTURE_BUFS];
	int fds[DEMO_MAX_CAPTURE_BUFS];
	unsigned int i, n;

	for (;;) {
		capture_poll(c);
		n = capture_pending_fds(c, fds, DEMO_MAX_CAPTURE_BUFS);
		if (!n || demo_now_ns() >= end)
			break;
		for (i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		poll(pfd, n, 100);
	}
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->nslots; i++)
		if (c->slots[i].fence >= 0) {
			demo_msg("frame %u: writeback out-fence never signalled",
				 c->slots[i].frame);
			add_result(c, c->slots[i].frame, UINT64_MAX);
		}
	c->stop = true;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
	if (c->worker_started)
		pthread_join(c->worker, NULL);
	c->worker_started = false;
	return 0;
}

unsigned int capture_results(struct capture *c,
			     const struct capture_result **res)
{
	*res = c->results;
	return c->nresults;
}

double capture_cpu_seconds(struct capture *c)
{
	return c->worker_cpu_s;
}

void capture_destroy(struct capture *c)
{
	if (!c)
		return;
	if (c->worker_started)
		capture_finish(c, 0);
	destroy_slots(c);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c->results);
	free(c);
}
