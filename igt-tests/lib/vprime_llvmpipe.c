// SPDX-License-Identifier: MIT
/*
 * vprime_llvmpipe.c - whether llvmpipe can use AVX2 on the guest's CPU.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "igt.h"
#include "vprime_llvmpipe.h"

#if defined(__x86_64__)
static sigjmp_buf gather_fault;

static void gather_fault_handler(int sig)
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
		if (!ok)
			igt_info("vpgatherdd through xmm4 of elements 3 2 1 0 of { 10 11 12 13 } loaded %d %d %d %d\n",
				 out[0], out[1], out[2], out[3]);
	} else {
		igt_info("vpgatherdd through xmm4 faulted\n");
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
	if (__builtin_cpu_supports("avx2") && !gather_xmm4_works()) {
		caps = "sse4.1";
		igt_info("this CPU's AVX2 gathers through xmm4 are broken (QEMU TCG before 9.1): llvmpipe runs with GALLIUM_OVERRIDE_CPU_CAPS=%s\n",
			 caps);
	}
#endif
	return caps;
}
