/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VPRIME_DRV_H_
#define _VPRIME_DRV_H_

/* GPU devices (vprime_gpu*.c): platform driver + devices */
int vprime_gpu_register(void);
void vprime_gpu_unregister(void);

/* Display devices (vprime_kms*.c): platform driver + devices */
int vprime_kms_register(void);
void vprime_kms_unregister(void);

#endif /* _VPRIME_DRV_H_ */
