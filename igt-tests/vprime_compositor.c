// SPDX-License-Identifier: MIT
/*
 * vprime_compositor - a real compositor on vprime: Weston 10 drives
 * vprime_kms while userspace-demo/build/vprime-wl-client renders on
 * vprime_gpu and hands its dma-bufs over through zwp_linux_dmabuf_v1.
 *
 * Weston is started once for all subtests (in a fixture), as
 * userspace-demo/compositor/run-weston does, with
 * userspace-demo/compositor/weston.ini. The truth of what was shown is the
 * display's own CRC (debugfs crtc-0/crc), read while the client runs, and
 * compared with the CRC of each frame's solid colour, which the client
 * prints; direct scanout is the client's wp_presentation ZERO_COPY flag and
 * Weston's drm-backend debug scope ("Using plane-only state composition").
 */

/**
 * TEST: vprime compositor
 * Category: Software building block
 * Description: Weston scans vprime_gpu buffers out on vprime_kms without a
 *              copy and never before their render has finished.
 * Feature: prime, kms, compositor
 *
 * SUBTEST: weston-direct-scanout
 * Description: Fullscreen client, 30 frames with a 4 ms render each: all
 *              presented, >= 95% of the frames presented after the first
 *              second ZERO_COPY, Weston's drm-backend scope used plane-only
 *              composition, and every CRC the display produced after the
 *              client's first frame is one of the client's frames (at least
 *              90% of the frames seen).
 *
 * SUBTEST: weston-implicit-fence
 * Description: Each frame's buffer is filled with a poison colour right
 *              before a 150 ms render, and committed at once: the display's
 *              CRC never shows the poison, and shows the rendered frames.
 *
 * SUBTEST: weston-composited
 * Description: A 256x256 window turned by 90 degrees (vprime planes do not
 *              rotate, so Weston composites it with llvmpipe), 8 frames: every frame is
 *              presented, none ZERO_COPY, and the display's CRC changes
 *              with the frames.
 *
 * SUBTEST: client-second-gpu
 * Description: The client renders on the second vprime_gpu (num_gpus=2):
 *              frames presented ZERO_COPY and the CRCs are the frames'.
 *
 * SUBTEST: wlroots-direct-scanout
 * Description: Skips, giving the reason: wlroots 0.15 creates no
 *              linux-dmabuf global on a software renderer (no DRM render
 *              node behind it), and WLR_RENDER_DRM_DEVICE can't supply one
 *              (measured with cage 0.1.4; README "Testing your compositor").
 *
 * SUBTEST: bad-input
 * Description: Buffers with a bad stride, offset, format or modifier get an
 *              answer (failed, protocol error, or created and composited),
 *              and Weston keeps running and showing a good client.
 *
 * SUBTEST: client-killed
 * Description: A client killed mid-stream: Weston keeps running and shows
 *              the next client.
 *
 * SUBTEST: counters-idle
 * Description: Weston started, a 3-frame client shown, Weston stopped:
 *              vprime_core's live buffers, attachments and fences are back
 *              to where they were before Weston started.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "igt.h"
#include "vprime_gpu_igt.h"
#include "vprime_igt.h"
#include "vprime_kms_util.h"
#include "vprime_weston.h"

IGT_TEST_DESCRIPTION("Weston on vprime_kms shows vprime_gpu buffers zero-copy, after their fences.");

#define SOCKET		"vprime-igt-weston"
#define LOG_DIR		VPRIME_WESTON_LOG_DIR
#define WESTON_LOG	LOG_DIR "/weston.log"
#define SCOPE_LOG	LOG_DIR "/drm-backend.log"
#define CLIENT_LOG	LOG_DIR "/client.log"
#define POISON		0xffff00ffu
#define MAX_FRAMES	256
#define MAX_CRCS	4096

static char root[PATH_MAX];
static pid_t weston = -1, scope = -1;
static struct vprime_kms kms;
static uint64_t base_buffers, base_attachments, base_fences;

struct run {
	int status;
	unsigned int frames, presented, zero_copy, late_zc, late_p;
	uint32_t width, height;
	uint32_t colour[MAX_FRAMES];
	uint32_t crc[MAX_CRCS];
	unsigned int ncrc;
};

static bool weston_alive(void)
{
	return vprime_weston_alive(weston);
}

static void start_weston(void)
{
	weston = vprime_weston_start(kms.fd, SOCKET, WESTON_LOG);
	/* gone before the child opens it, so that counts start from 0 */
	unlink(SCOPE_LOG);
	scope = vprime_spawn_logged((char *const[]){ "weston-debug",
						     "drm-backend", NULL },
				    SCOPE_LOG, NULL);
}

static void stop_weston(void)
{
	if (scope > 0) {
		kill(scope, SIGTERM);
		waitpid(scope, NULL, 0);
		scope = -1;
	}
	vprime_weston_stop(weston);
	weston = -1;
}

/*
 * Start the CRC of CRTC 0. Opening its data file fails with EIO while the
 * CRTC is off, which it is until Weston's first modeset: retry for 10 s.
 */
static void crc_start(struct vprime_crc *crc)
{
	int dir = igt_debugfs_dir(kms.fd), fd, i;

	igt_assert_f(dir >= 0, "no debugfs directory for the display\n");
	for (i = 0; i < 100; i++) {
		fd = openat(dir, "crtc-0/crc/control", O_WRONLY);
		igt_assert_f(fd >= 0, "open crtc-0/crc/control: %m\n");
		igt_assert_eq(write(fd, "auto", 4), 4);
		close(fd);
		crc->data_fd = openat(dir, "crtc-0/crc/data",
				      O_RDONLY | O_NONBLOCK);
		if (crc->data_fd >= 0 || errno != EIO)
			break;
		usleep(100000);
	}
	close(dir);
	igt_assert_f(crc->data_fd >= 0, "open crtc-0/crc/data: %m\n");
}

/* Parse the client's per-frame lines and summary from CLIENT_LOG. */
static void parse_client(struct run *r)
{
	char line[512];
	unsigned int n, colour;
	FILE *f = fopen(CLIENT_LOG, "r");

	igt_assert(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "frame %u colour %x", &n, &colour) == 2 &&
		    n < MAX_FRAMES)
			r->colour[n] = colour;
		sscanf(line, "summary: size %ux%u %*s frames %u presented %u %*s %*u zero_copy %u zero_copy_after_1s %u/%u",
		       &r->width, &r->height, &r->frames, &r->presented,
		       &r->zero_copy, &r->late_zc, &r->late_p);
		fputs(line, stderr);
	}
	fclose(f);
}

/* Milliseconds since @start_ns (CLOCK_MONOTONIC). */
static int64_t ms_since(uint64_t start_ns)
{
	return (int64_t)((vprime_gpu_now_ns() - start_ns) / 1000000);
}

/*
 * Keep the CRCs that come within @ms. Bounded by time, not by a read that
 * times out: the display makes one every vblank, so at full rate a 50 ms
 * read timeout never expires.
 */
static void read_crcs(struct run *r, struct vprime_crc *crc, int ms)
{
	uint64_t start = vprime_gpu_now_ns();
	uint32_t frame, value;
	int left;

	while ((left = ms - (int)ms_since(start)) > 0) {
		if (!vprime_crc_read(crc, left, &frame, &value))
			break;
		if (r->ncrc < MAX_CRCS)
			r->crc[r->ncrc++] = value;
	}
}

/* Run the client with @args, reading the display's CRC meanwhile. */
static void run_client(struct run *r, const char *args, int kill_after_ms)
{
	char cmd[512];
	char *const argv[] = { "sh", "-c", cmd, NULL };
	struct vprime_crc crc;
	uint64_t start;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	igt_assert_f(weston_alive(), "weston is not running\n");
	snprintf(cmd, sizeof(cmd), "exec userspace-demo/build/vprime-wl-client %s",
		 args);
	crc_start(&crc);
	pid = vprime_spawn_logged(argv, CLIENT_LOG, NULL);
	start = vprime_gpu_now_ns();
	for (;;) {
		if (waitpid(pid, &r->status, WNOHANG) == pid)
			break;
		if (kill_after_ms >= 0 && ms_since(start) >= kill_after_ms) {
			kill(pid, SIGKILL);
			kill_after_ms = -1;
		}
		read_crcs(r, &crc, 50);
	}
	/* the last frame's CRCs */
	read_crcs(r, &crc, 100);
	vprime_crc_stop(&crc);
	parse_client(r);
}

static int frame_of_crc(const struct run *r, const uint32_t *expected,
			uint32_t crc)
{
	unsigned int i;

	for (i = 0; i < r->frames && i < MAX_FRAMES; i++)
		if (expected[i] == crc)
			return (int)i;
	return -1;
}

/*
 * Every CRC from the first frame's to the last frame's is a frame's (before
 * and after, the output shows Weston's background); returns how many of
 * the frames were seen. Fails on a CRC of @forbidden (0: none) anywhere.
 */
static unsigned int check_crcs(const struct run *r, uint32_t forbidden)
{
	static uint32_t expected[MAX_FRAMES];
	static bool seen[MAX_FRAMES];
	unsigned int i, nseen = 0, stray = 0, first = 0, last = 0;
	uint32_t bad = forbidden ? vprime_expected_crc_solid(forbidden, r->width,
							     r->height) : 0;
	bool started = false;
	int f;

	igt_assert(r->width && r->height);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < r->frames && i < MAX_FRAMES; i++)
		expected[i] = vprime_expected_crc_solid(r->colour[i], r->width,
							r->height);
	for (i = 0; i < r->ncrc; i++) {
		igt_assert_f(!forbidden || r->crc[i] != bad,
			     "CRC %u of %u is the poison colour's: a buffer was shown before its render finished\n",
			     i, r->ncrc);
		f = frame_of_crc(r, expected, r->crc[i]);
		if (f < 0)
			continue;
		if (!started)
			first = i;
		started = true;
		last = i;
		nseen += !seen[f];
		seen[f] = true;
	}
	for (i = first; started && i <= last; i++) {
		if (frame_of_crc(r, expected, r->crc[i]) >= 0)
			continue;
		stray++;
		igt_info("CRC %u: 0x%08x is no frame's\n", i, r->crc[i]);
	}
	igt_info("%u CRCs, %u of %u frames seen, %u stray\n", r->ncrc, nseen,
		 r->frames, stray);
	igt_assert_eq(stray, 0);
	return nseen;
}

static unsigned int scope_count(const char *what)
{
	return vprime_log_count(SCOPE_LOG, what);
}

static void test_direct_scanout(const char *args)
{
	unsigned int plane_only = scope_count("Using plane-only state composition");
	struct run *r = calloc(1, sizeof(*r));
	unsigned int seen;

	run_client(r, args, -1);
	igt_assert_f(WIFEXITED(r->status) && !WEXITSTATUS(r->status),
		     "client failed (status 0x%x)\n", r->status);
	igt_assert_eq(r->presented, r->frames);
	igt_assert_f(r->late_p > 0, "no frame presented after the first second\n");
	igt_assert_f(r->late_zc * 100 >= r->late_p * 95,
		     "%u of %u frames after the first second ZERO_COPY\n",
		     r->late_zc, r->late_p);
	plane_only = scope_count("Using plane-only state composition") - plane_only;
	igt_info("drm-backend: %u plane-only repaints during the run\n",
		 plane_only);
	igt_assert_lt(0, (int)plane_only);
	seen = check_crcs(r, 0);
	igt_assert_f(seen * 10 >= r->frames * 9, "only %u of %u frames in the CRCs\n",
		     seen, r->frames);
	free(r);
}

static void test_implicit_fence(void)
{
	struct run *r = calloc(1, sizeof(*r));
	char args[64];

	snprintf(args, sizeof(args), "--solid --frames 6 --render-ms 150 --poison=0x%08x",
		 POISON);
	run_client(r, args, -1);
	igt_assert_f(WIFEXITED(r->status) && !WEXITSTATUS(r->status),
		     "client failed (status 0x%x)\n", r->status);
	igt_assert_lt(0, (int)check_crcs(r, POISON));
	free(r);
}

static void test_composited(void)
{
	struct run *r = calloc(1, sizeof(*r));
	unsigned int i, changes = 0;

	/*
	 * A window rotated by 90 degrees (wl_surface.set_buffer_transform):
	 * vprime's planes don't rotate, so Weston composites it.
	 */
	run_client(r, "--solid --frames 8 --windowed 256x256 --transform 90", -1);
	igt_assert_f(WIFEXITED(r->status) && !WEXITSTATUS(r->status),
		     "client failed (status 0x%x)\n", r->status);
	igt_assert_eq(r->presented, r->frames);
	igt_assert_eq(r->zero_copy, 0);
	for (i = 1; i < r->ncrc; i++)
		changes += r->crc[i] != r->crc[i - 1];
	igt_info("%u CRC changes over %u CRCs\n", changes, r->ncrc);
	igt_assert_lte((int)r->frames / 2, (int)changes);
	free(r);
}

static void test_bad_input(void)
{
	static const char *const kinds[] = { "stride", "offset", "format",
					     "modifier" };
	struct run *r = calloc(1, sizeof(*r));
	char args[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		snprintf(args, sizeof(args), "--bad %s", kinds[i]);
		run_client(r, args, -1);
		igt_assert_f(WIFEXITED(r->status) && !WEXITSTATUS(r->status),
			     "--bad %s: client status 0x%x\n", kinds[i],
			     r->status);
		igt_assert_f(weston_alive(), "weston died after --bad %s\n",
			     kinds[i]);
	}
	run_client(r, "--solid --frames 5", -1);
	igt_assert_eq(r->presented, 5);
	igt_assert_lt(0, (int)check_crcs(r, 0));
	free(r);
}

static void test_client_killed(void)
{
	struct run *r = calloc(1, sizeof(*r));

	run_client(r, "--solid --frames 1000", 1500);
	igt_assert_f(WIFSIGNALED(r->status) && WTERMSIG(r->status) == SIGKILL,
		     "client was not killed mid-stream (status 0x%x)\n",
		     r->status);
	igt_assert_f(weston_alive(), "weston died with its client\n");
	run_client(r, "--solid --frames 5", -1);
	igt_assert_eq(r->presented, 5);
	igt_assert_lt(0, (int)check_crcs(r, 0));
	free(r);
}

static bool have(const char *prog)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null", prog);
	return !system(cmd);
}

igt_main
{
	igt_fixture {
		vprime_weston_chdir_root(root, sizeof(root));
		igt_require_f(have("weston") && have("weston-debug"),
			      "weston is not installed (scripts/install-deps)\n");
		kms.fd = vprime_kms_open_or_fail(0);
		kms.crtc_index = 0;
		/* no colour transform left by an earlier client */
		igt_assert_eq(vprime_kms_reset_color(kms.fd), 0);
		/* the first opener is master: leave that to Weston */
		drmDropMaster(kms.fd);
		base_buffers = vprime_core_stat("live_buffers");
		base_attachments = vprime_core_stat("attachments");
		base_fences = vprime_core_stat("live_fences");
	}

	igt_subtest_group {
		igt_fixture
			start_weston();

		igt_describe("Fullscreen: Weston scans the client's dma-buf out on a plane; the CRCs are the frames'.");
		igt_subtest("weston-direct-scanout")
			test_direct_scanout("--solid --frames 90");

		igt_describe("A buffer committed while its render runs is never shown before the render's fence.");
		igt_subtest("weston-implicit-fence")
			test_implicit_fence();

		igt_describe("Windowed: the client's frames are composited by llvmpipe and shown.");
		igt_subtest("weston-composited")
			test_composited();

		igt_describe("The client renders on the second vprime_gpu while Weston drives the display.");
		igt_subtest("client-second-gpu") {
			int fd = __vprime_open_driver("vprime_gpu", 1, true);

			igt_require_f(fd >= 0, "no second vprime_gpu (vprime.num_gpus=2)\n");
			close(fd);
			test_direct_scanout("--solid --frames 90 --gpu 1");
		}

		igt_describe("Bad dma-buf parameters get an answer; Weston survives.");
		igt_subtest("bad-input")
			test_bad_input();

		igt_describe("A client killed mid-stream leaves Weston running.");
		igt_subtest("client-killed")
			test_client_killed();

		igt_fixture
			stop_weston();
	}

	igt_describe("wlroots 0.15 (sway, cage) with the same client.");
	igt_subtest("wlroots-direct-scanout")
		igt_require_f(false,
			      "wlroots 0.15 offers no linux-dmabuf on vprime: on kms_swrast (EGL_MESA_device_software, no DRM node) "
			      "wlr_renderer_get_drm_fd() is -1, so types/wlr_linux_dmabuf_v1.c logs 'Failed to get DRM FD from renderer' "
			      "and creates no global; WLR_RENDER_DRM_DEVICE=card0 is refused as not a render node, "
			      "=renderD128 (vprime_gpu) has no Mesa driver\n");

	igt_describe("vprime_core's counters are back once Weston and its client are gone.");
	igt_subtest("counters-idle") {
		struct run *r = calloc(1, sizeof(*r));

		start_weston();
		run_client(r, "--solid --frames 3 --gpu 0", -1);
		igt_assert_eq(r->presented, 3);
		stop_weston();
		free(r);
		igt_assert_eq_u64(vprime_core_stat("live_buffers"), base_buffers);
		igt_assert_eq_u64(vprime_core_stat("attachments"), base_attachments);
		igt_assert_eq_u64(vprime_core_stat("live_fences"), base_fences);
	}

	igt_fixture
		close(kms.fd);
}
