// SPDX-License-Identifier: MIT
/*
 * Messages and the clock, shared by vprime-demo and vprime-wl-client (each
 * sets demo_prog to its own name).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "demo.h"

volatile sig_atomic_t demo_stop;

const char *demo_prog = "vprime-demo";

void demo_err(int err, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", demo_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s (errno %d)\n", strerror(err), err);
}

void demo_vmsg(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", demo_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void demo_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	demo_vmsg(fmt, ap);
	va_end(ap);
}

uint64_t demo_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
