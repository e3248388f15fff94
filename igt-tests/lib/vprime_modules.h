/* SPDX-License-Identifier: MIT */
/*
 * vprime_modules.h - unload vprime.ko and vprime_core.ko (and the test
 * module vprime_test.ko, which depends on the core) and load them again,
 * with the parameters they had or with some changed. vm/guest exports the
 * module files it loaded in VPRIME_KOS ("core.ko vprime.ko test.ko").
 *
 * Every open fd of a vprime device must be closed before an unload.
 */
#ifndef VPRIME_MODULES_H
#define VPRIME_MODULES_H

#include <stdbool.h>
#include <stddef.h>

/* Skip unless VPRIME_KOS names the three module files; fills the paths. */
void vprime_modules_require(char *core_ko, char *drv_ko, size_t size);
/* "name=value ..." of every parameter module @name has now. */
void vprime_module_params(const char *name, char *buf, size_t size);
/* finit_module(@ko, @params): 0 or -errno. */
int __vprime_module_load(const char *ko, const char *params);
void vprime_module_load(const char *ko, const char *params);
/* delete_module(@name): 0 or -errno. */
int __vprime_module_unload(const char *name);
/*
 * Unload vprime_test (its parameters kept) and vprime, those that are
 * loaded, then vprime_core; asserts the three are gone.
 */
void vprime_modules_unload(void);
/* Load vprime_test.ko with the parameters vprime_modules_unload() kept. */
void vprime_test_module_load(void);
/* The file of vprime_test.ko (from VPRIME_KOS). */
const char *vprime_test_module_file(void);
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
 * True if the kernel log records read from @fd (/dev/kmsg, O_NONBLOCK)
 * from its position on hold @text; reads them all.
 */
bool vprime_kmsg_has(int fd, const char *text);

/*
 * Load module file @ko (module @name) with @params, which must be refused:
 * asserts EINVAL, that @name is not loaded, and that the kernel logged
 * @message meanwhile.
 */
void vprime_module_load_refused(const char *ko, const char *name,
				const char *params, const char *message);

/* A vprime.ko parameter value that must refuse the load, and the message. */
struct vprime_refused_load {
	const char *params;
	const char *message;
};

/*
 * Unload the modules and load vprime_core (and vprime_test) again with
 * their parameters, without vprime.ko (skips without VPRIME_KOS). @drv_ko (@size bytes, at most 256) receives
 * vprime.ko's file, @saved (1024 bytes) its parameters before.
 */
void vprime_modules_core_only(char *drv_ko, size_t size, char *saved);
/* Loading vprime.ko with @saved and each of @bad's params is refused. */
void vprime_module_check_refused(const char *drv_ko, const char *saved,
				 const struct vprime_refused_load *bad,
				 unsigned int count);

#endif /* VPRIME_MODULES_H */
