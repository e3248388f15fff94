// SPDX-License-Identifier: MIT
/*
 * vprime_prime - GPU -> display buffer sharing through PRIME, synchronised
 * only by the fences in the shared buffer's dma_resv.
 *
 * Every subtest renders on the "vprime_gpu" device (FILL jobs with a
 * simulated duration, userspace fences), shares the buffer with the
 * "vprime_kms" display through a dma-buf, flips to it with a nonblocking
 * atomic commit and checks, without timing thresholds:
 *  - ordering: the page-flip event (and a CRC of the new frame) is only
 *    observed once the render fence has signalled;
 *  - content: the writeback capture of the flip equals the finished render
 *    pixel for pixel, and every CRC of every vblank is either the CRC of
 *    the previous frame or of the finished render (never a partial frame).
 */

/**
 * TEST: vprime prime
 * Category: Software building block
 * Description: GPU to display buffer sharing through PRIME with implicit
 *              and explicit fences, checked with writeback and CRC.
 * Feature: prime, implicit sync, kms
 *
 * SUBTEST: gpu-to-display-implicit
 * Description: A ~100 ms GPU render into a GPU BO shared with the display;
 *              the flip committed while it runs completes only after the
 *              render fence; capture and CRC equal the finished render; a
 *              CPU write through the GPU BO's mmap shows on the display.
 *
 * SUBTEST: map-dumb-import
 * Description: MODE_MAP_DUMB on the display maps a GPU buffer it imported
 *              (as Mesa's kms_swrast does under Weston): the mapping shows
 *              the GPU's render; an unknown handle gets ENOENT.
 *
 * SUBTEST: userspace-fences
 * Description: The flip waits for as long as a GPU userspace write fence on
 *              the buffer stays unsignalled, and completes after signalling.
 *
 * SUBTEST: display-to-gpu
 * Description: A display dumb buffer is exported to the GPU, rendered into,
 *              and only shown once the render completed.
 *
 * SUBTEST: explicit-sync
 * Description: The render skips implicit sync (NO_IMPLICIT); the flip waits
 *              for the render's out sync_file through IN_FENCE_FD.
 *
 * SUBTEST: heap-buffer
 * Description: A /dev/vprime_heap buffer imported into both devices is
 *              rendered by the GPU and shown by the display with the same
 *              fence rules.
 *
 * SUBTEST: migration
 * Description: The shared heap buffer migrates between the system and
 *              local placements between flips; the next frames are correct.
 *
 * SUBTEST: migrate-on-screen
 * Description: The display pins the buffer it scans out through its
 *              attachment: a migration request gets -EBUSY at once, even
 *              with a writer's fence pending; off screen the buffer is
 *              unpinned, moves, and the next flip shows it.
 *
 * SUBTEST: fence-error
 * Description: A hung render times out (-ETIMEDOUT); the flip that depends
 *              on it completes and shows the buffer with its previous
 *              contents (docs/fence-errors.md); both devices keep working.
 *
 * SUBTEST: vgem-interop
 * Description: A vgem buffer with a vgem write fence is shown by the
 *              display only after the vgem fence is signalled.
 *
 * SUBTEST: sync-file-export-import
 * Description: EXPORT_SYNC_FILE from the shared dma-buf while a render runs
 *              waits for it; a sync_file imported into a display buffer
 *              makes the next GPU render wait for it.
 *
 * SUBTEST: dmabuf-poll
 * Description: poll() on the shared dma-buf reports EPOLLIN/EPOLLOUT at the
 *              right moments across render -> scanout -> render.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "igt.h"
#include "vprime_igt.h"
#include "vprime_kms_util.h"
#include <linux/vprime_heap.h>

IGT_TEST_DESCRIPTION("GPU to display buffer sharing through PRIME: flips wait "
		     "for the buffer's fences, show the finished render and "
		     "never a partial frame.");

#define MS		((uint64_t)1000000)
#define COLOR_OLD	0x00203040u
#define EVENT_TIMEOUT_MS	10000
/* Frames the display is watched while a fence is held unsignalled. */
#define HELD_FRAMES	8

enum buf_src {
	SRC_GPU,	/* a GPU BO, imported by the display */
	SRC_DISPLAY,	/* a display dumb buffer, imported by the GPU */
	SRC_HEAP,	/* a /dev/vprime_heap buffer, imported by both */
};

struct shared_buf {
	enum buf_src src;
	int dmabuf;
	uint32_t gpu_handle;
	uint32_t kms_handle;
	uint32_t fb_id;
	uint32_t pitch;
	uint64_t size;
	uint64_t heap_id;
};

struct ctx {
	int gpu;
	int kmsfd;
	int heap;
	struct vprime_kms kms;
	struct vprime_capture cap;
	struct vprime_dumb old;
	uint32_t old_fb;
	uint32_t old_crc;
	struct vprime_crc crc;
	/* the flip in flight */
	int wb_fence;
	uint32_t shown_crc;
};

static uint32_t color(unsigned int i)
{
	/* distinct, non-grey XRGB values */
	return ((0x40 + i * 0x25) & 0xff) << 16 | ((0x90 + i * 0x4b) & 0xff) << 8 |
	       ((0x10 + i * 0x61) & 0xff);
}

static void fill_cpu(void *map, uint32_t pitch, uint32_t w, uint32_t h,
		     uint32_t value)
{
	uint32_t x, y;

	for (y = 0; y < h; y++) {
		uint32_t *row = (uint32_t *)((char *)map + (size_t)y * pitch);

		for (x = 0; x < w; x++)
			row[x] = value;
	}
}

static void ctx_init(struct ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->heap = -1;
	ctx->wb_fence = -1;
	ctx->crc.data_fd = -1;
	ctx->gpu = __vprime_open_driver(VPRIME_GPU_DRIVER, 0, true);
	igt_assert_f(ctx->gpu >= 0, "no vprime_gpu render node\n");
	ctx->kmsfd = vprime_kms_open_or_fail(0);
	vprime_kms_init(&ctx->kms, ctx->kmsfd);
	vprime_capture_create(&ctx->kms, &ctx->cap);

	vprime_dumb_create(ctx->kmsfd, ctx->kms.width, ctx->kms.height, &ctx->old);
	fill_cpu(vprime_dumb_map(ctx->kmsfd, &ctx->old), ctx->old.pitch,
		 ctx->kms.width, ctx->kms.height, COLOR_OLD);
	ctx->old_fb = vprime_kms_add_fb(ctx->kmsfd, ctx->old.handle,
					ctx->kms.width, ctx->kms.height,
					ctx->old.pitch, DRM_FORMAT_XRGB8888);
	ctx->old_crc = vprime_expected_crc_solid(COLOR_OLD, ctx->kms.width,
						 ctx->kms.height);
	vprime_kms_set_fb(&ctx->kms, ctx->old_fb);
	ctx->shown_crc = ctx->old_crc;
}

static void ctx_fini(struct ctx *ctx)
{
	vprime_crc_stop(&ctx->crc);
	vprime_kms_fini(&ctx->kms);
	vprime_capture_destroy(&ctx->kms, &ctx->cap);
	drmModeRmFB(ctx->kmsfd, ctx->old_fb);
	vprime_dumb_destroy(ctx->kmsfd, &ctx->old);
	if (ctx->heap >= 0)
		close(ctx->heap);
	close(ctx->kmsfd);
	close(ctx->gpu);
}

/* Show the old frame again (blocking), so the next flip starts from it. */
static void show_old(struct ctx *ctx)
{
	struct vprime_commit c = { .fb_id = ctx->old_fb, .in_fence_fd = -1 };

	vprime_kms_commit(&ctx->kms, &c);
	ctx->shown_crc = ctx->old_crc;
}

static void shared_create(struct ctx *ctx, enum buf_src src,
			  struct shared_buf *buf)
{
	uint32_t w = ctx->kms.width, h = ctx->kms.height;

	memset(buf, 0, sizeof(*buf));
	buf->src = src;
	buf->pitch = w * 4;
	buf->size = ALIGN((uint64_t)buf->pitch * h, 4096);

	switch (src) {
	case SRC_GPU:
		buf->gpu_handle = vprime_gpu_bo_create(ctx->gpu, buf->size);
		buf->dmabuf = vprime_prime_export(ctx->gpu, buf->gpu_handle);
		buf->kms_handle = prime_fd_to_handle(ctx->kmsfd, buf->dmabuf);
		break;
	case SRC_DISPLAY: {
		struct vprime_dumb dumb;

		vprime_dumb_create(ctx->kmsfd, w, h, &dumb);
		buf->kms_handle = dumb.handle;
		buf->pitch = dumb.pitch;
		buf->size = dumb.size;
		buf->dmabuf = vprime_prime_export(ctx->kmsfd, dumb.handle);
		buf->gpu_handle = prime_fd_to_handle(ctx->gpu, buf->dmabuf);
		break;
	}
	case SRC_HEAP: {
		struct vprime_heap_alloc args = {
			.size = buf->size,
			.placement = VPRIME_HEAP_PLACEMENT_SYSTEM,
		};

		if (ctx->heap < 0)
			ctx->heap = open(VPRIME_HEAP_PATH, O_RDWR | O_CLOEXEC);
		igt_assert_f(ctx->heap >= 0, "open %s: %s\n", VPRIME_HEAP_PATH,
			     strerror(errno));
		do_ioctl(ctx->heap, VPRIME_HEAP_IOCTL_ALLOC, &args);
		buf->dmabuf = args.fd;
		buf->heap_id = args.id;
		buf->gpu_handle = prime_fd_to_handle(ctx->gpu, buf->dmabuf);
		buf->kms_handle = prime_fd_to_handle(ctx->kmsfd, buf->dmabuf);
		break;
	}
	}
	buf->fb_id = vprime_kms_add_fb(ctx->kmsfd, buf->kms_handle, w, h,
				       buf->pitch, DRM_FORMAT_XRGB8888);
}

static void shared_destroy(struct ctx *ctx, struct shared_buf *buf)
{
	drmModeRmFB(ctx->kmsfd, buf->fb_id);
	if (buf->src == SRC_DISPLAY) {
		struct vprime_dumb dumb = { .handle = buf->kms_handle };

		vprime_dumb_destroy(ctx->kmsfd, &dumb);
	} else {
		gem_close(ctx->kmsfd, buf->kms_handle);
	}
	gem_close(ctx->gpu, buf->gpu_handle);
	close(buf->dmabuf);
}

/* A FILL of the whole buffer. */
static int render(struct ctx *ctx, struct shared_buf *buf, uint32_t value,
		  uint64_t duration_ns, uint32_t flags)
{
	return vprime_job_fill(ctx->gpu, buf->gpu_handle, buf->pitch,
			       ctx->kms.width, ctx->kms.height, value,
			       duration_ns, flags);
}

/*
 * Check one CRC entry of the flip from ctx->shown_crc to @new_crc: every
 * vblank shows the old or the new frame, never anything else, never the
 * old one again, and the new one only once @fence (if any) signalled.
 */
static void check_crc(struct ctx *ctx, uint32_t value, uint32_t new_crc,
		      int fence, bool *new_seen)
{
	if (value == new_crc) {
		if (!*new_seen && fence >= 0)
			igt_assert_f(vprime_gpu_sync_file_status(fence) != 0,
				     "the new frame was displayed before its fence signalled\n");
		*new_seen = true;
		return;
	}
	igt_assert_f(value == ctx->shown_crc,
		     "CRC %#010x is neither the old frame's %#010x nor the new frame's %#010x: partial frame\n",
		     value, ctx->shown_crc, new_crc);
	igt_assert_f(!*new_seen, "the display went back to the old frame\n");
}

/*
 * Start a nonblocking flip to @fb_id with a writeback capture and the CRC
 * running. @fence is the sync_file the frame depends on (-1: none known).
 * Returns true if @fence was still unsignalled when the commit returned,
 * after checking that no flip event is pending then.
 */
static bool flip_begin(struct ctx *ctx, uint32_t fb_id, int in_fence_fd,
		       int fence)
{
	bool pending;
	int ret;

	vprime_crc_start(&ctx->kms, &ctx->crc);
	ret = vprime_kms_flip(&ctx->kms, fb_id, in_fence_fd, ctx->cap.fb_id,
			      &ctx->wb_fence, 1);
	igt_assert_f(ret == 0, "nonblocking flip: %s\n", strerror(-ret));
	igt_assert_fd(ctx->wb_fence);

	if (fence < 0)
		return false;
	pending = vprime_gpu_sync_file_status(fence) == 0;
	if (pending)
		igt_assert_f(!vprime_kms_event_ready(&ctx->kms) ||
			     vprime_gpu_sync_file_status(fence) != 0,
			     "flip event pending while the render fence is unsignalled\n");
	return pending;
}

/*
 * Watch for @frames vblanks (CRC entries) that the flip in flight does not
 * complete: no event, only the old frame on screen.
 */
static void flip_check_held(struct ctx *ctx, unsigned int frames)
{
	uint32_t frame, value;
	unsigned int i;

	for (i = 0; i < frames; i++) {
		igt_assert_f(vprime_crc_read(&ctx->crc, EVENT_TIMEOUT_MS, &frame, &value),
			     "no CRC within %d ms\n", EVENT_TIMEOUT_MS);
		igt_assert_f(value == ctx->shown_crc,
			     "frame %u: CRC %#010x, expected the old frame's %#010x while the fence is held\n",
			     frame, value, ctx->shown_crc);
		igt_assert_f(!vprime_kms_event_ready(&ctx->kms),
			     "flip completed while its fence is unsignalled\n");
	}
}

/*
 * Finish the flip: wait for the event (checking that @fence, if any, had
 * signalled first), for the CRC of @value and for the writeback capture,
 * which must equal a solid @value frame.
 */
static void flip_finish(struct ctx *ctx, int fence, uint32_t value)
{
	uint32_t new_crc = vprime_expected_crc_solid(value, ctx->kms.width,
						     ctx->kms.height);
	struct pollfd pfd[2] = {
		{ .fd = ctx->kms.fd, .events = POLLIN },
		{ .fd = ctx->crc.data_fd, .events = POLLIN },
	};
	bool got_event = false, new_seen = false;
	uint32_t frame, crc;

	while (!got_event || !new_seen) {
		int ret = poll(pfd, 2, EVENT_TIMEOUT_MS);

		igt_assert_f(ret > 0, "no flip event or CRC within %d ms (event %d, new CRC %d)\n",
			     EVENT_TIMEOUT_MS, got_event, new_seen);
		if (pfd[0].revents & POLLIN) {
			if (fence >= 0)
				igt_assert_f(vprime_gpu_sync_file_status(fence) != 0,
					     "flip event arrived before the render fence signalled\n");
			igt_assert(vprime_kms_wait_flip(&ctx->kms, 0) || got_event);
			got_event = true;
		}
		while (vprime_crc_read(&ctx->crc, 0, &frame, &crc))
			check_crc(ctx, crc, new_crc, fence, &new_seen);
	}
	vprime_crc_stop(&ctx->crc);
	ctx->shown_crc = new_crc;

	igt_assert_f(vprime_fd_wait(ctx->wb_fence, POLLIN, EVENT_TIMEOUT_MS),
		     "writeback out-fence did not signal\n");
	igt_assert_eq(vprime_gpu_sync_file_status(ctx->wb_fence), 1);
	close(ctx->wb_fence);
	ctx->wb_fence = -1;
	igt_assert_f(vprime_capture_diff_solid(&ctx->kms, &ctx->cap, value) == 0,
		     "writeback capture differs from the finished render\n");
}

/*
 * Render @buf on the GPU with a ~100 ms job and flip to it while the job
 * runs. If the job was already done when the commit returned, the case
 * proved nothing: show the old frame and retry with a longer job.
 */
/*
 * Flip to @fb_id (with @in_fence as IN_FENCE_FD, or -1) while the render
 * behind @fence should still run, check the result and close @fence. True
 * when the render was still running at the commit; otherwise the test
 * proved nothing: after at most 3 attempts fail, else show the old frame
 * and make the next render (*@duration) 4 times longer.
 */
static bool flip_while_rendering(struct ctx *ctx, uint32_t fb_id, int in_fence,
				 int fence, uint32_t value, unsigned int attempt,
				 uint64_t *duration)
{
	bool pending = flip_begin(ctx, fb_id, in_fence, fence);

	flip_finish(ctx, fence, value);
	close(fence);
	if (pending)
		return true;

	igt_assert_f(attempt < 3,
		     "the render always finished before the flip was committed (%" PRIu64 " ms)\n",
		     *duration / MS);
	igt_info("render of %" PRIu64 " ms finished before the commit returned, retrying longer\n",
		 *duration / MS);
	*duration *= 4;
	show_old(ctx);
	return false;
}

static void render_and_flip(struct ctx *ctx, struct shared_buf *buf,
			    bool explicit, unsigned int seed)
{
	uint64_t duration = 100 * MS;
	unsigned int attempt;

	for (attempt = 0; ; attempt++) {
		uint32_t value = color(seed + attempt);
		int fence = render(ctx, buf, value, duration,
				   explicit ? VPRIME_SUBMIT_NO_IMPLICIT : 0);
		bool pending, in_ready;

		/* poll first: pending afterwards means pending at poll time */
		in_ready = vprime_fd_ready(buf->dmabuf, POLLIN);
		pending = vprime_gpu_sync_file_status(fence) == 0;
		if (pending && explicit)
			igt_assert_f(in_ready,
				     "NO_IMPLICIT render blocks the dma-buf's EPOLLIN: it published an implicit write fence\n");
		else if (pending)
			igt_assert_f(!in_ready,
				     "dma-buf reports EPOLLIN while the render writing it runs\n");

		if (flip_while_rendering(ctx, buf->fb_id, explicit ? fence : -1,
					 fence, value, attempt, &duration))
			return;
	}
}

/* Wait for the CRC @want (at most @frames entries). */
static void wait_crc(struct ctx *ctx, uint32_t want, unsigned int frames)
{
	uint32_t frame, value = 0;
	unsigned int i;

	vprime_crc_start(&ctx->kms, &ctx->crc);
	for (i = 0; i < frames; i++) {
		igt_assert_f(vprime_crc_read(&ctx->crc, EVENT_TIMEOUT_MS, &frame, &value),
			     "no CRC\n");
		if (value == want)
			break;
	}
	vprime_crc_stop(&ctx->crc);
	igt_assert_f(value == want, "CRC %#010x, expected %#010x\n", value, want);
}

/*
 * The display's vmap of the import and the GPU BO's mmap are the same
 * pages: a CPU write through the GPU mmap, bracketed by DMA_BUF_IOCTL_SYNC,
 * is what the display composes next, with no flip and no copy.
 */
static void check_shared_pages(struct ctx *ctx, struct shared_buf *buf)
{
	uint32_t w = ctx->kms.width, h = ctx->kms.height;
	uint32_t *map, x, y;

	map = vprime_gpu_bo_mmap(ctx->gpu, buf->gpu_handle, buf->size);
	prime_sync_start(buf->dmabuf, true);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			map[y * (buf->pitch / 4) + x] =
				(x * 255 / w) << 16 | (y * 255 / h) << 8 | ((x ^ y) & 0xff);
	prime_sync_end(buf->dmabuf, true);

	vprime_kms_capture(&ctx->kms, &ctx->cap);
	igt_assert_f(vprime_capture_diff(&ctx->kms, &ctx->cap, map, buf->pitch) == 0,
		     "the display does not show the CPU write made through the GPU BO's mmap\n");
	wait_crc(ctx, vprime_expected_crc(map, buf->pitch, w, h), 60);
	munmap(map, buf->size);
}

/*
 * Case 1, in the order a compositor meets it: the GPU is already rendering
 * (about 100 ms) when the BO is exported, imported on the display, made a
 * framebuffer and flipped, nonblocking. The flip must wait for the render
 * through the implicit fence the import shares.
 */
static void test_gpu_to_display(struct ctx *ctx)
{
	uint64_t live = vprime_core_stat("live_buffers"), duration = 100 * MS;
	uint32_t w = ctx->kms.width, h = ctx->kms.height;
	struct drm_vprime_bo_info info;
	struct shared_buf buf;
	unsigned int attempt;

	for (attempt = 0; ; attempt++) {
		uint32_t value = color(1 + attempt);
		int fence;

		memset(&buf, 0, sizeof(buf));
		buf.src = SRC_GPU;
		buf.pitch = w * 4;
		buf.size = ALIGN((uint64_t)buf.pitch * h, 4096);
		buf.gpu_handle = vprime_gpu_bo_create(ctx->gpu, buf.size);
		fence = render(ctx, &buf, value, duration, 0);

		/* shared while the render runs */
		buf.dmabuf = vprime_prime_export(ctx->gpu, buf.gpu_handle);
		buf.kms_handle = prime_fd_to_handle(ctx->kmsfd, buf.dmabuf);
		buf.fb_id = vprime_kms_add_fb(ctx->kmsfd, buf.kms_handle, w, h,
					      buf.pitch, DRM_FORMAT_XRGB8888);
		igt_assert_f(vprime_core_stat("live_buffers") == live + 1,
			     "exporting and importing created more than one buffer\n");
		igt_assert_eq(__vprime_gpu_bo_info(ctx->gpu, buf.gpu_handle,
						   &info), 0);
		igt_assert(info.status & VPRIME_BO_STATUS_EXPORTED);

		if (flip_while_rendering(ctx, buf.fb_id, -1, fence, value,
					 attempt, &duration))
			break;
		shared_destroy(ctx, &buf);
	}
	check_shared_pages(ctx, &buf);

	show_old(ctx);
	shared_destroy(ctx, &buf);
	igt_assert_eq_u64(vprime_core_stat("live_buffers"), live);
}

static void test_map_dumb_import(struct ctx *ctx)
{
	struct drm_mode_map_dumb bad = { .handle = 0x7fffffff };
	struct drm_mode_map_dumb map = { 0 };
	uint32_t value = color(7), *p;
	struct shared_buf buf;
	int fence;

	shared_create(ctx, SRC_GPU, &buf);
	fence = render(ctx, &buf, value, 0, 0);
	igt_assert(vprime_fd_wait(fence, POLLIN, EVENT_TIMEOUT_MS));
	close(fence);

	map.handle = buf.kms_handle;
	igt_assert_eq(drmIoctl(ctx->kmsfd, DRM_IOCTL_MODE_MAP_DUMB, &map), 0);
	p = mmap(NULL, buf.size, PROT_READ, MAP_SHARED, ctx->kmsfd, map.offset);
	igt_assert(p != MAP_FAILED);
	igt_assert_eq_u32(p[0], value);
	igt_assert_eq_u32(p[(uint64_t)buf.pitch / 4 * (ctx->kms.height - 1) +
			    ctx->kms.width - 1], value);
	munmap(p, buf.size);

	igt_assert_eq(drmIoctl(ctx->kmsfd, DRM_IOCTL_MODE_MAP_DUMB, &bad), -1);
	igt_assert_eq(errno, ENOENT);
	shared_destroy(ctx, &buf);
}

static void test_userspace_fences(struct ctx *ctx)
{
	struct shared_buf buf;
	uint32_t value = color(7), fence_id;
	void *map;
	int sync;

	shared_create(ctx, SRC_GPU, &buf);
	map = vprime_gpu_bo_mmap(ctx->gpu, buf.gpu_handle, buf.size);
	prime_sync_start(buf.dmabuf, true);
	fill_cpu(map, buf.pitch, ctx->kms.width, ctx->kms.height, value);
	prime_sync_end(buf.dmabuf, true);
	munmap(map, buf.size);

	fence_id = vprime_gpu_fence_attach(ctx->gpu, buf.gpu_handle,
					   VPRIME_FENCE_WRITE);
	/* the userspace fence as a sync_file, to check the order against */
	sync = vprime_dmabuf_export_sync_file(buf.dmabuf, DMA_BUF_SYNC_READ);
	igt_assert_eq(vprime_gpu_sync_file_status(sync), 0);

	igt_assert(flip_begin(ctx, buf.fb_id, -1, sync));
	flip_check_held(ctx, HELD_FRAMES);
	igt_assert_eq(vprime_gpu_sync_file_status(sync), 0);
	vprime_gpu_fence_signal(ctx->gpu, fence_id);
	flip_finish(ctx, sync, value);
	close(sync);

	show_old(ctx);
	shared_destroy(ctx, &buf);
}

static void test_render_flip(struct ctx *ctx, enum buf_src src, bool explicit)
{
	struct shared_buf buf;
	uint64_t live = vprime_core_stat("live_buffers");

	shared_create(ctx, src, &buf);
	render_and_flip(ctx, &buf, explicit, 11 + src * 4);
	show_old(ctx);
	shared_destroy(ctx, &buf);
	igt_assert_eq_u64(vprime_core_stat("live_buffers"), live);
}

/* The line of core buffer @id in vprime_core/buffers (static storage). */
static const char *core_buffer_line(uint64_t id)
{
	static char buf[1 << 16];
	char key[48], *line, *end;
	int ret;

	ret = vprime_read_file("/sys/kernel/debug/vprime_core/buffers", buf,
			       sizeof(buf));
	igt_assert_f(ret >= 0, "reading vprime_core/buffers: %s\n", strerror(-ret));
	snprintf(key, sizeof(key), "id=%" PRIu64 " ", id);
	for (line = buf; line && strncmp(line, key, strlen(key));) {
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	igt_assert_f(line, "buffer %" PRIu64 " not in vprime_core/buffers\n", id);
	end = strchr(line, '\n');
	if (end)
		*end = '\0';
	return line;
}

static const char *heap_placement(uint64_t id)
{
	return strstr(core_buffer_line(id), "placement=local") ? "local" : "system";
}

static void migrate(struct ctx *ctx, struct shared_buf *buf, uint32_t placement)
{
	struct vprime_heap_migrate args = {
		.fd = buf->dmabuf, .placement = placement,
	};
	uint64_t before = vprime_core_stat("migrations");
	int ret = igt_ioctl(ctx->heap, VPRIME_HEAP_IOCTL_MIGRATE, &args);

	igt_assert_f(ret == 0,
		     "migrating the shared buffer between flips: %s (a device keeps it pinned or mapped while not using it): %s\n",
		     strerror(errno), core_buffer_line(buf->heap_id));
	igt_assert_eq_u64(vprime_core_stat("migrations"), before + 1);
	igt_assert(!strcmp(heap_placement(buf->heap_id),
			   placement == VPRIME_HEAP_PLACEMENT_LOCAL ? "local" : "system"));
}

static void render_flip_simple(struct ctx *ctx, struct shared_buf *buf,
			       uint32_t value)
{
	int fence = render(ctx, buf, value, 10 * MS, 0);

	flip_begin(ctx, buf->fb_id, -1, fence);
	flip_finish(ctx, fence, value);
	close(fence);
}

/* Wait (bounded) until the GPU has freed its jobs and their BO mappings. */
static void gpu_wait_idle(struct ctx *ctx)
{
	uint64_t inflight = 1;
	int i;

	for (i = 0; i < 500; i++) {
		igt_assert_eq(vprime_debugfs_read_key(ctx->gpu, "queue",
						      "jobs_inflight",
						      &inflight), 0);
		if (!inflight)
			return;
		usleep(10 * 1000);
	}
	igt_assert_f(!inflight, "GPU jobs still in flight after 5 s\n");
}

/*
 * Between flips: the buffer is no longer on screen, its framebuffer stays.
 * The display maps a framebuffer only while a plane shows it (or a
 * writeback job writes it) and the GPU only while a job uses it, so
 * nothing pins the buffer: it moves, and both importers, still attached
 * and still holding their handles and the framebuffer, must reach the
 * moved pages for the next frame.
 */
static void migrate_between_flips(struct ctx *ctx, struct shared_buf *buf,
				  uint32_t placement)
{
	show_old(ctx);
	gpu_wait_idle(ctx);
	migrate(ctx, buf, placement);
}

static void test_migration(struct ctx *ctx)
{
	struct shared_buf buf;

	shared_create(ctx, SRC_HEAP, &buf);
	igt_assert(!strcmp(heap_placement(buf.heap_id), "system"));
	render_flip_simple(ctx, &buf, color(20));

	migrate_between_flips(ctx, &buf, VPRIME_HEAP_PLACEMENT_LOCAL);
	igt_assert(strstr(core_buffer_line(buf.heap_id), "vprime-gpu"));
	igt_assert(strstr(core_buffer_line(buf.heap_id), "vprime-kms"));
	render_flip_simple(ctx, &buf, color(21));

	migrate_between_flips(ctx, &buf, VPRIME_HEAP_PLACEMENT_SYSTEM);
	render_flip_simple(ctx, &buf, color(22));

	show_old(ctx);
	shared_destroy(ctx, &buf);
}

/*
 * An on-screen buffer is pinned through the display's attachment: a
 * migration request gets -EBUSY at once, even while a writer's fence is
 * pending (a migration waits for fences before it moves a buffer, so one
 * that waited would still be blocked). Off screen it is unpinned, moves,
 * and the next flip shows it.
 */
static void test_migrate_on_screen(struct ctx *ctx)
{
	uint64_t before = vprime_core_stat("migrations");
	struct vprime_heap_migrate args = {
		.placement = VPRIME_HEAP_PLACEMENT_LOCAL,
	};
	struct shared_buf buf;
	uint32_t fence;

	shared_create(ctx, SRC_HEAP, &buf);
	args.fd = buf.dmabuf;
	render_flip_simple(ctx, &buf, color(50));
	gpu_wait_idle(ctx);
	igt_assert_f(!strstr(core_buffer_line(buf.heap_id), " pins=0 "),
		     "the on-screen buffer is not pinned: %s\n",
		     core_buffer_line(buf.heap_id));

	fence = vprime_gpu_fence_attach(ctx->gpu, buf.gpu_handle,
					VPRIME_FENCE_WRITE);
	igt_assert_eq(igt_ioctl(ctx->heap, VPRIME_HEAP_IOCTL_MIGRATE, &args), -1);
	igt_assert_eq(errno, EBUSY);
	igt_assert_f(vprime_gpu_bo_busy(ctx->gpu, buf.gpu_handle),
		     "the writer's fence signalled: the refusal waited for it\n");
	vprime_gpu_fence_signal(ctx->gpu, fence);
	igt_assert_eq(igt_ioctl(ctx->heap, VPRIME_HEAP_IOCTL_MIGRATE, &args), -1);
	igt_assert_eq(errno, EBUSY);
	igt_assert_eq_u64(vprime_core_stat("migrations"), before);
	igt_assert(!strcmp(heap_placement(buf.heap_id), "system"));

	/* off screen: no pin, it moves; the next flip maps it again */
	migrate_between_flips(ctx, &buf, VPRIME_HEAP_PLACEMENT_LOCAL);
	igt_assert(strstr(core_buffer_line(buf.heap_id), " pins=0 "));
	render_flip_simple(ctx, &buf, color(51));

	show_old(ctx);
	shared_destroy(ctx, &buf);
}

static void test_fence_error(struct ctx *ctx)
{
	uint32_t before = color(30), lost = color(31), after = color(32);
	uint64_t timedout, timedout_after;
	struct shared_buf buf;
	uint32_t timeout_ms;
	int fence;

	igt_assert_eq(vprime_gpu_get_job_timeout(ctx->gpu, &timeout_ms), 0);
	igt_assert_eq(vprime_debugfs_read_key(ctx->gpu, "queue", "jobs_timedout",
					      &timedout), 0);
	/* a short timeout keeps the test quick; restored below */
	igt_assert_eq(vprime_gpu_set_job_timeout(ctx->gpu, 300), 0);

	shared_create(ctx, SRC_GPU, &buf);
	fence = render(ctx, &buf, before, 0, 0);
	igt_assert(vprime_fd_wait(fence, POLLIN, EVENT_TIMEOUT_MS));
	close(fence);

	/*
	 * The hung job would write @lost; it times out instead, and the flip
	 * that waited for it shows the buffer as it was: @before.
	 */
	fence = render(ctx, &buf, lost, 0, VPRIME_SUBMIT_HANG);
	igt_assert(flip_begin(ctx, buf.fb_id, -1, fence));
	flip_finish(ctx, fence, before);
	igt_assert_f(vprime_gpu_sync_file_status(fence) == -ETIMEDOUT,
		     "hung render's fence status %d, expected -ETIMEDOUT\n",
		     vprime_gpu_sync_file_status(fence));
	close(fence);
	igt_assert_eq(vprime_debugfs_read_key(ctx->gpu, "queue", "jobs_timedout",
					      &timedout_after), 0);
	igt_assert_eq_u64(timedout_after, timedout + 1);

	/* both devices keep working */
	show_old(ctx);
	render_flip_simple(ctx, &buf, after);

	show_old(ctx);
	shared_destroy(ctx, &buf);
	igt_assert_eq(vprime_gpu_set_job_timeout(ctx->gpu, timeout_ms), 0);
}

/* vgem's uapi (include/uapi/drm/vgem_drm.h of Linux 6.1) */
struct local_vgem_fence_attach {
	uint32_t handle;
	uint32_t flags;
	uint32_t out_fence;
	uint32_t pad;
};

struct local_vgem_fence_signal {
	uint32_t fence;
	uint32_t flags;
};

#define LOCAL_VGEM_FENCE_WRITE		0x1
#define LOCAL_IOCTL_VGEM_FENCE_ATTACH \
	DRM_IOWR(DRM_COMMAND_BASE + 0x1, struct local_vgem_fence_attach)
#define LOCAL_IOCTL_VGEM_FENCE_SIGNAL \
	DRM_IOW(DRM_COMMAND_BASE + 0x2, struct local_vgem_fence_signal)

static void test_vgem(struct ctx *ctx)
{
	struct local_vgem_fence_attach attach = { .flags = LOCAL_VGEM_FENCE_WRITE };
	struct local_vgem_fence_signal signal = {};
	uint32_t value = color(40), kms_handle, fb_id;
	struct vprime_dumb dumb;
	int vgem, dmabuf, sync;

	if (!vprime_module_loaded("vgem"))
		igt_assert_f(igt_system_quiet("modprobe vgem") == 0,
			     "modprobe vgem failed\n");
	vgem = __vprime_open_driver("vgem", 0, false);
	igt_assert_f(vgem >= 0, "no vgem device after modprobe vgem\n");

	vprime_dumb_create(vgem, ctx->kms.width, ctx->kms.height, &dumb);
	fill_cpu(vprime_dumb_map(vgem, &dumb), dumb.pitch, ctx->kms.width,
		 ctx->kms.height, value);
	attach.handle = dumb.handle;
	do_ioctl(vgem, LOCAL_IOCTL_VGEM_FENCE_ATTACH, &attach);

	dmabuf = vprime_prime_export(vgem, dumb.handle);
	kms_handle = prime_fd_to_handle(ctx->kmsfd, dmabuf);
	fb_id = vprime_kms_add_fb(ctx->kmsfd, kms_handle, ctx->kms.width,
				  ctx->kms.height, dumb.pitch,
				  DRM_FORMAT_XRGB8888);
	sync = vprime_dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_READ);
	igt_assert_eq(vprime_gpu_sync_file_status(sync), 0);

	igt_assert(flip_begin(ctx, fb_id, -1, sync));
	flip_check_held(ctx, HELD_FRAMES);
	signal.fence = attach.out_fence;
	do_ioctl(vgem, LOCAL_IOCTL_VGEM_FENCE_SIGNAL, &signal);
	flip_finish(ctx, sync, value);
	close(sync);

	show_old(ctx);
	drmModeRmFB(ctx->kmsfd, fb_id);
	gem_close(ctx->kmsfd, kms_handle);
	close(dmabuf);
	vprime_dumb_destroy(vgem, &dumb);
	close(vgem);
}

static void test_sync_file(struct ctx *ctx)
{
	struct shared_buf buf, disp;
	uint32_t gate_handle, gate, value = color(50);
	int job, exported, gated, job2;

	/* Export: a sync_file of the render in flight, gated by a user fence */
	shared_create(ctx, SRC_GPU, &buf);
	gate = vprime_gpu_fence_attach(ctx->gpu, buf.gpu_handle, VPRIME_FENCE_WRITE);
	job = render(ctx, &buf, value, 20 * MS, 0);
	exported = vprime_dmabuf_export_sync_file(buf.dmabuf, DMA_BUF_SYNC_READ);
	igt_assert_eq(vprime_gpu_sync_file_status(exported), 0);
	igt_assert_eq(vprime_gpu_sync_file_status(job), 0);
	vprime_gpu_fence_signal(ctx->gpu, gate);
	igt_assert_f(vprime_fd_wait(exported, POLLIN, EVENT_TIMEOUT_MS),
		     "exported sync_file never signalled\n");
	igt_assert_f(vprime_gpu_sync_file_status(job) == 1,
		     "exported sync_file signalled before the render it was taken from\n");
	close(exported);
	close(job);
	/* the buffer holds the render: show it */
	flip_begin(ctx, buf.fb_id, -1, -1);
	flip_finish(ctx, -1, value);
	show_old(ctx);

	/*
	 * Import: a sync_file of a GPU job on another BO (held by a user fence)
	 * goes into the display buffer's dma_resv as a write fence; the next
	 * render into the display buffer waits for it.
	 */
	shared_create(ctx, SRC_DISPLAY, &disp);
	gate_handle = vprime_gpu_bo_create(ctx->gpu, 4096);
	gate = vprime_gpu_fence_attach(ctx->gpu, gate_handle, VPRIME_FENCE_WRITE);
	gated = vprime_gpu_fill_fence(ctx->gpu, gate_handle, 4096, 0, 0);
	vprime_dmabuf_import_sync_file(disp.dmabuf, gated, DMA_BUF_SYNC_WRITE);
	job2 = render(ctx, &disp, color(51), 0, 0);
	igt_assert_eq(vprime_gpu_sync_file_status(gated), 0);
	igt_assert_f(vprime_gpu_sync_file_status(job2) == 0,
		     "render finished before the imported sync_file signalled\n");
	igt_assert(!vprime_fd_ready(disp.dmabuf, POLLIN));
	vprime_gpu_fence_signal(ctx->gpu, gate);
	igt_assert(vprime_fd_wait(job2, POLLIN, EVENT_TIMEOUT_MS));
	igt_assert_f(vprime_gpu_sync_file_status(gated) == 1,
		     "render finished before the imported sync_file signalled\n");
	flip_begin(ctx, disp.fb_id, -1, job2);
	flip_finish(ctx, job2, color(51));
	close(job2);
	close(gated);
	gem_close(ctx->gpu, gate_handle);

	show_old(ctx);
	shared_destroy(ctx, &disp);
	shared_destroy(ctx, &buf);
}

static void test_poll(struct ctx *ctx)
{
	struct shared_buf a, x;
	uint32_t gate, xgate;
	int job, out_fence = -1, job2;
	struct vprime_commit c;

	shared_create(ctx, SRC_GPU, &a);
	shared_create(ctx, SRC_GPU, &x);

	/* idle */
	igt_assert(vprime_fd_ready(a.dmabuf, POLLIN | POLLOUT));

	/* a reader: EPOLLIN (no writer) but not EPOLLOUT */
	gate = vprime_gpu_fence_attach(ctx->gpu, a.gpu_handle, 0);
	igt_assert(vprime_fd_ready(a.dmabuf, POLLIN));
	igt_assert(!vprime_fd_ready(a.dmabuf, POLLOUT));
	vprime_gpu_fence_signal(ctx->gpu, gate);
	igt_assert(vprime_fd_ready(a.dmabuf, POLLIN | POLLOUT));

	/* render: a writer queued behind a held write fence: neither */
	gate = vprime_gpu_fence_attach(ctx->gpu, a.gpu_handle, VPRIME_FENCE_WRITE);
	job = render(ctx, &a, color(60), 5 * MS, 0);
	igt_assert(!vprime_fd_ready(a.dmabuf, POLLIN));
	igt_assert(!vprime_fd_ready(a.dmabuf, POLLOUT));
	vprime_gpu_fence_signal(ctx->gpu, gate);
	igt_assert(vprime_fd_wait(a.dmabuf, POLLIN, EVENT_TIMEOUT_MS));
	igt_assert_f(vprime_gpu_sync_file_status(job) == 1,
		     "EPOLLIN before the render finished\n");
	igt_assert(vprime_fd_ready(a.dmabuf, POLLOUT));

	/* scanout: the display reads, it does not write */
	flip_begin(ctx, a.fb_id, -1, job);
	flip_finish(ctx, job, color(60));
	close(job);
	igt_assert(vprime_fd_ready(a.dmabuf, POLLIN));

	/*
	 * Release: A stays on screen until the flip to X completes, held by
	 * a user fence on X. The flip's out-fence is A's release fence, added
	 * as a read fence: EPOLLIN but no EPOLLOUT until it signals.
	 */
	job = render(ctx, &x, color(61), 0, 0);
	igt_assert(vprime_fd_wait(job, POLLIN, EVENT_TIMEOUT_MS));
	close(job);
	xgate = vprime_gpu_fence_attach(ctx->gpu, x.gpu_handle, VPRIME_FENCE_WRITE);
	memset(&c, 0, sizeof(c));
	c.fb_id = x.fb_id;
	c.in_fence_fd = -1;
	c.out_fence = &out_fence;
	c.flags = DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT;
	vprime_kms_commit(&ctx->kms, &c);
	igt_assert_fd(out_fence);
	vprime_dmabuf_import_sync_file(a.dmabuf, out_fence, DMA_BUF_SYNC_READ);
	igt_assert(vprime_fd_ready(a.dmabuf, POLLIN));
	igt_assert(!vprime_fd_ready(a.dmabuf, POLLOUT));

	/* the next render of A waits for the release */
	job2 = render(ctx, &a, color(62), 0, 0);
	igt_assert(!vprime_fd_ready(a.dmabuf, POLLIN));
	igt_assert_f(vprime_gpu_sync_file_status(job2) == 0,
		     "render into A ran while A was still on screen\n");
	igt_assert(!vprime_kms_event_ready(&ctx->kms) ||
		   vprime_gpu_sync_file_status(out_fence) != 0);
	vprime_gpu_fence_signal(ctx->gpu, xgate);
	igt_assert(vprime_kms_wait_flip(&ctx->kms, EVENT_TIMEOUT_MS));
	igt_assert(vprime_fd_wait(a.dmabuf, POLLIN, EVENT_TIMEOUT_MS));
	igt_assert_eq(vprime_gpu_sync_file_status(job2), 1);
	igt_assert_f(vprime_gpu_sync_file_status(out_fence) == 1,
		     "A was rendered before the display released it\n");
	igt_assert(vprime_fd_ready(a.dmabuf, POLLOUT));
	close(job2);
	close(out_fence);
	ctx->shown_crc = vprime_expected_crc_solid(color(61), ctx->kms.width,
						   ctx->kms.height);

	show_old(ctx);
	shared_destroy(ctx, &x);
	shared_destroy(ctx, &a);
}

igt_main
{
	struct ctx ctx;

	igt_fixture {
		igt_require_f(vprime_module_loaded("vprime"),
			      "vprime.ko is not loaded (run the test under vm/run)\n");
	}

	igt_describe("GPU renders into its BO with a ~100 ms job; the display "
		     "imports it and flips while the job runs: the flip event "
		     "only follows the render fence, writeback and CRC equal the "
		     "finished render, and the pages are shared, not copied.");
	igt_subtest("gpu-to-display-implicit") {
		ctx_init(&ctx);
		test_gpu_to_display(&ctx);
		ctx_fini(&ctx);
	}

	igt_describe("MODE_MAP_DUMB on the display maps an imported GPU buffer; "
		     "an unknown handle gets ENOENT.");
	igt_subtest("map-dumb-import") {
		ctx_init(&ctx);
		test_map_dumb_import(&ctx);
		ctx_fini(&ctx);
	}

	igt_describe("A GPU userspace write fence holds the flip for as long as "
		     "it is unsignalled.");
	igt_subtest("userspace-fences") {
		ctx_init(&ctx);
		test_userspace_fences(&ctx);
		ctx_fini(&ctx);
	}

	igt_describe("A display dumb buffer exported to the GPU and rendered "
		     "there is shown only after the render completes.");
	igt_subtest("display-to-gpu") {
		ctx_init(&ctx);
		test_render_flip(&ctx, SRC_DISPLAY, false);
		ctx_fini(&ctx);
	}

	igt_describe("Explicit sync: NO_IMPLICIT render, flip with IN_FENCE_FD "
		     "from the render's out sync_file.");
	igt_subtest("explicit-sync") {
		ctx_init(&ctx);
		test_render_flip(&ctx, SRC_GPU, true);
		ctx_fini(&ctx);
	}

	igt_describe("A /dev/vprime_heap buffer imported into GPU and display "
		     "follows the same fence rules.");
	igt_subtest("heap-buffer") {
		ctx_init(&ctx);
		test_render_flip(&ctx, SRC_HEAP, false);
		ctx_fini(&ctx);
	}

	igt_describe("Migrating the shared buffer between flips: importers "
		     "re-map and the next frames are correct.");
	igt_subtest("migration") {
		ctx_init(&ctx);
		test_migration(&ctx);
		ctx_fini(&ctx);
	}

	igt_describe("An on-screen buffer is pinned: its migration is refused "
		     "at once; off screen it moves.");
	igt_subtest("migrate-on-screen") {
		ctx_init(&ctx);
		test_migrate_on_screen(&ctx);
		ctx_fini(&ctx);
	}

	igt_describe("A hung render times out with -ETIMEDOUT; the dependent "
		     "flip shows the buffer with its previous contents and the "
		     "devices keep working.");
	igt_subtest("fence-error") {
		ctx_init(&ctx);
		test_fence_error(&ctx);
		ctx_fini(&ctx);
	}

	igt_describe("A vgem buffer with a vgem write fence: the display's flip "
		     "waits for the vgem fence.");
	igt_subtest("vgem-interop") {
		ctx_init(&ctx);
		test_vgem(&ctx);
		ctx_fini(&ctx);
	}

	igt_describe("DMA_BUF_IOCTL_EXPORT_SYNC_FILE waits for the render in "
		     "flight; a sync_file imported with IMPORT_SYNC_FILE into a "
		     "display buffer orders the next GPU render after it.");
	igt_subtest("sync-file-export-import") {
		ctx_init(&ctx);
		test_sync_file(&ctx);
		ctx_fini(&ctx);
	}

	igt_describe("poll() on the shared dma-buf across render, scanout and "
		     "the next render: EPOLLIN waits for writers, EPOLLOUT for "
		     "all fences.");
	igt_subtest("dmabuf-poll") {
		ctx_init(&ctx);
		test_poll(&ctx);
		ctx_fini(&ctx);
	}
}
