// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime module
 *
 * vprime.ko registers two platform drivers, each with its own devices:
 * render-only GPU devices (vprime_gpu*.c) and KMS display devices
 * (vprime_kms*.c). Both build their buffer objects on vprime_core.ko.
 */
#include <linux/module.h>

#include "vprime_drv.h"

static int __init vprime_init(void)
{
	int ret;

	/*
	 * Displays first: they get the lowest card nodes, which generic KMS
	 * clients (IGT's DRIVER_ANY, modetest without -M) try first; the GPU
	 * is render-only.
	 */
	ret = vprime_kms_register();
	if (ret)
		return ret;

	ret = vprime_gpu_register();
	if (ret)
		goto err_kms;

	return 0;

err_kms:
	vprime_kms_unregister();
	return ret;
}

static void __exit vprime_exit(void)
{
	vprime_gpu_unregister();
	vprime_kms_unregister();
}

module_init(vprime_init);
module_exit(vprime_exit);

MODULE_DESCRIPTION("vprime: virtual render GPU and display sharing buffers through PRIME");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
