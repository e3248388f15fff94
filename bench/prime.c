// SPDX-License-Identifier: MIT
/*
 * prime.c - PRIME benchmarks: the handle->fd->handle round trip and the
 * import of a fresh buffer (vprime_gpu vs vgem), zero-copy sharing vs a
 * memcpy, and export/import cost and slab memory at scale.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <drm.h>

#include "linux/vprime_test.h"
#include "common.h"

#define MAX_RUNS 64

struct dev {
	const char *name;	/* DRM driver name */
	bool vprime;		/* BO_CREATE instead of dumb buffers */
	int a, b;		/* two open files of the device */
};

/* vprime_gpu is render-only; vgem's dumb ioctls need the primary node. */
static bool dev_open(struct dev *d, const char *name)
{
	d->name = name;
	d->vprime = !strcmp(name, "vprime_gpu");
	d->a = vprime_open_driver_node(name, 0, d->vprime);
	d->b = vprime_open_driver_node(name, 0, d->vprime);
	if (d->a < 0 || d->b < 0) {
		note("%s: no device (vgem not loaded?)", name);
		return false;
	}
	return true;
}

static void dev_close(struct dev *d)
{
	close(d->a);
	close(d->b);
}

/* handle -> fd -> handle on one file, closing the fd: us per round trip. */
static double roundtrip_us(struct dev *d, uint32_t h, int ops)
{
	uint64_t t0 = now_ns();
	int i;

	for (i = 0; i < ops; i++) {
		int fd = prime_export(d->a, h);

		if (prime_import(d->a, fd) != h)
			die("%s: self-import returned another handle", d->name);
		close(fd);
	}
	return (now_ns() - t0) / 1e3 / ops;
}

/* fd -> handle on a second file, for buffers it has never seen. */
static double import_fresh_us(struct dev *d, int ops)
{
	uint32_t *ha = calloc(ops, sizeof(*ha)), *hb = calloc(ops, sizeof(*hb));
	int *fds = calloc(ops, sizeof(*fds));
	uint64_t t0, t1;
	int i;

	for (i = 0; i < ops; i++) {
		ha[i] = bo_create(d->a, d->vprime, 4096);
		fds[i] = prime_export(d->a, ha[i]);
	}
	t0 = now_ns();
	for (i = 0; i < ops; i++)
		hb[i] = prime_import(d->b, fds[i]);
	t1 = now_ns();
	for (i = 0; i < ops; i++) {
		gem_close_handle(d->b, hb[i]);
		close(fds[i]);
		gem_close_handle(d->a, ha[i]);
	}
	free(ha);
	free(hb);
	free(fds);
	return (t1 - t0) / 1e3 / ops;
}

int bench_prime(int argc, char **argv)
{
	int runs = bench_quick ? 1 : 21, ops = bench_quick ? 10 : 150;
	double rt[2][MAX_RUNS], imp[2][MAX_RUNS];
	struct dev dev[2];
	bool have[2];
	uint32_t h[2];
	struct stats s[2];
	char text[200];
	int r, k;

	want_files(4096);
	have[0] = dev_open(&dev[0], "vprime_gpu");
	have[1] = dev_open(&dev[1], "vgem");
	if (!have[0])
		die("no vprime_gpu device");
	for (k = 0; k < 2; k++)
		if (have[k])
			h[k] = bo_create(dev[k].a, dev[k].vprime, 4096);

	/*
	 * Interleave the devices, alternating which goes first, so that
	 * drift and other guests' load on the host hit both alike.
	 */
	for (r = 0; r < runs; r++) {
		int i;

		for (i = 0; i < 2; i++) {
			k = (i + r) % 2;
			if (!have[k])
				continue;
			rt[k][r] = roundtrip_us(&dev[k], h[k], ops);
			imp[k][r] = import_fresh_us(&dev[k], ops / 3 + 1);
		}
	}

	for (k = 0; k < 2; k++)
		if (have[k])
			stats_of(rt[k], runs, &s[k]);
	snprintf(text, sizeof(text),
		 "handle->fd->handle on one file for an existing 4 KiB BO, incl. close(fd); vgem IQR %.2f-%.2f",
		 have[1] ? s[1].p25 : 0, have[1] ? s[1].p75 : 0);
	emit_figure("prime.roundtrip.vprime_gpu", &s[0], "us/op", "vgem",
		    have[1] ? s[1].median : 0, GOAL_MAX, 1.0, text);
	for (k = 0; k < 2; k++)
		if (have[k])
			stats_of(imp[k], runs, &s[k]);
	snprintf(text, sizeof(text),
		 "fd->handle on a second file of the same device, buffer never imported there; vgem IQR %.2f-%.2f",
		 have[1] ? s[1].p25 : 0, have[1] ? s[1].p75 : 0);
	emit_figure("prime.import_fresh.vprime_gpu", &s[0], "us/op", "vgem",
		    have[1] ? s[1].median : 0, GOAL_MAX, 1.0, text);

	for (k = 0; k < 2; k++) {
		if (!have[k])
			continue;
		gem_close_handle(dev[k].a, h[k]);
		dev_close(&dev[k]);
	}
	return 0;
}

/* ---- zero-copy sharing vs copy ---- */

static int heap_ioctl(int heap, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(heap, req, arg);
	} while (ret && (errno == EINTR || errno == EAGAIN));
	return ret;
}

/*
 * Export a GPU BO, attach the core's wide importer device to it and map
 * it for the device (dma_buf_map_attachment), then mmap the dma-buf and
 * read its first word inside DMA_BUF_IOCTL_SYNC: the cost until both a
 * device and the CPU can access the memory another device rendered.
 */
#define SHARE_STEPS 5
static const char *const share_steps[SHARE_STEPS] = {
	"export", "attach", "map", "mmap", "sync+read",
};

static double share_once_us(int gpu, int tst, uint64_t size, double *step)
{
	uint64_t t[SHARE_STEPS + 1];
	struct vprime_test_import imp = { 0 };
	struct dma_buf_sync sync = { 0 };
	volatile uint32_t *p;
	uint64_t t0, t1;
	uint32_t h, v;
	int fd;

	h = bo_create(gpu, true, size);

	t0 = now_ns();
	t[0] = t0;
	fd = prime_export(gpu, h);
	t[1] = now_ns();
	imp.fd = fd;
	imp.importer = VPRIME_TEST_IMPORTER_WIDE;
	if (heap_ioctl(tst, VPRIME_TEST_IOCTL_IMPORT_ATTACH, &imp))
		die("IMPORT_ATTACH");
	t[2] = now_ns();
	imp.fd = 0;
	imp.importer = 0;
	imp.flags = 0;
	imp.direction = VPRIME_TEST_IMPORT_DIR_BIDIRECTIONAL;
	if (heap_ioctl(tst, VPRIME_TEST_IOCTL_IMPORT_MAP, &imp))
		die("IMPORT_MAP");
	t[3] = now_ns();
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap dma-buf");
	t[4] = now_ns();
	sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
	if (heap_ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync))
		die("DMA_BUF_IOCTL_SYNC start");
	v = p[0];
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	if (heap_ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync))
		die("DMA_BUF_IOCTL_SYNC end");
	t1 = now_ns();
	t[5] = t1;
	if (step) {
		int i;

		for (i = 0; i < SHARE_STEPS; i++)
			step[i] = (t[i + 1] - t[i]) / 1e3;
	}
	if (v != 0)
		die("a fresh BO is not zeroed (0x%x)", v);

	munmap((void *)p, size);
	imp.direction = 0;
	imp.status = 0;
	imp.invalidations = 0;
	if (heap_ioctl(tst, VPRIME_TEST_IOCTL_IMPORT_DETACH, &imp))
		die("IMPORT_DETACH");
	close(fd);
	gem_close_handle(gpu, h);
	return (t1 - t0) / 1e3;
}

static double memcpy_us(void *dst, const void *src, uint64_t size)
{
	return best_memcpy_us(dst, src, size, NULL);
}

int bench_share(int argc, char **argv)
{
	static const uint64_t sizes[] = {
		4 * KiB, 1 * MiB, 16 * MiB, 64 * MiB, 256 * MiB,
	};
	static const char *const names[] = {
		"4KiB", "1MiB", "16MiB", "64MiB", "256MiB",
	};
	int n = bench_quick ? 1 : 5;
	int gpu, tst, i, r;

	gpu = vprime_open_driver_node("vprime_gpu", 0, true);
	if (gpu < 0)
		die("no vprime_gpu device");
	/* the importer devices are the test module's (vprime_test.ko) */
	tst = open("/dev/vprime_test", O_RDWR | O_CLOEXEC);
	if (tst < 0)
		die("open /dev/vprime_test");

	for (i = 0; i < n; i++) {
		uint64_t size = sizes[i];
		int runs = bench_quick ? 1 : size >= 64 * MiB ? 3 : 7;
		double sh[MAX_RUNS], cp[MAX_RUNS], st[SHARE_STEPS][MAX_RUNS];
		double step[SHARE_STEPS];
		int len, j;
		struct stats ss, sc;
		char name[64], text[400];
		char *src, *dst;

		src = malloc(size);
		dst = malloc(size);
		if (!src || !dst)
			die("malloc %llu", (unsigned long long)size);
		memset(src, 0x5a, size);
		memset(dst, 0xa5, size);

		/* warm-up: first-use costs of the code paths, not measured */
		if (i == 0) {
			share_once_us(gpu, tst, size, NULL);
			memcpy_us(dst, src, size);
		}
		for (r = 0; r < runs; r++) {
			sh[r] = share_once_us(gpu, tst, size, step);
			for (j = 0; j < SHARE_STEPS; j++)
				st[j][r] = step[j];
			cp[r] = memcpy_us(dst, src, size);
		}
		free(src);
		free(dst);
		stats_of(sh, runs, &ss);
		stats_of(cp, runs, &sc);
		snprintf(name, sizeof(name), "share.%s", names[i]);
		len = snprintf(text, sizeof(text),
			       "export (GPU) + attach + map (core importer device) + mmap + first read, vs memcpy of %s (faster of glibc memcpy and rep movsb); median us per step:",
			       names[i]);
		for (j = 0; j < SHARE_STEPS; j++)
			len += snprintf(text + len, sizeof(text) - len, " %s %.0f",
					share_steps[j],
					percentile(st[j], runs, 50));
		emit_figure(name, &ss, "us", "memcpy", sc.median,
			    size == 64 * MiB ? GOAL_MAX : GOAL_NONE, 0.05, text);
		emit_point("share (zero-copy)", "size [MiB]", size / (double)MiB,
			   "us", &ss);
		emit_point("memcpy", "size [MiB]", size / (double)MiB, "us", &sc);
	}
	close(tst);
	close(gpu);
	return 0;
}

/* ---- scale: live shared buffers ---- */

static long meminfo_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

#define MAX_CACHES 512
struct slab_snap {
	int n;
	char name[MAX_CACHES][40];
	long long bytes[MAX_CACHES];
};

static void slab_snapshot(struct slab_snap *s)
{
	char line[512];
	FILE *f = fopen("/proc/slabinfo", "r");

	s->n = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && s->n < MAX_CACHES) {
		long active, num, objsize;
		char name[40];

		if (sscanf(line, "%39s %ld %ld %ld", name, &active, &num,
			   &objsize) != 4)
			continue;
		snprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
		s->bytes[s->n++] = (long long)active * objsize;
	}
	fclose(f);
}

/* The caches that grew most, "name:+bytes/buffer" joined in @out. */
static void slab_top(const struct slab_snap *a, const struct slab_snap *b,
		     long nbufs, char *out, size_t size)
{
	long long d[MAX_CACHES];
	int i, j, k, len = 0;

	out[0] = 0;
	for (i = 0; i < b->n; i++) {
		d[i] = b->bytes[i];
		for (j = 0; j < a->n; j++)
			if (!strcmp(a->name[j], b->name[i]))
				d[i] -= a->bytes[j];
	}
	for (k = 0; k < 6; k++) {
		int best = -1;

		for (i = 0; i < b->n; i++)
			if (d[i] > 0 && (best < 0 || d[i] > d[best]))
				best = i;
		if (best < 0)
			break;
		len += snprintf(out + len, size - len, "%s%s:+%lld", k ? " " : "",
				b->name[best], d[best] / nbufs);
		if ((size_t)len >= size)
			break;
		d[best] = 0;
	}
}

struct live {
	uint32_t *ha, *hb;
	long n;
};

static void live_grow(struct dev *d, struct live *l, long to)
{
	l->ha = realloc(l->ha, to * sizeof(*l->ha));
	l->hb = realloc(l->hb, to * sizeof(*l->hb));
	for (; l->n < to; l->n++) {
		int fd;

		l->ha[l->n] = bo_create(d->a, d->vprime, 4096);
		fd = prime_export(d->a, l->ha[l->n]);
		l->hb[l->n] = prime_import(d->b, fd);
		close(fd);
	}
}

static void live_free(struct dev *d, struct live *l)
{
	long i;

	for (i = 0; i < l->n; i++) {
		gem_close_handle(d->b, l->hb[i]);
		gem_close_handle(d->a, l->ha[i]);
	}
	free(l->ha);
	free(l->hb);
	memset(l, 0, sizeof(*l));
}

/* Export then import @ops fresh buffers: us per export and per import. */
static void fresh_cost(struct dev *d, int ops, double *exp_us, double *imp_us)
{
	uint32_t *ha = calloc(ops, sizeof(*ha)), *hb = calloc(ops, sizeof(*hb));
	int *fds = calloc(ops, sizeof(*fds));
	uint64_t t0, t1, t2;
	int i;

	for (i = 0; i < ops; i++)
		ha[i] = bo_create(d->a, d->vprime, 4096);
	t0 = now_ns();
	for (i = 0; i < ops; i++)
		fds[i] = prime_export(d->a, ha[i]);
	t1 = now_ns();
	for (i = 0; i < ops; i++)
		hb[i] = prime_import(d->b, fds[i]);
	t2 = now_ns();
	for (i = 0; i < ops; i++) {
		gem_close_handle(d->b, hb[i]);
		close(fds[i]);
		gem_close_handle(d->a, ha[i]);
	}
	*exp_us = (t1 - t0) / 1e3 / ops;
	*imp_us = (t2 - t1) / 1e3 / ops;
	free(ha);
	free(hb);
	free(fds);
}

/* live buffers at least behind the slab-per-buffer figure */
#define SCALE_SLAB_MIN_LIVE	1000

int bench_scale(int argc, char **argv)
{
	static const long counts[] = { 10, 1000, 10000 };
	int ncounts = bench_quick ? 1 : 3;
	int runs = bench_quick ? 1 : 7, ops = bench_quick ? 10 : 100;
	double exp_ref[2] = { 0, 0 }, imp_ref[2] = { 0, 0 }, per_buf[2] = { 0, 0 };
	char top[2][512] = { "", "" };
	static struct slab_snap before, after;
	const char *names[2] = { "vprime_gpu", "vgem" };
	int k, c, r;

	want_files(4 * 10000 + 4096);
	for (k = 0; k < 2; k++) {
		struct live l = { 0 };
		struct dev d;
		long slab0, slab1;

		if (!dev_open(&d, names[k])) {
			if (k == 0)
				die("no vprime_gpu device");
			continue;
		}
		slab0 = meminfo_kb("Slab");
		slab_snapshot(&before);
		for (c = 0; c < ncounts; c++) {
			double e[MAX_RUNS], im[MAX_RUNS];
			struct stats se, si;
			char name[96], series[64];

			live_grow(&d, &l, counts[c]);
			for (r = 0; r < runs; r++)
				fresh_cost(&d, ops, &e[r], &im[r]);
			stats_of(e, runs, &se);
			stats_of(im, runs, &si);
			if (c == 0) {
				exp_ref[k] = se.median;
				imp_ref[k] = si.median;
			}
			snprintf(series, sizeof(series), "export %s", names[k]);
			emit_point(series, "live shared buffers", counts[c], "us/op", &se);
			snprintf(series, sizeof(series), "import %s", names[k]);
			emit_point(series, "live shared buffers", counts[c], "us/op", &si);
			if (k == 0) {
				snprintf(name, sizeof(name), "scale.export.live=%ld",
					 counts[c]);
				emit_figure(name, &se, "us/op", "same at live=10",
					    exp_ref[0],
					    c == ncounts - 1 && c ? GOAL_MAX : GOAL_NONE,
					    2.0, "handle->fd of a never-exported 4 KiB BO");
				snprintf(name, sizeof(name), "scale.import.live=%ld",
					 counts[c]);
				emit_figure(name, &si, "us/op", "same at live=10",
					    imp_ref[0],
					    c == ncounts - 1 && c ? GOAL_MAX : GOAL_NONE,
					    2.0, "fd->handle on a second file, fresh buffer");
			}
		}
		/*
		 * The slab figure wants enough buffers to stand out of the
		 * slab churn of the rest of the system (RCU-freed objects,
		 * kmemleak's own objects on a debug kernel): at 10 buffers a
		 * quick run saw the total Slab shrink by 512 kB.
		 */
		if (l.n < SCALE_SLAB_MIN_LIVE)
			live_grow(&d, &l, SCALE_SLAB_MIN_LIVE);
		slab_snapshot(&after);
		slab1 = meminfo_kb("Slab");
		per_buf[k] = (slab1 - slab0) * 1024.0 / l.n;
		slab_top(&before, &after, l.n, top[k], sizeof(top[k]));
		note("%s: %ld live shared buffers: Slab %+ld kB, %.0f B/buffer; top caches %s",
		     names[k], l.n, slab1 - slab0, per_buf[k], top[k]);
		live_free(&d, &l);
		dev_close(&d);
	}
	{
		char text[1200];

		snprintf(text, sizeof(text),
			 "/proc/meminfo Slab delta / live buffers (4 KiB BO exported from file A, imported into file B); slabinfo top: %s; vgem: %s",
			 top[0], top[1]);
		emit_value("scale.slab_bytes_per_shared_buffer", per_buf[0], "B",
			   "vgem", per_buf[1], 1, GOAL_NONE, 0, text);
	}
	return 0;
}
