// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime display devices
 *
 * The platform driver "vprime-kms" and its devices ("num_displays" of
 * them), each a DRM device "vprime_kms" with DRIVER_MODESET, DRIVER_ATOMIC,
 * DRIVER_GEM, DRIVER_SYNCOBJ and DRIVER_SYNCOBJ_TIMELINE, with
 * "num_outputs" pipes. A pipe is a CRTC, its primary plane, "num_overlays"
 * overlay planes and cursor plane (possible_crtcs: that CRTC only), a
 * virtual connector whose encoder drives that CRTC only, and a writeback
 * connector capturing that CRTC, whose encoder is the one clone of the
 * output's (possible_clones). Each CRTC has its own vblank timer, composer
 * and CRC, so the outputs flip independently. Buffers are the GEM objects of
 * vprime_gem.h (dumb buffers, PRIME import and export), mapped for the
 * platform device, which has a 64-bit DMA mask. Syncobjs, binary and
 * timeline, let a compositor that implements explicit sync keep its
 * timelines on the display device: a point's fence exported as a sync_file
 * is a plane's IN_FENCE_FD like any other.
 *
 * Commits use the atomic helpers, with one change: the helpers wait for the
 * plane fences without a bound, so the planes hand their fences (explicit
 * IN_FENCE_FD, else the framebuffer's implicit write fences) to the commit
 * tail, which waits for them at most "fence_timeout_ms" in total. Fence
 * timeout policy: a plane whose fence has not signalled by then is not
 * read; it keeps showing its previous framebuffer at its previous position
 * (or nothing, if it showed nothing) until a later commit, and the commit
 * completes normally (events and out-fences are signalled, the device
 * stays usable). The timeouts are counted in debugfs
 * (vprime_compose_stats). A blocking commit thus returns within
 * fence_timeout_ms plus a frame.
 *
 * Unbinding the platform device unplugs the DRM device and shuts the
 * display down; open files keep the DRM device until closed.
 */
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/platform_device.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_managed.h>
#include <drm/drm_prime.h>
#include <drm/drm_print.h>
#include <drm/drm_probe_helper.h>
#include <drm/drm_vblank.h>

#include "vprime_drv.h"
#include "vprime_gem.h"
#include "vprime_kms.h"

#define VPRIME_KMS_PLATFORM_NAME	"vprime-kms"

static unsigned int num_displays = 1;
module_param(num_displays, uint, 0444);
MODULE_PARM_DESC(num_displays, "Number of display devices (default 1, max 8)");

static unsigned int num_outputs = 1;
module_param(num_outputs, uint, 0444);
MODULE_PARM_DESC(num_outputs,
		 "Outputs (CRTC, planes, connector, writeback) per display (default 1, 1-8; at most 32 planes per display); out of range refuses the load");

static unsigned int num_overlays = 2;
module_param(num_overlays, uint, 0444);
MODULE_PARM_DESC(num_overlays, "Overlay planes per display (default 2, max 8)");

static unsigned int refresh = 60;
module_param(refresh, uint, 0444);
MODULE_PARM_DESC(refresh, "Refresh rate of the display modes in Hz (default 60, 10-240)");

static char *preferred_mode = "1024x768";
module_param(preferred_mode, charp, 0444);
MODULE_PARM_DESC(preferred_mode,
		 "Preferred mode WIDTHxHEIGHT, from 640x480 to 1920x1080 (default 1024x768)");

static unsigned int fence_timeout_ms = 5000;
module_param(fence_timeout_ms, uint, 0444);
MODULE_PARM_DESC(fence_timeout_ms,
		 "Longest wait of a commit for its plane fences in ms; then the planes keep their previous contents (default 5000, 1-60000)");

static struct platform_device *vprime_kms_pdevs[VPRIME_KMS_MAX_DISPLAYS];

DEFINE_DRM_GEM_FOPS(vprime_kms_fops);

/*
 * Wait for the fences prepare_fb collected, all planes sharing one deadline.
 * See the fence timeout policy in the DOC comment.
 */
static void vprime_kms_wait_fences(struct drm_atomic_state *state)
{
	struct drm_device *dev = state->dev;
	struct vprime_kms_device *kms = to_vprime_kms(dev);
	unsigned long deadline = jiffies +
		msecs_to_jiffies(kms->config.fence_timeout_ms);
	struct drm_plane_state *old_state, *new_state;
	struct drm_plane *plane;
	u32 timed_out = 0;
	struct drm_crtc *crtc;
	int i;

	for_each_oldnew_plane_in_state(state, plane, old_state, new_state, i) {
		struct vprime_plane_state *vstate = to_vprime_plane_state(new_state);
		long left = 0;
		long ret;

		if (!vstate->wait_fence)
			continue;

		if (time_before(jiffies, deadline))
			left = deadline - jiffies;
		ret = dma_fence_wait_timeout(vstate->wait_fence, false, left);
		dma_fence_put(vstate->wait_fence);
		vstate->wait_fence = NULL;
		if (ret > 0)
			continue;

		drm_dbg_atomic(dev, "[PLANE:%d:%s] fence wait %s, frame skipped\n",
			       plane->base.id, plane->name,
			       ret ? "failed" : "timed out");
		vprime_plane_keep_previous(old_state, new_state);
		crtc = new_state->crtc ?: old_state->crtc;
		if (crtc)
			timed_out |= drm_crtc_mask(crtc);
	}

	drm_for_each_crtc(crtc, dev)
		if (timed_out & drm_crtc_mask(crtc))
			atomic_inc(&to_vprime_crtc(crtc)->fence_timeouts);
}

static void vprime_kms_commit_tail(struct drm_atomic_state *state)
{
	struct drm_device *dev = state->dev;
	struct drm_crtc *crtc;
	int i;

	vprime_kms_wait_fences(state);

	/*
	 * Planes before enables: the composer sees the new planes when a
	 * writeback job is handed over in the enables.
	 */
	drm_atomic_helper_commit_modeset_disables(dev, state);
	drm_atomic_helper_commit_planes(dev, state, 0);
	drm_atomic_helper_commit_modeset_enables(dev, state);

	drm_atomic_helper_commit_hw_done(state);
	drm_atomic_helper_wait_for_flip_done(dev, state);

	/* The composer must be done with the old CRTC and plane states. */
	for (i = 0; i < dev->mode_config.num_crtc; i++) {
		crtc = state->crtcs[i].ptr;
		if (crtc)
			vprime_crtc_flush_composer(to_vprime_crtc(crtc));
	}

	drm_atomic_helper_cleanup_planes(dev, state);
}

static const struct drm_mode_config_funcs vprime_kms_mode_funcs = {
	.fb_create = vprime_fb_create,
	.atomic_check = drm_atomic_helper_check,
	.atomic_commit = drm_atomic_helper_commit,
};

static const struct drm_mode_config_helper_funcs vprime_kms_mode_helpers = {
	.atomic_commit_tail = vprime_kms_commit_tail,
};

static int vprime_kms_config_show(struct seq_file *m, void *data)
{
	struct drm_info_node *node = m->private;
	struct vprime_kms_device *kms = to_vprime_kms(node->minor->dev);
	const struct vprime_kms_config *cfg = &kms->config;

	seq_printf(m, "num_outputs=%u\n", cfg->num_outputs);
	seq_printf(m, "num_overlays=%u\n", cfg->num_overlays);
	seq_printf(m, "refresh=%u\n", cfg->refresh);
	seq_printf(m, "preferred_mode=%ux%u\n", cfg->pref_w, cfg->pref_h);
	seq_printf(m, "fence_timeout_ms=%u\n", cfg->fence_timeout_ms);

	return 0;
}

static const struct drm_info_list vprime_kms_debugfs_list[] = {
	{ "vprime_config", vprime_kms_config_show, 0 },
};

static void vprime_kms_debugfs_init(struct drm_minor *minor)
{
	struct vprime_kms_device *kms = to_vprime_kms(minor->dev);

	drm_debugfs_create_files(vprime_kms_debugfs_list,
				 ARRAY_SIZE(vprime_kms_debugfs_list),
				 minor->debugfs_root, minor);
	/* CRTC 0's, where it was before there were several (crtc-N/ too). */
	vprime_composer_debugfs_init(&kms->pipes[0].crtc, minor->debugfs_root);
}

static const struct drm_driver vprime_kms_driver = {
	.driver_features = DRIVER_MODESET | DRIVER_ATOMIC | DRIVER_GEM |
			   DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE,
	.fops = &vprime_kms_fops,
	.dumb_create = vprime_gem_dumb_create,
	.dumb_map_offset = vprime_gem_dumb_map_offset,
	.prime_handle_to_fd = drm_gem_prime_handle_to_fd,
	.prime_fd_to_handle = drm_gem_prime_fd_to_handle,
	.gem_prime_import = vprime_gem_prime_import,
	.gem_prime_mmap = drm_gem_prime_mmap,
	.debugfs_init = vprime_kms_debugfs_init,
	.name = VPRIME_KMS_DRIVER_NAME,
	.desc = "vprime virtual display",
	.date = "20261121",
	.major = 1,
	.minor = 0,
};

/* Copy and check the module parameters. */
static void vprime_kms_config_init(struct vprime_kms_config *cfg)
{
	unsigned int w = 0, h = 0;

	cfg->num_outputs = num_outputs;
	cfg->num_overlays = min_t(unsigned int, num_overlays,
				  VPRIME_KMS_MAX_OVERLAYS);
	cfg->refresh = clamp_t(unsigned int, refresh, 10, 240);
	cfg->fence_timeout_ms = clamp_t(unsigned int, fence_timeout_ms,
					1, 60000);

	if (!preferred_mode || sscanf(preferred_mode, "%ux%u", &w, &h) != 2 ||
	    w < 640 || w > VPRIME_KMS_LIST_MAX_W || w % 8 ||
	    h < 480 || h > VPRIME_KMS_LIST_MAX_H) {
		pr_info("vprime: preferred_mode \"%s\" unsupported, using 1024x768\n",
			preferred_mode ?: "");
		w = 1024;
		h = 768;
	}
	cfg->pref_w = w;
	cfg->pref_h = h;
}

/* Pipe @index: its planes, CRTC, output and writeback connector. */
static int vprime_kms_pipe_init(struct vprime_kms_device *kms,
				unsigned int index)
{
	struct drm_device *dev = &kms->base;
	struct vprime_pipe *pipe = &kms->pipes[index];
	struct drm_plane *primary, *cursor, *overlay;
	u32 crtc_mask = BIT(index);
	unsigned int i, max_zpos;
	u32 clones;
	int ret;

	/*
	 * zpos defaults bottom to top, primary 0 to cursor num_overlays + 1,
	 * and the range is that of the plane count of a CRTC, as generic
	 * clients (IGT's kms_atomic) index a CRTC's planes by zpos.
	 */
	max_zpos = kms->config.num_overlays + 1;
	primary = vprime_plane_create(dev, DRM_PLANE_TYPE_PRIMARY, crtc_mask,
				      0, max_zpos);
	if (IS_ERR(primary))
		return PTR_ERR(primary);

	for (i = 0; i < kms->config.num_overlays; i++) {
		overlay = vprime_plane_create(dev, DRM_PLANE_TYPE_OVERLAY,
					      crtc_mask, i + 1, max_zpos);
		if (IS_ERR(overlay))
			return PTR_ERR(overlay);
	}

	cursor = vprime_plane_create(dev, DRM_PLANE_TYPE_CURSOR, crtc_mask,
				     max_zpos, max_zpos);
	if (IS_ERR(cursor))
		return PTR_ERR(cursor);

	/* CRTCs get their indices in creation order: this one is @index. */
	ret = vprime_crtc_init(dev, &pipe->crtc, primary, cursor);
	if (ret)
		return ret;
	if (WARN_ON(drm_crtc_index(&pipe->crtc.base) != index))
		return -EINVAL;

	ret = vprime_output_init(dev, &pipe->output, &pipe->crtc.base, index);
	if (ret)
		return ret;

	ret = vprime_writeback_init(dev, &pipe->wb, &pipe->crtc.base);
	if (ret)
		return ret;

	/* The writeback connector captures what this output shows. */
	clones = drm_encoder_mask(&pipe->output.encoder) |
		 drm_encoder_mask(&pipe->wb.base.encoder);
	pipe->output.encoder.possible_clones = clones;
	pipe->wb.base.encoder.possible_clones = clones;

	return 0;
}

static int vprime_kms_modeset_init(struct vprime_kms_device *kms)
{
	struct drm_device *dev = &kms->base;
	unsigned int i;
	int ret;

	/*
	 * Before the mode config: drmm releases in reverse order, and the
	 * mode config's cleanup destroys the objects embedded in the pipes.
	 */
	kms->pipes = drmm_kcalloc(dev, kms->config.num_outputs,
				  sizeof(*kms->pipes), GFP_KERNEL);
	if (!kms->pipes)
		return -ENOMEM;

	ret = drmm_mode_config_init(dev);
	if (ret)
		return ret;

	dev->mode_config.funcs = &vprime_kms_mode_funcs;
	dev->mode_config.helper_private = &vprime_kms_mode_helpers;
	dev->mode_config.min_width = VPRIME_KMS_FB_MIN;
	dev->mode_config.min_height = VPRIME_KMS_FB_MIN;
	dev->mode_config.max_width = VPRIME_KMS_FB_MAX;
	dev->mode_config.max_height = VPRIME_KMS_FB_MAX;
	dev->mode_config.cursor_width = VPRIME_KMS_CURSOR_MAX;
	dev->mode_config.cursor_height = VPRIME_KMS_CURSOR_MAX;
	dev->mode_config.preferred_depth = 24;
	dev->mode_config.prefer_shadow = 0;
	dev->mode_config.normalize_zpos = true;

	for (i = 0; i < kms->config.num_outputs; i++) {
		ret = vprime_kms_pipe_init(kms, i);
		if (ret)
			return ret;
	}

	drm_mode_config_reset(dev);

	return 0;
}

static int vprime_kms_probe(struct platform_device *pdev)
{
	struct vprime_kms_device *kms;
	struct drm_device *dev;
	int ret;

	kms = devm_drm_dev_alloc(&pdev->dev, &vprime_kms_driver,
				 struct vprime_kms_device, base);
	if (IS_ERR(kms))
		return PTR_ERR(kms);
	dev = &kms->base;

	vprime_kms_config_init(&kms->config);

	ret = dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	/* no segment limit: a scanout mapping is one entry per backing chunk */
	ret = dma_set_max_seg_size(&pdev->dev, UINT_MAX);
	if (ret)
		return ret;

	ret = drm_vblank_init(dev, kms->config.num_outputs);
	if (ret)
		return ret;

	ret = vprime_kms_modeset_init(kms);
	if (ret)
		return ret;

	platform_set_drvdata(pdev, kms);

	return drm_dev_register(dev, 0);
}

static int vprime_kms_remove(struct platform_device *pdev)
{
	struct vprime_kms_device *kms = platform_get_drvdata(pdev);

	drm_dev_unplug(&kms->base);
	drm_atomic_helper_shutdown(&kms->base);

	return 0;
}

static struct platform_driver vprime_kms_platform_driver = {
	.probe = vprime_kms_probe,
	.remove = vprime_kms_remove,
	.driver = {
		.name = VPRIME_KMS_PLATFORM_NAME,
	},
};

static void vprime_kms_destroy_devices(void)
{
	unsigned int i;

	for (i = ARRAY_SIZE(vprime_kms_pdevs); i-- > 0;) {
		if (vprime_kms_pdevs[i])
			platform_device_unregister(vprime_kms_pdevs[i]);
		vprime_kms_pdevs[i] = NULL;
	}
}

/**
 * vprime_kms_register - register the display driver and its devices
 *
 * Returns: 0 or a negative errno.
 */
int vprime_kms_register(void)
{
	unsigned int i, n = min_t(unsigned int, num_displays,
				  VPRIME_KMS_MAX_DISPLAYS);
	unsigned int planes;
	int ret;

	/* A wrong output count is refused: a compositor test relies on it. */
	if (num_outputs < 1 || num_outputs > VPRIME_KMS_MAX_OUTPUTS) {
		pr_err("vprime: num_outputs=%u out of range 1-%u\n",
		       num_outputs, VPRIME_KMS_MAX_OUTPUTS);
		return -EINVAL;
	}
	planes = num_outputs *
		 (min_t(unsigned int, num_overlays, VPRIME_KMS_MAX_OVERLAYS) + 2);
	if (planes > VPRIME_KMS_MAX_PLANES) {
		pr_err("vprime: num_outputs=%u with num_overlays=%u needs %u planes, more than %u\n",
		       num_outputs, num_overlays, planes, VPRIME_KMS_MAX_PLANES);
		return -EINVAL;
	}

	ret = platform_driver_register(&vprime_kms_platform_driver);
	if (ret)
		return ret;

	for (i = 0; i < n; i++) {
		struct platform_device *pdev;

		pdev = platform_device_register_simple(VPRIME_KMS_PLATFORM_NAME,
						       i, NULL, 0);
		if (IS_ERR(pdev)) {
			ret = PTR_ERR(pdev);
			goto err_devices;
		}
		vprime_kms_pdevs[i] = pdev;
	}

	return 0;

err_devices:
	vprime_kms_destroy_devices();
	platform_driver_unregister(&vprime_kms_platform_driver);
	return ret;
}

/**
 * vprime_kms_unregister - remove the display devices and driver
 */
void vprime_kms_unregister(void)
{
	vprime_kms_destroy_devices();
	platform_driver_unregister(&vprime_kms_platform_driver);
}
