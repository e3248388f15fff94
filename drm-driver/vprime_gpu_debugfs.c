// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime GPU introspection
 *
 * fdinfo (/proc/<pid>/fdinfo/<fd> of a GPU fd) shows the DRM client keys:
 * drm-driver, drm-client-id, drm-engine-render (engine time in ns) and
 * drm-memory-<placement> / drm-shared-<placement> in KiB. 6.1 has no
 * drm_show_fdinfo(), so file_operations.show_fdinfo points here.
 *
 * debugfs (dri/<card minor>/):
 *  - bos: every client's BOs: handle, size, placement, core id, imported
 *    (dynamic or static attachment) or exported, and the fences of its
 *    reservation object;
 *  - queue: engine state and job statistics, the device's DMA mask width
 *    (dma_bits) and its DMA mappings of imported buffers: import_maps
 *    (made), remaps (made again after move_notify invalidated one),
 *    map_failures (each failed its job's fence) and bounced_maps (those
 *    swiotlb bounced);
 *  - job_timeout_ms: the scheduler timeout, writable (debug knob; the
 *    default comes from the job_timeout_ms module parameter);
 *  - stall_next_run_job_ms: fault injection, one-shot: the next run_job
 *    sleeps that many ms (at most 10000) between the scheduler arming its
 *    timeout and the job getting its hardware fence, as when the
 *    scheduler's thread is preempted there.
 */
#include <linux/debugfs.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/pid.h>
#include <linux/seq_file.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_device.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/vprime_drm.h>

#include "vprime_gpu.h"

static const char * const vprime_placement_names[VPRIME_PLACEMENT_COUNT] = {
	[VPRIME_PLACEMENT_SYSTEM] = "system",
	[VPRIME_PLACEMENT_LOCAL] = "local",
};

/* The core BO behind @obj (native or an imported core buffer), or NULL. */
static struct vprime_bo *vprime_gem_core_bo(struct drm_gem_object *obj)
{
	struct vprime_gem_object *vobj = to_vprime_gem(obj);

	if (vobj->bo)
		return vobj->bo;
	return vprime_dmabuf_to_bo(vobj->import.dmabuf);
}

static const char *vprime_gem_placement_name(struct drm_gem_object *obj)
{
	struct vprime_bo *bo = vprime_gem_core_bo(obj);
	u32 placement;

	if (!bo)
		return "foreign";
	placement = vprime_bo_placement(bo);
	if (placement >= VPRIME_PLACEMENT_COUNT)
		return "unknown";
	return vprime_placement_names[placement];
}

/* Engine time of @vfile, including the job running right now. */
static u64 vprime_gpu_file_busy_ns(struct vprime_gpu_file *vfile)
{
	struct vprime_gpu *gpu = vfile->gpu;
	u64 busy = atomic64_read(&vfile->busy_ns);
	struct vprime_job *job;

	spin_lock_irq(&gpu->active_lock);
	job = gpu->active_job;
	if (job && job->vfile == vfile)
		busy += max_t(s64, 0, ktime_to_ns(ktime_sub(ktime_get(),
							      job->start)));
	spin_unlock_irq(&gpu->active_lock);
	return busy;
}

void vprime_gpu_show_fdinfo(struct seq_file *m, struct file *f)
{
	u64 mem[VPRIME_PLACEMENT_COUNT] = { }, shared[VPRIME_PLACEMENT_COUNT] = { };
	struct drm_file *file = f->private_data;
	struct vprime_gpu_file *vfile = file->driver_priv;
	struct drm_gem_object *obj;
	struct vprime_bo *bo;
	u32 placement;
	int id, i;

	spin_lock(&file->table_lock);
	idr_for_each_entry(&file->object_idr, obj, id) {
		bo = vprime_gem_core_bo(obj);
		if (!bo)
			continue;
		placement = vprime_bo_placement(bo);
		if (placement >= VPRIME_PLACEMENT_COUNT)
			continue;
		if (obj->import_attach || obj->dma_buf)
			shared[placement] += obj->size;
		else
			mem[placement] += obj->size;
	}
	spin_unlock(&file->table_lock);

	seq_printf(m, "drm-driver:\t%s\n", file->minor->dev->driver->name);
	seq_printf(m, "drm-client-id:\t%llu\n", vfile->client_id);
	seq_printf(m, "drm-engine-render:\t%llu ns\n",
		   vprime_gpu_file_busy_ns(vfile));
	for (i = 0; i < VPRIME_PLACEMENT_COUNT; i++)
		seq_printf(m, "drm-memory-%s:\t%llu KiB\n",
			   vprime_placement_names[i], mem[i] >> 10);
	for (i = 0; i < VPRIME_PLACEMENT_COUNT; i++)
		seq_printf(m, "drm-shared-%s:\t%llu KiB\n",
			   vprime_placement_names[i], shared[i] >> 10);
}

static void vprime_debugfs_bo(struct seq_file *m, int handle,
			      struct drm_gem_object *obj)
{
	struct vprime_bo *bo = vprime_gem_core_bo(obj);

	const char *state = "";

	if (obj->import_attach)
		state = dma_buf_attachment_is_dynamic(obj->import_attach) ?
			" imported dynamic" : " imported static";
	else if (obj->dma_buf)
		state = " exported";

	seq_printf(m, "  handle %d size %zu placement %s id %llu%s\n",
		   handle, obj->size, vprime_gem_placement_name(obj),
		   bo ? vprime_bo_id(bo) : 0, state);

	if (dma_resv_lock_interruptible(obj->resv, NULL))
		return;
	dma_resv_describe(obj->resv, m);
	dma_resv_unlock(obj->resv);
}

static int vprime_debugfs_bos(struct seq_file *m, void *unused)
{
	struct drm_info_node *node = m->private;
	struct drm_device *dev = node->minor->dev;
	struct vprime_gpu_file *vfile;
	struct drm_gem_object *obj;
	struct drm_file *file;
	struct task_struct *task;
	int id;

	mutex_lock(&dev->filelist_mutex);
	list_for_each_entry(file, &dev->filelist, lhead) {
		vfile = file->driver_priv;
		if (!vfile)
			continue;

		rcu_read_lock();
		task = pid_task(file->pid, PIDTYPE_TGID);
		seq_printf(m, "client %llu pid %d comm %s\n", vfile->client_id,
			   pid_vnr(file->pid), task ? task->comm : "?");
		rcu_read_unlock();

		for (id = 0; ; id++) {
			/* take a reference, print without the table lock */
			spin_lock(&file->table_lock);
			obj = idr_get_next(&file->object_idr, &id);
			if (obj)
				drm_gem_object_get(obj);
			spin_unlock(&file->table_lock);
			if (!obj)
				break;
			vprime_debugfs_bo(m, id, obj);
			drm_gem_object_put(obj);
		}
	}
	mutex_unlock(&dev->filelist_mutex);
	return 0;
}

static int vprime_debugfs_queue(struct seq_file *m, void *unused)
{
	struct drm_info_node *node = m->private;
	struct vprime_gpu *gpu = to_vprime_gpu(node->minor->dev);
	struct drm_gpu_scheduler *sched = &gpu->sched;
	struct vprime_job *job;
	u64 active_id = 0;
	s64 active_ns = 0;
	bool active;

	spin_lock_irq(&gpu->active_lock);
	job = gpu->active_job;
	active = job;
	if (job) {
		active_id = job->base.id;
		active_ns = ktime_to_ns(ktime_sub(ktime_get(), job->start));
	}
	spin_unlock_irq(&gpu->active_lock);

	seq_printf(m, "engine: %s\n", sched->name);
	seq_printf(m, "ready: %d\n", sched->ready);
	seq_printf(m, "hw_jobs: %d\n", atomic_read(&sched->hw_rq_count));
	seq_printf(m, "hw_limit: %u\n", sched->hw_submission_limit);
	seq_printf(m, "timeout_ms: %u\n", READ_ONCE(gpu->job_timeout_ms));
	seq_printf(m, "jobs_queued: %lld\n", atomic64_read(&gpu->jobs_queued));
	seq_printf(m, "jobs_done: %lld\n", atomic64_read(&gpu->jobs_done));
	seq_printf(m, "jobs_timedout: %lld\n",
		   atomic64_read(&gpu->jobs_timedout));
	seq_printf(m, "jobs_inflight: %d\n", atomic_read(&gpu->jobs_inflight));
	seq_printf(m, "dma_bits: %u\n", gpu->dma_bits);
	seq_printf(m, "import_maps: %lld\n", atomic64_read(&gpu->import_maps));
	seq_printf(m, "remaps: %lld\n", atomic64_read(&gpu->import_remaps));
	seq_printf(m, "map_failures: %lld\n",
		   atomic64_read(&gpu->import_map_failures));
	seq_printf(m, "bounced_maps: %lld\n",
		   atomic64_read(&gpu->import_bounced));
	if (active)
		seq_printf(m, "active: job %llu running for %lld ns\n",
			   active_id, active_ns);
	else
		seq_puts(m, "active: none\n");
	return 0;
}

static const struct drm_info_list vprime_gpu_debugfs_list[] = {
	{ "bos", vprime_debugfs_bos, 0 },
	{ "queue", vprime_debugfs_queue, 0 },
};

static int vprime_debugfs_timeout_get(void *data, u64 *val)
{
	struct vprime_gpu *gpu = data;

	*val = READ_ONCE(gpu->job_timeout_ms);
	return 0;
}

static int vprime_debugfs_timeout_set(void *data, u64 val)
{
	struct vprime_gpu *gpu = data;

	if (val > UINT_MAX)
		return -EINVAL;
	vprime_sched_set_timeout(gpu, val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(vprime_debugfs_timeout_fops,
			 vprime_debugfs_timeout_get,
			 vprime_debugfs_timeout_set, "%llu\n");

static int vprime_debugfs_stall_get(void *data, u64 *val)
{
	struct vprime_gpu *gpu = data;

	*val = atomic_read(&gpu->stall_next_run_job_ms);
	return 0;
}

static int vprime_debugfs_stall_set(void *data, u64 val)
{
	struct vprime_gpu *gpu = data;

	if (val > 10000)
		return -EINVAL;
	atomic_set(&gpu->stall_next_run_job_ms, val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(vprime_debugfs_stall_fops,
			 vprime_debugfs_stall_get,
			 vprime_debugfs_stall_set, "%llu\n");

void vprime_gpu_debugfs_init(struct drm_minor *minor)
{
	struct vprime_gpu *gpu = to_vprime_gpu(minor->dev);

	/* the files live with the card node, as for every DRM driver */
	if (minor->type != DRM_MINOR_PRIMARY)
		return;

	drm_debugfs_create_files(vprime_gpu_debugfs_list,
				 ARRAY_SIZE(vprime_gpu_debugfs_list),
				 minor->debugfs_root, minor);
	debugfs_create_file_unsafe("job_timeout_ms", 0644, minor->debugfs_root,
				   gpu, &vprime_debugfs_timeout_fops);
	debugfs_create_file_unsafe("stall_next_run_job_ms", 0600,
				   minor->debugfs_root, gpu,
				   &vprime_debugfs_stall_fops);
}
