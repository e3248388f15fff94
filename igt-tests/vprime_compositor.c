// SPDX-License-Identifier: MIT
/*
 * vprime_compositor - real compositors on vprime: Weston 10 and sway 1.7
 * (wlroots 0.15) drive vprime_kms while
 * userspace-demo/build/vprime-wl-client renders on vprime_gpu and hands its
 * dma-bufs over through zwp_linux_dmabuf_v1.
 *
 * Each compositor is started once for its group of subtests (in a
 * fixture), as userspace-demo/compositor/run-weston and run-sway do, with
 * the weston.ini and sway.config next to them. The truth of what was shown is the
 * display's own CRC (debugfs crtc-0/crc), read while the client runs, and
 * compared with the CRC of each frame's solid colour, which the client
 * prints; direct scanout is the client's wp_presentation ZERO_COPY flag (both
 * compositors set it only for a surface they put on a plane) and, for
 * Weston, its drm-backend debug scope ("Using plane-only state
 * composition").
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
 * Description: sway 1.7 (wlroots 0.15, GLES2 on kms_swrast loaded as the
 *              card's driver), fullscreen client, 90 frames: all presented
 *              (but the one frame drawn before sway configured the window's
 *              size), >= 95% of the frames presented after the first second
 *              ZERO_COPY, and every CRC between the first and the last frame
 *              is one of the client's frames (at least 90% of them seen).
 *
 * SUBTEST: wlroots-implicit-fence
 * Description: Under sway, each frame's buffer is filled with a poison
 *              colour right before a 150 ms render and committed at once:
 *              the display's CRC never shows the poison.
 *
 * SUBTEST: wlroots-composited
 * Description: Under sway, a 320x240 window (the client keeps that size in
 *              the output-sized tile sway gives it, so sway composites it
 *              with its GLES2 renderer on llvmpipe), 8 frames, while a
 *              process on each CPU does x87 arithmetic: sway keeps
 *              running, every frame but at most the one drawn before sway
 *              configured the window is presented, none ZERO_COPY, and the
 *              display's CRC changes with the frames.
 *
 * SUBTEST: weston-hung-render
 * Description: Frame 10 of 30 is a render that hangs: its fence signals
 *              -ETIMEDOUT at the GPU's job timeout, every frame is still
 *              presented, frame 10's colour never appears in the CRCs (the
 *              buffer keeps its old contents), later frames do, and Weston
 *              keeps running.
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
 *              vprime_core's live-object counters are back at their values
 *              at this binary's start (its first fixture's snapshot, or the
 *              one run-tests took before the binary's first subtest).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
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
/* under out/ (the guest's writable share), relative to the project root */
#define LOG_DIR		VPRIME_WESTON_LOG_DIR
#define WESTON_LOG	LOG_DIR "/weston.log"
#define SCOPE_LOG	LOG_DIR "/drm-backend.log"
#define CLIENT_LOG	LOG_DIR "/client.log"
#define SWAY_LOG	LOG_DIR "/sway.log"
#define SEATD_LOG	LOG_DIR "/seatd.log"
#define SWAY_RUNTIME_DIR "/run/vprime-igt-sway"
#define POISON		0xffff00ffu
#define MAX_FRAMES	256
#define MAX_CRCS	4096

static char root[PATH_MAX];
static pid_t comp = -1, scope = -1, seatd = -1;	/* the compositor, its log reader, seatd */
static struct vprime_kms kms;
/* the core's counters at this binary's start */
static struct vprime_core_counters counters_base;

struct run {
	int status;
	unsigned int frames, presented, superseded, zero_copy, late_zc, late_p;
	uint32_t width, height;
	uint32_t colour[MAX_FRAMES];
	uint32_t crc[MAX_CRCS];
	unsigned int ncrc, crc_dropped;
	int hang_frame, hang_status;	/* --hang-frame's answer */
};

static bool comp_alive(void)
{
	return vprime_weston_alive(comp);
}

static void start_weston(void)
{
	comp = vprime_weston_start(kms.fd, SOCKET, WESTON_LOG);
	/* gone before the child opens it, so that counts start from 0 */
	unlink(SCOPE_LOG);
	scope = vprime_spawn_logged((char *const[]){ "weston-debug",
						     "drm-backend", NULL },
				    SCOPE_LOG, NULL);
}

/* vprime_stop_child(), and forget the pid. */
static int end_child(pid_t *pid)
{
	int status = vprime_stop_child(*pid);

	*pid = -1;
	return status;
}

/* Stop the compositor (and its log reader and seatd, if any). */
static void stop_compositor(void)
{
	const char *name = seatd > 0 ? "sway" : "weston";
	int status;

	if (comp <= 0)
		return;
	end_child(&scope);
	status = end_child(&comp);
	end_child(&seatd);
	if (WIFSIGNALED(status))
		igt_info("%s ended by signal %d on SIGTERM\n", name,
			 WTERMSIG(status));
	else
		igt_info("%s exited with %d on SIGTERM\n", name,
			 WEXITSTATUS(status));
}

/*
 * sway 1.7 (wlroots 0.15), as userspace-demo/compositor/run-sway starts it:
 * as nobody (sway refuses root), with seatd handing it the card, and
 * MESA_LOADER_DRIVER_OVERRIDE=kms_swrast so that Mesa's EGL device is the
 * card itself (EGL_EXT_device_drm), not its software device: only then does
 * wlroots' renderer have a DRM fd, which it needs to offer
 * zwp_linux_dmabuf_v1. The renderer opens the card by path, so nobody gets
 * rw on it until stop_sway().
 */
static mode_t card_mode;
static char card_path[32];

static void start_sway(void)
{
	char env_card[64], env_caps[64], cfg[PATH_MAX + 32], sock[PATH_MAX];
	const char *caps = vprime_llvmpipe_cpu_caps();
	struct stat st;
	int i;

	igt_assert_eq(fstat(kms.fd, &st), 0);
	snprintf(card_path, sizeof(card_path), "/dev/dri/card%u",
		 minor(st.st_rdev));
	snprintf(env_card, sizeof(env_card), "WLR_DRM_DEVICES=%s", card_path);
	snprintf(cfg, sizeof(cfg), "%s/sway.config", SWAY_RUNTIME_DIR);
	snprintf(env_caps, sizeof(env_caps), "GALLIUM_OVERRIDE_CPU_CAPS=%s",
		 caps ?: "");
	char *const sargv[] = { "seatd", "-u", "nobody", "-g", "nogroup",
				"-l", "info", NULL };
	char *argv[] = {
		"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
		"--reset-env", "env", "XDG_RUNTIME_DIR=" SWAY_RUNTIME_DIR,
		"LIBSEAT_BACKEND=seatd", "WLR_RENDERER=gles2", env_card,
		"WLR_LIBINPUT_NO_DEVICES=1", "MESA_LOADER_DRIVER_OVERRIDE=kms_swrast",
		"MESA_SHADER_CACHE_DISABLE=true", env_caps, "sway", "-d", "-c",
		cfg, NULL,
	};

	/*
	 * llvmpipe kept off the CPU's AVX2 gathers if they are broken (QEMU
	 * TCG, vprime_util.h), else env_caps is left out of the command.
	 */
	if (caps)
		igt_info("the CPU's AVX2 gathers through xmm4 are broken: sway's llvmpipe runs with GALLIUM_OVERRIDE_CPU_CAPS=%s\n",
			 caps);
	for (i = 0; !caps && argv[i]; i++)
		if (argv[i] == env_caps)
			memmove(&argv[i], &argv[i + 1],
				(ARRAY_SIZE(argv) - i - 1) * sizeof(argv[0]));

	igt_assert_eq(stat(card_path, &st), 0);
	card_mode = st.st_mode & 07777;
	igt_assert_eq(chmod(card_path, card_mode | 0006), 0);
	igt_assert_eq(igt_system("rm -rf " SWAY_RUNTIME_DIR " && mkdir -m 0700 " SWAY_RUNTIME_DIR
				 " && chown nobody:nogroup " SWAY_RUNTIME_DIR
				 " && install -m 0644 -o nobody userspace-demo/compositor/sway.config "
				 SWAY_RUNTIME_DIR "/sway.config"), 0);
	unlink("/run/seatd.sock");
	seatd = vprime_spawn_logged(sargv, SEATD_LOG, NULL);
	for (i = 0; i < 100 && stat("/run/seatd.sock", &st); i++)
		usleep(100000);
	igt_assert_f(!stat("/run/seatd.sock", &st), "no seatd socket after 10 s, see " SEATD_LOG "\n");
	comp = vprime_spawn_logged(argv, SWAY_LOG, NULL);
	/* a new runtime dir: its one wayland-N socket is sway's */
	snprintf(sock, sizeof(sock), "%s/wayland-1", SWAY_RUNTIME_DIR);
	for (i = 0; i < VPRIME_START_TIMEOUT_S * 10 && stat(sock, &st); i++) {
		if (!comp_alive())
			igt_system("grep -i error " SWAY_LOG " | tail -20 >&2");
		igt_assert_f(comp_alive(), "sway exited, see " SWAY_LOG "\n");
		usleep(100000);
	}
	igt_assert_f(!stat(sock, &st), "no sway socket after %d s\n",
		     VPRIME_START_TIMEOUT_S);
	/* up once its output is lit: the client's first configure needs it */
	for (i = 0; i < VPRIME_START_TIMEOUT_S * 10 &&
		    !vprime_log_count(SWAY_LOG, "Modesetting with"); i++) {
		igt_assert_f(comp_alive(), "sway exited, see " SWAY_LOG "\n");
		usleep(100000);
	}
	igt_assert_f(vprime_log_count(SWAY_LOG, "Modesetting with"),
		     "sway lit no output in %d s, see " SWAY_LOG "\n",
		     VPRIME_START_TIMEOUT_S);
	setenv("XDG_RUNTIME_DIR", SWAY_RUNTIME_DIR, 1);
	setenv("WAYLAND_DISPLAY", "wayland-1", 1);
}

static void stop_sway(void)
{
	stop_compositor();
	chmod(card_path, card_mode);
}

/*
 * Have @want running, stopping the other one first. Started by the subtests
 * themselves, not by fixtures: igt_runner and run-tests run each subtest in
 * a process of its own, where every fixture runs, so a fixture would start
 * each compositor for every subtest.
 */
enum compositor { NONE, WESTON, SWAY };

static enum compositor running;

static void use_compositor(enum compositor want)
{
	if (running == want)
		return;
	if (running == SWAY)
		stop_sway();
	else if (running == WESTON)
		stop_compositor();
	running = NONE;
	if (want == WESTON) {
		igt_require_f(vprime_have_program("weston") &&
			      vprime_have_program("weston-debug"),
			      "weston is not installed (scripts/install-deps)\n");
		/* set first: a start that fails is still stopped later */
		running = want;
		start_weston();
	} else if (want == SWAY) {
		igt_require_f(vprime_have_program("sway") &&
			      vprime_have_program("seatd") &&
			      vprime_have_program("setpriv"),
			      "sway, seatd or setpriv is not installed (scripts/install-deps)\n");
		running = want;
		start_sway();
	}
}

static void stop_compositor_at_exit(int sig)
{
	use_compositor(NONE);
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
	struct vprime_wl_summary sum;
	char line[512];
	unsigned int n, colour;
	FILE *f = fopen(CLIENT_LOG, "r");

	igt_assert(f);
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "hang: frame %d fence status %d", &r->hang_frame,
		       &r->hang_status);
		if (sscanf(line, "frame %u colour %x", &n, &colour) == 2 &&
		    n < MAX_FRAMES)
			r->colour[n] = colour;
		if (vprime_wl_parse_summary(line, &sum)) {
			r->width = sum.width;
			r->height = sum.height;
			r->frames = sum.frames;
			r->presented = sum.presented;
			r->superseded = sum.superseded;
			r->zero_copy = sum.zero_copy;
			r->late_zc = sum.late_zero_copy;
			r->late_p = sum.late_presented;
		}
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
		/*
		 * A run of equal CRCs is kept once: the checks look at which
		 * values appear and in what order, and a slow kernel (the
		 * debug lane) makes thousands of vblanks during one client.
		 */
		if (r->ncrc && r->crc[r->ncrc - 1] == value)
			continue;
		if (r->ncrc < MAX_CRCS)
			r->crc[r->ncrc++] = value;
		else
			r->crc_dropped++;
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
	igt_assert_f(comp_alive(), "weston is not running\n");
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
	igt_assert_f(!r->crc_dropped, "%u CRC values beyond the %d kept\n",
		     r->crc_dropped, MAX_CRCS);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < r->frames && i < MAX_FRAMES; i++)
		expected[i] = vprime_expected_crc_solid(r->colour[i], r->width,
							r->height);
	for (i = 0; i < r->ncrc; i++) {
		igt_assert_f(!forbidden || r->crc[i] != bad,
			     "CRC %u of %u is the forbidden colour's (the poison, or a hung render's): a buffer was shown before, or without, its render\n",
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
	igt_info("%u CRC values (a run of equal ones counted once), %u of %u frames seen, %u stray\n", r->ncrc, nseen,
		 r->frames, stray);
	igt_assert_eq(stray, 0);
	return nseen;
}


/*
 * A fullscreen run: every frame presented (sway may discard the one frame
 * drawn before it configured the window's size: superseded), >= 95% of
 * those after the first second ZERO_COPY, and the CRCs are the frames'.
 */
static void check_direct_scanout(const char *args)
{
	struct run *r = calloc(1, sizeof(*r));
	unsigned int seen;

	run_client(r, args, -1);
	igt_assert_f(WIFEXITED(r->status) && !WEXITSTATUS(r->status),
		     "client failed (status 0x%x)\n", r->status);
	igt_assert_lte((int)r->superseded, 1);
	igt_assert_eq(r->presented + r->superseded, r->frames);
	igt_assert_f(r->late_p > 0, "no frame presented after the first second\n");
	igt_assert_f(r->late_zc * 100 >= r->late_p * 95,
		     "%u of %u frames after the first second ZERO_COPY\n",
		     r->late_zc, r->late_p);
	seen = check_crcs(r, 0);
	igt_assert_f(seen * 10 >= (r->frames - r->superseded) * 9,
		     "only %u of %u frames in the CRCs\n", seen, r->frames);
	free(r);
}

static void test_direct_scanout(const char *args)
{
	unsigned int plane_only = vprime_log_count(SCOPE_LOG, "Using plane-only state composition");

	check_direct_scanout(args);
	plane_only = vprime_log_count(SCOPE_LOG, "Using plane-only state composition") - plane_only;
	igt_info("drm-backend: %u plane-only repaints during the run\n",
		 plane_only);
	igt_assert_lt(0, (int)plane_only);
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

/*
 * A composited run: no frame ZERO_COPY, and the display's CRC changed
 * with at least every other frame (the compositor's output followed them).
 */
static void assert_composited(const struct run *r)
{
	unsigned int i, changes = 0;

	igt_assert_eq(r->zero_copy, 0);
	for (i = 1; i < r->ncrc; i++)
		changes += r->crc[i] != r->crc[i - 1];
	igt_info("%u CRC changes over %u CRCs\n", changes, r->ncrc);
	igt_assert_lte((int)r->frames / 2, (int)changes);
}

static void test_composited(void)
{
	struct run *r = calloc(1, sizeof(*r));

	/*
	 * A window rotated by 90 degrees (wl_surface.set_buffer_transform):
	 * vprime's planes don't rotate, so Weston composites it.
	 */
	run_client(r, "--solid --frames 8 --windowed 256x256 --transform 90", -1);
	igt_assert_f(WIFEXITED(r->status) && !WEXITSTATUS(r->status),
		     "client failed (status 0x%x)\n", r->status);
	igt_assert_eq(r->presented, r->frames);
	assert_composited(r);
	free(r);
}

/*
 * Processes doing x87 arithmetic on memory operands, one pinned to each CPU
 * at nice 19: what other programs on a loaded host do to the CPUs that
 * sway's llvmpipe threads run on. On QEMU's TCG before 9.1 that makes an
 * AVX2 gather through xmm4 load from 2 GiB below its base (the emulator's
 * x87 state stands in for the index register, docs/reliability.md): how
 * sway crashed compositing in the soak.
 */
static pid_t x87_pid[16];

static void x87_neighbours_start(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(x87_pid) && i < cpus; i++) {
		x87_pid[i] = fork();
		igt_assert_f(x87_pid[i] >= 0, "fork: %m\n");
		if (!x87_pid[i]) {
			static const float one = 1.0f;
			cpu_set_t set;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			CPU_ZERO(&set);
			CPU_SET(i, &set);
			sched_setaffinity(0, sizeof(set), &set);
			if (nice(19) < 0)
				_exit(1);
			for (;;) {
#if defined(__x86_64__)
				asm volatile("flds %0\n\tfadds %0\n\tfstp %%st(0)"
					     : : "m" (one));
#else
				pause();
#endif
			}
		}
	}
}

static void x87_neighbours_stop(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(x87_pid); i++) {
		if (x87_pid[i] <= 0)
			continue;
		kill(x87_pid[i], SIGKILL);
		waitpid(x87_pid[i], NULL, 0);
		x87_pid[i] = 0;
	}
}

/*
 * sway composites a window smaller than its tile: the client's vprime_gpu
 * dma-buf is imported by kms_swrast (MODE_MAP_DUMB on the display node,
 * vprime_gem_dumb_map_offset()) and sampled by llvmpipe, with x87
 * neighbours on every CPU. The frame drawn before sway's first non-zero
 * configure may be replaced before it is shown.
 */
static void test_wlroots_composited(void)
{
	struct run *r = calloc(1, sizeof(*r));

	x87_neighbours_start();
	run_client(r, "--solid --frames 8 --windowed 320x240", -1);
	x87_neighbours_stop();
	igt_assert_f(comp_alive(), "sway died compositing the client, see " SWAY_LOG "\n");
	/* 3: not every frame presented, which the counts below bound */
	igt_assert_f(WIFEXITED(r->status) &&
		     (!WEXITSTATUS(r->status) || WEXITSTATUS(r->status) == 3),
		     "client failed (status 0x%x)\n", r->status);
	igt_assert_eq(r->frames, 8);
	igt_assert_lte((int)r->frames - 1, (int)r->presented);
	assert_composited(r);
	free(r);
}

/* Whether @crc is among the CRCs read during @r. */
static bool frame_seen(const struct run *r, uint32_t crc)
{
	unsigned int i;

	for (i = 0; i < r->ncrc; i++)
		if (r->crc[i] == crc)
			return true;
	return false;
}

/*
 * Frame 10's render hangs. The GPU's timeout ends it with -ETIMEDOUT, and
 * by the fence-error policy (README "Fence errors") the flip still
 * completes, showing what the buffer held before: frame 7's colour (three
 * buffers). Frame 10's own colour is never shown, the frames after it are,
 * and Weston keeps running.
 */
static void test_hung_render(void)
{
	struct run *r = calloc(1, sizeof(*r));
	unsigned int i, after = 0;
	uint32_t want;

	run_client(r, "--solid --frames 30 --hang-frame 10", -1);
	igt_assert_f(WIFEXITED(r->status) && !WEXITSTATUS(r->status),
		     "client failed (status 0x%x)\n", r->status);
	igt_assert_eq(r->presented, r->frames);
	igt_assert_eq(r->hang_frame, 10);
	igt_assert_eq(r->hang_status, -ETIMEDOUT);
	igt_assert_f(comp_alive(), "weston died with the hung render\n");
	igt_assert_lt(0, (int)check_crcs(r, r->colour[10]));
	for (i = 11; i < r->frames; i++) {
		want = vprime_expected_crc_solid(r->colour[i], r->width,
						 r->height);
		after += frame_seen(r, want);
	}
	igt_info("%u of the %u frames after the hung one seen\n", after,
		 r->frames - 11);
	igt_assert_lt(0, (int)after);
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
		igt_assert_f(comp_alive(), "weston died after --bad %s\n",
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

	/*
	 * Gradient frames, not --solid: the next client's solid colours are
	 * frames 0-4's, and the killed client's last frame, still on screen
	 * when the next one starts, would count as one of them.
	 */
	run_client(r, "--frames 1000", 1500);
	igt_assert_f(WIFSIGNALED(r->status) && WTERMSIG(r->status) == SIGKILL,
		     "client was not killed mid-stream (status 0x%x)\n",
		     r->status);
	igt_assert_f(comp_alive(), "weston died with its client\n");
	run_client(r, "--solid --frames 5", -1);
	igt_assert_eq(r->presented, 5);
	igt_assert_lt(0, (int)check_crcs(r, 0));
	free(r);
}

igt_main
{
	igt_fixture {
		vprime_weston_chdir_root(root, sizeof(root));
		igt_install_exit_handler(stop_compositor_at_exit);
		kms.fd = vprime_kms_open_or_fail(0);
		kms.crtc_index = 0;
		/* no colour transform left by an earlier client */
		igt_assert_eq(vprime_kms_reset_color(kms.fd), 0);
		/* the first opener is master: leave that to the compositor */
		drmDropMaster(kms.fd);
		vprime_core_counters_snapshot(&counters_base);
	}

	igt_describe("Fullscreen: Weston scans the client's dma-buf out on a plane; the CRCs are the frames'.");
	igt_subtest("weston-direct-scanout") {
		use_compositor(WESTON);
		test_direct_scanout("--solid --frames 90");
	}

	igt_describe("A buffer committed while its render runs is never shown before the render's fence.");
	igt_subtest("weston-implicit-fence") {
		use_compositor(WESTON);
		test_implicit_fence();
	}

	igt_describe("Windowed: the client's frames are composited by llvmpipe and shown.");
	igt_subtest("weston-composited") {
		use_compositor(WESTON);
		test_composited();
	}

	igt_describe("The client renders on the second vprime_gpu while Weston drives the display.");
	igt_subtest("client-second-gpu") {
		int fd = __vprime_open_driver("vprime_gpu", 1, true);

		igt_require_f(fd >= 0, "no second vprime_gpu (vprime.num_gpus=2)\n");
		close(fd);
		use_compositor(WESTON);
		test_direct_scanout("--solid --frames 90 --gpu 1");
	}

	igt_describe("A client's render hangs: the GPU times it out, the flip completes with the buffer's old contents, Weston keeps running.");
	igt_subtest("weston-hung-render") {
		use_compositor(WESTON);
		test_hung_render();
	}

	igt_describe("Bad dma-buf parameters get an answer; Weston survives.");
	igt_subtest("bad-input") {
		use_compositor(WESTON);
		test_bad_input();
	}

	igt_describe("A client killed mid-stream leaves Weston running.");
	igt_subtest("client-killed") {
		use_compositor(WESTON);
		test_client_killed();
	}

	igt_describe("sway (wlroots 0.15), fullscreen: the client's dma-buf goes straight to a plane; the CRCs are the frames'.");
	igt_subtest("wlroots-direct-scanout") {
		use_compositor(SWAY);
		check_direct_scanout("--solid --frames 90");
	}

	igt_describe("sway: a buffer committed while its render runs is never shown before the render's fence.");
	igt_subtest("wlroots-implicit-fence") {
		use_compositor(SWAY);
		test_implicit_fence();
	}

	igt_describe("sway composites a window smaller than its tile with llvmpipe, and keeps running.");
	igt_subtest("wlroots-composited") {
		use_compositor(SWAY);
		test_wlroots_composited();
	}

	igt_describe("vprime_core's counters are back at this binary's start once the compositors and their clients are gone.");
	igt_subtest("counters-idle") {
		struct run *r = calloc(1, sizeof(*r));

		use_compositor(WESTON);
		run_client(r, "--solid --frames 3 --gpu 0", -1);
		igt_assert_eq(r->presented, 3);
		use_compositor(NONE);
		free(r);
		vprime_core_counters_assert_idle(&counters_base);
	}

	igt_fixture {
		use_compositor(NONE);
		close(kms.fd);
	}
}
