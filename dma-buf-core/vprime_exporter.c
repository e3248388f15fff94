// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime_core dma-buf exporter
 *
 * The dynamic exporter of core BOs (it has pin/unpin, so
 * dma_buf_is_dynamic() is true). Locking follows the 6.1 framework in
 * drivers/dma-buf/dma-buf.c:
 *
 * - attach/detach and release are called without the resv; they take it
 *   to update the BO's attachment and export lists;
 * - pin/unpin and map_dma_buf/unmap_dma_buf are called with the resv held
 *   (for static importers too: the framework pins and maps them at attach
 *   time under the resv and caches the table);
 * - vmap/vunmap are called under dma_buf.lock only; they take the BO's
 *   mutex, which nests inside the resv;
 * - begin/end_cpu_access are called without locks and take the resv to
 *   walk the mappings;
 * - mmap is called with mmap_lock held.
 *
 * attach refuses devices that can't reach the BO's placement when the BO
 * can't be moved to system memory (-EBUSY), and devices whose maximum DMA
 * segment is smaller than a page (-EINVAL). Each map_dma_buf builds a
 * fresh sg_table of the current backing and maps it for the attachment's
 * device and the requested direction.
 */
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "vprime_core_priv.h"

static struct vprime_bo *vprime_dmabuf_bo(struct dma_buf *dmabuf)
{
	struct vprime_export *exp = dmabuf->priv;

	return exp->bo;
}

static int vprime_dmabuf_attach(struct dma_buf *dmabuf,
				struct dma_buf_attachment *attach)
{
	struct vprime_bo *bo = vprime_dmabuf_bo(dmabuf);
	struct device *dev = attach->dev;
	struct vprime_attachment *va;
	int ret;

	if (vprime_fault_fire(&vprime_faults.fail_next_attach)) {
		pr_debug("vprime_core: injected attach failure\n");
		ret = -EBUSY;
		goto err_count;
	}
	if (!vprime_placement_reachable(VPRIME_PLACEMENT_SYSTEM, dev) ||
	    dma_get_max_seg_size(dev) < PAGE_SIZE) {
		dev_dbg(dev, "vprime_core: DMA constraints can't be met\n");
		ret = -EINVAL;
		goto err_count;
	}

	va = kzalloc(sizeof(*va), GFP_KERNEL);
	if (!va) {
		ret = -ENOMEM;
		goto err_count;
	}
	va->attach = attach;
	INIT_LIST_HEAD(&va->mappings);

	for (;;) {
		ret = dma_resv_lock_interruptible(&bo->resv, NULL);
		if (ret)
			goto err_free;
		if (vprime_placement_reachable(bo->placement, dev))
			break;
		dma_resv_unlock(&bo->resv);

		/* Move to memory every device reaches, or refuse. */
		ret = vprime_bo_migrate(bo, VPRIME_PLACEMENT_SYSTEM, true);
		if (ret) {
			dev_dbg(dev, "vprime_core: BO %llu can't move: %d\n",
				bo->id, ret);
			goto err_free;
		}
	}
	list_add_tail(&va->link, &bo->attachments);
	attach->priv = va;
	dma_resv_unlock(&bo->resv);

	atomic64_inc(&vprime_stats.attachments);
	return 0;

err_free:
	kfree(va);
	return ret;
err_count:
	atomic64_inc(&vprime_stats.failed_ops);
	return ret;
}

static void vprime_dmabuf_detach(struct dma_buf *dmabuf,
				 struct dma_buf_attachment *attach)
{
	struct vprime_bo *bo = vprime_dmabuf_bo(dmabuf);
	struct vprime_attachment *va = attach->priv;

	dma_resv_lock(&bo->resv, NULL);
	/* The importer must unmap and unpin before it detaches. */
	WARN_ON(!list_empty(&va->mappings) || va->pin_count);
	list_del(&va->link);
	dma_resv_unlock(&bo->resv);

	kfree(va);
	atomic64_dec(&vprime_stats.attachments);
}

static int vprime_dmabuf_pin(struct dma_buf_attachment *attach)
{
	struct vprime_bo *bo = vprime_dmabuf_bo(attach->dmabuf);
	struct vprime_attachment *va = attach->priv;

	dma_resv_assert_held(&bo->resv);
	/*
	 * attach made the placement reachable for this device and a
	 * migration never strands an attached device, so the pages are
	 * usable as they are.
	 */
	va->pin_count++;
	bo->pin_count++;
	return 0;
}

static void vprime_dmabuf_unpin(struct dma_buf_attachment *attach)
{
	struct vprime_bo *bo = vprime_dmabuf_bo(attach->dmabuf);
	struct vprime_attachment *va = attach->priv;

	dma_resv_assert_held(&bo->resv);
	if (WARN_ON(!va->pin_count))
		return;
	va->pin_count--;
	bo->pin_count--;
}

static struct sg_table *vprime_dmabuf_map(struct dma_buf_attachment *attach,
					  enum dma_data_direction dir)
{
	struct vprime_bo *bo = vprime_dmabuf_bo(attach->dmabuf);
	struct vprime_attachment *va = attach->priv;
	struct vprime_backing *backing;
	struct vprime_sgt *vs;
	int ret;

	dma_resv_assert_held(&bo->resv);

	if (vprime_fault_fire(&vprime_faults.fail_next_map)) {
		pr_debug("vprime_core: injected map failure\n");
		ret = -ENOMEM;
		goto err_count;
	}

	vs = kzalloc(sizeof(*vs), GFP_KERNEL);
	if (!vs) {
		ret = -ENOMEM;
		goto err_count;
	}

	/* Migrations run under the resv: the backing is settled here. */
	backing = bo->backing;
	ret = vprime_backing_sg_table(backing, &vs->base,
				      dma_get_max_seg_size(attach->dev));
	if (ret)
		goto err_free;

	ret = dma_map_sgtable(attach->dev, &vs->base, dir, 0);
	if (ret)
		goto err_free_table;

	kref_get(&backing->refcount);
	vs->backing = backing;
	vs->dir = dir;
	list_add_tail(&vs->link, &va->mappings);
	atomic64_inc(&vprime_stats.mappings);
	return &vs->base;

err_free_table:
	sg_free_table(&vs->base);
err_free:
	kfree(vs);
err_count:
	atomic64_inc(&vprime_stats.failed_ops);
	return ERR_PTR(ret);
}

static void vprime_dmabuf_unmap(struct dma_buf_attachment *attach,
				struct sg_table *sgt,
				enum dma_data_direction dir)
{
	struct vprime_bo *bo = vprime_dmabuf_bo(attach->dmabuf);
	struct vprime_sgt *vs = container_of(sgt, struct vprime_sgt, base);

	dma_resv_assert_held(&bo->resv);

	dma_unmap_sgtable(attach->dev, sgt, dir, 0);
	list_del(&vs->link);
	sg_free_table(sgt);
	vprime_backing_put(vs->backing);
	kfree(vs);
	atomic64_dec(&vprime_stats.mappings);
}

static void vprime_dmabuf_release(struct dma_buf *dmabuf)
{
	struct vprime_export *exp = dmabuf->priv;
	struct vprime_bo *bo = exp->bo;
	const struct vprime_bo_owner_ops *ops = bo->owner_ops;

	dma_resv_lock(&bo->resv, NULL);
	list_del(&exp->link);
	dma_resv_unlock(&bo->resv);
	kfree(exp);
	atomic64_dec(&vprime_stats.exports);

	if (ops) {
		if (ops->dmabuf_release)
			ops->dmabuf_release(bo, bo->owner);
		module_put(ops->module);
	}
	vprime_bo_put(bo);
}

/*
 * CPU/device cache maintenance for every device mapping and the kernel
 * mapping. Each mapping is synced with the direction it was mapped with,
 * not the one userspace passed to DMA_BUF_IOCTL_SYNC: the DMA API requires
 * dma_sync_*() to repeat the mapping's direction (DMA_API_DEBUG reports a
 * mismatch), and that direction already says which side may have written.
 */
static void vprime_dmabuf_sync(struct vprime_bo *bo, bool for_cpu)
{
	struct vprime_attachment *va;
	struct vprime_sgt *vs;

	list_for_each_entry(va, &bo->attachments, link) {
		list_for_each_entry(vs, &va->mappings, link) {
			if (for_cpu)
				dma_sync_sgtable_for_cpu(va->attach->dev,
							 &vs->base, vs->dir);
			else
				dma_sync_sgtable_for_device(va->attach->dev,
							    &vs->base, vs->dir);
		}
	}

	mutex_lock(&bo->lock);
	if (bo->vmap_count) {
		if (for_cpu)
			invalidate_kernel_vmap_range(bo->vaddr, bo->size);
		else
			flush_kernel_vmap_range(bo->vaddr, bo->size);
	}
	mutex_unlock(&bo->lock);
}

static int vprime_dmabuf_begin_cpu_access(struct dma_buf *dmabuf,
					  enum dma_data_direction dir)
{
	struct vprime_bo *bo = vprime_dmabuf_bo(dmabuf);
	int ret;

	if (vprime_fault_fire(&vprime_faults.fail_next_begin_cpu_access)) {
		pr_debug("vprime_core: injected begin_cpu_access failure\n");
		atomic64_inc(&vprime_stats.failed_ops);
		return -EINTR;
	}

	ret = dma_resv_lock_interruptible(&bo->resv, NULL);
	if (ret)
		return ret;
	vprime_dmabuf_sync(bo, true);
	dma_resv_unlock(&bo->resv);
	return 0;
}

static int vprime_dmabuf_end_cpu_access(struct dma_buf *dmabuf,
					enum dma_data_direction dir)
{
	struct vprime_bo *bo = vprime_dmabuf_bo(dmabuf);
	int ret;

	ret = dma_resv_lock_interruptible(&bo->resv, NULL);
	if (ret)
		return ret;
	vprime_dmabuf_sync(bo, false);
	dma_resv_unlock(&bo->resv);
	return 0;
}

static void vprime_dmabuf_vm_open(struct vm_area_struct *vma)
{
	struct vprime_bo *bo = vma->vm_private_data;

	atomic_inc(&bo->mmap_count);
}

static void vprime_dmabuf_vm_close(struct vm_area_struct *vma)
{
	struct vprime_bo *bo = vma->vm_private_data;

	atomic_dec(&bo->mmap_count);
}

static vm_fault_t vprime_dmabuf_vm_fault(struct vm_fault *vmf)
{
	return vprime_bo_fault(vmf->vma->vm_private_data, vmf);
}

static const struct vm_operations_struct vprime_dmabuf_vm_ops = {
	.open = vprime_dmabuf_vm_open,
	.close = vprime_dmabuf_vm_close,
	.fault = vprime_dmabuf_vm_fault,
};

/* The framework checked vm_pgoff and the size against the dma-buf. */
static int vprime_dmabuf_mmap(struct dma_buf *dmabuf,
			      struct vm_area_struct *vma)
{
	struct vprime_bo *bo = vprime_dmabuf_bo(dmabuf);
	int ret;

	ret = vprime_bo_mmap(bo, vma);
	if (ret)
		return ret;

	/* The VMA holds the dma-buf file, which holds the BO. */
	vma->vm_private_data = bo;
	vma->vm_ops = &vprime_dmabuf_vm_ops;
	atomic_inc(&bo->mmap_count);
	return 0;
}

static int vprime_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	return vprime_bo_vmap(vprime_dmabuf_bo(dmabuf), map);
}

static void vprime_dmabuf_vunmap(struct dma_buf *dmabuf,
				 struct iosys_map *map)
{
	vprime_bo_vunmap(vprime_dmabuf_bo(dmabuf), map);
}

const struct dma_buf_ops vprime_dmabuf_ops = {
	.attach = vprime_dmabuf_attach,
	.detach = vprime_dmabuf_detach,
	.pin = vprime_dmabuf_pin,
	.unpin = vprime_dmabuf_unpin,
	.map_dma_buf = vprime_dmabuf_map,
	.unmap_dma_buf = vprime_dmabuf_unmap,
	.release = vprime_dmabuf_release,
	.begin_cpu_access = vprime_dmabuf_begin_cpu_access,
	.end_cpu_access = vprime_dmabuf_end_cpu_access,
	.mmap = vprime_dmabuf_mmap,
	.vmap = vprime_dmabuf_vmap,
	.vunmap = vprime_dmabuf_vunmap,
};

struct dma_buf *vprime_bo_export(struct vprime_bo *bo, int flags)
{
	const struct vprime_bo_owner_ops *ops = bo->owner_ops;
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct vprime_export *exp;
	struct dma_buf *dmabuf;
	int ret;

	if (flags & ~(O_CLOEXEC | O_ACCMODE))
		return ERR_PTR(-EINVAL);

	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	if (!exp)
		return ERR_PTR(-ENOMEM);

	if (ops && !try_module_get(ops->module)) {
		ret = -ENOENT;
		goto err_free;
	}

	exp_info.ops = &vprime_dmabuf_ops;
	exp_info.size = bo->size;
	exp_info.flags = flags;
	exp_info.resv = &bo->resv;
	exp_info.priv = exp;

	vprime_bo_get(bo);
	exp->bo = bo;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto err_put_bo;
	}
	exp->dmabuf = dmabuf;

	dma_resv_lock(&bo->resv, NULL);
	list_add_tail(&exp->link, &bo->exports);
	dma_resv_unlock(&bo->resv);
	atomic64_inc(&vprime_stats.exports);

	return dmabuf;

err_put_bo:
	vprime_bo_put(bo);
	if (ops)
		module_put(ops->module);
err_free:
	kfree(exp);
	atomic64_inc(&vprime_stats.failed_ops);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(vprime_bo_export);
