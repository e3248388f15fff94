/* SPDX-License-Identifier: MIT */
/*
 * igt.h - the umbrella header of vprime's IGT declarations.
 *
 * Tests include "igt.h" and link against Debian's libigt.so.0. Built with
 * IGT_SRC=<upstream igt-gpu-tools tree>, the upstream lib/ directory comes
 * first on the include path and its igt.h is used instead of this one, so
 * tests must only use names that upstream's headers also provide; vprime's
 * own helpers live in vprime_igt.h.
 */
#ifndef IGT_H
#define IGT_H

#include "drmtest.h"
#include "igt_aux.h"
#include "igt_core.h"
#include "igt_debugfs.h"
#include "igt_syncobj.h"
#include "ioctl_wrappers.h"
#include "sw_sync.h"

#endif /* IGT_H */
