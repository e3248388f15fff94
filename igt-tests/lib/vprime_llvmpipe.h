/* SPDX-License-Identifier: MIT */
/*
 * vprime_llvmpipe.h - llvmpipe, the compositors' GL renderer in the guest,
 * on the CPU that QEMU emulates.
 *
 * QEMU's TCG before its commit ac63755b2001 ("target/i386: Fix VSIB
 * decode", QEMU 9.1, backported to 9.0.3; QEMU issue #2474), Debian
 * bookworm's 7.2 among them, decodes an AVX2 gather whose VSIB index
 * register is xmm4/ymm4 (SIB.index 100b, VEX.X clear) as it decodes an
 * ordinary SIB byte with index 100b: as "no index". The gather then loads
 * from addresses that have nothing to do with xmm4. llvmpipe's JIT code
 * gathers texels with vpgatherdd on an AVX2 CPU, so the guest's `-cpu max`
 * makes any GL composition that samples a texture through such a gather
 * read the wrong texels or fault: sway 1.7 compositing a client's buffer
 * takes SIGSEGV in a gather through xmm4 (docs/reliability.md).
 */
#ifndef VPRIME_LLVMPIPE_H
#define VPRIME_LLVMPIPE_H

/*
 * The value for GALLIUM_OVERRIDE_CPU_CAPS that keeps llvmpipe off the
 * broken instructions on this CPU: "sse4.1" (no AVX, so no AVX2 gathers)
 * when a vpgatherdd through xmm4 loads the wrong elements or faults, NULL
 * when it works or the CPU has no AVX2. Found once, logged once.
 */
const char *vprime_llvmpipe_cpu_caps(void);

#endif /* VPRIME_LLVMPIPE_H */
