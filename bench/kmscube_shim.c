// SPDX-License-Identifier: MIT
/*
 * kmscube_shim.c - LD_PRELOAD shim that times Debian's kmscube frames, so
 * that its frame rate is measured without its start-up (Mesa's llvmpipe
 * takes several seconds to start under TCG, more than the frames do).
 *
 * It records the time of each page flip kmscube asks for
 * (drmModePageFlip, or drmModeAtomicCommit with -A) and, at exit, prints
 * one line to stderr:
 *   kmscube-shim: flips N fps F over S s (after W warm-up flips)
 *
 * It also makes kmscube's framebuffers linear on every driver alike:
 * kmscube 0.0.0~git20210103 passes DRM_FORMAT_MOD_INVALID with
 * DRM_MODE_FB_MODIFIERS when GBM reports no modifier. vprime_kms refuses
 * that AddFB2 (the plane does not advertise it) and kmscube falls back to
 * a plain AddFB2; vkms 6.1 accepts it and then fails the modeset (EINVAL,
 * "Invalid pixel format XR24, modifier 0xffffffffffffff"). The shim turns
 * such a call into the plain AddFB2 kmscube falls back to, for both.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#define SHIM_MAX_FLIPS 100000
#define SHIM_WARMUP 3

static uint64_t flips[SHIM_MAX_FLIPS];
static int nflips;

static uint64_t shim_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void shim_flip(void)
{
	if (nflips < SHIM_MAX_FLIPS)
		flips[nflips++] = shim_now_ns();
}

static void *shim_real(const char *name)
{
	void *fn = dlsym(RTLD_NEXT, name);

	if (!fn) {
		fprintf(stderr, "kmscube-shim: no %s\n", name);
		abort();
	}
	return fn;
}

int drmModePageFlip(int fd, uint32_t crtc_id, uint32_t fb_id, uint32_t flags,
		    void *user_data)
{
	static int (*real)(int, uint32_t, uint32_t, uint32_t, void *);

	if (!real)
		real = shim_real("drmModePageFlip");
	shim_flip();
	return real(fd, crtc_id, fb_id, flags, user_data);
}

int drmModeAtomicCommit(int fd, drmModeAtomicReqPtr req, uint32_t flags,
			void *user_data)
{
	static int (*real)(int, drmModeAtomicReqPtr, uint32_t, void *);

	if (!real)
		real = shim_real("drmModeAtomicCommit");
	if (!(flags & DRM_MODE_ATOMIC_TEST_ONLY))
		shim_flip();
	return real(fd, req, flags, user_data);
}

int drmModeAddFB2WithModifiers(int fd, uint32_t width, uint32_t height,
			       uint32_t format, const uint32_t handles[4],
			       const uint32_t pitches[4],
			       const uint32_t offsets[4],
			       const uint64_t modifier[4], uint32_t *buf_id,
			       uint32_t flags)
{
	static int (*real)(int, uint32_t, uint32_t, uint32_t, const uint32_t *,
			   const uint32_t *, const uint32_t *, const uint64_t *,
			   uint32_t *, uint32_t);

	if (!real)
		real = shim_real("drmModeAddFB2WithModifiers");
	if ((flags & DRM_MODE_FB_MODIFIERS) && modifier &&
	    modifier[0] == DRM_FORMAT_MOD_INVALID) {
		flags &= ~DRM_MODE_FB_MODIFIERS;
		modifier = NULL;
	}
	return real(fd, width, height, format, handles, pitches, offsets,
		    modifier, buf_id, flags);
}

__attribute__((destructor)) static void shim_report(void)
{
	double s;

	if (!nflips)	/* not kmscube's process (a child of it) */
		return;
	if (nflips <= SHIM_WARMUP + 1) {
		fprintf(stderr, "kmscube-shim: flips %d fps - (too few)\n", nflips);
		return;
	}
	s = (flips[nflips - 1] - flips[SHIM_WARMUP]) / 1e9;
	fprintf(stderr, "kmscube-shim: flips %d fps %.3f over %.3f s (after %d warm-up flips)\n",
		nflips, (nflips - 1 - SHIM_WARMUP) / s, s, SHIM_WARMUP);
}
