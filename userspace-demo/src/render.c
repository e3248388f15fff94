// SPDX-License-Identifier: MIT
/*
 * One frame's GPU job: a full-screen PATTERN command (the pattern scrolls
 * with the frame counter) and the frame number drawn on top as a
 * seven-segment read-out with FILL commands. render_cpu() runs the same
 * command list on the CPU with the pixel formulas of the GPU's engine
 * (drm-driver/vprime_sched.c), which is what captured frames are checked
 * against.
 */
#include <stdio.h>
#include <string.h>

#include "demo.h"

#define DIGIT_MAX	7
#define COLOUR_BOX	0xff000000u
#define COLOUR_SEG	0xffffffffu

/* Segments a..g as bits 0..6 for the digits 0..9. */
static const uint8_t seven_seg[10] = {
	0x3f, 0x06, 0x5b, 0x4f, 0x66, 0x6d, 0x7d, 0x07, 0x7f, 0x6f,
};

static const char *const pattern_names[VPRIME_PATTERN_COUNT] = {
	[VPRIME_PATTERN_GRADIENT] = "gradient",
	[VPRIME_PATTERN_CHECKER] = "checker",
	[VPRIME_PATTERN_BARS] = "bars",
};

static const uint32_t bar_colours[8] = {
	0xffffffff, 0xffffff00, 0xff00ffff, 0xff00ff00,
	0xffff00ff, 0xffff0000, 0xff0000ff, 0xff000000,
};

int parse_pattern(const char *name)
{
	unsigned int i;

	for (i = 0; i < VPRIME_PATTERN_COUNT; i++)
		if (!strcmp(name, pattern_names[i]))
			return (int)i;
	return -1;
}

const char *pattern_name(unsigned int pattern)
{
	return pattern < VPRIME_PATTERN_COUNT ? pattern_names[pattern] : "?";
}

static void cmd_fill(struct drm_vprime_cmd *c, const struct render_target *t,
		     uint32_t x, uint32_t y, uint32_t w, uint32_t h,
		     uint32_t value)
{
	memset(c, 0, sizeof(*c));
	c->op = VPRIME_CMD_FILL;
	c->dst_handle = t->handle;
	c->dst_offset = (uint64_t)y * t->stride + (uint64_t)x * 4;
	c->dst_stride = t->stride;
	c->width = w;
	c->height = h;
	c->value = value;
}

/* The seven segments of one digit at (x, y), digit size dw x dh. */
static unsigned int cmd_digit(struct drm_vprime_cmd *c,
			      const struct render_target *t, unsigned int digit,
			      uint32_t x, uint32_t y, uint32_t dw, uint32_t dh)
{
	uint32_t th = dh / 8, half = dh / 2;
	const struct { uint32_t x, y, w, h; } seg[7] = {
		{ x, y, dw, th },				/* a */
		{ x + dw - th, y, th, half },			/* b */
		{ x + dw - th, y + half, th, dh - half },	/* c */
		{ x, y + dh - th, dw, th },			/* d */
		{ x, y + half, th, dh - half },			/* e */
		{ x, y, th, half },				/* f */
		{ x, y + (dh - th) / 2, dw, th },		/* g */
	};
	unsigned int s, n = 0;

	for (s = 0; s < 7; s++)
		if (seven_seg[digit] & (1u << s))
			cmd_fill(&c[n++], t, seg[s].x, seg[s].y, seg[s].w,
				 seg[s].h, COLOUR_SEG);
	return n;
}

/**
 * render_build - the command stream that draws frame @frame into @t
 * @cmds: room for RENDER_MAX_CMDS commands
 *
 * Returns the number of commands (at most 2 + 7 * DIGIT_MAX).
 */
unsigned int render_build(struct drm_vprime_cmd *cmds,
			  const struct render_target *t,
			  unsigned int pattern, unsigned int frame)
{
	char digits[16];
	uint32_t dh = t->height / 8, dw = dh / 2, gap = dh / 4, pad = dh / 4;
	uint32_t x, y = pad * 2, len, i, n = 0, box_w, box_h;

	memset(&cmds[n], 0, sizeof(cmds[n]));
	cmds[n].op = VPRIME_CMD_PATTERN;
	cmds[n].dst_handle = t->handle;
	cmds[n].dst_stride = t->stride;
	cmds[n].width = t->width;
	cmds[n].height = t->height;
	cmds[n].frame = frame;
	cmds[n].pattern = pattern;
	n++;

	len = (uint32_t)snprintf(digits, sizeof(digits), "%u", frame);
	if (len > DIGIT_MAX)
		len = DIGIT_MAX;
	box_w = len * dw + (len - 1) * gap + 2 * pad;
	box_h = dh + 2 * pad;
	if (dh < 8 || pad + box_w > t->width || pad + box_h > t->height)
		return n;	/* too small a mode for the read-out */

	cmd_fill(&cmds[n++], t, pad, pad, box_w, box_h, COLOUR_BOX);
	x = pad * 2;
	for (i = 0; i < len; i++) {
		n += cmd_digit(&cmds[n], t, (unsigned int)(digits[i] - '0'),
			       x, y, dw, dh);
		x += dw + gap;
	}
	return n;
}

/* The GPU engine's pattern formula (vprime_drm.h / vprime_sched.c). */
static uint32_t pattern_pixel(uint32_t pattern, uint32_t x, uint32_t y,
			      uint32_t w, uint32_t frame)
{
	uint32_t xs = (uint32_t)(((uint64_t)x + frame) % w);

	switch (pattern) {
	case VPRIME_PATTERN_GRADIENT:
		return 0xff000000u | ((xs & 0xff) << 16) |
		       (((y + frame) & 0xff) << 8) | (frame & 0xff);
	case VPRIME_PATTERN_CHECKER:
		return ((xs / 32 + y / 32) & 1) ? 0xffffffffu : 0xff000000u;
	default:
		return bar_colours[(uint64_t)xs * 8 / w];
	}
}

static uint32_t *row_at(uint32_t *pixels, const struct drm_vprime_cmd *c,
			uint32_t y)
{
	return (uint32_t *)((char *)pixels + c->dst_offset +
			    (uint64_t)y * c->dst_stride);
}

/*
 * One PATTERN row: pattern_pixel() for x = 0..w-1, with the scrolled x
 * stepped instead of taking a modulo per pixel (the reference is rendered
 * under TCG too, so speed matters).
 */
static void pattern_row(const struct drm_vprime_cmd *c, uint32_t *row,
			uint32_t y)
{
	uint32_t w = c->width, x, xs = (uint32_t)(c->frame % w);
	uint32_t base = 0xff000000u | (((y + c->frame) & 0xff) << 8) |
			(c->frame & 0xff);

	for (x = 0; x < w; x++) {
		if (c->pattern == VPRIME_PATTERN_GRADIENT)
			row[x] = base | ((xs & 0xff) << 16);
		else
			row[x] = pattern_pixel(c->pattern, xs, y, w, 0);
		if (++xs == w)
			xs = 0;
	}
}

/*
 * Run FILL and PATTERN commands on the CPU into @pixels, a buffer laid out
 * like the GPU buffer the commands were built for (same offsets, strides).
 */
void render_cpu(const struct drm_vprime_cmd *cmds, unsigned int count,
		uint32_t *pixels)
{
	const struct drm_vprime_cmd *c;
	uint32_t x, y, *row;
	unsigned int i;

	for (i = 0; i < count; i++) {
		c = &cmds[i];
		for (y = 0; y < c->height; y++) {
			row = row_at(pixels, c, y);
			if (c->op == VPRIME_CMD_PATTERN) {
				pattern_row(c, row, y);
				continue;
			}
			for (x = 0; x < c->width; x++)
				row[x] = c->value;
		}
	}
}

uint64_t render_compare(const uint32_t *a, uint32_t a_stride,
			const uint32_t *b, uint32_t b_stride,
			uint32_t width, uint32_t height)
{
	uint64_t diff = 0;
	uint32_t x, y;
	const uint32_t *ra, *rb;

	for (y = 0; y < height; y++) {
		ra = (const uint32_t *)((const char *)a + (size_t)y * a_stride);
		rb = (const uint32_t *)((const char *)b + (size_t)y * b_stride);
		for (x = 0; x < width; x++)
			diff += ((ra[x] ^ rb[x]) & 0x00ffffffu) != 0;
	}
	return diff;
}
