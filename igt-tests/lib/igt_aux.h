/* SPDX-License-Identifier: MIT */
/*
 * igt_aux.h - vprime's subset of IGT's auxiliary helpers (IGT 1.27.1).
 */
#ifndef IGT_AUX_H
#define IGT_AUX_H

#include <time.h>

#include "igt_core.h"

/**
 * igt_until_timeout - repeat the following block for @timeout seconds.
 * For stress loops only: pass/fail must never depend on how many rounds ran.
 */
#define igt_until_timeout(timeout) \
	for (struct timespec igt_unique(__ts) = {}; \
	     igt_seconds_elapsed(&igt_unique(__ts)) < (timeout); )

#endif /* IGT_AUX_H */
