// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime display colour management
 *
 * Every CRTC has the KMS colour pipeline properties DEGAMMA_LUT, CTM and
 * GAMMA_LUT (DEGAMMA_LUT_SIZE and GAMMA_LUT_SIZE are both
 * %VPRIME_COLOR_LUT_SIZE), and a legacy gamma table of the same size, which
 * the DRM core's legacy gamma ioctl turns into a GAMMA_LUT blob. A LUT blob
 * of another size is -EINVAL in atomic_check; the core checks the CTM
 * blob's size.
 *
 * The composer applies the pipeline to each blended output pixel, in the
 * order the KMS documentation gives (degamma, CTM, gamma), per channel and
 * in 16 bits, with the entries' full 16-bit precision:
 *
 * - the 8-bit channel value v is widened to x = v * 257;
 * - degamma: x = lut(DEGAMMA_LUT, x);
 * - CTM: x_c = clamp(round(sum_k m_ck * x_k), 0, 65535), with the
 *   coefficients m_ck rounded to 16 fractional bits and clamped to
 *   +-32768;
 * - gamma: x = lut(GAMMA_LUT, x'), where x' is x with its low 4 bits
 *   replaced by its top 4 (12 significant bits: the gamma stage is sampled
 *   at 4096 points) when a CTM is set, x itself otherwise;
 * - the output channel is round(x * 255 / 65535).
 *
 * lut(L, x) interpolates linearly between the N entries of L: with
 * p = x * (N - 1), i = p / 65535 and f = p % 65535, it is
 * round((L[i] * (65535 - f) + L[i + 1] * f) / 65535) (L[i] when f = 0).
 * A missing LUT or CTM is the identity.
 *
 * Nothing of this is computed per pixel: atomic_check turns the blobs into
 * tables in the CRTC state (struct vprime_color) - without a CTM one table
 * per channel of the output already in its place in the pixel, with one
 * the degamma outputs and a 4096-entry gamma table per channel - and the
 * composer only looks up (and multiplies with the CTM), once per run of
 * one colour in a row.
 */
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/slab.h>

#include <drm/drm_atomic.h>
#include <drm/drm_color_mgmt.h>
#include <drm/drm_print.h>

#include "vprime_kms.h"

/* lut(L, x) of the DOC above, for one channel of @lut. */
static u16 vprime_lut_eval(const struct drm_color_lut *lut, unsigned int n,
			   unsigned int ch, u32 x)
{
	u32 p = x * (n - 1), i = p / 0xffff, f = p % 0xffff;
	const u16 *e0 = &lut[i].red + ch;
	const u16 *e1;

	if (!f)
		return *e0;
	e1 = &lut[i + 1].red + ch;
	return div_u64((u64)*e0 * (0xffff - f) + (u64)*e1 * f + 0x7fff, 0xffff);
}

/* One stage: @blob's value at @x for channel @ch, @x without a blob. */
static u16 vprime_stage(const struct drm_property_blob *blob,
			unsigned int ch, u32 x)
{
	if (!blob)
		return x;
	return vprime_lut_eval(blob->data, drm_color_lut_size(blob), ch, x);
}

static u8 vprime_to_8bit(u32 x)
{
	return (x * 255 + 0x7fff) / 0xffff;
}

/* S31.32 sign-magnitude to S15.16, clamped to +-32768. */
static s32 vprime_ctm_coeff(u64 v)
{
	u64 mag = ((v & ~BIT_ULL(63)) + BIT_ULL(15)) >> 16;
	s64 c = min_t(u64, mag, 1ULL << 31);

	if (v & BIT_ULL(63))
		c = -c;
	return clamp_t(s64, c, S32_MIN, S32_MAX);
}

static int vprime_check_lut(struct drm_crtc *crtc,
			    const struct drm_property_blob *blob,
			    const char *name)
{
	if (!blob || drm_color_lut_size(blob) == VPRIME_COLOR_LUT_SIZE)
		return 0;

	drm_dbg_atomic(crtc->dev, "[CRTC:%d:%s] %s has %d entries, not %u\n",
		       crtc->base.id, crtc->name, name,
		       drm_color_lut_size(blob), VPRIME_COLOR_LUT_SIZE);
	return -EINVAL;
}

/**
 * vprime_color_check - validate and precompute a CRTC's colour pipeline
 * @crtc: the CRTC
 * @state: its new state
 *
 * Sets @state's colour tables, or none when no LUT or CTM is set.
 *
 * Returns: 0, -EINVAL for a LUT of the wrong size, or -ENOMEM.
 */
int vprime_color_check(struct drm_crtc *crtc, struct vprime_crtc_state *state)
{
	const struct drm_property_blob *degamma = state->base.degamma_lut;
	const struct drm_property_blob *gamma = state->base.gamma_lut;
	const struct drm_property_blob *ctm = state->base.ctm;
	struct vprime_color *color;
	unsigned int ch, k, v;
	int ret;

	kvfree(state->color);
	state->color = NULL;

	ret = vprime_check_lut(crtc, degamma, "DEGAMMA_LUT");
	if (ret)
		return ret;
	ret = vprime_check_lut(crtc, gamma, "GAMMA_LUT");
	if (ret)
		return ret;

	if (!degamma && !gamma && !ctm)
		return 0;

	color = kvzalloc(sizeof(*color), GFP_KERNEL);
	if (!color)
		return -ENOMEM;

	if (!ctm) {
		for (ch = 0; ch < 3; ch++) {
			for (v = 0; v < 256; v++) {
				u32 x = vprime_stage(degamma, ch, v * 257);

				x = vprime_stage(gamma, ch, x);
				color->lut[ch][v] = (u32)vprime_to_8bit(x) <<
						    (16 - 8 * ch);
			}
		}
		state->color = color;
		return 0;
	}

	color->has_ctm = true;
	for (ch = 0; ch < 3; ch++) {
		const struct drm_color_ctm *m = ctm->data;

		for (k = 0; k < 3; k++)
			color->ctm[ch][k] = vprime_ctm_coeff(m->matrix[ch * 3 + k]);
		for (v = 0; v < 256; v++)
			color->degamma[ch][v] = vprime_stage(degamma, ch, v * 257);
		for (v = 0; v < VPRIME_COLOR_GAMMA_POINTS; v++) {
			u32 x = v << 4 | v >> 8;

			color->gamma8[ch][v] =
				vprime_to_8bit(vprime_stage(gamma, ch, x));
		}
	}
	state->color = color;
	return 0;
}

static inline u32 vprime_ctm_channel(const struct vprime_color *color,
				     unsigned int ch, const u32 *x)
{
	s64 sum = (s64)color->ctm[ch][0] * x[0] +
		  (s64)color->ctm[ch][1] * x[1] +
		  (s64)color->ctm[ch][2] * x[2] + 0x8000;
	s64 v = clamp_t(s64, sum >> 16, 0, 0xffff);

	return color->gamma8[ch][v >> 4];
}

static inline u32 vprime_color_pixel(const struct vprime_color *color, u32 p)
{
	u32 x[3];

	if (!color->has_ctm)
		return 0xff000000 | color->lut[0][(p >> 16) & 0xff] |
		       color->lut[1][(p >> 8) & 0xff] | color->lut[2][p & 0xff];

	x[0] = color->degamma[0][(p >> 16) & 0xff];
	x[1] = color->degamma[1][(p >> 8) & 0xff];
	x[2] = color->degamma[2][p & 0xff];
	return 0xff000000 | vprime_ctm_channel(color, 0, x) << 16 |
	       vprime_ctm_channel(color, 1, x) << 8 |
	       vprime_ctm_channel(color, 2, x);
}

/**
 * vprime_color_apply_row - run the colour pipeline over composed pixels
 * @color: the CRTC state's tables
 * @row: @n pixels 0xffRRGGBB, converted in place
 * @n: pixel count
 */
void vprime_color_apply_row(const struct vprime_color *color, u32 *row,
			    unsigned int n)
{
	/* the composer's pixels have alpha 0xff: none is equal to 0 */
	u32 last_in = 0, last_out = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		/* runs of one colour are common: convert them once */
		if (row[i] != last_in) {
			last_in = row[i];
			last_out = vprime_color_pixel(color, last_in);
		}
		row[i] = last_out;
	}
}

/**
 * vprime_color_init - attach the colour management properties to a CRTC
 * @crtc: the CRTC
 *
 * Returns: 0 or a negative errno.
 */
int vprime_color_init(struct drm_crtc *crtc)
{
	int ret;

	ret = drm_mode_crtc_set_gamma_size(crtc, VPRIME_COLOR_LUT_SIZE);
	if (ret)
		return ret;
	drm_crtc_enable_color_mgmt(crtc, VPRIME_COLOR_LUT_SIZE, true,
				   VPRIME_COLOR_LUT_SIZE);
	return 0;
}
