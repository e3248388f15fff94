# SPDX-License-Identifier: GPL-2.0
#
# Installing vprime on a Debian 6.1 machine (see docs/install.md).
#
#   make install        modules -> /lib/modules/$(KVER)/extra (+ depmod),
#                       uapi headers -> $(PREFIX)/include/{drm,linux},
#                       vprime-demo -> $(PREFIX)/bin
#   make uninstall      the reverse
#   make dkms-install   copy the sources to /usr/src/vprime-$(DKMS_VERSION),
#                       dkms add + build + install for $(KVER)
#   make dkms-remove    dkms remove --all, delete /usr/src/vprime-$(DKMS_VERSION)
#   make dkms-source DKMS_SRC=DIR
#                       copy what dkms builds from (dkms.conf, the Kbuild
#                       trees, the uapi headers) to DIR
#   make dkms-check     dkms add + build in a scratch tree under /tmp
#                       (nothing installed), result in out/dkms-check/
#
# DESTDIR is honoured by install/uninstall (depmod then uses -b DESTDIR).

PREFIX ?= /usr/local
DKMS_NAME := vprime
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRC ?=
DKMS_FILES = dkms.conf Kbuild dma-buf-core/Kbuild drm-driver/Kbuild \
	     $(filter-out %.mod.c,$(wildcard dma-buf-core/*.[ch] drm-driver/*.[ch])) \
	     $(wildcard include/uapi/*/*.h)
MODDIR = $(DESTDIR)/lib/modules/$(KVER)/extra
DEMO_BIN = userspace-demo/build/vprime-demo

.PHONY: install uninstall dkms-install dkms-remove dkms-source dkms-check

install: modules demo-bin
	install -d $(MODDIR)
	install -m 644 dma-buf-core/vprime_core.ko drm-driver/vprime.ko $(MODDIR)/
	depmod $(if $(DESTDIR),-b $(DESTDIR)) -a $(KVER)
	install -D -m 644 include/uapi/drm/vprime_drm.h $(DESTDIR)$(PREFIX)/include/drm/vprime_drm.h
	install -D -m 644 include/uapi/linux/vprime_heap.h $(DESTDIR)$(PREFIX)/include/linux/vprime_heap.h
	install -D -m 755 $(DEMO_BIN) $(DESTDIR)$(PREFIX)/bin/vprime-demo
	@echo "installed: modprobe vprime  (loads vprime_core too); modinfo vprime"

uninstall:
	rm -f $(MODDIR)/vprime_core.ko $(MODDIR)/vprime.ko
	depmod $(if $(DESTDIR),-b $(DESTDIR)) -a $(KVER)
	rm -f $(DESTDIR)$(PREFIX)/include/drm/vprime_drm.h \
	      $(DESTDIR)$(PREFIX)/include/linux/vprime_heap.h \
	      $(DESTDIR)$(PREFIX)/bin/vprime-demo

dkms-source:
	@test -n "$(DKMS_SRC)" || { echo "dkms-source: set DKMS_SRC=DIR" >&2; exit 2; }
	mkdir -p $(DKMS_SRC)
	cp --parents $(DKMS_FILES) $(DKMS_SRC)/

dkms-install:
	@command -v dkms >/dev/null || { echo "dkms-install: dkms missing: scripts/install-deps dkms" >&2; exit 1; }
	rm -rf /usr/src/$(DKMS_NAME)-$(DKMS_VERSION)
	$(MAKE) --no-print-directory dkms-source DKMS_SRC=/usr/src/$(DKMS_NAME)-$(DKMS_VERSION)
	dkms status -m $(DKMS_NAME) -v $(DKMS_VERSION) | grep -q . || \
		dkms add -m $(DKMS_NAME) -v $(DKMS_VERSION)
	dkms build -m $(DKMS_NAME) -v $(DKMS_VERSION) -k $(KVER)
	dkms install -m $(DKMS_NAME) -v $(DKMS_VERSION) -k $(KVER)
	@echo "dkms: $$(dkms status -m $(DKMS_NAME) -v $(DKMS_VERSION))"

dkms-remove:
	-dkms remove -m $(DKMS_NAME) -v $(DKMS_VERSION) --all
	rm -rf /usr/src/$(DKMS_NAME)-$(DKMS_VERSION)

# A scratch dkms build of the current sources (mk/dkms-check.sh): nothing
# installed, /usr/src and /var/lib/dkms untouched; the outcome goes to
# $(DKMS_CHECK_DIR) where the VM suite's igt@vprime_demo@dkms-build checks
# it (a dkms build under TCG takes far longer than the suite's budget).
# `make check` and `make soak` record it first (`make check-debug` too, for
# the debug kernel: mk/reliability.mk); a failure there fails that subtest.
DKMS_CHECK_DIR ?= out/dkms-check

.PHONY: dkms-check-record
dkms-check:
	@mk/dkms-check.sh $(KVER) $(DKMS_CHECK_DIR)

dkms-check-record:
	@mk/dkms-check.sh $(KVER) $(DKMS_CHECK_DIR) || \
		echo "dkms-check: recorded the failure for the suite"

check soak: dkms-check-record
