// SPDX-License-Identifier: MIT
/*
 * The frame loop, as a compositor with a separate render GPU runs it:
 *
 *   pick a buffer the display has released
 *   submit the frame's render job to the GPU          (no CPU wait)
 *   commit a nonblocking flip to that buffer          (implicit fences)
 *   wait for the page-flip event; the buffer it superseded is released
 *
 * Zero-copy: each GPU buffer is exported once with PRIME and imported once
 * on the display, which scans it out after the render job's fence (in the
 * shared dma_resv) signals. Copy baseline: the CPU waits for the render,
 * then copies the GPU buffer through its mmap into a dumb buffer of the
 * display. Bytes copied between devices are counted on the path taken:
 * each memcpy of the copy baseline, and in zero-copy mode every frame shown
 * from a buffer whose display import is not the GPU's own dma-buf (checked
 * at setup: the display's PRIME export of its handle must be the very file
 * the GPU exported, kcmp(KCMP_FILE)); with vprime that is none.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "demo.h"

#define FLIP_TIMEOUT_NS		(10ull * 1000000000ull)
#define RENDER_WAIT_NS		(10ull * 1000000000ull)
#define CAPTURE_DRAIN_NS	(10ull * 1000000000ull)

struct pbuf {
	uint32_t gpu_handle;
	void *gpu_map;		/* copy mode and --verify-all */
	uint32_t disp_handle;	/* the PRIME import, or a dumb buffer */
	void *dumb_map;
	uint64_t dumb_size;
	uint32_t dumb_stride;
	uint32_t fb_id;
	bool shared;		/* the display scans out the GPU's own dma-buf */
	bool busy;		/* rendering, queued or on screen */
	int frame;		/* the frame it holds, -1 none */
	int cap_slot;		/* readback capture slot reserved, -1 none */
	unsigned int ncmds;
	struct drm_vprime_cmd cmds[RENDER_MAX_CMDS];
};

struct pipeline {
	struct demo_devices *dev;
	const struct demo_opts *o;
	enum demo_mode mode;
	struct render_target tgt;	/* handle filled per frame */
	uint64_t size;
	struct pbuf bufs[DEMO_MAX_BUFFERS];
	unsigned int nbufs;
	struct capture *cap;
	uint32_t *ref;			/* --verify-all reference image */
	int on_screen;			/* buffer index, -1 none */
	bool flip_pending;
	unsigned int pending_frame;
	int pending_buf;
	unsigned int last_buf;		/* index of the last buffer rendered */
	bool have_seq;
	uint32_t last_seq;
	struct run_result *res;
};

/*
 * Is the display's import of @fd the GPU's dma-buf itself? Exporting an
 * imported handle gives back the dma-buf it came from, the same file.
 */
static int same_dmabuf(int disp, uint32_t disp_handle, int fd, bool *same)
{
	pid_t pid = getpid();
	int fd2;
	long ret;

	if (drmPrimeHandleToFD(disp, disp_handle, DRM_CLOEXEC, &fd2)) {
		demo_err(errno, "drmPrimeHandleToFD(display handle %u)",
			 disp_handle);
		return -1;
	}
	ret = syscall(SYS_kcmp, pid, pid, KCMP_FILE, fd, fd2);
	close(fd2);
	if (ret < 0) {
		demo_err(errno, "kcmp(KCMP_FILE)");
		return -1;
	}
	*same = ret == 0;
	return 0;
}

static int setup_zero_copy(struct pipeline *p, struct pbuf *b)
{
	int fd, gpu = p->dev->gpu_fd, disp = p->dev->disp.fd;

	if (drmPrimeHandleToFD(gpu, b->gpu_handle, DRM_CLOEXEC | DRM_RDWR,
			       &fd)) {
		demo_err(errno, "drmPrimeHandleToFD(GPU handle %u)",
			 b->gpu_handle);
		return -1;
	}
	if (drmPrimeFDToHandle(disp, fd, &b->disp_handle)) {
		demo_err(errno, "drmPrimeFDToHandle(display, dma-buf fd %d)",
			 fd);
		close(fd);
		return -1;
	}
	if (same_dmabuf(disp, b->disp_handle, fd, &b->shared)) {
		close(fd);
		return -1;
	}
	close(fd);
	if (b->shared)
		p->res->shared_buffers++;
	return display_add_fb(disp, b->disp_handle, p->tgt.width,
			      p->tgt.height, p->tgt.stride, &b->fb_id);
}

static int setup_copy(struct pipeline *p, struct pbuf *b)
{
	int disp = p->dev->disp.fd;

	if (display_dumb_create(disp, p->tgt.width, p->tgt.height,
				&b->disp_handle, &b->dumb_stride,
				&b->dumb_size, &b->dumb_map))
		return -1;
	return display_add_fb(disp, b->disp_handle, p->tgt.width,
			      p->tgt.height, b->dumb_stride, &b->fb_id);
}

static int setup_buffers(struct pipeline *p)
{
	bool need_map = p->mode == DEMO_CPU_COPY || p->o->verify_all ||
			p->o->capture_every;
	struct pbuf *b;

	for (p->nbufs = 0; p->nbufs < p->o->buffers; p->nbufs++) {
		b = &p->bufs[p->nbufs];
		b->frame = -1;
		b->cap_slot = -1;
		if (gpu_bo_create(p->dev->gpu_fd, p->size, &b->gpu_handle))
			return -1;
		if (need_map) {
			b->gpu_map = gpu_bo_map(p->dev->gpu_fd, b->gpu_handle,
						p->size);
			if (!b->gpu_map)
				goto err_this;
		}
		if (p->mode == DEMO_ZERO_COPY ? setup_zero_copy(p, b) :
						setup_copy(p, b))
			goto err_this;
	}
	return 0;
err_this:
	p->nbufs++;	/* teardown_buffers() undoes what was done */
	return -1;
}

static void teardown_buffers(struct pipeline *p)
{
	int disp = p->dev->disp.fd;
	struct pbuf *b;
	unsigned int i;

	for (i = 0; i < p->nbufs; i++) {
		b = &p->bufs[i];
		if (b->fb_id && drmModeRmFB(disp, b->fb_id))
			demo_err(errno, "drmModeRmFB(%u)", b->fb_id);
		if (p->mode == DEMO_CPU_COPY)
			display_dumb_destroy(disp, b->disp_handle, b->dumb_map,
					     b->dumb_size);
		else
			gpu_gem_close(disp, b->disp_handle);
		if (b->gpu_map)
			munmap(b->gpu_map, p->size);
		gpu_gem_close(p->dev->gpu_fd, b->gpu_handle);
	}
	p->nbufs = 0;
}

/* The pixels the display scanned out of @b, and their stride. */
static const uint32_t *scanout_pixels(const struct pipeline *p,
				      const struct pbuf *b, uint32_t *stride)
{
	if (p->mode == DEMO_CPU_COPY) {
		*stride = b->dumb_stride;
		return b->dumb_map;
	}
	*stride = p->tgt.stride;
	return b->gpu_map;
}

/* --verify-all: check a released buffer through a CPU readback. */
static void readback_check(struct pipeline *p, struct pbuf *b)
{
	const uint32_t *pixels;
	struct frame_rec *rec;
	uint32_t stride;
	uint64_t diff;

	if (!p->o->verify_all || b->frame < 0 || !p->ref)
		return;
	rec = &p->res->frames[b->frame];
	pixels = scanout_pixels(p, b, &stride);
	render_cpu(b->cmds, b->ncmds, p->ref);
	diff = render_compare(pixels, stride, p->ref, p->tgt.stride,
			      p->tgt.width, p->tgt.height);
	if (diff) {
		demo_msg("frame %d: scanned-out buffer differs from the expected render in %llu pixels",
			 b->frame, (unsigned long long)diff);
		rec->verified = 1;
	} else if (rec->verified < 0) {
		rec->verified = 0;
	}
	p->res->readbacks++;
}

/*
 * The display released @b (its flip was superseded, or the run ended):
 * check it, hand a readback capture on, and let it be reused.
 */
static void release_buffer(struct pipeline *p, struct pbuf *b)
{
	const uint32_t *pixels;
	uint32_t stride;

	readback_check(p, b);
	if (b->cap_slot >= 0) {
		pixels = scanout_pixels(p, b, &stride);
		capture_readback(p->cap, (unsigned int)b->cap_slot,
				 (unsigned int)b->frame, b->cmds, b->ncmds,
				 pixels, stride);
		b->cap_slot = -1;
	}
	b->busy = false;
}

static void flip_done(int fd, unsigned int seq, unsigned int sec,
		      unsigned int usec, unsigned int crtc_id, void *data)
{
	struct pipeline *p = data;
	struct frame_rec *rec = &p->res->frames[p->pending_frame];

	(void)fd;
	(void)crtc_id;
	rec->flip_ns = sec * 1000000000ull + usec * 1000ull;
	rec->seq = seq;
	rec->missed = p->have_seq && seq > p->last_seq + 1 ?
		      seq - p->last_seq - 1 : 0;
	p->res->missed_vblanks += rec->missed;
	p->have_seq = true;
	p->last_seq = seq;
	p->res->shown++;

	/* superseded: the display no longer reads the previous buffer */
	if (p->on_screen >= 0)
		release_buffer(p, &p->bufs[p->on_screen]);
	p->on_screen = p->pending_buf;
	p->flip_pending = false;
}

/* Wait for the pending flip's event, handing finished captures on. */
static int wait_flip(struct pipeline *p)
{
	drmEventContext ev = {
		.version = 3,
		.page_flip_handler2 = flip_done,
	};
	struct pollfd pfd[1 + DEMO_MAX_CAPTURE_BUFS];
	int fds[DEMO_MAX_CAPTURE_BUFS];
	uint64_t end = demo_now_ns() + FLIP_TIMEOUT_NS;
	unsigned int i, n;
	int ret;

	while (p->flip_pending) {
		n = p->cap ? capture_pending_fds(p->cap, fds,
						 DEMO_MAX_CAPTURE_BUFS) : 0;
		pfd[0] = (struct pollfd){ .fd = p->dev->disp.fd,
					  .events = POLLIN };
		for (i = 0; i < n; i++)
			pfd[i + 1] = (struct pollfd){ .fd = fds[i],
						      .events = POLLIN };
		ret = poll(pfd, n + 1, 100);
		if (ret < 0 && errno != EINTR) {
			demo_err(errno, "poll(display fd)");
			return -1;
		}
		if (p->cap)
			capture_poll(p->cap);
		if (ret > 0 && (pfd[0].revents & POLLIN) &&
		    drmHandleEvent(p->dev->disp.fd, &ev)) {
			demo_err(errno, "drmHandleEvent");
			return -1;
		}
		if (p->flip_pending && demo_now_ns() > end) {
			demo_msg("frame %u: no page-flip event after %llu s",
				 p->pending_frame,
				 FLIP_TIMEOUT_NS / 1000000000ull);
			return -1;
		}
	}
	return 0;
}

/* The next released buffer after the last one used, round robin. */
static int free_buffer(struct pipeline *p)
{
	unsigned int i, idx;

	for (i = 1; i <= p->nbufs; i++) {
		idx = (p->last_buf + i) % p->nbufs;
		if (!p->bufs[idx].busy) {
			p->last_buf = idx;
			return (int)idx;
		}
	}
	return -1;
}

/* Copy baseline: wait for the render, copy it into the dumb buffer. */
static int copy_to_display(struct pipeline *p, struct pbuf *b)
{
	uint32_t y, row = p->tgt.width * 4;

	if (gpu_bo_wait(p->dev->gpu_fd, b->gpu_handle, RENDER_WAIT_NS))
		return -1;
	if (b->dumb_stride == p->tgt.stride) {
		memcpy(b->dumb_map, b->gpu_map,
		       (size_t)p->tgt.stride * p->tgt.height);
	} else {
		for (y = 0; y < p->tgt.height; y++)
			memcpy((char *)b->dumb_map + (size_t)y * b->dumb_stride,
			       (char *)b->gpu_map + (size_t)y * p->tgt.stride,
			       row);
	}
	p->res->bytes_copied += (uint64_t)row * p->tgt.height;
	return 0;
}

/* Reserve a capture for this frame if one is due; false if none. */
static bool reserve_capture(struct pipeline *p, unsigned int f, bool *due,
			    unsigned int *slot)
{
	if (!p->cap || !p->o->capture_every)
		return false;
	if (f % p->o->capture_every == 0)
		*due = true;
	/* all capture buffers busy: try again with the next frame */
	if (!*due || !capture_get(p->cap, slot))
		return false;
	*due = false;
	return true;
}

/* Render frame @f into a free buffer and flip to it. */
static int frame_submit(struct pipeline *p, unsigned int f, bool *capture_due)
{
	struct frame_rec *rec = &p->res->frames[f];
	unsigned int slot = 0;
	uint32_t wb_fb = 0;
	struct pbuf *b;
	bool capture;
	int idx, fence;

	idx = free_buffer(p);
	if (idx < 0) {
		demo_msg("frame %u: no released buffer (internal error)", f);
		return -1;
	}
	b = &p->bufs[idx];
	p->tgt.handle = b->gpu_handle;
	b->ncmds = render_build(b->cmds, &p->tgt, p->o->pattern, f);
	b->frame = (int)f;
	rec->buffer = (uint8_t)idx;
	rec->verified = -1;

	rec->submit_ns = demo_now_ns();
	if (gpu_submit(p->dev->gpu_fd, b->cmds, b->ncmds, p->o->render_ns))
		return -1;
	if (p->mode == DEMO_CPU_COPY && copy_to_display(p, b))
		return -1;
	/* an import that isn't the GPU's buffer moves the frame somehow */
	if (p->mode != DEMO_CPU_COPY && !b->shared)
		p->res->bytes_copied += (uint64_t)p->tgt.width * 4 *
					p->tgt.height;

	capture = reserve_capture(p, f, capture_due, &slot);
	if (capture && capture_source(p->cap) == CAPTURE_WRITEBACK)
		wb_fb = capture_fb(p->cap, slot);
	else if (capture)
		b->cap_slot = (int)slot;	/* read back on release */
	rec->captured = capture;

	p->pending_frame = f;
	p->pending_buf = idx;
	b->busy = true;
	if (display_flip(&p->dev->disp, b->fb_id, wb_fb, &fence, p)) {
		b->busy = false;
		return -1;
	}
	p->flip_pending = true;
	if (wb_fb)
		capture_submitted(p->cap, slot, fence, f, b->cmds, b->ncmds);
	return 0;
}

static void progress(const struct pipeline *p, unsigned int f, bool last)
{
	const struct demo_opts *o = p->o;
	const char *tag = p->mode == DEMO_ZERO_COPY ? "zero-copy" : "copy";

	if (o->progress == 2 && (last || f % 5 == 0)) {
		printf("\r  [%s] frame %u/%u  missed vblanks %llu", tag, f + 1,
		       o->frames, (unsigned long long)p->res->missed_vblanks);
		if (last)
			printf("\n");
		fflush(stdout);
	} else if (o->progress == 1 && (last || (f + 1) % 50 == 0)) {
		printf("  [%s] frame %u/%u  missed vblanks %llu\n", tag, f + 1,
		       o->frames, (unsigned long long)p->res->missed_vblanks);
		fflush(stdout);
	}
}

static int frame_loop(struct pipeline *p)
{
	bool capture_due = false;
	unsigned int f;

	for (f = 0; f < p->o->frames; f++) {
		if (demo_stop) {
			p->res->interrupted = true;
			break;
		}
		if (frame_submit(p, f, &capture_due) || wait_flip(p))
			return -1;
		progress(p, f, f + 1 == p->o->frames);
	}
	if (p->res->interrupted && p->o->progress)
		printf("\n  interrupted after %u frames\n", p->res->shown);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Latency statistics over the frames shown. */
static void latency_stats(struct run_result *res)
{
	double *lat, sum = 0;
	unsigned int i, n = 0, k;

	lat = calloc(res->requested ? res->requested : 1, sizeof(*lat));
	if (!lat)
		return;
	for (i = 0; i < res->requested; i++)
		if (res->frames[i].flip_ns)
			lat[n++] = (res->frames[i].flip_ns -
				    res->frames[i].submit_ns) / 1e6;
	if (n) {
		qsort(lat, n, sizeof(*lat), cmp_double);
		for (i = 0; i < n; i++)
			sum += lat[i];
		k = (unsigned int)(0.99 * n + 0.999999);
		res->lat_min = lat[0];
		res->lat_max = lat[n - 1];
		res->lat_mean = sum / n;
		res->lat_median = n % 2 ? lat[n / 2] :
				  (lat[n / 2 - 1] + lat[n / 2]) / 2;
		res->lat_p99 = lat[(k ? k : 1) - 1];
	}
	free(lat);
}

static double tv_seconds(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

static void collect_captures(struct pipeline *p)
{
	const struct capture_result *cr;
	struct frame_rec *rec;
	unsigned int i, n = capture_results(p->cap, &cr);

	for (i = 0; i < n; i++) {
		rec = &p->res->frames[cr[i].frame];
		if (cr[i].diff_pixels)
			rec->verified = 1;
		else if (rec->verified < 0)
			rec->verified = 0;
	}
	p->res->captures = n;
	p->res->cpu_capture_s = capture_cpu_seconds(p->cap);
}

static int run_frames(struct pipeline *p)
{
	struct run_result *res = p->res;
	struct rusage ru0, ru1;
	uint64_t last_flip = 0;
	unsigned int i;
	int ret;

	getrusage(RUSAGE_SELF, &ru0);
	res->start_ns = demo_now_ns();
	ret = frame_loop(p);
	if (p->flip_pending && wait_flip(p))
		ret = -1;
	if (p->on_screen >= 0)
		release_buffer(p, &p->bufs[p->on_screen]);
	if (p->cap) {
		capture_finish(p->cap, CAPTURE_DRAIN_NS);
		collect_captures(p);
	}
	getrusage(RUSAGE_SELF, &ru1);

	for (i = 0; i < res->requested; i++) {
		if (res->frames[i].flip_ns > last_flip)
			last_flip = res->frames[i].flip_ns;
		res->mismatches += res->frames[i].verified == 1;
	}
	res->wall_s = ((last_flip ? last_flip : demo_now_ns()) -
		       res->start_ns) / 1e9;
	res->cpu_user_s = tv_seconds(ru1.ru_utime) - tv_seconds(ru0.ru_utime);
	res->cpu_sys_s = tv_seconds(ru1.ru_stime) - tv_seconds(ru0.ru_stime);
	latency_stats(res);
	return ret;
}

static int pipeline_init(struct pipeline *p, struct demo_devices *dev,
			 const struct demo_opts *o, enum demo_mode mode,
			 struct run_result *res)
{
	memset(p, 0, sizeof(*p));
	p->dev = dev;
	p->o = o;
	p->mode = mode;
	p->res = res;
	p->on_screen = -1;
	p->tgt.width = dev->disp.mode.hdisplay;
	p->tgt.height = dev->disp.mode.vdisplay;
	p->tgt.stride = p->tgt.width * 4;
	p->size = (uint64_t)p->tgt.stride * p->tgt.height;

	memset(res, 0, sizeof(*res));
	res->mode = mode;
	res->requested = o->frames;
	res->frames = calloc(o->frames, sizeof(*res->frames));
	if (!res->frames) {
		demo_msg("out of memory for %u frame records", o->frames);
		return -1;
	}
	if (o->verify_all) {
		p->ref = malloc(p->size);
		if (!p->ref) {
			demo_msg("out of memory for the reference image");
			return -1;
		}
	}
	return 0;
}

/*
 * Modeset to buffer 0, with the writeback connector attached when captures
 * are wanted. If the kernel rejects that combination, light the output
 * alone and capture through CPU readbacks of released buffers instead.
 */
static int light_display(struct pipeline *p, struct demo_devices *dev)
{
	struct display *d = &dev->disp;
	uint32_t fb = p->bufs[0].fb_id;
	int ret;

	if (p->o->capture_every && d->wb_conn_id && !d->wb_rejected) {
		ret = display_enable(d, fb, true);
		if (!ret)
			return 0;
		d->wb_rejected = true;
		demo_err(-ret, "drmModeAtomicCommit(enable with the writeback connector on the CRTC)");
		demo_msg("the display rejects its writeback connector next to its output (with drm.debug=0x1 the kernel says why, e.g. \"failed valid clone check\": the encoders' possible_clones must include each other); capturing through CPU readbacks of the released buffers instead");
	}
	return display_enable(d, fb, false);
}

/**
 * pipeline_run - set up buffers, light the display, run the frames, tear
 * down; @res receives the measurements (also on failure, as far as run).
 */
int pipeline_run(struct demo_devices *dev, const struct demo_opts *o,
		 enum demo_mode mode, struct run_result *res)
{
	struct pipeline p;
	int ret = -1;

	if (pipeline_init(&p, dev, o, mode, res))
		goto out_free;
	if (setup_buffers(&p))
		goto out_buffers;
	/* buffer 0 (zeroed: black) lights the output; frames use the others */
	if (light_display(&p, dev))
		goto out_buffers;
	p.bufs[0].busy = true;
	p.on_screen = 0;
	if (o->capture_every) {
		p.cap = capture_create(&dev->disp, o->out_dir,
				       mode == DEMO_CPU_COPY ? "copy-" : "",
				       dev->disp.wb_attached ? CAPTURE_WRITEBACK :
							       CAPTURE_READBACK,
				       DEMO_MAX_CAPTURE_BUFS);
		if (!p.cap)
			goto out_disable;
		res->capture_active = true;
		res->capture_src = capture_source(p.cap);
	}

	ret = run_frames(&p);

	capture_destroy(p.cap);
out_disable:
	if (display_disable(&dev->disp))
		ret = -1;
out_buffers:
	teardown_buffers(&p);
out_free:
	free(p.ref);
	return ret;
}

void run_result_free(struct run_result *res)
{
	free(res->frames);
	res->frames = NULL;
}
