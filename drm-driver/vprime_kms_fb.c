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
 * The composer reads framebuffers through a kernel mapping that exists
 * while the framebuffer is in use: from prepare_fb to cleanup_fb of each
 * plane state that shows it, and from prepare to cleanup of each writeback
 * job that writes it. The mapping is counted, so a framebuffer that stays
 * on screen across commits is mapped once. A buffer that is not in use -
 * for example the back buffer between two flips - holds no kernel mapping
 * and can migrate (vprime_core refuses to move a vmapped buffer).
 */
#include <linux/slab.h>

#include <drm/drm_framebuffer.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_print.h>

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

/**
 * vprime_fb_vmap - take a use of the kernel mapping of a framebuffer
 * @fb: a framebuffer of a display device
 * @data: receives the address of each fb plane (offsets applied)
 *
 * Maps @fb on its first use; vprime_fb_vunmap() drops the use. Must not be
 * called from atomic context.
 *
 * Returns: 0, or a negative errno; -EINVAL for I/O memory.
 */
int vprime_fb_vmap(struct drm_framebuffer *fb, struct iosys_map *data)
{
	struct vprime_fb *vfb = to_vprime_fb(fb);
	int ret = 0;

	mutex_lock(&vfb->lock);
	if (!vfb->map_count) {
		ret = drm_gem_fb_vmap(fb, vfb->map, vfb->data);
		if (!ret && vfb->map[0].is_iomem) {
			drm_gem_fb_vunmap(fb, vfb->map);
			ret = -EINVAL;
		}
	}
	if (!ret) {
		vfb->map_count++;
		memcpy(data, vfb->data, sizeof(vfb->data));
	}
	mutex_unlock(&vfb->lock);

	if (ret)
		drm_dbg_kms(fb->dev, "[FB:%d] vmap failed: %d\n", fb->base.id, ret);

	return ret;
}

/**
 * vprime_fb_vunmap - drop a use taken by vprime_fb_vmap()
 * @fb: the framebuffer
 *
 * The last use unmaps @fb.
 */
void vprime_fb_vunmap(struct drm_framebuffer *fb)
{
	struct vprime_fb *vfb = to_vprime_fb(fb);

	mutex_lock(&vfb->lock);
	if (!drm_WARN_ON(fb->dev, !vfb->map_count) && !--vfb->map_count)
		drm_gem_fb_vunmap(fb, vfb->map);
	mutex_unlock(&vfb->lock);
}
