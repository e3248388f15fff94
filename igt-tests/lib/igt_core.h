/* SPDX-License-Identifier: MIT */
/*
 * igt_core.h - vprime's declarations for the core of IGT's test framework.
 *
 * Debian's intel-gpu-tools (1.27.1) ships libigt.so.0 but no headers. This
 * file declares the subset of the library's core API that vprime's tests use,
 * written against the ABI that libigt.so.0 exports (checked with nm -D and
 * by disassembling the entry points). Names, argument
 * lists and macro behaviour follow upstream IGT's lib/igt_core.h so that the
 * same test sources also build against an upstream tree (make IGT_SRC=...).
 *
 * Only add declarations whose exact signature has been checked against the
 * library, and never declare structures whose layout the tests would depend on.
 */
#ifndef IGT_CORE_H
#define IGT_CORE_H

#include <setjmp.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/types.h>

#ifndef IGT_LOG_DOMAIN
#define IGT_LOG_DOMAIN (NULL)
#endif

#define __noreturn __attribute__((noreturn))
#define __maybe_unused __attribute__((unused))

/* Exit codes of a test binary (and of each subtest under --run-subtest). */
#define IGT_EXIT_SUCCESS 0
#define IGT_EXIT_SKIP 77
#define IGT_EXIT_INVALID 79
#define IGT_EXIT_FAILURE 98
#define IGT_EXIT_ABORT 112

/*
 * The library reads the test description through a weak reference; the test
 * binary provides the definition.
 */
extern const char *__igt_test_description __attribute__((weak));
#define IGT_TEST_DESCRIPTION(str) const char *__igt_test_description = str

/* Token helpers used to give every macro-generated local a unique name. */
#define __igt_tokencat2(x, y) x ## y
#define igt_tokencat(x, y) __igt_tokencat2(x, y)
#define igt_unique(prefix) \
	igt_tokencat(igt_tokencat(__igt_unique__, prefix), __LINE__)

/*
 * Subtest control flow. The library long-jumps back to these buffers when a
 * subtest (or dynamic subtest) skips or fails. Both are glibc jmp_buf objects
 * (200 bytes on x86_64, the size libigt.so.0 exports them with).
 */
extern jmp_buf igt_subtest_jmpbuf;
extern jmp_buf igt_dynamic_jmpbuf;

struct option;
typedef int (*igt_opt_handler_t)(int opt, int opt_index, void *data);
#define IGT_OPT_HANDLER_SUCCESS 0
#define IGT_OPT_HANDLER_ERROR -2

int igt_subtest_init_parse_opts(int *argc, char **argv,
				const char *extra_short_opts,
				const struct option *extra_long_opts,
				const char *help_str,
				igt_opt_handler_t extra_opt_handler,
				void *handler_data);
#define igt_subtest_init(argc, argv) \
	igt_subtest_init_parse_opts(&(argc), (argv), NULL, NULL, NULL, NULL, NULL)

bool __igt_fixture(void);
void __igt_fixture_complete(void);
__noreturn void __igt_fixture_end(void);
bool __igt_run_subtest(const char *subtest_name, const char *file, const int line);
bool __igt_enter_dynamic_container(void);
bool __igt_run_dynamic_subtest(const char *dynamic_subtest_name);
void __igt_subtest_group_save(int *save, int *desc);
void __igt_subtest_group_restore(int save, int desc);

const char *igt_test_name(void);
const char *igt_subtest_name(void);
bool igt_only_list_subtests(void);

void igt_success(void);
bool igt_can_fail(void);
__noreturn void igt_exit(void);
__noreturn void igt_fail(int exitcode);
__noreturn __attribute__((format(printf, 1, 2)))
void igt_skip(const char *f, ...);
__noreturn __attribute__((format(printf, 5, 6)))
void __igt_skip_check(const char *file, const int line, const char *func,
		      const char *check, const char *format, ...);
__noreturn __attribute__((format(printf, 6, 7)))
void __igt_fail_assert(const char *domain, const char *file, const int line,
		       const char *func, const char *assertion,
		       const char *format, ...);
__attribute__((format(printf, 1, 2)))
void igt_describe_f(const char *fmt, ...);

/**
 * igt_fixture - a block of set-up or tear-down code shared by the following
 * subtests. It is not run when only listing subtests; a skip or failure in
 * it skips or fails every later subtest of the enclosing group.
 */
#define igt_fixture \
	for (volatile int igt_unique(__fixture) = 0; \
	     igt_unique(__fixture) < 1 && __igt_fixture() && \
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_unique(__fixture)++, __igt_fixture_complete())

/** igt_subtest - a block that runs only when the subtest @name is selected. */
#define igt_subtest(name) \
	for (; __igt_run_subtest((name), __FILE__, __LINE__) && \
	       sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())

#define __igt_subtest_f(tmp, fmt...) \
	for (char tmp[256]; \
	     snprintf(tmp, sizeof(tmp), fmt), \
	     __igt_run_subtest(tmp, __FILE__, __LINE__) && \
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())
/** igt_subtest_f - igt_subtest() with a printf-style name. */
#define igt_subtest_f(fmt...) __igt_subtest_f(igt_unique(__name), fmt)

/**
 * igt_subtest_with_dynamic - a subtest whose results come only from the
 * igt_dynamic() blocks inside it (no asserts directly in its body).
 */
#define igt_subtest_with_dynamic(name) \
	for (; __igt_run_subtest((name), __FILE__, __LINE__) && \
	       __igt_enter_dynamic_container() && \
	       sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())

#define __igt_subtest_with_dynamic_f(tmp, fmt...) \
	for (char tmp[256]; \
	     snprintf(tmp, sizeof(tmp), fmt), \
	     __igt_run_subtest(tmp, __FILE__, __LINE__) && \
	     __igt_enter_dynamic_container() && \
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())
#define igt_subtest_with_dynamic_f(fmt...) \
	__igt_subtest_with_dynamic_f(igt_unique(__name), fmt)

/** igt_dynamic - one dynamic subtest inside igt_subtest_with_dynamic(). */
#define igt_dynamic(name) \
	for (; __igt_run_dynamic_subtest((name)) && \
	       sigsetjmp(igt_dynamic_jmpbuf, 1) == 0; \
	     igt_success())

#define __igt_dynamic_f(tmp, fmt...) \
	for (char tmp[256]; \
	     snprintf(tmp, sizeof(tmp), fmt), \
	     __igt_run_dynamic_subtest(tmp) && \
	     sigsetjmp(igt_dynamic_jmpbuf, 1) == 0; \
	     igt_success())
#define igt_dynamic_f(fmt...) __igt_dynamic_f(igt_unique(__name), fmt)

/**
 * igt_subtest_group - scopes fixtures (and their skips/failures) and
 * descriptions to the subtests inside the block.
 */
#define igt_subtest_group \
	for (int igt_unique(__grp) = 0, igt_unique(__save) = 0, \
	     igt_unique(__desc) = 0; \
	     igt_unique(__grp) < 1 && \
	     (__igt_subtest_group_save(&igt_unique(__save), \
				       &igt_unique(__desc)), true); \
	     igt_unique(__grp)++, \
	     __igt_subtest_group_restore(igt_unique(__save), igt_unique(__desc)))

/** igt_describe - document the following subtest or group (--describe). */
#define igt_describe(dsc) igt_describe_f("%s", dsc)

/** igt_main_args - main() of a test with subtests and extra options. */
#define igt_main_args(short_opts, long_opts, help_str, opt_handler, handler_data) \
	static void igt_unique(__real_main)(void); \
	int main(int argc, char **argv) \
	{ \
		igt_subtest_init_parse_opts(&argc, argv, short_opts, long_opts, \
					    help_str, opt_handler, handler_data); \
		igt_unique(__real_main)(); \
		igt_exit(); \
	} \
	static void igt_unique(__real_main)(void)

/** igt_main - main() of a test with subtests. */
#define igt_main igt_main_args(NULL, NULL, NULL, NULL, NULL)

/* Logging. igt_warn() output makes an otherwise passing subtest a warning. */
enum igt_log_level {
	IGT_LOG_DEBUG,
	IGT_LOG_INFO,
	IGT_LOG_WARN,
	IGT_LOG_CRITICAL,
	IGT_LOG_NONE,
};
extern enum igt_log_level igt_log_level;

__attribute__((format(printf, 3, 4)))
void igt_log(const char *domain, enum igt_log_level level, const char *format, ...);
__attribute__((format(printf, 3, 0)))
void igt_vlog(const char *domain, enum igt_log_level level, const char *format,
	      va_list args);

#define igt_debug(f...) igt_log(IGT_LOG_DOMAIN, IGT_LOG_DEBUG, f)
#define igt_info(f...) igt_log(IGT_LOG_DOMAIN, IGT_LOG_INFO, f)
#define igt_warn(f...) igt_log(IGT_LOG_DOMAIN, IGT_LOG_WARN, f)
#define igt_critical(f...) igt_log(IGT_LOG_DOMAIN, IGT_LOG_CRITICAL, f)

#define igt_warn_on(cond) ({ \
	typeof(cond) __cond = (cond); \
	if (__cond) \
		igt_warn("Warning on condition %s in function %s, file %s:%i\n", \
			 #cond, __func__, __FILE__, __LINE__); \
	__cond; \
})

/* Writes a "[IGT] ..." line to the kernel log (/dev/kmsg). */
__attribute__((format(printf, 1, 2)))
void igt_kmsg(const char *format, ...);

/* Assertions: fail the current (dynamic) subtest with a message. */
#define igt_assert(expr) do { \
	if (!(expr)) \
		__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, __func__, \
				  #expr, NULL); \
} while (0)

#define igt_assert_f(expr, f...) do { \
	if (!(expr)) \
		__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, __func__, \
				  #expr, f); \
} while (0)

#define igt_fail_on(expr) igt_assert(!(expr))
#define igt_fail_on_f(expr, f...) igt_assert_f(!(expr), f)

/* Compare two values of type @T, printing both with @fmt on failure. */
#define __igt_assert_cmp(T, fmt, n1, cmp, ncmp, n2) do { \
	T __n1 = (n1), __n2 = (n2); \
	if (!(__n1 cmp __n2)) \
		__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, __func__, \
				  #n1 " " #cmp " " #n2, \
				  "error: " fmt " " #ncmp " " fmt "\n", \
				  __n1, __n2); \
} while (0)

#define igt_assert_cmpint(n1, cmp, ncmp, n2) \
	__igt_assert_cmp(int, "%d", n1, cmp, ncmp, n2)
#define igt_assert_cmpuint(n1, cmp, ncmp, n2) \
	__igt_assert_cmp(uint32_t, "%#x", n1, cmp, ncmp, n2)
#define igt_assert_cmps64(n1, cmp, ncmp, n2) \
	__igt_assert_cmp(long long, "%lld", n1, cmp, ncmp, n2)
#define igt_assert_cmpu64(n1, cmp, ncmp, n2) \
	__igt_assert_cmp(unsigned long long, "%#llx", n1, cmp, ncmp, n2)
#define igt_assert_cmpdouble(n1, cmp, ncmp, n2) \
	__igt_assert_cmp(double, "%#lf", n1, cmp, ncmp, n2)

#define igt_assert_eq(n1, n2) igt_assert_cmpint(n1, ==, !=, n2)
#define igt_assert_neq(n1, n2) igt_assert_cmpint(n1, !=, ==, n2)
#define igt_assert_lt(n1, n2) igt_assert_cmpint(n1, <, >=, n2)
#define igt_assert_lte(n1, n2) igt_assert_cmpint(n1, <=, >, n2)
#define igt_assert_gt(n1, n2) igt_assert_cmpint(n1, >, <=, n2)
#define igt_assert_gte(n1, n2) igt_assert_cmpint(n1, >=, <, n2)

#define igt_assert_eq_u32(n1, n2) igt_assert_cmpuint(n1, ==, !=, n2)
#define igt_assert_neq_u32(n1, n2) igt_assert_cmpuint(n1, !=, ==, n2)
#define igt_assert_lt_u32(n1, n2) igt_assert_cmpuint(n1, <, >=, n2)
#define igt_assert_lte_u32(n1, n2) igt_assert_cmpuint(n1, <=, >, n2)
#define igt_assert_gt_u32(n1, n2) igt_assert_cmpuint(n1, >, <=, n2)
#define igt_assert_gte_u32(n1, n2) igt_assert_cmpuint(n1, >=, <, n2)

#define igt_assert_eq_u64(n1, n2) igt_assert_cmpu64(n1, ==, !=, n2)
#define igt_assert_neq_u64(n1, n2) igt_assert_cmpu64(n1, !=, ==, n2)
#define igt_assert_lt_u64(n1, n2) igt_assert_cmpu64(n1, <, >=, n2)
#define igt_assert_lte_u64(n1, n2) igt_assert_cmpu64(n1, <=, >, n2)
#define igt_assert_gt_u64(n1, n2) igt_assert_cmpu64(n1, >, <=, n2)
#define igt_assert_gte_u64(n1, n2) igt_assert_cmpu64(n1, >=, <, n2)

#define igt_assert_eq_s64(n1, n2) igt_assert_cmps64(n1, ==, !=, n2)
#define igt_assert_neq_s64(n1, n2) igt_assert_cmps64(n1, !=, ==, n2)
#define igt_assert_lt_s64(n1, n2) igt_assert_cmps64(n1, <, >=, n2)
#define igt_assert_lte_s64(n1, n2) igt_assert_cmps64(n1, <=, >, n2)
#define igt_assert_gt_s64(n1, n2) igt_assert_cmps64(n1, >, <=, n2)
#define igt_assert_gte_s64(n1, n2) igt_assert_cmps64(n1, >=, <, n2)

#define igt_assert_eq_double(n1, n2) igt_assert_cmpdouble(n1, ==, !=, n2)
#define igt_assert_neq_double(n1, n2) igt_assert_cmpdouble(n1, !=, ==, n2)

#define igt_assert_fd(fd) \
	igt_assert_f((fd) >= 0, "file descriptor " #fd " failed\n")

/* Requirements: skip the current (dynamic) subtest with a reason. */
#define igt_skip_check(E, F...) \
	__igt_skip_check(__FILE__, __LINE__, __func__, E, F)

#define igt_require(expr) do { \
	if (!(expr)) \
		igt_skip_check(#expr, NULL); \
	else \
		igt_debug("Test requirement passed: %s\n", #expr); \
} while (0)

#define igt_require_f(expr, f...) do { \
	if (!(expr)) \
		igt_skip_check(#expr, f); \
	else \
		igt_debug("Test requirement passed: %s\n", #expr); \
} while (0)

#define igt_skip_on(expr) do { \
	if ((expr)) \
		igt_skip_check("!(" #expr ")", NULL); \
	else \
		igt_debug("Test requirement passed: !(%s)\n", #expr); \
} while (0)

#define igt_skip_on_f(expr, f...) do { \
	if ((expr)) \
		igt_skip_check("!(" #expr ")", f); \
	else \
		igt_debug("Test requirement passed: !(%s)\n", #expr); \
} while (0)

#define igt_require_fd(fd) \
	igt_require_f((fd) >= 0, "file descriptor " #fd " failed\n")

/*
 * Forked children. A failure in a child fails the subtest when the parent
 * collects it with igt_waitchildren(); skips in children are not forwarded.
 */
bool __igt_fork(void);
#define igt_fork(child, num_children) \
	for (int child = 0; child < (num_children); child++) \
		for (; __igt_fork(); exit(0))
int __igt_waitchildren(void);
void igt_waitchildren(void);
void igt_waitchildren_timeout(int seconds, const char *reason);
void igt_kill_children(int signal);

/* Exit handlers run on normal exit and on fatal signals (@sig != 0). */
typedef void (*igt_exit_handler_t)(int sig);
void igt_install_exit_handler(igt_exit_handler_t fn);

/* A watchdog for the current subtest: fails it after @seconds. */
void igt_set_timeout(unsigned int seconds, const char *op);
void igt_reset_timeout(void);

int igt_gettime(struct timespec *ts);
double igt_time_elapsed(struct timespec *then, struct timespec *now);
uint64_t igt_nsec_elapsed(struct timespec *start);
static inline uint32_t igt_seconds_elapsed(struct timespec *start)
{
	return igt_nsec_elapsed(start) >> 30;
}

int igt_system(const char *command);
int igt_system_quiet(const char *command);

#define READ_ONCE(x) (*(volatile typeof(x) *)(&(x)))
#define WRITE_ONCE(x, v) do { *(volatile typeof(x) *)(&(x)) = (v); } while (0)

#define MSEC_PER_SEC (1000)
#define USEC_PER_SEC (1000 * MSEC_PER_SEC)
#define NSEC_PER_SEC (1000 * USEC_PER_SEC)

#endif /* IGT_CORE_H */
