// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime_core fence timelines
 *
 * A struct vprime_timeline hands out dma_fences with in-order seqnos on
 * one fence context; all its fences share the timeline's spinlock, so the
 * timeline must stay alive until its fences are released. The fences copy
 * the driver and timeline names so that describing a fence never looks at
 * the timeline or at its creator's memory.
 *
 * vprime_fence_create_single() makes a fence on a context of its own with
 * its own lock, for fences that userspace controls one by one.
 *
 * vprime_fence_signal() sets the error and signals under the fence lock;
 * it never sleeps and is safe from hardirq context. When the debugfs knob
 * fence_delay_ms is non-zero the signal is deferred to a delayed work item
 * on the core's own workqueue (the work holds a fence reference); module
 * exit waits for those.
 *
 * vprime_fence_arm_timeout() bounds the life of a single fence: an hrtimer
 * signals it with -ETIMEDOUT (through vprime_fence_signal(), so from
 * hardirq context); release cancels the timer.
 *
 * Every live core fence holds a reference on this module, because its ops
 * live here and a fence can outlive every device (in a sync_file, say).
 */
#include <linux/dma-fence.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "vprime_core_priv.h"

/**
 * struct vprime_fence - a core fence
 * @base: the dma_fence
 * @lock: the lock of a single fence (vprime_fence_create_single())
 * @driver_name: copy of the timeline's driver name
 * @timeline_name: copy of the timeline's name
 * @delayed: deferred signal for fence_delay_ms
 * @delayed_error: the error to set when @delayed runs
 * @delay_pending: set once a deferred signal was queued
 * @timeout: vprime_fence_arm_timeout()'s timer
 * @timeout_armed: @timeout was started
 */
struct vprime_fence {
	struct dma_fence base;
	spinlock_t lock; /* the lock of a single fence */
	char driver_name[32];
	char timeline_name[32];
	struct delayed_work delayed;
	int delayed_error;
	atomic_t delay_pending;
	struct hrtimer timeout;
	bool timeout_armed;
};

static DECLARE_WAIT_QUEUE_HEAD(vprime_fence_pending_wq);
static struct workqueue_struct *vprime_fence_wq;

static struct vprime_fence *to_vprime_fence(struct dma_fence *fence)
{
	return container_of(fence, struct vprime_fence, base);
}

static const char *vprime_fence_get_driver_name(struct dma_fence *fence)
{
	return to_vprime_fence(fence)->driver_name;
}

static const char *vprime_fence_get_timeline_name(struct dma_fence *fence)
{
	return to_vprime_fence(fence)->timeline_name;
}

static void vprime_fence_release(struct dma_fence *fence)
{
	struct vprime_fence *vf = to_vprime_fence(fence);

	/* not from the timer: its owner's reference outlives it */
	if (vf->timeout_armed)
		hrtimer_cancel(&vf->timeout);
	atomic64_dec(&vprime_stats.live_fences);
	dma_fence_free(fence);
	module_put(THIS_MODULE);
}

static const struct dma_fence_ops vprime_fence_ops = {
	.get_driver_name = vprime_fence_get_driver_name,
	.get_timeline_name = vprime_fence_get_timeline_name,
	.release = vprime_fence_release,
};

void vprime_timeline_init(struct vprime_timeline *tl, const char *driver_name,
			  const char *name)
{
	spin_lock_init(&tl->lock);
	tl->context = dma_fence_context_alloc(1);
	tl->seqno = 0;
	tl->driver_name = driver_name;
	strscpy(tl->name, name, sizeof(tl->name));
}
EXPORT_SYMBOL_GPL(vprime_timeline_init);

static struct vprime_fence *vprime_fence_alloc(const char *driver_name,
					       const char *name, gfp_t gfp)
{
	struct vprime_fence *vf;

	vf = kzalloc(sizeof(*vf), gfp);
	if (!vf)
		return NULL;
	spin_lock_init(&vf->lock);
	strscpy(vf->driver_name, driver_name, sizeof(vf->driver_name));
	strscpy(vf->timeline_name, name, sizeof(vf->timeline_name));
	atomic_set(&vf->delay_pending, 0);
	/* Dropped in vprime_fence_release(). */
	__module_get(THIS_MODULE);
	atomic64_inc(&vprime_stats.live_fences);
	return vf;
}

struct dma_fence *vprime_fence_create(struct vprime_timeline *tl, gfp_t gfp)
{
	struct vprime_fence *vf;
	unsigned long flags;

	vf = vprime_fence_alloc(tl->driver_name, tl->name, gfp);
	if (!vf)
		return NULL;

	/* The seqno is taken under the lock the fence is initialised with. */
	spin_lock_irqsave(&tl->lock, flags);
	dma_fence_init(&vf->base, &vprime_fence_ops, &tl->lock, tl->context,
		       ++tl->seqno);
	spin_unlock_irqrestore(&tl->lock, flags);
	return &vf->base;
}
EXPORT_SYMBOL_GPL(vprime_fence_create);

/*
 * vprime_fence_create_single - an unsignalled core fence on a context of
 * its own, with its own lock; it needs no timeline to outlive it. Returns
 * NULL when out of memory.
 */
struct dma_fence *vprime_fence_create_single(const char *driver_name,
					     const char *name, gfp_t gfp)
{
	struct vprime_fence *vf;

	vf = vprime_fence_alloc(driver_name, name, gfp);
	if (!vf)
		return NULL;
	dma_fence_init(&vf->base, &vprime_fence_ops, &vf->lock,
		       dma_fence_context_alloc(1), 1);
	return &vf->base;
}

static bool vprime_fence_is_core(struct dma_fence *fence)
{
	return fence && fence->ops == &vprime_fence_ops;
}

static void vprime_fence_signal_now(struct dma_fence *fence, int error)
{
	unsigned long flags;

	if (error > 0 || error < -MAX_ERRNO)
		error = -EIO;

	spin_lock_irqsave(fence->lock, flags);
	if (!test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags)) {
		if (error)
			dma_fence_set_error(fence, error);
		dma_fence_signal_locked(fence);
	}
	spin_unlock_irqrestore(fence->lock, flags);
}

static void vprime_fence_delayed_signal(struct work_struct *work)
{
	struct vprime_fence *vf = container_of(to_delayed_work(work),
					       struct vprime_fence, delayed);

	vprime_fence_signal_now(&vf->base, vf->delayed_error);
	dma_fence_put(&vf->base);
	if (atomic_dec_and_test(&vprime_stats.pending_fences))
		wake_up_all(&vprime_fence_pending_wq);
}

void vprime_fence_signal(struct dma_fence *fence, int error)
{
	unsigned int delay = atomic_read(&vprime_faults.fence_delay_ms);
	struct vprime_fence *vf;

	if (!delay || !vprime_fence_is_core(fence)) {
		vprime_fence_signal_now(fence, error);
		return;
	}

	vf = to_vprime_fence(fence);
	/* Only the first signal counts, as for an immediate signal. */
	if (atomic_xchg(&vf->delay_pending, 1))
		return;
	vf->delayed_error = error;
	dma_fence_get(fence);
	atomic_inc(&vprime_stats.pending_fences);
	INIT_DELAYED_WORK(&vf->delayed, vprime_fence_delayed_signal);
	queue_delayed_work(vprime_fence_wq, &vf->delayed,
			   msecs_to_jiffies(delay));
}
EXPORT_SYMBOL_GPL(vprime_fence_signal);

static enum hrtimer_restart vprime_fence_timeout_fn(struct hrtimer *timer)
{
	struct vprime_fence *vf = container_of(timer, struct vprime_fence,
					       timeout);

	vprime_fence_signal(&vf->base, -ETIMEDOUT);
	return HRTIMER_NORESTART;
}

void vprime_fence_arm_timeout(struct dma_fence *fence, u64 timeout_ns)
{
	struct vprime_fence *vf = to_vprime_fence(fence);

	if (WARN_ON_ONCE(!vprime_fence_is_core(fence) || vf->timeout_armed))
		return;
	hrtimer_init(&vf->timeout, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	vf->timeout.function = vprime_fence_timeout_fn;
	vf->timeout_armed = true;
	hrtimer_start(&vf->timeout, ns_to_ktime(timeout_ns), HRTIMER_MODE_REL);
}

int vprime_fence_init(void)
{
	vprime_fence_wq = alloc_workqueue("vprime_fence", WQ_HIGHPRI, 0);
	return vprime_fence_wq ? 0 : -ENOMEM;
}

/* Module exit: wait for the deferred signals still queued. */
void vprime_fence_fini(void)
{
	atomic_set(&vprime_faults.fence_delay_ms, 0);
	wait_event(vprime_fence_pending_wq,
		   !atomic_read(&vprime_stats.pending_fences));
	destroy_workqueue(vprime_fence_wq);
}
