// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime_core buffer objects
 *
 * A BO is an array of zeroed order-0 pages (a "backing", allocated in
 * physically contiguous chunks where memory allows) in one of two
 * placements:
 *
 * - "system": ordinary system memory, reachable by every DMA-capable
 *   device (the DMA API bounces if it has to);
 * - "local": a simulated device-local pool. Its pages are allocated and
 *   accounted separately and capped by the local_mem_mb parameter. It
 *   stands for memory behind a 64-bit BAR, so only devices whose DMA mask
 *   covers 64 bits can reach it.
 *
 * Each BO embeds the dma_resv shared with its dma-bufs and its GEM wrapper,
 * and is kref-counted. vprime_bo_migrate() moves an idle BO between the
 * placements: under the resv it refuses pinned, vmapped and user-mapped
 * BOs and moves that would strand an attached device, and a BO with
 * unsignalled fences (it waits for them without the lock first and
 * retries), copies the pages, swaps the backing and calls
 * dma_buf_move_notify() on each dma-buf of the BO. The copy is
 * synchronous under the resv, so anyone holding the resv (map_dma_buf
 * included) always sees a settled BO. Mappings made before a move keep a
 * reference on the old backing until they are unmapped.
 */
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "vprime_core_priv.h"

/* Protects vprime_bo_list; leaf lock. */
DEFINE_SPINLOCK(vprime_bo_list_lock);
LIST_HEAD(vprime_bo_list);
static atomic64_t vprime_bo_next_id = ATOMIC64_INIT(0);

static const char * const vprime_placement_names[VPRIME_PLACEMENT_COUNT] = {
	[VPRIME_PLACEMENT_SYSTEM] = "system",
	[VPRIME_PLACEMENT_LOCAL] = "local",
};

const char *vprime_placement_name(u32 placement)
{
	if (placement >= VPRIME_PLACEMENT_COUNT)
		return "invalid";
	return vprime_placement_names[placement];
}

/*
 * vprime_placement_reachable - can @dev DMA to pages in @placement?
 * A device without a DMA mask reaches nothing; the local pool needs a full
 * 64-bit mask.
 */
bool vprime_placement_reachable(u32 placement, struct device *dev)
{
	if (!dev->dma_mask || !dma_get_mask(dev))
		return false;
	if (placement == VPRIME_PLACEMENT_LOCAL)
		return dma_get_mask(dev) == DMA_BIT_MASK(64);
	return true;
}

static void vprime_backing_release(struct kref *kref)
{
	struct vprime_backing *backing =
		container_of(kref, struct vprime_backing, refcount);
	unsigned long i;

	for (i = 0; i < backing->npages; i++)
		__free_page(backing->pages[i]);
	atomic64_sub((u64)backing->npages << PAGE_SHIFT,
		     &vprime_stats.bytes[backing->placement]);
	kvfree(backing);
}

void vprime_backing_put(struct vprime_backing *backing)
{
	kref_put(&backing->refcount, vprime_backing_release);
}

/*
 * Backing pages come in chunks of 1 MiB, 64 KiB or one page, the largest
 * that fits the rest of the BO and is free without reclaim (as the dma-buf
 * system heap does). A device mapping is built chunk by chunk
 * (vprime_backing_sg_table()), so mapping 64 MiB walks 64 chunks instead of
 * 16384 pages and gives the device long segments. Each chunk is split into
 * order-0 pages, so the rest of the core (page array, faults, vmap,
 * migration, freeing) handles single pages only.
 */
static const unsigned int vprime_backing_orders[] = { 8, 4, 0 };

#define VPRIME_CHUNK_GFP \
	((GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN | __GFP_NORETRY) & \
	 ~__GFP_RECLAIM)
#define VPRIME_PAGE_GFP \
	(GFP_HIGHUSER | __GFP_ZERO | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

static struct page *vprime_backing_alloc_chunk(unsigned long npages,
					       unsigned int *order)
{
	struct page *page;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vprime_backing_orders); i++) {
		unsigned int o = vprime_backing_orders[i];

		if (npages < 1UL << o)
			continue;
		page = alloc_pages(o ? VPRIME_CHUNK_GFP : VPRIME_PAGE_GFP, o);
		if (!page)
			continue;
		if (o)
			split_page(page, o);
		*order = o;
		return page;
	}
	return NULL;
}

static struct vprime_backing *vprime_backing_alloc(unsigned long npages,
						   u32 placement)
{
	u64 bytes = (u64)npages << PAGE_SHIFT;
	struct vprime_backing *backing;
	unsigned long i;

	if (atomic64_add_return(bytes, &vprime_stats.bytes[placement]) >
	    vprime_placement_cap[placement]) {
		pr_debug("vprime_core: %s placement full\n",
			 vprime_placement_name(placement));
		goto err_unaccount;
	}

	/* the chunk orders follow the page array: at most one per page */
	backing = kvzalloc(size_add(struct_size(backing, pages, npages),
				    npages), GFP_KERNEL);
	if (!backing)
		goto err_unaccount;
	backing->chunk_order = (u8 *)&backing->pages[npages];

	for (i = 0; i < npages; ) {
		unsigned int order, j;
		struct page *page;

		page = vprime_backing_alloc_chunk(npages - i, &order);
		if (!page)
			goto err_free_pages;
		backing->chunk_order[backing->nchunks++] = order;
		for (j = 0; j < 1U << order; j++)
			backing->pages[i++] = page + j;
	}
	kref_init(&backing->refcount);
	backing->placement = placement;
	backing->npages = npages;
	return backing;

err_free_pages:
	while (i--)
		__free_page(backing->pages[i]);
	kvfree(backing);
err_unaccount:
	atomic64_sub(bytes, &vprime_stats.bytes[placement]);
	return ERR_PTR(-ENOMEM);
}

/**
 * vprime_backing_sg_table - an sg table of a backing's pages
 * @backing: the backing
 * @sgt: the table to fill in (unallocated)
 * @max_seg: the longest segment the device takes, at least a page
 *
 * One entry per physically contiguous chunk, split where a chunk is longer
 * than @max_seg: O(chunks), not O(pages).
 *
 * Returns: 0, -EINVAL for @max_seg under a page, -ENOMEM.
 */
int vprime_backing_sg_table(struct vprime_backing *backing,
			    struct sg_table *sgt, unsigned int max_seg)
{
	unsigned long c, first, seg_pages = max_seg >> PAGE_SHIFT;
	struct scatterlist *sg;
	unsigned int nents = 0;
	int ret;

	if (!seg_pages)
		return -EINVAL;
	for (c = 0; c < backing->nchunks; c++)
		nents += DIV_ROUND_UP(1UL << backing->chunk_order[c], seg_pages);

	ret = sg_alloc_table(sgt, nents, GFP_KERNEL);
	if (ret)
		return ret;

	sg = sgt->sgl;
	for (c = 0, first = 0; c < backing->nchunks; c++) {
		unsigned long left = 1UL << backing->chunk_order[c];

		while (left) {
			unsigned long n = min(left, seg_pages);

			sg_set_page(sg, backing->pages[first], n << PAGE_SHIFT,
				    0);
			sg = sg_next(sg);
			first += n;
			left -= n;
		}
	}
	return 0;
}

struct vprime_bo *vprime_bo_create(size_t size, u32 placement)
{
	struct vprime_backing *backing;
	struct vprime_bo *bo;

	if (!size || !PAGE_ALIGNED(size) || size > vprime_max_alloc) {
		pr_debug("vprime_core: bad BO size %zu\n", size);
		return ERR_PTR(-EINVAL);
	}
	if (placement >= VPRIME_PLACEMENT_COUNT) {
		pr_debug("vprime_core: bad placement %u\n", placement);
		return ERR_PTR(-EINVAL);
	}

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return ERR_PTR(-ENOMEM);

	backing = vprime_backing_alloc(size >> PAGE_SHIFT, placement);
	if (IS_ERR(backing)) {
		kfree(bo);
		atomic64_inc(&vprime_stats.failed_ops);
		return ERR_CAST(backing);
	}

	dma_resv_init(&bo->resv);
	kref_init(&bo->refcount);
	mutex_init(&bo->lock);
	INIT_LIST_HEAD(&bo->attachments);
	INIT_LIST_HEAD(&bo->exports);
	atomic_set(&bo->mmap_count, 0);
	bo->size = size;
	bo->backing = backing;
	bo->placement = placement;
	bo->id = atomic64_inc_return(&vprime_bo_next_id);

	spin_lock(&vprime_bo_list_lock);
	list_add_tail(&bo->link, &vprime_bo_list);
	spin_unlock(&vprime_bo_list_lock);
	atomic64_inc(&vprime_stats.live_buffers);

	return bo;
}
EXPORT_SYMBOL_GPL(vprime_bo_create);

static void vprime_bo_release(struct kref *kref)
{
	struct vprime_bo *bo = container_of(kref, struct vprime_bo, refcount);

	spin_lock(&vprime_bo_list_lock);
	list_del(&bo->link);
	spin_unlock(&vprime_bo_list_lock);

	/* Every user of these holds a BO reference. */
	WARN_ON(bo->vmap_count || bo->pin_count);
	WARN_ON(!list_empty(&bo->attachments) || !list_empty(&bo->exports));

	vprime_backing_put(bo->backing);
	dma_resv_fini(&bo->resv);
	mutex_destroy(&bo->lock);
	kfree(bo);
	atomic64_dec(&vprime_stats.live_buffers);
}

void vprime_bo_get(struct vprime_bo *bo)
{
	kref_get(&bo->refcount);
}

void vprime_bo_put(struct vprime_bo *bo)
{
	if (bo)
		kref_put(&bo->refcount, vprime_bo_release);
}
EXPORT_SYMBOL_GPL(vprime_bo_put);

u64 vprime_bo_id(struct vprime_bo *bo)
{
	return bo->id;
}
EXPORT_SYMBOL_GPL(vprime_bo_id);

/*
 * The placement may change under a concurrent migration; the value is a
 * snapshot unless the caller holds the resv.
 */
u32 vprime_bo_placement(struct vprime_bo *bo)
{
	return READ_ONCE(bo->placement);
}
EXPORT_SYMBOL_GPL(vprime_bo_placement);

struct dma_resv *vprime_bo_resv(struct vprime_bo *bo)
{
	return &bo->resv;
}
EXPORT_SYMBOL_GPL(vprime_bo_resv);

void vprime_bo_set_owner(struct vprime_bo *bo,
			 const struct vprime_bo_owner_ops *ops, void *owner)
{
	bo->owner_ops = ops;
	bo->owner = owner;
}
EXPORT_SYMBOL_GPL(vprime_bo_set_owner);

struct vprime_bo *vprime_dmabuf_to_bo(struct dma_buf *dmabuf)
{
	struct vprime_export *exp;

	if (!dmabuf || dmabuf->ops != &vprime_dmabuf_ops)
		return NULL;
	exp = dmabuf->priv;
	return exp->bo;
}
EXPORT_SYMBOL_GPL(vprime_dmabuf_to_bo);

void *vprime_bo_owner(struct dma_buf *dmabuf,
		      const struct vprime_bo_owner_ops *ops)
{
	struct vprime_bo *bo = vprime_dmabuf_to_bo(dmabuf);

	if (!bo || !ops || bo->owner_ops != ops)
		return NULL;
	return bo->owner;
}
EXPORT_SYMBOL_GPL(vprime_bo_owner);

/* vprime_bo_lookup - a new reference to the live BO with @id, or NULL. */
struct vprime_bo *vprime_bo_lookup(u64 id)
{
	struct vprime_bo *bo, *found = NULL;

	spin_lock(&vprime_bo_list_lock);
	list_for_each_entry(bo, &vprime_bo_list, link) {
		if (bo->id == id && kref_get_unless_zero(&bo->refcount)) {
			found = bo;
			break;
		}
	}
	spin_unlock(&vprime_bo_list_lock);
	return found;
}

int vprime_bo_vmap(struct vprime_bo *bo, struct iosys_map *map)
{
	struct vprime_backing *backing;
	int ret = 0;

	mutex_lock(&bo->lock);
	if (!bo->vmap_count) {
		backing = bo->backing;
		bo->vaddr = vmap(backing->pages, backing->npages, VM_MAP,
				 PAGE_KERNEL);
		if (!bo->vaddr) {
			atomic64_inc(&vprime_stats.failed_ops);
			ret = -ENOMEM;
			goto out_unlock;
		}
	}
	bo->vmap_count++;
	iosys_map_set_vaddr(map, bo->vaddr);
out_unlock:
	mutex_unlock(&bo->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vprime_bo_vmap);

void vprime_bo_vunmap(struct vprime_bo *bo, struct iosys_map *map)
{
	mutex_lock(&bo->lock);
	if (WARN_ON(!bo->vmap_count || map->vaddr != bo->vaddr))
		goto out_unlock;
	if (!--bo->vmap_count) {
		vunmap(bo->vaddr);
		bo->vaddr = NULL;
	}
	iosys_map_clear(map);
out_unlock:
	mutex_unlock(&bo->lock);
}
EXPORT_SYMBOL_GPL(vprime_bo_vunmap);

/*
 * Pages a CPU fault maps: the faulting one and the next ones up to this
 * count (as the page cache's fault-around does), so that touching a whole
 * buffer takes one fault per 64 KiB.
 */
#define VPRIME_FAULT_AROUND	16

/*
 * vprime_bo_mmap - set up a shared @vma over the BO. Nothing is mapped
 * here: vprime_bo_fault() inserts the pages of the current backing on first
 * touch, so mmap costs the same for 4 KiB and 256 MiB, and a buffer that
 * was never touched can still migrate. Mappings are cached; a migration
 * refuses a BO while any of its pages is mapped to userspace. The caller
 * keeps the BO alive for the VMA's lifetime (the dma-buf file or the GEM
 * object).
 */
int vprime_bo_mmap(struct vprime_bo *bo, struct vm_area_struct *vma)
{
	unsigned long npages = vma_pages(vma);

	/* VM_MAYSHARE: a shared mapping of a read-only fd lacks VM_SHARED. */
	if (!(vma->vm_flags & VM_MAYSHARE)) {
		pr_debug("vprime_core: private mappings are not supported\n");
		return -EINVAL;
	}
	if (vma->vm_pgoff >= bo->size >> PAGE_SHIFT ||
	    npages > (bo->size >> PAGE_SHIFT) - vma->vm_pgoff) {
		pr_debug("vprime_core: mmap beyond the BO\n");
		return -EINVAL;
	}

	/* VM_MIXEDMAP: vm_insert_page() from the fault handler. */
	vma->vm_flags |= VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP;
	return 0;
}
EXPORT_SYMBOL_GPL(vprime_bo_mmap);

/**
 * vprime_bo_fault - the .fault of a VMA set up by vprime_bo_mmap()
 * @bo: the BO
 * @vmf: the fault; vmf->pgoff counts pages from the start of @bo
 *
 * Maps the faulting page and up to VPRIME_FAULT_AROUND - 1 following pages
 * of the VMA that are not mapped yet.
 *
 * Returns: VM_FAULT_NOPAGE, VM_FAULT_SIGBUS beyond the BO, VM_FAULT_OOM.
 */
vm_fault_t vprime_bo_fault(struct vprime_bo *bo, struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long npages = bo->size >> PAGE_SHIFT;
	unsigned long addr = vmf->address + PAGE_SIZE;
	pgoff_t pgoff = vmf->pgoff + 1;
	unsigned int i;
	vm_fault_t ret;

	if (vmf->pgoff >= npages)
		return VM_FAULT_SIGBUS;

	/* Under @lock, so that a migration sees the pages mapped. */
	mutex_lock(&bo->lock);
	ret = vmf_insert_page(vma, vmf->address, bo->backing->pages[vmf->pgoff]);
	for (i = 1; ret == VM_FAULT_NOPAGE && i < VPRIME_FAULT_AROUND &&
	     addr < vma->vm_end && pgoff < npages;
	     i++, addr += PAGE_SIZE, pgoff++) {
		/* -EBUSY: mapped already; stop at the first such page. */
		if (vm_insert_page(vma, addr, bo->backing->pages[pgoff]))
			break;
	}
	mutex_unlock(&bo->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vprime_bo_fault);

/* True when a page of the BO is mapped to userspace. Caller holds @lock. */
bool vprime_bo_user_mapped(struct vprime_bo *bo)
{
	struct vprime_backing *backing = bo->backing;
	unsigned long i;

	lockdep_assert_held(&bo->lock);
	for (i = 0; i < backing->npages; i++)
		if (page_mapped(backing->pages[i]))
			return true;
	return false;
}

static bool vprime_bo_attachments_reach(struct vprime_bo *bo, u32 placement)
{
	struct vprime_attachment *va;

	list_for_each_entry(va, &bo->attachments, link)
		if (!vprime_placement_reachable(placement, va->attach->dev))
			return false;
	return true;
}

/*
 * vprime_bo_migrate_locked - move an idle BO; the caller holds the resv.
 * Fences are never waited for under the resv (their signaller may need
 * it, poll() does): a BO with unsignalled fences is -EAGAIN, and the
 * caller waits without the lock and retries, as vprime_bo_migrate() does.
 */
int vprime_bo_migrate_locked(struct vprime_bo *bo, u32 placement)
{
	struct vprime_backing *old, *new;
	struct vprime_export *exp;
	unsigned long i;
	int ret;

	dma_resv_assert_held(&bo->resv);

	if (placement >= VPRIME_PLACEMENT_COUNT)
		return -EINVAL;
	if (bo->backing->placement == placement)
		return 0;
	if (bo->pin_count) {
		pr_debug("vprime_core: BO %llu is pinned\n", bo->id);
		ret = -EBUSY;
		goto err_count;
	}
	if (!vprime_bo_attachments_reach(bo, placement)) {
		pr_debug("vprime_core: BO %llu: an attached device can't reach %s\n",
			 bo->id, vprime_placement_name(placement));
		ret = -EBUSY;
		goto err_count;
	}

	if (!dma_resv_test_signaled(&bo->resv, DMA_RESV_USAGE_BOOKKEEP))
		return -EAGAIN;

	mutex_lock(&bo->lock);
	if (bo->vmap_count || vprime_bo_user_mapped(bo)) {
		pr_debug("vprime_core: BO %llu is mapped by the CPU\n", bo->id);
		ret = -EBUSY;
		goto err_unlock;
	}

	old = bo->backing;
	new = vprime_backing_alloc(old->npages, placement);
	if (IS_ERR(new)) {
		ret = PTR_ERR(new);
		goto err_unlock;
	}
	for (i = 0; i < old->npages; i++)
		copy_highpage(new->pages[i], old->pages[i]);
	bo->backing = new;
	WRITE_ONCE(bo->placement, placement);
	mutex_unlock(&bo->lock);

	list_for_each_entry(exp, &bo->exports, link)
		dma_buf_move_notify(exp->dmabuf);

	vprime_backing_put(old);
	atomic64_inc(&vprime_stats.migrations);
	return 0;

err_unlock:
	mutex_unlock(&bo->lock);
err_count:
	atomic64_inc(&vprime_stats.failed_ops);
	return ret;
}

int vprime_bo_migrate(struct vprime_bo *bo, u32 placement, bool intr)
{
	long lret;
	int ret;

	if (placement >= VPRIME_PLACEMENT_COUNT)
		return -EINVAL;

	/*
	 * A pinned BO (a scanout buffer, say) can't move: refuse at once
	 * rather than after waiting for its fences. A snapshot; the check
	 * under the resv below is the one that counts.
	 */
	if (READ_ONCE(bo->pin_count) && READ_ONCE(bo->placement) != placement) {
		pr_debug("vprime_core: BO %llu is pinned\n", bo->id);
		atomic64_inc(&vprime_stats.failed_ops);
		return -EBUSY;
	}

	do {
		/* Wait for every fence without the lock, then re-check. */
		lret = dma_resv_wait_timeout(&bo->resv, DMA_RESV_USAGE_BOOKKEEP,
					     intr, MAX_SCHEDULE_TIMEOUT);
		if (lret < 0) {
			atomic64_inc(&vprime_stats.failed_ops);
			return lret;
		}

		if (intr) {
			ret = dma_resv_lock_interruptible(&bo->resv, NULL);
			if (ret)
				return ret;
		} else {
			dma_resv_lock(&bo->resv, NULL);
		}
		ret = vprime_bo_migrate_locked(bo, placement);
		dma_resv_unlock(&bo->resv);
	} while (ret == -EAGAIN);

	return ret;
}
