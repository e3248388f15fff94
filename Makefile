# SPDX-License-Identifier: GPL-2.0
#
# vprime top-level Makefile.
#   make            build modules (W=1), IGT tests and the demo
#   make check      install deps, build, run the whole suite in one VM boot
#   make lint       the IGT doc blocks against the subtests (scripts/check-igt-docs),
#                   sparse (C=1) and checkpatch --strict on our kernel files
#   make demo       the zero-copy pipeline in the VM

# Looked up on first use only (a recipe that builds against the kernel), so
# that nothing asks for a kernel before `scripts/install-deps` has run. Not
# exported: vm/run and the scripts find the same release themselves, and a
# KVER= or KDIR= given on the command line reaches them anyway.
KVER ?= $(eval KVER := $(shell scripts/kver))$(KVER)
KDIR ?= /lib/modules/$(KVER)/build

# CONFIG_VPRIME_TEST=m: the test module vprime_test.ko too (see Kbuild).
KMAKE = $(MAKE) -C $(KDIR) W=1 M=$(CURDIR) CONFIG_VPRIME_TEST=m

KERNEL_SRCS = $(filter-out %.mod.c,$(wildcard dma-buf-core/*.[ch] dma-buf-core/test/*.[ch] \
					  drm-driver/*.[ch])) \
	      $(wildcard include/uapi/*/*.h)

.PHONY: all modules tests demo-bin check lint deps clean

all: modules tests demo-bin

deps:
	@scripts/install-deps

# Both modules, one modpost run (the top-level Kbuild).
modules:
	$(KMAKE) modules

tests:
	$(MAKE) -C igt-tests

demo-bin:
	@if [ -f userspace-demo/Makefile ]; then $(MAKE) -C userspace-demo; fi

# The guest the suite runs in, for check and soak alike. 6 GiB of RAM puts
# pages above 4 GiB, so the narrow (32-bit) importer's mappings go through
# swiotlb bounce buffers, which igt@vprime_importer@import-device-read checks
# the exporter keeps in sync; two GPUs for the multi-GPU PRIME subtests.
# init_on_alloc=0: Debian's kernel zeroes every page it allocates by
# default, which would hide a missing zeroing from the vprime_security
# *-zeroed subtests; many users boot with it off.
SUITE_VM_ARGS := --memory 6144 --modparam vprime.num_gpus=2 --append init_on_alloc=0

check: deps
	$(MAKE) all
	vm/run --timeout $${CHECK_TIMEOUT:-2400} $(SUITE_VM_ARGS) -- igt-tests/run-tests

lint: deps
	scripts/check-igt-docs
	@scripts/install-deps lint
	scripts/lint $(KERNEL_SRCS)

clean:
	$(KMAKE) clean
	-$(MAKE) -C igt-tests clean
	-@if [ -f userspace-demo/Makefile ]; then $(MAKE) -C userspace-demo clean; fi

# Further targets (demo, install/DKMS, bench, debug lane, fuzz, soak) live
# in mk/*.mk, one file per area.
-include $(sort $(wildcard mk/*.mk))
