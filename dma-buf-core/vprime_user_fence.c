// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime_core userspace-controlled fences
 *
 * The one mechanism behind every fence that userspace signals: the GPU's
 * DRM_IOCTL_VPRIME_FENCE_ATTACH / FENCE_SIGNAL (vprime.ko, on its own BOs)
 * and /dev/vprime_test's FENCE_ATTACH / FENCE_SIGNAL (vprime_test.ko, on
 * any dma-buf) are thin uapi wrappers over it. A struct vprime_user_fences
 * is the table of one open file. The policy, the same for both:
 *
 * - **Attach** adds a new core fence (a fence context of its own, so that
 *   userspace may signal fences in any order) to a reservation object, as
 *   a writer (DMA_RESV_USAGE_WRITE) or a reader (DMA_RESV_USAGE_READ), and
 *   returns a handle, unique in the table, never 0.
 * - **Conflicts** are refused with -EBUSY, as vgem does: a writer may only
 *   be attached while the object has no unsignalled fence, a reader while
 *   it has no unsignalled writer. So a userspace fence never stands behind
 *   another fence: signalling it is always in its owner's hands, and no
 *   chain of userspace fences can form.
 * - **Signal** sets the error the caller gives (0, or a negative errno)
 *   and signals the fence; the handle is forgotten. -ENOENT for a handle
 *   the table does not hold (unknown, already signalled or still being
 *   attached); -ETIMEDOUT when the fence had signalled by itself at its
 *   timeout (the handle is forgotten too).
 * - **Timeout**: every fence signals itself with -ETIMEDOUT at most
 *   VPRIME_USER_FENCE_MAX_TIMEOUT_NS (10 s, as vgem's) after the attach,
 *   or earlier if the caller asks, so no wait on it is unbounded: a client
 *   killed with a job that waits for its own fence would otherwise never
 *   finish closing.
 * - **Close**: vprime_user_fences_fini() signals the fences left with
 *   -ECANCELED: their owner never said that the access they stand for
 *   ended, and a waiter that looks at the fence status learns that.
 * - The fences are core fences: they honour the fence_delay_ms fault
 *   injection and are counted in debugfs's live_fences.
 *
 * Who may attach to what is the wrapper's decision (the GPU: a client's
 * own BOs, any client; the test module: any dma-buf, CAP_SYS_ADMIN only).
 *
 * Locking: the table is the xarray's own lock only. A handle is reserved
 * first (an empty entry) and the fence stored in it last, once it is in
 * the reservation object: a failed attach leaves nothing behind, and a
 * signal of a guessed handle meanwhile finds no fence (-ENOENT), never a
 * reference the attach still uses. Signal takes no other lock, so it never
 * waits behind a holder of the resv, which may itself wait for the fence.
 */
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/xarray.h>

#include "vprime_core_priv.h"

void vprime_user_fences_init(struct vprime_user_fences *uf,
			     const char *driver_name)
{
	xa_init_flags(&uf->fences, XA_FLAGS_ALLOC1);
	uf->driver_name = driver_name;
}
EXPORT_SYMBOL_GPL(vprime_user_fences_init);

void vprime_user_fences_fini(struct vprime_user_fences *uf)
{
	struct dma_fence *fence;
	unsigned long handle;

	xa_for_each(&uf->fences, handle, fence) {
		vprime_fence_signal(fence, -ECANCELED);
		dma_fence_put(fence);
	}
	xa_destroy(&uf->fences);
}
EXPORT_SYMBOL_GPL(vprime_user_fences_fini);

int vprime_user_fence_attach(struct vprime_user_fences *uf,
			     struct dma_resv *resv, bool write, u64 timeout_ns,
			     u32 *handle)
{
	struct dma_fence *fence;
	u32 id;
	int ret;

	fence = vprime_fence_create_single(uf->driver_name, "user", GFP_KERNEL);
	if (!fence)
		return -ENOMEM;
	/* the table's reference (or ours, on failure) outlives the timer */
	vprime_fence_arm_timeout(fence, min_t(u64, timeout_ns,
					      VPRIME_USER_FENCE_MAX_TIMEOUT_NS));

	ret = xa_alloc(&uf->fences, &id, NULL, xa_limit_32b, GFP_KERNEL);
	if (ret)
		goto err_put;

	ret = dma_resv_lock_interruptible(resv, NULL);
	if (ret)
		goto err_release;
	/* a writer conflicts with every fence, a reader with writers */
	if (!dma_resv_test_signaled(resv, dma_resv_usage_rw(write))) {
		pr_debug("vprime_user_fence: conflicting fence, -EBUSY\n");
		ret = -EBUSY;
		goto err_unlock;
	}
	ret = dma_resv_reserve_fences(resv, 1);
	if (ret)
		goto err_unlock;
	dma_resv_add_fence(resv, fence, write ? DMA_RESV_USAGE_WRITE :
				       DMA_RESV_USAGE_READ);
	dma_resv_unlock(resv);

	/* Our reference goes to the table; the fence is public from here. */
	xa_store(&uf->fences, id, fence, GFP_KERNEL);
	*handle = id;
	return 0;

err_unlock:
	dma_resv_unlock(resv);
err_release:
	xa_release(&uf->fences, id);
err_put:
	dma_fence_put(fence);
	return ret;
}
EXPORT_SYMBOL_GPL(vprime_user_fence_attach);

int vprime_user_fence_signal(struct vprime_user_fences *uf, u32 handle,
			     int error)
{
	struct dma_fence *fence;
	int ret;

	/*
	 * Take the handle's fence, but not a reservation that an attach in
	 * progress holds (xa_erase() would free its index).
	 */
	fence = xa_load(&uf->fences, handle);
	if (!fence || xa_cmpxchg(&uf->fences, handle, fence, NULL, 0) != fence)
		return -ENOENT;
	/* only its timeout signals a fence that is still in the table */
	ret = dma_fence_is_signaled(fence) ? -ETIMEDOUT : 0;
	vprime_fence_signal(fence, error);
	dma_fence_put(fence);
	return ret;
}
EXPORT_SYMBOL_GPL(vprime_user_fence_signal);
