// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime_test module
 *
 * vprime_test.ko holds the test and debug paths of vprime_core, out of the
 * production modules, in the way the kernel keeps its dma-buf selftests in
 * dmabuf_selftests.ko. It registers /dev/vprime_test, with the uapi of
 * include/uapi/linux/vprime_test.h:
 *
 * - FENCE_ATTACH / FENCE_SIGNAL (vprime_test_fence.c) add fences that
 *   userspace controls to any dma-buf's reservation object, so tests can
 *   exercise implicit sync (poll, sync-file export, migration waits)
 *   without a GPU; they wrap the core's userspace-controlled fences, the
 *   same mechanism as the GPU's FENCE_ATTACH / FENCE_SIGNAL;
 * - IMPORT_* (vprime_test_import.c) attach one of three importer devices
 *   of this module to any dma-buf through the core's importer helpers, and
 *   IMPORT_READ makes such a device read a buffer through its mapping's
 *   DMA addresses.
 *
 * Every ioctl needs CAP_SYS_ADMIN (-EPERM otherwise).
 *
 * The module uses only vprime_core.ko's exported interface (vprime_core.h),
 * and imports the VPRIME_TEST symbol namespace, where the core keeps the
 * exports that only this module uses. It depends on vprime_core.ko, so it
 * can't be loaded without the core (unknown symbols) and the core can't be
 * unloaded under it (the module reference of a dependency). Neither
 * `make install` nor DKMS installs it; the project's Makefile builds it
 * (CONFIG_VPRIME_TEST=m) and vm/guest loads it after the core.
 *
 * Per open file, the core's table of userspace fences, an xarray of
 * imports and a mutex that serialises the import ioctls (it nests outside
 * the dma-buf resv). The fence ioctls take no lock of their own:
 * FENCE_SIGNAL must never wait behind a holder of a resv, which may itself
 * wait for that fence (an importer's map does). On close, unsignalled
 * fences are signalled with -ECANCELED and imports are detached.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>

#include <linux/vprime_test.h>

#include "vprime_test.h"

static int vprime_test_open(struct inode *inode, struct file *file)
{
	struct vprime_test_file *tf;

	tf = kzalloc(sizeof(*tf), GFP_KERNEL);
	if (!tf)
		return -ENOMEM;
	vprime_user_fences_init(&tf->fences, "vprime_test");
	xa_init_flags(&tf->imports, XA_FLAGS_ALLOC1);
	mutex_init(&tf->lock);
	file->private_data = tf;
	return 0;
}

static int vprime_test_release(struct inode *inode, struct file *file)
{
	struct vprime_test_file *tf = file->private_data;

	vprime_user_fences_fini(&tf->fences);
	vprime_test_imports_fini(tf);
	mutex_destroy(&tf->lock);
	kfree(tf);
	return 0;
}

static long vprime_test_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct vprime_test_file *tf = file->private_data;
	void __user *uarg = (void __user *)arg;
	int ret;

	switch (cmd) {
	case VPRIME_TEST_IOCTL_FENCE_ATTACH:
	case VPRIME_TEST_IOCTL_FENCE_SIGNAL:
	case VPRIME_TEST_IOCTL_IMPORT_ATTACH:
	case VPRIME_TEST_IOCTL_IMPORT_MAP:
	case VPRIME_TEST_IOCTL_IMPORT_UNMAP:
	case VPRIME_TEST_IOCTL_IMPORT_DETACH:
	case VPRIME_TEST_IOCTL_IMPORT_QUERY:
	case VPRIME_TEST_IOCTL_IMPORT_READ:
		break;
	default:
		return -ENOTTY;
	}
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	switch (cmd) {
	case VPRIME_TEST_IOCTL_FENCE_ATTACH:
		return vprime_test_ioctl_fence_attach(tf, uarg);
	case VPRIME_TEST_IOCTL_FENCE_SIGNAL:
		return vprime_test_ioctl_fence_signal(tf, uarg);
	default:
		break;
	}

	ret = mutex_lock_interruptible(&tf->lock);
	if (ret)
		return ret;
	if (cmd == VPRIME_TEST_IOCTL_IMPORT_READ)
		ret = vprime_test_ioctl_import_read(tf, uarg);
	else
		ret = vprime_test_ioctl_import(tf, cmd, uarg);
	mutex_unlock(&tf->lock);
	return ret;
}

static const struct file_operations vprime_test_fops = {
	.owner = THIS_MODULE,
	.open = vprime_test_open,
	.release = vprime_test_release,
	.unlocked_ioctl = vprime_test_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

static struct miscdevice vprime_test_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vprime_test",
	.fops = &vprime_test_fops,
	.mode = 0666,
};

static int __init vprime_test_init(void)
{
	int ret;

	ret = vprime_test_importers_init();
	if (ret)
		return ret;

	ret = misc_register(&vprime_test_misc);
	if (ret)
		goto err_importers;
	return 0;

err_importers:
	vprime_test_importers_fini();
	return ret;
}

static void __exit vprime_test_exit(void)
{
	misc_deregister(&vprime_test_misc);
	vprime_test_importers_fini();
}

module_init(vprime_test_init);
module_exit(vprime_test_exit);

MODULE_DESCRIPTION("vprime test and debug uapi: user fences, importer devices");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
MODULE_IMPORT_NS(VPRIME_TEST);
