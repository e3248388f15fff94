/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GEM objects shared by the GPU and the display devices. A native object
 * wraps a vprime_core BO (so PRIME export gives the core's dynamic exporter);
 * an imported object wraps a vprime_import of any dma-buf.
 */
#ifndef _VPRIME_GEM_H_
#define _VPRIME_GEM_H_

#include <drm/drm_gem.h>

#include "vprime_core.h"

struct drm_mode_create_dumb;

/**
 * struct vprime_gem_object - a GEM object of either vprime device
 * @base: the GEM object
 * @bo: the core BO of a native object, NULL for an import
 * @import: the importer state of an imported object (base.import_attach set)
 * @mapped: @import has been mapped at least once; protected by the resv
 * @moved: move_notify invalidated @import after it had been mapped, and it
 *	has not been mapped since; protected by the resv
 * @map_users: users of @import's mapping: on the GPU, jobs in flight (taken
 *	in the submit's validate step, dropped when the job retires); on the
 *	display, framebuffers in use, which also pin the attachment
 *	(vprime_kms_fb.c); protected by the resv
 */
struct vprime_gem_object {
	struct drm_gem_object base;
	struct vprime_bo *bo;
	struct vprime_import import;
	bool mapped;
	bool moved;
	unsigned int map_users;
};

static inline struct vprime_gem_object *
to_vprime_gem(struct drm_gem_object *obj)
{
	return container_of(obj, struct vprime_gem_object, base);
}

/* A native, zeroed object of @size bytes (rounded up to pages). */
struct vprime_gem_object *vprime_gem_create(struct drm_device *dev,
					    size_t size, u32 placement);
/* drm_driver.dumb_create */
int vprime_gem_dumb_create(struct drm_file *file, struct drm_device *dev,
			   struct drm_mode_create_dumb *args);
/* drm_driver.dumb_map_offset, imports included */
int vprime_gem_dumb_map_offset(struct drm_file *file, struct drm_device *dev,
			       u32 handle, u64 *offset);
/* drm_driver.gem_prime_import: self-import returns the same object. */
struct drm_gem_object *vprime_gem_prime_import(struct drm_device *dev,
					       struct dma_buf *dmabuf);

#endif /* _VPRIME_GEM_H_ */
