// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime job submission
 *
 * DRM_IOCTL_VPRIME_SUBMIT validates everything before anything is queued:
 * flags, pads, counts, each command's rectangles against its BOs (with
 * overflow checks), the in-syncobjs and the in-fence. It then maps the
 * native BOs for the engine, locks the reservation objects (ww_mutex
 * through drm_gem_lock_reservations), maps each imported BO's attachment
 * for DMA under them (the validate step; a failure fails the job's fence,
 * not the submit), collects the implicit dependencies (the
 * writers of sources, every fence of destinations), arms and pushes the job
 * under the device's sched_lock so that the scheduler fences' seqnos follow
 * the push order, and publishes the finished fence in each BO's
 * reservation object before unlocking. Out-syncobj and out sync_file are
 * set up afterwards from the same finished fence.
 */
#include <linux/dma-direct.h>
#include <linux/dma-fence-chain.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sync_file.h>
#include <linux/uaccess.h>

#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_print.h>
#include <drm/drm_syncobj.h>
#include <drm/vprime_drm.h>

#include "vprime_gpu.h"

/**
 * struct vprime_submit_out - the outputs of a submit, set up before arming
 * @syncobj: the out-syncobj or NULL, a reference is held
 * @chain: the chain node for a timeline point, or NULL
 * @fd: the reserved out-fence fd or -1
 */
struct vprime_submit_out {
	struct drm_syncobj *syncobj;
	struct dma_fence_chain *chain;
	int fd;
};

/*
 * A file has at most VPRIME_MAX_JOBS_IN_FLIGHT jobs between submit and
 * free_job: this bounds the work queued behind a client and so the time
 * its close waits for its jobs' dependencies.
 */
static int vprime_job_slot_get(struct vprime_gpu_file *vfile)
{
	return wait_event_interruptible(vfile->job_slot_wq,
					atomic_add_unless(&vfile->jobs, 1,
							  VPRIME_MAX_JOBS_IN_FLIGHT));
}

static void vprime_job_slot_put(struct vprime_gpu_file *vfile)
{
	atomic_dec(&vfile->jobs);
	wake_up(&vfile->job_slot_wq);
}

/*
 * Drop a use of an import's DMA mapping; the caller holds the resv. Without
 * CONFIG_DMABUF_MOVE_NOTIFY the 6.1 framework pins a dynamic exporter's
 * buffer for as long as an importer holds a mapping of it, so an idle GPU
 * gives its mapping up and the buffer may move; with the option, the
 * mapping stays until move_notify invalidates it or the import goes away.
 */
static void vprime_import_put_locked(struct vprime_gem_object *vobj)
{
	if (!vobj->map_users && vobj->import.dynamic &&
	    !IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY))
		vprime_import_unmap_locked(&vobj->import);
}

static void vprime_job_unmap_import(struct vprime_job_bo *bo)
{
	struct vprime_gem_object *vobj = to_vprime_gem(bo->obj);

	dma_resv_lock(bo->obj->resv, NULL);
	vobj->map_users--;
	vprime_import_put_locked(vobj);
	dma_resv_unlock(bo->obj->resv);
	bo->sgt = NULL;
}

/*
 * Drop everything a job holds; the counterpart of the submit path. Takes
 * the reservation locks of the job's imports: never call it from the
 * scheduler's thread (free_job queues the job's retire_work instead).
 */
void vprime_job_put_resources(struct vprime_job *job)
{
	struct vprime_gpu *gpu = job->gpu;
	struct vprime_job_bo *bo;
	u32 i;

	for (i = 0; i < job->bo_count; i++) {
		bo = &job->bos[i];
		if (!iosys_map_is_null(&bo->map))
			vprime_bo_vunmap(to_vprime_gem(bo->obj)->bo, &bo->map);
		if (bo->sgt)
			vprime_job_unmap_import(bo);
		kvfree(bo->segs);
		drm_gem_object_put(bo->obj);
	}
	kvfree(job->bos);
	kvfree(job->cmds);
	dma_fence_put(job->hw_fence);
	/* every job holds one of its file's slots, from its allocation on */
	vprime_job_slot_put(job->vfile);
	vprime_gpu_file_put(job->vfile);

	if (test_bit(VPRIME_JOB_PUSHED, &job->state)) {
		atomic64_inc(&gpu->jobs_done);
		if (atomic_dec_and_test(&gpu->jobs_inflight))
			wake_up_all(&gpu->idle_wq);
	}
	kfree(job);
}

static int vprime_submit_check_args(struct drm_device *dev,
				    const struct drm_vprime_submit *args)
{
	if (args->flags & ~VPRIME_SUBMIT_FLAGS) {
		drm_dbg(dev, "submit: unknown flags 0x%x\n", args->flags);
		return -EINVAL;
	}
	if (args->extensions) {
		drm_dbg(dev, "submit: no extensions are defined\n");
		return -EINVAL;
	}
	if (!args->cmd_count || args->cmd_count > VPRIME_MAX_CMDS) {
		drm_dbg(dev, "submit: %u commands\n", args->cmd_count);
		return -EINVAL;
	}
	if (args->in_sync_count > VPRIME_MAX_SYNCS) {
		drm_dbg(dev, "submit: %u in-syncs\n", args->in_sync_count);
		return -EINVAL;
	}
	if (!(args->flags & VPRIME_SUBMIT_IN_FENCE_FD) && args->in_fence_fd) {
		drm_dbg(dev, "submit: in_fence_fd without its flag\n");
		return -EINVAL;
	}
	if (args->out_fence_fd) {
		drm_dbg(dev, "submit: out_fence_fd must be 0 on input\n");
		return -EINVAL;
	}
	if (!args->out_syncobj && args->out_sync_point) {
		drm_dbg(dev, "submit: out_sync_point without out_syncobj\n");
		return -EINVAL;
	}
	if (args->duration_ns > VPRIME_MAX_DURATION_NS) {
		drm_dbg(dev, "submit: duration %llu ns\n", args->duration_ns);
		return -EINVAL;
	}
	return 0;
}

/* The checks that don't need the BOs. */
static int vprime_cmd_check(struct drm_device *dev,
			    const struct drm_vprime_cmd *cmd)
{
	bool copy = cmd->op == VPRIME_CMD_COPY;

	if (cmd->op != VPRIME_CMD_FILL && cmd->op != VPRIME_CMD_COPY &&
	    cmd->op != VPRIME_CMD_PATTERN) {
		drm_dbg(dev, "submit: unknown op %u\n", cmd->op);
		return -EINVAL;
	}
	if (cmd->flags || cmd->pad) {
		drm_dbg(dev, "submit: command flags or pad set\n");
		return -EINVAL;
	}
	if (!copy && (cmd->src_handle || cmd->src_offset || cmd->src_stride)) {
		drm_dbg(dev, "submit: source fields set for op %u\n", cmd->op);
		return -EINVAL;
	}
	if ((cmd->op != VPRIME_CMD_FILL && cmd->value) ||
	    (cmd->op != VPRIME_CMD_PATTERN && (cmd->frame || cmd->pattern))) {
		drm_dbg(dev, "submit: fields of another op set\n");
		return -EINVAL;
	}
	if (cmd->op == VPRIME_CMD_PATTERN &&
	    cmd->pattern >= VPRIME_PATTERN_COUNT) {
		drm_dbg(dev, "submit: unknown pattern %u\n", cmd->pattern);
		return -EINVAL;
	}
	if (!cmd->width || !cmd->height) {
		drm_dbg(dev, "submit: empty rectangle\n");
		return -EINVAL;
	}
	return 0;
}

/* A rectangle of @cmd's size at @offset/@stride must lie inside @size. */
static int vprime_rect_check(struct drm_device *dev, u64 offset, u32 stride,
			     const struct drm_vprime_cmd *cmd, size_t size)
{
	u64 row = (u64)cmd->width * 4;
	u64 end;

	if (stride < row) {
		drm_dbg(dev, "submit: stride %u below the row size %llu\n",
			stride, row);
		return -EINVAL;
	}
	if ((offset | stride) & 3) {
		drm_dbg(dev, "submit: offset or stride not 4-byte aligned\n");
		return -EINVAL;
	}
	if (check_mul_overflow((u64)(cmd->height - 1), (u64)stride, &end) ||
	    check_add_overflow(end, row, &end) ||
	    check_add_overflow(end, offset, &end) || end > size) {
		drm_dbg(dev, "submit: rectangle outside its BO\n");
		return -EINVAL;
	}
	return 0;
}

/* Look @handle up, once per job; returns its index in job->bos. */
static int vprime_job_add_bo(struct drm_file *file, struct vprime_job *job,
			     u32 handle, bool write)
{
	struct drm_gem_object *obj;
	u32 i;

	obj = drm_gem_object_lookup(file, handle);
	if (!obj) {
		drm_dbg(file->minor->dev, "submit: no BO %u\n", handle);
		return -ENOENT;
	}

	for (i = 0; i < job->bo_count; i++) {
		if (job->bos[i].obj == obj) {
			drm_gem_object_put(obj);
			job->bos[i].write |= write;
			return i;
		}
	}

	job->bos[i].obj = obj;
	job->bos[i].write = write;
	job->bo_count++;
	return i;
}

/*
 * Copy and validate the commands, look their BOs up and replace each handle
 * by the BO's index in job->bos.
 */
static int vprime_submit_get_cmds(struct drm_device *dev,
				  struct drm_file *file,
				  const struct drm_vprime_submit *args,
				  struct vprime_job *job)
{
	struct drm_vprime_cmd *cmd;
	u32 i;
	int ret;

	job->cmds = kvmalloc_array(args->cmd_count, sizeof(*job->cmds),
				   GFP_KERNEL);
	/* at most two BOs per command */
	job->bos = kvcalloc(args->cmd_count * 2, sizeof(*job->bos),
			    GFP_KERNEL);
	if (!job->cmds || !job->bos)
		return -ENOMEM;

	if (copy_from_user(job->cmds, u64_to_user_ptr(args->cmds),
			   array_size(args->cmd_count, sizeof(*job->cmds))))
		return -EFAULT;
	job->cmd_count = args->cmd_count;

	for (i = 0; i < job->cmd_count; i++) {
		cmd = &job->cmds[i];
		ret = vprime_cmd_check(dev, cmd);
		if (ret)
			return ret;

		ret = vprime_job_add_bo(file, job, cmd->dst_handle, true);
		if (ret < 0)
			return ret;
		cmd->dst_handle = ret;
		ret = vprime_rect_check(dev, cmd->dst_offset, cmd->dst_stride,
					cmd, job->bos[ret].obj->size);
		if (ret)
			return ret;

		if (cmd->op != VPRIME_CMD_COPY)
			continue;

		ret = vprime_job_add_bo(file, job, cmd->src_handle, false);
		if (ret < 0)
			return ret;
		cmd->src_handle = ret;
		ret = vprime_rect_check(dev, cmd->src_offset, cmd->src_stride,
					cmd, job->bos[ret].obj->size);
		if (ret)
			return ret;
	}
	return 0;
}

static int vprime_submit_add_in_syncs(struct drm_device *dev,
				      struct drm_file *file,
				      const struct drm_vprime_submit *args,
				      struct vprime_job *job)
{
	struct drm_vprime_sync *syncs;
	struct dma_fence *fence;
	u32 i;
	int ret = 0;

	if (!args->in_sync_count)
		return 0;

	syncs = kmalloc_array(args->in_sync_count, sizeof(*syncs),
			      GFP_KERNEL);
	if (!syncs)
		return -ENOMEM;

	if (copy_from_user(syncs, u64_to_user_ptr(args->in_syncs),
			   array_size(args->in_sync_count, sizeof(*syncs)))) {
		ret = -EFAULT;
		goto out_free;
	}

	for (i = 0; i < args->in_sync_count; i++) {
		if (syncs[i].flags) {
			drm_dbg(dev, "submit: in-sync flags set\n");
			ret = -EINVAL;
			break;
		}
		ret = drm_syncobj_find_fence(file, syncs[i].handle,
					     syncs[i].point, 0, &fence);
		if (ret) {
			drm_dbg(dev, "submit: in-sync %u point %llu: %d\n",
				syncs[i].handle, syncs[i].point, ret);
			break;
		}
		ret = drm_sched_job_add_dependency(&job->base, fence);
		if (ret)
			break;
	}

out_free:
	kfree(syncs);
	return ret;
}

static int vprime_submit_add_in_fence(struct drm_device *dev,
				      const struct drm_vprime_submit *args,
				      struct vprime_job *job)
{
	struct dma_fence *fence;

	if (!(args->flags & VPRIME_SUBMIT_IN_FENCE_FD))
		return 0;

	fence = sync_file_get_fence(args->in_fence_fd);
	if (!fence) {
		drm_dbg(dev, "submit: in_fence_fd %d is not a sync_file\n",
			(int)args->in_fence_fd);
		return -EINVAL;
	}
	return drm_sched_job_add_dependency(&job->base, fence);
}

static int vprime_submit_prepare_out(struct drm_device *dev,
				     struct drm_file *file,
				     const struct drm_vprime_submit *args,
				     struct vprime_submit_out *out)
{
	int ret;

	if (args->out_syncobj) {
		out->syncobj = drm_syncobj_find(file, args->out_syncobj);
		if (!out->syncobj) {
			drm_dbg(dev, "submit: no out-syncobj %u\n",
				args->out_syncobj);
			return -ENOENT;
		}
		if (args->out_sync_point) {
			out->chain = dma_fence_chain_alloc();
			if (!out->chain)
				return -ENOMEM;
		}
	}

	if (args->flags & VPRIME_SUBMIT_OUT_FENCE_FD) {
		ret = get_unused_fd_flags(O_CLOEXEC);
		if (ret < 0)
			return ret;
		out->fd = ret;
	}
	return 0;
}

static void vprime_submit_release_out(struct vprime_submit_out *out)
{
	if (out->fd >= 0)
		put_unused_fd(out->fd);
	dma_fence_chain_free(out->chain);
	if (out->syncobj)
		drm_syncobj_put(out->syncobj);
}

/* Install the outputs; the job is queued, so only the sync_file can fail. */
static int vprime_submit_emit_out(struct drm_vprime_submit *args,
				  struct vprime_submit_out *out,
				  struct dma_fence *fence)
{
	struct sync_file *sync_file;
	int ret = 0;

	if (out->syncobj) {
		if (out->chain) {
			drm_syncobj_add_point(out->syncobj, out->chain, fence,
					      args->out_sync_point);
			out->chain = NULL;
		} else {
			drm_syncobj_replace_fence(out->syncobj, fence);
		}
	}

	if (out->fd >= 0) {
		sync_file = sync_file_create(fence);
		if (sync_file) {
			fd_install(out->fd, sync_file->file);
			args->out_fence_fd = out->fd;
			out->fd = -1;
		} else {
			ret = -ENOMEM;
		}
	}

	vprime_submit_release_out(out);
	return ret;
}

/* Native BOs are the GPU's own memory: the engine uses a kernel mapping. */
static int vprime_job_map_bos(struct drm_device *dev, struct vprime_job *job)
{
	struct vprime_job_bo *bo;
	u32 i;
	int ret;

	for (i = 0; i < job->bo_count; i++) {
		bo = &job->bos[i];
		if (!to_vprime_gem(bo->obj)->bo)
			continue;
		ret = vprime_bo_vmap(to_vprime_gem(bo->obj)->bo, &bo->map);
		if (ret)
			return ret;
		if (bo->map.is_iomem) {
			drm_dbg(dev, "submit: I/O memory BOs are unsupported\n");
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

/* True when the DMA layer bounced a segment of @sgt (swiotlb). */
static bool vprime_sgt_bounced(struct device *dev, struct sg_table *sgt)
{
	struct scatterlist *sg;
	unsigned int i;

	if (sgt->nents != sgt->orig_nents)
		return false;
	for_each_sgtable_sg(sgt, sg, i)
		if (sg_dma_address(sg) != phys_to_dma(dev, sg_phys(sg)))
			return true;
	return false;
}

/* @bo->segs: @sgt's DMA segments, which must cover the BO. */
static int vprime_job_bo_segs(struct drm_device *dev, struct vprime_job_bo *bo,
			      struct sg_table *sgt)
{
	struct scatterlist *sg;
	u64 offset = 0;
	unsigned int i;

	bo->segs = kvmalloc_array(sgt->nents, sizeof(*bo->segs), GFP_KERNEL);
	if (!bo->segs)
		return -ENOMEM;
	for_each_sgtable_dma_sg(sgt, sg, i) {
		bo->segs[i].offset = offset;
		bo->segs[i].addr = sg_dma_address(sg);
		bo->segs[i].len = sg_dma_len(sg);
		offset += sg_dma_len(sg);
	}
	bo->nsegs = sgt->nents;
	if (offset < bo->obj->size) {
		drm_dbg(dev, "submit: the mapping covers %llu of %zu bytes\n",
			offset, bo->obj->size);
		kvfree(bo->segs);
		bo->segs = NULL;
		return -EINVAL;
	}
	return 0;
}

/*
 * The validate step of an imported BO, under its resv: the engine reaches
 * it through the import's DMA mapping, made now if there is none (the
 * first use, or move_notify dropped it), as a device's driver maps its
 * buffers before the job runs. The job holds a use of the mapping until
 * it retires; its fence in the resv keeps the exporter from moving the
 * buffer until then.
 */
static int vprime_job_map_import(struct vprime_gpu *gpu,
				 struct vprime_job_bo *bo)
{
	struct vprime_gem_object *vobj = to_vprime_gem(bo->obj);
	struct vprime_import *imp = &vobj->import;
	struct device *dev = gpu->base.dev;
	struct sg_table *sgt = imp->sgt;
	int ret;

	dma_resv_assert_held(bo->obj->resv);
	if (!sgt) {
		sgt = vprime_import_map_locked(imp, DMA_BIDIRECTIONAL);
		if (IS_ERR(sgt)) {
			atomic64_inc(&gpu->import_map_failures);
			return PTR_ERR(sgt);
		}
		atomic64_inc(&gpu->import_maps);
		if (vobj->moved)
			atomic64_inc(&gpu->import_remaps);
		if (vprime_sgt_bounced(dev, sgt))
			atomic64_inc(&gpu->import_bounced);
		vobj->mapped = true;
		vobj->moved = false;
	}

	ret = vprime_job_bo_segs(&gpu->base, bo, sgt);
	if (ret) {
		vprime_import_put_locked(vobj);
		return ret;
	}
	vobj->map_users++;
	bo->sgt = sgt;
	return 0;
}

/*
 * Map the job's imports; the caller holds every resv. A mapping that fails
 * doesn't fail the submit: the job is queued as usual (so its fences order
 * the BOs' users as if it ran) and completes with the error, without
 * touching its BOs (run_job).
 */
static void vprime_job_map_imports(struct vprime_gpu *gpu,
				   struct vprime_job *job)
{
	struct vprime_job_bo *bo;
	u32 i;
	int ret;

	for (i = 0; i < job->bo_count; i++) {
		bo = &job->bos[i];
		if (to_vprime_gem(bo->obj)->bo)
			continue;
		ret = vprime_job_map_import(gpu, bo);
		if (ret) {
			drm_dbg(&gpu->base, "submit: mapping an import failed: %d\n",
				ret);
			if (!job->map_error)
				job->map_error = ret;
		}
	}
}

/*
 * Lock the BOs, add the implicit dependencies, then arm and push the job
 * and publish its finished fence. Returns the finished fence (referenced)
 * or an ERR_PTR; on error nothing was queued.
 */
static struct dma_fence *vprime_submit_queue(struct vprime_gpu *gpu,
					     struct vprime_job *job)
{
	bool implicit = !(job->flags & VPRIME_SUBMIT_NO_IMPLICIT);
	struct ww_acquire_ctx acquire_ctx;
	struct drm_gem_object **objs;
	struct dma_fence *fence;
	enum dma_resv_usage usage;
	u32 i;
	int ret;

	objs = kmalloc_array(job->bo_count, sizeof(*objs), GFP_KERNEL);
	if (!objs)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < job->bo_count; i++)
		objs[i] = job->bos[i].obj;

	ret = drm_gem_lock_reservations(objs, job->bo_count, &acquire_ctx);
	if (ret)
		goto out_free;

	for (i = 0; i < job->bo_count; i++) {
		ret = dma_resv_reserve_fences(objs[i]->resv, 1);
		if (ret)
			goto out_unlock;
		if (!implicit)
			continue;
		ret = drm_sched_job_add_implicit_dependencies(&job->base,
							      objs[i],
							      job->bos[i].write);
		if (ret)
			goto out_unlock;
	}

	vprime_job_map_imports(gpu, job);

	mutex_lock(&gpu->sched_lock);
	drm_sched_job_arm(&job->base);
	fence = dma_fence_get(&job->base.s_fence->finished);
	for (i = 0; i < job->bo_count; i++) {
		if (!implicit)
			usage = DMA_RESV_USAGE_BOOKKEEP;
		else if (job->bos[i].write)
			usage = DMA_RESV_USAGE_WRITE;
		else
			usage = DMA_RESV_USAGE_READ;
		dma_resv_add_fence(objs[i]->resv, fence, usage);
	}
	set_bit(VPRIME_JOB_PUSHED, &job->state);
	atomic_inc(&gpu->jobs_inflight);
	atomic64_inc(&gpu->jobs_queued);
	drm_sched_entity_push_job(&job->base);
	mutex_unlock(&gpu->sched_lock);

	drm_gem_unlock_reservations(objs, job->bo_count, &acquire_ctx);
	kfree(objs);
	return fence;

out_unlock:
	drm_gem_unlock_reservations(objs, job->bo_count, &acquire_ctx);
out_free:
	kfree(objs);
	return ERR_PTR(ret);
}

/*
 * DRM_IOCTL_VPRIME_SUBMIT: see struct drm_vprime_submit for the contract.
 * -EINVAL for bad flags/pads/counts/rectangles/fds, -ENOENT for unknown BO
 * or syncobj handles, -EFAULT, -ENOMEM.
 */
int vprime_submit_ioctl(struct drm_device *dev, void *data,
			struct drm_file *file)
{
	struct vprime_submit_out out = { .fd = -1 };
	struct vprime_gpu_file *vfile = file->driver_priv;
	struct vprime_gpu *gpu = to_vprime_gpu(dev);
	struct drm_vprime_submit *args = data;
	struct vprime_job *job;
	struct dma_fence *fence;
	int ret;

	ret = vprime_submit_check_args(dev, args);
	if (ret)
		return ret;

	ret = vprime_job_slot_get(vfile);
	if (ret)
		return ret;

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job) {
		vprime_job_slot_put(vfile);
		return -ENOMEM;
	}

	job->gpu = gpu;
	job->vfile = vfile;
	kref_get(&vfile->refcount);
	job->flags = args->flags;
	job->duration_ns = args->duration_ns;
	vprime_job_init_engine(job);

	ret = vprime_submit_get_cmds(dev, file, args, job);
	if (ret)
		goto err_put_job;

	ret = drm_sched_job_init(&job->base, &vfile->entity, vfile);
	if (ret)
		goto err_put_job;

	ret = vprime_submit_add_in_syncs(dev, file, args, job);
	if (ret)
		goto err_cleanup_job;

	ret = vprime_submit_add_in_fence(dev, args, job);
	if (ret)
		goto err_cleanup_job;

	ret = vprime_submit_prepare_out(dev, file, args, &out);
	if (ret)
		goto err_release_out;

	ret = vprime_job_map_bos(dev, job);
	if (ret)
		goto err_release_out;

	fence = vprime_submit_queue(gpu, job);
	if (IS_ERR(fence)) {
		ret = PTR_ERR(fence);
		goto err_release_out;
	}

	/* the job belongs to the scheduler now */
	ret = vprime_submit_emit_out(args, &out, fence);
	dma_fence_put(fence);
	return ret;

err_release_out:
	vprime_submit_release_out(&out);
err_cleanup_job:
	drm_sched_job_cleanup(&job->base);
err_put_job:
	vprime_job_put_resources(job);
	return ret;
}
