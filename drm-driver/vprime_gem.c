// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime GEM objects
 *
 * The GEM object of both vprime devices (the render GPU and the display).
 *
 * A native object wraps a vprime_core BO. The BO's reservation object is
 * installed as the GEM object's resv before drm_gem_private_object_init(), so
 * the GEM object, the core BO and every dma-buf exported from it share one
 * dma_resv and implicit sync works across all of them. PRIME export hands out
 * the core's dynamic exporter; the dma-buf holds a GEM and a drm_device
 * reference that the core's owner hook drops on release, mirroring
 * drm_gem_dmabuf_export() / drm_gem_dmabuf_release().
 *
 * An imported object wraps a vprime_import (a dynamic attachment when the
 * exporter is dynamic) and uses the dma-buf's resv. Each kind has its own
 * drm_gem_object_funcs, so no callback asks which kind it has. Importing a dma-buf that
 * was exported from an object of the same drm_device returns that object.
 * The import's move_notify hook only records that a mapping went stale
 * (@moved): the mapping itself is dropped by the core and made again by
 * the next user under the resv (the GPU's submit, vprime_submit.c).
 *
 * This file also implements the GPU's BO ioctls.
 */
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_prime.h>
#include <drm/drm_print.h>
#include <drm/drm_syncobj.h>
#include <drm/drm_vma_manager.h>
#include <drm/vprime_drm.h>

#include "vprime_gem.h"
#include "vprime_gpu.h"

static void vprime_gem_dmabuf_release(struct vprime_bo *bo, void *owner)
{
	struct drm_gem_object *obj = owner;
	struct drm_device *dev = obj->dev;

	/* the references vprime_gem_export() took for the dma-buf */
	drm_gem_object_put(obj);
	drm_dev_put(dev);
}

static const struct vprime_bo_owner_ops vprime_gem_owner_ops = {
	.dmabuf_release = vprime_gem_dmabuf_release,
	.module = THIS_MODULE,
};

/* Native objects: a core BO of the device's own. */

static void vprime_gem_free(struct drm_gem_object *obj)
{
	struct vprime_gem_object *vobj = to_vprime_gem(obj);

	drm_gem_object_release(obj);
	vprime_bo_put(vobj->bo);
	kfree(vobj);
}

static struct dma_buf *vprime_gem_export(struct drm_gem_object *obj,
					 int flags)
{
	struct vprime_gem_object *vobj = to_vprime_gem(obj);
	struct dma_buf *dmabuf;

	dmabuf = vprime_bo_export(vobj->bo, flags);
	if (IS_ERR(dmabuf))
		return dmabuf;

	drm_dev_get(obj->dev);
	drm_gem_object_get(obj);
	return dmabuf;
}

static int vprime_gem_vmap(struct drm_gem_object *obj, struct iosys_map *map)
{
	return vprime_bo_vmap(to_vprime_gem(obj)->bo, map);
}

static void vprime_gem_vunmap(struct drm_gem_object *obj,
			      struct iosys_map *map)
{
	vprime_bo_vunmap(to_vprime_gem(obj)->bo, map);
}

static int vprime_gem_mmap(struct drm_gem_object *obj,
			   struct vm_area_struct *vma)
{
	/* the core wants the offset relative to the BO */
	vma->vm_pgoff -= drm_vma_node_start(&obj->vma_node);
	return vprime_bo_mmap(to_vprime_gem(obj)->bo, vma);
}

static vm_fault_t vprime_gem_fault(struct vm_fault *vmf)
{
	struct vprime_gem_object *vobj = to_vprime_gem(vmf->vma->vm_private_data);

	return vprime_bo_fault(vobj->bo, vmf);
}

static const struct vm_operations_struct vprime_gem_vm_ops = {
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
	.fault = vprime_gem_fault,
};

static const struct drm_gem_object_funcs vprime_gem_funcs = {
	.free = vprime_gem_free,
	.export = vprime_gem_export,
	.vmap = vprime_gem_vmap,
	.vunmap = vprime_gem_vunmap,
	.mmap = vprime_gem_mmap,
	.vm_ops = &vprime_gem_vm_ops,
};

/*
 * Imported objects: a vprime_import of any dma-buf. No .export: drm_prime
 * hands out the import's own dma-buf again.
 */

static void vprime_gem_import_free(struct drm_gem_object *obj)
{
	struct vprime_gem_object *vobj = to_vprime_gem(obj);

	drm_gem_object_release(obj);
	vprime_import_detach(&vobj->import);
	kfree(vobj);
}

static int vprime_gem_import_vmap(struct drm_gem_object *obj,
				  struct iosys_map *map)
{
	return vprime_import_vmap(&to_vprime_gem(obj)->import, map);
}

static void vprime_gem_import_vunmap(struct drm_gem_object *obj,
				     struct iosys_map *map)
{
	vprime_import_vunmap(&to_vprime_gem(obj)->import, map);
}

/* The exporter's mmap: its vm_ops, its file reference. */
static int vprime_gem_import_mmap(struct drm_gem_object *obj,
				  struct vm_area_struct *vma)
{
	int ret;

	vma->vm_private_data = NULL;
	vma->vm_ops = NULL;
	ret = dma_buf_mmap(to_vprime_gem(obj)->import.dmabuf, vma, 0);
	if (ret)
		return ret;
	vma->vm_flags |= VM_DONTEXPAND;
	/* drop the reference drm_gem_mmap_obj() took for our vm_ops */
	drm_gem_object_put(obj);
	return 0;
}

static const struct drm_gem_object_funcs vprime_gem_import_funcs = {
	.free = vprime_gem_import_free,
	.vmap = vprime_gem_import_vmap,
	.vunmap = vprime_gem_import_vunmap,
	.mmap = vprime_gem_import_mmap,
};

bool vprime_gem_is_vprime(struct drm_gem_object *obj)
{
	return obj->funcs == &vprime_gem_funcs ||
	       obj->funcs == &vprime_gem_import_funcs;
}

struct vprime_gem_object *vprime_gem_create(struct drm_device *dev,
					    size_t size, u32 placement)
{
	struct vprime_gem_object *vobj;
	struct vprime_bo *bo;
	int ret;

	if (!size || size > SIZE_MAX - PAGE_SIZE + 1)
		return ERR_PTR(-EINVAL);
	size = PAGE_ALIGN(size);

	vobj = kzalloc(sizeof(*vobj), GFP_KERNEL);
	if (!vobj)
		return ERR_PTR(-ENOMEM);

	bo = vprime_bo_create(size, placement);
	if (IS_ERR(bo)) {
		ret = PTR_ERR(bo);
		goto err_free;
	}

	vobj->bo = bo;
	vobj->base.funcs = &vprime_gem_funcs;
	/* one dma_resv for the GEM object, the core BO and its dma-bufs */
	vobj->base.resv = vprime_bo_resv(bo);
	drm_gem_private_object_init(dev, &vobj->base, size);
	vprime_bo_set_owner(bo, &vprime_gem_owner_ops, &vobj->base);

	return vobj;

err_free:
	kfree(vobj);
	return ERR_PTR(ret);
}

int vprime_gem_dumb_create(struct drm_file *file, struct drm_device *dev,
			   struct drm_mode_create_dumb *args)
{
	struct vprime_gem_object *vobj;
	u32 cpp, pitch;
	u64 size;
	int ret;

	if (!args->width || !args->height || !args->bpp || args->flags)
		return -EINVAL;

	cpp = DIV_ROUND_UP(args->bpp, 8);
	if (check_mul_overflow(args->width, cpp, &pitch) ||
	    check_mul_overflow((u64)pitch, (u64)args->height, &size) ||
	    size > SIZE_MAX - PAGE_SIZE + 1)
		return -EINVAL;

	vobj = vprime_gem_create(dev, size, VPRIME_PLACEMENT_SYSTEM);
	if (IS_ERR(vobj))
		return PTR_ERR(vobj);

	ret = drm_gem_handle_create(file, &vobj->base, &args->handle);
	drm_gem_object_put(&vobj->base);
	if (ret)
		return ret;

	args->pitch = pitch;
	args->size = vobj->base.size;
	return 0;
}

/* The import's move_notify hook, called with the resv held. */
static void vprime_gem_import_invalidate(struct vprime_import *imp)
{
	struct vprime_gem_object *vobj = imp->priv;

	if (vobj->mapped)
		vobj->moved = true;
}

/*
 * drm_driver.dumb_map_offset: the mmap offset of any of the file's objects,
 * imported ones included. The DRM core's default refuses imports (-EINVAL),
 * but software renderers (Mesa's kms_swrast, under Weston's GL renderer)
 * map every buffer they sample through MODE_MAP_DUMB on the display node;
 * an import is mapped through its exporter (vprime_gem_import_mmap()).
 * -ENOENT: no such handle.
 */
int vprime_gem_dumb_map_offset(struct drm_file *file, struct drm_device *dev,
			       u32 handle, u64 *offset)
{
	struct drm_gem_object *obj;
	int ret;

	obj = drm_gem_object_lookup(file, handle);
	if (!obj)
		return -ENOENT;

	ret = drm_gem_create_mmap_offset(obj);
	if (!ret)
		*offset = drm_vma_node_offset_addr(&obj->vma_node);
	drm_gem_object_put(obj);
	return ret;
}

struct drm_gem_object *vprime_gem_prime_import(struct drm_device *dev,
					       struct dma_buf *dmabuf)
{
	struct drm_gem_object *owner;
	struct vprime_gem_object *vobj;
	int ret;

	/*
	 * Our own buffer: the same object, so the same handle. Unless the
	 * object's cached export (obj->dma_buf, set under object_name_lock,
	 * which our caller holds) is another dma-buf: GETFB/GETFB2 give a
	 * framebuffer's object a new handle without one, so it can be
	 * exported again while an older dma-buf of it lives on. The DRM core
	 * expects obj->dma_buf to be the imported dma-buf (and WARNs
	 * otherwise), so that one is imported like a foreign buffer.
	 */
	owner = vprime_bo_owner(dmabuf, &vprime_gem_owner_ops);
	if (owner && owner->dev == dev &&
	    (!owner->dma_buf || owner->dma_buf == dmabuf)) {
		drm_gem_object_get(owner);
		return owner;
	}

	if (!dmabuf->size || !PAGE_ALIGNED(dmabuf->size)) {
		drm_dbg(dev, "dma-buf size %zu is not a page multiple\n",
			dmabuf->size);
		return ERR_PTR(-EINVAL);
	}

	vobj = kzalloc(sizeof(*vobj), GFP_KERNEL);
	if (!vobj)
		return ERR_PTR(-ENOMEM);

	vobj->import.invalidate = vprime_gem_import_invalidate;
	vobj->import.priv = vobj;
	ret = vprime_import_attach(&vobj->import, dmabuf, dev->dev);
	if (ret)
		goto err_free;

	vobj->base.funcs = &vprime_gem_import_funcs;
	vobj->base.resv = dmabuf->resv;
	drm_gem_private_object_init(dev, &vobj->base, dmabuf->size);
	vobj->base.import_attach = vobj->import.attach;

	return &vobj->base;

err_free:
	kfree(vobj);
	return ERR_PTR(ret);
}

/*
 * DRM_IOCTL_VPRIME_BO_CREATE: a zeroed native BO.
 * -EINVAL: unknown flags, size 0 or too large; -ENOMEM: placement full.
 */
int vprime_gem_create_ioctl(struct drm_device *dev, void *data,
			    struct drm_file *file)
{
	struct drm_vprime_bo_create *args = data;
	struct vprime_gem_object *vobj;
	u32 placement;
	int ret;

	if (args->flags & ~VPRIME_BO_CREATE_FLAGS) {
		drm_dbg(dev, "bo_create: unknown flags 0x%x\n", args->flags);
		return -EINVAL;
	}
	if (!args->size || args->size > SIZE_MAX - PAGE_SIZE + 1) {
		drm_dbg(dev, "bo_create: bad size %llu\n", args->size);
		return -EINVAL;
	}

	placement = args->flags & VPRIME_BO_CREATE_LOCAL ?
		    VPRIME_PLACEMENT_LOCAL : VPRIME_PLACEMENT_SYSTEM;
	vobj = vprime_gem_create(dev, args->size, placement);
	if (IS_ERR(vobj))
		return PTR_ERR(vobj);

	ret = drm_gem_handle_create(file, &vobj->base, &args->handle);
	if (!ret)
		args->size = vobj->base.size;
	drm_gem_object_put(&vobj->base);
	return ret;
}

/* DRM_IOCTL_VPRIME_BO_MMAP_OFFSET: -ENOENT bad handle, -EINVAL flags. */
int vprime_gem_mmap_offset_ioctl(struct drm_device *dev, void *data,
				 struct drm_file *file)
{
	struct drm_vprime_bo_mmap_offset *args = data;
	struct drm_gem_object *obj;
	int ret;

	if (args->flags)
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;

	ret = drm_gem_create_mmap_offset(obj);
	if (!ret)
		args->offset = drm_vma_node_offset_addr(&obj->vma_node);
	drm_gem_object_put(obj);
	return ret;
}

/* DRM_IOCTL_VPRIME_BO_INFO: -ENOENT bad handle, -EINVAL flags. */
int vprime_gem_info_ioctl(struct drm_device *dev, void *data,
			  struct drm_file *file)
{
	struct drm_vprime_bo_info *args = data;
	struct vprime_gem_object *vobj;
	struct drm_gem_object *obj;
	struct vprime_bo *bo;

	if (args->flags)
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	vobj = to_vprime_gem(obj);

	args->size = obj->size;
	args->status = 0;
	if (obj->import_attach) {
		args->status |= VPRIME_BO_STATUS_IMPORTED;
		/* a core buffer imported from elsewhere still has a placement */
		bo = vprime_dmabuf_to_bo(vobj->import.dmabuf);
	} else {
		bo = vobj->bo;
		if (READ_ONCE(obj->dma_buf))
			args->status |= VPRIME_BO_STATUS_EXPORTED;
	}
	args->placement = bo ? vprime_bo_placement(bo) :
			  VPRIME_BO_PLACEMENT_FOREIGN;
	args->id = bo ? vprime_bo_id(bo) : 0;
	if (!dma_resv_test_signaled(obj->resv, DMA_RESV_USAGE_READ))
		args->status |= VPRIME_BO_STATUS_BUSY;

	drm_gem_object_put(obj);
	return 0;
}

/*
 * DRM_IOCTL_VPRIME_BO_WAIT: wait for the BO's implicit fences until an
 * absolute deadline. -ETIME on timeout, -ENOENT, -EINVAL, -ERESTARTSYS.
 */
int vprime_gem_wait_ioctl(struct drm_device *dev, void *data,
			  struct drm_file *file)
{
	struct drm_vprime_bo_wait *args = data;
	enum dma_resv_usage usage;
	struct drm_gem_object *obj;
	long timeout, ret;

	if (args->flags & ~VPRIME_BO_WAIT_FLAGS)
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;

	/* a reader waits for the writers, everybody else for all fences */
	usage = args->flags & VPRIME_BO_WAIT_READ ? DMA_RESV_USAGE_WRITE :
		DMA_RESV_USAGE_READ;
	timeout = vprime_abs_timeout_to_jiffies(args->timeout_ns);
	ret = dma_resv_wait_timeout(obj->resv, usage, true, timeout);
	drm_gem_object_put(obj);

	if (ret < 0)
		return ret;
	return ret ? 0 : -ETIME;
}
