// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime_test fences
 *
 * FENCE_ATTACH adds a core fence (vprime_fence_create_single(): a fence
 * context of its own) that userspace controls to any dma-buf's reservation
 * object; FENCE_SIGNAL signals it, with an error if asked. A fence left
 * unsignalled signals itself with -ETIMEDOUT after fence_timeout_ms (as
 * vgem's fences do), so that no wait on it is unbounded: a GPU client
 * killed with a job that waits for its own test fence would otherwise
 * never finish closing (its test file closes after its GPU file). Closing
 * the file signals what is left with -ECANCELED.
 */
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include <linux/vprime_test.h>

#include "vprime_core.h"
#include "vprime_test.h"

static unsigned int fence_timeout_ms = 10000;
module_param(fence_timeout_ms, uint, 0644);
MODULE_PARM_DESC(fence_timeout_ms,
		 "Lifetime of a FENCE_ATTACH fence in ms; it then signals with -ETIMEDOUT (default 10000, 1-60000)");

void vprime_test_fences_fini(struct vprime_test_file *tf)
{
	struct dma_fence *fence;
	unsigned long idx;

	xa_for_each(&tf->fences, idx, fence) {
		vprime_fence_signal(fence, -ECANCELED);
		dma_fence_put(fence);
	}
	xa_destroy(&tf->fences);
}

/* FENCE_ATTACH: see struct vprime_test_fence_attach. */
int vprime_test_ioctl_fence_attach(struct vprime_test_file *tf,
				   void __user *uarg)
{
	struct vprime_test_fence_attach args;
	enum dma_resv_usage usage;
	struct dma_fence *fence;
	struct dma_buf *dmabuf;
	u32 handle;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if ((args.flags & ~VPRIME_TEST_FENCE_WRITE) || args.pad)
		return -EINVAL;
	usage = args.flags & VPRIME_TEST_FENCE_WRITE ? DMA_RESV_USAGE_WRITE :
						       DMA_RESV_USAGE_READ;

	dmabuf = dma_buf_get(args.fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);

	fence = vprime_fence_create_single("vprime_test", "user", GFP_KERNEL);
	if (!fence) {
		ret = -ENOMEM;
		goto err_put_dmabuf;
	}
	/* the handle's reference (or ours, on failure) outlives the timer */
	vprime_fence_arm_timeout(fence, (u64)clamp(READ_ONCE(fence_timeout_ms),
						   1u, 60000u) * NSEC_PER_MSEC);

	/*
	 * The handle is reserved first and the fence published last, once it
	 * is in the reservation object: a failure leaves no unsignalled fence
	 * behind, and FENCE_SIGNAL of a guessed handle finds only the
	 * reservation (-ENOENT), never a reference we still use.
	 */
	ret = xa_alloc(&tf->fences, &handle, NULL, xa_limit_32b, GFP_KERNEL);
	if (ret)
		goto err_put_fence;

	ret = dma_resv_lock_interruptible(dmabuf->resv, NULL);
	if (ret)
		goto err_release;
	ret = dma_resv_reserve_fences(dmabuf->resv, 1);
	if (!ret)
		dma_resv_add_fence(dmabuf->resv, fence, usage);
	dma_resv_unlock(dmabuf->resv);
	if (ret)
		goto err_release;

	/* Our reference goes to the handle. */
	xa_store(&tf->fences, handle, fence, GFP_KERNEL);
	args.handle = handle;
	dma_buf_put(dmabuf);
	/* The fence is public now: on -EFAULT, SIGNAL or close end it. */
	if (copy_to_user(uarg, &args, sizeof(args)))
		return -EFAULT;
	return 0;

err_release:
	xa_release(&tf->fences, handle);
err_put_fence:
	dma_fence_put(fence);
err_put_dmabuf:
	dma_buf_put(dmabuf);
	return ret;
}

/* FENCE_SIGNAL: see struct vprime_test_fence_signal. */
int vprime_test_ioctl_fence_signal(struct vprime_test_file *tf,
				   void __user *uarg)
{
	struct vprime_test_fence_signal args;
	struct dma_fence *fence;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags || args.pad || args.error > MAX_ERRNO)
		return -EINVAL;

	/*
	 * Take the handle's fence, but not a reservation that an attach in
	 * progress holds (xa_erase() would free its index).
	 */
	fence = xa_load(&tf->fences, args.handle);
	if (!fence || xa_cmpxchg(&tf->fences, args.handle, fence, NULL, 0) != fence)
		return -ENOENT;
	/* only its timeout signals a fence that still has its handle */
	ret = dma_fence_is_signaled(fence) ? -ETIMEDOUT : 0;
	vprime_fence_signal(fence, -(int)args.error);
	dma_fence_put(fence);
	return ret;
}
