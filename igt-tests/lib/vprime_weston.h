/* SPDX-License-Identifier: MIT */
/*
 * vprime_weston.h - run Weston 10 on the vprime_kms card in the guest, as
 * userspace-demo/compositor/run-weston does (DRM backend, --tty=2
 * --continue-without-input, desktop-shell, userspace-demo/compositor/
 * weston.ini, its own socket, the debug protocol on), and systemd-udevd for
 * the tests that need Weston to see hotplug uevents.
 *
 * Include "igt.h" before this header.
 */
#ifndef VPRIME_WESTON_H
#define VPRIME_WESTON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * How long a compositor may take to come up: seconds on the stock kernel,
 * but the debug lane's kernel (KASAN, lockdep, kmemleak) under TCG is about
 * ten times slower. A bound, not a measurement.
 */
#define VPRIME_START_TIMEOUT_S		120

#define VPRIME_WESTON_RUNTIME_DIR	"/run/vprime-igt-xdg"
/* Directory of the logs, under out/ (the guest's writable share). */
#define VPRIME_WESTON_LOG_DIR		"out/compositor"

/*
 * chdir() to the project root (the binary is <root>/igt-tests/build/NAME)
 * and create VPRIME_WESTON_LOG_DIR; @root (@size bytes) receives the root.
 */
void vprime_weston_chdir_root(char *root, size_t size);

/* True if @prog is an executable file in a directory of $PATH. */
bool vprime_have_program(const char *prog);

/*
 * Start Weston on the card of display fd @kms_fd, with socket @socket in
 * VPRIME_WESTON_RUNTIME_DIR (exported as XDG_RUNTIME_DIR) and its output in
 * @log; asserts that its socket appears within 30 s. @kms_fd must not be
 * DRM master. Sets WAYLAND_DISPLAY; returns Weston's pid.
 */
pid_t vprime_weston_start(int kms_fd, const char *socket, const char *log);
/* The same, with Weston's log scopes @scopes (--logger-scopes) in @log. */
pid_t vprime_weston_start_scopes(int kms_fd, const char *socket,
				 const char *log, const char *scopes);
bool vprime_weston_alive(pid_t weston);
/*
 * End child @pid: SIGTERM, SIGKILL after 10 s; its wait status, 0 if @pid
 * is not positive.
 */
int vprime_stop_child(pid_t pid);
/*
 * SIGTERM, SIGKILL after 10 s; Weston's wait status (also logged), 0 if
 * @weston is not positive.
 */
int vprime_weston_stop(pid_t weston);

/*
 * Start /lib/systemd/systemd-udevd (compositors' libudev monitors receive
 * its rebroadcast of the kernel's uevents, not the kernel's own; vm/guest
 * starts no udevd) and wait until its queue is empty. Skips without it.
 * Does nothing if a udevd already runs. vprime_udevd_stop() ends the one
 * started here and removes /run/udev if it did not exist before, so that
 * later tests see the guest as it was; harmless if none was started.
 */
void vprime_udevd_start(void);
void vprime_udevd_stop(void);

/* Lines of file @path that contain @needle (0 without the file). */
unsigned int vprime_log_count(const char *path, const char *needle);
/*
 * Wait until @path has at least @count lines containing @needle, at most
 * @timeout_ms; true if it has.
 */
bool vprime_log_wait(const char *path, const char *needle, unsigned int count,
		     int timeout_ms);

/* The summary line of userspace-demo/build/vprime-wl-client. */
struct vprime_wl_summary {
	unsigned int width, height;	/* of its buffers at the end */
	unsigned int frames, presented;
	/* discarded only because a later configure changed the size */
	unsigned int superseded;
	unsigned int zero_copy;
	/* frames presented after the first second, and ZERO_COPY among them */
	unsigned int late_presented, late_zero_copy;
};

/* Parse @line into @s if it is vprime-wl-client's "summary:" line. */
bool vprime_wl_parse_summary(const char *line, struct vprime_wl_summary *s);

#endif /* VPRIME_WESTON_H */
