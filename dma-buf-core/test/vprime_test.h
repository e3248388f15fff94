/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vprime_test - structures shared by the files of vprime_test.ko
 */
#ifndef _VPRIME_TEST_H_
#define _VPRIME_TEST_H_

#include <linux/mutex.h>
#include <linux/xarray.h>

#include "vprime_core.h"

/**
 * struct vprime_test_file - state of one open /dev/vprime_test
 * @fences: the fences made by FENCE_ATTACH (the core's table)
 * @imports: handle -> struct vprime_test_import_obj
 * @lock: serialises the IMPORT ioctls; nests outside the dma-buf resv
 */
struct vprime_test_file {
	struct vprime_user_fences fences;
	struct xarray imports;
	struct mutex lock; /* serialises the import ioctls */
};

/* vprime_test_fence.c */
int vprime_test_ioctl_fence_attach(struct vprime_test_file *tf,
				   void __user *uarg);
int vprime_test_ioctl_fence_signal(struct vprime_test_file *tf,
				   void __user *uarg);

/* vprime_test_import.c */
int vprime_test_ioctl_import(struct vprime_test_file *tf, unsigned int cmd,
			     void __user *uarg);
int vprime_test_ioctl_import_read(struct vprime_test_file *tf,
				  void __user *uarg);
void vprime_test_imports_fini(struct vprime_test_file *tf);
int vprime_test_importers_init(void);
void vprime_test_importers_fini(void);

#endif /* _VPRIME_TEST_H_ */
