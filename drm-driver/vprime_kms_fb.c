// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime display framebuffers
 *
 * Framebuffers on the GEM objects of vprime_gem.h. Only the LINEAR
 * modifier, the only one the planes advertise (IN_FORMATS), makes a
 * framebuffer, so that clients like kmscube fall back from a modifier the
 * display can't scan out. Any format the DRM core knows does, as on other
 * drivers (generic clients such as IGT create framebuffers of formats they
 * then probe with TEST_ONLY commits): the planes' and the writeback
 * connector's atomic checks reject the formats they can't use.
 *
 * A framebuffer is in use from prepare_fb to cleanup_fb of each plane
 * state that shows it, and from prepare to cleanup of each writeback job
 * that writes it; the uses are counted, so a framebuffer that stays on
 * screen across commits is set up once. While it is in use, the display
 * pins each imported buffer behind it through its dynamic attachment and
 * maps the attachment for the display's DMA, as a display controller must
 * for what it scans out: the exporter refuses to move a pinned buffer
 * (vprime_core's migration answers -EBUSY at once). The composer reads
 * the framebuffer through a kernel mapping taken at the same time. A
 * buffer that is not in use - for example the back buffer between two
 * flips - holds neither pin nor mapping and can migrate; its next use
 * pins and maps the moved buffer again.
 */
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/slab.h>

#include <drm/drm_framebuffer.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_print.h>

#include "vprime_gem.h"
#include "vprime_kms.h"

static void vprime_fb_destroy(struct drm_framebuffer *fb)
{
	struct vprime_fb *vfb = to_vprime_fb(fb);
	unsigned int i;

	/* Every plane state and writeback job let go of it before. */
	if (drm_WARN_ON(fb->dev, vfb->map_count))
		drm_gem_fb_vunmap(fb, vfb->map);
	mutex_destroy(&vfb->lock);

	/*
	 * Off the device's framebuffer list before the GEM references go.
	 * 6.1's drm_gem_fb_destroy() drops them first, and a reader of the
	 * debugfs "framebuffer" file, walking that list under fb_lock, then
	 * prints freed objects (a KASAN use-after-free the fuzzer found).
	 */
	drm_framebuffer_cleanup(fb);
	for (i = 0; i < fb->format->num_planes; i++)
		drm_gem_object_put(fb->obj[i]);
	kfree(vfb);
}

static const struct drm_framebuffer_funcs vprime_fb_funcs = {
	.destroy = vprime_fb_destroy,
	.create_handle = drm_gem_fb_create_handle,
};

/**
 * vprime_fb_create - drm_mode_config_funcs.fb_create
 * @dev: the display device
 * @file: the client
 * @mode_cmd: the ADDFB2 arguments
 *
 * Returns: the framebuffer or an ERR_PTR: -EINVAL for an unknown format or
 * a modifier no plane supports.
 */
struct drm_framebuffer *vprime_fb_create(struct drm_device *dev,
					 struct drm_file *file,
					 const struct drm_mode_fb_cmd2 *mode_cmd)
{
	const struct drm_format_info *info = drm_get_format_info(dev, mode_cmd);
	struct vprime_fb *vfb;
	unsigned int i;
	int ret;

	if (!info)
		return ERR_PTR(-EINVAL);

	for (i = 0; i < info->num_planes; i++) {
		if (mode_cmd->modifier[i] != DRM_FORMAT_MOD_LINEAR) {
			drm_dbg_kms(dev, "unsupported modifier 0x%llx\n",
				    mode_cmd->modifier[i]);
			return ERR_PTR(-EINVAL);
		}
	}

	vfb = kzalloc(sizeof(*vfb), GFP_KERNEL);
	if (!vfb)
		return ERR_PTR(-ENOMEM);
	mutex_init(&vfb->lock);

	ret = drm_gem_fb_init_with_funcs(dev, &vfb->base, file, mode_cmd,
					 &vprime_fb_funcs);
	if (ret) {
		mutex_destroy(&vfb->lock);
		kfree(vfb);
		return ERR_PTR(ret);
	}

	return &vfb->base;
}

/* The first index of @fb's objects holding @fb->obj[@i]. */
static bool vprime_fb_obj_first(struct drm_framebuffer *fb, unsigned int i)
{
	unsigned int j;

	for (j = 0; j < i; j++)
		if (fb->obj[j] == fb->obj[i])
			return false;
	return true;
}

/*
 * Pin and map an imported object for scanout (its first user among the
 * framebuffers in use), under its resv. A static attachment was pinned by
 * the framework at attach time already.
 */
static int vprime_fb_pin_obj(struct drm_gem_object *obj)
{
	struct vprime_gem_object *vobj = to_vprime_gem(obj);
	struct vprime_import *imp = &vobj->import;
	struct sg_table *sgt;
	int ret;

	if (!obj->import_attach || !imp->dynamic)
		return 0;

	ret = dma_resv_lock_interruptible(obj->resv, NULL);
	if (ret)
		return ret;
	if (vobj->map_users) {
		vobj->map_users++;
		goto out_unlock;
	}
	ret = dma_buf_pin(imp->attach);
	if (ret)
		goto out_unlock;
	sgt = vprime_import_map_locked(imp, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		dma_buf_unpin(imp->attach);
		goto out_unlock;
	}
	vobj->mapped = true;
	vobj->moved = false;
	vobj->map_users = 1;
out_unlock:
	dma_resv_unlock(obj->resv);
	return ret;
}

static void vprime_fb_unpin_obj(struct drm_gem_object *obj)
{
	struct vprime_gem_object *vobj = to_vprime_gem(obj);
	struct vprime_import *imp = &vobj->import;

	if (!obj->import_attach || !imp->dynamic)
		return;

	dma_resv_lock(obj->resv, NULL);
	if (!--vobj->map_users) {
		vprime_import_unmap_locked(imp);
		dma_buf_unpin(imp->attach);
	}
	dma_resv_unlock(obj->resv);
}

static void vprime_fb_unpin(struct drm_framebuffer *fb, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		if (vprime_fb_obj_first(fb, i))
			vprime_fb_unpin_obj(fb->obj[i]);
}

static int vprime_fb_pin(struct drm_framebuffer *fb)
{
	unsigned int i;
	int ret;

	for (i = 0; i < fb->format->num_planes; i++) {
		if (!vprime_fb_obj_first(fb, i))
			continue;
		ret = vprime_fb_pin_obj(fb->obj[i]);
		if (ret) {
			vprime_fb_unpin(fb, i);
			return ret;
		}
	}
	return 0;
}

/**
 * vprime_fb_vmap - take a use of a framebuffer: pins and kernel mapping
 * @fb: a framebuffer of a display device
 * @data: receives the address of each fb plane (offsets applied)
 *
 * Pins and maps @fb's imported buffers and maps @fb for the CPU on its
 * first use; vprime_fb_vunmap() drops the use. Must not be called from
 * atomic context.
 *
 * Returns: 0, or a negative errno; -EINVAL for I/O memory, -ERESTARTSYS
 * when interrupted, the exporter's error when a pin or map fails.
 */
int vprime_fb_vmap(struct drm_framebuffer *fb, struct iosys_map *data)
{
	struct vprime_fb *vfb = to_vprime_fb(fb);
	int ret = 0;

	mutex_lock(&vfb->lock);
	if (!vfb->map_count) {
		ret = vprime_fb_pin(fb);
		if (!ret)
			ret = drm_gem_fb_vmap(fb, vfb->map, vfb->data);
		else
			goto out_unlock;
		if (!ret && vfb->map[0].is_iomem) {
			drm_gem_fb_vunmap(fb, vfb->map);
			ret = -EINVAL;
		}
		if (ret)
			vprime_fb_unpin(fb, fb->format->num_planes);
	}
	if (!ret) {
		vfb->map_count++;
		memcpy(data, vfb->data, sizeof(vfb->data));
	}
out_unlock:
	mutex_unlock(&vfb->lock);

	if (ret)
		drm_dbg_kms(fb->dev, "[FB:%d] vmap failed: %d\n", fb->base.id, ret);

	return ret;
}

/**
 * vprime_fb_vunmap - drop a use taken by vprime_fb_vmap()
 * @fb: the framebuffer
 *
 * The last use unmaps @fb and unpins its imported buffers.
 */
void vprime_fb_vunmap(struct drm_framebuffer *fb)
{
	struct vprime_fb *vfb = to_vprime_fb(fb);

	mutex_lock(&vfb->lock);
	if (!drm_WARN_ON(fb->dev, !vfb->map_count) && !--vfb->map_count) {
		drm_gem_fb_vunmap(fb, vfb->map);
		vprime_fb_unpin(fb, fb->format->num_planes);
	}
	mutex_unlock(&vfb->lock);
}
