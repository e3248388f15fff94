// SPDX-License-Identifier: MIT
/*
 * vprime_util.c - see vprime_util.h for the contract of each function.
 */
#include <ctype.h>
#include <setjmp.h>
#include <signal.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "vprime_util.h"

#define DRM_MAJOR_NUM		226
#define DRM_MINORS_PER_TYPE	64
#define DRM_RENDER_MINOR_BASE	128

int vprime_driver_name(int fd, char *buf, size_t size)
{
	drmVersionPtr ver;

	errno = 0;
	ver = drmGetVersion(fd);
	if (!ver)
		return errno ? -errno : -EINVAL;
	snprintf(buf, size, "%s", ver->name ? ver->name : "");
	drmFreeVersion(ver);
	return 0;
}

bool vprime_is_driver(int fd, const char *driver)
{
	char name[64];

	if (vprime_driver_name(fd, name, sizeof(name)))
		return false;
	return strcmp(name, driver) == 0;
}

int vprime_open_driver_node(const char *driver, unsigned int index,
			    bool render)
{
	int base = render ? DRM_RENDER_MINOR_BASE : 0;
	const char *node = render ? "renderD" : "card";
	unsigned int seen = 0;
	char path[64];
	int minor;

	for (minor = base; minor < base + DRM_MINORS_PER_TYPE; minor++) {
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/%s%d", node, minor);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (vprime_is_driver(fd, driver) && seen++ == index)
			return fd;
		close(fd);
	}
	return -ENODEV;
}

int vprime_count_driver_nodes(const char *driver)
{
	int n = 0;
	int fd;

	while ((fd = vprime_open_driver_node(driver, n, false)) >= 0) {
		close(fd);
		n++;
	}
	return n;
}

int vprime_primary_minor(int fd)
{
	char path[96];
	struct dirent *de;
	struct stat st;
	int minor = -ENOENT;
	DIR *dir;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != DRM_MAJOR_NUM)
		return -ENOTTY;
	if (minor(st.st_rdev) < DRM_RENDER_MINOR_BASE)
		return minor(st.st_rdev);

	/* A render node: its card sibling is listed in the parent's drm/. */
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/device/drm",
		 major(st.st_rdev), minor(st.st_rdev));
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (!strncmp(de->d_name, "card", 4) && isdigit(de->d_name[4])) {
			minor = atoi(de->d_name + 4);
			break;
		}
	}
	closedir(dir);
	return minor;
}

drmModePropertyPtr vprime_prop_get(int fd, uint32_t obj_id, uint32_t obj_type,
				   const char *name, uint64_t *value)
{
	drmModeObjectPropertiesPtr props;
	drmModePropertyPtr found = NULL;
	int err = ENOENT;
	uint32_t i;

	errno = 0;
	props = drmModeObjectGetProperties(fd, obj_id, obj_type);
	if (!props) {
		errno = errno ? errno : EINVAL;
		return NULL;
	}
	for (i = 0; i < props->count_props && !found; i++) {
		drmModePropertyPtr prop = drmModeGetProperty(fd, props->props[i]);

		if (!prop) {
			err = errno ? errno : EINVAL;
			break;
		}
		if (!strcmp(prop->name, name)) {
			found = prop;
			if (value)
				*value = props->prop_values[i];
		} else {
			drmModeFreeProperty(prop);
		}
	}
	drmModeFreeObjectProperties(props);
	if (!found)
		errno = err;
	return found;
}

int vprime_prop_find(int fd, uint32_t obj_id, uint32_t obj_type,
		     const char *name, uint32_t *id, uint64_t *value)
{
	drmModePropertyPtr prop;

	prop = vprime_prop_get(fd, obj_id, obj_type, name, value);
	if (!prop)
		return -errno;
	if (id)
		*id = prop->prop_id;
	drmModeFreeProperty(prop);
	return 0;
}

int vprime_read_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t ret = 0;
	int fd;

	if (!size)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		ret = read(fd, buf + len, size - 1 - len);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0)
			break;
		len += ret;
	}
	if (ret < 0)
		ret = -errno;
	close(fd);
	buf[len] = '\0';
	return ret < 0 ? (int)ret : (int)len;
}

int vprime_read_u64(const char *path, uint64_t *value)
{
	char buf[64];
	char *end;
	int ret;

	ret = vprime_read_file(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	errno = 0;
	*value = strtoull(buf, &end, 0);
	if (end == buf || errno)
		return -EINVAL;
	return 0;
}

int vprime_parse_key(const char *text, const char *key, uint64_t *value)
{
	size_t klen = strlen(key);
	const char *line = text;

	while (line && *line) {
		const char *p = line;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!strncmp(p, key, klen) &&
		    (p[klen] == ':' || p[klen] == '=' || p[klen] == ' ' ||
		     p[klen] == '\t')) {
			char *end;

			p += klen;
			while (*p == ':' || *p == '=' || *p == ' ' || *p == '\t')
				p++;
			errno = 0;
			*value = strtoull(p, &end, 0);
			if (end == p || errno)
				return -EINVAL;
			return 0;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -ENOENT;
}

int vprime_debugfs_dir(int fd, char *path, size_t size)
{
	struct stat st;
	int minor;

	minor = vprime_primary_minor(fd);
	if (minor < 0)
		return minor;
	/* EBUSY: mounted meanwhile; any other failure shows at the stat() */
	if (stat("/sys/kernel/debug/dri", &st))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	snprintf(path, size, "/sys/kernel/debug/dri/%d", minor);
	if (stat(path, &st))
		return -errno;
	return 0;
}

int vprime_debugfs_read(int fd, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];
	char dir[128];
	int ret;

	ret = vprime_debugfs_dir(fd, dir, sizeof(dir));
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return vprime_read_file(path, buf, size);
}

int vprime_debugfs_read_key(int fd, const char *name, const char *key,
			    uint64_t *value)
{
	char buf[16384];
	int ret;

	ret = vprime_debugfs_read(fd, name, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	return vprime_parse_key(buf, key, value);
}

int vprime_core_stat_read(const char *key, uint64_t *value)
{
	char buf[4096];
	int ret;

	ret = vprime_read_file(VPRIME_CORE_STATS, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	return vprime_parse_key(buf, key, value);
}

/* llvmpipe on the CPU the guest emulates */

#if defined(__x86_64__)
static sigjmp_buf gather_fault;

static void gather_fault_handler(int sig __attribute__((unused)))
{
	siglongjmp(gather_fault, 1);
}

/*
 * vpgatherdd of table[3], [2], [1], [0] with the indices in xmm4, the
 * register whose VSIB encoding (index 100b) QEMU takes for "no index".
 * The faulting load, if any, is caught: a broken gather may load from
 * anywhere.
 */
__attribute__((target("avx2"), noinline))
static bool gather_xmm4_works(void)
{
	static const int32_t table[4] = { 10, 11, 12, 13 };
	static const int32_t index[4] __attribute__((aligned(16))) = {
		3, 2, 1, 0,
	};
	int32_t out[4] __attribute__((aligned(16))) = { 0 };
	struct sigaction sa = { .sa_handler = gather_fault_handler }, osegv,
			 obus;
	bool ok = false;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &osegv);
	sigaction(SIGBUS, &sa, &obus);
	if (!sigsetjmp(gather_fault, 1)) {
		asm volatile("vmovdqa %[idx], %%xmm4\n\t"
			     "vpcmpeqd %%xmm2, %%xmm2, %%xmm2\n\t"
			     "vpxor %%xmm1, %%xmm1, %%xmm1\n\t"
			     "vpgatherdd %%xmm2, (%[base], %%xmm4, 4), %%xmm1\n\t"
			     "vmovdqa %%xmm1, %[out]"
			     : [out] "=m" (out)
			     : [idx] "m" (index), [base] "r" (table)
			     : "xmm1", "xmm2", "xmm4", "memory");
		ok = out[0] == 13 && out[1] == 12 && out[2] == 11 &&
		     out[3] == 10;
	}
	sigaction(SIGSEGV, &osegv, NULL);
	sigaction(SIGBUS, &obus, NULL);
	return ok;
}
#endif

const char *vprime_llvmpipe_cpu_caps(void)
{
	static const char *caps;
	static bool known;

	if (known)
		return caps;
	known = true;
#if defined(__x86_64__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2") && !gather_xmm4_works())
		caps = "sse4.1";
#endif
	return caps;
}
