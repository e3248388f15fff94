// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime render GPU device
 *
 * Registers the "vprime-gpu" platform driver and vprime.num_gpus platform
 * devices. Each device is a render-only DRM device named "vprime_gpu"
 * (DRIVER_GEM | DRIVER_RENDER | DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE)
 * with one CPU-executed render engine scheduled by drm_sched. Unbinding a
 * device (remove) unplugs it: new ioctls fail with -ENODEV, queued jobs still
 * complete, CPU mappings made through the DRM node are revoked (the DRM core
 * zaps them; touching them raises SIGBUS) while dma-bufs and their mappings
 * stay valid, and the engine is torn down when the last reference to the
 * drm_device (open files, exported dma-bufs) goes away.
 *
 * Each open file gets a scheduler entity, a client id for fdinfo and its own
 * userspace fences.
 *
 * The engine reaches imported buffers through DMA mappings of the device
 * (vprime_submit.c, vprime_sched.c); the gpu_dma_bits parameter gives a
 * device a narrower DMA mask, so that its mappings bounce through swiotlb
 * where memory lies above the mask.
 */
#include <linux/atomic.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_prime.h>
#include <drm/drm_print.h>
#include <drm/spsc_queue.h>
#include <drm/vprime_drm.h>

#include "vprime_drv.h"
#include "vprime_gpu.h"

#define VPRIME_GPU_PLATFORM_NAME	"vprime-gpu"
#define VPRIME_GPU_MAX_DEVICES		8

static unsigned int vprime_num_gpus = 1;
module_param_named(num_gpus, vprime_num_gpus, uint, 0444);
MODULE_PARM_DESC(num_gpus, "Number of vprime render GPUs, 0-8 (default 1)");

/*
 * The DMA mask of each GPU, in bits: 64 reaches all memory (and the core's
 * "local" placement); a narrower mask makes the DMA layer bounce the pages
 * above it through swiotlb, as for a device with a short address bus.
 */
#define VPRIME_GPU_DMA_BITS_MIN		32
#define VPRIME_GPU_DMA_BITS_MAX		64

static unsigned int vprime_gpu_dma_bits[VPRIME_GPU_MAX_DEVICES] = {
	[0 ... VPRIME_GPU_MAX_DEVICES - 1] = VPRIME_GPU_DMA_BITS_MAX,
};

/* no count: sysfs shows (and a reload passes back) all the values */
module_param_array_named(gpu_dma_bits, vprime_gpu_dma_bits, uint, NULL,
			 0444);
MODULE_PARM_DESC(gpu_dma_bits,
		 "DMA mask width in bits of each GPU, in GPU order, 32-64 (default 64 for every GPU)");

static struct platform_device *vprime_gpu_pdevs[VPRIME_GPU_MAX_DEVICES];
static atomic64_t vprime_gpu_client_ids = ATOMIC64_INIT(0);

static void vprime_gpu_file_release(struct kref *kref)
{
	struct vprime_gpu_file *vfile =
		container_of(kref, struct vprime_gpu_file, refcount);

	kfree(vfile);
}

void vprime_gpu_file_put(struct vprime_gpu_file *vfile)
{
	kref_put(&vfile->refcount, vprime_gpu_file_release);
}

static int vprime_gpu_open(struct drm_device *dev, struct drm_file *file)
{
	struct vprime_gpu *gpu = to_vprime_gpu(dev);
	struct drm_gpu_scheduler *sched = &gpu->sched;
	struct vprime_gpu_file *vfile;
	int ret;

	vfile = kzalloc(sizeof(*vfile), GFP_KERNEL);
	if (!vfile)
		return -ENOMEM;

	kref_init(&vfile->refcount);
	vfile->gpu = gpu;
	vfile->client_id = atomic64_inc_return(&vprime_gpu_client_ids);
	atomic64_set(&vfile->busy_ns, 0);
	atomic_set(&vfile->jobs, 0);
	init_waitqueue_head(&vfile->job_slot_wq);

	ret = drm_sched_entity_init(&vfile->entity, DRM_SCHED_PRIORITY_NORMAL,
				    &sched, 1, NULL);
	if (ret)
		goto err_free;

	vprime_fence_user_init(vfile);
	file->driver_priv = vfile;
	return 0;

err_free:
	kfree(vfile);
	return ret;
}

static bool vprime_gpu_file_drained(struct vprime_gpu_file *vfile)
{
	return !spsc_queue_count(&vfile->entity.job_queue);
}

/*
 * Empty the file's entity queue before destroying the entity: a live task
 * waits for its jobs; an exiting or killed one gets a second (like
 * drm_sched_entity_flush()), then its remaining jobs are cancelled with
 * -ESRCH by run_job, which still runs each of them only once its
 * dependencies signalled.
 *
 * Jobs never go to the 6.1 scheduler's kill path:
 * drm_sched_entity_kill_jobs() leaks a reference to an already signalled
 * last_scheduled fence (and with it the exporter's module), and it waits
 * for the same dependencies without a bound anyway. Every dependency a job
 * can have from vprime signals in bounded time (other jobs: their duration
 * or the hang timeout, and at most VPRIME_MAX_JOBS_IN_FLIGHT of them per
 * file; the core's userspace-controlled fences, the GPU's and the test
 * module's: their timeout; display
 * fences: the next vblank), so the wait is bounded; it wakes every
 * VPRIME_DRAIN_POLL so that a long one is not a hung task. A foreign
 * in-fence is waited for as long as its signaller takes, as in the
 * scheduler's own kill path.
 */
#define VPRIME_DRAIN_POLL	(10 * HZ)

static void vprime_gpu_file_drain(struct vprime_gpu_file *vfile)
{
	struct drm_gpu_scheduler *sched = &vfile->gpu->sched;

	if (current->flags & PF_EXITING)
		wait_event_timeout(sched->job_scheduled,
				   vprime_gpu_file_drained(vfile), HZ);
	else
		wait_event_killable(sched->job_scheduled,
				    vprime_gpu_file_drained(vfile));
	if (vprime_gpu_file_drained(vfile))
		return;

	WRITE_ONCE(vfile->closing, true);
	vprime_sched_cut_short(vfile);
	while (!wait_event_timeout(sched->job_scheduled,
				   vprime_gpu_file_drained(vfile),
				   VPRIME_DRAIN_POLL))
		drm_dbg(&vfile->gpu->base, "client %llu: %u jobs still queued\n",
			vfile->client_id,
			spsc_queue_count(&vfile->entity.job_queue));
}

static void vprime_gpu_postclose(struct drm_device *dev, struct drm_file *file)
{
	struct vprime_gpu_file *vfile = file->driver_priv;

	/* first release our jobs' dependencies on this file's fences */
	vprime_fence_user_fini(vfile);
	vprime_gpu_file_drain(vfile);
	drm_sched_entity_destroy(&vfile->entity);
	file->driver_priv = NULL;
	vprime_gpu_file_put(vfile);
}

static const struct drm_ioctl_desc vprime_gpu_ioctls[] = {
	DRM_IOCTL_DEF_DRV(VPRIME_BO_CREATE, vprime_gem_create_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VPRIME_BO_MMAP_OFFSET, vprime_gem_mmap_offset_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VPRIME_BO_INFO, vprime_gem_info_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VPRIME_BO_WAIT, vprime_gem_wait_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VPRIME_SUBMIT, vprime_submit_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VPRIME_FENCE_ATTACH, vprime_fence_attach_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(VPRIME_FENCE_SIGNAL, vprime_fence_signal_ioctl,
			  DRM_RENDER_ALLOW),
};

static const struct file_operations vprime_gpu_fops = {
	.owner = THIS_MODULE,
	DRM_GEM_FOPS,
	.show_fdinfo = vprime_gpu_show_fdinfo,
};

static const struct drm_driver vprime_gpu_drm_driver = {
	.driver_features = DRIVER_GEM | DRIVER_RENDER | DRIVER_SYNCOBJ |
			   DRIVER_SYNCOBJ_TIMELINE,
	.open = vprime_gpu_open,
	.postclose = vprime_gpu_postclose,
	.ioctls = vprime_gpu_ioctls,
	.num_ioctls = ARRAY_SIZE(vprime_gpu_ioctls),
	.fops = &vprime_gpu_fops,
	.prime_handle_to_fd = drm_gem_prime_handle_to_fd,
	.prime_fd_to_handle = drm_gem_prime_fd_to_handle,
	.gem_prime_import = vprime_gem_prime_import,
	.debugfs_init = vprime_gpu_debugfs_init,
	.name = "vprime_gpu",
	.desc = "vprime virtual render GPU",
	.date = "20261121",
	.major = 1,
	.minor = 0,
};

static int vprime_gpu_probe(struct platform_device *pdev)
{
	struct vprime_gpu *gpu;
	int ret;

	gpu = devm_drm_dev_alloc(&pdev->dev, &vprime_gpu_drm_driver,
				 struct vprime_gpu, base);
	if (IS_ERR(gpu))
		return PTR_ERR(gpu);

	gpu->index = pdev->id;
	gpu->dma_bits = vprime_gpu_dma_bits[gpu->index];
	/* a platform device has no mask of its own: point it at the coherent one */
	ret = dma_coerce_mask_and_coherent(&pdev->dev,
					   DMA_BIT_MASK(gpu->dma_bits));
	if (ret) {
		drm_err(&gpu->base, "DMA mask of %u bits refused: %d\n",
			gpu->dma_bits, ret);
		return ret;
	}
	/*
	 * Segments as long as the DMA layer maps in one piece (swiotlb's
	 * slot limit when a narrow mask bounces): the core builds its tables
	 * one entry per backing chunk, split at this size.
	 */
	ret = dma_set_max_seg_size(&pdev->dev,
				   min_t(size_t, UINT_MAX,
					 dma_max_mapping_size(&pdev->dev)));
	if (ret)
		return ret;

	ret = vprime_sched_init(gpu);
	if (ret)
		return ret;

	platform_set_drvdata(pdev, gpu);
	return drm_dev_register(&gpu->base, 0);
}

static void vprime_gpu_remove(struct platform_device *pdev)
{
	struct vprime_gpu *gpu = platform_get_drvdata(pdev);

	drm_dev_unplug(&gpu->base);
}

static struct platform_driver vprime_gpu_platform_driver = {
	.probe = vprime_gpu_probe,
	.remove_new = vprime_gpu_remove,
	.driver = {
		.name = VPRIME_GPU_PLATFORM_NAME,
	},
};

static void vprime_gpu_unregister_devices(void)
{
	int i;

	for (i = VPRIME_GPU_MAX_DEVICES - 1; i >= 0; i--) {
		if (!vprime_gpu_pdevs[i])
			continue;
		platform_device_unregister(vprime_gpu_pdevs[i]);
		vprime_gpu_pdevs[i] = NULL;
	}
}

int vprime_gpu_register(void)
{
	struct platform_device *pdev;
	unsigned int i;
	int ret;

	if (vprime_num_gpus > VPRIME_GPU_MAX_DEVICES) {
		pr_err("vprime: num_gpus %u is above %u\n", vprime_num_gpus,
		       VPRIME_GPU_MAX_DEVICES);
		return -EINVAL;
	}
	for (i = 0; i < VPRIME_GPU_MAX_DEVICES; i++) {
		if (vprime_gpu_dma_bits[i] < VPRIME_GPU_DMA_BITS_MIN ||
		    vprime_gpu_dma_bits[i] > VPRIME_GPU_DMA_BITS_MAX) {
			pr_err("vprime: gpu_dma_bits[%u]=%u out of range %u-%u\n",
			       i, vprime_gpu_dma_bits[i],
			       VPRIME_GPU_DMA_BITS_MIN, VPRIME_GPU_DMA_BITS_MAX);
			return -EINVAL;
		}
	}

	ret = platform_driver_register(&vprime_gpu_platform_driver);
	if (ret)
		return ret;

	for (i = 0; i < vprime_num_gpus; i++) {
		pdev = platform_device_register_simple(VPRIME_GPU_PLATFORM_NAME,
						       i, NULL, 0);
		if (IS_ERR(pdev)) {
			ret = PTR_ERR(pdev);
			goto err_unregister_devices;
		}
		vprime_gpu_pdevs[i] = pdev;
	}

	return 0;

err_unregister_devices:
	vprime_gpu_unregister_devices();
	platform_driver_unregister(&vprime_gpu_platform_driver);
	return ret;
}

void vprime_gpu_unregister(void)
{
	vprime_gpu_unregister_devices();
	platform_driver_unregister(&vprime_gpu_platform_driver);
}
