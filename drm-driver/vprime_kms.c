// SPDX-License-Identifier: GPL-2.0
/* Placeholder; replaced by the kms device work. */
#include "vprime_drv.h"

int vprime_kms_register(void)
{
	return 0;
}

void vprime_kms_unregister(void)
{
}
