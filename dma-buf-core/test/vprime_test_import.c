// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime_test importer devices
 *
 * Three platform devices of this module import dma-bufs through the core's
 * importer helpers, as a driver would: "wide" (64-bit DMA mask and no
 * segment limit, like a modern GPU), "narrow" (32-bit DMA mask, which
 * can't reach the local pool, and the default 64 KiB segments) and
 * "small-seg" (DMA segments of half a page, which no placement can serve).
 * IMPORT_ATTACH attaches one to any dma-buf (dynamically when the exporter
 * is dynamic, unless asked for a static attachment), IMPORT_MAP and
 * IMPORT_UNMAP map and unmap it under the resv, and IMPORT_READ makes the
 * device read the buffer through its mapping's DMA addresses, as a DMA
 * engine does. The import ioctls run under the file's mutex.
 */
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <linux/vprime_test.h>

#include "vprime_core.h"
#include "vprime_test.h"

#define VPRIME_TEST_NUM_IMPORTERS	3

static struct platform_device *vprime_test_importers[VPRIME_TEST_NUM_IMPORTERS];

/**
 * struct vprime_test_import_obj - an import made by IMPORT_ATTACH
 * @base: the importer state
 * @invalidations: move_notify calls seen
 */
struct vprime_test_import_obj {
	struct vprime_import base;
	atomic_t invalidations;
};

static void vprime_test_import_free(struct vprime_test_import_obj *obj)
{
	vprime_import_detach(&obj->base);
	kfree(obj);
}

void vprime_test_imports_fini(struct vprime_test_file *tf)
{
	struct vprime_test_import_obj *obj;
	unsigned long idx;

	xa_for_each(&tf->imports, idx, obj)
		vprime_test_import_free(obj);
	xa_destroy(&tf->imports);
}

static void vprime_test_import_invalidate(struct vprime_import *imp)
{
	struct vprime_test_import_obj *obj =
		container_of(imp, struct vprime_test_import_obj, base);

	atomic_inc(&obj->invalidations);
}

static int vprime_test_import_attach(struct vprime_test_file *tf,
				     struct vprime_test_import *args)
{
	struct vprime_test_import_obj *obj;
	struct dma_buf_attachment *attach;
	struct dma_buf *dmabuf;
	struct device *dev;
	int ret;

	if (args->importer >= VPRIME_TEST_NUM_IMPORTERS ||
	    (args->flags & ~VPRIME_TEST_IMPORT_STATIC) || args->direction ||
	    args->pad)
		return -EINVAL;
	dev = &vprime_test_importers[args->importer]->dev;

	obj = kzalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj)
		return -ENOMEM;
	obj->base.invalidate = vprime_test_import_invalidate;

	dmabuf = dma_buf_get(args->fd);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto err_free;
	}

	if (args->flags & VPRIME_TEST_IMPORT_STATIC) {
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

	ret = xa_alloc(&tf->imports, &args->handle, obj, xa_limit_32b,
		       GFP_KERNEL);
	if (ret)
		goto err_detach;
	return 0;

err_detach:
	vprime_test_import_free(obj);
	return ret;
err_put_dmabuf:
	dma_buf_put(dmabuf);
err_free:
	kfree(obj);
	return ret;
}

static const enum dma_data_direction vprime_test_dirs[] = {
	[VPRIME_TEST_IMPORT_DIR_BIDIRECTIONAL] = DMA_BIDIRECTIONAL,
	[VPRIME_TEST_IMPORT_DIR_TO_DEVICE] = DMA_TO_DEVICE,
	[VPRIME_TEST_IMPORT_DIR_FROM_DEVICE] = DMA_FROM_DEVICE,
};

/* IMPORT_*: see struct vprime_test_import. Called with tf->lock held. */
int vprime_test_ioctl_import(struct vprime_test_file *tf, unsigned int cmd,
			     void __user *uarg)
{
	struct vprime_test_import_obj *obj;
	struct vprime_test_import args;
	struct sg_table *sgt;
	int ret = 0;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;

	if (cmd == VPRIME_TEST_IOCTL_IMPORT_ATTACH) {
		ret = vprime_test_import_attach(tf, &args);
		if (ret)
			return ret;
		obj = xa_load(&tf->imports, args.handle);
		goto out_status;
	}

	if (args.flags || args.pad ||
	    (cmd != VPRIME_TEST_IOCTL_IMPORT_MAP && args.direction) ||
	    args.direction >= ARRAY_SIZE(vprime_test_dirs))
		return -EINVAL;

	if (cmd == VPRIME_TEST_IOCTL_IMPORT_DETACH) {
		obj = xa_erase(&tf->imports, args.handle);
		if (!obj)
			return -ENOENT;
		vprime_test_import_free(obj);
		return 0;
	}

	obj = xa_load(&tf->imports, args.handle);
	if (!obj)
		return -ENOENT;

	switch (cmd) {
	case VPRIME_TEST_IOCTL_IMPORT_MAP:
		sgt = vprime_import_map(&obj->base,
					vprime_test_dirs[args.direction]);
		if (IS_ERR(sgt))
			return PTR_ERR(sgt);
		break;
	case VPRIME_TEST_IOCTL_IMPORT_UNMAP:
		vprime_import_unmap(&obj->base);
		break;
	default:
		break;
	}

out_status:
	args.status = 0;
	if (obj->base.dynamic)
		args.status |= VPRIME_TEST_IMPORT_DYNAMIC;
	/* A racy snapshot against a concurrent move, good for a query. */
	if (READ_ONCE(obj->base.sgt))
		args.status |= VPRIME_TEST_IMPORT_MAPPED;
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
static int vprime_test_device_read(struct vprime_import *imp, u64 offset,
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

/* IMPORT_READ: see struct vprime_test_import_read. tf->lock held. */
int vprime_test_ioctl_import_read(struct vprime_test_file *tf,
				  void __user *uarg)
{
	struct vprime_test_import_read args;
	struct vprime_test_import_obj *obj;
	struct dma_resv *resv;
	void *buf;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags || !args.size ||
	    args.size > VPRIME_TEST_IMPORT_READ_MAX)
		return -EINVAL;

	obj = xa_load(&tf->imports, args.handle);
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
	ret = vprime_test_device_read(&obj->base, args.offset, args.size, buf);
	dma_resv_unlock(resv);
	if (!ret && copy_to_user(u64_to_user_ptr(args.data), buf, args.size))
		ret = -EFAULT;
out_free:
	kvfree(buf);
	return ret;
}

/* The DMA constraints of each importer device; max_seg 0: the default. */
static const struct {
	u64 mask;
	unsigned int max_seg;
} vprime_test_importer_dma[VPRIME_TEST_NUM_IMPORTERS] = {
	[VPRIME_TEST_IMPORTER_WIDE] = { DMA_BIT_MASK(64), UINT_MAX },
	[VPRIME_TEST_IMPORTER_NARROW] = { DMA_BIT_MASK(32) },
	[VPRIME_TEST_IMPORTER_SMALL_SEG] = { DMA_BIT_MASK(64), PAGE_SIZE / 2 },
};

void vprime_test_importers_fini(void)
{
	int i;

	for (i = VPRIME_TEST_NUM_IMPORTERS - 1; i >= 0; i--) {
		platform_device_unregister(vprime_test_importers[i]);
		vprime_test_importers[i] = NULL;
	}
}

int vprime_test_importers_init(void)
{
	struct platform_device_info info = {
		.name = "vprime-test-importer",
	};
	struct platform_device *pdev;
	int i, ret;

	for (i = 0; i < VPRIME_TEST_NUM_IMPORTERS; i++) {
		info.id = i;
		info.dma_mask = vprime_test_importer_dma[i].mask;
		pdev = platform_device_register_full(&info);
		if (IS_ERR(pdev)) {
			ret = PTR_ERR(pdev);
			goto err_importers;
		}
		vprime_test_importers[i] = pdev;
		if (vprime_test_importer_dma[i].max_seg) {
			ret = dma_set_max_seg_size(&pdev->dev,
						   vprime_test_importer_dma[i].max_seg);
			if (ret)
				goto err_importers;
		}
	}
	return 0;

err_importers:
	vprime_test_importers_fini();
	return ret;
}
