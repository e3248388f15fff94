// SPDX-License-Identifier: MIT
/*
 * vprime-bench - benchmarks of vprime's PRIME sharing, GPU engine and
 * display, run inside the VM by bench/run-bench.
 *
 * usage: vprime-bench [-q] BENCHMARK [ARGS...]
 *   prime    PRIME round trip and fresh import, vprime_gpu vs vgem
 *   share    export+import+map+CPU touch vs memcpy, 4 KiB .. 256 MiB
 *   scale    export/import cost with 10..10000 live shared buffers, slab
 *   engine   FILL/COPY GB/s vs memset/memcpy, 8 and 64 MiB
 *   compose  composition ms/frame, 1024x768 and 1920x1080, 1/2/4 planes;
 *            at 1024x768 also with gamma, the colour pipeline and a scaled
 *            overlay
 *   compose-peer  the same composition on vprime_kms and vkms (when
 *            loaded), timed from the workqueue tracepoints, vs memcpy of
 *            the bytes touched
 *   flip [nocrc]  600-frame flip pipeline with implicit fences from GPU
 *            jobs, with the CRC (so the composition) on or off; with CRC
 *            on, also the anchor (vgem CPU write + vgem fence -> vkms)
 *   hold CMD keep 1024x768 set on the display while CMD runs
 *   ioctl [DRIVER]  null-ioctl rate (ops/s)
 * -q runs each benchmark once at its smallest size (make check).
 */
#include <stdio.h>
#include <string.h>

#include "common.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} benches[] = {
	{ "prime", bench_prime },
	{ "share", bench_share },
	{ "scale", bench_scale },
	{ "engine", bench_engine },
	{ "compose", bench_compose },
	{ "compose-peer", bench_compose_peer },
	{ "flip", bench_flip },
	{ "hold", bench_hold },
	{ "ioctl", bench_ioctl },
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc > 1 && !strcmp(argv[1], "-q")) {
		bench_quick = true;
		argc--;
		argv++;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: vprime-bench [-q] BENCHMARK [ARGS...]\n");
		return 2;
	}
	for (i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
		if (!strcmp(argv[1], benches[i].name))
			return benches[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "vprime-bench: unknown benchmark %s\n", argv[1]);
	return 2;
}
