// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime display planes
 *
 * Primary, overlay and cursor planes. Every plane can be positioned and
 * clipped, has a zpos property, and scans out the formats of
 * vprime_formats.c with the LINEAR modifier only; format_mod_supported()
 * makes framebuffer creation and IN_FORMATS follow that list.
 *
 * Primary and overlay planes have the "alpha" and "pixel blend mode"
 * properties (None, Pre-multiplied, Coverage). Cursor planes have neither,
 * as the cursors of i915 and amdgpu don't: the KMS blending documentation
 * (drm_blend.c, "Plane Composition Properties") takes the plane alpha of a
 * plane without the "alpha" property to be 1.0, and a cursor without "pixel
 * blend mode" blends its pixel alpha with the plane state's default,
 * Pre-multiplied. Generic clients such as IGT's kms_plane_alpha_blend give
 * every plane that has "alpha" a framebuffer of the mode's size, which a
 * cursor plane can't take (DRM_PLANE_TYPE_CURSOR in drm_plane.h: the size
 * of &drm_mode_config.cursor_width and cursor_height).
 *
 * Primary and overlay planes scale: the source rectangle (16.16) may be
 * up to %VPRIME_KMS_MAX_UPSCALE times smaller or %VPRIME_KMS_MAX_DOWNSCALE
 * times larger than the CRTC rectangle in each direction, any ratio in
 * between; a ratio outside is -EINVAL. They have the SCALING_FILTER
 * property with "Default" and "Nearest Neighbor", both sampled the same
 * way by the composer (vprime_composer.c). Cursor planes don't scale (a
 * source size other than the CRTC size is -EINVAL) and are at most
 * %VPRIME_KMS_CURSOR_MAX pixels wide and high.
 *
 * Each plane belongs to one CRTC (its possible_crtcs has one bit), and zpos
 * orders the planes of that CRTC: the range is 0 to the number of planes
 * per CRTC minus one on every CRTC.
 *
 * prepare_fb collects the plane's fences - the explicit IN_FENCE_FD and,
 * without one, the write fences of the framebuffer's dma_resv (native and
 * imported buffers alike) - and moves them out of drm_plane_state.fence into
 * vprime_plane_state.wait_fence, so that the atomic helpers don't wait for
 * them without a bound; the commit tail waits instead (vprime_kms.c). It
 * also takes a use of the framebuffer's kernel mapping for the composer,
 * which cleanup_fb drops once the state is replaced (vprime_kms_fb.c).
 */
#include <linux/dma-fence.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_blend.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_gem_atomic_helper.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>

#include "vprime_kms.h"

static void vprime_frame_release(struct vprime_frame *frame)
{
	if (!frame->fb)
		return;
	vprime_fb_vunmap(frame->fb);
	if (frame->owned)
		drm_framebuffer_put(frame->fb);
	frame->fb = NULL;
	frame->owned = false;
}

static void vprime_plane_destroy_state(struct drm_plane *plane,
				       struct drm_plane_state *state)
{
	struct vprime_plane_state *vstate = to_vprime_plane_state(state);

	vprime_frame_release(&vstate->frame);
	dma_fence_put(vstate->wait_fence);
	__drm_atomic_helper_plane_destroy_state(state);
	kfree(vstate);
}

static void vprime_plane_reset(struct drm_plane *plane)
{
	struct vprime_plane_state *vstate;

	if (plane->state) {
		vprime_plane_destroy_state(plane, plane->state);
		plane->state = NULL;
	}

	vstate = kzalloc(sizeof(*vstate), GFP_KERNEL);
	if (!vstate)
		return;

	__drm_atomic_helper_plane_reset(plane, &vstate->base);
}

static struct drm_plane_state *
vprime_plane_duplicate_state(struct drm_plane *plane)
{
	struct vprime_plane_state *vstate;

	if (!plane->state)
		return NULL;

	vstate = kzalloc(sizeof(*vstate), GFP_KERNEL);
	if (!vstate)
		return NULL;

	/* The frame, fence and hidden flag start empty in every commit. */
	__drm_atomic_helper_plane_duplicate_state(plane, &vstate->base);

	return &vstate->base;
}

static bool vprime_plane_format_mod_supported(struct drm_plane *plane,
					      u32 format, u64 modifier)
{
	return modifier == DRM_FORMAT_MOD_LINEAR && vprime_format_lookup(format);
}

static const struct drm_plane_funcs vprime_plane_funcs = {
	.update_plane = drm_atomic_helper_update_plane,
	.disable_plane = drm_atomic_helper_disable_plane,
	.reset = vprime_plane_reset,
	.atomic_duplicate_state = vprime_plane_duplicate_state,
	.atomic_destroy_state = vprime_plane_destroy_state,
	.format_mod_supported = vprime_plane_format_mod_supported,
};

static int vprime_plane_atomic_check(struct drm_plane *plane,
				     struct drm_atomic_state *state)
{
	struct drm_plane_state *new_state =
		drm_atomic_get_new_plane_state(state, plane);
	struct drm_framebuffer *fb = new_state->fb;
	struct drm_crtc_state *crtc_state;
	u32 src_w = new_state->src_w >> 16;
	u32 src_h = new_state->src_h >> 16;
	int min_scale = DRM_PLANE_NO_SCALING, max_scale = DRM_PLANE_NO_SCALING;
	int ret;

	if (!fb || !new_state->crtc)
		return 0;

	if (!vprime_format_lookup(fb->format->format) ||
	    fb->modifier != DRM_FORMAT_MOD_LINEAR) {
		drm_dbg_atomic(plane->dev,
			       "[PLANE:%d:%s] unsupported format %p4cc modifier 0x%llx\n",
			       plane->base.id, plane->name,
			       &fb->format->format, fb->modifier);
		return -EINVAL;
	}

	if (plane->type == DRM_PLANE_TYPE_CURSOR &&
	    (new_state->crtc_w > VPRIME_KMS_CURSOR_MAX ||
	     new_state->crtc_h > VPRIME_KMS_CURSOR_MAX)) {
		drm_dbg_atomic(plane->dev, "[PLANE:%d:%s] cursor %ux%u too big\n",
			       plane->base.id, plane->name,
			       new_state->crtc_w, new_state->crtc_h);
		return -EINVAL;
	}

	/* Cursors don't scale; the other planes do, within the limits. */
	if (plane->type != DRM_PLANE_TYPE_CURSOR) {
		min_scale = DRM_PLANE_NO_SCALING / VPRIME_KMS_MAX_UPSCALE;
		max_scale = DRM_PLANE_NO_SCALING * VPRIME_KMS_MAX_DOWNSCALE;
	}

	crtc_state = drm_atomic_get_crtc_state(state, new_state->crtc);
	if (IS_ERR(crtc_state))
		return PTR_ERR(crtc_state);

	/* Positions off the CRTC are clipped, fully off-screen is invisible. */
	ret = drm_atomic_helper_check_plane_state(new_state, crtc_state,
						  min_scale, max_scale,
						  true, true);
	/*
	 * The helper's -ERANGE for a scale factor out of range is -EINVAL
	 * here, the errno of every other invalid plane configuration.
	 */
	if (ret == -ERANGE) {
		drm_dbg_atomic(plane->dev,
			       "[PLANE:%d:%s] scaling %ux%u to %ux%u out of range\n",
			       plane->base.id, plane->name, src_w, src_h,
			       new_state->crtc_w, new_state->crtc_h);
		return -EINVAL;
	}
	return ret;
}

static int vprime_plane_prepare_fb(struct drm_plane *plane,
				   struct drm_plane_state *state)
{
	struct vprime_plane_state *vstate = to_vprime_plane_state(state);
	struct vprime_frame *frame = &vstate->frame;
	int ret;

	/*
	 * Not without a framebuffer: 6.1's helper then returns early with a
	 * reference to state->fence (an IN_FENCE_FD) taken and never dropped.
	 */
	if (state->fb) {
		ret = drm_gem_plane_helper_prepare_fb(plane, state);
		if (ret)
			return ret;
	}

	/* Waited for with a bound in the commit tail, see the DOC above. */
	dma_fence_put(vstate->wait_fence);
	vstate->wait_fence = state->fence;
	state->fence = NULL;

	if (!state->fb)
		return 0;

	vprime_frame_release(frame);
	ret = vprime_fb_vmap(state->fb, frame->data);
	if (ret)
		return ret;
	frame->fb = state->fb;

	return 0;
}

static void vprime_plane_cleanup_fb(struct drm_plane *plane,
				    struct drm_plane_state *state)
{
	vprime_frame_release(&to_vprime_plane_state(state)->frame);
}

static void vprime_plane_atomic_update(struct drm_plane *plane,
				       struct drm_atomic_state *state)
{
	struct drm_plane_state *new_state =
		drm_atomic_get_new_plane_state(state, plane);
	struct vprime_plane_state *vstate = to_vprime_plane_state(new_state);
	struct vprime_frame *frame = &vstate->frame;
	struct drm_framebuffer *fb = new_state->fb;

	/* A skipped frame keeps what vprime_plane_keep_previous() set up. */
	if (!fb || !new_state->visible || frame->owned || vstate->hidden)
		return;

	frame->src.x1 = new_state->src.x1 >> 16;
	frame->src.y1 = new_state->src.y1 >> 16;
	frame->src.x2 = new_state->src.x2 >> 16;
	frame->src.y2 = new_state->src.y2 >> 16;
	frame->dst = new_state->dst;
	frame->pitch = fb->pitches[0];
	frame->cpp = fb->format->cpp[0];
	frame->format = vprime_format_lookup(fb->format->format);
	frame->alpha = new_state->alpha >> 8;
	frame->blend_mode = new_state->pixel_blend_mode;
	frame->src_fp.x1 = new_state->src_x;
	frame->src_fp.y1 = new_state->src_y;
	frame->src_fp.x2 = new_state->src_x + new_state->src_w;
	frame->src_fp.y2 = new_state->src_y + new_state->src_h;
	frame->crtc.x1 = new_state->crtc_x;
	frame->crtc.y1 = new_state->crtc_y;
	frame->crtc.x2 = new_state->crtc_x + new_state->crtc_w;
	frame->crtc.y2 = new_state->crtc_y + new_state->crtc_h;
	frame->scaled = new_state->src_w != new_state->crtc_w << 16 ||
			new_state->src_h != new_state->crtc_h << 16;
	frame->opaque = frame->alpha == 0xff &&
			(!frame->format->has_alpha ||
			 frame->blend_mode == DRM_MODE_BLEND_PIXEL_NONE);
}

/**
 * vprime_plane_keep_previous - show a plane's previous contents this frame
 * @old_state: the plane's state before the commit
 * @new_state: the committed state whose fences did not signal in time
 *
 * Called from the commit tail before the planes are updated. The new
 * framebuffer is not read: the plane shows the previous framebuffer at the
 * previous position (a reference is taken, released with @new_state), or
 * nothing when it showed nothing before. The mapping of the previous
 * framebuffer is in use by @old_state, so taking another use can't fail.
 */
void vprime_plane_keep_previous(struct drm_plane_state *old_state,
				struct drm_plane_state *new_state)
{
	struct vprime_plane_state *vold = to_vprime_plane_state(old_state);
	struct vprime_plane_state *vnew = to_vprime_plane_state(new_state);
	struct drm_framebuffer *fb = vold->frame.fb;

	vprime_frame_release(&vnew->frame);

	if (!fb || !old_state->visible || vold->hidden ||
	    old_state->crtc != new_state->crtc) {
		vnew->hidden = true;
		return;
	}

	/* A use of the mapping and a reference, both for @new_state. */
	vnew->frame = vold->frame;
	vnew->frame.fb = NULL;
	if (vprime_fb_vmap(fb, vnew->frame.data)) {
		vnew->hidden = true;
		return;
	}
	drm_framebuffer_get(fb);
	vnew->frame.fb = fb;
	vnew->frame.owned = true;
}

static const struct drm_plane_helper_funcs vprime_plane_helper_funcs = {
	.prepare_fb = vprime_plane_prepare_fb,
	.cleanup_fb = vprime_plane_cleanup_fb,
	.atomic_check = vprime_plane_atomic_check,
	.atomic_update = vprime_plane_atomic_update,
};

/**
 * vprime_plane_create - create a plane of one CRTC
 * @dev: the display device
 * @type: primary, overlay or cursor
 * @possible_crtcs: the mask of the one CRTC the plane belongs to
 * @zpos: default zpos, also the plane's index bottom to top on its CRTC
 * @max_zpos: the top of the zpos range, the number of planes per CRTC
 *	minus one
 *
 * Returns: the plane (freed with @dev), or an ERR_PTR.
 */
struct drm_plane *vprime_plane_create(struct drm_device *dev,
				      enum drm_plane_type type, u32 possible_crtcs,
				      unsigned int zpos, unsigned int max_zpos)
{
	struct vprime_plane *vplane;
	unsigned int blend_modes, filters;
	struct drm_plane *plane;
	int ret;

	vplane = drmm_universal_plane_alloc(dev, struct vprime_plane, base,
					    possible_crtcs, &vprime_plane_funcs,
					    vprime_plane_formats,
					    vprime_num_plane_formats,
					    vprime_format_modifiers, type, NULL);
	if (IS_ERR(vplane))
		return ERR_CAST(vplane);

	plane = &vplane->base;
	drm_plane_helper_add(plane, &vprime_plane_helper_funcs);

	ret = drm_plane_create_zpos_property(plane, zpos, 0, max_zpos);
	if (ret)
		return ERR_PTR(ret);

	/* The composer redraws whole frames: damage clips are only hints. */
	drm_plane_enable_fb_damage_clips(plane);

	/* Cursors: no alpha, blend mode or scaling (see the DOC above). */
	if (type == DRM_PLANE_TYPE_CURSOR)
		return plane;

	ret = drm_plane_create_alpha_property(plane);
	if (ret)
		return ERR_PTR(ret);

	blend_modes = BIT(DRM_MODE_BLEND_PIXEL_NONE) |
		      BIT(DRM_MODE_BLEND_PREMULTI) |
		      BIT(DRM_MODE_BLEND_COVERAGE);
	ret = drm_plane_create_blend_mode_property(plane, blend_modes);
	if (ret)
		return ERR_PTR(ret);

	filters = BIT(DRM_SCALING_FILTER_DEFAULT) |
		  BIT(DRM_SCALING_FILTER_NEAREST_NEIGHBOR);
	ret = drm_plane_create_scaling_filter_property(plane, filters);
	if (ret)
		return ERR_PTR(ret);

	return plane;
}
