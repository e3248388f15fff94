/* SPDX-License-Identifier: MIT */
/*
 * vprime_modules.h - unload vprime.ko and vprime_core.ko and load them
 * again, with the parameters they had or with some changed. vm/guest
 * exports the module files it loaded in VPRIME_KOS ("core.ko vprime.ko").
 *
 * Every open fd of a vprime device must be closed before an unload.
 */
#ifndef VPRIME_MODULES_H
#define VPRIME_MODULES_H

#include <stdbool.h>
#include <stddef.h>

/* Skip unless VPRIME_KOS names both module files; fills the paths. */
void vprime_modules_require(char *core_ko, char *drv_ko, size_t size);
/* "name=value ..." of every parameter module @name has now. */
void vprime_module_params(const char *name, char *buf, size_t size);
/* finit_module(@ko, @params): 0 or -errno. */
int __vprime_module_load(const char *ko, const char *params);
void vprime_module_load(const char *ko, const char *params);
/* delete_module(@name): 0 or -errno. */
int __vprime_module_unload(const char *name);
/* Unload vprime then vprime_core; asserts both are gone. */
void vprime_modules_unload(void);
/*
 * Reload both modules with the parameters they have now, followed by
 * @drv_extra (e.g. "num_outputs=2", the last value of a parameter wins) for
 * vprime.ko. With @saved (at least 1024 bytes), the current vprime.ko
 * parameters are stored there first for vprime_modules_restore().
 */
void vprime_modules_reload(const char *drv_extra, char *saved);
/* Reload with the vprime.ko parameters @saved by vprime_modules_reload(). */
void vprime_modules_restore(const char *saved);

/*
 * True when the kernel log read from @fd (/dev/kmsg, O_NONBLOCK, opened
 * and seeked to its end before the event) holds @text.
 */
bool vprime_kmsg_has(int fd, const char *text);

#endif /* VPRIME_MODULES_H */
