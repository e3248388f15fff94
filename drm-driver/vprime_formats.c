// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime display formats
 *
 * The pixel formats the planes scan out and the writeback connector
 * writes, and the row converters of the composer. The composer works in
 * ARGB8888 (0xAARRGGBB in a u32): every reader converts one framebuffer row
 * segment to it; formats without alpha read as opaque (alpha 0xff). Only
 * linear framebuffers are supported (vprime_format_modifiers).
 */
#include <linux/kernel.h>
#include <asm/unaligned.h>

#include <drm/drm_fourcc.h>

#include "vprime_kms.h"

/*
 * The hot path of the composer: two pixels per 64-bit access, unrolled, as
 * the kernel is built without SIMD and every access counts under emulation.
 */
static void vprime_read_xrgb8888(const void *src, u32 *dst, unsigned int n)
{
	const u64 alpha = 0xff000000ff000000ULL;
	const u8 *s = src;
	u8 *d = (u8 *)dst;
	unsigned int i;

	for (i = 0; i + 8 <= n; i += 8, s += 32, d += 32) {
		u64 a = get_unaligned((const u64 *)s);
		u64 b = get_unaligned((const u64 *)(s + 8));
		u64 c = get_unaligned((const u64 *)(s + 16));
		u64 e = get_unaligned((const u64 *)(s + 24));

		put_unaligned(a | alpha, (u64 *)d);
		put_unaligned(b | alpha, (u64 *)(d + 8));
		put_unaligned(c | alpha, (u64 *)(d + 16));
		put_unaligned(e | alpha, (u64 *)(d + 24));
	}
	for (; i < n; i++, s += 4, d += 4)
		put_unaligned(get_unaligned((const u32 *)s) | 0xff000000,
			      (u32 *)d);
}

static void vprime_read_argb8888(const void *src, u32 *dst, unsigned int n)
{
	const u32 *s = src;
	unsigned int i;

	for (i = 0; i < n; i++)
		dst[i] = s[i];
}

/* ABGR8888 is 0xAABBGGRR: swap the red and blue bytes. */
static inline u32 vprime_swap_rb(u32 p)
{
	return (p & 0xff00ff00) | ((p & 0xff) << 16) | ((p >> 16) & 0xff);
}

static void vprime_read_xbgr8888(const void *src, u32 *dst, unsigned int n)
{
	const u32 *s = src;
	unsigned int i;

	for (i = 0; i < n; i++)
		dst[i] = vprime_swap_rb(s[i]) | 0xff000000;
}

static void vprime_read_abgr8888(const void *src, u32 *dst, unsigned int n)
{
	const u32 *s = src;
	unsigned int i;

	for (i = 0; i < n; i++)
		dst[i] = vprime_swap_rb(s[i]);
}

/* Expand 5 and 6 bit channels by replicating their top bits. */
static void vprime_read_rgb565(const void *src, u32 *dst, unsigned int n)
{
	const u16 *s = src;
	unsigned int i;

	for (i = 0; i < n; i++) {
		u32 p = s[i];
		u32 r = (p >> 11) & 0x1f;
		u32 g = (p >> 5) & 0x3f;
		u32 b = p & 0x1f;

		r = (r << 3) | (r >> 2);
		g = (g << 2) | (g >> 4);
		b = (b << 3) | (b >> 2);
		dst[i] = 0xff000000 | (r << 16) | (g << 8) | b;
	}
}

/* Formats with alpha read as their X twin when the alpha is ignored. */
static const struct vprime_format vprime_formats[] = {
	{ DRM_FORMAT_XRGB8888, false, vprime_read_xrgb8888, vprime_read_xrgb8888 },
	{ DRM_FORMAT_ARGB8888, true, vprime_read_argb8888, vprime_read_xrgb8888 },
	{ DRM_FORMAT_XBGR8888, false, vprime_read_xbgr8888, vprime_read_xbgr8888 },
	{ DRM_FORMAT_ABGR8888, true, vprime_read_abgr8888, vprime_read_xbgr8888 },
	{ DRM_FORMAT_RGB565, false, vprime_read_rgb565, vprime_read_rgb565 },
};

const u32 vprime_plane_formats[] = {
	DRM_FORMAT_XRGB8888,
	DRM_FORMAT_ARGB8888,
	DRM_FORMAT_XBGR8888,
	DRM_FORMAT_ABGR8888,
	DRM_FORMAT_RGB565,
};

const unsigned int vprime_num_plane_formats = ARRAY_SIZE(vprime_plane_formats);

/*
 * The composer's output is ARGB8888 with alpha 0xff, which is also the
 * memory layout of both writeback formats.
 */
const u32 vprime_wb_formats[] = {
	DRM_FORMAT_XRGB8888,
	DRM_FORMAT_ARGB8888,
};

const unsigned int vprime_num_wb_formats = ARRAY_SIZE(vprime_wb_formats);

const u64 vprime_format_modifiers[] = {
	DRM_FORMAT_MOD_LINEAR,
	DRM_FORMAT_MOD_INVALID,
};

/**
 * vprime_format_lookup - the composer's description of a plane format
 * @fourcc: DRM_FORMAT_*
 *
 * Returns: the format, or NULL when planes don't support @fourcc.
 */
const struct vprime_format *vprime_format_lookup(u32 fourcc)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vprime_formats); i++)
		if (vprime_formats[i].fourcc == fourcc)
			return &vprime_formats[i];

	return NULL;
}
