/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vprime_core private structures, shared between the core's files only.
 *
 * Lock order (outermost first):
 *   dma_buf.lock (framework, vmap only) -> vprime_bo.resv
 *   -> vprime_bo.lock -> vprime_bo_list_lock (spinlock)
 * mmap_lock -> vprime_bo.lock (mmap). Nothing is ever taken under the
 * spinlocks except the fence timeline locks, which are leaf locks.
 */
#ifndef _VPRIME_CORE_PRIV_H_
#define _VPRIME_CORE_PRIV_H_

#include <linux/atomic.h>
#include <linux/dma-buf.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

#include "vprime_core.h"

#define VPRIME_CORE_DRIVER_NAME	"vprime_core"

/* Module parameters (vprime_core_main.c), in bytes after init. */
extern u64 vprime_placement_cap[VPRIME_PLACEMENT_COUNT];
extern u64 vprime_max_alloc;

/**
 * struct vprime_backing - the pages behind a BO in one placement
 * @refcount: held by the BO while this is its current backing and by each
 *	live device mapping (struct vprime_sgt) made from it, so a mapping
 *	stays valid after a migration until its importer unmaps it
 * @placement: VPRIME_PLACEMENT_*; the pages are accounted to it
 * @npages: number of pages
 * @nchunks: number of physically contiguous chunks the pages came in
 * @chunk_order: the order of each chunk, in page order (stored after @pages)
 * @pages: the pages, zeroed, each a separate order-0 page
 */
struct vprime_backing {
	struct kref refcount;
	u32 placement;
	unsigned long npages;
	unsigned long nchunks;
	u8 *chunk_order;
	struct page *pages[];
};

/**
 * struct vprime_bo - a page-backed buffer object
 * @resv: the reservation object, shared with every dma-buf exported from
 *	this BO and with the driver's GEM wrapper. It protects @backing
 *	(writes also need @lock), @pin_count, @attachments and @exports.
 * @refcount: BO lifetime
 * @id: unique id, shown in debugfs and used by force_migrate
 * @size: size in bytes, a page multiple
 * @backing: current pages; protected by @resv and @lock (either is
 *	enough to read it, both are needed to replace it)
 * @placement: @backing's placement, readable locklessly as a snapshot;
 *	written with @backing
 * @pin_count: pins from dma_buf_ops.pin; protected by @resv
 * @attachments: struct vprime_attachment list; protected by @resv
 * @exports: struct vprime_export list; protected by @resv
 * @lock: protects @vmap_count, @vaddr and the page tables of user
 *	mappings (mmap inserts pages under it); nests inside @resv
 * @vmap_count: kernel mapping users; protected by @lock
 * @vaddr: the kernel mapping while @vmap_count > 0; protected by @lock
 * @mmap_count: live VMAs created through the dma-buf fd
 * @owner_ops: hooks of the driver object wrapping this BO, set before
 *	the first export and constant afterwards
 * @owner: the driver object wrapping this BO
 * @link: entry in the global BO list; protected by vprime_bo_list_lock
 */
struct vprime_bo {
	struct dma_resv resv;
	struct kref refcount;
	u64 id;
	size_t size;
	struct vprime_backing *backing;
	u32 placement;
	unsigned int pin_count;
	struct list_head attachments;
	struct list_head exports;
	struct mutex lock; /* vmap state, user page tables */
	unsigned int vmap_count;
	void *vaddr;
	atomic_t mmap_count;
	const struct vprime_bo_owner_ops *owner_ops;
	void *owner;
	struct list_head link;
};

/**
 * struct vprime_export - the exporter state of one dma-buf of a BO
 * @bo: the BO, a reference is held
 * @dmabuf: the dma-buf
 * @link: entry in @bo->exports; protected by the BO's resv
 */
struct vprime_export {
	struct vprime_bo *bo;
	struct dma_buf *dmabuf;
	struct list_head link;
};

/**
 * struct vprime_attachment - the exporter state of one attachment
 * @attach: the framework's attachment
 * @link: entry in the BO's @attachments; protected by the BO's resv
 * @mappings: live struct vprime_sgt of this attachment; protected by the
 *	BO's resv
 * @pin_count: pins of this attachment; protected by the BO's resv
 */
struct vprime_attachment {
	struct dma_buf_attachment *attach;
	struct list_head link;
	struct list_head mappings;
	unsigned int pin_count;
};

/**
 * struct vprime_sgt - one device mapping returned by map_dma_buf
 * @base: the table handed to the importer
 * @backing: the pages mapped, a reference is held
 * @dir: the mapping's direction
 * @link: entry in the attachment's @mappings; protected by the BO's resv
 */
struct vprime_sgt {
	struct sg_table base;
	struct vprime_backing *backing;
	enum dma_data_direction dir;
	struct list_head link;
};

/**
 * struct vprime_core_stats - global counters shown in debugfs
 * @live_buffers: BOs alive
 * @bytes: bytes allocated per placement (also the cap accounting)
 * @attachments: attachments alive on core dma-bufs
 * @mappings: device mappings alive
 * @exports: dma-bufs alive
 * @failed_ops: operations that failed (injected or real)
 * @migrations: successful migrations
 * @pending_fences: fences whose signal is deferred by fence_delay_ms
 * @live_fences: core fences not yet released (GPU job fences, heap fences)
 */
struct vprime_core_stats {
	atomic64_t live_buffers;
	atomic64_t bytes[VPRIME_PLACEMENT_COUNT];
	atomic64_t attachments;
	atomic64_t mappings;
	atomic64_t exports;
	atomic64_t failed_ops;
	atomic64_t migrations;
	atomic_t pending_fences;
	atomic64_t live_fences;
};

extern struct vprime_core_stats vprime_stats;

/**
 * struct vprime_core_faults - debugfs fault injection knobs
 * @fail_next_attach: non-zero fails the next attach with -EBUSY
 * @fail_next_map: non-zero fails the next map_dma_buf with -ENOMEM
 * @fail_next_begin_cpu_access: non-zero fails the next begin_cpu_access
 *	with -EINTR
 * @fence_delay_ms: defer every vprime_fence_signal() by this many ms
 */
struct vprime_core_faults {
	atomic_t fail_next_attach;
	atomic_t fail_next_map;
	atomic_t fail_next_begin_cpu_access;
	atomic_t fence_delay_ms;
};

extern struct vprime_core_faults vprime_faults;

/* Consume a one-shot fault: true once after the knob was set. */
static inline bool vprime_fault_fire(atomic_t *knob)
{
	return atomic_xchg(knob, 0) != 0;
}

/* vprime_bo.c */
/*
 * vprime_bo_migrate - move an unpinned, unmapped BO to @placement. Waits
 * for all fences in the BO's dma_resv, copies the pages and calls
 * dma_buf_move_notify() for every exported dma-buf. Returns -EBUSY for a
 * pinned, vmapped or user-mapped BO, or when an attached device can't
 * reach @placement, -ENOMEM when the target placement is full,
 * -EINTR/-ERESTARTSYS when interrupted. A pinned BO is refused before any
 * wait, so a request for a scanout buffer never blocks. Call without the
 * resv held: the fences are waited for without it.
 */
int vprime_bo_migrate(struct vprime_bo *bo, u32 placement, bool intr);

void vprime_bo_get(struct vprime_bo *bo);
extern spinlock_t vprime_bo_list_lock;
extern struct list_head vprime_bo_list;
const char *vprime_placement_name(u32 placement);
bool vprime_placement_reachable(u32 placement, struct device *dev);
int vprime_bo_migrate_locked(struct vprime_bo *bo, u32 placement);
bool vprime_bo_user_mapped(struct vprime_bo *bo);
void vprime_backing_put(struct vprime_backing *backing);
int vprime_backing_sg_table(struct vprime_backing *backing,
			    struct sg_table *sgt, unsigned int max_seg);
struct vprime_bo *vprime_bo_lookup(u64 id);

/* vprime_exporter.c */
extern const struct dma_buf_ops vprime_dmabuf_ops;

/* vprime_fence.c */
/*
 * A new unsignalled core fence on a fence context of its own, with its own
 * lock (no timeline to keep alive), or NULL. For fences signalled one by
 * one in any order, e.g. userspace-controlled fences.
 */
struct dma_fence *vprime_fence_create_single(const char *driver_name,
					     const char *name, gfp_t gfp);
/*
 * vprime_fence_arm_timeout - signal a fence of vprime_fence_create_single()
 * with -ETIMEDOUT @timeout_ns from now unless it is signalled before. Call
 * it once, before the fence is published. The caller must hold a reference
 * until it has signalled the fence itself or the timeout has fired, so the
 * timer never drops the last one.
 */
void vprime_fence_arm_timeout(struct dma_fence *fence, u64 timeout_ns);
int vprime_fence_init(void);
void vprime_fence_fini(void);

/* vprime_heap.c */
int vprime_heap_init(void);
void vprime_heap_fini(void);

/* vprime_debugfs.c */
void vprime_debugfs_init(void);
void vprime_debugfs_fini(void);

#endif /* _VPRIME_CORE_PRIV_H_ */
