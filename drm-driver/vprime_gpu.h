/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vprime_gpu.h - private structures of the vprime render GPU
 * (vprime_gpu*.c, vprime_gem.c, vprime_submit.c, vprime_sched.c,
 * vprime_fence_user.c).
 */
#ifndef _VPRIME_GPU_H_
#define _VPRIME_GPU_H_

#include <linux/hrtimer.h>
#include <linux/iosys-map.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_utils.h>
#include <drm/gpu_scheduler.h>

#include "vprime_core.h"
#include "vprime_gem.h"

struct drm_vprime_cmd;

/* Device */

/**
 * struct vprime_gpu - one render GPU instance
 * @base: the DRM device
 * @index: the platform device id
 * @name: "vprime-gpu<index>", the scheduler's and timeline's name
 * @sched: the scheduler of the (single) render engine
 * @timeline: the engine's hardware fences, signalled in order
 * @exec_wq: ordered workqueue executing the jobs' command streams
 * @sched_lock: serialises job arming and pushing, so that the scheduler
 *	fences' seqnos are in push order
 * @job_timeout_ms: the scheduler timeout, changeable through debugfs
 * @stall_next_run_job_ms: fault injection (debugfs): the next run_job
 *	sleeps this long after the scheduler armed its timeout and before the
 *	job has a hardware fence, as a preempted scheduler thread would
 * @active_lock: protects @active_job
 * @active_job: the job currently on the engine, NULL when idle
 * @jobs_queued: jobs pushed (statistics)
 * @jobs_done: jobs freed (statistics)
 * @jobs_timedout: jobs whose timeout handler fired (statistics)
 * @jobs_inflight: jobs pushed and not yet freed; teardown waits for 0
 * @idle_wq: woken when @jobs_inflight drops to 0
 * @retire_wq: releases the resources of finished jobs, out of the
 *	scheduler's thread (a retire takes reservation locks)
 * @dma_bits: the width of the device's DMA mask (gpu_dma_bits parameter)
 * @import_maps: DMA mappings of imported buffers made by submits
 *	(statistics)
 * @import_remaps: those of @import_maps made again because move_notify
 *	had invalidated the previous one (statistics)
 * @import_map_failures: mappings that failed; each failed its job's fence
 *	(statistics)
 * @import_bounced: of @import_maps, those the DMA layer bounced through
 *	swiotlb (statistics)
 */
struct vprime_gpu {
	struct drm_device base;
	int index;
	char name[16];

	struct drm_gpu_scheduler sched;
	struct vprime_timeline timeline;
	struct workqueue_struct *exec_wq;
	struct mutex sched_lock; /* orders arm + push */
	unsigned int job_timeout_ms;
	atomic_t stall_next_run_job_ms;

	spinlock_t active_lock; /* protects active_job */
	struct vprime_job *active_job;

	atomic64_t jobs_queued;
	atomic64_t jobs_done;
	atomic64_t jobs_timedout;
	atomic_t jobs_inflight;
	wait_queue_head_t idle_wq;
	struct workqueue_struct *retire_wq;

	unsigned int dma_bits;
	atomic64_t import_maps;
	atomic64_t import_remaps;
	atomic64_t import_map_failures;
	atomic64_t import_bounced;
};

static inline struct vprime_gpu *to_vprime_gpu(struct drm_device *dev)
{
	return container_of(dev, struct vprime_gpu, base);
}

/**
 * struct vprime_gpu_file - per-open-file state (drm_file.driver_priv)
 * @refcount: held by the file and by each of its jobs (busy accounting
 *	outlives the file)
 * @gpu: the device
 * @entity: the file's scheduler entity
 * @client_id: unique id for fdinfo's drm-client-id
 * @busy_ns: engine time used by the file's jobs
 * @closing: the file is being closed by an exiting task: run_job cancels
 *	its jobs (written once by postclose, read by run_job)
 * @jobs: jobs of the file not yet freed, at most VPRIME_MAX_JOBS_IN_FLIGHT
 * @job_slot_wq: submits waiting for @jobs to drop below the limit
 * @fences: userspace fences by id (vprime_fence_user.c, the core's table)
 */
struct vprime_gpu_file {
	struct kref refcount;
	struct vprime_gpu *gpu;
	struct drm_sched_entity entity;
	u64 client_id;
	atomic64_t busy_ns;
	bool closing;
	atomic_t jobs;
	wait_queue_head_t job_slot_wq;

	struct vprime_user_fences fences;
};

void vprime_gpu_file_put(struct vprime_gpu_file *vfile);

/* Jobs (vprime_submit.c, vprime_sched.c) */

/**
 * struct vprime_dma_seg - one DMA segment of an imported buffer's mapping
 * @offset: where the segment starts in the buffer
 * @addr: its DMA address
 * @len: its length in bytes
 */
struct vprime_dma_seg {
	u64 offset;
	dma_addr_t addr;
	u32 len;
};

/**
 * struct vprime_job_bo - a BO used by a job
 * @obj: the GEM object, a reference is held
 * @map: the kernel mapping of a native BO for the job's lifetime
 * @sgt: the DMA mapping of an imported BO (the import's, shared by the jobs
 *	in flight that use it); the job holds one of the object's map_users
 *	while set
 * @segs: @sgt's DMA segments in buffer order, what the engine addresses
 * @nsegs: number of @segs
 * @write: the job writes it (else only reads)
 */
struct vprime_job_bo {
	struct drm_gem_object *obj;
	struct iosys_map map;
	struct sg_table *sgt;
	struct vprime_dma_seg *segs;
	unsigned int nsegs;
	bool write;
};

/* vprime_job.state bits */
#define VPRIME_JOB_DONE		0	/* the hardware fence was signalled */
#define VPRIME_JOB_PUSHED	1	/* handed to the scheduler */
#define VPRIME_JOB_RUNNING	2	/* on the engine, making progress */

/**
 * struct vprime_job - a submitted command stream
 * @base: the scheduler job
 * @gpu: the device
 * @vfile: the submitting file, a reference is held
 * @cmds: the validated commands
 * @cmd_count: number of @cmds
 * @bos: the BOs the commands use, each once
 * @bo_count: number of @bos
 * @flags: VPRIME_SUBMIT_* of the submit
 * @duration_ns: simulated minimum execution time
 * @hw_fence: the engine's fence, published by run_job (release) once the
 *	job's state says whether it runs; NULL before, or when run_job failed
 * @state: VPRIME_JOB_* bits; DONE makes signalling the fence happen once
 * @start: when the engine started executing the job
 * @exec_work: executes the commands on @gpu->exec_wq
 * @timer: completes the job after @duration_ns
 * @map_error: the error of a DMA mapping the submit could not make; the
 *	job then completes with it without touching its BOs
 * @retire_work: releases the job's resources on @gpu->retire_wq
 */
struct vprime_job {
	struct drm_sched_job base;
	struct vprime_gpu *gpu;
	struct vprime_gpu_file *vfile;

	struct drm_vprime_cmd *cmds;
	u32 cmd_count;
	struct vprime_job_bo *bos;
	u32 bo_count;
	u32 flags;
	u64 duration_ns;

	struct dma_fence *hw_fence;
	unsigned long state;
	ktime_t start;
	struct work_struct exec_work;
	struct hrtimer timer;
	int map_error;
	struct work_struct retire_work;
};

static inline struct vprime_job *to_vprime_job(struct drm_sched_job *job)
{
	return container_of(job, struct vprime_job, base);
}

/* An absolute CLOCK_MONOTONIC deadline in ns (0 polls) as a jiffy timeout. */
static inline long vprime_abs_timeout_to_jiffies(u64 timeout_ns)
{
	if (timeout_ns > S64_MAX)
		return MAX_SCHEDULE_TIMEOUT;
	return drm_timeout_abs_to_jiffies(timeout_ns);
}

/* vprime_gem.c */
int vprime_gem_create_ioctl(struct drm_device *dev, void *data,
			    struct drm_file *file);
int vprime_gem_mmap_offset_ioctl(struct drm_device *dev, void *data,
				 struct drm_file *file);
int vprime_gem_info_ioctl(struct drm_device *dev, void *data,
			  struct drm_file *file);
int vprime_gem_wait_ioctl(struct drm_device *dev, void *data,
			  struct drm_file *file);
bool vprime_gem_is_vprime(struct drm_gem_object *obj);

/* vprime_submit.c */
int vprime_submit_ioctl(struct drm_device *dev, void *data,
			struct drm_file *file);
void vprime_job_put_resources(struct vprime_job *job);

/* vprime_sched.c */
int vprime_sched_init(struct vprime_gpu *gpu);
void vprime_sched_fini(struct vprime_gpu *gpu);
void vprime_job_init_engine(struct vprime_job *job);
void vprime_sched_cut_short(struct vprime_gpu_file *vfile);
void vprime_sched_set_timeout(struct vprime_gpu *gpu, unsigned int ms);
extern unsigned int vprime_job_timeout_ms;

/* vprime_fence_user.c */
void vprime_fence_user_init(struct vprime_gpu_file *vfile);
void vprime_fence_user_fini(struct vprime_gpu_file *vfile);
int vprime_fence_attach_ioctl(struct drm_device *dev, void *data,
			      struct drm_file *file);
int vprime_fence_signal_ioctl(struct drm_device *dev, void *data,
			      struct drm_file *file);

/* vprime_gpu_debugfs.c */
void vprime_gpu_debugfs_init(struct drm_minor *minor);
void vprime_gpu_show_fdinfo(struct seq_file *m, struct file *f);

#endif /* _VPRIME_GPU_H_ */
