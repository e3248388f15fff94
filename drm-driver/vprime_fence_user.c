// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime userspace-controlled fences
 *
 * DRM_IOCTL_VPRIME_FENCE_ATTACH puts an unsignalled fence into a BO's
 * reservation object, as a reader or as a writer, and returns an id that
 * DRM_IOCTL_VPRIME_FENCE_SIGNAL signals; this is vgem's fence interface and
 * gives tests deterministic implicit-sync cases (a job, a flip or an
 * importer waiting on a BO "busy" until userspace says otherwise).
 *
 * Each fence has its own fence context, since userspace signals them in any
 * order. A fence that is never signalled signals itself with -ETIMEDOUT at
 * its deadline (at most VPRIME_FENCE_MAX_TIMEOUT_NS after the attach), and
 * closing the file signals all of its fences, so nothing waits forever on
 * a client.
 */
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_print.h>
#include <drm/vprime_drm.h>

#include "vprime_gpu.h"

/**
 * struct vprime_user_fence - a fence signalled by userspace
 * @base: the fence
 * @lock: the fence's lock
 * @timer: signals the fence with -ETIMEDOUT at its deadline
 */
struct vprime_user_fence {
	struct dma_fence base;
	spinlock_t lock; /* the fence's lock */
	struct hrtimer timer;
};

static struct vprime_user_fence *to_vprime_user_fence(struct dma_fence *f)
{
	return container_of(f, struct vprime_user_fence, base);
}

static const char *vprime_user_fence_driver_name(struct dma_fence *fence)
{
	return "vprime_gpu";
}

static const char *vprime_user_fence_timeline_name(struct dma_fence *fence)
{
	return "user";
}

static void vprime_user_fence_release(struct dma_fence *fence)
{
	struct vprime_user_fence *ufence = to_vprime_user_fence(fence);

	hrtimer_cancel(&ufence->timer);
	dma_fence_free(fence);
	/* the ops live here; taken in vprime_user_fence_create() */
	module_put(THIS_MODULE);
}

static const struct dma_fence_ops vprime_user_fence_ops = {
	.get_driver_name = vprime_user_fence_driver_name,
	.get_timeline_name = vprime_user_fence_timeline_name,
	.release = vprime_user_fence_release,
};

/* Signal @fence with @error unless it already is; any context. */
static bool vprime_user_fence_signal(struct dma_fence *fence, int error)
{
	unsigned long flags;
	bool signalled = false;

	spin_lock_irqsave(fence->lock, flags);
	if (!test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags)) {
		if (error)
			dma_fence_set_error(fence, error);
		dma_fence_signal_locked(fence);
		signalled = true;
	}
	spin_unlock_irqrestore(fence->lock, flags);
	return signalled;
}

static enum hrtimer_restart vprime_user_fence_timeout(struct hrtimer *timer)
{
	struct vprime_user_fence *ufence =
		container_of(timer, struct vprime_user_fence, timer);

	vprime_user_fence_signal(&ufence->base, -ETIMEDOUT);
	return HRTIMER_NORESTART;
}

static struct dma_fence *vprime_user_fence_create(u64 deadline_ns)
{
	struct vprime_user_fence *ufence;
	u64 now = ktime_get_ns();
	u64 max = now + VPRIME_FENCE_MAX_TIMEOUT_NS;

	ufence = kzalloc(sizeof(*ufence), GFP_KERNEL);
	if (!ufence)
		return NULL;

	/* the fence may outlive the file and the device, in a shared BO */
	__module_get(THIS_MODULE);
	spin_lock_init(&ufence->lock);
	dma_fence_init(&ufence->base, &vprime_user_fence_ops, &ufence->lock,
		       dma_fence_context_alloc(1), 1);

	if (!deadline_ns || deadline_ns > max)
		deadline_ns = max;
	hrtimer_init(&ufence->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	ufence->timer.function = vprime_user_fence_timeout;
	hrtimer_start(&ufence->timer, ns_to_ktime(deadline_ns),
		      HRTIMER_MODE_ABS);

	return &ufence->base;
}

void vprime_fence_user_init(struct vprime_gpu_file *vfile)
{
	mutex_init(&vfile->fence_lock);
	xa_init_flags(&vfile->fences, XA_FLAGS_ALLOC1);
}

void vprime_fence_user_fini(struct vprime_gpu_file *vfile)
{
	struct dma_fence *fence;
	unsigned long id;

	xa_for_each(&vfile->fences, id, fence) {
		vprime_user_fence_signal(fence, 0);
		dma_fence_put(fence);
	}
	xa_destroy(&vfile->fences);
	mutex_destroy(&vfile->fence_lock);
}

/*
 * DRM_IOCTL_VPRIME_FENCE_ATTACH: see struct drm_vprime_fence_attach.
 * -EINVAL flags/pad, -ENOENT handle, -EBUSY conflicting fence, -ENOMEM.
 */
int vprime_fence_attach_ioctl(struct drm_device *dev, void *data,
			      struct drm_file *file)
{
	struct vprime_gpu_file *vfile = file->driver_priv;
	struct drm_vprime_fence_attach *args = data;
	bool write = args->flags & VPRIME_FENCE_WRITE;
	struct drm_gem_object *obj;
	struct dma_fence *fence;
	u32 id;
	int ret;

	if (args->flags & ~VPRIME_FENCE_FLAGS || args->pad || args->out_fence)
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;

	fence = vprime_user_fence_create(args->timeout_ns);
	if (!fence) {
		ret = -ENOMEM;
		goto out_put_obj;
	}

	ret = dma_resv_lock_interruptible(obj->resv, NULL);
	if (ret)
		goto out_put_fence;

	/* a writer conflicts with every fence, a reader with writers */
	if (!dma_resv_test_signaled(obj->resv, dma_resv_usage_rw(write))) {
		drm_dbg(dev, "fence_attach: BO %u is busy\n", args->handle);
		ret = -EBUSY;
		goto out_unlock;
	}

	ret = dma_resv_reserve_fences(obj->resv, 1);
	if (ret)
		goto out_unlock;

	/*
	 * The id's reference is taken before the id is published: another
	 * thread may FENCE_SIGNAL a guessed id (and drop that reference) as
	 * soon as xa_alloc() returns. Ours stays valid until the end.
	 */
	dma_fence_get(fence);
	mutex_lock(&vfile->fence_lock);
	ret = xa_alloc(&vfile->fences, &id, fence, xa_limit_32b, GFP_KERNEL);
	mutex_unlock(&vfile->fence_lock);
	if (ret) {
		dma_fence_put(fence);
		goto out_unlock;
	}

	dma_resv_add_fence(obj->resv, fence, write ? DMA_RESV_USAGE_WRITE :
			   DMA_RESV_USAGE_READ);
	args->out_fence = id;

out_unlock:
	dma_resv_unlock(obj->resv);
out_put_fence:
	if (ret)
		vprime_user_fence_signal(fence, 0);
	dma_fence_put(fence);
out_put_obj:
	drm_gem_object_put(obj);
	return ret;
}

/*
 * DRM_IOCTL_VPRIME_FENCE_SIGNAL: -EINVAL flags, -ENOENT unknown id,
 * -ETIMEDOUT when the fence had already timed out (it is forgotten too).
 */
int vprime_fence_signal_ioctl(struct drm_device *dev, void *data,
			      struct drm_file *file)
{
	struct vprime_gpu_file *vfile = file->driver_priv;
	struct drm_vprime_fence_signal *args = data;
	struct dma_fence *fence;
	int ret = 0;

	if (args->flags)
		return -EINVAL;

	mutex_lock(&vfile->fence_lock);
	fence = xa_erase(&vfile->fences, args->fence);
	mutex_unlock(&vfile->fence_lock);
	if (!fence)
		return -ENOENT;

	if (!vprime_user_fence_signal(fence, 0))
		ret = -ETIMEDOUT;
	dma_fence_put(fence);
	return ret;
}
