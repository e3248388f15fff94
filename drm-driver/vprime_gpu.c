// SPDX-License-Identifier: GPL-2.0
/* Placeholder; replaced by the gpu device work. */
#include "vprime_drv.h"

int vprime_gpu_register(void)
{
	return 0;
}

void vprime_gpu_unregister(void)
{
}
