// SPDX-License-Identifier: MIT
/*
 * vprime_kms_util.c - GPU and KMS plumbing for vprime's PRIME tests. See
 * vprime_kms_util.h for the contract of each function.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/sync_file.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>
#include <xxhash.h>

#include <igt.h>

#include "vprime_igt.h"
#include "vprime_kms_util.h"

/* GPU */

int vprime_gpu_open_or_fail(int index)
{
	int fd = __vprime_open_driver(VPRIME_GPU_DRIVER, index, false);

	igt_assert_f(fd >= 0, "no %s device #%d: is vprime.ko loaded?\n",
		     VPRIME_GPU_DRIVER, index);
	return fd;
}

int vprime_kms_open_or_fail(int index)
{
	int fd = __vprime_open_driver(VPRIME_KMS_DRIVER, index, false);

	igt_assert_f(fd >= 0, "no %s device #%d: is vprime.ko loaded?\n",
		     VPRIME_KMS_DRIVER, index);
	return fd;
}

int __vprime_job_submit(int fd, const struct vprime_job *job)
{
	struct drm_vprime_cmd cmd = {
		.op = job->op,
		.dst_handle = job->dst,
		.src_handle = job->src,
		.dst_stride = job->dst_stride,
		.src_stride = job->src_stride,
		.width = job->width,
		.height = job->height,
		.value = job->op == VPRIME_CMD_FILL ? job->value : 0,
	};
	struct drm_vprime_submit args = {
		.cmds = (uintptr_t)&cmd,
		.cmd_count = 1,
		.flags = job->flags,
		.duration_ns = job->duration_ns,
	};

	if (job->in_fence_fd >= 0) {
		args.flags |= VPRIME_SUBMIT_IN_FENCE_FD;
		args.in_fence_fd = job->in_fence_fd;
	}
	if (job->want_out_fence)
		args.flags |= VPRIME_SUBMIT_OUT_FENCE_FD;

	if (igt_ioctl(fd, DRM_IOCTL_VPRIME_SUBMIT, &args))
		return -errno;
	return job->want_out_fence ? (int)args.out_fence_fd : -1;
}

int vprime_job_submit(int fd, const struct vprime_job *job)
{
	int ret = __vprime_job_submit(fd, job);

	igt_assert_f(ret >= -1, "submit: %s\n", strerror(-ret));
	return ret;
}

int vprime_job_fill(int fd, uint32_t handle, uint32_t stride, uint32_t w,
		    uint32_t h, uint32_t value, uint64_t duration_ns,
		    uint32_t flags)
{
	struct vprime_job job = {
		.op = VPRIME_CMD_FILL,
		.dst = handle,
		.dst_stride = stride,
		.width = w,
		.height = h,
		.value = value,
		.duration_ns = duration_ns,
		.flags = flags,
		.in_fence_fd = -1,
		.want_out_fence = true,
	};
	int fence = vprime_job_submit(fd, &job);

	igt_assert_fd(fence);
	return fence;
}

/* PRIME and dma-buf */

int vprime_prime_export(int fd, uint32_t handle)
{
	struct drm_prime_handle args = {
		.handle = handle, .flags = DRM_CLOEXEC | DRM_RDWR, .fd = -1,
	};

	do_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &args);
	igt_assert_fd(args.fd);
	return args.fd;
}

/* sync_file / dma-buf state */

bool vprime_fd_ready(int fd, short events)
{
	return vprime_fd_wait(fd, events, 0);
}

bool vprime_fd_wait(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ret;

	do {
		ret = poll(&pfd, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	igt_assert_f(ret >= 0, "poll: %s\n", strerror(errno));
	return ret == 1 && (pfd.revents & events) == events;
}

/* KMS */

uint32_t vprime_kms_prop_id(int fd, uint32_t obj_id, uint32_t obj_type,
			    const char *name, bool required)
{
	uint32_t id = 0;
	int ret;

	ret = vprime_prop_find(fd, obj_id, obj_type, name, &id, NULL);
	igt_assert_f(!ret || (ret == -ENOENT && !required),
		     "property %s of object %u: %s\n", name, obj_id,
		     strerror(-ret));
	return id;
}

uint64_t vprime_kms_prop_value(int fd, uint32_t obj_id, uint32_t obj_type,
			       const char *name)
{
	uint64_t value = 0;
	int ret;

	ret = vprime_prop_find(fd, obj_id, obj_type, name, NULL, &value);
	igt_assert_f(!ret, "property %s of object %u: %s\n", name, obj_id,
		     strerror(-ret));
	return value;
}

/* The encoder of @conn can drive CRTC index @pipe. */
static bool conn_drives(int fd, drmModeConnectorPtr conn, uint32_t pipe)
{
	bool ok = false;
	int e;

	for (e = 0; e < conn->count_encoders && !ok; e++) {
		drmModeEncoderPtr enc = drmModeGetEncoder(fd, conn->encoders[e]);

		igt_assert(enc);
		ok = enc->possible_crtcs & (1u << pipe);
		drmModeFreeEncoder(enc);
	}
	return ok;
}

void vprime_kms_init(struct vprime_kms *kms, int fd)
{
	vprime_kms_init_pipe(kms, fd, 0);
}

/*
 * KMS state outlives the client that set it: clear every CRTC's colour
 * transforms (DEGAMMA_LUT, CTM, GAMMA_LUT) so that a test, or a compositor
 * a test starts, sees the plain pipeline whatever ran before it, as
 * igt_display_reset() does upstream. A CRTC without the properties is left
 * alone. Returns the commit's result: -EACCES when @fd is not DRM master.
 */
int vprime_kms_reset_color(int fd)
{
	static const char *const names[] = { "DEGAMMA_LUT", "CTM", "GAMMA_LUT" };
	drmModeAtomicReqPtr req;
	drmModeResPtr res;
	unsigned int n = 0;
	int c, i, ret = 0;

	igt_assert_eq(drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1), 0);
	res = drmModeGetResources(fd);
	igt_assert(res);
	req = drmModeAtomicAlloc();
	igt_assert(req);
	for (c = 0; c < res->count_crtcs; c++) {
		for (i = 0; i < 3; i++) {
			uint32_t id = vprime_kms_prop_id(fd, res->crtcs[c],
							 DRM_MODE_OBJECT_CRTC,
							 names[i], false);

			if (id) {
				igt_assert_lt(0, drmModeAtomicAddProperty(req, res->crtcs[c],
									  id, 0));
				n++;
			}
		}
	}
	if (n && drmModeAtomicCommit(fd, req, 0, NULL))
		ret = -errno;
	drmModeAtomicFree(req);
	drmModeFreeResources(res);
	return ret;
}

void vprime_kms_init_pipe(struct vprime_kms *kms, int fd, uint32_t pipe)
{
	drmModeResPtr res;
	drmModePlaneResPtr pres;
	uint32_t i;
	int m, best = -1;

	memset(kms, 0, sizeof(*kms));
	kms->fd = fd;
	igt_assert_eq(drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1), 0);
	igt_assert_eq(drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1), 0);
	igt_assert_f(drmSetClientCap(fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1) == 0,
		     "display does not accept the writeback client cap\n");

	res = drmModeGetResources(fd);
	igt_assert(res);
	igt_assert_lt(pipe, res->count_crtcs);
	kms->crtc_id = res->crtcs[pipe];
	kms->crtc_index = pipe;

	for (i = 0; i < (uint32_t)res->count_connectors; i++) {
		drmModeConnectorPtr conn = drmModeGetConnector(fd, res->connectors[i]);

		igt_assert(conn);
		if (!conn_drives(fd, conn, pipe)) {
			drmModeFreeConnector(conn);
			continue;
		}
		if (conn->connector_type == DRM_MODE_CONNECTOR_WRITEBACK) {
			kms->wb_id = conn->connector_id;
		} else if (!kms->conn_id &&
			   conn->connection == DRM_MODE_CONNECTED &&
			   conn->count_modes > 0) {
			kms->conn_id = conn->connector_id;
			for (m = 0; m < conn->count_modes; m++) {
				drmModeModeInfo *mi = &conn->modes[m];

				if (best < 0 ||
				    mi->hdisplay * mi->vdisplay <
				    conn->modes[best].hdisplay * conn->modes[best].vdisplay)
					best = m;
			}
			kms->mode = conn->modes[best];
		}
		drmModeFreeConnector(conn);
	}
	drmModeFreeResources(res);
	igt_assert_f(kms->conn_id, "display has no connected connector for CRTC %u\n",
		     pipe);
	igt_assert_f(kms->wb_id, "display has no writeback connector for CRTC %u\n",
		     pipe);
	kms->width = kms->mode.hdisplay;
	kms->height = kms->mode.vdisplay;

	pres = drmModeGetPlaneResources(fd);
	igt_assert(pres);
	for (i = 0; i < pres->count_planes && !kms->primary_id; i++) {
		drmModePlanePtr plane = drmModeGetPlane(fd, pres->planes[i]);

		igt_assert(plane);
		if ((plane->possible_crtcs & (1u << pipe)) &&
		    vprime_kms_prop_value(fd, plane->plane_id,
					  DRM_MODE_OBJECT_PLANE, "type") ==
		    DRM_PLANE_TYPE_PRIMARY)
			kms->primary_id = plane->plane_id;
		drmModeFreePlane(plane);
	}
	drmModeFreePlaneResources(pres);
	igt_assert_f(kms->primary_id, "no primary plane for CRTC %u\n", pipe);
	/* a second client (not master) can't, and needn't */
	vprime_kms_reset_color(fd);

#define PLANE_PROP(f, n) \
	kms->f = vprime_kms_prop_id(fd, kms->primary_id, \
				    DRM_MODE_OBJECT_PLANE, n, true)
	PLANE_PROP(p_fb_id, "FB_ID");
	PLANE_PROP(p_crtc_id, "CRTC_ID");
	PLANE_PROP(p_src_x, "SRC_X");
	PLANE_PROP(p_src_y, "SRC_Y");
	PLANE_PROP(p_src_w, "SRC_W");
	PLANE_PROP(p_src_h, "SRC_H");
	PLANE_PROP(p_crtc_x, "CRTC_X");
	PLANE_PROP(p_crtc_y, "CRTC_Y");
	PLANE_PROP(p_crtc_w, "CRTC_W");
	PLANE_PROP(p_crtc_h, "CRTC_H");
	PLANE_PROP(p_in_fence_fd, "IN_FENCE_FD");
#undef PLANE_PROP
#define CRTC_PROP(f, n) \
	kms->f = vprime_kms_prop_id(fd, kms->crtc_id, DRM_MODE_OBJECT_CRTC, n, true)
#define CONN_PROP(f, id, n) \
	kms->f = vprime_kms_prop_id(fd, id, DRM_MODE_OBJECT_CONNECTOR, n, true)
	CRTC_PROP(c_active, "ACTIVE");
	CRTC_PROP(c_mode_id, "MODE_ID");
	CRTC_PROP(c_out_fence_ptr, "OUT_FENCE_PTR");
	CONN_PROP(conn_crtc_id, kms->conn_id, "CRTC_ID");
	CONN_PROP(wb_crtc_id, kms->wb_id, "CRTC_ID");
	CONN_PROP(wb_fb_id, kms->wb_id, "WRITEBACK_FB_ID");
	CONN_PROP(wb_out_fence_ptr, kms->wb_id, "WRITEBACK_OUT_FENCE_PTR");
#undef CONN_PROP
#undef CRTC_PROP

	igt_assert_eq(drmModeCreatePropertyBlob(fd, &kms->mode, sizeof(kms->mode),
						&kms->mode_blob), 0);
	igt_debug("display: crtc %u conn %u wb %u plane %u mode %ux%u@%u\n",
		  kms->crtc_id, kms->conn_id, kms->wb_id, kms->primary_id,
		  kms->width, kms->height, kms->mode.vrefresh);
}

void vprime_kms_fini(struct vprime_kms *kms)
{
	drmModeAtomicReqPtr req;
	int ret;

	if (kms->fd < 0 || !kms->mode_blob)
		return;

	/* Let a pending nonblocking commit finish first. */
	while (vprime_kms_event_ready(kms))
		drmHandleEvent(kms->fd, &(drmEventContext){ .version = 3 });

	req = drmModeAtomicAlloc();
	igt_assert(req);
	drmModeAtomicAddProperty(req, kms->primary_id, kms->p_fb_id, 0);
	drmModeAtomicAddProperty(req, kms->primary_id, kms->p_crtc_id, 0);
	drmModeAtomicAddProperty(req, kms->conn_id, kms->conn_crtc_id, 0);
	drmModeAtomicAddProperty(req, kms->wb_id, kms->wb_crtc_id, 0);
	drmModeAtomicAddProperty(req, kms->crtc_id, kms->c_mode_id, 0);
	drmModeAtomicAddProperty(req, kms->crtc_id, kms->c_active, 0);
	do {
		ret = drmModeAtomicCommit(kms->fd, req,
					  DRM_MODE_ATOMIC_ALLOW_MODESET, NULL);
	} while (ret && errno == EBUSY && !usleep(10000));
	drmModeAtomicFree(req);
	igt_assert_f(ret == 0, "disabling the display: %s\n", strerror(errno));
	drmModeDestroyPropertyBlob(kms->fd, kms->mode_blob);
	kms->mode_blob = 0;
}

int __vprime_kms_commit(struct vprime_kms *kms, const struct vprime_commit *c)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	uint32_t flags = c->flags;
	int ret;

	igt_assert(req);
	if (c->modeset) {
		flags |= DRM_MODE_ATOMIC_ALLOW_MODESET;
		drmModeAtomicAddProperty(req, kms->crtc_id, kms->c_mode_id,
					 kms->mode_blob);
		drmModeAtomicAddProperty(req, kms->crtc_id, kms->c_active, 1);
		drmModeAtomicAddProperty(req, kms->conn_id, kms->conn_crtc_id,
					 kms->crtc_id);
		/*
		 * Routing the writeback connector is a modeset: do it here, so
		 * that later flips only add a WRITEBACK_FB_ID job.
		 */
		drmModeAtomicAddProperty(req, kms->wb_id, kms->wb_crtc_id,
					 kms->crtc_id);
	}
	if (c->fb_id) {
		uint32_t p = kms->primary_id;

		drmModeAtomicAddProperty(req, p, kms->p_fb_id, c->fb_id);
		drmModeAtomicAddProperty(req, p, kms->p_crtc_id, kms->crtc_id);
		drmModeAtomicAddProperty(req, p, kms->p_src_x, 0);
		drmModeAtomicAddProperty(req, p, kms->p_src_y, 0);
		drmModeAtomicAddProperty(req, p, kms->p_src_w,
					 (uint64_t)kms->width << 16);
		drmModeAtomicAddProperty(req, p, kms->p_src_h,
					 (uint64_t)kms->height << 16);
		drmModeAtomicAddProperty(req, p, kms->p_crtc_x, 0);
		drmModeAtomicAddProperty(req, p, kms->p_crtc_y, 0);
		drmModeAtomicAddProperty(req, p, kms->p_crtc_w, kms->width);
		drmModeAtomicAddProperty(req, p, kms->p_crtc_h, kms->height);
		if (c->in_fence_fd >= 0)
			drmModeAtomicAddProperty(req, p, kms->p_in_fence_fd,
						 c->in_fence_fd);
	}
	if (c->wb_fb_id) {
		igt_assert(c->wb_fence);
		*c->wb_fence = -1;
		drmModeAtomicAddProperty(req, kms->wb_id, kms->wb_crtc_id,
					 kms->crtc_id);
		drmModeAtomicAddProperty(req, kms->wb_id, kms->wb_fb_id,
					 c->wb_fb_id);
		drmModeAtomicAddProperty(req, kms->wb_id, kms->wb_out_fence_ptr,
					 (uintptr_t)c->wb_fence);
	}
	if (c->out_fence) {
		*c->out_fence = -1;
		drmModeAtomicAddProperty(req, kms->crtc_id, kms->c_out_fence_ptr,
					 (uintptr_t)c->out_fence);
	}

	ret = drmModeAtomicCommit(kms->fd, req, flags,
				  (void *)(uintptr_t)c->user_data);
	if (ret)
		ret = -errno;
	drmModeAtomicFree(req);
	return ret;
}

void vprime_kms_commit(struct vprime_kms *kms, const struct vprime_commit *c)
{
	int ret = __vprime_kms_commit(kms, c);

	igt_assert_f(ret == 0, "atomic commit: %s\n", strerror(-ret));
}

void vprime_kms_set_fb(struct vprime_kms *kms, uint32_t fb_id)
{
	struct vprime_commit c = {
		.fb_id = fb_id, .in_fence_fd = -1, .modeset = true,
	};
	drmModeAtomicReqPtr req;
	int ret;

	ret = __vprime_kms_commit(kms, &c);
	if (ret == -EINVAL) {
		/* Tell a writeback routing problem from any other one. */
		req = drmModeAtomicAlloc();
		igt_assert(req);
		drmModeAtomicAddProperty(req, kms->crtc_id, kms->c_mode_id,
					 kms->mode_blob);
		drmModeAtomicAddProperty(req, kms->crtc_id, kms->c_active, 1);
		drmModeAtomicAddProperty(req, kms->conn_id, kms->conn_crtc_id,
					 kms->crtc_id);
		drmModeAtomicAddProperty(req, kms->primary_id, kms->p_fb_id, fb_id);
		drmModeAtomicAddProperty(req, kms->primary_id, kms->p_crtc_id,
					 kms->crtc_id);
		drmModeAtomicAddProperty(req, kms->primary_id, kms->p_src_w,
					 (uint64_t)kms->width << 16);
		drmModeAtomicAddProperty(req, kms->primary_id, kms->p_src_h,
					 (uint64_t)kms->height << 16);
		drmModeAtomicAddProperty(req, kms->primary_id, kms->p_crtc_w,
					 kms->width);
		drmModeAtomicAddProperty(req, kms->primary_id, kms->p_crtc_h,
					 kms->height);
		ret = drmModeAtomicCommit(kms->fd, req,
					  DRM_MODE_ATOMIC_TEST_ONLY |
					  DRM_MODE_ATOMIC_ALLOW_MODESET, NULL);
		drmModeAtomicFree(req);
		igt_assert_f(ret != 0,
			     "the display rejects its writeback connector routed to the CRTC together with its output connector (-EINVAL from the clone check: the output and writeback encoders must list each other in possible_clones), so nothing can be captured while displayed\n");
		ret = -EINVAL;
	}
	igt_assert_f(ret == 0, "modeset: %s\n", strerror(-ret));
}

int vprime_kms_flip(struct vprime_kms *kms, uint32_t fb_id, int in_fence_fd,
		    uint32_t wb_fb_id, int *wb_fence, uint64_t user_data)
{
	struct vprime_commit c = {
		.fb_id = fb_id,
		.in_fence_fd = in_fence_fd,
		.wb_fb_id = wb_fb_id,
		.wb_fence = wb_fence,
		.flags = DRM_MODE_ATOMIC_NONBLOCK | DRM_MODE_PAGE_FLIP_EVENT,
		.user_data = user_data,
	};

	return __vprime_kms_commit(kms, &c);
}

bool vprime_kms_event_ready(struct vprime_kms *kms)
{
	return vprime_fd_ready(kms->fd, POLLIN);
}

static struct vprime_kms *event_kms;

static void flip_handler(int fd, unsigned int sequence, unsigned int tv_sec,
			 unsigned int tv_usec, unsigned int crtc_id, void *data)
{
	igt_assert(event_kms);
	igt_assert_eq_u32(crtc_id, event_kms->crtc_id);
	event_kms->events++;
	event_kms->last_seq = sequence;
	event_kms->last_user_data = (uintptr_t)data;
}

bool vprime_kms_wait_flip(struct vprime_kms *kms, int timeout_ms)
{
	drmEventContext ctx = {
		.version = 3,
		.page_flip_handler2 = flip_handler,
	};
	unsigned int before = kms->events;

	while (kms->events == before) {
		if (!vprime_fd_wait(kms->fd, POLLIN, timeout_ms))
			return false;
		event_kms = kms;
		igt_assert_eq(drmHandleEvent(kms->fd, &ctx), 0);
		event_kms = NULL;
	}
	return true;
}

int __vprime_kms_add_fb(int fd, uint32_t handle, uint32_t width,
			uint32_t height, uint32_t pitch, uint32_t format,
			uint32_t *fb_id)
{
	uint32_t handles[4] = { handle }, pitches[4] = { pitch }, offsets[4] = {};

	if (drmModeAddFB2(fd, width, height, format, handles, pitches, offsets,
			  fb_id, 0))
		return -errno;
	return 0;
}

uint32_t vprime_kms_add_fb(int fd, uint32_t handle, uint32_t width,
			   uint32_t height, uint32_t pitch, uint32_t format)
{
	uint32_t fb_id = 0;
	int ret;

	ret = __vprime_kms_add_fb(fd, handle, width, height, pitch, format, &fb_id);
	igt_assert_f(ret == 0, "AddFB2 %ux%u pitch %u: %s\n", width, height,
		     pitch, strerror(-ret));
	return fb_id;
}

void vprime_dumb_create(int fd, uint32_t width, uint32_t height,
			struct vprime_dumb *dumb)
{
	struct drm_mode_create_dumb args = {
		.width = width, .height = height, .bpp = 32,
	};

	do_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &args);
	memset(dumb, 0, sizeof(*dumb));
	dumb->handle = args.handle;
	dumb->pitch = args.pitch;
	dumb->size = args.size;
}

void *vprime_dumb_map(int fd, struct vprime_dumb *dumb)
{
	struct drm_mode_map_dumb args = { .handle = dumb->handle };
	void *ptr;

	if (dumb->map)
		return dumb->map;
	do_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &args);
	ptr = mmap(NULL, dumb->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   args.offset);
	igt_assert_f(ptr != MAP_FAILED, "mmap dumb: %s\n", strerror(errno));
	dumb->map = ptr;
	return ptr;
}

void vprime_dumb_destroy(int fd, struct vprime_dumb *dumb)
{
	struct drm_mode_destroy_dumb args = { .handle = dumb->handle };

	if (dumb->map)
		munmap(dumb->map, dumb->size);
	dumb->map = NULL;
	if (dumb->handle)
		do_ioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &args);
	dumb->handle = 0;
}

void vprime_capture_create(struct vprime_kms *kms, struct vprime_capture *cap)
{
	vprime_dumb_create(kms->fd, kms->width, kms->height, &cap->dumb);
	vprime_dumb_map(kms->fd, &cap->dumb);
	cap->fb_id = vprime_kms_add_fb(kms->fd, cap->dumb.handle, kms->width,
				       kms->height, cap->dumb.pitch,
				       DRM_FORMAT_XRGB8888);
}

void vprime_capture_destroy(struct vprime_kms *kms, struct vprime_capture *cap)
{
	if (cap->fb_id)
		drmModeRmFB(kms->fd, cap->fb_id);
	cap->fb_id = 0;
	vprime_dumb_destroy(kms->fd, &cap->dumb);
}

void vprime_capture_clear(struct vprime_kms *kms, struct vprime_capture *cap,
			  uint32_t value)
{
	uint32_t y, x;

	for (y = 0; y < kms->height; y++) {
		uint32_t *row = (uint32_t *)((char *)cap->dumb.map +
					     (size_t)y * cap->dumb.pitch);

		for (x = 0; x < kms->width; x++)
			row[x] = value;
	}
}

static unsigned int capture_diff(struct vprime_kms *kms,
				 const struct vprime_capture *cap,
				 const void *img, uint32_t pitch, uint32_t value)
{
	unsigned int bad = 0;
	uint32_t y, x;

	for (y = 0; y < kms->height; y++) {
		const uint32_t *row = (const uint32_t *)((const char *)cap->dumb.map +
							 (size_t)y * cap->dumb.pitch);
		const uint32_t *ref = img ? (const uint32_t *)((const char *)img +
							       (size_t)y * pitch) : NULL;

		for (x = 0; x < kms->width; x++) {
			uint32_t want = (ref ? ref[x] : value) & 0xffffff;
			uint32_t got = row[x] & 0xffffff;

			if (got == want)
				continue;
			if (!bad++)
				igt_info("capture (%u,%u) = %#08x, expected %#08x\n",
					 x, y, got, want);
		}
	}
	return bad;
}

unsigned int vprime_capture_diff_solid(struct vprime_kms *kms,
				       const struct vprime_capture *cap,
				       uint32_t value)
{
	return capture_diff(kms, cap, NULL, 0, value);
}

unsigned int vprime_capture_diff(struct vprime_kms *kms,
				 const struct vprime_capture *cap,
				 const void *img, uint32_t pitch)
{
	return capture_diff(kms, cap, img, pitch, 0);
}

void vprime_kms_capture(struct vprime_kms *kms, struct vprime_capture *cap)
{
	int fence = -1;
	struct vprime_commit c = {
		.in_fence_fd = -1,
		.wb_fb_id = cap->fb_id,
		.wb_fence = &fence,
	};

	vprime_capture_clear(kms, cap, 0x00ff00ff);
	vprime_kms_commit(kms, &c);
	igt_assert_fd(fence);
	igt_assert_f(vprime_fd_wait(fence, POLLIN, 10000),
		     "writeback out-fence did not signal\n");
	igt_assert_eq(vprime_gpu_sync_file_status(fence), 1);
	close(fence);
}

/* CRC */

void vprime_crc_start(struct vprime_kms *kms, struct vprime_crc *crc)
{
	char path[96];
	int dir, fd;

	dir = igt_debugfs_dir(kms->fd);
	igt_assert_f(dir >= 0, "no debugfs directory for the display\n");
	snprintf(path, sizeof(path), "crtc-%u/crc/control", kms->crtc_index);
	fd = openat(dir, path, O_WRONLY);
	igt_assert_f(fd >= 0, "open %s: %s\n", path, strerror(errno));
	igt_assert_eq(write(fd, "auto", 4), 4);
	close(fd);

	snprintf(path, sizeof(path), "crtc-%u/crc/data", kms->crtc_index);
	crc->data_fd = openat(dir, path, O_RDONLY | O_NONBLOCK);
	igt_assert_f(crc->data_fd >= 0, "open %s: %s\n", path, strerror(errno));
	close(dir);
}

void vprime_crc_stop(struct vprime_crc *crc)
{
	if (crc->data_fd >= 0)
		close(crc->data_fd);
	crc->data_fd = -1;
}

bool vprime_crc_read(struct vprime_crc *crc, int timeout_ms, uint32_t *frame,
		     uint32_t *value)
{
	char buf[64];
	char *end;
	ssize_t len;

	for (;;) {
		len = read(crc->data_fd, buf, sizeof(buf) - 1);
		if (len > 0)
			break;
		igt_assert_f(len < 0 && (errno == EAGAIN || errno == EINTR),
			     "reading CRC: %s\n", len ? strerror(errno) : "EOF");
		if (!vprime_fd_wait(crc->data_fd, POLLIN, timeout_ms))
			return false;
	}
	buf[len] = '\0';
	*frame = strtoul(buf, &end, 16);
	*value = strtoul(end, NULL, 16);
	return true;
}

/*
 * The display's CRC of XRGB8888 rows: the low 32 bits of their XXH64,
 * seed 0, with the X byte read as 0xff (see drm-driver/vprime_composer.c).
 * @row(@arg, y, buf) writes row y of the frame into buf.
 */
static uint32_t frame_crc(uint32_t width, uint32_t height,
			  void (*row)(const void *arg, uint32_t y, uint32_t *buf),
			  const void *arg)
{
	uint32_t *buf = malloc(width * sizeof(*buf));
	XXH64_state_t *state = XXH64_createState();
	uint64_t hash;
	uint32_t y;

	igt_assert(buf && state);
	igt_assert(XXH64_reset(state, 0) == XXH_OK);
	for (y = 0; y < height; y++) {
		row(arg, y, buf);
		igt_assert(XXH64_update(state, buf, width * sizeof(*buf)) == XXH_OK);
	}
	hash = XXH64_digest(state);
	XXH64_freeState(state);
	free(buf);
	return (uint32_t)hash;
}

struct image_rows {
	const void *img;
	uint32_t pitch;
	uint32_t width;
};

static void image_row(const void *arg, uint32_t y, uint32_t *buf)
{
	const struct image_rows *im = arg;
	const uint32_t *src = (const uint32_t *)((const char *)im->img +
						 (size_t)y * im->pitch);
	uint32_t x;

	for (x = 0; x < im->width; x++)
		buf[x] = src[x] | 0xff000000u;
}

uint32_t vprime_expected_crc(const void *img, uint32_t pitch, uint32_t width,
			     uint32_t height)
{
	struct image_rows im = { .img = img, .pitch = pitch, .width = width };

	return frame_crc(width, height, image_row, &im);
}

struct solid_rows {
	uint32_t value;
	uint32_t width;
};

static void solid_row(const void *arg, uint32_t y, uint32_t *buf)
{
	const struct solid_rows *sr = arg;
	uint32_t x;

	for (x = 0; x < sr->width; x++)
		buf[x] = sr->value | 0xff000000u;
}

uint32_t vprime_expected_crc_solid(uint32_t value, uint32_t width,
				   uint32_t height)
{
	struct solid_rows sr = { .value = value, .width = width };

	return frame_crc(width, height, solid_row, &sr);
}

/* debugfs counters */

int vprime_gpu_debugfs_bos(int gpu_fd)
{
	static char buf[1 << 20];
	const char *p;
	int len, n = 0;

	len = vprime_debugfs_read(gpu_fd, "bos", buf, sizeof(buf));
	igt_assert_f(len >= 0, "reading the GPU's debugfs bos: %s\n",
		     strerror(-len));
	for (p = buf; (p = strstr(p, "  handle ")); p++)
		n++;
	return n;
}
