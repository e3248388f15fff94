// SPDX-License-Identifier: MIT
/*
 * vprime_prime_mp - a compositor and a client in two processes share
 * buffers through dma-buf fds passed over a unix socket (SCM_RIGHTS).
 *
 * The client renders frames on the GPU into two buffers in turn and sends
 * each frame's buffer index (the dma-buf fds were sent once at start) with
 * its render fence. The compositor flips to the buffer immediately - no CPU
 * wait on the render: the display waits for the buffer's implicit fence -
 * and sends the flip's out-fence back as the release fence of the buffer
 * the flip replaces. The client adds the release fence to that buffer's
 * dma_resv (IMPORT_SYNC_FILE, as a reader), so its next render into the
 * buffer waits for the display to let go of it, again without a CPU wait.
 */

/**
 * TEST: vprime prime mp
 * Category: Software building block
 * Description: Compositor and client processes share GPU-rendered buffers
 *              over SCM_RIGHTS; 60 frames are checked by CRC.
 * Feature: prime, implicit sync, kms
 *
 * SUBTEST: compositor-client
 * Description: 60 frames rendered by a client process are flipped by a
 *              compositor process in order, each only after its render and
 *              each render only after its buffer's release; every vblank's
 *              CRC is the previous or the new frame (no tearing).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/sync_file.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "igt.h"
#include "vprime_igt.h"
#include "vprime_kms_util.h"

IGT_TEST_DESCRIPTION("Compositor and client processes sharing GPU-rendered "
		     "buffers through dma-buf fds and implicit fences.");

#define NUM_FRAMES	60
#define NUM_BUFS	2
#define COLOR_BG	0x00203040u
#define RENDER_NS	(8 * 1000 * 1000ull)
#define TIMEOUT_MS	10000

enum msg_type {
	MSG_HELLO = 1,	/* client: NUM_BUFS dma-buf fds */
	MSG_FRAME,	/* client: frame rendered into buf, fd = render fence */
	MSG_RELEASE,	/* compositor: buf released when fd signals */
	MSG_DONE,	/* compositor: all frames shown */
};

struct msg {
	uint32_t type;
	uint32_t frame;
	uint32_t buf;
	uint32_t value;
	uint32_t width;
	uint32_t height;
};

static uint32_t frame_color(unsigned int i)
{
	return ((i * 37 + 11) & 0xff) << 16 | ((i * 101 + 7) & 0xff) << 8 | (i & 0xff);
}

static void send_msg(int sock, const struct msg *m, const int *fds, int nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * NUM_BUFS)] = {};
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (nfds) {
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
	}
	igt_assert_f(sendmsg(sock, &mh, 0) == sizeof(*m), "sendmsg: %s\n",
		     strerror(errno));
}

/* Receive a message and up to @max fds; returns the number of fds. */
static int recv_msg(int sock, struct msg *m, int *fds, int max)
{
	char cbuf[CMSG_SPACE(sizeof(int) * NUM_BUFS)] = {};
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	ssize_t len;
	int n = 0;

	igt_assert_f(vprime_fd_wait(sock, POLLIN, TIMEOUT_MS),
		     "peer sent nothing for %d ms\n", TIMEOUT_MS);
	len = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	igt_assert_f(len == sizeof(*m), "recvmsg: %zd (%s): peer gone?\n", len,
		     len < 0 ? strerror(errno) : "short");
	for (cmsg = CMSG_FIRSTHDR(&mh); cmsg; cmsg = CMSG_NXTHDR(&mh, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		igt_assert_lte(n, max);
		memcpy(fds, CMSG_DATA(cmsg), sizeof(int) * n);
	}
	return n;
}

/* The client: renders NUM_FRAMES frames, never waiting on a fence. */
static void client(int sock)
{
	int gpu = __vprime_open_driver(VPRIME_GPU_DRIVER, 0, true);
	uint32_t handles[NUM_BUFS];
	int dmabufs[NUM_BUFS];
	struct msg m;
	uint32_t w, h, pitch;
	unsigned int i, b;
	int fd;

	igt_assert_f(gpu >= 0, "client: no vprime_gpu render node\n");
	igt_assert_eq(recv_msg(sock, &m, NULL, 0), 0);
	w = m.width;
	h = m.height;
	pitch = w * 4;

	for (b = 0; b < NUM_BUFS; b++) {
		handles[b] = vprime_gpu_bo_create(gpu, ALIGN((uint64_t)pitch * h, 4096));
		dmabufs[b] = vprime_prime_export(gpu, handles[b]);
	}
	memset(&m, 0, sizeof(m));
	m.type = MSG_HELLO;
	send_msg(sock, &m, dmabufs, NUM_BUFS);

	for (i = 0; i < NUM_FRAMES; i++) {
		b = i % NUM_BUFS;
		if (i >= NUM_BUFS) {
			/* the release of the frame i - NUM_BUFS */
			igt_assert_eq(recv_msg(sock, &m, &fd, 1), 1);
			igt_assert_eq(m.type, MSG_RELEASE);
			igt_assert_eq(m.buf, b);
			vprime_dmabuf_import_sync_file(dmabufs[b], fd, DMA_BUF_SYNC_READ);
			close(fd);
		}
		fd = vprime_job_fill(gpu, handles[b], pitch, w, h, frame_color(i),
				     RENDER_NS, 0);
		memset(&m, 0, sizeof(m));
		m.type = MSG_FRAME;
		m.frame = i;
		m.buf = b;
		m.value = frame_color(i);
		send_msg(sock, &m, &fd, 1);
		close(fd);
	}

	/* the last releases, then the end */
	for (;;) {
		int n = recv_msg(sock, &m, &fd, 1);

		if (n)
			close(fd);
		if (m.type == MSG_DONE)
			break;
		igt_assert_eq(m.type, MSG_RELEASE);
	}
	for (b = 0; b < NUM_BUFS; b++) {
		close(dmabufs[b]);
		gem_close(gpu, handles[b]);
	}
	close(gpu);
	close(sock);
}

struct compositor {
	struct vprime_kms kms;
	struct vprime_crc crc;
	uint32_t crcs[NUM_FRAMES];
	uint32_t shown_crc;
	int shown;		/* frame on screen, -1 for the background */
};

/* The frame whose CRC is @value, or -1. */
static int which_frame(const struct compositor *c, uint32_t value)
{
	int i;

	for (i = 0; i < NUM_FRAMES; i++)
		if (c->crcs[i] == value)
			return i;
	if (value == vprime_expected_crc_solid(COLOR_BG, c->kms.width, c->kms.height))
		return -2;
	if (value == vprime_expected_crc_solid(0, c->kms.width, c->kms.height))
		return -3;
	return -1;
}

/*
 * Wait for the flip event of @frame (its render fence must have signalled
 * by then), then for its CRC. Every CRC meanwhile is the frame on screen
 * or @frame: frames come in order and never torn.
 */
static void wait_frame(struct compositor *c, unsigned int frame, int render)
{
	struct pollfd pfd[2] = {
		{ .fd = c->kms.fd, .events = POLLIN },
		{ .fd = c->crc.data_fd, .events = POLLIN },
	};
	bool event = false, seen = false;
	uint32_t seq, value;

	while (!event || !seen) {
		igt_assert_f(poll(pfd, 2, TIMEOUT_MS) > 0,
			     "frame %u: no flip event or CRC for %d ms\n", frame,
			     TIMEOUT_MS);
		if (pfd[0].revents & POLLIN) {
			igt_assert_f(vprime_gpu_sync_file_status(render) == 1,
				     "frame %u: flip event before its render finished\n",
				     frame);
			event |= vprime_kms_wait_flip(&c->kms, 0);
		}
		while (vprime_crc_read(&c->crc, 0, &seq, &value)) {
			if (value == c->crcs[frame]) {
				igt_assert_f(vprime_gpu_sync_file_status(render) == 1,
					     "frame %u shown before its render finished\n",
					     frame);
				seen = true;
				continue;
			}
			igt_assert_f(!seen,
				     "vblank %u: frame %u went back to frame %d\n",
				     seq, frame, c->shown);
			if (value != c->shown_crc) {
				char stats[512] = "";

				/*
				 * A torn frame here means the buffer was
				 * rewritten while being composed: the release
				 * fence (the out-fence of the next flip)
				 * signalled while the composer still read it.
				 */
				vprime_debugfs_read(c->kms.fd, "vprime_compose_stats",
						    stats, sizeof(stats));
				igt_info("composer stats:\n%s", stats);
			}
			igt_assert_f(value == c->shown_crc,
				     "vblank %u: CRC %#010x is neither frame %d (%#010x) nor frame %u (%#010x): %s %d\n",
				     seq, value, c->shown, c->shown_crc, frame,
				     c->crcs[frame], which_frame(c, value) == -1 ?
				     "torn frame (the buffer was rewritten while the display composed it: was it released early?)" : which_frame(c, value) == -2 ?
				     "background" : which_frame(c, value) == -3 ?
				     "unrendered (zero) buffer" : "out of order: frame",
				     which_frame(c, value));
		}
	}
	c->shown = frame;
	c->shown_crc = c->crcs[frame];
}

/* When the single fence of signalled @sync_file signalled. */
static uint64_t signal_time(int sync_file)
{
	struct sync_fence_info fence;
	struct sync_file_info info;

	memset(&fence, 0, sizeof(fence));
	memset(&info, 0, sizeof(info));
	info.num_fences = 1;
	info.sync_fence_info = (uintptr_t)&fence;
	igt_assert_eq(igt_ioctl(sync_file, SYNC_IOC_FILE_INFO, &info), 0);
	igt_assert_eq(info.num_fences, 1);
	igt_assert_eq(fence.status, 1);
	return fence.timestamp_ns;
}

static void compositor(int sock)
{
	struct vprime_dumb bg;
	struct compositor c;
	uint32_t kms_handles[NUM_BUFS], fbs[NUM_BUFS], bg_fb;
	int dmabufs[NUM_BUFS], render[NUM_FRAMES], out_fence[NUM_FRAMES];
	struct msg m = {};
	unsigned int i, b;
	int kmsfd;
	uint32_t x, y;

	kmsfd = vprime_kms_open_or_fail(0);
	vprime_kms_init(&c.kms, kmsfd);
	c.crc.data_fd = -1;
	for (i = 0; i < NUM_FRAMES; i++) {
		c.crcs[i] = vprime_expected_crc_solid(frame_color(i), c.kms.width,
						      c.kms.height);
		render[i] = out_fence[i] = -1;
	}

	vprime_dumb_create(kmsfd, c.kms.width, c.kms.height, &bg);
	vprime_dumb_map(kmsfd, &bg);
	for (y = 0; y < c.kms.height; y++)
		for (x = 0; x < c.kms.width; x++)
			((uint32_t *)((char *)bg.map + y * bg.pitch))[x] = COLOR_BG;
	bg_fb = vprime_kms_add_fb(kmsfd, bg.handle, c.kms.width, c.kms.height,
				  bg.pitch, DRM_FORMAT_XRGB8888);
	vprime_kms_set_fb(&c.kms, bg_fb);
	c.shown = -1;
	c.shown_crc = vprime_expected_crc_solid(COLOR_BG, c.kms.width,
						c.kms.height);

	m.type = MSG_HELLO;
	m.width = c.kms.width;
	m.height = c.kms.height;
	send_msg(sock, &m, NULL, 0);
	igt_assert_eq(recv_msg(sock, &m, dmabufs, NUM_BUFS), NUM_BUFS);
	igt_assert_eq(m.type, MSG_HELLO);
	for (b = 0; b < NUM_BUFS; b++) {
		kms_handles[b] = prime_fd_to_handle(kmsfd, dmabufs[b]);
		fbs[b] = vprime_kms_add_fb(kmsfd, kms_handles[b], c.kms.width,
					   c.kms.height, c.kms.width * 4,
					   DRM_FORMAT_XRGB8888);
	}

	vprime_crc_start(&c.kms, &c.crc);
	for (i = 0; i < NUM_FRAMES; i++) {
		struct vprime_commit commit = {
			.in_fence_fd = -1,
			.out_fence = &out_fence[i],
			.flags = DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT,
			.user_data = i,
		};

		igt_assert_eq(recv_msg(sock, &m, &render[i], 1), 1);
		igt_assert_eq(m.type, MSG_FRAME);
		igt_assert_eq(m.frame, i);
		igt_assert_eq(m.buf, i % NUM_BUFS);
		igt_assert_eq_u32(m.value, frame_color(i));

		/*
		 * The render into this buffer waited for the release fence of
		 * the frame that showed it last (the flip of frame i - 1).
		 * Status of the render first: signalled then implies the
		 * release fence had signalled before.
		 */
		if (i >= NUM_BUFS && vprime_gpu_sync_file_status(render[i]) == 1)
			igt_assert_f(vprime_gpu_sync_file_status(out_fence[i - 1]) == 1,
				     "frame %u rendered into buffer %u before the display released it\n",
				     i, m.buf);

		if (i)
			wait_frame(&c, i - 1, render[i - 1]);

		commit.fb_id = fbs[m.buf];
		vprime_kms_commit(&c.kms, &commit);
		igt_assert_fd(out_fence[i]);

		if (i) {
			memset(&m, 0, sizeof(m));
			m.type = MSG_RELEASE;
			m.frame = i - 1;
			m.buf = (i - 1) % NUM_BUFS;
			send_msg(sock, &m, &out_fence[i], 1);
		}
	}
	wait_frame(&c, NUM_FRAMES - 1, render[NUM_FRAMES - 1]);
	vprime_crc_stop(&c.crc);

	memset(&m, 0, sizeof(m));
	m.type = MSG_DONE;
	send_msg(sock, &m, NULL, 0);

	/*
	 * Every render started after the release of its buffer: a job runs
	 * at least RENDER_NS, so its fence signalled at least that long after
	 * the release fence did (signal timestamps, CLOCK_MONOTONIC).
	 */
	for (i = NUM_BUFS; i < NUM_FRAMES; i++) {
		uint64_t released = signal_time(out_fence[i - 1]);
		uint64_t rendered = signal_time(render[i]);

		igt_assert_f(rendered >= released + RENDER_NS,
			     "frame %u: render done at %" PRIu64 " ns, its buffer released at %" PRIu64 " ns: it ran before the release\n",
			     i, rendered, released);
	}

	/* the release fences all signalled: every flip completed */
	for (i = 0; i < NUM_FRAMES; i++) {
		igt_assert_eq(vprime_gpu_sync_file_status(render[i]), 1);
		igt_assert_eq(vprime_gpu_sync_file_status(out_fence[i]), 1);
		close(render[i]);
		close(out_fence[i]);
	}

	vprime_kms_fini(&c.kms);
	for (b = 0; b < NUM_BUFS; b++) {
		drmModeRmFB(kmsfd, fbs[b]);
		gem_close(kmsfd, kms_handles[b]);
		close(dmabufs[b]);
	}
	drmModeRmFB(kmsfd, bg_fb);
	vprime_dumb_destroy(kmsfd, &bg);
	close(kmsfd);
}

igt_main
{
	igt_fixture {
		igt_require_f(vprime_module_loaded("vprime"),
			      "vprime.ko is not loaded (run the test under vm/run)\n");
	}

	igt_describe("A client process renders 60 frames on the GPU into two "
		     "buffers shared over SCM_RIGHTS; the compositor flips each "
		     "one without waiting on the CPU and returns the flip's "
		     "out-fence as the release fence. Every vblank's CRC shows "
		     "the frames in order and untorn.");
	igt_subtest("compositor-client") {
		int sv[2];

		igt_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
		igt_fork(child, 1) {
			close(sv[0]);
			client(sv[1]);
		}
		close(sv[1]);
		compositor(sv[0]);
		close(sv[0]);
		igt_waitchildren();
	}
}
