// SPDX-License-Identifier: GPL-2.0
/*
 * DOC: vprime render engine scheduling
 *
 * Each GPU has one render engine driven by a drm_gpu_scheduler with a credit
 * limit of one job; each open file is a scheduler entity, and the scheduler
 * round-robins between them once a job's dependencies have signalled.
 *
 * run_job creates the job's hardware fence on the engine's in-order core
 * timeline and queues the command stream on an ordered workqueue, which
 * executes it on the CPU: native BOs through the kernel mappings taken at
 * submit time, imported BOs through their DMA mappings (synced for the
 * device before the commands and for the CPU after them). When
 * the commands are done the hardware fence is signalled, after an hrtimer
 * when the job asked for a simulated duration (nothing busy-waits).
 *
 * Hang policy: a job still on the engine when the scheduler timeout
 * (module parameter job_timeout_ms, changeable in debugfs) fires is checked
 * for progress. A VPRIME_SUBMIT_HANG job makes none: timedout_job declares
 * it hung, sets -ETIMEDOUT on its finished fence, signals its hardware
 * fence with the same error and lets the scheduler go on; the engine has no
 * other state to reset. Any other job is executing or waiting out its
 * simulated duration (at most VPRIME_MAX_DURATION_NS), which is progress:
 * the timeout is re-armed and the job completes by itself. The VPRIME_JOB_DONE bit makes
 * sure exactly one of the completion paths (worker, hrtimer, timeout)
 * signals.
 *
 * The scheduler arms its timeout (drm_sched_job_begin()) before it calls
 * run_job, so the timeout can fire for a job that has no hardware fence
 * yet, or never gets one because run_job failed. Such a job hasn't reached
 * the engine and isn't hung: the handler leaves it alone. run_job sets the
 * job's RUNNING bit before it publishes the hardware fence, so a handler
 * that sees the fence also sees whether the job makes progress.
 */
#include <linux/delay.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include <drm/drm_managed.h>
#include <drm/drm_print.h>
#include <drm/vprime_drm.h>

#include "vprime_gpu.h"

#define VPRIME_JOB_TIMEOUT_MIN_MS	10

unsigned int vprime_job_timeout_ms = 2000;
module_param_named(job_timeout_ms, vprime_job_timeout_ms, uint, 0444);
MODULE_PARM_DESC(job_timeout_ms,
		 "GPU job timeout in ms before a job is declared hung, min 10 (default 2000)");

/* Rows between cond_resched() calls of the engine loops. */
#define VPRIME_ENGINE_ROWS_PER_RESCHED	64

static const u32 vprime_bar_colours[8] = {
	0xffffffff, 0xffffff00, 0xff00ffff, 0xff00ff00,
	0xffff00ff, 0xffff0000, 0xff0000ff, 0xff000000,
};

/*
 * Complete @job once: account its engine time (and a timeout, -ETIMEDOUT),
 * record @error on the finished fence and signal the hardware fence. The
 * statistics come first, so whoever sees the fence signalled sees them.
 * Safe in any context. Returns false when the job had already been
 * completed.
 */
static bool vprime_job_complete(struct vprime_job *job, int error)
{
	struct vprime_gpu *gpu = job->gpu;
	unsigned long flags;
	s64 busy;

	if (test_and_set_bit(VPRIME_JOB_DONE, &job->state))
		return false;

	busy = ktime_to_ns(ktime_sub(ktime_get(), job->start));
	if (busy > 0)
		atomic64_add(busy, &job->vfile->busy_ns);
	if (error == -ETIMEDOUT)
		atomic64_inc(&gpu->jobs_timedout);

	spin_lock_irqsave(&gpu->active_lock, flags);
	if (gpu->active_job == job)
		gpu->active_job = NULL;
	spin_unlock_irqrestore(&gpu->active_lock, flags);

	/* finished is only signalled through the hardware fence's callback */
	if (error)
		dma_fence_set_error(&job->base.s_fence->finished, error);
	vprime_fence_signal(job->hw_fence, error);
	return true;
}

static enum hrtimer_restart vprime_job_timer_fn(struct hrtimer *timer)
{
	struct vprime_job *job = container_of(timer, struct vprime_job, timer);

	vprime_job_complete(job, 0);
	return HRTIMER_NORESTART;
}

/*
 * How the engine reaches a BO. A native BO is the GPU's own memory: the
 * kernel mapping taken at submit. An imported BO is reached as a DMA engine
 * reaches memory, through the DMA addresses of the import's mapping (made
 * in the submit's validate step): each DMA address is translated back to
 * the memory the device would access (dma_to_phys(); under swiotlb that is
 * the bounce buffer, not the buffer's own pages) and the CPU touches that
 * memory through kmap_local_page(). The GPU's device has no IOMMU, so a
 * DMA segment is physically contiguous; without HIGHMEM the linear map
 * covers it contiguously, with HIGHMEM a span ends at the page boundary.
 *
 * vprime_span_map() returns the CPU address of @offset in @bo and shrinks
 * *@len to the bytes contiguous from there; vprime_span_unmap() releases it
 * (in the reverse order of the maps).
 */
static void *vprime_span_map(struct vprime_job *job, struct vprime_job_bo *bo,
			     u64 offset, size_t *len)
{
	const struct vprime_dma_seg *seg;
	unsigned int lo = 0, hi, mid;
	phys_addr_t phys;
	size_t avail;

	if (!bo->sgt)
		return bo->map.vaddr + offset;

	/* the last segment that starts at or before @offset */
	hi = bo->nsegs;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (bo->segs[mid].offset <= offset)
			lo = mid;
		else
			hi = mid;
	}
	seg = &bo->segs[lo];
	phys = dma_to_phys(job->gpu->base.dev,
			   seg->addr + (offset - seg->offset));
	avail = seg->offset + seg->len - offset;
	if (IS_ENABLED(CONFIG_HIGHMEM))
		avail = min_t(size_t, avail, PAGE_SIZE - offset_in_page(phys));
	*len = min(*len, avail);
	return kmap_local_page(pfn_to_page(PHYS_PFN(phys))) +
	       offset_in_page(phys);
}

static void vprime_span_unmap(struct vprime_job_bo *bo, const void *vaddr)
{
	if (bo->sgt)
		kunmap_local(vaddr);
}

/*
 * The engine's inner loops use plain 64-bit loads and stores, unrolled,
 * rather than memcpy()/memset32(): on CPUs with ERMS those are "rep movsb"/
 * "rep stos", which emulated CPUs (the QEMU TCG guests we run in) execute
 * one element at a time, several times slower than a load/store loop.
 * Ranges go in spans of at most 1 MiB with cond_resched() in between.
 */
#define VPRIME_ENGINE_CHUNK	SZ_1M

static void vprime_engine_fill_words(u32 *dst, u32 value, size_t count)
{
	u64 v = (u64)value << 32 | value;
	u64 *d;

	/* align to 8 bytes, then 64 bytes per iteration */
	if (count && ((unsigned long)dst & 7)) {
		*dst++ = value;
		count--;
	}
	d = (u64 *)dst;
	for (; count >= 16; count -= 16, d += 8) {
		d[0] = v; d[1] = v; d[2] = v; d[3] = v;
		d[4] = v; d[5] = v; d[6] = v; d[7] = v;
	}
	for (; count >= 2; count -= 2)
		*d++ = v;
	if (count)
		*(u32 *)d = value;
}

static void vprime_engine_copy_bytes(void *dst, const void *src, size_t size)
{
	const u64 *s = src;
	u64 *d = dst;
	u64 a, b, c, e;

	/* offsets and strides are 4-byte aligned; sizes are whole pixels */
	if (((unsigned long)dst | (unsigned long)src) & 7) {
		memcpy(dst, src, size);
		return;
	}
	for (; size >= 32; size -= 32, s += 4, d += 4) {
		a = s[0];
		b = s[1];
		c = s[2];
		e = s[3];
		d[0] = a;
		d[1] = b;
		d[2] = c;
		d[3] = e;
	}
	for (; size >= 8; size -= 8)
		*d++ = *s++;
	if (size)
		memcpy(d, s, size);
}

/* Fill @size bytes (whole pixels) at @offset of @bo with @value. */
static void vprime_engine_fill_range(struct vprime_job *job,
				     struct vprime_job_bo *bo, u64 offset,
				     size_t size, u32 value)
{
	size_t n;
	u32 *p;

	while (size) {
		n = min_t(size_t, size, VPRIME_ENGINE_CHUNK);
		p = vprime_span_map(job, bo, offset, &n);
		vprime_engine_fill_words(p, value, n / 4);
		vprime_span_unmap(bo, p);
		offset += n;
		size -= n;
		if (size)
			cond_resched();
	}
}

/* Copy @size bytes between ranges that don't overlap. */
static void vprime_engine_copy_range(struct vprime_job *job,
				     struct vprime_job_bo *dst, u64 dst_offset,
				     struct vprime_job_bo *src, u64 src_offset,
				     size_t size)
{
	const void *s;
	size_t n;
	void *d;

	while (size) {
		n = min_t(size_t, size, VPRIME_ENGINE_CHUNK);
		d = vprime_span_map(job, dst, dst_offset, &n);
		s = vprime_span_map(job, src, src_offset, &n);
		vprime_engine_copy_bytes(d, s, n);
		vprime_span_unmap(src, s);
		vprime_span_unmap(dst, d);
		dst_offset += n;
		src_offset += n;
		size -= n;
		if (size)
			cond_resched();
	}
}

/*
 * Copy @size bytes within @bo, where the ranges may overlap (memmove()):
 * in blocks no longer than their distance, so that a block never overlaps
 * its own source, from the end when the destination lies above.
 */
static void vprime_engine_move_range(struct vprime_job *job,
				     struct vprime_job_bo *bo, u64 dst_offset,
				     u64 src_offset, size_t size)
{
	u64 dist = dst_offset > src_offset ? dst_offset - src_offset :
		   src_offset - dst_offset;
	size_t done, n;

	if (!dist)
		return;
	if (dist >= size) {
		vprime_engine_copy_range(job, bo, dst_offset, bo, src_offset,
					 size);
		return;
	}
	for (done = 0; done < size; done += n) {
		n = min_t(u64, dist, size - done);
		if (dst_offset > src_offset)
			vprime_engine_copy_range(job, bo,
						 dst_offset + size - done - n,
						 bo, src_offset + size - done - n,
						 n);
		else
			vprime_engine_copy_range(job, bo, dst_offset + done,
						 bo, src_offset + done, n);
	}
}

static u64 vprime_rect_row(u64 offset, u32 stride, u32 y)
{
	return offset + (u64)y * stride;
}

static void vprime_engine_fill(struct vprime_job *job,
			       const struct drm_vprime_cmd *cmd,
			       struct vprime_job_bo *dst)
{
	size_t row = (size_t)cmd->width * 4;
	u32 y;

	if (cmd->dst_stride == row) {
		vprime_engine_fill_range(job, dst, cmd->dst_offset,
					 row * cmd->height, cmd->value);
		return;
	}

	for (y = 0; y < cmd->height; y++) {
		vprime_engine_fill_range(job, dst,
					 vprime_rect_row(cmd->dst_offset,
							 cmd->dst_stride, y),
					 row, cmd->value);
		if (!(y % VPRIME_ENGINE_ROWS_PER_RESCHED))
			cond_resched();
	}
}

static void vprime_engine_copy(struct vprime_job *job,
			       const struct drm_vprime_cmd *cmd,
			       struct vprime_job_bo *dst,
			       struct vprime_job_bo *src)
{
	size_t row = (size_t)cmd->width * 4;
	bool same = dst == src;
	bool backwards = same && cmd->dst_offset > cmd->src_offset;
	u64 drow, srow;
	u32 i, y;

	if (!same && cmd->dst_stride == row && cmd->src_stride == row) {
		vprime_engine_copy_range(job, dst, cmd->dst_offset, src,
					 cmd->src_offset, row * cmd->height);
		return;
	}

	for (i = 0; i < cmd->height; i++) {
		y = backwards ? cmd->height - 1 - i : i;
		drow = vprime_rect_row(cmd->dst_offset, cmd->dst_stride, y);
		srow = vprime_rect_row(cmd->src_offset, cmd->src_stride, y);
		if (same)
			vprime_engine_move_range(job, dst, drow, srow, row);
		else
			vprime_engine_copy_range(job, dst, drow, src, srow,
						 row);
		if (!(i % VPRIME_ENGINE_ROWS_PER_RESCHED))
			cond_resched();
	}
}

/*
 * The pixel formulas are part of the uapi (see vprime_drm.h); @xs is the
 * scrolled x, (x + frame) % w.
 */
static u32 vprime_pattern_pixel(u32 pattern, u32 xs, u32 y, u32 w, u32 frame)
{
	switch (pattern) {
	case VPRIME_PATTERN_GRADIENT:
		return 0xff000000 | ((xs & 0xff) << 16) |
		       (((y + frame) & 0xff) << 8) | (frame & 0xff);
	case VPRIME_PATTERN_CHECKER:
		return ((xs / 32 + y / 32) & 1) ? 0xffffffff : 0xff000000;
	default:
		return vprime_bar_colours[(u64)xs * 8 / w];
	}
}

/* Compute row @y of @cmd's pattern at @offset, pixel by pixel. */
static void vprime_engine_pattern_row(struct vprime_job *job,
				      const struct drm_vprime_cmd *cmd,
				      struct vprime_job_bo *dst, u64 offset,
				      u32 y)
{
	u32 w = cmd->width, xs = cmd->frame % w, left = w;
	u32 gradient = vprime_pattern_pixel(VPRIME_PATTERN_GRADIENT, 0, y, w,
					    cmd->frame);
	u32 i, count, *p;
	size_t n;

	while (left) {
		n = (size_t)left * 4;
		p = vprime_span_map(job, dst, offset, &n);
		count = n / 4;
		for (i = 0; i < count; i++) {
			/* a gradient row differs from x to x in red only */
			if (cmd->pattern == VPRIME_PATTERN_GRADIENT)
				p[i] = gradient | (xs & 0xff) << 16;
			else
				p[i] = vprime_pattern_pixel(cmd->pattern, xs, y,
							    w, cmd->frame);
			if (++xs == w)
				xs = 0;
		}
		vprime_span_unmap(dst, p);
		offset += n;
		left -= count;
	}
}

/*
 * Rows repeat: bars are the same on every row and the checker board every
 * 64 rows, so only the first rows are computed pixel by pixel and the
 * others copied from them; gradient rows are cheap to compute.
 */
static void vprime_engine_pattern(struct vprime_job *job,
				  const struct drm_vprime_cmd *cmd,
				  struct vprime_job_bo *dst)
{
	size_t row = (size_t)cmd->width * 4;
	u64 offset;
	u32 y;

	for (y = 0; y < cmd->height; y++) {
		offset = vprime_rect_row(cmd->dst_offset, cmd->dst_stride, y);
		if (cmd->pattern == VPRIME_PATTERN_GRADIENT ||
		    (cmd->pattern == VPRIME_PATTERN_CHECKER && y < 64) || !y)
			vprime_engine_pattern_row(job, cmd, dst, offset, y);
		else
			vprime_engine_copy_range(job, dst, offset, dst,
						 vprime_rect_row(cmd->dst_offset,
								 cmd->dst_stride,
								 cmd->pattern ==
								 VPRIME_PATTERN_CHECKER ?
								 y % 64 : 0),
						 row);
		if (!(y % VPRIME_ENGINE_ROWS_PER_RESCHED))
			cond_resched();
	}
}

/*
 * Hand the job's imported BOs to the device before the engine runs and
 * back to the CPU once it is done, as the DMA API requires of a device
 * that keeps a mapping across accesses (with swiotlb these copy between
 * the buffer and its bounce buffer).
 */
static void vprime_job_sync(struct vprime_job *job, bool for_device)
{
	struct device *dev = job->gpu->base.dev;
	struct sg_table *sgt;
	u32 i;

	for (i = 0; i < job->bo_count; i++) {
		sgt = job->bos[i].sgt;
		if (!sgt)
			continue;
		if (for_device)
			dma_sync_sgtable_for_device(dev, sgt, DMA_BIDIRECTIONAL);
		else
			dma_sync_sgtable_for_cpu(dev, sgt, DMA_BIDIRECTIONAL);
	}
}

/* Execute the (validated) command stream. */
static void vprime_engine_exec(struct vprime_job *job)
{
	const struct drm_vprime_cmd *cmd;
	struct vprime_job_bo *dst, *src;
	u32 i;

	for (i = 0; i < job->cmd_count; i++) {
		cmd = &job->cmds[i];
		/* submit replaced the handles by indices into job->bos */
		dst = &job->bos[cmd->dst_handle];
		switch (cmd->op) {
		case VPRIME_CMD_FILL:
			vprime_engine_fill(job, cmd, dst);
			break;
		case VPRIME_CMD_COPY:
			src = &job->bos[cmd->src_handle];
			vprime_engine_copy(job, cmd, dst, src);
			break;
		case VPRIME_CMD_PATTERN:
			vprime_engine_pattern(job, cmd, dst);
			break;
		}
	}
}

static void vprime_job_exec_work(struct work_struct *work)
{
	struct vprime_job *job = container_of(work, struct vprime_job,
					      exec_work);
	s64 elapsed;

	/* a hung job never completes; timedout_job takes care of it */
	if (job->flags & VPRIME_SUBMIT_HANG)
		return;

	if (test_bit(VPRIME_JOB_DONE, &job->state))
		return;

	vprime_job_sync(job, true);
	vprime_engine_exec(job);
	vprime_job_sync(job, false);

	elapsed = ktime_to_ns(ktime_sub(ktime_get(), job->start));
	if (job->duration_ns > elapsed) {
		hrtimer_start(&job->timer,
			      ns_to_ktime(job->duration_ns - elapsed),
			      HRTIMER_MODE_REL);
		return;
	}

	vprime_job_complete(job, 0);
}

static struct dma_fence *vprime_sched_run_job(struct drm_sched_job *sched_job)
{
	struct vprime_job *job = to_vprime_job(sched_job);
	struct vprime_gpu *gpu = job->gpu;
	struct dma_fence *fence;
	unsigned int stall;

	stall = atomic_xchg(&gpu->stall_next_run_job_ms, 0);
	if (unlikely(stall))
		msleep(stall);

	fence = vprime_fence_create(&gpu->timeline, GFP_KERNEL);
	if (!fence)
		return ERR_PTR(-ENOMEM);

	job->start = ktime_get();
	/*
	 * The engine always makes progress on a job it was given, however
	 * slowly the worker gets scheduled; only a hung job doesn't. A job
	 * completed below is not on the engine either way.
	 */
	if (!(job->flags & VPRIME_SUBMIT_HANG))
		set_bit(VPRIME_JOB_RUNNING, &job->state);
	/* pairs with the acquire in vprime_sched_timedout_job() */
	smp_store_release(&job->hw_fence, dma_fence_get(fence));

	if (unlikely(sched_job->s_fence->finished.error)) {
		/* cancelled before it ran: don't touch the BOs */
		vprime_job_complete(job, 0);
		return fence;
	}
	if (unlikely(job->map_error)) {
		/* the validate step couldn't map a BO: fail with its error */
		vprime_job_complete(job, job->map_error);
		return fence;
	}
	if (unlikely(READ_ONCE(job->vfile->closing))) {
		/* its client is gone, as drm_sched_entity_kill_jobs() does */
		vprime_job_complete(job, -ESRCH);
		return fence;
	}

	/*
	 * A hung job's timeout may have completed it already; the engine then
	 * never holds it (vprime_job_complete() sets DONE before it takes the
	 * lock to clear active_job).
	 */
	spin_lock_irq(&gpu->active_lock);
	if (!test_bit(VPRIME_JOB_DONE, &job->state))
		gpu->active_job = job;
	spin_unlock_irq(&gpu->active_lock);

	queue_work(gpu->exec_wq, &job->exec_work);
	return fence;
}

static enum drm_gpu_sched_stat
vprime_sched_timedout_job(struct drm_sched_job *sched_job)
{
	struct drm_gpu_scheduler *sched = sched_job->sched;
	struct vprime_job *job = to_vprime_job(sched_job);
	struct vprime_gpu *gpu = job->gpu;

	/*
	 * The scheduler took the job off its pending list for us; put it
	 * back so that free_job runs once the finished fence signals.
	 */
	spin_lock(&sched->job_list_lock);
	list_add(&sched_job->list, &sched->pending_list);
	spin_unlock(&sched->job_list_lock);

	/* pairs with run_job's release: RUNNING is set if the fence is */
	if (!smp_load_acquire(&job->hw_fence)) {
		/*
		 * run_job hasn't given the job to the engine yet (or failed
		 * to): the timeout is re-armed, as for progress.
		 */
	} else if (test_bit(VPRIME_JOB_RUNNING, &job->state)) {
		/*
		 * Executing or in its simulated duration: progress, not a
		 * hang. The timeout is re-armed and the job completes by
		 * itself, as v3d skips the reset for a job whose control
		 * list advanced.
		 */
	} else if (vprime_job_complete(job, -ETIMEDOUT)) {
		drm_notice(&gpu->base, "job %llu timed out after %u ms\n",
			   sched_job->id, READ_ONCE(gpu->job_timeout_ms));
	}

	/*
	 * If the job completed while it was off the list, the scheduler's
	 * wakeup missed it: wake the scheduler thread again to free it.
	 */
	wake_up_interruptible(&sched->wake_up_worker);
	return DRM_GPU_SCHED_STAT_NOMINAL;
}

static void vprime_sched_free_job(struct drm_sched_job *sched_job)
{
	struct vprime_job *job = to_vprime_job(sched_job);

	/* a timed-out job may still be executing or have its timer armed */
	cancel_work_sync(&job->exec_work);
	hrtimer_cancel(&job->timer);

	drm_sched_job_cleanup(sched_job);
	/* the retire takes reservation locks: not in the scheduler's thread */
	queue_work(job->gpu->retire_wq, &job->retire_work);
}

static const struct drm_sched_backend_ops vprime_sched_ops = {
	.run_job = vprime_sched_run_job,
	.timedout_job = vprime_sched_timedout_job,
	.free_job = vprime_sched_free_job,
};

/*
 * vprime_sched_cut_short - complete @vfile's job on the engine now if it
 * only waits out its simulated duration (its commands already executed),
 * so that a closing client doesn't wait for simulated time.
 */
void vprime_sched_cut_short(struct vprime_gpu_file *vfile)
{
	struct vprime_gpu *gpu = vfile->gpu;
	struct vprime_job *job;

	spin_lock_irq(&gpu->active_lock);
	job = gpu->active_job;
	/* a cancelled timer completes nothing: the job stays ours to finish */
	if (!job || job->vfile != vfile || hrtimer_try_to_cancel(&job->timer) != 1)
		job = NULL;
	spin_unlock_irq(&gpu->active_lock);

	if (job)
		vprime_job_complete(job, 0);
}

static void vprime_job_retire_work(struct work_struct *work)
{
	vprime_job_put_resources(container_of(work, struct vprime_job,
					      retire_work));
}

void vprime_job_init_engine(struct vprime_job *job)
{
	INIT_WORK(&job->exec_work, vprime_job_exec_work);
	INIT_WORK(&job->retire_work, vprime_job_retire_work);
	hrtimer_init(&job->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	job->timer.function = vprime_job_timer_fn;
}

void vprime_sched_set_timeout(struct vprime_gpu *gpu, unsigned int ms)
{
	ms = max_t(unsigned int, ms, VPRIME_JOB_TIMEOUT_MIN_MS);
	WRITE_ONCE(gpu->job_timeout_ms, ms);
	/* read by the scheduler each time it arms its timeout work */
	WRITE_ONCE(gpu->sched.timeout, msecs_to_jiffies(ms));
}

static void vprime_sched_release(struct drm_device *dev, void *data)
{
	struct vprime_gpu *gpu = data;

	/* every file is closed: wait for the jobs the engine still has */
	wait_event(gpu->idle_wq, !atomic_read(&gpu->jobs_inflight));
	drm_sched_fini(&gpu->sched);
	/* drains the retire that dropped the last job */
	destroy_workqueue(gpu->retire_wq);
	destroy_workqueue(gpu->exec_wq);
}

int vprime_sched_init(struct vprime_gpu *gpu)
{
	struct drm_sched_init_args args = {
		.ops = &vprime_sched_ops,
		.credit_limit = 1,
		.hang_limit = 0,
		.name = gpu->name,
		.dev = gpu->base.dev,
	};
	int ret;

	snprintf(gpu->name, sizeof(gpu->name), "vprime-gpu%d", gpu->index);
	mutex_init(&gpu->sched_lock);
	spin_lock_init(&gpu->active_lock);
	init_waitqueue_head(&gpu->idle_wq);
	vprime_timeline_init(&gpu->timeline, "vprime_gpu", gpu->name);

	gpu->job_timeout_ms = max_t(unsigned int, vprime_job_timeout_ms,
				    VPRIME_JOB_TIMEOUT_MIN_MS);
	args.timeout = msecs_to_jiffies(gpu->job_timeout_ms);

	gpu->exec_wq = alloc_ordered_workqueue("%s", 0, gpu->name);
	if (!gpu->exec_wq)
		return -ENOMEM;
	gpu->retire_wq = alloc_workqueue("%s-retire", 0, 0, gpu->name);
	if (!gpu->retire_wq) {
		ret = -ENOMEM;
		goto err_destroy_exec_wq;
	}

	ret = drm_sched_init(&gpu->sched, &args);
	if (ret)
		goto err_destroy_retire_wq;

	return drmm_add_action_or_reset(&gpu->base, vprime_sched_release, gpu);

err_destroy_retire_wq:
	destroy_workqueue(gpu->retire_wq);
err_destroy_exec_wq:
	destroy_workqueue(gpu->exec_wq);
	return ret;
}
