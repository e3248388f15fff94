// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime display CRTC
 *
 * The CRTC of a display: an hrtimer simulates the vblank interrupt at the
 * mode's refresh rate. The timer handles the vblank (sequence numbers,
 * timestamps, pending page-flip events) and, when a CRC or a writeback
 * capture is wanted, queues the composer; it never composes itself.
 *
 * Vblank timestamps are the timer's expiry: the timer is moved forward
 * before the vblank is handled, so the current vblank is one period before
 * the next expiry.
 *
 * The CRTC state lists the visible planes in zpos order for the composer.
 * atomic_flush publishes the new state to the composer; the commit tail
 * flushes the composer before the old state is freed.
 *
 * The page-flip event (and with it the CRTC out-fence and the commit's
 * flip_done) tells userspace that the previous buffers are no longer
 * scanned out. A composition that runs late - still reading the previous
 * state's buffers when the vblank that latches the new state comes - is
 * that scanout, so the event waits for it: the vblank timer sends it when
 * no composition of an older state is pending or running, else the
 * composer sends it when it finishes. The event keeps the vblank's sequence
 * and timestamp.
 */
#include <linux/dma-fence.h>
#include <linux/sort.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>
#include <drm/drm_vblank.h>

#include "vprime_kms.h"

/* Send a flip event taken from @vcrtc; drops its vblank reference. */
void vprime_crtc_send_flip_event(struct drm_crtc *crtc,
				 struct drm_pending_vblank_event *event)
{
	unsigned long flags;

	spin_lock_irqsave(&crtc->dev->event_lock, flags);
	drm_crtc_send_vblank_event(crtc, event);
	spin_unlock_irqrestore(&crtc->dev->event_lock, flags);
	drm_crtc_vblank_put(crtc);
}

/*
 * The pending flip event if it can be sent now, under vcrtc->lock. From
 * the vblank (@at_vblank) it is due, and it goes unless a composition of
 * an older state runs (then that composition sends it); from the composer,
 * it goes if it became due while the composer ran.
 */
struct drm_pending_vblank_event *
vprime_crtc_take_flip_event(struct vprime_crtc *vcrtc, bool at_vblank)
{
	struct drm_pending_vblank_event *event = vcrtc->flip_event;

	if (!event)
		return NULL;
	if (at_vblank)
		vcrtc->flip_due = true;
	if (!vcrtc->flip_due ||
	    (vcrtc->composing && vcrtc->composing != vcrtc->state) ||
	    (vcrtc->frame_pending && vcrtc->latched != vcrtc->state))
		return NULL;
	vcrtc->flip_event = NULL;
	vcrtc->flip_due = false;
	return event;
}

static enum hrtimer_restart vprime_crtc_vblank(struct hrtimer *timer)
{
	struct vprime_crtc *vcrtc = container_of(timer, struct vprime_crtc,
						 vblank_timer);
	struct drm_crtc *crtc = &vcrtc->base;
	struct drm_pending_vblank_event *event;
	bool compose, fence_cookie;
	u64 frame;

	fence_cookie = dma_fence_begin_signalling();

	hrtimer_forward_now(timer, vcrtc->period);
	drm_crtc_handle_vblank(crtc);
	frame = drm_crtc_vblank_count(crtc);

	spin_lock(&vcrtc->lock);
	compose = vcrtc->state && (vcrtc->crc_enabled || vcrtc->wb_job);
	if (compose) {
		if (vcrtc->frame_pending)
			vcrtc->frames_behind++;
		else if (vcrtc->crc_next_valid && vcrtc->crc_next <= frame &&
			 frame - vcrtc->crc_next < VPRIME_CRC_MAX_GAP)
			/*
			 * A late timer advances the counter by more than one:
			 * the skipped vblanks showed this same frame, and get
			 * its CRC too, so that CRC frame numbers never skip.
			 */
			vcrtc->frame_start = vcrtc->crc_next;
		else
			vcrtc->frame_start = frame;
		vcrtc->frame_end = frame;
		vcrtc->frame_pending = true;
		/*
		 * Latch what this vblank shows: a capture queued with a state
		 * is filled with that state, even if a newer one is committed
		 * before the composer runs. A latched capture keeps its state.
		 */
		if (!vcrtc->latched_job) {
			vcrtc->latched = vcrtc->state;
			vcrtc->latched_job = vcrtc->wb_job;
			vcrtc->wb_job = NULL;
		}
	}
	event = vprime_crtc_take_flip_event(vcrtc, true);
	spin_unlock(&vcrtc->lock);

	if (event)
		vprime_crtc_send_flip_event(crtc, event);
	if (compose)
		queue_work(vcrtc->composer_wq, &vcrtc->composer_work);

	dma_fence_end_signalling(fence_cookie);

	/* disable_vblank doesn't wait for us: stop here once it ran. */
	return READ_ONCE(vcrtc->vblank_on) ? HRTIMER_RESTART : HRTIMER_NORESTART;
}

static int vprime_crtc_enable_vblank(struct drm_crtc *crtc)
{
	struct vprime_crtc *vcrtc = to_vprime_crtc(crtc);
	struct drm_vblank_crtc *vblank = &crtc->dev->vblank[drm_crtc_index(crtc)];
	u64 period_ns;

	drm_calc_timestamping_constants(crtc, &crtc->mode);
	period_ns = vblank->framedur_ns;
	if (!period_ns)
		period_ns = NSEC_PER_SEC / 60;

	vcrtc->period = ns_to_ktime(period_ns);
	WRITE_ONCE(vcrtc->vblank_on, true);
	hrtimer_start(&vcrtc->vblank_timer, vcrtc->period, HRTIMER_MODE_REL);

	return 0;
}

/*
 * Called by the DRM core with dev->vblank_time_lock held (irqs off), which
 * the timer callback takes in drm_crtc_handle_vblank(): waiting for a
 * running callback here (hrtimer_cancel()) would deadlock both CPUs. So
 * only a queued timer is cancelled; a running callback sees @vblank_on
 * clear and doesn't restart. The final hrtimer_cancel() is in
 * vprime_crtc_release(), under no lock.
 */
static void vprime_crtc_disable_vblank(struct drm_crtc *crtc)
{
	struct vprime_crtc *vcrtc = to_vprime_crtc(crtc);

	WRITE_ONCE(vcrtc->vblank_on, false);
	hrtimer_try_to_cancel(&vcrtc->vblank_timer);
}

static bool vprime_crtc_get_vblank_timestamp(struct drm_crtc *crtc,
					     int *max_error,
					     ktime_t *vblank_time,
					     bool in_vblank_irq)
{
	struct vprime_crtc *vcrtc = to_vprime_crtc(crtc);
	struct drm_vblank_crtc *vblank = &crtc->dev->vblank[drm_crtc_index(crtc)];

	if (!READ_ONCE(vblank->enabled)) {
		*vblank_time = ktime_get();
		return true;
	}

	*vblank_time = ktime_sub(hrtimer_get_expires(&vcrtc->vblank_timer),
				 vcrtc->period);
	*max_error = 0;

	return true;
}

static void vprime_crtc_destroy_state(struct drm_crtc *crtc,
				      struct drm_crtc_state *state)
{
	struct vprime_crtc_state *vstate = to_vprime_crtc_state(state);

	__drm_atomic_helper_crtc_destroy_state(state);
	kvfree(vstate->color);
	kfree(vstate->planes);
	kfree(vstate);
}

static void vprime_crtc_reset(struct drm_crtc *crtc)
{
	struct vprime_crtc_state *vstate;

	if (crtc->state) {
		vprime_crtc_destroy_state(crtc, crtc->state);
		crtc->state = NULL;
	}

	vstate = kzalloc(sizeof(*vstate), GFP_KERNEL);
	if (!vstate)
		return;

	__drm_atomic_helper_crtc_reset(crtc, &vstate->base);
}

static struct drm_crtc_state *vprime_crtc_duplicate_state(struct drm_crtc *crtc)
{
	struct vprime_crtc_state *vstate;

	if (!crtc->state)
		return NULL;

	vstate = kzalloc(sizeof(*vstate), GFP_KERNEL);
	if (!vstate)
		return NULL;

	/* The plane list and colour tables are rebuilt by every atomic_check. */
	__drm_atomic_helper_crtc_duplicate_state(crtc, &vstate->base);

	return &vstate->base;
}

/* crtc-N/vprime_compose_stats; the directory exists once registered. */
static int vprime_crtc_late_register(struct drm_crtc *crtc)
{
#ifdef CONFIG_DEBUG_FS
	vprime_composer_debugfs_init(to_vprime_crtc(crtc), crtc->debugfs_entry);
#endif
	return 0;
}

static const struct drm_crtc_funcs vprime_crtc_funcs = {
	.set_config = drm_atomic_helper_set_config,
	.page_flip = drm_atomic_helper_page_flip,
	.destroy = drm_crtc_cleanup,
	.reset = vprime_crtc_reset,
	.atomic_duplicate_state = vprime_crtc_duplicate_state,
	.atomic_destroy_state = vprime_crtc_destroy_state,
	.enable_vblank = vprime_crtc_enable_vblank,
	.disable_vblank = vprime_crtc_disable_vblank,
	.get_vblank_timestamp = vprime_crtc_get_vblank_timestamp,
	.get_crc_sources = vprime_crc_get_sources,
	.verify_crc_source = vprime_crc_verify_source,
	.set_crc_source = vprime_crc_set_source,
	.late_register = vprime_crtc_late_register,
};

static enum drm_mode_status
vprime_crtc_mode_valid(struct drm_crtc *crtc, const struct drm_display_mode *mode)
{
	int refresh = drm_mode_vrefresh(mode);

	if (mode->hdisplay < VPRIME_KMS_MODE_MIN ||
	    mode->hdisplay > VPRIME_KMS_MODE_MAX)
		return MODE_BAD_HVALUE;
	if (mode->vdisplay < VPRIME_KMS_MODE_MIN ||
	    mode->vdisplay > VPRIME_KMS_MODE_MAX)
		return MODE_BAD_VVALUE;
	/* The vblank timer runs at the mode's rate: keep it sane. */
	if (refresh < 1 || refresh > 240)
		return MODE_CLOCK_RANGE;

	return MODE_OK;
}

static int vprime_plane_state_cmp(const void *a, const void *b)
{
	const struct vprime_plane_state *pa = *(struct vprime_plane_state * const *)a;
	const struct vprime_plane_state *pb = *(struct vprime_plane_state * const *)b;

	return (int)pa->base.normalized_zpos - (int)pb->base.normalized_zpos;
}

static int vprime_crtc_atomic_check(struct drm_crtc *crtc,
				    struct drm_atomic_state *state)
{
	struct drm_crtc_state *crtc_state =
		drm_atomic_get_new_crtc_state(state, crtc);
	struct vprime_crtc_state *vstate = to_vprime_crtc_state(crtc_state);
	struct drm_plane_state *plane_state;
	struct drm_plane *plane;
	unsigned int n = 0;
	int ret;

	ret = drm_atomic_add_affected_planes(state, crtc);
	if (ret)
		return ret;

	ret = vprime_color_check(crtc, vstate);
	if (ret)
		return ret;

	kfree(vstate->planes);
	vstate->planes = NULL;
	vstate->num_planes = 0;

	drm_for_each_plane_mask(plane, crtc->dev, crtc_state->plane_mask) {
		plane_state = drm_atomic_get_new_plane_state(state, plane);
		if (plane_state && plane_state->visible)
			n++;
	}
	if (!n)
		return 0;

	vstate->planes = kcalloc(n, sizeof(*vstate->planes), GFP_KERNEL);
	if (!vstate->planes)
		return -ENOMEM;

	drm_for_each_plane_mask(plane, crtc->dev, crtc_state->plane_mask) {
		plane_state = drm_atomic_get_new_plane_state(state, plane);
		if (plane_state && plane_state->visible)
			vstate->planes[vstate->num_planes++] =
				to_vprime_plane_state(plane_state);
	}

	sort(vstate->planes, vstate->num_planes, sizeof(*vstate->planes),
	     vprime_plane_state_cmp, NULL);

	return 0;
}

static void vprime_crtc_atomic_enable(struct drm_crtc *crtc,
				      struct drm_atomic_state *state)
{
	struct vprime_crtc *vcrtc = to_vprime_crtc(crtc);
	bool get_ref;

	drm_crtc_vblank_on(crtc);

	/* A CRC source selected while the CRTC was off needs vblanks now. */
	spin_lock_irq(&vcrtc->lock);
	get_ref = vcrtc->crc_enabled && !vcrtc->crc_vblank_ref;
	spin_unlock_irq(&vcrtc->lock);
	if (get_ref && !drm_crtc_vblank_get(crtc)) {
		spin_lock_irq(&vcrtc->lock);
		vcrtc->crc_vblank_ref = true;
		spin_unlock_irq(&vcrtc->lock);
	}
}

static void vprime_crtc_atomic_disable(struct drm_crtc *crtc,
				       struct drm_atomic_state *state)
{
	struct vprime_crtc *vcrtc = to_vprime_crtc(crtc);
	struct drm_pending_vblank_event *event;
	struct vprime_wb_job *job, *latched;

	drm_crtc_vblank_off(crtc);
	/* Under no lock here: wait out a callback still running. */
	hrtimer_cancel(&vcrtc->vblank_timer);
	flush_work(&vcrtc->composer_work);

	/*
	 * No more vblanks: a flip whose vblank never came completes now, a
	 * capture that was not composed is cancelled, and the CRC frame
	 * numbers start afresh when the CRTC is enabled again.
	 */
	spin_lock_irq(&vcrtc->lock);
	event = vcrtc->flip_event;
	vcrtc->flip_event = NULL;
	vcrtc->flip_due = false;
	latched = vcrtc->latched_job;
	vcrtc->latched_job = NULL;
	vcrtc->latched = NULL;
	job = vcrtc->wb_job;
	vcrtc->wb_job = NULL;
	vcrtc->frame_pending = false;
	vcrtc->crc_next_valid = false;
	spin_unlock_irq(&vcrtc->lock);

	if (event)
		vprime_crtc_send_flip_event(crtc, event);
	/* the older capture first: completions go in queue order */
	if (latched)
		vprime_writeback_done(vcrtc, latched, -ECANCELED);
	if (job)
		vprime_writeback_done(vcrtc, job, -ECANCELED);
}

static void vprime_crtc_atomic_flush(struct drm_crtc *crtc,
				     struct drm_atomic_state *state)
{
	struct vprime_crtc *vcrtc = to_vprime_crtc(crtc);
	struct drm_pending_vblank_event *event = crtc->state->event;
	struct drm_pending_vblank_event *older = NULL;
	bool deferred = false;

	crtc->state->event = NULL;
	/* sent at the next vblank, see the DOC above */
	if (event && drm_crtc_vblank_get(crtc) == 0)
		deferred = true;

	spin_lock_irq(&vcrtc->lock);
	vcrtc->state = to_vprime_crtc_state(crtc->state);
	if (deferred) {
		/* none expected: the helpers wait for the last flip_done */
		older = vcrtc->flip_event;
		vcrtc->flip_event = event;
		vcrtc->flip_due = false;
	}
	spin_unlock_irq(&vcrtc->lock);

	if (older)
		vprime_crtc_send_flip_event(crtc, older);

	if (event && !deferred) {
		spin_lock_irq(&crtc->dev->event_lock);
		drm_crtc_send_vblank_event(crtc, event);
		spin_unlock_irq(&crtc->dev->event_lock);
	}
}

static const struct drm_crtc_helper_funcs vprime_crtc_helper_funcs = {
	.mode_valid = vprime_crtc_mode_valid,
	.atomic_check = vprime_crtc_atomic_check,
	.atomic_flush = vprime_crtc_atomic_flush,
	.atomic_enable = vprime_crtc_atomic_enable,
	.atomic_disable = vprime_crtc_atomic_disable,
};

/**
 * vprime_crtc_flush_composer - wait for a running composition to finish
 * @vcrtc: the CRTC
 *
 * After this, the composer no longer reads a CRTC state that was replaced
 * before the call.
 */
void vprime_crtc_flush_composer(struct vprime_crtc *vcrtc)
{
	flush_work(&vcrtc->composer_work);
}

static void vprime_crtc_release(struct drm_device *dev, void *data)
{
	struct vprime_crtc *vcrtc = data;

	WRITE_ONCE(vcrtc->vblank_on, false);
	hrtimer_cancel(&vcrtc->vblank_timer);
	destroy_workqueue(vcrtc->composer_wq);
}

/**
 * vprime_crtc_init - initialise the CRTC of a display
 * @dev: the display device
 * @vcrtc: the CRTC, embedded in the device
 * @primary: its primary plane
 * @cursor: its cursor plane
 *
 * Returns: 0 or a negative errno.
 */
int vprime_crtc_init(struct drm_device *dev, struct vprime_crtc *vcrtc,
		     struct drm_plane *primary, struct drm_plane *cursor)
{
	int ret;

	spin_lock_init(&vcrtc->lock);
	init_waitqueue_head(&vcrtc->wb_wait);
	atomic_set(&vcrtc->fence_timeouts, 0);
	hrtimer_init(&vcrtc->vblank_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	vcrtc->vblank_timer.function = vprime_crtc_vblank;
	vcrtc->period = ns_to_ktime(NSEC_PER_SEC / 60);
	INIT_WORK(&vcrtc->composer_work, vprime_composer_work);

	ret = drmm_mutex_init(dev, &vcrtc->stats_lock);
	if (ret)
		return ret;

	vcrtc->composer_wq = alloc_ordered_workqueue("vprime_composer", 0);
	if (!vcrtc->composer_wq)
		return -ENOMEM;

	ret = drmm_add_action_or_reset(dev, vprime_crtc_release, vcrtc);
	if (ret)
		return ret;

	ret = drm_crtc_init_with_planes(dev, &vcrtc->base, primary, cursor,
					&vprime_crtc_funcs, NULL);
	if (ret)
		return ret;

	drm_crtc_helper_add(&vcrtc->base, &vprime_crtc_helper_funcs);

	return vprime_color_init(&vcrtc->base);
}
