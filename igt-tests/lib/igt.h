/* SPDX-License-Identifier: MIT */
/*
 * igt.h - the umbrella header of vprime's IGT declarations.
 *
 * Tests include "igt.h" and link against Debian's libigt.so.0. Built with
 * IGT_SRC=<upstream igt-gpu-tools tree>, the upstream lib/ directory comes
 * first on the include path and its igt.h is used instead of this one, so
 * tests must only use names that upstream's headers also provide; vprime's
 * own helpers live in vprime_igt.h.
 *
 * Adding a declaration: check that libigt.so.0 exports the symbol
 * (nm -D --defined-only /usr/lib/x86_64-linux-gnu/libigt.so.0), copy the
 * prototype's shape from upstream IGT 1.27's header of the same name (in
 * your own words), and put it in the file named like the upstream header.
 */
#ifndef IGT_H
#define IGT_H

#include "drmtest.h"
#include "igt_aux.h"
#include "igt_core.h"
#include "igt_debugfs.h"
#include "ioctl_wrappers.h"

/*
 * Upstream's igt.h does not include these two: tests using their helpers
 * should include them explicitly too, or an IGT_SRC= build will not see them.
 */
#include "igt_syncobj.h"
#include "sw_sync.h"

#endif /* IGT_H */
