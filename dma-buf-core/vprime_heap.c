// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime_core allocator device
 *
 * /dev/vprime_heap, a misc device with the uapi of
 * include/uapi/linux/vprime_heap.h:
 *
 * - ALLOC creates a BO and returns a dma-buf fd of the core exporter;
 * - MIGRATE moves a heap buffer between the placements.
 *
 * It keeps no per-file state. The test and debug ioctls that were here
 * (userspace fences, importer devices) are /dev/vprime_test's, in the test
 * module vprime_test.ko (dma-buf-core/test/); their numbers get -ENOTTY
 * here.
 */
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include <linux/vprime_heap.h>

#include "vprime_core_priv.h"

/*
 * ALLOC: see struct vprime_heap_alloc. -EINVAL for bad flags, reserved,
 * fd_flags, size or placement; -ENOMEM when the placement is full; -EFAULT
 * for a bad pointer. Nothing is left behind on failure.
 */
static int vprime_heap_ioctl_alloc(void __user *uarg)
{
	struct vprime_heap_alloc args;
	struct dma_buf *dmabuf;
	struct vprime_bo *bo;
	int fd, ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;

	if (args.flags || args.reserved) {
		pr_debug("vprime_heap: bad flags or reserved\n");
		return -EINVAL;
	}
	if (!args.fd_flags)
		args.fd_flags = O_CLOEXEC | O_RDWR;
	if ((args.fd_flags & ~(O_CLOEXEC | O_ACCMODE)) ||
	    (args.fd_flags & O_ACCMODE) == O_ACCMODE) {
		pr_debug("vprime_heap: bad fd_flags %#x\n", args.fd_flags);
		return -EINVAL;
	}
	if (args.placement >= VPRIME_PLACEMENT_COUNT) {
		pr_debug("vprime_heap: bad placement %u\n", args.placement);
		return -EINVAL;
	}
	if (!args.size || args.size > SIZE_MAX ||
	    !PAGE_ALIGNED(args.size) || args.size > vprime_max_alloc) {
		pr_debug("vprime_heap: bad size %llu\n", args.size);
		return -EINVAL;
	}

	bo = vprime_bo_create(args.size, args.placement);
	if (IS_ERR(bo))
		return PTR_ERR(bo);

	dmabuf = vprime_bo_export(bo, args.fd_flags);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto err_put_bo;
	}

	fd = get_unused_fd_flags(args.fd_flags & O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_put_dmabuf;
	}

	args.fd = fd;
	args.id = vprime_bo_id(bo);
	if (copy_to_user(uarg, &args, sizeof(args))) {
		ret = -EFAULT;
		goto err_put_fd;
	}

	fd_install(fd, dmabuf->file);
	/* The dma-buf holds its own BO reference. */
	vprime_bo_put(bo);
	return 0;

err_put_fd:
	put_unused_fd(fd);
err_put_dmabuf:
	dma_buf_put(dmabuf);
err_put_bo:
	vprime_bo_put(bo);
	return ret;
}

/* MIGRATE: see struct vprime_heap_migrate. */
static int vprime_heap_ioctl_migrate(void __user *uarg)
{
	struct vprime_heap_migrate args;
	struct dma_buf *dmabuf;
	struct vprime_bo *bo;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags || args.pad || args.placement >= VPRIME_PLACEMENT_COUNT)
		return -EINVAL;

	dmabuf = dma_buf_get(args.fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);

	bo = vprime_dmabuf_to_bo(dmabuf);
	if (!bo) {
		pr_debug("vprime_heap: fd %u is not a vprime buffer\n", args.fd);
		ret = -EINVAL;
		goto out_put;
	}
	ret = vprime_bo_migrate(bo, args.placement, true);
out_put:
	dma_buf_put(dmabuf);
	return ret;
}

static long vprime_heap_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VPRIME_HEAP_IOCTL_ALLOC:
		return vprime_heap_ioctl_alloc(uarg);
	case VPRIME_HEAP_IOCTL_MIGRATE:
		return vprime_heap_ioctl_migrate(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vprime_heap_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = vprime_heap_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

static struct miscdevice vprime_heap_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vprime_heap",
	.fops = &vprime_heap_fops,
	.mode = 0666,
};

int vprime_heap_init(void)
{
	return misc_register(&vprime_heap_misc);
}

void vprime_heap_fini(void)
{
	misc_deregister(&vprime_heap_misc);
}
