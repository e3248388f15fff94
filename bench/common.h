/* SPDX-License-Identifier: MIT */
/*
 * common.h - helpers shared by vprime's benchmark programs.
 *
 * Every benchmark prints its results on stdout as JSON, one object per
 * line: {"figure": {...}} for a figure of record (the shape bench.json
 * keeps) and {"series": {...}} for a size/count sweep used by the plots.
 * Progress and diagnostics go to stderr.
 */
#ifndef VPRIME_BENCH_COMMON_H
#define VPRIME_BENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vprime_util.h"

#define KiB (1024ull)
#define MiB (1024ull * 1024ull)

/* Set by -q / --quick: smallest sizes, one run (make check's smoke mode). */
extern bool bench_quick;

uint64_t now_ns(void);

/* Summary of repeated measurements. */
struct stats {
	double median, p25, p75, min, max;
	int runs;
};

void stats_of(const double *v, int n, struct stats *s);
double percentile(const double *v, int n, double p);

/* Goal of a figure's ratio: none, ratio <= limit or ratio >= limit. */
enum goal { GOAL_NONE, GOAL_MAX, GOAL_MIN };

/*
 * Print one figure. The ratio is value / ref_value. @note may be NULL;
 * it is free text stored with the figure.
 */
void emit_figure(const char *name, const struct stats *s, const char *unit,
		 const char *ref_name, double ref_value,
		 enum goal goal, double goal_ratio, const char *note);
/* Same, for a figure with a single value (runs = 1 or a count). */
void emit_value(const char *name, double value, const char *unit,
		const char *ref_name, double ref_value, int runs,
		enum goal goal, double goal_ratio, const char *note);
/*
 * The same figure measured on a peer driver in the same run (vkms for the
 * display): shown in its own column next to the reference. @s NULL means
 * the peer could not be measured; @missing says why. The goal is
 * value / peer value <= @goal_ratio (0 with a peer value of 0: value <= 0).
 */
struct peer {
	const char *name;
	const struct stats *s;
	const char *missing;
	double goal_ratio;	/* 0: no goal */
};

void emit_figure_peer(const char *name, const struct stats *s,
		      const char *unit, const char *ref_name, double ref_value,
		      enum goal goal, double goal_ratio,
		      const struct peer *peer, const char *note);
/* A point of a plotted series: series @series, x, y (median) and spread. */
void emit_point(const char *series, const char *xlabel, double x,
		const char *ylabel, const struct stats *s);

/* PRIME and GEM helpers; they exit on unexpected errors. */
int prime_export(int fd, uint32_t handle);
uint32_t prime_import(int fd, int dmabuf);
void gem_close_handle(int fd, uint32_t handle);
/* Create a BO: vprime_gpu (BO_CREATE) or any KMS/vgem device (dumb). */
uint32_t bo_create(int fd, bool vprime, uint64_t size);

/*
 * The guest's copy limit: the faster of glibc's memcpy/memset and x86
 * `rep movsb`/`rep stosb` (under TCG glibc's vector paths are emulated
 * slowly while the string instructions are one helper call). Return us and
 * store which one won in *@how when not NULL.
 */
double best_memcpy_us(void *dst, const void *src, uint64_t size,
		      const char **how);
double best_memset_us(void *dst, int c, uint64_t size, const char **how);

/* Raise RLIMIT_NOFILE to at least @n. */
void want_files(unsigned long n);

void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Subcommands. */
int bench_prime(int argc, char **argv);
int bench_share(int argc, char **argv);
int bench_scale(int argc, char **argv);
int bench_engine(int argc, char **argv);
int bench_compose(int argc, char **argv);
int bench_compose_peer(int argc, char **argv);
int bench_flip(int argc, char **argv);
int bench_hold(int argc, char **argv);
int bench_ioctl(int argc, char **argv);

#endif
