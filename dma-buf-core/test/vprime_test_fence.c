// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime_test fences
 *
 * FENCE_ATTACH and FENCE_SIGNAL of /dev/vprime_test are thin uapi wrappers
 * over the core's userspace-controlled fences (vprime_user_fence_attach(),
 * vprime_user_fence_signal(); the policy is the DOC comment of
 * dma-buf-core/vprime_user_fence.c): they take any dma-buf instead of a
 * BO of the caller's own, hence CAP_SYS_ADMIN (checked by the ioctl
 * dispatcher), and their uapi has no timeout field: a fence signals itself
 * after the fence_timeout_ms parameter. Closing the file signals the
 * fences left with -ECANCELED.
 */
#include <linux/dma-buf.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include <linux/vprime_test.h>

#include "vprime_core.h"
#include "vprime_test.h"

static unsigned int fence_timeout_ms = 10000;
module_param(fence_timeout_ms, uint, 0644);
MODULE_PARM_DESC(fence_timeout_ms,
		 "Lifetime of a FENCE_ATTACH fence in ms; it then signals with -ETIMEDOUT (default 10000, 1-10000)");

/* FENCE_ATTACH: see struct vprime_test_fence_attach. */
int vprime_test_ioctl_fence_attach(struct vprime_test_file *tf,
				   void __user *uarg)
{
	struct vprime_test_fence_attach args;
	struct dma_buf *dmabuf;
	u64 timeout_ns;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if ((args.flags & ~VPRIME_TEST_FENCE_WRITE) || args.pad)
		return -EINVAL;

	dmabuf = dma_buf_get(args.fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	timeout_ns = (u64)clamp(READ_ONCE(fence_timeout_ms), 1u, 10000u) *
		     NSEC_PER_MSEC;
	ret = vprime_user_fence_attach(&tf->fences, dmabuf->resv,
				       args.flags & VPRIME_TEST_FENCE_WRITE,
				       timeout_ns, &args.handle);
	dma_buf_put(dmabuf);
	if (ret)
		return ret;
	/* The fence is public now: on -EFAULT, SIGNAL or close end it. */
	if (copy_to_user(uarg, &args, sizeof(args)))
		return -EFAULT;
	return 0;
}

/* FENCE_SIGNAL: see struct vprime_test_fence_signal. */
int vprime_test_ioctl_fence_signal(struct vprime_test_file *tf,
				   void __user *uarg)
{
	struct vprime_test_fence_signal args;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags || args.pad || args.error > MAX_ERRNO)
		return -EINVAL;
	return vprime_user_fence_signal(&tf->fences, args.handle,
					-(int)args.error);
}
