// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime_core importer helpers
 *
 * struct vprime_import is an importer's view of any dma-buf. It attaches
 * dynamically when the exporter is dynamic (so a move of the buffer calls
 * our move_notify, which drops the cached mapping and tells the owner
 * through @invalidate) and statically otherwise (the framework then pins
 * and caches the mapping for a dynamic exporter, and a static exporter
 * never moves).
 *
 * The mapping is created lazily by vprime_import_map_locked() and cached
 * in @sgt under the dma-buf's resv; after a move the next map creates a
 * new one. With CONFIG_DMABUF_MOVE_NOTIFY off the framework pins a dynamic
 * exporter's buffer while we hold a mapping, so the exporter refuses to
 * move it until we unmap; with the option on, move_notify invalidates us.
 *
 * Implicit sync: before the device accesses the buffer, the owner waits
 * for (or depends on) the resv fences with dma_resv_usage_rw(write): a
 * write waits for readers and writers, a read waits for writers only.
 */
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/sched.h>

#include "vprime_core_priv.h"

/* Called by the exporter with the resv held. */
static void vprime_import_move_notify(struct dma_buf_attachment *attach)
{
	struct vprime_import *imp = attach->importer_priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	vprime_import_unmap_locked(imp);
	if (imp->invalidate)
		imp->invalidate(imp);
}

static const struct dma_buf_attach_ops vprime_import_attach_ops = {
	.allow_peer2peer = false,
	.move_notify = vprime_import_move_notify,
};

int vprime_import_attach(struct vprime_import *imp, struct dma_buf *dmabuf,
			 struct device *dev)
{
	struct dma_buf_attachment *attach;

	imp->dynamic = dma_buf_is_dynamic(dmabuf);
	imp->sgt = NULL;
	imp->dir = DMA_NONE;

	/* set before attaching: move_notify may come as soon as we are listed */
	imp->dmabuf = dmabuf;
	get_dma_buf(dmabuf);
	if (imp->dynamic)
		attach = dma_buf_dynamic_attach(dmabuf, dev,
						&vprime_import_attach_ops, imp);
	else
		attach = dma_buf_attach(dmabuf, dev);
	if (IS_ERR(attach)) {
		imp->dmabuf = NULL;
		dma_buf_put(dmabuf);
		return PTR_ERR(attach);
	}

	imp->attach = attach;
	return 0;
}
EXPORT_SYMBOL_GPL(vprime_import_attach);

void vprime_import_detach(struct vprime_import *imp)
{
	struct dma_buf *dmabuf = imp->dmabuf;

	if (!dmabuf)
		return;
	vprime_import_unmap(imp);
	dma_buf_detach(dmabuf, imp->attach);
	dma_buf_put(dmabuf);
	imp->attach = NULL;
	imp->dmabuf = NULL;
}
EXPORT_SYMBOL_GPL(vprime_import_detach);

struct sg_table *vprime_import_map_locked(struct vprime_import *imp,
					  enum dma_data_direction dir)
{
	struct sg_table *sgt;

	dma_resv_assert_held(imp->dmabuf->resv);

	if (imp->sgt) {
		if (imp->dir == dir || imp->dir == DMA_BIDIRECTIONAL)
			return imp->sgt;
		vprime_import_unmap_locked(imp);
	}

	sgt = dma_buf_map_attachment(imp->attach, dir);
	if (IS_ERR(sgt))
		return sgt;
	imp->sgt = sgt;
	imp->dir = dir;
	return sgt;
}
EXPORT_SYMBOL_GPL(vprime_import_map_locked);

void vprime_import_unmap_locked(struct vprime_import *imp)
{
	dma_resv_assert_held(imp->dmabuf->resv);

	if (!imp->sgt)
		return;
	dma_buf_unmap_attachment(imp->attach, imp->sgt, imp->dir);
	imp->sgt = NULL;
	imp->dir = DMA_NONE;
}
EXPORT_SYMBOL_GPL(vprime_import_unmap_locked);

struct sg_table *vprime_import_map(struct vprime_import *imp,
				   enum dma_data_direction dir)
{
	struct dma_resv *resv = imp->dmabuf->resv;
	struct sg_table *sgt;
	int ret;

	ret = dma_resv_lock_interruptible(resv, NULL);
	if (ret)
		return ERR_PTR(ret);
	sgt = vprime_import_map_locked(imp, dir);
	dma_resv_unlock(resv);
	return sgt;
}
EXPORT_SYMBOL_NS_GPL(vprime_import_map, VPRIME_TEST);

void vprime_import_unmap(struct vprime_import *imp)
{
	struct dma_resv *resv = imp->dmabuf->resv;

	dma_resv_lock(resv, NULL);
	vprime_import_unmap_locked(imp);
	dma_resv_unlock(resv);
}
EXPORT_SYMBOL_NS_GPL(vprime_import_unmap, VPRIME_TEST);

int vprime_import_vmap(struct vprime_import *imp, struct iosys_map *map)
{
	return dma_buf_vmap(imp->dmabuf, map);
}
EXPORT_SYMBOL_GPL(vprime_import_vmap);

void vprime_import_vunmap(struct vprime_import *imp, struct iosys_map *map)
{
	dma_buf_vunmap(imp->dmabuf, map);
}
EXPORT_SYMBOL_GPL(vprime_import_vunmap);
