// SPDX-License-Identifier: MIT
/*
 * vprime-llvmpipe-caps - print the GALLIUM_OVERRIDE_CPU_CAPS value that
 * keeps llvmpipe off this CPU's broken AVX2 gathers (QEMU TCG before 9.1,
 * see lib/vprime_util.h), or nothing when llvmpipe may use the CPU as it
 * is. For the compositor scripts in userspace-demo/compositor/:
 *
 *   caps=$(vprime-llvmpipe-caps)
 *   env ${caps:+GALLIUM_OVERRIDE_CPU_CAPS=$caps} weston ...
 */
#include <stdio.h>

#include "vprime_util.h"

int main(void)
{
	const char *caps = vprime_llvmpipe_cpu_caps();

	if (caps) {
		printf("%s\n", caps);
		fprintf(stderr, "vprime-llvmpipe-caps: AVX2 gathers through xmm4 are broken on this CPU\n");
	}
	return 0;
}
