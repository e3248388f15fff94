// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime_core module
 *
 * Module init and exit of vprime_core.ko, its parameters and its global
 * counters. The module provides page-backed buffer objects with a dynamic
 * dma-buf exporter (vprime_bo.c, vprime_exporter.c), importer helpers
 * (vprime_import.c), fence timelines (vprime_fence.c), the /dev/vprime_heap
 * allocator (vprime_heap.c) and debugfs statistics and fault injection
 * (vprime_debugfs.c).
 *
 * The module can't be unloaded while a core dma-buf or fence is alive:
 * dma_buf_export() takes a reference on the exporter's module (the
 * export info's owner is this module) and each core fence holds one too.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>

#include "vprime_core_priv.h"

static unsigned int local_mem_mb = 256;
module_param(local_mem_mb, uint, 0444);
MODULE_PARM_DESC(local_mem_mb,
		 "Size of the simulated device-local pool in MiB (default: 256)");

static unsigned int system_mem_mb = 1024;
module_param(system_mem_mb, uint, 0444);
MODULE_PARM_DESC(system_mem_mb,
		 "Cap on system-placement buffers in MiB (default: 1024)");

static unsigned int max_alloc_mb = 256;
module_param(max_alloc_mb, uint, 0444);
MODULE_PARM_DESC(max_alloc_mb,
		 "Largest single buffer in MiB (default: 256)");

u64 vprime_placement_cap[VPRIME_PLACEMENT_COUNT];
u64 vprime_max_alloc;
struct vprime_core_stats vprime_stats;
struct vprime_core_faults vprime_faults;

static int __init vprime_core_init(void)
{
	int ret;

	vprime_placement_cap[VPRIME_PLACEMENT_SYSTEM] = (u64)system_mem_mb * SZ_1M;
	vprime_placement_cap[VPRIME_PLACEMENT_LOCAL] = (u64)local_mem_mb * SZ_1M;
	vprime_max_alloc = (u64)max_alloc_mb * SZ_1M;

	ret = vprime_fence_init();
	if (ret)
		return ret;

	ret = vprime_heap_init();
	if (ret)
		goto err_fence;

	vprime_debugfs_init();
	return 0;

err_fence:
	vprime_fence_fini();
	return ret;
}

static void __exit vprime_core_exit(void)
{
	vprime_debugfs_fini();
	vprime_heap_fini();
	vprime_fence_fini();
}

module_init(vprime_core_init);
module_exit(vprime_core_exit);

MODULE_DESCRIPTION("vprime dma-buf core: exporter, importer helpers, fences, allocator");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
