/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vprime_core - the in-kernel interface of vprime_core.ko
 *
 * The core owns page-backed buffer objects (BOs) with a dynamic dma-buf
 * exporter, importer helpers for any dma-buf, and fence timelines. It
 * exports only what its two users call:
 *
 * - vprime.ko (drm-driver/): everything declared here that is not marked
 *   otherwise, through EXPORT_SYMBOL_GPL;
 * - the test module vprime_test.ko (dma-buf-core/test/): the importer
 *   helpers vprime_import_attach() and vprime_import_detach() and the
 *   userspace-controlled fences (vprime_user_fence_*()), which vprime.ko
 *   uses too, and the symbols marked "test module only" below, which are
 *   exported in the VPRIME_TEST symbol namespace (EXPORT_SYMBOL_NS_GPL): a
 *   module that uses them must say MODULE_IMPORT_NS(VPRIME_TEST), so
 *   modpost flags any production use.
 */
#ifndef _VPRIME_CORE_H_
#define _VPRIME_CORE_H_

#include <linux/dma-buf.h>
#include <linux/dma-direction.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/iosys-map.h>
#include <linux/spinlock.h>
#include <linux/mm_types.h>
#include <linux/time64.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct device;
struct module;
struct vm_area_struct;
struct vm_fault;

/* Placements; the values are the uapi's VPRIME_HEAP_PLACEMENT_*. */
#define VPRIME_PLACEMENT_SYSTEM	0
#define VPRIME_PLACEMENT_LOCAL	1
#define VPRIME_PLACEMENT_COUNT	2

struct vprime_bo;

/**
 * struct vprime_bo_owner_ops - hooks of a driver object that wraps a core BO
 * @dmabuf_release: called from the dma-buf's release op, after the core
 *	dropped its export state (the dma-buf's BO reference is dropped
 *	right after, so @bo is valid during the call), when a dma-buf
 *	exported through vprime_bo_export() with this owner goes away. A GEM
 *	wrapper drops the GEM reference it took for the dma-buf here.
 * @module: the module implementing @dmabuf_release (THIS_MODULE); each
 *	dma-buf exported from a BO with these ops holds a reference on it, so
 *	the owner's module can't go away while its dma-bufs live. May be NULL
 *	for built-in code.
 */
struct vprime_bo_owner_ops {
	void (*dmabuf_release)(struct vprime_bo *bo, void *owner);
	struct module *module;
};

/* Buffer objects (dma-buf-core/vprime_bo.c) */

/*
 * vprime_bo_create - allocate a zeroed BO of @size bytes (page multiple) in
 * @placement. Returns the BO with one reference, or ERR_PTR(-EINVAL) for a
 * bad size or placement, ERR_PTR(-ENOMEM) when the placement is full.
 */
struct vprime_bo *vprime_bo_create(size_t size, u32 placement);
void vprime_bo_put(struct vprime_bo *bo);
u64 vprime_bo_id(struct vprime_bo *bo);
u32 vprime_bo_placement(struct vprime_bo *bo);
/* The BO's reservation object; shared with its dma-buf and GEM wrapper. */
struct dma_resv *vprime_bo_resv(struct vprime_bo *bo);

/*
 * vprime_bo_set_owner - record the driver object wrapping @bo. Must be called
 * before the first export. vprime_bo_owner() returns @owner for a dma-buf
 * exported from such a BO when @ops matches, NULL otherwise (a foreign
 * dma-buf or another owner), which is how a driver recognises its own
 * buffers on import.
 */
void vprime_bo_set_owner(struct vprime_bo *bo,
			 const struct vprime_bo_owner_ops *ops, void *owner);
void *vprime_bo_owner(struct dma_buf *dmabuf,
		      const struct vprime_bo_owner_ops *ops);
/* The core BO behind @dmabuf, or NULL when @dmabuf is not a core dma-buf. */
struct vprime_bo *vprime_dmabuf_to_bo(struct dma_buf *dmabuf);

/*
 * vprime_bo_export - export @bo as a new dma-buf (the core's dynamic
 * exporter). @flags are the fd flags (O_CLOEXEC, O_ACCMODE). The dma-buf
 * holds a BO reference (and one on the owner's module, see
 * struct vprime_bo_owner_ops). Call without the BO's resv held. Returns the
 * dma-buf or an ERR_PTR.
 */
struct dma_buf *vprime_bo_export(struct vprime_bo *bo, int flags);

/*
 * Kernel CPU mappings, refcounted; a vmapped BO cannot migrate. May be
 * called with or without the BO's resv held.
 */
int vprime_bo_vmap(struct vprime_bo *bo, struct iosys_map *map);
void vprime_bo_vunmap(struct vprime_bo *bo, struct iosys_map *map);
/*
 * Set up @vma (vm_pgoff relative to the BO start) for the BO's pages, which
 * vprime_bo_fault(), the VMA's .fault, maps on first touch.
 */
int vprime_bo_mmap(struct vprime_bo *bo, struct vm_area_struct *vma);
vm_fault_t vprime_bo_fault(struct vprime_bo *bo, struct vm_fault *vmf);

/* Importer helpers (dma-buf-core/vprime_import.c) */

struct vprime_import;

/**
 * struct vprime_import - an importer's view of a foreign or core dma-buf
 * @dmabuf: the imported dma-buf, a reference is held
 * @attach: the attachment to the importing device
 * @sgt: the current mapping, NULL until mapped or after a move;
 *	protected by @dmabuf->resv
 * @dir: direction of @sgt
 * @dynamic: true when attached with dma_buf_dynamic_attach()
 * @invalidate: optional callback, called with the resv held from
 *	move_notify after @sgt was dropped
 * @priv: the owner's private pointer for @invalidate
 */
struct vprime_import {
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	enum dma_data_direction dir;
	bool dynamic;
	void (*invalidate)(struct vprime_import *imp);
	void *priv;
};

/*
 * vprime_import_attach - attach @dev to @dmabuf: dynamically when the
 * exporter is dynamic, statically otherwise. Takes a dma-buf reference.
 */
int vprime_import_attach(struct vprime_import *imp, struct dma_buf *dmabuf,
			 struct device *dev);
void vprime_import_detach(struct vprime_import *imp);
/*
 * vprime_import_map_locked - return the mapping for @dir, creating it
 * lazily (again after a move). The caller holds @imp->dmabuf->resv.
 */
struct sg_table *vprime_import_map_locked(struct vprime_import *imp,
					  enum dma_data_direction dir);
void vprime_import_unmap_locked(struct vprime_import *imp);
/* Take the resv lock around map/unmap. Test module only (VPRIME_TEST). */
struct sg_table *vprime_import_map(struct vprime_import *imp,
				   enum dma_data_direction dir);
void vprime_import_unmap(struct vprime_import *imp);
int vprime_import_vmap(struct vprime_import *imp, struct iosys_map *map);
void vprime_import_vunmap(struct vprime_import *imp, struct iosys_map *map);

/* Fence timelines (dma-buf-core/vprime_fence.c) */

/**
 * struct vprime_timeline - an in-order fence timeline
 * @lock: the fences' lock; protects @seqno
 * @context: the dma_fence context
 * @seqno: the last seqno handed out
 * @driver_name: returned by get_driver_name
 * @name: returned by get_timeline_name
 */
struct vprime_timeline {
	spinlock_t lock; /* the fences' lock, protects @seqno */
	u64 context;
	u64 seqno;
	const char *driver_name;
	char name[32];
};

void vprime_timeline_init(struct vprime_timeline *tl, const char *driver_name,
			  const char *name);
/* A new unsignalled fence with the timeline's next seqno, or NULL. */
struct dma_fence *vprime_fence_create(struct vprime_timeline *tl, gfp_t gfp);
/*
 * vprime_fence_signal - set @error (when non-zero) and signal @fence. Safe
 * from any context, including hardirq; honours the core's fence-delay fault
 * injection by deferring the signal.
 */
void vprime_fence_signal(struct dma_fence *fence, int error);

/* Userspace-controlled fences (dma-buf-core/vprime_user_fence.c) */

/* The longest a userspace-controlled fence lives: then it signals itself. */
#define VPRIME_USER_FENCE_MAX_TIMEOUT_NS	(10ull * NSEC_PER_SEC)

/**
 * struct vprime_user_fences - the userspace-controlled fences of one file
 * @fences: handle -> struct dma_fence (a reference held), the fences not
 *	yet signalled through vprime_user_fence_signal(); its own lock only
 * @driver_name: the fences' driver name (a string that outlives them)
 *
 * The policy (conflicts, timeout, close) is the DOC comment of
 * vprime_user_fence.c.
 */
struct vprime_user_fences {
	struct xarray fences;
	const char *driver_name;
};

void vprime_user_fences_init(struct vprime_user_fences *uf,
			     const char *driver_name);
/* Signal every fence left with -ECANCELED and empty the table. */
void vprime_user_fences_fini(struct vprime_user_fences *uf);
/*
 * vprime_user_fence_attach - add a new fence to @resv, as a writer when
 * @write, that signals itself with -ETIMEDOUT after @timeout_ns (at most
 * VPRIME_USER_FENCE_MAX_TIMEOUT_NS). Call without @resv held. Returns 0
 * and the fence's handle in @handle, -EBUSY when @resv holds a conflicting
 * unsignalled fence (any fence for a writer, a writer for a reader),
 * -ENOMEM, or -EINTR/-ERESTARTSYS.
 */
int vprime_user_fence_attach(struct vprime_user_fences *uf,
			     struct dma_resv *resv, bool write, u64 timeout_ns,
			     u32 *handle);
/*
 * vprime_user_fence_signal - signal the fence @handle with @error (0 or a
 * negative errno) and forget the handle. Returns 0, -ENOENT for a handle
 * not in @uf, -ETIMEDOUT when the fence had timed out (forgotten too).
 * It never sleeps.
 */
int vprime_user_fence_signal(struct vprime_user_fences *uf, u32 handle,
			     int error);

#endif /* _VPRIME_CORE_H_ */
