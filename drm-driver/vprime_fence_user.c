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
 * Both ioctls are thin uapi wrappers over the core's userspace-controlled
 * fences (vprime_user_fence_attach(), vprime_user_fence_signal()), whose
 * DOC comment in dma-buf-core/vprime_user_fence.c states the one policy
 * they share with the test module's fences: -EBUSY on a conflicting
 * fence, a timeout of at most VPRIME_FENCE_MAX_TIMEOUT_NS, -ETIMEDOUT from
 * a signal that came too late, -ECANCELED for the fences left when the
 * file closes. Here a client fences only BOs it has a handle of, and says
 * when its fence times out (an absolute deadline).
 */
#include <linux/build_bug.h>
#include <linux/ktime.h>

#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/vprime_drm.h>

#include "vprime_gpu.h"

static_assert(VPRIME_FENCE_MAX_TIMEOUT_NS == VPRIME_USER_FENCE_MAX_TIMEOUT_NS);

void vprime_fence_user_init(struct vprime_gpu_file *vfile)
{
	vprime_user_fences_init(&vfile->fences, "vprime_gpu");
}

void vprime_fence_user_fini(struct vprime_gpu_file *vfile)
{
	vprime_user_fences_fini(&vfile->fences);
}

/* The relative timeout of an absolute @deadline_ns; 0: the maximum. */
static u64 vprime_fence_user_timeout(u64 deadline_ns)
{
	u64 now = ktime_get_ns();

	if (!deadline_ns)
		return VPRIME_FENCE_MAX_TIMEOUT_NS;
	return deadline_ns > now ? deadline_ns - now : 0;
}

/*
 * DRM_IOCTL_VPRIME_FENCE_ATTACH: see struct drm_vprime_fence_attach.
 * -EINVAL flags/pad/out_fence, -ENOENT handle, -EBUSY conflicting fence,
 * -ENOMEM.
 */
int vprime_fence_attach_ioctl(struct drm_device *dev, void *data,
			      struct drm_file *file)
{
	struct vprime_gpu_file *vfile = file->driver_priv;
	struct drm_vprime_fence_attach *args = data;
	struct drm_gem_object *obj;
	int ret;

	if (args->flags & ~VPRIME_FENCE_FLAGS || args->pad || args->out_fence)
		return -EINVAL;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	ret = vprime_user_fence_attach(&vfile->fences, obj->resv,
				       args->flags & VPRIME_FENCE_WRITE,
				       vprime_fence_user_timeout(args->timeout_ns),
				       &args->out_fence);
	if (ret == -EBUSY)
		drm_dbg(dev, "fence_attach: BO %u is busy\n", args->handle);
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

	if (args->flags)
		return -EINVAL;
	return vprime_user_fence_signal(&vfile->fences, args->fence, 0);
}
