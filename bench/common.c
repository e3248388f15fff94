// SPDX-License-Identifier: MIT
/*
 * common.c - statistics, JSON output and device helpers of vprime-bench.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <drm.h>
#include <xf86drm.h>

#include "drm/vprime_drm.h"
#include "common.h"

bool bench_quick;

void die(const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	fputs("vprime-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (errno %d: %s)\n", err, strerror(err));
	exit(1);
}

void note(const char *fmt, ...)
{
	va_list ap;

	fputs("vprime-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Linear interpolation between closest ranks; @v need not be sorted. */
double percentile(const double *v, int n, double p)
{
	double *s, r, pos;
	int i;

	if (n <= 0)
		return NAN;
	s = malloc(n * sizeof(*s));
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	pos = p / 100.0 * (n - 1);
	i = (int)pos;
	r = i + 1 < n ? s[i] + (pos - i) * (s[i + 1] - s[i]) : s[n - 1];
	free(s);
	return r;
}

void stats_of(const double *v, int n, struct stats *s)
{
	int i;

	s->runs = n;
	s->median = percentile(v, n, 50);
	s->p25 = percentile(v, n, 25);
	s->p75 = percentile(v, n, 75);
	s->min = s->max = n ? v[0] : NAN;
	for (i = 1; i < n; i++) {
		if (v[i] < s->min)
			s->min = v[i];
		if (v[i] > s->max)
			s->max = v[i];
	}
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void json_num(double v)
{
	if (isfinite(v))
		printf("%.6g", v);
	else
		printf("null");
}

static void json_spread(const struct stats *s)
{
	printf("\"spread\": {\"p25\": ");
	json_num(s->p25);
	printf(", \"p75\": ");
	json_num(s->p75);
	printf(", \"min\": ");
	json_num(s->min);
	printf(", \"max\": ");
	json_num(s->max);
	printf("}, \"runs\": %d", s->runs);
}

static void json_peer(const struct stats *s, const struct peer *peer)
{
	double ratio;

	printf(", \"peer\": {\"name\": ");
	json_str(peer->name);
	if (!peer->s) {
		printf(", \"value\": null, \"missing\": ");
		json_str(peer->missing ? peer->missing : "not measured");
		printf("}");
		return;
	}
	ratio = peer->s->median != 0 ? s->median / peer->s->median : NAN;
	printf(", \"value\": ");
	json_num(peer->s->median);
	printf(", \"ratio\": ");
	json_num(ratio);
	printf(", ");
	json_spread(peer->s);
	if (peer->goal_ratio > 0) {
		bool met = peer->s->median != 0 ? ratio <= peer->goal_ratio
						: s->median <= 0;

		printf(", \"goal\": {\"ratio\": \"<= %g\", \"met\": %s}",
		       peer->goal_ratio, met ? "true" : "false");
	}
	printf("}");
}

static void emit(const char *name, const struct stats *s, const char *unit,
		 const char *ref_name, double ref_value, enum goal goal,
		 double goal_ratio, const struct peer *peer,
		 const char *note_text)
{
	double ratio = ref_value != 0 ? s->median / ref_value : NAN;

	printf("{\"figure\": {\"name\": ");
	json_str(name);
	printf(", \"value\": ");
	json_num(s->median);
	printf(", \"unit\": ");
	json_str(unit);
	printf(", \"reference\": {\"name\": ");
	json_str(ref_name);
	printf(", \"value\": ");
	json_num(ref_value);
	printf("}, \"ratio\": ");
	json_num(ratio);
	printf(", ");
	json_spread(s);
	if (goal != GOAL_NONE) {
		bool met = goal == GOAL_MAX ? ratio <= goal_ratio
					    : ratio >= goal_ratio;

		printf(", \"goal\": {\"ratio\": \"%s %g\", \"met\": %s}",
		       goal == GOAL_MAX ? "<=" : ">=", goal_ratio,
		       met ? "true" : "false");
	}
	if (peer)
		json_peer(s, peer);
	if (note_text) {
		printf(", \"note\": ");
		json_str(note_text);
	}
	printf("}}\n");
	fflush(stdout);
}

void emit_figure(const char *name, const struct stats *s, const char *unit,
		 const char *ref_name, double ref_value,
		 enum goal goal, double goal_ratio, const char *note_text)
{
	emit(name, s, unit, ref_name, ref_value, goal, goal_ratio, NULL,
	     note_text);
}

void emit_figure_peer(const char *name, const struct stats *s,
		      const char *unit, const char *ref_name, double ref_value,
		      enum goal goal, double goal_ratio,
		      const struct peer *peer, const char *note_text)
{
	emit(name, s, unit, ref_name, ref_value, goal, goal_ratio, peer,
	     note_text);
}

void emit_value(const char *name, double value, const char *unit,
		const char *ref_name, double ref_value, int runs,
		enum goal goal, double goal_ratio, const char *note_text)
{
	struct stats s = {
		.median = value, .p25 = value, .p75 = value,
		.min = value, .max = value, .runs = runs,
	};

	emit(name, &s, unit, ref_name, ref_value, goal, goal_ratio, NULL,
	     note_text);
}

void emit_point(const char *series, const char *xlabel, double x,
		const char *ylabel, const struct stats *s)
{
	printf("{\"series\": {\"name\": ");
	json_str(series);
	printf(", \"x_label\": ");
	json_str(xlabel);
	printf(", \"x\": ");
	json_num(x);
	printf(", \"y_label\": ");
	json_str(ylabel);
	printf(", \"y\": ");
	json_num(s->median);
	printf(", \"y_min\": ");
	json_num(s->min);
	printf(", \"y_max\": ");
	json_num(s->max);
	printf(", \"runs\": %d}}\n", s->runs);
	fflush(stdout);
}

int prime_export(int fd, uint32_t handle)
{
	struct drm_prime_handle args = {
		.handle = handle, .flags = DRM_CLOEXEC | DRM_RDWR,
	};

	if (ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &args))
		die("PRIME_HANDLE_TO_FD");
	return args.fd;
}

uint32_t prime_import(int fd, int dmabuf)
{
	struct drm_prime_handle args = { .fd = dmabuf };

	if (ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &args))
		die("PRIME_FD_TO_HANDLE");
	return args.handle;
}

void gem_close_handle(int fd, uint32_t handle)
{
	struct drm_gem_close args = { .handle = handle };

	if (ioctl(fd, DRM_IOCTL_GEM_CLOSE, &args))
		die("GEM_CLOSE %u", handle);
}

uint32_t bo_create(int fd, bool vprime, uint64_t size)
{
	if (vprime) {
		struct drm_vprime_bo_create args = { .size = size };

		if (ioctl(fd, DRM_IOCTL_VPRIME_BO_CREATE, &args))
			die("VPRIME_BO_CREATE %llu", (unsigned long long)size);
		return args.handle;
	} else {
		struct drm_mode_create_dumb args = {
			.width = 1024, .bpp = 32,
			.height = (size + 4095) / 4096,
		};

		if (ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &args))
			die("MODE_CREATE_DUMB %llu", (unsigned long long)size);
		return args.handle;
	}
}

static void rep_movsb(void *dst, const void *src, uint64_t n)
{
	__asm__ volatile("rep movsb"
			 : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static void rep_stosb(void *dst, int c, uint64_t n)
{
	__asm__ volatile("rep stosb"
			 : "+D"(dst), "+c"(n) : "a"(c) : "memory");
}

double best_memcpy_us(void *dst, const void *src, uint64_t size,
		      const char **how)
{
	uint64_t t0 = now_ns(), t1, t2;

	memcpy(dst, src, size);
	__asm__ volatile("" : : "r"(dst) : "memory");
	t1 = now_ns();
	rep_movsb(dst, src, size);
	t2 = now_ns();
	if (how)
		*how = t1 - t0 <= t2 - t1 ? "glibc memcpy" : "rep movsb";
	return (t1 - t0 <= t2 - t1 ? t1 - t0 : t2 - t1) / 1e3;
}

double best_memset_us(void *dst, int c, uint64_t size, const char **how)
{
	uint64_t t0 = now_ns(), t1, t2;

	memset(dst, c, size);
	__asm__ volatile("" : : "r"(dst) : "memory");
	t1 = now_ns();
	rep_stosb(dst, c, size);
	t2 = now_ns();
	if (how)
		*how = t1 - t0 <= t2 - t1 ? "glibc memset" : "rep stosb";
	return (t1 - t0 <= t2 - t1 ? t1 - t0 : t2 - t1) / 1e3;
}

void want_files(unsigned long n)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r))
		return;
	if (r.rlim_cur >= n)
		return;
	r.rlim_cur = n;
	if (r.rlim_max < n)
		r.rlim_max = n;
	if (setrlimit(RLIMIT_NOFILE, &r))
		note("cannot raise the file limit to %lu", n);
}
