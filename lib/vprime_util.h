/* SPDX-License-Identifier: MIT */
/*
 * vprime_util - the small userspace library that the IGT tests, the bench,
 * the demo and the fuzzer share: finding vprime's DRM nodes by driver name,
 * KMS property lookup, reading debugfs files and the core's counters, and
 * what llvmpipe may use of the emulated CPU.
 * Plain C on libdrm, no IGT: every function returns an errno-style error
 * and leaves the policy (skip, assert, die, report) to its caller. PRIME
 * itself is libdrm's drmPrimeHandleToFD()/drmPrimeFDToHandle().
 */
#ifndef VPRIME_UTIL_H
#define VPRIME_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xf86drmMode.h>

#define VPRIME_CORE_STATS	"/sys/kernel/debug/vprime_core/stats"

/* DRM nodes */

/* The name of the driver behind @fd (drmGetVersion()); 0 or -errno. */
int vprime_driver_name(int fd, char *buf, size_t size);
bool vprime_is_driver(int fd, const char *driver);
/*
 * Walk the card (or renderD) nodes in minor order and return an open fd
 * (O_RDWR | O_CLOEXEC) of the @index-th one driven by @driver, or -ENODEV.
 */
int vprime_open_driver_node(const char *driver, unsigned int index,
			    bool render);
/* How many card nodes @driver drives. */
int vprime_count_driver_nodes(const char *driver);
/* Minor of the primary (card) node of the device behind @fd, or -errno. */
int vprime_primary_minor(int fd);

/* KMS properties */

/*
 * Find property @name of KMS object @obj_id (of type @obj_type, a
 * DRM_MODE_OBJECT_*): its id in *@id and its current value in *@value,
 * each when not NULL. 0, -ENOENT when the object has no such property, or
 * -errno when its properties can't be read.
 */
int vprime_prop_find(int fd, uint32_t obj_id, uint32_t obj_type,
		     const char *name, uint32_t *id, uint64_t *value);
/*
 * The same, returning the property itself (its enums, range or blob ids),
 * to be freed with drmModeFreeProperty(); NULL with errno set (ENOENT when
 * the object has no such property).
 */
drmModePropertyPtr vprime_prop_get(int fd, uint32_t obj_id, uint32_t obj_type,
				   const char *name, uint64_t *value);

/* Files, debugfs and the core's counters */

/* Read a whole (small) file, NUL-terminated; bytes read or -errno. */
int vprime_read_file(const char *path, char *buf, size_t size);
/* Read an integer from a one-value file such as a sysfs attribute. */
int vprime_read_u64(const char *path, uint64_t *value);
/*
 * Parse the unsigned integer of the first line of @text that starts (after
 * blanks) with @key followed by ':', '=' or blanks. 0, -ENOENT or -EINVAL.
 */
int vprime_parse_key(const char *text, const char *key, uint64_t *value);
/*
 * The debugfs directory of the device behind @fd,
 * /sys/kernel/debug/dri/<minor of its card node>, also for a render node's
 * fd; debugfs is mounted when it isn't. 0 or -errno.
 */
int vprime_debugfs_dir(int fd, char *path, size_t size);
/* Read debugfs file @name of device @fd, NUL-terminated; bytes or -errno. */
int vprime_debugfs_read(int fd, const char *name, char *buf, size_t size);
/* Find "key: value" / "key=value" / "key value" in debugfs file @name. */
int vprime_debugfs_read_key(int fd, const char *name, const char *key,
			    uint64_t *value);
/* A counter of vprime_core's debugfs stats file; 0 or -errno. */
int vprime_core_stat_read(const char *key, uint64_t *value);

/*
 * llvmpipe, the compositors' GL renderer in the guest, on the CPU that QEMU
 * emulates. QEMU's TCG before its commit ac63755b2001 ("target/i386: Fix
 * VSIB decode", QEMU 9.1, backported to 9.0.3), Debian bookworm's 7.2
 * among them, decodes an AVX2 gather whose VSIB index register is
 * xmm4/ymm4 as "no index", so the gather loads from the wrong addresses;
 * llvmpipe's JIT code gathers texels with vpgatherdd on an AVX2 CPU, and
 * sway 1.7 compositing a client's buffer faults in one (docs/reliability.md).
 *
 * vprime_llvmpipe_cpu_caps() returns the value for GALLIUM_OVERRIDE_CPU_CAPS
 * that keeps llvmpipe off those instructions: "sse4.1" (no AVX, so no AVX2
 * gathers) when the CPU claims AVX2 and a vpgatherdd through xmm4 loads the
 * wrong elements or faults (the fault is caught), NULL when it works or the
 * CPU has no AVX2. Found once.
 */
const char *vprime_llvmpipe_cpu_caps(void);

#endif /* VPRIME_UTIL_H */
