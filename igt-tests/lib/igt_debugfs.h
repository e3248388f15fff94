/* SPDX-License-Identifier: MIT */
/*
 * igt_debugfs.h - vprime's declarations for libigt.so.0's debugfs helpers
 * (IGT 1.27.1). @device is an open DRM fd; paths are relative to the
 * device's /sys/kernel/debug/dri/<minor>/ directory.
 */
#ifndef IGT_DEBUGFS_H
#define IGT_DEBUGFS_H

#include <fcntl.h>
#include <stdbool.h>

const char *igt_debugfs_mount(void);
int igt_debugfs_dir(int device);
int igt_debugfs_open(int device, const char *filename, int mode);
bool igt_debugfs_exists(int device, const char *filename, int mode);
void __igt_debugfs_read(int device, const char *filename, char *buf, int size);
int igt_debugfs_simple_read(int dir, const char *filename, char *buf, int size);
bool igt_debugfs_search(int device, const char *filename, const char *substring);

#define igt_debugfs_read(fd, filename, buf) \
	__igt_debugfs_read((fd), (filename), (buf), sizeof(buf))

#endif /* IGT_DEBUGFS_H */
