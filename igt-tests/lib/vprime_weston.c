// SPDX-License-Identifier: MIT
/*
 * vprime_weston.c - Weston and systemd-udevd for vprime's compositor tests.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "igt.h"
#include "vprime_igt.h"
#include "vprime_weston.h"

#define UDEVD		"/lib/systemd/systemd-udevd"
#define UDEV_RUN	"/run/udev"
#define UDEV_CONTROL	UDEV_RUN "/control"
#define UDEVD_LOG	VPRIME_WESTON_LOG_DIR "/udevd.log"

static pid_t udevd = -1;
static bool udev_run_ours;

void vprime_weston_chdir_root(char *root, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	igt_assert_f(n > 0, "readlink /proc/self/exe: %m\n");
	exe[n] = 0;
	/* <root>/igt-tests/build/<test> */
	snprintf(root, size, "%s", dirname(dirname(dirname(exe))));
	igt_assert_eq(chdir(root), 0);
	mkdir("out", 0755);
	mkdir(VPRIME_WESTON_LOG_DIR, 0755);
}

bool vprime_have_program(const char *prog)
{
	const char *path = getenv("PATH");
	char file[PATH_MAX];
	size_t len;

	for (; path && *path; path += len + !!path[len]) {
		len = strcspn(path, ":");
		snprintf(file, sizeof(file), "%.*s/%s", (int)len, path, prog);
		if (!access(file, X_OK))
			return true;
	}
	return false;
}

bool vprime_weston_alive(pid_t weston)
{
	return weston > 0 && waitpid(weston, NULL, WNOHANG) == 0;
}

pid_t vprime_weston_start_scopes(int kms_fd, const char *socket,
				 const char *log, const char *scopes)
{
	char root[PATH_MAX], card[32], cfg[PATH_MAX + 64], dev[48], sock[128],
	     lock[136], log_scopes[96];
	const char *caps = vprime_llvmpipe_cpu_caps();
	struct stat st;
	pid_t weston;
	int i;

	vprime_weston_chdir_root(root, sizeof(root));
	igt_assert_eq(fstat(kms_fd, &st), 0);
	snprintf(card, sizeof(card), "card%u", minor(st.st_rdev));
	snprintf(dev, sizeof(dev), "--drm-device=%s", card);
	snprintf(cfg, sizeof(cfg), "--config=%s/userspace-demo/compositor/weston.ini",
		 root);
	/* Weston's own default is the "log" scope alone */
	snprintf(log_scopes, sizeof(log_scopes), "--logger-scopes=%s",
		 scopes ?: "log");
	char *const argv[] = {
		"weston", "--backend=drm-backend.so", "--tty=2",
		"--continue-without-input", dev, "--idle-time=0",
		"--shell=desktop-shell.so", cfg, "-S", (char *)socket, "--debug",
		log_scopes, NULL,
	};

	mkdir(VPRIME_WESTON_RUNTIME_DIR, 0700);
	igt_assert_eq(chmod(VPRIME_WESTON_RUNTIME_DIR, 0700), 0);
	setenv("XDG_RUNTIME_DIR", VPRIME_WESTON_RUNTIME_DIR, 1);
	/* its GL renderer's llvmpipe off broken AVX2 gathers (QEMU TCG) */
	if (caps) {
		igt_info("the CPU's AVX2 gathers through xmm4 are broken: Weston's llvmpipe runs with GALLIUM_OVERRIDE_CPU_CAPS=%s\n",
			 caps);
		setenv("GALLIUM_OVERRIDE_CPU_CAPS", caps, 1);
	}
	/* a socket left by an earlier Weston would be taken for this one's */
	snprintf(sock, sizeof(sock), VPRIME_WESTON_RUNTIME_DIR "/%s", socket);
	snprintf(lock, sizeof(lock), "%s.lock", sock);
	unlink(sock);
	unlink(lock);
	weston = vprime_spawn_logged(argv, log, NULL);
	for (i = 0; i < VPRIME_START_TIMEOUT_S * 10 && stat(sock, &st); i++) {
		if (!vprime_weston_alive(weston)) {
			char cmd[PATH_MAX + 32];

			snprintf(cmd, sizeof(cmd), "tail -20 %s >&2", log);
			igt_system(cmd);
			igt_assert_f(false, "weston exited, see %s\n", log);
		}
		usleep(100000);
	}
	if (stat(sock, &st)) {
		vprime_weston_stop(weston);	/* no child left behind */
		igt_assert_f(false, "no Weston socket after %d s, see %s\n",
			     VPRIME_START_TIMEOUT_S, log);
	}
	setenv("WAYLAND_DISPLAY", socket, 1);
	return weston;
}

pid_t vprime_weston_start(int kms_fd, const char *socket, const char *log)
{
	return vprime_weston_start_scopes(kms_fd, socket, log, NULL);
}

int vprime_stop_child(pid_t pid)
{
	int status = 0, i;

	if (pid <= 0)
		return 0;
	kill(pid, SIGTERM);
	for (i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(100000);
	if (i == 100) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	return status;
}

int vprime_weston_stop(pid_t weston)
{
	int status;

	if (weston <= 0)
		return 0;
	status = vprime_stop_child(weston);
	if (WIFSIGNALED(status))
		igt_info("weston ended by signal %d on SIGTERM\n",
			 WTERMSIG(status));
	else
		igt_info("weston exited with %d on SIGTERM\n",
			 WEXITSTATUS(status));
	return status;
}

void vprime_udevd_start(void)
{
	char *const argv[] = { UDEVD, NULL };
	struct stat st;
	int i;

	igt_require_f(!access(UDEVD, X_OK), "no " UDEVD " (package udev)\n");
	if (udevd > 0 || !stat(UDEV_CONTROL, &st)) {
		igt_info("a udevd is already running\n");
		return;
	}
	udev_run_ours = stat(UDEV_RUN, &st) != 0;
	mkdir("out", 0755);
	mkdir(VPRIME_WESTON_LOG_DIR, 0755);
	udevd = vprime_spawn_logged(argv, UDEVD_LOG, "/");
	for (i = 0; i < 300 && stat(UDEV_CONTROL, &st); i++) {
		igt_assert_f(waitpid(udevd, NULL, WNOHANG) == 0,
			     "systemd-udevd exited, see " UDEVD_LOG "\n");
		usleep(100000);
	}
	igt_assert_f(!stat(UDEV_CONTROL, &st),
		     "no " UDEV_CONTROL " 30 s after starting systemd-udevd\n");
	/*
	 * Its queue empty. udevadm takes the guest's 9p root for a chroot
	 * and would ignore the request without SYSTEMD_IGNORE_CHROOT.
	 */
	igt_assert_f(!system("SYSTEMD_IGNORE_CHROOT=1 udevadm settle --timeout=60 >>"
			     UDEVD_LOG " 2>&1"),
		     "udevadm settle failed, see " UDEVD_LOG "\n");
	igt_info("systemd-udevd running, pid %d\n", udevd);
}

void vprime_udevd_stop(void)
{
	if (udevd <= 0)
		return;
	vprime_stop_child(udevd);
	udevd = -1;
	/* its database and control socket: not there for later tests */
	if (udev_run_ours)
		igt_assert_eq(system("rm -rf " UDEV_RUN), 0);
	udev_run_ours = false;
}

unsigned int vprime_log_count(const char *path, const char *needle)
{
	char line[1024];
	unsigned int n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += !!strstr(line, needle);
	fclose(f);
	return n;
}

bool vprime_log_wait(const char *path, const char *needle, unsigned int count,
		     int timeout_ms)
{
	int waited;

	for (waited = 0; vprime_log_count(path, needle) < count; waited += 100) {
		if (waited >= timeout_ms)
			return false;
		usleep(100000);
	}
	return true;
}

bool vprime_wl_parse_summary(const char *line, struct vprime_wl_summary *s)
{
	struct vprime_wl_summary t = { 0 };

	if (sscanf(line,
		   "summary: size %ux%u %*s resized %*u frames %u presented %u discarded %*u superseded %u zero_copy %u zero_copy_after_1s %u/%u",
		   &t.width, &t.height, &t.frames, &t.presented, &t.superseded,
		   &t.zero_copy, &t.late_zero_copy, &t.late_presented) != 8)
		return false;
	*s = t;
	return true;
}
