// SPDX-License-Identifier: MIT
/*
 * vprime-demo: command line, devices, the runs and the exit status.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "demo.h"

#define DEFAULT_FRAMES		300
#define DEFAULT_BUFFERS		3
#define DEFAULT_RENDER_MS	8
#define DEFAULT_CAPTURE_EVERY	30
#define DEFAULT_OUT		"out/demo"
#define MAX_FRAMES		10000000u

static void usage(FILE *f)
{
	fprintf(f,
"usage: %s [OPTIONS]\n"
"\n"
"Render frames on vprime's GPU (driver \"" DEMO_GPU_DRIVER "\") and show them on its\n"
"display (driver \"" DEMO_DISPLAY_DRIVER "\") without copying: each GPU buffer is exported\n"
"once through PRIME and imported once by the display; every frame is a GPU\n"
"job (animated pattern + frame number) followed at once by a nonblocking\n"
"atomic flip that relies on the buffer's implicit fence. Chosen frames are\n"
"captured through the writeback connector, saved as PNG and compared with\n"
"the same commands rendered on the CPU.\n"
"\n"
"options:\n"
"  -n, --frames N         frames to show (default %d)\n"
"  -b, --buffers N        GPU buffers in the swap chain, 2-%d (default %d)\n"
"  -r, --render-ms MS     simulated GPU render time per frame in ms, 0-1000,\n"
"                         decimals allowed (default %d)\n"
"  -p, --pattern NAME     gradient, checker or bars (default gradient)\n"
"  -c, --capture every-N  capture frames 0, N, 2N, ... through writeback\n"
"                         (default every-%d); --capture none: no captures\n"
"  -o, --out DIR          result directory, created if missing (default %s):\n"
"                         summary.txt, summary.json, frames.csv, latency.svg,\n"
"                         capture-NNNNN.png (expected-NNNNN.png on mismatch)\n"
"      --copy             then run the CPU-copy baseline (wait for the render,\n"
"                         memcpy the GPU buffer's mmap into a dumb buffer) with\n"
"                         the same settings and print the zero-copy/copy ratios\n"
"                         of latency and CPU time (files: frames-copy.csv,\n"
"                         copy-capture-*.png)\n"
"      --verify-all       also check every frame by reading its GPU buffer back\n"
"                         on the CPU once the display released it\n"
"      --gpu N            use the N-th " DEMO_GPU_DRIVER " device (default 0)\n"
"      --display N        use the N-th " DEMO_DISPLAY_DRIVER " device (default 0)\n"
"      --progress MODE    auto, counter, lines or none (default auto: a frame\n"
"                         counter on a terminal, a line every 50 frames otherwise)\n"
"  -h, --help             this text\n"
"\n"
"SIGINT or SIGTERM stops after the frame in flight; the summary is still\n"
"written.\n"
"\n"
"exit status: 0 all frames shown and verified; 1 error; 2 bad usage;\n"
"3 verification failed (mismatches, or fewer frames shown than asked);\n"
"130 interrupted (summary written).\n",
		demo_prog, DEFAULT_FRAMES, DEMO_MAX_BUFFERS, DEFAULT_BUFFERS,
		DEFAULT_RENDER_MS, DEFAULT_CAPTURE_EVERY, DEFAULT_OUT);
}

static int __attribute__((format(printf, 1, 2)))
bad_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	demo_vmsg(fmt, ap);
	va_end(ap);
	usage(stderr);
	return -1;
}

static int parse_uint(const char *s, unsigned int min, unsigned int max,
		      unsigned int *out)
{
	unsigned long v;
	char *end;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

static int parse_ms(const char *s, uint64_t *ns)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0 && v <= 1000))
		return -1;
	*ns = (uint64_t)(v * 1e6 + 0.5);
	return 0;
}

static int parse_capture(const char *s, unsigned int *every)
{
	if (!strcmp(s, "none")) {
		*every = 0;
		return 0;
	}
	if (strncmp(s, "every-", 6))
		return -1;
	return parse_uint(s + 6, 1, UINT_MAX, every);
}

static int parse_progress(const char *s, int *mode)
{
	if (!strcmp(s, "auto"))
		*mode = isatty(STDOUT_FILENO) ? 2 : 1;
	else if (!strcmp(s, "counter"))
		*mode = 2;
	else if (!strcmp(s, "lines"))
		*mode = 1;
	else if (!strcmp(s, "none"))
		*mode = 0;
	else
		return -1;
	return 0;
}

enum { OPT_COPY = 256, OPT_VERIFY_ALL, OPT_GPU, OPT_DISPLAY, OPT_PROGRESS };

static const struct option long_opts[] = {
	{ "frames", required_argument, NULL, 'n' },
	{ "buffers", required_argument, NULL, 'b' },
	{ "render-ms", required_argument, NULL, 'r' },
	{ "pattern", required_argument, NULL, 'p' },
	{ "capture", required_argument, NULL, 'c' },
	{ "out", required_argument, NULL, 'o' },
	{ "copy", no_argument, NULL, OPT_COPY },
	{ "verify-all", no_argument, NULL, OPT_VERIFY_ALL },
	{ "gpu", required_argument, NULL, OPT_GPU },
	{ "display", required_argument, NULL, OPT_DISPLAY },
	{ "progress", required_argument, NULL, OPT_PROGRESS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* One option; returns 0, 1 for --help, -1 for bad usage (reported). */
static int parse_one(struct demo_opts *o, int c, const char *arg)
{
	int v;

	switch (c) {
	case 'n':
		return parse_uint(arg, 1, MAX_FRAMES, &o->frames) ?
		       bad_usage("bad --frames '%s' (want 1-10000000)", arg) : 0;
	case 'b':
		return parse_uint(arg, 2, DEMO_MAX_BUFFERS, &o->buffers) ?
		       bad_usage("bad --buffers '%s' (want 2-16)", arg) : 0;
	case 'r':
		return parse_ms(arg, &o->render_ns) ?
		       bad_usage("bad --render-ms '%s' (want 0-1000)", arg) : 0;
	case 'p':
		v = parse_pattern(arg);
		if (v < 0)
			return bad_usage("bad --pattern '%s' (want gradient, checker or bars)",
					 arg);
		o->pattern = (unsigned int)v;
		return 0;
	case 'c':
		return parse_capture(arg, &o->capture_every) ?
		       bad_usage("bad --capture '%s' (want every-N or none)", arg) : 0;
	case 'o':
		o->out_dir = arg;
		return 0;
	case OPT_COPY:
		o->copy = true;
		return 0;
	case OPT_VERIFY_ALL:
		o->verify_all = true;
		return 0;
	case OPT_GPU:
		return parse_uint(arg, 0, 63, &o->gpu_index) ?
		       bad_usage("bad --gpu '%s'", arg) : 0;
	case OPT_DISPLAY:
		return parse_uint(arg, 0, 63, &o->display_index) ?
		       bad_usage("bad --display '%s'", arg) : 0;
	case OPT_PROGRESS:
		return parse_progress(arg, &o->progress) ?
		       bad_usage("bad --progress '%s' (want auto, counter, lines or none)",
				 arg) : 0;
	case 'h':
		return 1;
	default:
		usage(stderr);
		return -1;
	}
}

static int parse_args(int argc, char **argv, struct demo_opts *o)
{
	int c, ret;

	*o = (struct demo_opts){
		.frames = DEFAULT_FRAMES,
		.buffers = DEFAULT_BUFFERS,
		.render_ns = DEFAULT_RENDER_MS * 1000000ull,
		.pattern = VPRIME_PATTERN_GRADIENT,
		.capture_every = DEFAULT_CAPTURE_EVERY,
		.out_dir = DEFAULT_OUT,
	};
	parse_progress("auto", &o->progress);
	while ((c = getopt_long(argc, argv, "n:b:r:p:c:o:h", long_opts,
				NULL)) != -1) {
		ret = parse_one(o, c, optarg);
		if (ret)
			return ret;
	}
	if (optind < argc)
		return bad_usage("unexpected argument '%s'", argv[optind]);
	return 0;
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
	char path[512], *s;

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
		demo_msg("--out path too long");
		return -1;
	}
	for (s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			goto err;
		*s = '/';
	}
	if (mkdir(path, 0755) && errno != EEXIST)
		goto err;
	return 0;
err:
	demo_err(errno, "mkdir(%s)", path);
	return -1;
}

static void on_signal(int sig)
{
	(void)sig;
	demo_stop = 1;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: poll() returns EINTR and the loop sees demo_stop */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int open_devices(const struct demo_opts *o, struct demo_devices *dev)
{
	uint64_t cap = 0;

	dev->gpu_fd = demo_open_driver(DEMO_GPU_DRIVER, o->gpu_index, true);
	if (dev->gpu_fd < 0)
		dev->gpu_fd = demo_open_driver(DEMO_GPU_DRIVER, o->gpu_index,
					       false);
	if (dev->gpu_fd < 0) {
		demo_explain_missing(DEMO_GPU_DRIVER, o->gpu_index);
		return -1;
	}
	dev->disp.fd = demo_open_driver(DEMO_DISPLAY_DRIVER, o->display_index,
					false);
	if (dev->disp.fd < 0) {
		demo_explain_missing(DEMO_DISPLAY_DRIVER, o->display_index);
		goto err_gpu;
	}
	if (display_init(&dev->disp, dev->disp.fd))
		goto err_disp;
	if (drmGetCap(dev->disp.fd, DRM_CAP_TIMESTAMP_MONOTONIC, &cap) || !cap)
		demo_msg("display timestamps are not CLOCK_MONOTONIC: latencies are meaningless");
	if (!dev->disp.wb_conn_id && o->capture_every)
		demo_msg("display has no writeback connector: captures come from CPU readbacks");
	return 0;

err_disp:
	close(dev->disp.fd);
err_gpu:
	close(dev->gpu_fd);
	return -1;
}

static void close_devices(struct demo_devices *dev)
{
	display_fini(&dev->disp);
	close(dev->disp.fd);
	close(dev->gpu_fd);
}

static int exit_status(const struct run_result *runs, unsigned int nruns,
		       int err)
{
	unsigned int i;

	if (err)
		return DEMO_EXIT_ERROR;
	for (i = 0; i < nruns; i++)
		if (runs[i].interrupted)
			return DEMO_EXIT_INTERRUPTED;
	for (i = 0; i < nruns; i++)
		if (runs[i].mismatches || runs[i].shown != runs[i].requested)
			return DEMO_EXIT_VERIFY;
	return DEMO_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct run_result runs[2];
	struct demo_devices dev;
	struct demo_opts o;
	unsigned int nruns = 0, i;
	int ret, err = 0;

	ret = parse_args(argc, argv, &o);
	if (ret > 0) {
		usage(stdout);
		return DEMO_EXIT_OK;
	}
	if (ret < 0)
		return DEMO_EXIT_USAGE;
	if (make_dirs(o.out_dir) || open_devices(&o, &dev))
		return DEMO_EXIT_ERROR;
	install_signals();

	printf("%s: GPU \"%s\" -> display \"%s\" %ux%u@%.2fHz, %u frames, %u buffers, render %.2f ms\n",
	       demo_prog, DEMO_GPU_DRIVER, DEMO_DISPLAY_DRIVER, dev.disp.mode.hdisplay,
	       dev.disp.mode.vdisplay, display_refresh_hz(&dev.disp), o.frames,
	       o.buffers, o.render_ns / 1e6);
	fflush(stdout);
	err = pipeline_run(&dev, &o, DEMO_ZERO_COPY, &runs[nruns++]);
	if (!err && o.copy && !demo_stop)
		err = pipeline_run(&dev, &o, DEMO_CPU_COPY, &runs[nruns++]);

	if (report_write(&o, &dev, runs, nruns))
		err = -1;
	ret = exit_status(runs, nruns, err);
	for (i = 0; i < nruns; i++)
		run_result_free(&runs[i]);
	close_devices(&dev);
	return ret;
}
