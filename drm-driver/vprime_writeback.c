// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime display writeback
 *
 * The writeback connector captures the composed frame into a framebuffer
 * supplied with WRITEBACK_FB_ID (XRGB8888 or ARGB8888, linear, the size of
 * the mode). The job is prepared (vmapped) with the other framebuffers,
 * handed to the CRTC at commit and filled by the composer at the next
 * vblank, which then signals the writeback out-fence. One capture is in
 * flight per CRTC: a commit waits for the composer to take the previous
 * one. Each pipe has its own writeback connector, which captures its own
 * CRTC only (possible_crtcs) and is a clone of that pipe's output encoder.
 * A job without a framebuffer but with WRITEBACK_OUT_FENCE_PTR is rejected
 * with -EINVAL by the DRM core.
 */
#include <linux/wait.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_edid.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_print.h>
#include <drm/drm_probe_helper.h>
#include <drm/drm_vblank.h>

#include "vprime_kms.h"

/* How long a commit waits for the composer to take the previous capture. */
#define VPRIME_WB_TAKE_TIMEOUT_MS	1000

static int vprime_wb_encoder_atomic_check(struct drm_encoder *encoder,
					  struct drm_crtc_state *crtc_state,
					  struct drm_connector_state *conn_state)
{
	struct drm_writeback_job *job = conn_state->writeback_job;
	const struct drm_display_mode *mode = &crtc_state->mode;
	struct drm_framebuffer *fb;

	if (!job || !job->fb)
		return 0;

	fb = job->fb;
	if (fb->width != mode->hdisplay || fb->height != mode->vdisplay) {
		drm_dbg_atomic(encoder->dev,
			       "writeback fb %ux%u does not match mode %ux%u\n",
			       fb->width, fb->height,
			       mode->hdisplay, mode->vdisplay);
		return -EINVAL;
	}

	if (fb->modifier != DRM_FORMAT_MOD_LINEAR) {
		drm_dbg_atomic(encoder->dev,
			       "writeback fb modifier 0x%llx unsupported\n",
			       fb->modifier);
		return -EINVAL;
	}

	return drm_atomic_helper_check_wb_encoder_state(encoder, conn_state);
}

static const struct drm_encoder_helper_funcs vprime_wb_encoder_helper_funcs = {
	.atomic_check = vprime_wb_encoder_atomic_check,
};

static int vprime_wb_get_modes(struct drm_connector *connector)
{
	const struct vprime_kms_config *cfg = &to_vprime_kms(connector->dev)->config;
	int count;

	count = drm_add_modes_noedid(connector, VPRIME_KMS_LIST_MAX_W,
				     VPRIME_KMS_LIST_MAX_H);
	drm_set_preferred_mode(connector, cfg->pref_w, cfg->pref_h);

	return count;
}

static int vprime_wb_prepare_job(struct drm_writeback_connector *wb_conn,
				 struct drm_writeback_job *job)
{
	struct vprime_wb_job *vjob;
	int ret;

	if (!job->fb)
		return 0;

	vjob = kzalloc(sizeof(*vjob), GFP_KERNEL);
	if (!vjob)
		return -ENOMEM;

	ret = vprime_fb_vmap(job->fb, vjob->data);
	if (ret) {
		kfree(vjob);
		return ret;
	}

	/* The job holds a reference to @fb until its cleanup. */
	vjob->fb = job->fb;
	job->priv = vjob;

	return 0;
}

static void vprime_wb_cleanup_job(struct drm_writeback_connector *wb_conn,
				  struct drm_writeback_job *job)
{
	struct vprime_wb_job *vjob = job->priv;

	if (!vjob)
		return;

	vprime_fb_vunmap(vjob->fb);
	kfree(vjob);
	job->priv = NULL;
}

static bool vprime_wb_pending(struct vprime_crtc *vcrtc)
{
	bool pending;

	spin_lock_irq(&vcrtc->lock);
	pending = vprime_crtc_capture_pending(vcrtc);
	spin_unlock_irq(&vcrtc->lock);

	return pending;
}

static void vprime_wb_atomic_commit(struct drm_connector *connector,
				    struct drm_atomic_state *state)
{
	struct drm_connector_state *conn_state =
		drm_atomic_get_new_connector_state(state, connector);
	struct drm_writeback_connector *wb_conn =
		drm_connector_to_writeback(connector);
	struct vprime_crtc *vcrtc = to_vprime_crtc(conn_state->crtc);
	struct vprime_wb_job *job = conn_state->writeback_job->priv;
	struct vprime_wb_job *stale;
	bool have_ref;

	wait_event_timeout(vcrtc->wb_wait, !vprime_wb_pending(vcrtc),
			   msecs_to_jiffies(VPRIME_WB_TAKE_TIMEOUT_MS));

	drm_writeback_queue_job(wb_conn, conn_state);

	/* Vblanks must run until the capture is composed. */
	have_ref = !drm_crtc_vblank_get(&vcrtc->base);

	spin_lock_irq(&vcrtc->lock);
	stale = vcrtc->wb_job;
	vcrtc->wb_job = have_ref ? job : NULL;
	spin_unlock_irq(&vcrtc->lock);

	/* Completions go in queue order: an untaken older job first. */
	if (stale)
		vprime_writeback_done(vcrtc, stale, -ETIMEDOUT);
	if (!have_ref)
		drm_writeback_signal_completion(wb_conn, -EIO);
}

/**
 * vprime_writeback_done - complete the oldest queued capture
 * @vcrtc: the CRTC the capture was queued on
 * @job: the job, taken from @vcrtc->wb_job
 * @status: 0 or the error to set on the out-fence
 *
 * Signals the out-fence and drops the vblank reference of the job.
 */
void vprime_writeback_done(struct vprime_crtc *vcrtc,
			   struct vprime_wb_job *job, int status)
{
	drm_writeback_signal_completion(&to_vprime_pipe(vcrtc)->wb.base, status);
	drm_crtc_vblank_put(&vcrtc->base);
}

static const struct drm_connector_helper_funcs vprime_wb_conn_helper_funcs = {
	.get_modes = vprime_wb_get_modes,
	.prepare_writeback_job = vprime_wb_prepare_job,
	.cleanup_writeback_job = vprime_wb_cleanup_job,
	.atomic_commit = vprime_wb_atomic_commit,
};

static const struct drm_connector_funcs vprime_wb_conn_funcs = {
	.fill_modes = drm_helper_probe_single_connector_modes,
	.destroy = drm_connector_cleanup,
	.reset = drm_atomic_helper_connector_reset,
	.atomic_duplicate_state = drm_atomic_helper_connector_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_connector_destroy_state,
};

/**
 * vprime_writeback_init - create the writeback connector of a display
 * @dev: the display device
 * @wb: the connector, embedded in the device
 * @crtc: the CRTC it captures
 *
 * Returns: 0 or a negative errno.
 */
int vprime_writeback_init(struct drm_device *dev, struct vprime_writeback *wb,
			  struct drm_crtc *crtc)
{
	drm_connector_helper_add(&wb->base.base, &vprime_wb_conn_helper_funcs);

	return drm_writeback_connector_init(dev, &wb->base,
					    &vprime_wb_conn_funcs,
					    &vprime_wb_encoder_helper_funcs,
					    vprime_wb_formats,
					    vprime_num_wb_formats,
					    drm_crtc_mask(crtc));
}
