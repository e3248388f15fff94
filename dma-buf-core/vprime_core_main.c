// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime_core module
 *
 * Placeholder entry point; the dma-buf-core work replaces it.
 */
#include <linux/module.h>

static int __init vprime_core_init(void)
{
	return 0;
}

static void __exit vprime_core_exit(void)
{
}

module_init(vprime_core_init);
module_exit(vprime_core_exit);

MODULE_DESCRIPTION("vprime dma-buf core: exporter, importer helpers, fences, allocator");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
