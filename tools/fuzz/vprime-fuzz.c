// SPDX-License-Identifier: MIT
/*
 * vprime-fuzz - structured fuzzer of vprime's four device nodes
 *
 * Drives every ioctl of the GPU render node ("vprime_gpu"), the display
 * card node ("vprime_kms"), /dev/vprime_heap and the test module's
 * /dev/vprime_test (user fences, importer devices), plus the dma-buf, sync_file
 * and syncobj objects they hand out: mostly well-formed arguments built
 * from live objects (handles, fds, syncobjs, framebuffers) with one field
 * mutated, mixed with boundary and random values, stale and foreign handles
 * and fds of the wrong type. Sequences create, share (PRIME, SCM_RIGHTS
 * between two processes), submit, flip and close; device fds are closed and
 * reopened under the other threads' feet; worker processes are SIGKILLed
 * and respawned at random points.
 *
 * The parent process watches /dev/kmsg. On a kernel report (a line matching
 * vm/kernel-log-errors: WARNING, BUG, Oops, KASAN, lockdep, ODEBUG, ...) or
 * a hang (no call completed for --hang-secs) it writes a reproducer to
 * --out: the command line with the seed, the kernel lines and the last
 * calls of every thread, then exits non-zero.
 *
 * Reproducibility: every thread's choices come from a generator seeded by
 * (seed, process slot, generation, thread). With --procs 1 --threads 1
 * --no-respawn the call sequence depends on the seed only; with more, the
 * interleaving of threads is up to the scheduler.
 *
 * Exit status: 0 clean, 1 kernel report, 2 hang, 3 leak (the core's
 * live_buffers / the GPU's GEM object count did not return to their values
 * before the run), 4 setup error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <regex.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <linux/dma-buf.h>
#include <linux/sync_file.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "drm/vprime_drm.h"
#include "linux/vprime_heap.h"
#include "linux/vprime_test.h"
#include "vprime_util.h"

#define MAX_PROCS	4
#define MAX_THREADS	8
#define RING		128
#define LOGLINE		200
#define POOL		32
#define NGPU		2
#define NKMS		2
#define NHEAP		2
#define MAX_PROPS	64
#define MAX_OBJS	16

/* ---- options ---- */

static struct {
	uint64_t seed;
	unsigned int seconds;
	uint64_t calls;
	unsigned int procs;
	unsigned int threads;
	unsigned int hang_secs;
	bool respawn;
	bool faults;
	bool quiet;
	bool slow_cpu_ok;
	const char *out;
	const char *log_patterns;
} opt = {
	.seed = 1, .seconds = 60, .procs = 2, .threads = 3, .hang_secs = 90,
	.respawn = true, .faults = true, .out = "out/fuzz",
	.log_patterns = KERNEL_LOG_ERRORS,
};

/* ---- shared memory: counters, heartbeats and call logs ---- */

struct thread_log {
	atomic_uint_fast64_t calls;
	atomic_uint_fast64_t last_ns;
	uint64_t seed;
	unsigned int generation;
	unsigned int head;
	char lines[RING][LOGLINE];
};

struct shared {
	atomic_int stop;
	atomic_uint_fast64_t total_calls;
	atomic_uint_fast64_t errnos[140];
	atomic_uint_fast64_t sigbus;
	struct thread_log log[MAX_PROCS][MAX_THREADS];
};

static struct shared *sh;

/* ---- per-process state ---- */

enum res_type {
	R_GPU_BO,	/* val: handle, dev: gpu index, aux: size */
	R_KMS_BO,	/* val: handle, dev: kms index, aux: size */
	R_FB,		/* val: fb id, dev: kms index */
	R_BLOB,		/* val: blob id, dev: kms index */
	R_DMABUF,	/* val: fd, aux: size */
	R_SYNCFILE,	/* val: fd */
	R_SYNCOBJ,	/* val: handle, dev: gpu index */
	R_UFENCE,	/* val: fence id, dev: gpu index */
	R_HFENCE,	/* val: heap fence handle, dev: heap index */
	R_HIMPORT,	/* val: import handle, dev: heap index */
	R_MAP,		/* val: address, aux: length */
	R_NTYPES
};


struct res {
	uint64_t val;
	int dev;
	uint64_t aux;
};

struct kms_info {
	uint32_t crtc[4], ncrtc;
	uint32_t conn[8], nconn;
	uint32_t plane[8], nplane;
	uint32_t obj[MAX_OBJS], obj_type[MAX_OBJS], nobj;
	uint32_t prop_obj[MAX_PROPS], prop_id[MAX_PROPS];
	char prop_name[MAX_PROPS][32];
	unsigned int nprop;
	drmModeModeInfo mode;
	bool have_mode;
};

static struct {
	pthread_mutex_t lock;
	int gpu[NGPU], kms[NKMS], heap[NHEAP], test[NHEAP];
	struct res pool[R_NTYPES][POOL];
	unsigned int count[R_NTYPES];
	struct kms_info kinfo;
	int sock;		/* to the other process, or -1 */
	int slot;
} P = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct ctx {
	uint64_t rng;
	int slot, tid;
	struct thread_log *log;
	char scratch[8192] __attribute__((aligned(64)));
	sigjmp_buf jmp;
	volatile int in_touch;
};

static __thread struct ctx *cur;

/* ---- helpers ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd(struct ctx *c)
{
	return splitmix(&c->rng);
}

static uint32_t rn(struct ctx *c, uint32_t n)
{
	return n ? rnd(c) % n : 0;
}

static bool chance(struct ctx *c, unsigned int pct)
{
	return rn(c, 100) < pct;
}

static uint64_t boundary64(struct ctx *c)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 63, 64, 255, 256, 4095, 4096, 4097, 8192,
		65536, 1 << 20, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
		0x100000000ull, 0x100001000ull, 0x7fffffffffffffffull,
		0x8000000000000000ull, 0xfffffffffffff000ull,
		0xfffffffffffffffeull, 0xffffffffffffffffull,
	};
	return v[rn(c, sizeof(v) / sizeof(v[0]))];
}

static uint64_t any64(struct ctx *c)
{
	switch (rn(c, 4)) {
	case 0: return boundary64(c);
	case 1: return rnd(c);
	case 2: return rn(c, 4096);
	default: return 1ull << rn(c, 64);
	}
}

static uint32_t any32(struct ctx *c)
{
	return (uint32_t)any64(c);
}

/* Mostly a subset of @valid, sometimes 0, sometimes random bits. */
static uint32_t flags(struct ctx *c, uint32_t valid)
{
	unsigned int r = rn(c, 100);

	if (r < 70)
		return (uint32_t)rnd(c) & valid;
	if (r < 85)
		return 0;
	return (uint32_t)rnd(c) | (1u << rn(c, 32));
}

/* Pad fields: nearly always 0. */
static uint32_t pad32(struct ctx *c)
{
	return chance(c, 4) ? any32(c) : 0;
}

static void logf_(struct ctx *c, const char *fmt, ...)
{
	struct thread_log *l = c->log;
	unsigned int i = l->head++ % RING;
	va_list ap;
	int n;

	n = snprintf(l->lines[i], LOGLINE, "%" PRIu64 " ",
		     (uint64_t)atomic_load(&l->calls));
	va_start(ap, fmt);
	vsnprintf(l->lines[i] + n, LOGLINE - n, fmt, ap);
	va_end(ap);
}

static void hexdump(char *dst, size_t size, const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i, o = 0;

	for (i = 0; i < len && o + 3 < size; i++)
		o += snprintf(dst + o, size - o, "%02x", b[i]);
	dst[o < size ? o : size - 1] = 0;
}

/* One ioctl, counted and logged with its argument bytes and result. */
static int xioctl(struct ctx *c, const char *name, int fd, unsigned long req,
		  void *arg, size_t len)
{
	char hex[2 * 72 + 1];
	int ret, err;

	hexdump(hex, sizeof(hex), arg, len > 72 ? 72 : len);
	logf_(c, "%s fd=%d %s", name, fd, hex);
	ret = ioctl(fd, req, arg);
	err = ret < 0 ? errno : 0;
	{
		struct thread_log *l = c->log;
		unsigned int i = (l->head - 1) % RING;
		size_t n = strlen(l->lines[i]);

		snprintf(l->lines[i] + n, LOGLINE - n, " -> %d", ret < 0 ? -err : ret);
	}
	atomic_fetch_add(&c->log->calls, 1);
	atomic_store(&c->log->last_ns, now_ns());
	atomic_fetch_add(&sh->total_calls, 1);
	if (err > 0 && err < 140)
		atomic_fetch_add(&sh->errnos[err], 1);
	errno = err;
	return ret < 0 ? -err : ret;
}

static void count_call(struct ctx *c)
{
	atomic_fetch_add(&c->log->calls, 1);
	atomic_store(&c->log->last_ns, now_ns());
	atomic_fetch_add(&sh->total_calls, 1);
}

/* ---- the resource pool ---- */

static void res_release(enum res_type t, struct res *r);

static void pool_add(enum res_type t, uint64_t val, int dev, uint64_t aux)
{
	struct res old = { 0 }, *r;
	bool evict = false;

	pthread_mutex_lock(&P.lock);
	if (P.count[t] < POOL) {
		r = &P.pool[t][P.count[t]++];
	} else {
		r = &P.pool[t][cur ? rn(cur, POOL) : 0];
		old = *r;
		evict = true;
	}
	r->val = val;
	r->dev = dev;
	r->aux = aux;
	pthread_mutex_unlock(&P.lock);
	if (evict)
		res_release(t, &old);
}

/* A copy of a random live entry of type @t; false if none. */
static bool pool_pick(struct ctx *c, enum res_type t, struct res *out)
{
	bool ok = false;

	pthread_mutex_lock(&P.lock);
	if (P.count[t]) {
		*out = P.pool[t][rn(c, P.count[t])];
		ok = true;
	}
	pthread_mutex_unlock(&P.lock);
	return ok;
}

/* Remove and return a random entry of type @t (the caller releases it). */
static bool pool_take(struct ctx *c, enum res_type t, struct res *out)
{
	unsigned int i;
	bool ok = false;

	pthread_mutex_lock(&P.lock);
	if (P.count[t]) {
		i = rn(c, P.count[t]);
		*out = P.pool[t][i];
		P.pool[t][i] = P.pool[t][--P.count[t]];
		ok = true;
	}
	pthread_mutex_unlock(&P.lock);
	return ok;
}

/* Forget every entry of type @t that belongs to device @dev. */
static void pool_forget_dev(enum res_type t, int dev)
{
	unsigned int i;

	pthread_mutex_lock(&P.lock);
	for (i = 0; i < P.count[t];) {
		if (P.pool[t][i].dev == dev)
			P.pool[t][i] = P.pool[t][--P.count[t]];
		else
			i++;
	}
	pthread_mutex_unlock(&P.lock);
}

static void res_release(enum res_type t, struct res *r)
{
	switch (t) {
	case R_DMABUF:
	case R_SYNCFILE:
		close((int)r->val);
		break;
	case R_MAP:
		munmap((void *)(uintptr_t)r->val, r->aux);
		break;
	default:
		/* handles die with their file; leaving them is fine */
		break;
	}
}

/* A handle of type @t for device @dev: live, foreign, stale or garbage. */
static uint32_t pick_handle(struct ctx *c, enum res_type t, int dev, uint64_t *aux)
{
	struct res r;
	unsigned int k = rn(c, 100);

	if (aux)
		*aux = 0;
	if (k < 85 && pool_pick(c, t, &r)) {
		if (aux)
			*aux = r.aux;
		/* another file's handle now and then (privacy of handles) */
		(void)dev;
		return (uint32_t)r.val;
	}
	if (k < 92)
		return 0;
	return any32(c);
}

static int pick_fd(struct ctx *c, enum res_type t, uint64_t *aux)
{
	struct res r;
	unsigned int k = rn(c, 100);

	if (aux)
		*aux = 0;
	if (k < 80 && pool_pick(c, t, &r)) {
		if (aux)
			*aux = r.aux;
		return (int)r.val;
	}
	switch (rn(c, 6)) {
	case 0: return -1;
	case 1: return INT_MAX;
	case 2: return 1000 + rn(c, 100);	/* closed */
	case 3: return P.gpu[rn(c, NGPU)];	/* wrong type */
	case 4: return P.heap[rn(c, NHEAP)];
	default:
		if (pool_pick(c, t == R_DMABUF ? R_SYNCFILE : R_DMABUF, &r))
			return (int)r.val;
		return 0;
	}
}

static int gpu_fd(struct ctx *c, int *idx)
{
	int i = rn(c, NGPU);

	if (idx)
		*idx = i;
	return P.gpu[i];
}

static int kms_fd(struct ctx *c, int *idx)
{
	int i = rn(c, NKMS);

	if (idx)
		*idx = i;
	return P.kms[i];
}

static int heap_fd(struct ctx *c, int *idx)
{
	int i = rn(c, NHEAP);

	if (idx)
		*idx = i;
	return P.heap[i];
}

/* /dev/vprime_test: the test module's fences and imports */
static int test_fd(struct ctx *c, int *idx)
{
	int i = rn(c, NHEAP);

	if (idx)
		*idx = i;
	return P.test[i];
}

/* Sizes: mostly small pages, sometimes boundaries. */
static uint64_t bo_size(struct ctx *c)
{
	unsigned int k = rn(c, 100);

	if (k < 80)
		return 4096ull * (1 + rn(c, 64));
	if (k < 95)
		return boundary64(c);
	if (k < 99)
		return 4096ull * rn(c, 1024);
	return (uint64_t)(16 + rn(c, 48)) << 20;
}

/* An absolute CLOCK_MONOTONIC deadline: past, now, soon, or boundary. */
static uint64_t deadline(struct ctx *c)
{
	switch (rn(c, 8)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return now_ns() - 1000;
	case 3: return boundary64(c) & 0xffffffffull;
	default: return now_ns() + rn(c, 30) * 1000000ull;
	}
}

/* A user pointer: valid scratch, NULL, unmapped, kernel, misaligned. */
static uint64_t uptr(struct ctx *c, void *valid)
{
	switch (rn(c, 20)) {
	case 0: return 0;
	case 1: return 0xffff888000000000ull;
	case 2: return 0x10;
	case 3: return (uint64_t)(uintptr_t)valid + 1;
	case 4: return rnd(c);
	default: return (uint64_t)(uintptr_t)valid;
	}
}

/* ---- device discovery ---- */

static void kms_discover(int fd, struct kms_info *k)
{
	drmModeResPtr res;
	drmModePlaneResPtr pres;
	unsigned int i, j;

	memset(k, 0, sizeof(*k));
	drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1);
	drmSetClientCap(fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1);
	res = drmModeGetResources(fd);
	if (!res)
		return;
	for (i = 0; i < (unsigned int)res->count_crtcs && k->ncrtc < 4; i++)
		k->crtc[k->ncrtc++] = res->crtcs[i];
	for (i = 0; i < (unsigned int)res->count_connectors && k->nconn < 8; i++) {
		drmModeConnectorPtr conn = drmModeGetConnector(fd, res->connectors[i]);

		k->conn[k->nconn++] = res->connectors[i];
		if (conn && conn->count_modes && !k->have_mode) {
			k->mode = conn->modes[0];
			for (j = 1; j < (unsigned int)conn->count_modes; j++)
				if (conn->modes[j].hdisplay * conn->modes[j].vdisplay <
				    k->mode.hdisplay * k->mode.vdisplay)
					k->mode = conn->modes[j];
			k->have_mode = true;
		}
		drmModeFreeConnector(conn);
	}
	drmModeFreeResources(res);
	pres = drmModeGetPlaneResources(fd);
	if (pres) {
		for (i = 0; i < pres->count_planes && k->nplane < 8; i++)
			k->plane[k->nplane++] = pres->planes[i];
		drmModeFreePlaneResources(pres);
	}
	for (i = 0; i < k->ncrtc; i++) {
		k->obj[k->nobj] = k->crtc[i];
		k->obj_type[k->nobj++] = DRM_MODE_OBJECT_CRTC;
	}
	for (i = 0; i < k->nconn && k->nobj < MAX_OBJS; i++) {
		k->obj[k->nobj] = k->conn[i];
		k->obj_type[k->nobj++] = DRM_MODE_OBJECT_CONNECTOR;
	}
	for (i = 0; i < k->nplane && k->nobj < MAX_OBJS; i++) {
		k->obj[k->nobj] = k->plane[i];
		k->obj_type[k->nobj++] = DRM_MODE_OBJECT_PLANE;
	}
	for (i = 0; i < k->nobj; i++) {
		drmModeObjectPropertiesPtr props =
			drmModeObjectGetProperties(fd, k->obj[i], k->obj_type[i]);

		if (!props)
			continue;
		for (j = 0; j < props->count_props && k->nprop < MAX_PROPS; j++) {
			drmModePropertyPtr p = drmModeGetProperty(fd, props->props[j]);

			if (!p)
				continue;
			k->prop_obj[k->nprop] = k->obj[i];
			k->prop_id[k->nprop] = p->prop_id;
			snprintf(k->prop_name[k->nprop], 32, "%s", p->name);
			k->nprop++;
			drmModeFreeProperty(p);
		}
		drmModeFreeObjectProperties(props);
	}
}

static int open_devices(int slot)
{
	int i;

	for (i = 0; i < NGPU; i++)
		P.gpu[i] = vprime_open_driver_node("vprime_gpu", 0, true);
	for (i = 0; i < NKMS; i++)
		P.kms[i] = vprime_open_driver_node("vprime_kms", 0, false);
	for (i = 0; i < NHEAP; i++)
		P.heap[i] = open("/dev/vprime_heap", O_RDWR | O_CLOEXEC);
	for (i = 0; i < NHEAP; i++)
		P.test[i] = open("/dev/vprime_test", O_RDWR | O_CLOEXEC);
	if (P.gpu[0] < 0 || P.kms[0] < 0 || P.heap[0] < 0 || P.test[0] < 0) {
		fprintf(stderr, "vprime-fuzz[%d]: devices missing (gpu %d kms %d heap %d test %d)\n",
			slot, P.gpu[0], P.kms[0], P.heap[0], P.test[0]);
		return -1;
	}
	for (i = 0; i < NKMS; i++)
		if (P.kms[i] >= 0)
			kms_discover(P.kms[i], i ? &(struct kms_info){ 0 } : &P.kinfo);
	return 0;
}

/* ---- operations: GPU ---- */

static void op_gpu_bo_create(struct ctx *c)
{
	struct drm_vprime_bo_create a = { 0 };
	int d, fd = gpu_fd(c, &d);

	a.size = bo_size(c);
	a.flags = flags(c, VPRIME_BO_CREATE_FLAGS);
	if (chance(c, 3))
		a.handle = any32(c);
	if (xioctl(c, "BO_CREATE", fd, DRM_IOCTL_VPRIME_BO_CREATE, &a, sizeof(a)) == 0)
		pool_add(R_GPU_BO, a.handle, d, a.size);
}

static void op_gpu_bo_info(struct ctx *c)
{
	struct drm_vprime_bo_info a = { 0 };
	int d, fd = gpu_fd(c, &d);

	a.handle = pick_handle(c, R_GPU_BO, d, NULL);
	a.flags = flags(c, 0);
	xioctl(c, "BO_INFO", fd, DRM_IOCTL_VPRIME_BO_INFO, &a, sizeof(a));
}

static void touch(struct ctx *c, volatile unsigned char *p, size_t len, bool write)
{
	c->in_touch = 1;
	if (sigsetjmp(c->jmp, 1) == 0) {
		unsigned char v = p[0];

		v += p[len - 1];
		if (write) {
			p[0] = v;
			p[len - 1] = (unsigned char)rn(c, 256);
		}
	} else {
		atomic_fetch_add(&sh->sigbus, 1);
	}
	c->in_touch = 0;
}

static void map_and_touch(struct ctx *c, int fd, uint64_t offset, uint64_t size)
{
	size_t len = size && size <= (64u << 20) ? size : 4096;
	int prot = chance(c, 20) ? PROT_READ : PROT_READ | PROT_WRITE;
	void *p;

	if (chance(c, 10))
		len += 4096;	/* past the end */
	p = mmap(NULL, len, prot, MAP_SHARED, fd, (off_t)offset);
	logf_(c, "mmap fd=%d off=%#" PRIx64 " len=%zu prot=%d -> %p", fd, offset,
	      len, prot, p);
	count_call(c);
	if (p == MAP_FAILED)
		return;
	touch(c, p, len, prot & PROT_WRITE);
	if (chance(c, 50))
		munmap(p, len);
	else
		pool_add(R_MAP, (uintptr_t)p, 0, len);
}

static void op_gpu_mmap(struct ctx *c)
{
	struct drm_vprime_bo_mmap_offset a = { 0 };
	uint64_t size;
	int d, fd = gpu_fd(c, &d);

	a.handle = pick_handle(c, R_GPU_BO, d, &size);
	a.flags = flags(c, 0);
	if (xioctl(c, "BO_MMAP_OFFSET", fd, DRM_IOCTL_VPRIME_BO_MMAP_OFFSET, &a,
		   sizeof(a)) == 0)
		map_and_touch(c, fd, chance(c, 5) ? a.offset + 4096 : a.offset, size);
}

static void op_gpu_bo_wait(struct ctx *c)
{
	struct drm_vprime_bo_wait a = { 0 };
	int d, fd = gpu_fd(c, &d);

	a.handle = pick_handle(c, R_GPU_BO, d, NULL);
	a.flags = flags(c, VPRIME_BO_WAIT_FLAGS);
	a.timeout_ns = deadline(c);
	xioctl(c, "BO_WAIT", fd, DRM_IOCTL_VPRIME_BO_WAIT, &a, sizeof(a));
}

static void fill_cmd(struct ctx *c, struct drm_vprime_cmd *cmd, int d)
{
	uint64_t dsize, ssize;
	uint32_t stride, w, h;

	memset(cmd, 0, sizeof(*cmd));
	cmd->op = 1 + rn(c, 3);
	cmd->dst_handle = pick_handle(c, R_GPU_BO, d, &dsize);
	if (!dsize)
		dsize = 4096;
	stride = 256;
	w = 1 + rn(c, 64);
	h = 1 + rn(c, (uint32_t)(dsize / stride > 64 ? 64 : (dsize / stride ? dsize / stride : 1)));
	cmd->dst_stride = stride;
	cmd->width = w;
	cmd->height = h;
	switch (cmd->op) {
	case VPRIME_CMD_FILL:
		cmd->value = (uint32_t)rnd(c);
		break;
	case VPRIME_CMD_COPY:
		cmd->src_handle = pick_handle(c, R_GPU_BO, d, &ssize);
		cmd->src_stride = stride;
		if (ssize && ssize < (uint64_t)h * stride)
			cmd->height = (uint32_t)(ssize / stride) ? (uint32_t)(ssize / stride) : 1;
		break;
	case VPRIME_CMD_PATTERN:
		cmd->pattern = rn(c, VPRIME_PATTERN_COUNT + 1);
		cmd->frame = (uint32_t)rnd(c);
		break;
	}
	/* one mutation now and then */
	if (chance(c, 25)) {
		uint32_t *f = (uint32_t *)cmd;

		f[rn(c, sizeof(*cmd) / 4)] = any32(c);
	}
}

static void op_gpu_submit(struct ctx *c)
{
	struct drm_vprime_submit a = { 0 };
	struct drm_vprime_cmd *cmds = (void *)c->scratch;
	struct drm_vprime_sync *syncs = (void *)(c->scratch + 64 * 66);
	unsigned int i, n = 1 + rn(c, 4), ns = rn(c, 3);
	int d, fd = gpu_fd(c, &d), ret;
	struct res r;

	if (chance(c, 3))
		n = chance(c, 50) ? 0 : VPRIME_MAX_CMDS + rn(c, 3);
	for (i = 0; i < n && i < 64; i++)
		fill_cmd(c, &cmds[i], d);
	for (i = 0; i < ns; i++) {
		syncs[i].handle = pick_handle(c, R_SYNCOBJ, d, NULL);
		syncs[i].flags = pad32(c);
		syncs[i].point = chance(c, 80) ? 0 : any64(c);
	}
	a.cmds = uptr(c, cmds);
	a.cmd_count = chance(c, 2) ? any32(c) : n;
	a.flags = flags(c, VPRIME_SUBMIT_FLAGS);
	/*
	 * A hang stalls the engine for job_timeout_ms (2 s): keep them to a
	 * few a minute, or the engine spends its time in hangs
	 */
	if ((a.flags & VPRIME_SUBMIT_HANG) && rn(c, 1000) >= 5)
		a.flags &= ~VPRIME_SUBMIT_HANG;
	a.in_syncs = ns ? uptr(c, syncs) : (chance(c, 5) ? any64(c) : 0);
	a.in_sync_count = chance(c, 2) ? any32(c) : ns;
	if (a.flags & VPRIME_SUBMIT_IN_FENCE_FD)
		a.in_fence_fd = (uint32_t)pick_fd(c, R_SYNCFILE, NULL);
	else if (chance(c, 3))
		a.in_fence_fd = any32(c);
	if (chance(c, 30))
		a.out_syncobj = pick_handle(c, R_SYNCOBJ, d, NULL);
	if (chance(c, 3))
		a.out_fence_fd = any32(c);
	a.out_sync_point = chance(c, 80) ? 0 : any64(c);
	a.duration_ns = chance(c, 90) ? rn(c, 2000000) : any64(c);
	a.extensions = chance(c, 3) ? any64(c) : 0;
	ret = xioctl(c, "SUBMIT", fd, DRM_IOCTL_VPRIME_SUBMIT, &a, sizeof(a));
	if (ret == 0 && (a.flags & VPRIME_SUBMIT_OUT_FENCE_FD))
		pool_add(R_SYNCFILE, a.out_fence_fd, 0, 0);
	(void)r;
}

static void op_gpu_fence_attach(struct ctx *c)
{
	struct drm_vprime_fence_attach a = { 0 };
	int d, fd = gpu_fd(c, &d);

	a.handle = pick_handle(c, R_GPU_BO, d, NULL);
	a.flags = flags(c, VPRIME_FENCE_FLAGS);
	a.pad = pad32(c);
	/* short-lived fences: they block other users until signalled */
	a.timeout_ns = chance(c, 90) ? now_ns() + rn(c, 200) * 1000000ull : any64(c);
	if (xioctl(c, "FENCE_ATTACH", fd, DRM_IOCTL_VPRIME_FENCE_ATTACH, &a, sizeof(a)) == 0)
		pool_add(R_UFENCE, a.out_fence, d, 0);
}

static void op_gpu_fence_signal(struct ctx *c)
{
	struct drm_vprime_fence_signal a = { 0 };
	struct res r;
	int d, fd;

	if (chance(c, 80) && pool_take(c, R_UFENCE, &r)) {
		d = r.dev;
		fd = P.gpu[d];
		a.fence = (uint32_t)r.val;
	} else {
		fd = gpu_fd(c, &d);
		a.fence = any32(c);
	}
	a.flags = flags(c, 0);
	xioctl(c, "FENCE_SIGNAL", fd, DRM_IOCTL_VPRIME_FENCE_SIGNAL, &a, sizeof(a));
}

/* ---- GEM / PRIME / syncobj (both DRM devices) ---- */

static void op_gem_close(struct ctx *c)
{
	struct drm_gem_close a = { 0 };
	struct res r;
	bool kms = chance(c, 40);
	int fd;

	if (pool_take(c, kms ? R_KMS_BO : R_GPU_BO, &r) && chance(c, 90)) {
		fd = kms ? P.kms[r.dev] : P.gpu[r.dev];
		a.handle = (uint32_t)r.val;
	} else {
		fd = kms ? kms_fd(c, NULL) : gpu_fd(c, NULL);
		a.handle = any32(c);
	}
	a.pad = pad32(c);
	xioctl(c, "GEM_CLOSE", fd, DRM_IOCTL_GEM_CLOSE, &a, sizeof(a));
}

static void op_prime_export(struct ctx *c)
{
	struct drm_prime_handle a = { 0 };
	bool kms = chance(c, 30);
	uint64_t size;
	int d, fd = kms ? kms_fd(c, &d) : gpu_fd(c, &d);

	a.handle = pick_handle(c, kms ? R_KMS_BO : R_GPU_BO, d, &size);
	a.flags = flags(c, DRM_CLOEXEC | DRM_RDWR);
	a.fd = chance(c, 5) ? (int)any32(c) : 0;
	if (xioctl(c, "PRIME_HANDLE_TO_FD", fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &a,
		   sizeof(a)) == 0)
		pool_add(R_DMABUF, a.fd, 0, size);
}

static void op_prime_import(struct ctx *c)
{
	struct drm_prime_handle a = { 0 };
	bool kms = chance(c, 50);
	uint64_t size;
	int d, fd = kms ? kms_fd(c, &d) : gpu_fd(c, &d);

	a.fd = pick_fd(c, R_DMABUF, &size);
	a.flags = chance(c, 5) ? any32(c) : 0;
	if (xioctl(c, "PRIME_FD_TO_HANDLE", fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &a,
		   sizeof(a)) == 0)
		pool_add(kms ? R_KMS_BO : R_GPU_BO, a.handle, d, size);
}

static void op_flink(struct ctx *c)
{
	struct drm_gem_flink f = { 0 };
	struct drm_gem_open o = { 0 };
	int d, fd = chance(c, 50) ? gpu_fd(c, &d) : kms_fd(c, &d);

	f.handle = pick_handle(c, R_GPU_BO, d, NULL);
	xioctl(c, "GEM_FLINK", fd, DRM_IOCTL_GEM_FLINK, &f, sizeof(f));
	o.name = chance(c, 50) ? f.name : any32(c);
	if (xioctl(c, "GEM_OPEN", fd, DRM_IOCTL_GEM_OPEN, &o, sizeof(o)) == 0)
		pool_add(R_GPU_BO, o.handle, d, o.size);
}

/*
 * Counts for the DRM core's syncobj arrays. 6.1's drm_syncobj_array_find()
 * kmalloc()s count_handles entries without __GFP_NOWARN, so a count above
 * ~2^20 makes the page allocator WARN (a known core issue, not vprime's):
 * stay below that, and still exercise overflowing-looking values.
 */
static uint32_t sync_count(struct ctx *c, uint32_t n)
{
	if (!chance(c, 3))
		return n;
	return chance(c, 50) ? 0 : 1 + rn(c, 65536);
}

static void op_syncobj(struct ctx *c)
{
	int d, fd = gpu_fd(c, &d), ret;
	uint32_t *handles = (void *)c->scratch;
	uint64_t *points = (void *)(c->scratch + 256);
	unsigned int i, n = 1 + rn(c, 4);
	struct res r;

	if (chance(c, 10))
		fd = kms_fd(c, NULL);	/* no DRIVER_SYNCOBJ there */
	for (i = 0; i < n; i++) {
		handles[i] = pick_handle(c, R_SYNCOBJ, d, NULL);
		points[i] = chance(c, 70) ? rn(c, 4) : any64(c);
	}
	switch (rn(c, 10)) {
	case 0: {
		struct drm_syncobj_create a = { .flags = flags(c, DRM_SYNCOBJ_CREATE_SIGNALED) };

		if (xioctl(c, "SYNCOBJ_CREATE", fd, DRM_IOCTL_SYNCOBJ_CREATE, &a, sizeof(a)) == 0)
			pool_add(R_SYNCOBJ, a.handle, d, 0);
		break;
	}
	case 1: {
		struct drm_syncobj_destroy a = { .pad = pad32(c) };

		if (pool_take(c, R_SYNCOBJ, &r)) {
			fd = P.gpu[r.dev];
			a.handle = (uint32_t)r.val;
		} else {
			a.handle = any32(c);
		}
		xioctl(c, "SYNCOBJ_DESTROY", fd, DRM_IOCTL_SYNCOBJ_DESTROY, &a, sizeof(a));
		break;
	}
	case 2: {
		struct drm_syncobj_handle a = { .handle = handles[0] };

		a.flags = flags(c, DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE);
		a.pad = pad32(c);
		ret = xioctl(c, "SYNCOBJ_HANDLE_TO_FD", fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD,
			     &a, sizeof(a));
		if (ret == 0) {
			if (a.flags & DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE)
				pool_add(R_SYNCFILE, a.fd, 0, 0);
			else
				close(a.fd);
		}
		break;
	}
	case 3: {
		struct drm_syncobj_handle a = { 0 };

		a.flags = flags(c, DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE);
		a.fd = pick_fd(c, R_SYNCFILE, NULL);
		if (a.flags & DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE)
			a.handle = handles[0];
		if (xioctl(c, "SYNCOBJ_FD_TO_HANDLE", fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
			   &a, sizeof(a)) == 0 && !a.flags)
			pool_add(R_SYNCOBJ, a.handle, d, 0);
		break;
	}
	case 4: {
		struct drm_syncobj_wait a = { 0 };

		a.handles = uptr(c, handles);
		a.count_handles = sync_count(c, n);
		a.timeout_nsec = (int64_t)deadline(c);
		a.flags = flags(c, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL |
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT);
		xioctl(c, "SYNCOBJ_WAIT", fd, DRM_IOCTL_SYNCOBJ_WAIT, &a, sizeof(a));
		break;
	}
	case 5: {
		struct drm_syncobj_timeline_wait a = { 0 };

		a.handles = uptr(c, handles);
		a.points = uptr(c, points);
		a.count_handles = sync_count(c, n);
		a.timeout_nsec = (int64_t)deadline(c);
		a.flags = flags(c, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL |
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
				DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE);
		xioctl(c, "SYNCOBJ_TIMELINE_WAIT", fd, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT,
		       &a, sizeof(a));
		break;
	}
	case 6: {
		struct drm_syncobj_array a = { .handles = uptr(c, handles), .pad = pad32(c) };

		a.count_handles = sync_count(c, n);
		xioctl(c, chance(c, 50) ? "SYNCOBJ_RESET" : "SYNCOBJ_SIGNAL", fd,
		       chance(c, 50) ? DRM_IOCTL_SYNCOBJ_RESET : DRM_IOCTL_SYNCOBJ_SIGNAL,
		       &a, sizeof(a));
		break;
	}
	case 7: {
		struct drm_syncobj_timeline_array a = { 0 };

		a.handles = uptr(c, handles);
		a.points = uptr(c, points);
		a.count_handles = sync_count(c, n);
		a.flags = flags(c, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED);
		xioctl(c, chance(c, 50) ? "SYNCOBJ_QUERY" : "SYNCOBJ_TIMELINE_SIGNAL", fd,
		       chance(c, 50) ? DRM_IOCTL_SYNCOBJ_QUERY : DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL,
		       &a, sizeof(a));
		break;
	}
	default: {
		struct drm_syncobj_transfer a = { 0 };

		a.src_handle = handles[0];
		a.dst_handle = handles[n - 1];
		a.src_point = points[0];
		a.dst_point = points[n - 1];
		a.flags = flags(c, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT);
		a.pad = pad32(c);
		xioctl(c, "SYNCOBJ_TRANSFER", fd, DRM_IOCTL_SYNCOBJ_TRANSFER, &a, sizeof(a));
		break;
	}
	}
}

/* Any DRM ioctl number with random bytes: the core's own checks. */
static void op_drm_random(struct ctx *c)
{
	unsigned int nr = chance(c, 50) ? DRM_COMMAND_BASE + rn(c, 16) : rn(c, 0xd0);
	unsigned int size = rn(c, 128);
	unsigned long req;
	unsigned int i;
	int fd = chance(c, 50) ? gpu_fd(c, NULL) : kms_fd(c, NULL);

	/* Leave the ioctls that would drop master/auth for the whole run alone. */
	if (nr == 0x1e || nr == 0x1f || nr == 0x11 || nr == 0x10)
		nr = 0x0c;	/* GET_CAP */
	/*
	 * The syncobj array ioctls (WAIT, RESET, SIGNAL 0xc3-0xc5, TIMELINE_WAIT,
	 * QUERY, TRANSFER, TIMELINE_SIGNAL 0xca-0xcd) with a random count hit
	 * 6.1's drm_syncobj_array_find() WARN (see sync_count()): op_syncobj
	 * drives them with bounded counts.
	 */
	if ((nr >= 0xc3 && nr <= 0xc5) || (nr >= 0xca && nr <= 0xcd))
		nr = 0x0c;
	for (i = 0; i < size; i++)
		c->scratch[i] = chance(c, 60) ? 0 : (char)rnd(c);
	req = _IOC(rn(c, 4), DRM_IOCTL_BASE, nr, size);
	xioctl(c, "DRM_RANDOM", fd, req, c->scratch, size);
}

/* ---- KMS ---- */

static void op_dumb(struct ctx *c)
{
	int d, fd = kms_fd(c, &d);

	switch (rn(c, 3)) {
	case 0: {
		struct drm_mode_create_dumb a = { 0 };

		a.width = chance(c, 80) ? 16 + rn(c, 256) : any32(c);
		a.height = chance(c, 80) ? 16 + rn(c, 256) : any32(c);
		a.bpp = chance(c, 85) ? 32 : any32(c);
		a.flags = flags(c, 0);
		if (xioctl(c, "CREATE_DUMB", fd, DRM_IOCTL_MODE_CREATE_DUMB, &a, sizeof(a)) == 0)
			pool_add(R_KMS_BO, a.handle, d, a.size);
		break;
	}
	case 1: {
		struct drm_mode_map_dumb a = { 0 };
		uint64_t size;

		a.handle = pick_handle(c, R_KMS_BO, d, &size);
		a.pad = pad32(c);
		if (xioctl(c, "MAP_DUMB", fd, DRM_IOCTL_MODE_MAP_DUMB, &a, sizeof(a)) == 0)
			map_and_touch(c, fd, a.offset, size);
		break;
	}
	default: {
		struct drm_mode_destroy_dumb a = { 0 };
		struct res r;

		if (pool_take(c, R_KMS_BO, &r)) {
			fd = P.kms[r.dev];
			a.handle = (uint32_t)r.val;
		} else {
			a.handle = any32(c);
		}
		xioctl(c, "DESTROY_DUMB", fd, DRM_IOCTL_MODE_DESTROY_DUMB, &a, sizeof(a));
		break;
	}
	}
}

static const uint32_t formats[] = {
	DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888, DRM_FORMAT_XBGR8888,
	DRM_FORMAT_RGB565, DRM_FORMAT_NV12, 0, 0x20202020,
};

static void op_addfb(struct ctx *c)
{
	struct drm_mode_fb_cmd2 a = { 0 };
	struct kms_info *k = &P.kinfo;
	uint64_t size;
	int d, fd = kms_fd(c, &d);

	a.handles[0] = pick_handle(c, R_KMS_BO, d, &size);
	if (k->have_mode && chance(c, 60)) {
		a.width = k->mode.hdisplay;
		a.height = k->mode.vdisplay;
	} else {
		a.width = chance(c, 80) ? 1 + rn(c, 256) : any32(c);
		a.height = chance(c, 80) ? 1 + rn(c, 256) : any32(c);
	}
	a.pixel_format = chance(c, 80) ? DRM_FORMAT_XRGB8888 :
		formats[rn(c, sizeof(formats) / sizeof(formats[0]))];
	a.pitches[0] = chance(c, 85) ? a.width * 4 : any32(c);
	a.offsets[0] = chance(c, 90) ? 0 : any32(c);
	a.flags = flags(c, DRM_MODE_FB_MODIFIERS);
	if (a.flags & DRM_MODE_FB_MODIFIERS)
		a.modifier[0] = chance(c, 50) ? 0 : any64(c);
	if (chance(c, 5)) {
		a.handles[1] = a.handles[0];
		a.pitches[1] = a.pitches[0];
	}
	if (xioctl(c, "ADDFB2", fd, DRM_IOCTL_MODE_ADDFB2, &a, sizeof(a)) == 0)
		pool_add(R_FB, a.fb_id, d, 0);
}

static void op_rmfb(struct ctx *c)
{
	struct res r;
	uint32_t id;
	int fd;

	if (pool_take(c, R_FB, &r)) {
		fd = P.kms[r.dev];
		id = (uint32_t)r.val;
	} else {
		fd = kms_fd(c, NULL);
		id = any32(c);
	}
	xioctl(c, "RMFB", fd, DRM_IOCTL_MODE_RMFB, &id, sizeof(id));
}

static uint64_t prop_value(struct ctx *c, const char *name, int d, int32_t *fence_slot)
{
	struct kms_info *k = &P.kinfo;
	struct res r;

	if (chance(c, 5))
		return any64(c);
	if (!strcmp(name, "FB_ID") || !strcmp(name, "WRITEBACK_FB_ID"))
		return chance(c, 80) && pool_pick(c, R_FB, &r) ? r.val : 0;
	if (!strcmp(name, "CRTC_ID"))
		return chance(c, 80) && k->ncrtc ? k->crtc[0] : 0;
	if (!strcmp(name, "IN_FENCE_FD"))
		return (uint64_t)(int64_t)(chance(c, 50) ? pick_fd(c, R_SYNCFILE, NULL) : -1);
	if (!strcmp(name, "OUT_FENCE_PTR") || !strcmp(name, "WRITEBACK_OUT_FENCE_PTR")) {
		*fence_slot = -1;
		return chance(c, 70) ? (uint64_t)(uintptr_t)fence_slot :
			chance(c, 50) ? 0 : uptr(c, fence_slot);
	}
	if (!strcmp(name, "ACTIVE"))
		return rn(c, 2);
	if (!strcmp(name, "MODE_ID"))
		return chance(c, 70) && pool_pick(c, R_BLOB, &r) ? r.val : 0;
	if (!strncmp(name, "SRC_", 4) || !strncmp(name, "CRTC_", 5)) {
		bool src = name[0] == 'S';
		bool w = strchr(name, 'W') != NULL, h = name[strlen(name) - 1] == 'H';
		uint64_t v = w ? k->mode.hdisplay : h ? k->mode.vdisplay : 0;

		if (chance(c, 20))
			v = rn(c, 512);
		return src ? v << 16 : v;
	}
	return rn(c, 4);
}

static void collect_fence(int32_t fd)
{
	if (fd >= 0)
		pool_add(R_SYNCFILE, (uint64_t)fd, 0, 0);
}

static void op_atomic(struct ctx *c)
{
	struct kms_info *k = &P.kinfo;
	struct drm_mode_atomic a = { 0 };
	uint32_t *objs = (void *)c->scratch;
	uint32_t *counts = (void *)(c->scratch + 256);
	uint32_t *props = (void *)(c->scratch + 512);
	uint64_t *vals = (void *)(c->scratch + 1024);
	int32_t *fences = (void *)(c->scratch + 2048);
	unsigned int i, j, nobj = 0, nprops = 0;
	int d, fd = kms_fd(c, &d), ret;

	if (!k->nprop)
		return;
	for (i = 0; i < k->nobj; i++) {
		unsigned int cnt = 0;

		if (!chance(c, 60))
			continue;
		for (j = 0; j < k->nprop && nprops < 60; j++) {
			if (k->prop_obj[j] != k->obj[i] || !chance(c, 60))
				continue;
			props[nprops] = k->prop_id[j];
			vals[nprops] = prop_value(c, k->prop_name[j], d, &fences[nprops]);
			nprops++;
			cnt++;
		}
		objs[nobj] = k->obj[i];
		counts[nobj++] = cnt;
	}
	if (chance(c, 5) && nobj)
		objs[rn(c, nobj)] = any32(c);
	a.flags = flags(c, DRM_MODE_ATOMIC_TEST_ONLY | DRM_MODE_ATOMIC_NONBLOCK |
			DRM_MODE_ATOMIC_ALLOW_MODESET | DRM_MODE_PAGE_FLIP_EVENT);
	a.count_objs = chance(c, 3) ? any32(c) : nobj;
	a.objs_ptr = uptr(c, objs);
	a.count_props_ptr = uptr(c, counts);
	a.props_ptr = uptr(c, props);
	a.prop_values_ptr = uptr(c, vals);
	a.reserved = chance(c, 3) ? any64(c) : 0;
	a.user_data = rnd(c);
	ret = xioctl(c, "ATOMIC", fd, DRM_IOCTL_MODE_ATOMIC, &a, sizeof(a));
	/* Out-fence fds are written even on some failure paths; collect. */
	for (i = 0; i < nprops; i++) {
		const char *n = NULL;

		for (j = 0; j < k->nprop; j++)
			if (k->prop_id[j] == props[i])
				n = k->prop_name[j];
		if (n && strstr(n, "OUT_FENCE_PTR") &&
		    vals[i] == (uint64_t)(uintptr_t)&fences[i] && fences[i] >= 0)
			collect_fence(fences[i]);
	}
	(void)ret;
}

static void op_blob(struct ctx *c)
{
	struct kms_info *k = &P.kinfo;
	int d, fd = kms_fd(c, &d);

	if (chance(c, 60)) {
		struct drm_mode_create_blob a = { 0 };

		memcpy(c->scratch, &k->mode, sizeof(k->mode));
		if (chance(c, 20))
			((uint16_t *)c->scratch)[rn(c, sizeof(k->mode) / 2)] = (uint16_t)rnd(c);
		a.data = uptr(c, c->scratch);
		/*
		 * Not any32(): 6.1's CREATEPROPBLOB vmallocs up to 2 GiB and
		 * copy_from_user() zero-fills what it couldn't copy, which
		 * takes tens of seconds under TCG (a soft lockup in DRM core,
		 * not in vprime). Lengths up to 1 MiB still cover the checks.
		 */
		a.length = chance(c, 85) ? sizeof(k->mode) :
			chance(c, 50) ? (uint32_t)boundary64(c) & 0xfffff : rn(c, 1 << 20);
		if (xioctl(c, "CREATEPROPBLOB", fd, DRM_IOCTL_MODE_CREATEPROPBLOB, &a,
			   sizeof(a)) == 0)
			pool_add(R_BLOB, a.blob_id, d, 0);
	} else {
		struct drm_mode_destroy_blob a = { 0 };
		struct res r;

		if (pool_take(c, R_BLOB, &r)) {
			fd = P.kms[r.dev];
			a.blob_id = (uint32_t)r.val;
		} else {
			a.blob_id = any32(c);
		}
		xioctl(c, "DESTROYPROPBLOB", fd, DRM_IOCTL_MODE_DESTROYPROPBLOB, &a, sizeof(a));
	}
}

static void op_kms_misc(struct ctx *c)
{
	struct kms_info *k = &P.kinfo;
	int d, fd = kms_fd(c, &d);
	uint32_t crtc = k->ncrtc && chance(c, 85) ? k->crtc[0] : any32(c);
	struct res r;

	switch (rn(c, 10)) {
	case 0: {
		struct drm_mode_crtc_page_flip a = { .crtc_id = crtc };

		a.fb_id = pool_pick(c, R_FB, &r) ? (uint32_t)r.val : any32(c);
		a.flags = flags(c, DRM_MODE_PAGE_FLIP_FLAGS);
		a.user_data = rnd(c);
		xioctl(c, "PAGE_FLIP", fd, DRM_IOCTL_MODE_PAGE_FLIP, &a, sizeof(a));
		break;
	}
	case 1: {
		struct drm_mode_crtc a = { .crtc_id = crtc };
		uint32_t conn = k->nconn ? k->conn[0] : 0;

		a.fb_id = pool_pick(c, R_FB, &r) ? (uint32_t)r.val : 0;
		a.set_connectors_ptr = uptr(c, &conn);
		a.count_connectors = chance(c, 30) ? 0 : chance(c, 90) ? 1 : any32(c);
		memcpy(&a.mode, &k->mode, sizeof(a.mode));
		a.mode_valid = chance(c, 80);
		xioctl(c, "SETCRTC", fd, DRM_IOCTL_MODE_SETCRTC, &a, sizeof(a));
		break;
	}
	case 2: {
		union drm_wait_vblank a = { 0 };

		a.request.type = chance(c, 80) ? (DRM_VBLANK_RELATIVE |
			(chance(c, 50) ? DRM_VBLANK_EVENT : 0)) : any32(c);
		a.request.sequence = chance(c, 80) ? rn(c, 2) : any32(c);
		a.request.signal = rnd(c);
		xioctl(c, "WAIT_VBLANK", fd, DRM_IOCTL_WAIT_VBLANK, &a, sizeof(a));
		break;
	}
	case 3: {
		struct drm_crtc_get_sequence a = { .crtc_id = crtc };

		xioctl(c, "CRTC_GET_SEQUENCE", fd, DRM_IOCTL_CRTC_GET_SEQUENCE, &a, sizeof(a));
		break;
	}
	case 4: {
		struct drm_crtc_queue_sequence a = { .crtc_id = crtc };

		a.flags = flags(c, DRM_CRTC_SEQUENCE_RELATIVE | DRM_CRTC_SEQUENCE_NEXT_ON_MISS);
		a.sequence = chance(c, 80) ? rn(c, 3) : any64(c);
		a.user_data = rnd(c);
		xioctl(c, "CRTC_QUEUE_SEQUENCE", fd, DRM_IOCTL_CRTC_QUEUE_SEQUENCE, &a, sizeof(a));
		break;
	}
	case 5: {
		struct drm_mode_obj_set_property a = { 0 };
		unsigned int i = k->nprop ? rn(c, k->nprop) : 0;
		int32_t fence;

		if (!k->nprop)
			break;
		a.obj_id = k->prop_obj[i];
		a.prop_id = k->prop_id[i];
		a.obj_type = chance(c, 90) ? DRM_MODE_OBJECT_ANY : any32(c);
		a.value = prop_value(c, k->prop_name[i], d, &fence);
		xioctl(c, "OBJ_SETPROPERTY", fd, DRM_IOCTL_MODE_OBJ_SETPROPERTY, &a, sizeof(a));
		break;
	}
	case 6: {
		struct drm_mode_fb_dirty_cmd a = { 0 };
		struct drm_clip_rect *clips = (void *)c->scratch;

		clips[0] = (struct drm_clip_rect){ 0, 0, (uint16_t)rn(c, 2000), (uint16_t)rn(c, 2000) };
		a.fb_id = pool_pick(c, R_FB, &r) ? (uint32_t)r.val : any32(c);
		a.flags = flags(c, DRM_MODE_FB_DIRTY_FLAGS);
		a.num_clips = chance(c, 90) ? rn(c, 2) : any32(c);
		a.clips_ptr = uptr(c, clips);
		xioctl(c, "DIRTYFB", fd, DRM_IOCTL_MODE_DIRTYFB, &a, sizeof(a));
		break;
	}
	case 7: {
		struct drm_mode_cursor2 a = { .crtc_id = crtc };

		a.flags = flags(c, DRM_MODE_CURSOR_FLAGS);
		a.handle = pick_handle(c, R_KMS_BO, d, NULL);
		a.width = a.height = 64;
		xioctl(c, "CURSOR2", fd, DRM_IOCTL_MODE_CURSOR2, &a, sizeof(a));
		break;
	}
	case 8: {
		struct drm_mode_set_plane a = { 0 };

		a.plane_id = k->nplane && chance(c, 90) ? k->plane[rn(c, k->nplane)] : any32(c);
		a.crtc_id = crtc;
		a.fb_id = pool_pick(c, R_FB, &r) ? (uint32_t)r.val : 0;
		a.crtc_w = k->mode.hdisplay;
		a.crtc_h = k->mode.vdisplay;
		a.src_w = (uint32_t)k->mode.hdisplay << 16;
		a.src_h = (uint32_t)k->mode.vdisplay << 16;
		if (chance(c, 30))
			((uint32_t *)&a)[rn(c, sizeof(a) / 4)] = any32(c);
		xioctl(c, "SETPLANE", fd, DRM_IOCTL_MODE_SETPLANE, &a, sizeof(a));
		break;
	}
	default: {
		/* getters: resources, connector probe, planes, props, getfb */
		drmModeResPtr res = drmModeGetResources(fd);
		drmModeConnectorPtr conn;

		drmModeFreeResources(res);
		count_call(c);
		if (k->nconn) {
			conn = drmModeGetConnector(fd, k->conn[rn(c, k->nconn)]);
			drmModeFreeConnector(conn);
			count_call(c);
		}
		if (pool_pick(c, R_FB, &r)) {
			drmModeFBPtr fb = drmModeGetFB(fd, (uint32_t)r.val);

			drmModeFreeFB(fb);
			count_call(c);
		}
		logf_(c, "kms getters fd=%d", fd);
		break;
	}
	}
}

/* Read pending DRM events (page flips, vblanks, sequences). */
static void op_kms_events(struct ctx *c)
{
	char buf[1024];
	int fd = kms_fd(c, NULL);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, chance(c, 20) ? 20 : 0) > 0 && (pfd.revents & POLLIN)) {
		int flags = fcntl(fd, F_GETFL);

		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
		logf_(c, "read events fd=%d -> %zd", fd, read(fd, buf, sizeof(buf)));
		fcntl(fd, F_SETFL, flags);
	}
	count_call(c);
}

/* ---- heap ---- */

static void op_heap_alloc(struct ctx *c)
{
	struct vprime_heap_alloc a = { 0 };
	int fd = heap_fd(c, NULL);
	static const uint32_t fdfl[] = { 0, O_CLOEXEC | O_RDWR, O_RDONLY, O_WRONLY,
					 O_CLOEXEC, O_NONBLOCK, O_RDWR | O_APPEND };

	a.size = bo_size(c);
	a.placement = chance(c, 90) ? rn(c, 2) : any32(c);
	a.flags = flags(c, 0);
	a.fd_flags = chance(c, 90) ? fdfl[rn(c, 5)] : fdfl[rn(c, 7)] | (chance(c, 50) ? any32(c) : 0);
	a.reserved = chance(c, 3) ? any64(c) : 0;
	if (chance(c, 3))
		a.fd = any32(c);
	if (xioctl(c, "HEAP_ALLOC", fd, VPRIME_HEAP_IOCTL_ALLOC, &a, sizeof(a)) == 0)
		pool_add(R_DMABUF, a.fd, 0, a.size);
}

static void op_heap_migrate(struct ctx *c)
{
	struct vprime_heap_migrate a = { 0 };
	int fd = heap_fd(c, NULL);

	a.fd = (uint32_t)pick_fd(c, R_DMABUF, NULL);
	a.placement = chance(c, 90) ? rn(c, 2) : any32(c);
	a.flags = flags(c, 0);
	a.pad = pad32(c);
	xioctl(c, "HEAP_MIGRATE", fd, VPRIME_HEAP_IOCTL_MIGRATE, &a, sizeof(a));
}

static void op_heap_fence(struct ctx *c)
{
	int d, fd = test_fd(c, &d);
	struct res r;

	if (chance(c, 50)) {
		struct vprime_test_fence_attach a = { 0 };

		/* Test fences live until signalled or the test file closes. */
		if (P.count[R_HFENCE] >= 8)
			goto signal;
		a.fd = (uint32_t)pick_fd(c, R_DMABUF, NULL);
		a.flags = flags(c, VPRIME_TEST_FENCE_WRITE);
		a.pad = pad32(c);
		if (xioctl(c, "HEAP_FENCE_ATTACH", fd, VPRIME_TEST_IOCTL_FENCE_ATTACH, &a,
			   sizeof(a)) == 0)
			pool_add(R_HFENCE, a.handle, d, 0);
		return;
	}
signal:
	{
		struct vprime_test_fence_signal a = { 0 };

		if (pool_take(c, R_HFENCE, &r) && chance(c, 95)) {
			fd = P.test[r.dev];
			a.handle = (uint32_t)r.val;
		} else {
			a.handle = any32(c);
		}
		a.error = chance(c, 70) ? 0 : chance(c, 50) ? rn(c, 4096) : any32(c);
		a.flags = flags(c, 0);
		a.pad = pad32(c);
		xioctl(c, "HEAP_FENCE_SIGNAL", fd, VPRIME_TEST_IOCTL_FENCE_SIGNAL, &a, sizeof(a));
	}
}

/* IMPORT_READ: a valid destination is c->scratch, so only sizes it holds */
static void op_heap_import_read(struct ctx *c, int fd)
{
	struct vprime_test_import_read a = { 0 };
	struct res r;

	if (pool_pick(c, R_HIMPORT, &r) && chance(c, 90)) {
		fd = P.test[r.dev];
		a.handle = (uint32_t)r.val;
	} else {
		a.handle = any32(c);
	}
	a.flags = flags(c, 0);
	a.offset = chance(c, 80) ? rn(c, 1 << 20) : any64(c);
	if (chance(c, 90)) {
		a.size = 1 + rn(c, sizeof(c->scratch) - 1); /* uptr() may add 1 */
		a.data = uptr(c, c->scratch);
	} else {
		a.size = any64(c);
		a.data = 0x10;	/* never written: EINVAL or EFAULT */
	}
	xioctl(c, "IMPORT_READ", fd, VPRIME_TEST_IOCTL_IMPORT_READ, &a, sizeof(a));
}

static void op_heap_import(struct ctx *c)
{
	struct vprime_test_import a = { 0 };
	int d, fd = test_fd(c, &d);
	static const struct { const char *n; unsigned long req; } ops[] = {
		{ "IMPORT_MAP", VPRIME_TEST_IOCTL_IMPORT_MAP },
		{ "IMPORT_UNMAP", VPRIME_TEST_IOCTL_IMPORT_UNMAP },
		{ "IMPORT_DETACH", VPRIME_TEST_IOCTL_IMPORT_DETACH },
		{ "IMPORT_QUERY", VPRIME_TEST_IOCTL_IMPORT_QUERY },
	};
	struct res r;
	unsigned int k = rn(c, 6);

	if (k == 5 && P.count[R_HIMPORT]) {
		op_heap_import_read(c, fd);
		return;
	}
	if (k >= 4 || !P.count[R_HIMPORT]) {
		a.fd = (uint32_t)pick_fd(c, R_DMABUF, NULL);
		a.importer = chance(c, 90) ? rn(c, 2) : any32(c);
		a.flags = flags(c, VPRIME_TEST_IMPORT_STATIC);
		a.pad = pad32(c);
		if (chance(c, 5))
			a.direction = any32(c);
		if (xioctl(c, "IMPORT_ATTACH", fd, VPRIME_TEST_IOCTL_IMPORT_ATTACH, &a,
			   sizeof(a)) == 0)
			pool_add(R_HIMPORT, a.handle, d, 0);
		return;
	}
	if (k == 2 && pool_take(c, R_HIMPORT, &r)) {
		fd = P.test[r.dev];
		a.handle = (uint32_t)r.val;
	} else if (pool_pick(c, R_HIMPORT, &r) && chance(c, 90)) {
		fd = P.test[r.dev];
		a.handle = (uint32_t)r.val;
	} else {
		a.handle = any32(c);
	}
	a.direction = k == 0 ? (chance(c, 90) ? rn(c, 3) : any32(c)) : pad32(c);
	a.flags = flags(c, 0);
	a.pad = pad32(c);
	xioctl(c, ops[k].n, fd, ops[k].req, &a, sizeof(a));
}

/* ---- dma-buf and sync_file fds ---- */

static void op_dmabuf(struct ctx *c)
{
	uint64_t size;
	int fd = pick_fd(c, R_DMABUF, &size);

	switch (rn(c, 6)) {
	case 0: {
		struct dma_buf_sync a = { 0 };

		a.flags = chance(c, 85) ? ((chance(c, 50) ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END) |
					   (1 + rn(c, 3))) : any64(c);
		xioctl(c, "DMA_BUF_SYNC", fd, DMA_BUF_IOCTL_SYNC, &a, sizeof(a));
		break;
	}
	case 1: {
		char *name = c->scratch;
		unsigned int len = chance(c, 80) ? 1 + rn(c, 20) : 40 + rn(c, 4096);

		memset(name, 'a' + rn(c, 26), len);
		name[len] = 0;
		xioctl(c, "DMA_BUF_SET_NAME", fd, DMA_BUF_SET_NAME_B,
		       (void *)(uintptr_t)uptr(c, name), 0);
		break;
	}
	case 2: {
		struct dma_buf_export_sync_file a = { 0 };

		a.flags = flags(c, DMA_BUF_SYNC_RW);
		a.fd = chance(c, 5) ? (int)any32(c) : 0;
		if (xioctl(c, "DMA_BUF_EXPORT_SYNC_FILE", fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE,
			   &a, sizeof(a)) == 0)
			pool_add(R_SYNCFILE, a.fd, 0, 0);
		break;
	}
	case 3: {
		struct dma_buf_import_sync_file a = { 0 };

		a.flags = flags(c, DMA_BUF_SYNC_RW);
		a.fd = pick_fd(c, R_SYNCFILE, NULL);
		xioctl(c, "DMA_BUF_IMPORT_SYNC_FILE", fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE,
		       &a, sizeof(a));
		break;
	}
	case 4:
		map_and_touch(c, fd, chance(c, 90) ? 0 : any64(c) & ~4095ull, size);
		break;
	default: {
		/* poll and fdinfo of the dma-buf */
		struct pollfd pfd = { .fd = fd, .events = chance(c, 50) ? POLLIN : POLLOUT };
		char path[64], buf[512];
		int f;

		poll(&pfd, 1, 0);
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		f = open(path, O_RDONLY);
		if (f >= 0) {
			if (read(f, buf, sizeof(buf)) < 0)
				buf[0] = 0;
			close(f);
		}
		logf_(c, "poll+fdinfo fd=%d", fd);
		count_call(c);
		break;
	}
	}
}

static void op_syncfile(struct ctx *c)
{
	int fd = pick_fd(c, R_SYNCFILE, NULL);

	switch (rn(c, 3)) {
	case 0: {
		struct sync_merge_data a = { 0 };

		a.fd2 = pick_fd(c, R_SYNCFILE, NULL);
		snprintf(a.name, sizeof(a.name), "fuzz");
		a.flags = flags(c, 0);
		a.pad = pad32(c);
		if (xioctl(c, "SYNC_MERGE", fd, SYNC_IOC_MERGE, &a, sizeof(a)) == 0)
			pool_add(R_SYNCFILE, a.fence, 0, 0);
		break;
	}
	case 1: {
		struct sync_file_info a = { 0 };
		struct sync_fence_info *info = (void *)c->scratch;

		a.num_fences = chance(c, 50) ? 0 : chance(c, 90) ? 4 : any32(c);
		a.sync_fence_info = a.num_fences ? uptr(c, info) : 0;
		a.flags = flags(c, 0);
		xioctl(c, "SYNC_FILE_INFO", fd, SYNC_IOC_FILE_INFO, &a, sizeof(a));
		break;
	}
	default: {
		struct res r;

		if (pool_take(c, R_SYNCFILE, &r)) {
			logf_(c, "close syncfile %d", (int)r.val);
			close((int)r.val);
			count_call(c);
		}
		break;
	}
	}
}

static void op_close_dmabuf(struct ctx *c)
{
	struct res r;

	if (pool_take(c, R_DMABUF, &r)) {
		logf_(c, "close dmabuf %d", (int)r.val);
		res_release(R_DMABUF, &r);
		count_call(c);
	}
}

static void op_unmap(struct ctx *c)
{
	struct res r;

	if (pool_take(c, R_MAP, &r)) {
		logf_(c, "munmap %#" PRIx64 " %" PRIu64, r.val, r.aux);
		res_release(R_MAP, &r);
		count_call(c);
	}
}

/* ---- cross-process sharing (SCM_RIGHTS) ---- */

static void op_send(struct ctx *c)
{
	struct msghdr msg = { 0 };
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr *cm;
	struct iovec iov;
	uint64_t size;
	bool sf = chance(c, 30);
	int fd = pick_fd(c, sf ? R_SYNCFILE : R_DMABUF, &size);
	struct { uint32_t kind; uint64_t size; } m = { sf, size };

	if (P.sock < 0 || fd < 0 || fd == INT_MAX || fd >= 1000)
		return;
	iov.iov_base = &m;
	iov.iov_len = sizeof(m);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	logf_(c, "send fd=%d kind=%u -> %zd", fd, m.kind,
	      sendmsg(P.sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL));
	count_call(c);
}

static void op_recv(struct ctx *c)
{
	struct msghdr msg = { 0 };
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr *cm;
	struct iovec iov;
	struct { uint32_t kind; uint64_t size; } m;
	int fd;

	if (P.sock < 0)
		return;
	iov.iov_base = &m;
	iov.iov_len = sizeof(m);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	if (recvmsg(P.sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) <= 0)
		return;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	logf_(c, "recv fd=%d kind=%u", fd, m.kind);
	count_call(c);
	pool_add(m.kind ? R_SYNCFILE : R_DMABUF, fd, 0, m.size);
}

/* ---- lifetimes: reopen a device under the other threads' feet ---- */

static void op_reopen(struct ctx *c)
{
	int which = rn(c, 3), i, old, fd;

	if (which == 0) {
		i = rn(c, NGPU);
		fd = vprime_open_driver_node("vprime_gpu", 0, true);
		old = P.gpu[i];
		P.gpu[i] = fd;
		pool_forget_dev(R_GPU_BO, i);
		pool_forget_dev(R_SYNCOBJ, i);
		pool_forget_dev(R_UFENCE, i);
	} else if (which == 1) {
		i = 1;	/* keep kms[0], whose object ids the pool knows */
		fd = vprime_open_driver_node("vprime_kms", 0, false);
		if (fd >= 0) {
			drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
			drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1);
			drmSetClientCap(fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1);
		}
		old = P.kms[i];
		P.kms[i] = fd;
		pool_forget_dev(R_KMS_BO, i);
		pool_forget_dev(R_FB, i);
		pool_forget_dev(R_BLOB, i);
	} else {
		/* the test file holds the fences and imports; the heap none */
		i = rn(c, NHEAP);
		fd = open("/dev/vprime_test", O_RDWR | O_CLOEXEC);
		old = P.test[i];
		P.test[i] = fd;
		pool_forget_dev(R_HFENCE, i);
		pool_forget_dev(R_HIMPORT, i);
	}
	logf_(c, "reopen dev%d[%d] %d -> %d", which, i, old, fd);
	/* Let in-flight calls of other threads finish on the old file first. */
	usleep(1000);
	close(old);
	count_call(c);
}

/* ---- debugfs: readers racing with everything, and the core's faults ---- */

static void read_file(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return;
	if (write(fd, s, strlen(s)) < 0)
		errno = 0;
	close(fd);
}

static void op_debugfs(struct ctx *c)
{
	static const char *const files[] = {
		"/sys/kernel/debug/vprime_core/buffers",
		"/sys/kernel/debug/vprime_core/stats",
	};
	char path[128];
	int fd = chance(c, 50) ? gpu_fd(c, NULL) : kms_fd(c, NULL);

	if (chance(c, 40)) {
		read_file(files[rn(c, 2)]);
	} else if (chance(c, 50)) {
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		read_file(path);
	} else {
		DIR *dir = opendir("/sys/kernel/debug/dri");
		struct dirent *de;

		while (dir && (de = readdir(dir))) {
			char sub[300];
			DIR *d2;
			struct dirent *f;

			if (de->d_name[0] == '.' || !chance(c, 30))
				continue;
			snprintf(sub, sizeof(sub), "/sys/kernel/debug/dri/%s", de->d_name);
			d2 = opendir(sub);
			while (d2 && (f = readdir(d2))) {
				char p[600];

				/* CRC data files block; state files are fine */
				if (f->d_name[0] == '.' || f->d_type != DT_REG ||
				    !strcmp(f->d_name, "job_timeout_ms") || !chance(c, 20))
					continue;
				snprintf(p, sizeof(p), "%s/%s", sub, f->d_name);
				read_file(p);
			}
			if (d2)
				closedir(d2);
		}
		if (dir)
			closedir(dir);
	}
	logf_(c, "debugfs/fdinfo read");
	count_call(c);
}

static void op_faults(struct ctx *c)
{
	static const char *const knobs[] = {
		"/sys/kernel/debug/vprime_core/fail_next_attach",
		"/sys/kernel/debug/vprime_core/fail_next_map",
		"/sys/kernel/debug/vprime_core/fail_next_begin_cpu_access",
	};
	char v[64];

	if (!opt.faults)
		return;
	switch (rn(c, 4)) {
	case 0:
		snprintf(v, sizeof(v), "%u", rn(c, 20));
		write_file("/sys/kernel/debug/vprime_core/fence_delay_ms", v);
		break;
	case 1:
		snprintf(v, sizeof(v), "%u %u", rn(c, 64), rn(c, 3));
		write_file("/sys/kernel/debug/vprime_core/force_migrate", v);
		break;
	default:
		write_file(knobs[rn(c, 3)], "1");
		break;
	}
	logf_(c, "fault knob %s", v);
	count_call(c);
}

/* ---- a create-share-submit-flip-close sequence ---- */

static void op_sequence(struct ctx *c)
{
	struct kms_info *k = &P.kinfo;
	struct drm_vprime_bo_create bc = { 0 };
	struct drm_prime_handle ex = { 0 }, im = { 0 };
	struct drm_mode_fb_cmd2 fb = { 0 };
	struct drm_vprime_submit s = { 0 };
	struct drm_vprime_cmd *cmd = (void *)c->scratch;
	struct drm_gem_close gc = { 0 };
	int g, gfd = gpu_fd(c, &g), kfd = P.kms[0];
	uint32_t w = k->have_mode ? k->mode.hdisplay : 64;
	uint32_t h = k->have_mode ? k->mode.vdisplay : 64;

	bc.size = (uint64_t)w * h * 4;
	if (xioctl(c, "seq BO_CREATE", gfd, DRM_IOCTL_VPRIME_BO_CREATE, &bc, sizeof(bc)))
		return;
	memset(cmd, 0, sizeof(*cmd));
	cmd->op = VPRIME_CMD_PATTERN;
	cmd->dst_handle = bc.handle;
	cmd->dst_stride = w * 4;
	cmd->width = w;
	cmd->height = h;
	cmd->pattern = rn(c, VPRIME_PATTERN_COUNT);
	s.cmds = (uintptr_t)cmd;
	s.cmd_count = 1;
	s.flags = VPRIME_SUBMIT_OUT_FENCE_FD;
	s.duration_ns = rn(c, 3000000);
	if (xioctl(c, "seq SUBMIT", gfd, DRM_IOCTL_VPRIME_SUBMIT, &s, sizeof(s)) == 0)
		pool_add(R_SYNCFILE, s.out_fence_fd, 0, 0);
	ex.handle = bc.handle;
	ex.flags = DRM_CLOEXEC | DRM_RDWR;
	if (xioctl(c, "seq PRIME_EXPORT", gfd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ex, sizeof(ex)))
		goto close_bo;
	im.fd = ex.fd;
	if (xioctl(c, "seq PRIME_IMPORT", kfd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &im, sizeof(im)))
		goto close_fd;
	fb.width = w;
	fb.height = h;
	fb.pixel_format = DRM_FORMAT_XRGB8888;
	fb.handles[0] = im.handle;
	fb.pitches[0] = w * 4;
	if (xioctl(c, "seq ADDFB2", kfd, DRM_IOCTL_MODE_ADDFB2, &fb, sizeof(fb)) == 0) {
		struct drm_mode_crtc_page_flip pf = { 0 };

		if (k->ncrtc) {
			pf.crtc_id = k->crtc[0];
			pf.fb_id = fb.fb_id;
			pf.flags = DRM_MODE_PAGE_FLIP_EVENT;
			xioctl(c, "seq PAGE_FLIP", kfd, DRM_IOCTL_MODE_PAGE_FLIP, &pf, sizeof(pf));
		}
		if (chance(c, 50))
			pool_add(R_FB, fb.fb_id, 0, 0);
		else
			xioctl(c, "seq RMFB", kfd, DRM_IOCTL_MODE_RMFB, &fb.fb_id, 4);
	}
	if (chance(c, 50)) {
		pool_add(R_KMS_BO, im.handle, 0, bc.size);
	} else {
		gc.handle = im.handle;
		xioctl(c, "seq GEM_CLOSE", kfd, DRM_IOCTL_GEM_CLOSE, &gc, sizeof(gc));
	}
close_fd:
	if (chance(c, 50))
		pool_add(R_DMABUF, ex.fd, 0, bc.size);
	else
		close(ex.fd);
close_bo:
	if (chance(c, 50)) {
		pool_add(R_GPU_BO, bc.handle, g, bc.size);
	} else {
		gc.handle = bc.handle;
		xioctl(c, "seq GEM_CLOSE", gfd, DRM_IOCTL_GEM_CLOSE, &gc, sizeof(gc));
	}
}

/* ---- the worker ---- */

struct op {
	const char *name;
	void (*fn)(struct ctx *c);
	unsigned int weight;
};

static struct op ops[] = {
	{ "gpu_bo_create", op_gpu_bo_create, 8 },
	{ "gpu_bo_info", op_gpu_bo_info, 3 },
	{ "gpu_mmap", op_gpu_mmap, 3 },
	{ "gpu_bo_wait", op_gpu_bo_wait, 3 },
	{ "gpu_submit", op_gpu_submit, 10 },
	{ "gpu_fence_attach", op_gpu_fence_attach, 3 },
	{ "gpu_fence_signal", op_gpu_fence_signal, 3 },
	{ "gem_close", op_gem_close, 6 },
	{ "prime_export", op_prime_export, 5 },
	{ "prime_import", op_prime_import, 5 },
	{ "flink", op_flink, 1 },
	{ "syncobj", op_syncobj, 8 },
	{ "drm_random", op_drm_random, 3 },
	{ "dumb", op_dumb, 5 },
	{ "addfb", op_addfb, 5 },
	{ "rmfb", op_rmfb, 3 },
	{ "atomic", op_atomic, 8 },
	{ "blob", op_blob, 2 },
	{ "kms_misc", op_kms_misc, 6 },
	{ "kms_events", op_kms_events, 3 },
	{ "heap_alloc", op_heap_alloc, 6 },
	{ "heap_migrate", op_heap_migrate, 3 },
	{ "heap_fence", op_heap_fence, 3 },
	{ "heap_import", op_heap_import, 6 },
	{ "dmabuf", op_dmabuf, 8 },
	{ "syncfile", op_syncfile, 4 },
	{ "close_dmabuf", op_close_dmabuf, 4 },
	{ "unmap", op_unmap, 2 },
	{ "send", op_send, 2 },
	{ "recv", op_recv, 2 },
	{ "reopen", op_reopen, 1 },
	{ "debugfs", op_debugfs, 1 },
	{ "faults", op_faults, 1 },
	{ "sequence", op_sequence, 3 },
};

#define NOPS (sizeof(ops) / sizeof(ops[0]))

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	if (cur && cur->in_touch)
		siglongjmp(cur->jmp, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_tick(int sig)
{
	/* interrupts blocking waits: exercises the -ERESTARTSYS paths */
}

struct worker_arg {
	int slot, tid;
	uint64_t seed;
	uint64_t budget;
};

static void *worker(void *p)
{
	struct worker_arg *wa = p;
	struct ctx *c = calloc(1, sizeof(*c));
	unsigned int total = 0, i;
	struct sigevent sev = { 0 };
	struct itimerspec its = { { 0, 50000000 }, { 0, 50000000 } };
	timer_t timer;

	for (i = 0; i < NOPS; i++)
		total += ops[i].weight;
	if (!total)
		return NULL;
	c->slot = wa->slot;
	c->tid = wa->tid;
	c->rng = wa->seed;
	c->log = &sh->log[wa->slot][wa->tid];
	c->log->seed = wa->seed;
	cur = c;
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGRTMIN;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) == 0)
		timer_settime(timer, 0, &its, NULL);

	while (!atomic_load(&sh->stop)) {
		unsigned int r = rn(c, total);

		if (wa->budget && atomic_load(&sh->total_calls) >= wa->budget)
			break;
		for (i = 0; i < NOPS; i++) {
			if (r < ops[i].weight)
				break;
			r -= ops[i].weight;
		}
		ops[i].fn(c);
	}
	return NULL;
}

/* --ops a,b,c: every other operation gets weight 0. */
static void select_ops(const char *list)
{
	unsigned int i, n = 0;

	for (i = 0; i < NOPS; i++) {
		const char *p = strstr(list, ops[i].name);
		size_t len = strlen(ops[i].name);

		if (p && (p == list || p[-1] == ',') && (!p[len] || p[len] == ','))
			n++;
		else
			ops[i].weight = 0;
	}
	if (!n) {
		fprintf(stderr, "vprime-fuzz: --ops %s names no operation\n", list);
		exit(2);
	}
}

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t s = a ^ (b * 0x9e3779b97f4a7c15ull);

	return splitmix(&s);
}

/* A worker process: devices, a socket to the other one, threads. */
static int child_main(int slot, unsigned int gen, int sock)
{
	pthread_t th[MAX_THREADS];
	struct worker_arg wa[MAX_THREADS];
	struct sigaction sa = { 0 };
	unsigned int t;

	P.slot = slot;
	P.sock = sock;
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tick;	/* no SA_RESTART */
	sigaction(SIGRTMIN, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (open_devices(slot))
		return 4;
	for (t = 0; t < opt.threads; t++) {
		wa[t].slot = slot;
		wa[t].tid = (int)t;
		wa[t].seed = mix(mix(opt.seed, slot), mix(gen, t));
		wa[t].budget = opt.calls;
		sh->log[slot][t].generation = gen;
		pthread_create(&th[t], NULL, worker, &wa[t]);
	}
	for (t = 0; t < opt.threads; t++)
		pthread_join(th[t], NULL);
	return 0;
}

/* ---- the parent: kmsg watch, hang watch, respawn, reproducer ---- */

/*
 * The kernel-log lines that count as a report: vm/kernel-log-errors, one
 * extended regex per line (the list vm/run and igt-tests/run-tests read
 * too), joined with '|'. KERNEL_LOG_ERRORS is its path in the tree this
 * binary was built from; --log-patterns FILE reads another.
 */
#ifndef KERNEL_LOG_ERRORS
#define KERNEL_LOG_ERRORS "vm/kernel-log-errors"
#endif

static regex_t bad_re;

static int load_bad_patterns(const char *path)
{
	char line[1024], *all = NULL, *tmp;
	size_t len = 0, n;
	FILE *f = fopen(path, "r");
	int ret;

	if (!f) {
		fprintf(stderr, "vprime-fuzz: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");

		p[strcspn(p, "\n")] = 0;
		if (!*p || *p == '#')
			continue;
		n = strlen(p);
		tmp = realloc(all, len + n + 2);
		if (!tmp) {
			free(all);
			fclose(f);
			fprintf(stderr, "vprime-fuzz: out of memory\n");
			return -1;
		}
		all = tmp;
		if (len)
			all[len++] = '|';
		memcpy(all + len, p, n + 1);
		len += n;
	}
	fclose(f);
	if (!all || !len) {
		fprintf(stderr, "vprime-fuzz: %s: no patterns\n", path);
		free(all);
		return -1;
	}
	ret = regcomp(&bad_re, all, REG_EXTENDED | REG_NOSUB);
	if (ret) {
		regerror(ret, &bad_re, line, sizeof(line));
		fprintf(stderr, "vprime-fuzz: %s: %s\n", path, line);
	}
	free(all);
	return ret ? -1 : 0;
}

static bool in_watchdog_report;

static bool bad_line(const char *s)
{
	/*
	 * --slow-cpu-ok (the debug kernel under TCG): RCU-stall and
	 * soft-lockup reports of the slow emulated CPU, up to the end of
	 * their backtrace, are not counted (docs/reliability.md).
	 */
	if (opt.slow_cpu_ok) {
		if (strstr(s, "rcu: INFO: rcu_") || strstr(s, "BUG: soft lockup")) {
			in_watchdog_report = true;
			return false;
		}
		if (in_watchdog_report) {
			if (strstr(s, "</TASK>"))
				in_watchdog_report = false;
			return false;
		}
	}
	return regexec(&bad_re, s, 0, NULL, 0) == 0;
}

static char *kmsg_hits;
static size_t kmsg_len;

static int kmsg_poll(int fd)
{
	char rec[2048];
	bool is_bad;
	int bad = 0;
	ssize_t n;

	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		char *msg;

		if (n <= 0)
			continue;
		rec[n] = 0;
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		is_bad = bad_line(msg);
		if (is_bad || (kmsg_len && kmsg_len < 60000)) {
			size_t l = strlen(msg);

			if (is_bad)
				bad = 1;
			kmsg_hits = realloc(kmsg_hits, kmsg_len + l + 1);
			memcpy(kmsg_hits + kmsg_len, msg, l + 1);
			kmsg_len += l;
		}
	}
	return bad;
}

static void cmdline(FILE *f)
{
	fprintf(f, "tools/fuzz/vprime-fuzz --seed %" PRIu64 " --seconds %u --procs %u "
		"--threads %u%s%s%s", opt.seed, opt.seconds, opt.procs, opt.threads,
		opt.respawn ? "" : " --no-respawn", opt.faults ? "" : " --no-faults",
		opt.calls ? "" : "");
	if (opt.calls)
		fprintf(f, " --calls %" PRIu64, opt.calls);
	fprintf(f, "\n");
}

static void write_repro(const char *why)
{
	char path[512];
	unsigned int p, t, i;
	FILE *f;

	mkdir(opt.out, 0755);
	snprintf(path, sizeof(path), "%s/repro-seed%" PRIu64 "-%ld.txt", opt.out,
		 opt.seed, (long)time(NULL));
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return;
	}
	fprintf(f, "# vprime-fuzz reproducer: %s\n# rerun:\n", why);
	cmdline(f);
	fprintf(f, "# exact replay of one thread: --procs 1 --threads 1 --no-respawn"
		" with the seed below as --seed\n");
	fprintf(f, "\n# kernel log\n%s\n", kmsg_hits ? kmsg_hits : "(none)\n");
	for (p = 0; p < opt.procs; p++) {
		for (t = 0; t < opt.threads; t++) {
			struct thread_log *l = &sh->log[p][t];
			unsigned int n = l->head < RING ? l->head : RING;

			fprintf(f, "\n# process %u (generation %u) thread %u: thread seed %"
				PRIu64 ", %" PRIu64 " calls; last %u:\n", p, l->generation,
				t, l->seed, (uint64_t)l->calls, n);
			for (i = l->head - n; i != l->head; i++)
				fprintf(f, "%s\n", l->lines[i % RING]);
		}
	}
	fclose(f);
	fprintf(stderr, "vprime-fuzz: reproducer written to %s\n", path);
}

/*
 * Turn the display off: the pipe keeps its last framebuffers (and a legacy
 * cursor's) after their files closed, which is DRM's behaviour, not a leak.
 */
static void quiesce_display(void)
{
	struct kms_info k;
	unsigned int i;
	int fd = vprime_open_driver_node("vprime_kms", 0, false);

	if (fd < 0)
		return;
	kms_discover(fd, &k);
	drmDropMaster(fd);
	drmSetMaster(fd);
	for (i = 0; i < k.ncrtc; i++) {
		drmModeSetCursor(fd, k.crtc[i], 0, 0, 0);
		drmModeSetCrtc(fd, k.crtc[i], 0, 0, 0, NULL, 0, NULL);
	}
	for (i = 0; i < k.nplane; i++)
		drmModeSetPlane(fd, k.plane[i], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	close(fd);
}

static int read_int_file(const char *path, uint64_t *v)
{
	char buf[64];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	*v = strtoull(buf, NULL, 10);
	return 0;
}

static pid_t spawn(int slot, unsigned int gen, int sock, int other)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (other >= 0)
			close(other);
		_exit(child_main(slot, gen, sock));
	}
	return pid;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vprime-fuzz [--seed S] [--seconds N] [--calls N] [--procs P]\n"
		"                   [--threads T] [--hang-secs N] [--no-respawn]\n"
		"                   [--no-faults] [--ops OP,...] [--out DIR] [--quiet]\n"
		"                   [--slow-cpu-ok] [--log-patterns FILE]\n"
		"--ops runs only the operations named (to narrow a finding down).\n");
	exit(4);
}

int main(int argc, char **argv)
{
	int socks[MAX_PROCS][2], kmsg, i, status = 0, rc = 0;
	pid_t pid[MAX_PROCS];
	uint64_t start, end, next_print, base_live = 0, live = 0, kill_at[MAX_PROCS];
	unsigned int gen[MAX_PROCS] = { 0 }, spawns = 0, e;
	bool have_base, have_ref;
	uint64_t base_ref = 0, ref = 0;
	struct rlimit rl = { 4096, 4096 };

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--seed") && v)
			opt.seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(a, "--seconds") && v)
			opt.seconds = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(a, "--calls") && v)
			opt.calls = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(a, "--procs") && v)
			opt.procs = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(a, "--threads") && v)
			opt.threads = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(a, "--hang-secs") && v)
			opt.hang_secs = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(a, "--out") && v)
			opt.out = argv[++i];
		else if (!strcmp(a, "--no-respawn"))
			opt.respawn = false;
		else if (!strcmp(a, "--no-faults"))
			opt.faults = false;
		else if (!strcmp(a, "--ops") && v)
			select_ops(argv[++i]);
		else if (!strcmp(a, "--quiet"))
			opt.quiet = true;
		else if (!strcmp(a, "--slow-cpu-ok"))
			opt.slow_cpu_ok = true;
		else if (!strcmp(a, "--log-patterns") && v)
			opt.log_patterns = argv[++i];
		else
			usage();
	}
	if (load_bad_patterns(opt.log_patterns))
		return 4;
	if (!opt.procs || opt.procs > MAX_PROCS || !opt.threads ||
	    opt.threads > MAX_THREADS)
		usage();
	setrlimit(RLIMIT_NOFILE, &rl);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 4;
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END);
	else
		fprintf(stderr, "vprime-fuzz: no /dev/kmsg: kernel reports not watched\n");
	have_base = vprime_core_stat_read("live_buffers", &base_live) == 0;
	have_ref = read_int_file("/sys/module/vprime_core/refcnt", &base_ref) == 0;
	ref = base_ref;

	printf("vprime-fuzz: seed %" PRIu64 ", %u s%s, %u processes x %u threads\n",
	       opt.seed, opt.seconds, opt.calls ? " (or call budget)" : "",
	       opt.procs, opt.threads);
	fflush(stdout);
	for (i = 0; i < (int)opt.procs; i++)
		socks[i][0] = socks[i][1] = -1;
	if (opt.procs >= 2)
		socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, socks[0]);
	start = now_ns();
	end = start + (uint64_t)opt.seconds * 1000000000ull;
	next_print = start + 10000000000ull;
	for (i = 0; i < (int)opt.procs; i++) {
		int s = i < 2 ? socks[0][i] : -1, o = i < 2 ? socks[0][1 - i] : -1;

		pid[i] = spawn(i, gen[i], s, o);
		spawns++;
		kill_at[i] = now_ns() + (5 + (mix(opt.seed, i) % 25)) * 1000000000ull;
	}

	for (;;) {
		uint64_t t = now_ns(), newest = 0;
		bool alive = false;
		unsigned int p, th;

		usleep(100000);
		if (kmsg >= 0 && kmsg_poll(kmsg)) {
			usleep(500000);	/* the rest of the report */
			kmsg_poll(kmsg);
			fprintf(stderr, "vprime-fuzz: kernel report:\n%s", kmsg_hits);
			write_repro("kernel report");
			rc = 1;
			break;
		}
		for (p = 0; p < opt.procs; p++) {
			if (pid[p] > 0 && waitpid(pid[p], &status, WNOHANG) == pid[p]) {
				if (WIFEXITED(status) && WEXITSTATUS(status) == 4) {
					rc = 4;
					goto stop;
				}
				pid[p] = 0;
			}
			if (pid[p] > 0)
				alive = true;
			for (th = 0; th < opt.threads; th++)
				if (sh->log[p][th].last_ns > newest)
					newest = sh->log[p][th].last_ns;
		}
		if (opt.calls && atomic_load(&sh->total_calls) >= opt.calls && !alive)
			break;
		if (t >= end)
			break;
		if (newest && newest < t &&
		    t - newest > (uint64_t)opt.hang_secs * 1000000000ull) {
			fprintf(stderr, "vprime-fuzz: no call completed for %u s: hang\n",
				opt.hang_secs);
			write_repro("hang: no call completed");
			rc = 2;
			break;
		}
		/* SIGKILL a worker process at a random point and respawn it. */
		for (p = 0; p < opt.procs && opt.respawn; p++) {
			if (t < kill_at[p] && pid[p] > 0)
				continue;
			if (pid[p] > 0) {
				kill(pid[p], SIGKILL);
				waitpid(pid[p], &status, 0);
			}
			gen[p]++;
			if (p < 2 && opt.procs >= 2) {
				/* a fresh socket pair for the new process and its peer is
				 * not needed: the survivor keeps its end */
			}
			pid[p] = spawn((int)p, gen[p], p < 2 ? socks[0][p] : -1,
				       p < 2 ? socks[0][1 - p] : -1);
			spawns++;
			kill_at[p] = t + (5 + (mix(mix(opt.seed, p), gen[p]) % 25)) * 1000000000ull;
		}
		if (!opt.quiet && t >= next_print) {
			double s = (t - start) / 1e9;

			printf("vprime-fuzz: %.0f s, %" PRIu64 " calls, %.0f calls/s\n", s,
			       (uint64_t)sh->total_calls, sh->total_calls / s);
			fflush(stdout);
			next_print += 10000000000ull;
		}
	}
stop:
	atomic_store(&sh->stop, 1);
	for (i = 0; i < (int)opt.procs; i++) {
		if (pid[i] <= 0)
			continue;
		/* workers blocked in the kernel would be a hang; bound the wait */
		for (e = 0; e < 300 && waitpid(pid[i], &status, WNOHANG) == 0; e++)
			usleep(100000);
		if (e == 300) {
			fprintf(stderr, "vprime-fuzz: worker %d did not stop in 30 s\n", i);
			kill(pid[i], SIGKILL);
			waitpid(pid[i], &status, 0);
			if (!rc) {
				write_repro("hang: worker did not stop");
				rc = 2;
			}
		}
	}
	{
		double s = (now_ns() - start) / 1e9;

		printf("vprime-fuzz: done: %" PRIu64 " calls in %.1f s, %.0f calls/s, "
		       "%u worker processes, %" PRIu64 " SIGBUS/SIGSEGV on mappings\n",
		       (uint64_t)sh->total_calls, s, sh->total_calls / s, spawns,
		       (uint64_t)sh->sigbus);
		printf("vprime-fuzz: errnos:");
		for (e = 0; e < 140; e++)
			if (sh->errnos[e])
				printf(" %s=%" PRIu64, strerrorname_np(e) ? strerrorname_np(e) : "?",
				       (uint64_t)sh->errnos[e]);
		printf("\n");
	}
	/* reset the fault knobs */
	write_file("/sys/kernel/debug/vprime_core/fence_delay_ms", "0");
	write_file("/sys/kernel/debug/vprime_core/fail_next_attach", "0");
	write_file("/sys/kernel/debug/vprime_core/fail_next_map", "0");
	write_file("/sys/kernel/debug/vprime_core/fail_next_begin_cpu_access", "0");
	if (kmsg >= 0 && !rc) {
		usleep(200000);
		if (kmsg_poll(kmsg)) {
			fprintf(stderr, "vprime-fuzz: kernel report:\n%s", kmsg_hits);
			write_repro("kernel report (at exit)");
			rc = 1;
		}
	}
	/*
	 * Every buffer and module reference is gone once every process is
	 * and the display is off (deferred frees: wait a little).
	 */
	/* fds still in flight in the socket pair go with it */
	if (opt.procs >= 2) {
		close(socks[0][0]);
		close(socks[0][1]);
	}
	quiesce_display();
	if (have_base && !rc) {
		for (e = 0; e < 100; e++) {
			bool same = vprime_core_stat_read("live_buffers", &live) == 0 && live == base_live;

			if (have_ref)
				same = same && read_int_file("/sys/module/vprime_core/refcnt", &ref) == 0 &&
					ref == base_ref;
			if (same)
				break;
			usleep(100000);
		}
		printf("vprime-fuzz: live_buffers before %" PRIu64 ", after %" PRIu64
		       "; vprime_core refcnt before %" PRIu64 ", after %" PRIu64 "\n",
		       base_live, live, base_ref, ref);
		if (live != base_live || ref != base_ref) {
			write_repro("leak: live_buffers or the module refcount did not return");
			rc = 3;
		}
	}
	printf("vprime-fuzz: %s\n", rc == 0 ? "PASS" : rc == 1 ? "FAIL (kernel report)" :
	       rc == 2 ? "FAIL (hang)" : rc == 3 ? "FAIL (leak)" : "ERROR");
	return rc;
}
