// SPDX-License-Identifier: MIT
/*
 * engine.c - bandwidth of the GPU engine's FILL and COPY against the
 * guest's memset and memcpy on the same sizes, on native BOs and on
 * imported ones (through their DMA mappings), and the rate of a null
 * ioctl (the reference of the vblank query benchmark).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <drm.h>

#include "drm/vprime_drm.h"
#include "common.h"

#define MAX_RUNS 32

static void bo_wait(int gpu, uint32_t h)
{
	struct drm_vprime_bo_wait w = {
		.handle = h, .timeout_ns = now_ns() + 60000000000ull,
	};
	int ret;

	do {
		ret = ioctl(gpu, DRM_IOCTL_VPRIME_BO_WAIT, &w);
	} while (ret && (errno == EINTR || errno == EAGAIN));
	if (ret)
		die("BO_WAIT");
}

/* Submit one command and wait until its destination is idle: us. */
static double job_us(int gpu, const struct drm_vprime_cmd *cmd)
{
	struct drm_vprime_submit s = {
		.cmds = (uintptr_t)cmd, .cmd_count = 1,
	};
	uint64_t t0 = now_ns();
	int ret;

	do {
		ret = ioctl(gpu, DRM_IOCTL_VPRIME_SUBMIT, &s);
	} while (ret && (errno == EINTR || errno == EAGAIN));
	if (ret)
		die("SUBMIT");
	bo_wait(gpu, cmd->dst_handle);
	return (now_ns() - t0) / 1e3;
}

/* drm-engine-render of the fd's fdinfo, in ns; 0 if absent. */
static uint64_t engine_busy_ns(int fd)
{
	char path[64], line[256];
	uint64_t v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "drm-engine-render:", 18))
			v = strtoull(line + 18, NULL, 10);
	fclose(f);
	return v;
}

static double gbps(uint64_t bytes, double us)
{
	return bytes / (us * 1e3);
}

/*
 * A BO for the engine: native, or (@exporter >= 0) a dumb buffer of the
 * display imported into the GPU, which the engine reaches through its DMA
 * mapping.
 */
static uint32_t engine_bo(int gpu, int exporter, uint64_t size)
{
	uint32_t h, imported;
	int fd;

	if (exporter < 0)
		return bo_create(gpu, true, size);
	h = bo_create(exporter, false, size);
	fd = prime_export(exporter, h);
	imported = prime_import(gpu, fd);
	close(fd);
	gem_close_handle(exporter, h);
	return imported;
}

int bench_engine(int argc, char **argv)
{
	static const uint64_t sizes[] = { 8 * MiB, 64 * MiB };
	int nsizes = bench_quick ? 1 : 2;
	int gpu, kms, exporter, i, r, op, imp;

	gpu = vprime_open_driver_node("vprime_gpu", 0, true);
	if (gpu < 0)
		die("no vprime_gpu device");
	kms = vprime_open_driver_node("vprime_kms", 0, false);

	for (imp = 0; imp < (kms >= 0 ? 2 : 1); imp++)
	for (i = 0; i < nsizes; i++) {
		uint64_t size = sizes[i];
		int runs = bench_quick ? 1 : size > 8 * MiB ? 5 : 9;
		uint32_t src, dst;
		char *a = malloc(size), *b = malloc(size);

		exporter = imp ? kms : -1;
		src = engine_bo(gpu, exporter, size);
		dst = engine_bo(gpu, exporter, size);

		if (!a || !b)
			die("malloc");
		memset(a, 1, size);
		memset(b, 2, size);

		for (op = 0; op < 2; op++) {
			struct drm_vprime_cmd cmd = {
				.op = op ? VPRIME_CMD_COPY : VPRIME_CMD_FILL,
				.dst_handle = dst,
				.dst_stride = 4096,
				.width = 1024,
				.height = size / 4096,
				.value = op ? 0 : 0x11223344,
			};
			const char *how = "";
			double eng[MAX_RUNS], cpu[MAX_RUNS];
			uint64_t busy0, busy1;
			struct stats se, sc;
			char name[64], text[256];

			if (op) {
				cmd.src_handle = src;
				cmd.src_stride = 4096;
			}
			job_us(gpu, &cmd);	/* warm-up */
			busy0 = engine_busy_ns(gpu);
			for (r = 0; r < runs; r++) {
				eng[r] = gbps(size, job_us(gpu, &cmd));
				cpu[r] = gbps(size, op ?
					      best_memcpy_us(b, a, size, &how) :
					      best_memset_us(b, 0x33, size, &how));
			}
			busy1 = engine_busy_ns(gpu);
			stats_of(eng, runs, &se);
			stats_of(cpu, runs, &sc);
			snprintf(name, sizeof(name), "engine.%s%s.%lluMiB",
				 op ? "copy" : "fill", imp ? "_import" : "",
				 (unsigned long long)(size / MiB));
			snprintf(text, sizeof(text),
				 "submit->BO_WAIT wall time, 1024 px x %llu rows%s; engine-only (fdinfo drm-engine-render): %.2f GB/s; reference: faster of glibc and rep string op (last run: %s)",
				 (unsigned long long)(size / 4096),
				 imp ? ", display dumb buffers imported (DMA mappings)" : "",
				 busy1 > busy0 ?
				 (double)size * runs / (busy1 - busy0) : 0.0, how);
			emit_figure(name, &se, "GB/s", op ? "memcpy" : "memset",
				    sc.median, GOAL_MIN, 0.8, text);
		}
		free(a);
		free(b);
		gem_close_handle(gpu, src);
		gem_close_handle(gpu, dst);
	}
	if (kms >= 0)
		close(kms);
	close(gpu);
	return 0;
}

/*
 * Rate of a null ioctl (GET_CAP) on a device, ops/s: three samples, one
 * per line, so that the reference survives a moment of host contention.
 */
int bench_ioctl(int argc, char **argv)
{
	const char *driver = argc > 1 ? argv[1] : "vprime_kms";
	int ops = bench_quick ? 100 : 5000;
	struct drm_get_cap cap = { .capability = DRM_CAP_TIMESTAMP_MONOTONIC };
	int fd, i, n;

	fd = vprime_open_driver_node(driver, 0, false);
	if (fd < 0)
		die("no %s device", driver);
	for (n = 0; n < 3; n++) {
		uint64_t t0 = now_ns();

		for (i = 0; i < ops; i++)
			if (ioctl(fd, DRM_IOCTL_GET_CAP, &cap))
				die("GET_CAP");
		printf("%f\n", ops / ((now_ns() - t0) / 1e9));
	}
	close(fd);
	return 0;
}
