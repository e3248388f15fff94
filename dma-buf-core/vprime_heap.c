// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime_core allocator device
 *
 * /dev/vprime_heap, a misc device with the uapi of
 * include/uapi/linux/vprime_heap.h:
 *
 * - ALLOC creates a BO and returns a dma-buf fd of the core exporter;
 * - MIGRATE moves a heap buffer between the placements;
 * - FENCE_ATTACH / FENCE_SIGNAL (test and debug uapi) add fences that
 *   userspace controls to any dma-buf's reservation object, so tests can
 *   exercise implicit sync (poll, sync-file export, migration waits)
 *   without a GPU; each fence has a fence context of its own;
 * - IMPORT_* (test and debug uapi) attach one of three importer devices
 *   owned by the core to any dma-buf through the importer helpers: "wide"
 *   (64-bit DMA mask and no segment limit, like a modern GPU), "narrow"
 *   (32-bit DMA mask, which can't reach the local pool, and the default
 *   64 KiB segments) and "small-seg" (DMA segments of half a page, which no
 *   placement can serve). IMPORT_READ makes the importer device read the
 *   buffer through its mapping's DMA addresses, as a DMA engine does.
 *
 * The test and debug ioctls need CAP_SYS_ADMIN (-EPERM otherwise): a
 * fence that only its creator signals could stall any buffer it is given.
 *
 * Per open file, an xarray of fences and one of imports, and a mutex that
 * serialises the import ioctls (it nests outside the dma-buf resv). The
 * fence ioctls take no lock of their own: FENCE_SIGNAL must never wait
 * behind a holder of a resv, which may itself wait for that fence (an
 * importer's map does). On close, unsignalled fences are signalled with
 * -ECANCELED and imports are detached. A fence left unsignalled signals
 * itself with -ETIMEDOUT after heap_fence_timeout_ms (as vgem's fences do),
 * so that no wait on it is unbounded: a GPU client killed with a job that
 * waits for its own heap fence would otherwise never finish closing (its
 * heap file closes after its GPU file).
 */
#include <linux/capability.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <linux/vprime_heap.h>

#include "vprime_core_priv.h"

#define VPRIME_HEAP_NUM_IMPORTERS	3

static unsigned int heap_fence_timeout_ms = 10000;
module_param(heap_fence_timeout_ms, uint, 0644);
MODULE_PARM_DESC(heap_fence_timeout_ms,
		 "Lifetime of a FENCE_ATTACH fence in ms; it then signals with -ETIMEDOUT (default 10000, 1-60000)");

static struct platform_device *vprime_heap_importers[VPRIME_HEAP_NUM_IMPORTERS];

/**
 * struct vprime_heap_file - state of one open /dev/vprime_heap
 * @fences: handle -> struct dma_fence (a reference held), unsignalled
 *	fences made by FENCE_ATTACH
 * @imports: handle -> struct vprime_heap_import_obj
 * @lock: serialises the IMPORT ioctls; nests outside the dma-buf resv
 */
struct vprime_heap_file {
	struct xarray fences;
	struct xarray imports;
	struct mutex lock; /* serialises the import ioctls */
};

/**
 * struct vprime_heap_import_obj - an import made by IMPORT_ATTACH
 * @base: the importer state
 * @invalidations: move_notify calls seen
 */
struct vprime_heap_import_obj {
	struct vprime_import base;
	atomic_t invalidations;
};

static int vprime_heap_open(struct inode *inode, struct file *file)
{
	struct vprime_heap_file *hf;

	hf = kzalloc(sizeof(*hf), GFP_KERNEL);
	if (!hf)
		return -ENOMEM;
	xa_init_flags(&hf->fences, XA_FLAGS_ALLOC1);
	xa_init_flags(&hf->imports, XA_FLAGS_ALLOC1);
	mutex_init(&hf->lock);
	file->private_data = hf;
	return 0;
}

static void vprime_heap_import_free(struct vprime_heap_import_obj *obj)
{
	vprime_import_detach(&obj->base);
	kfree(obj);
}

static int vprime_heap_release(struct inode *inode, struct file *file)
{
	struct vprime_heap_file *hf = file->private_data;
	struct vprime_heap_import_obj *obj;
	struct dma_fence *fence;
	unsigned long idx;

	xa_for_each(&hf->fences, idx, fence) {
		vprime_fence_signal(fence, -ECANCELED);
		dma_fence_put(fence);
	}
	xa_destroy(&hf->fences);

	xa_for_each(&hf->imports, idx, obj)
		vprime_heap_import_free(obj);
	xa_destroy(&hf->imports);

	mutex_destroy(&hf->lock);
	kfree(hf);
	return 0;
}

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

/* FENCE_ATTACH: see struct vprime_heap_fence_attach. */
static int vprime_heap_ioctl_fence_attach(struct vprime_heap_file *hf,
					  void __user *uarg)
{
	struct vprime_heap_fence_attach args;
	enum dma_resv_usage usage;
	struct dma_fence *fence;
	struct dma_buf *dmabuf;
	u32 handle;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if ((args.flags & ~VPRIME_HEAP_FENCE_WRITE) || args.pad)
		return -EINVAL;
	usage = args.flags & VPRIME_HEAP_FENCE_WRITE ? DMA_RESV_USAGE_WRITE :
						       DMA_RESV_USAGE_READ;

	dmabuf = dma_buf_get(args.fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);

	fence = vprime_fence_create_single("vprime_heap", "user", GFP_KERNEL);
	if (!fence) {
		ret = -ENOMEM;
		goto err_put_dmabuf;
	}
	/* the handle's reference (or ours, on failure) outlives the timer */
	vprime_fence_arm_timeout(fence, (u64)clamp(READ_ONCE(heap_fence_timeout_ms),
						   1u, 60000u) * NSEC_PER_MSEC);

	/*
	 * The handle is reserved first and the fence published last, once it
	 * is in the reservation object: a failure leaves no unsignalled fence
	 * behind, and FENCE_SIGNAL of a guessed handle finds only the
	 * reservation (-ENOENT), never a reference we still use.
	 */
	ret = xa_alloc(&hf->fences, &handle, NULL, xa_limit_32b, GFP_KERNEL);
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
	xa_store(&hf->fences, handle, fence, GFP_KERNEL);
	args.handle = handle;
	dma_buf_put(dmabuf);
	/* The fence is public now: on -EFAULT, SIGNAL or close end it. */
	if (copy_to_user(uarg, &args, sizeof(args)))
		return -EFAULT;
	return 0;

err_release:
	xa_release(&hf->fences, handle);
err_put_fence:
	dma_fence_put(fence);
err_put_dmabuf:
	dma_buf_put(dmabuf);
	return ret;
}

/* FENCE_SIGNAL: see struct vprime_heap_fence_signal. */
static int vprime_heap_ioctl_fence_signal(struct vprime_heap_file *hf,
					  void __user *uarg)
{
	struct vprime_heap_fence_signal args;
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
	fence = xa_load(&hf->fences, args.handle);
	if (!fence || xa_cmpxchg(&hf->fences, args.handle, fence, NULL, 0) != fence)
		return -ENOENT;
	/* only its timeout signals a fence that still has its handle */
	ret = dma_fence_is_signaled(fence) ? -ETIMEDOUT : 0;
	vprime_fence_signal(fence, -(int)args.error);
	dma_fence_put(fence);
	return ret;
}

static void vprime_heap_import_invalidate(struct vprime_import *imp)
{
	struct vprime_heap_import_obj *obj =
		container_of(imp, struct vprime_heap_import_obj, base);

	atomic_inc(&obj->invalidations);
}

static int vprime_heap_import_attach(struct vprime_heap_file *hf,
				     struct vprime_heap_import *args)
{
	struct vprime_heap_import_obj *obj;
	struct dma_buf_attachment *attach;
	struct dma_buf *dmabuf;
	struct device *dev;
	int ret;

	if (args->importer >= VPRIME_HEAP_NUM_IMPORTERS ||
	    (args->flags & ~VPRIME_HEAP_IMPORT_STATIC) || args->direction ||
	    args->pad)
		return -EINVAL;
	dev = &vprime_heap_importers[args->importer]->dev;

	obj = kzalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj)
		return -ENOMEM;
	obj->base.invalidate = vprime_heap_import_invalidate;

	dmabuf = dma_buf_get(args->fd);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto err_free;
	}

	if (args->flags & VPRIME_HEAP_IMPORT_STATIC) {
		/* The importer helpers always attach dynamically if they can. */
		attach = dma_buf_attach(dmabuf, dev);
		if (IS_ERR(attach)) {
			ret = PTR_ERR(attach);
			goto err_put_dmabuf;
		}
		obj->base.dmabuf = dmabuf;
		obj->base.attach = attach;
		obj->base.dir = DMA_NONE;
	} else {
		ret = vprime_import_attach(&obj->base, dmabuf, dev);
		if (ret)
			goto err_put_dmabuf;
		/* vprime_import_attach() took its own reference. */
		dma_buf_put(dmabuf);
	}

	ret = xa_alloc(&hf->imports, &args->handle, obj, xa_limit_32b,
		       GFP_KERNEL);
	if (ret)
		goto err_detach;
	return 0;

err_detach:
	vprime_heap_import_free(obj);
	return ret;
err_put_dmabuf:
	dma_buf_put(dmabuf);
err_free:
	kfree(obj);
	return ret;
}

static const enum dma_data_direction vprime_heap_dirs[] = {
	[VPRIME_HEAP_IMPORT_DIR_BIDIRECTIONAL] = DMA_BIDIRECTIONAL,
	[VPRIME_HEAP_IMPORT_DIR_TO_DEVICE] = DMA_TO_DEVICE,
	[VPRIME_HEAP_IMPORT_DIR_FROM_DEVICE] = DMA_FROM_DEVICE,
};

/* IMPORT_*: see struct vprime_heap_import. Called with hf->lock held. */
static int vprime_heap_ioctl_import(struct vprime_heap_file *hf,
				    unsigned int cmd, void __user *uarg)
{
	struct vprime_heap_import_obj *obj;
	struct vprime_heap_import args;
	struct sg_table *sgt;
	int ret = 0;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;

	if (cmd == VPRIME_HEAP_IOCTL_IMPORT_ATTACH) {
		ret = vprime_heap_import_attach(hf, &args);
		if (ret)
			return ret;
		obj = xa_load(&hf->imports, args.handle);
		goto out_status;
	}

	if (args.flags || args.pad ||
	    (cmd != VPRIME_HEAP_IOCTL_IMPORT_MAP && args.direction) ||
	    args.direction >= ARRAY_SIZE(vprime_heap_dirs))
		return -EINVAL;

	if (cmd == VPRIME_HEAP_IOCTL_IMPORT_DETACH) {
		obj = xa_erase(&hf->imports, args.handle);
		if (!obj)
			return -ENOENT;
		vprime_heap_import_free(obj);
		return 0;
	}

	obj = xa_load(&hf->imports, args.handle);
	if (!obj)
		return -ENOENT;

	switch (cmd) {
	case VPRIME_HEAP_IOCTL_IMPORT_MAP:
		sgt = vprime_import_map(&obj->base,
					vprime_heap_dirs[args.direction]);
		if (IS_ERR(sgt))
			return PTR_ERR(sgt);
		break;
	case VPRIME_HEAP_IOCTL_IMPORT_UNMAP:
		vprime_import_unmap(&obj->base);
		break;
	default:
		break;
	}

out_status:
	args.status = 0;
	if (obj->base.dynamic)
		args.status |= VPRIME_HEAP_IMPORT_DYNAMIC;
	/* A racy snapshot against a concurrent move, good for a query. */
	if (READ_ONCE(obj->base.sgt))
		args.status |= VPRIME_HEAP_IMPORT_MAPPED;
	args.invalidations = atomic_read(&obj->invalidations);
	if (copy_to_user(uarg, &args, sizeof(args)))
		ret = -EFAULT;
	return ret;
}

/*
 * What the importer device reads at [@offset, @offset + @size) of its
 * import: the memory at the mapping's DMA addresses, translated back to
 * physical pages (only valid without an IOMMU, which the caller checked).
 */
static int vprime_heap_device_read(struct vprime_import *imp, u64 offset,
				   u64 size, void *buf)
{
	struct device *dev = imp->attach->dev;
	u64 end = offset + size, pos = 0, copied = 0;
	struct scatterlist *sg;
	unsigned int i;

	dma_resv_assert_held(imp->dmabuf->resv);
	if (!imp->sgt)
		return -ENODATA;
	if (imp->dir == DMA_FROM_DEVICE)
		return -EINVAL;

	for_each_sgtable_dma_sg(imp->sgt, sg, i) {
		u64 len = sg_dma_len(sg), start, stop;
		phys_addr_t phys;

		if (pos >= end)
			break;
		if (pos + len <= offset) {
			pos += len;
			continue;
		}
		start = max(offset, pos);
		stop = min(end, pos + len);
		phys = dma_to_phys(dev, sg_dma_address(sg)) + (start - pos);
		while (start < stop) {
			size_t n = min_t(u64, stop - start,
					 PAGE_SIZE - offset_in_page(phys));
			void *vaddr;

			if (!pfn_valid(PHYS_PFN(phys)))
				return -EIO;
			vaddr = kmap_local_page(pfn_to_page(PHYS_PFN(phys)));
			memcpy(buf + (start - offset),
			       vaddr + offset_in_page(phys), n);
			kunmap_local(vaddr);
			start += n;
			phys += n;
			copied += n;
		}
		pos += len;
	}
	return copied == size ? 0 : -EIO;
}

/* IMPORT_READ: see struct vprime_heap_import_read. hf->lock held. */
static int vprime_heap_ioctl_import_read(struct vprime_heap_file *hf,
					 void __user *uarg)
{
	struct vprime_heap_import_read args;
	struct vprime_heap_import_obj *obj;
	struct dma_resv *resv;
	void *buf;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags || !args.size ||
	    args.size > VPRIME_HEAP_IMPORT_READ_MAX)
		return -EINVAL;

	obj = xa_load(&hf->imports, args.handle);
	if (!obj)
		return -ENOENT;
	if (args.offset > obj->base.dmabuf->size ||
	    args.size > obj->base.dmabuf->size - args.offset)
		return -EINVAL;
	if (get_dma_ops(obj->base.attach->dev))
		return -EOPNOTSUPP;

	buf = kvmalloc(args.size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	/* read under the resv, copy out after it: no fault nests in it */
	resv = obj->base.dmabuf->resv;
	ret = dma_resv_lock_interruptible(resv, NULL);
	if (ret)
		goto out_free;
	ret = vprime_heap_device_read(&obj->base, args.offset, args.size, buf);
	dma_resv_unlock(resv);
	if (!ret && copy_to_user(u64_to_user_ptr(args.data), buf, args.size))
		ret = -EFAULT;
out_free:
	kvfree(buf);
	return ret;
}

static long vprime_heap_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct vprime_heap_file *hf = file->private_data;
	void __user *uarg = (void __user *)arg;
	int ret;

	switch (cmd) {
	case VPRIME_HEAP_IOCTL_ALLOC:
		return vprime_heap_ioctl_alloc(uarg);
	case VPRIME_HEAP_IOCTL_MIGRATE:
		return vprime_heap_ioctl_migrate(uarg);
	case VPRIME_HEAP_IOCTL_FENCE_ATTACH:
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		return vprime_heap_ioctl_fence_attach(hf, uarg);
	case VPRIME_HEAP_IOCTL_FENCE_SIGNAL:
		return vprime_heap_ioctl_fence_signal(hf, uarg);
	case VPRIME_HEAP_IOCTL_IMPORT_ATTACH:
	case VPRIME_HEAP_IOCTL_IMPORT_MAP:
	case VPRIME_HEAP_IOCTL_IMPORT_UNMAP:
	case VPRIME_HEAP_IOCTL_IMPORT_DETACH:
	case VPRIME_HEAP_IOCTL_IMPORT_QUERY:
	case VPRIME_HEAP_IOCTL_IMPORT_READ:
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		ret = mutex_lock_interruptible(&hf->lock);
		if (ret)
			return ret;
		if (cmd == VPRIME_HEAP_IOCTL_IMPORT_READ)
			ret = vprime_heap_ioctl_import_read(hf, uarg);
		else
			ret = vprime_heap_ioctl_import(hf, cmd, uarg);
		mutex_unlock(&hf->lock);
		return ret;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vprime_heap_fops = {
	.owner = THIS_MODULE,
	.open = vprime_heap_open,
	.release = vprime_heap_release,
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

/* The DMA constraints of each importer device; max_seg 0: the default. */
static const struct {
	u64 mask;
	unsigned int max_seg;
} vprime_heap_importer_dma[VPRIME_HEAP_NUM_IMPORTERS] = {
	[VPRIME_HEAP_IMPORTER_WIDE] = { DMA_BIT_MASK(64), UINT_MAX },
	[VPRIME_HEAP_IMPORTER_NARROW] = { DMA_BIT_MASK(32) },
	[VPRIME_HEAP_IMPORTER_SMALL_SEG] = { DMA_BIT_MASK(64), PAGE_SIZE / 2 },
};

static void vprime_heap_importers_fini(void)
{
	int i;

	for (i = VPRIME_HEAP_NUM_IMPORTERS - 1; i >= 0; i--) {
		platform_device_unregister(vprime_heap_importers[i]);
		vprime_heap_importers[i] = NULL;
	}
}

int vprime_heap_init(void)
{
	struct platform_device_info info = {
		.name = "vprime-core-importer",
	};
	struct platform_device *pdev;
	int i, ret;

	for (i = 0; i < VPRIME_HEAP_NUM_IMPORTERS; i++) {
		info.id = i;
		info.dma_mask = vprime_heap_importer_dma[i].mask;
		pdev = platform_device_register_full(&info);
		if (IS_ERR(pdev)) {
			ret = PTR_ERR(pdev);
			goto err_importers;
		}
		vprime_heap_importers[i] = pdev;
		if (vprime_heap_importer_dma[i].max_seg) {
			ret = dma_set_max_seg_size(&pdev->dev,
						   vprime_heap_importer_dma[i].max_seg);
			if (ret)
				goto err_importers;
		}
	}

	ret = misc_register(&vprime_heap_misc);
	if (ret)
		goto err_importers;
	return 0;

err_importers:
	vprime_heap_importers_fini();
	return ret;
}

void vprime_heap_fini(void)
{
	misc_deregister(&vprime_heap_misc);
	vprime_heap_importers_fini();
}
