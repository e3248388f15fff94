// SPDX-License-Identifier: MIT
/*
 * hash-tcg - what a per-frame signature costs on the emulated CPU.
 *
 * Times, on one 1024x768 XRGB8888 frame, the candidates for the display's
 * CRC: zlib's table-driven CRC32 (the algorithm of the kernel's crc32_le),
 * a PCLMULQDQ folding loop (the core of crc32-pclmul), a 4-lane XXH64-style
 * loop with the alpha byte OR'ed in, and, for scale, an OR-copy and memcpy.
 * Build and run in the VM (docs/performance.md, "Composition"):
 *
 *   cc -O2 -o out/hash-tcg tools/hash-tcg/hash-tcg.c -lz
 *   vm/run --no-modules -- out/hash-tcg
 */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define FRAME (1024 * 768 * 4)
#define ALPHA 0xff000000ff000000ULL

static const uint64_t P1 = 11400714785074694791ULL;
static const uint64_t P2 = 14029467366897019727ULL;

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t xxh_lanes(const uint64_t *p, size_t n)
{
	uint64_t v1 = P1 + P2, v2 = P2, v3 = 0, v4 = -P1;
	size_t i;

	for (i = 0; i + 4 <= n; i += 4) {
		v1 = rotl(v1 + (p[i] | ALPHA) * P2, 31) * P1;
		v2 = rotl(v2 + (p[i + 1] | ALPHA) * P2, 31) * P1;
		v3 = rotl(v3 + (p[i + 2] | ALPHA) * P2, 31) * P1;
		v4 = rotl(v4 + (p[i + 3] | ALPHA) * P2, 31) * P1;
	}
	return rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
}

__attribute__((target("pclmul,sse4.1")))
static uint64_t clmul_fold(const uint8_t *p, size_t n)
{
	const __m128i k = _mm_set_epi64x(0x154442bd4, 0x1c6e41596);
	__m128i x[4] = { _mm_setzero_si128(), _mm_setzero_si128(),
			 _mm_setzero_si128(), _mm_setzero_si128() };
	size_t i;
	int j;

	for (i = 0; i + 64 <= n; i += 64) {
		for (j = 0; j < 4; j++) {
			__m128i d = _mm_loadu_si128((const __m128i *)(p + i + 16 * j));

			x[j] = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x[j], k, 0x00),
							   _mm_clmulepi64_si128(x[j], k, 0x11)),
					     d);
		}
	}
	x[0] = _mm_xor_si128(_mm_xor_si128(x[0], x[1]), _mm_xor_si128(x[2], x[3]));
	return (uint64_t)_mm_extract_epi64(x[0], 0);
}

int main(void)
{
	uint8_t *src = malloc(FRAME), *dst = malloc(FRAME);
	uint64_t sink = 0;
	double t;
	int round;
	size_t i;

	if (!src || !dst)
		return 1;
	for (i = 0; i < FRAME; i++)
		src[i] = (uint8_t)(i * 7);
	for (round = 0; round < 3; round++) {
		t = now_ms();
		sink += crc32(0, src, FRAME);
		printf("crc32 (zlib, table)   %6.2f ms\n", now_ms() - t);
		t = now_ms();
		sink += clmul_fold(src, FRAME);
		printf("pclmulqdq fold        %6.2f ms\n", now_ms() - t);
		t = now_ms();
		sink += xxh_lanes((const uint64_t *)src, FRAME / 8);
		printf("xxh64 lanes + alpha   %6.2f ms\n", now_ms() - t);
		t = now_ms();
		for (i = 0; i < FRAME / 8; i++)
			((uint64_t *)dst)[i] = ((const uint64_t *)src)[i] | ALPHA;
		printf("or-copy               %6.2f ms\n", now_ms() - t);
		t = now_ms();
		memcpy(dst, src, FRAME);
		printf("memcpy                %6.2f ms\n", now_ms() - t);
	}
	printf("(%llu)\n", (unsigned long long)(sink + dst[5]));
	free(src);
	free(dst);
	return 0;
}
