# SPDX-License-Identifier: GPL-2.0
#
# Reliability lanes (docs/reliability.md):
#   make fuzz [FUZZ_SECONDS=600] [FUZZ_SEED=1]   structured fuzzer in the VM
#   make trinity [TRINITY_SECONDS=600] [TRINITY_SEED=1]
#                                               trinity on our device nodes
#   make soak [N=100]                            the suite N times, one boot
#   make soak SOAK_MINUTES=150                   as many whole passes as fit
#                                               in 150 minutes, one boot
#   make check-debug                             the suite + kmemleak on the
#                                               debug kernel (scripts/debug-kernel);
#                                               CHECK_DEBUG_ARGS="-t REGEX" runs a subset
#   make debug-kernel                            only build/cache that kernel
#   make debug-modules                           our modules for it, in out/debug
# Extra vm/run options for any of them: VM_ARGS="--modparam ...".

FUZZ_SECONDS ?= 600
FUZZ_SEED ?= 1
FUZZ_ARGS ?=
TRINITY_SECONDS ?= 600
TRINITY_SEED ?= 1
N ?= 100
VM_ARGS ?=

FUZZ_BIN := tools/fuzz/build/vprime-fuzz
DEBUG_OUT := $(CURDIR)/out/debug
# The debug kernel under TCG: acpi=noirq saves ~40 s of boot (virtio-pci
# interrupt setup is slow under KASAN + lockdep); the watchdogs get the
# slow emulated CPU's margins (and --slow-cpu-ok lists, not fails, their
# reports; every other report still fails the run).
DEBUG_APPEND := acpi=noirq watchdog_thresh=60 rcupdate.rcu_cpu_stall_timeout=120 \
		kmemleak=on
DEBUG_TIMEOUT ?= 5400

.PHONY: fuzz-bin fuzz trinity soak debug-kernel debug-modules check-debug \
	check-debug-fuzz

$(FUZZ_BIN): tools/fuzz/vprime-fuzz.c lib/vprime_util.c lib/vprime_util.h \
	     $(wildcard include/uapi/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
		-Wno-missing-field-initializers -Iinclude/uapi -Ilib \
		-DKERNEL_LOG_ERRORS='"$(CURDIR)/vm/kernel-log-errors"' \
		$$(pkg-config --cflags libdrm) -o $@ $< lib/vprime_util.c \
		$$(pkg-config --libs libdrm) -lpthread

fuzz-bin: $(FUZZ_BIN)

fuzz: modules $(FUZZ_BIN)
	vm/run $(VM_ARGS) --timeout $$(($(FUZZ_SECONDS) + 900)) -- \
		$(FUZZ_BIN) --seconds $(FUZZ_SECONDS) --seed $(FUZZ_SEED) $(FUZZ_ARGS)

trinity: modules
	@scripts/install-deps fuzz
	vm/run $(VM_ARGS) --timeout $$(($(TRINITY_SECONDS) + 900)) -- \
		tools/fuzz/run-trinity $(TRINITY_SECONDS) $(TRINITY_SEED)

# SOAK_MINUTES (a positive integer) gives the soak a time budget instead of
# N; checked before anything is built. The guest's timeout leaves room for
# a last pass slower than the one before it.
SOAK_MINUTES ?=
SOAK_USAGE := usage: make soak [N=ITERATIONS] | make soak SOAK_MINUTES=MINUTES \
	(a positive integer; not together with N=)
# $(call soak-not-positive,VALUE): non-empty unless VALUE is one word of
# digits without a leading 0.
soak-not-positive = $(filter-out 1,$(words $(1)))$(filter 0%,$(1))$(subst 0,,$(subst \
	1,,$(subst 2,,$(subst 3,,$(subst 4,,$(subst 5,,$(subst 6,,$(subst 7,,$(subst \
	8,,$(subst 9,,$(1)))))))))))
ifneq ($(filter soak,$(MAKECMDGOALS)),)
ifneq ($(strip $(SOAK_MINUTES)),)
ifneq ($(call soak-not-positive,$(SOAK_MINUTES)),)
$(info soak: SOAK_MINUTES='$(SOAK_MINUTES)' is not a positive integer)
$(info $(SOAK_USAGE))
$(error bad usage)
endif
ifneq ($(origin N),file)
$(info soak: give N= or SOAK_MINUTES=, not both)
$(info $(SOAK_USAGE))
$(error bad usage)
endif
SOAK_RUN = --timeout $$(($(SOAK_MINUTES) * 60 + 1800)) -- tools/fuzz/soak --minutes $(SOAK_MINUTES)
else
ifneq ($(call soak-not-positive,$(N)),)
$(info soak: N='$(N)' is not a positive integer)
$(info $(SOAK_USAGE))
$(error bad usage)
endif
SOAK_RUN = --timeout $$(($(N) * 900 + 600)) -- tools/fuzz/soak $(N)
endif
endif

soak: deps all
	vm/run $(SUITE_VM_ARGS) $(VM_ARGS) $(SOAK_RUN)

debug-kernel:
	@scripts/install-deps debug
	scripts/debug-kernel > /dev/null

# Our modules for the debug kernel. The Kbuild files build in the source
# directories, so a copy of the kernel sources goes to out/debug/src and
# builds there (the stock-kernel objects in the tree stay untouched). The
# *.mod.c that modpost writes next to a stock build must not be copied
# (rsync's first matching rule wins, so its exclude comes first): newer
# than the debug build's, it was compiled into the debug modules, which
# then carried the stock kernel's symbol versions and failed to load
# ("disagrees about version of symbol module_layout") whenever a stock
# build had run first.
debug-modules: debug-kernel
	@eval "$$(scripts/debug-kernel --print)" && set -e && \
	mkdir -p $(DEBUG_OUT)/src/dma-buf-core $(DEBUG_OUT)/src/drm-driver \
		$(DEBUG_OUT)/src/include && \
	rsync -a --delete --exclude='*.mod.c' --include='*/' --include='*.[ch]' \
		--include=Kbuild --exclude='*' dma-buf-core/ $(DEBUG_OUT)/src/dma-buf-core/ && \
	rsync -a --delete --exclude='*.mod.c' --include='*/' --include='*.[ch]' \
		--include=Kbuild --exclude='*' drm-driver/ $(DEBUG_OUT)/src/drm-driver/ && \
	rsync -a --delete include/ $(DEBUG_OUT)/src/include/ && \
	cp Kbuild $(DEBUG_OUT)/src/Kbuild && \
	$(MAKE) -C $$DEBUG_KDIR M=$(DEBUG_OUT)/src W=1 CONFIG_VPRIME_TEST=m modules

# The debug kernel's identity, printed and written to out/debug/kernel-source
# (the guest prints it too): which linux-source-6.1 version it was built
# from, its release and build dir. Used after an eval of
# scripts/debug-kernel --print.
debug-kernel-source = mkdir -p $(DEBUG_OUT) && \
	printf 'SOURCE_VERSION=%s\nKERNEL_RELEASE=%s\nBUILD=%s\n' "$$DEBUG_SRC_VERSION" \
		"$$DEBUG_KVER" "$$DEBUG_KDIR" > $(DEBUG_OUT)/kernel-source && \
	echo "debug lane: kernel $$DEBUG_KVER built from linux-source-6.1 $$DEBUG_SRC_VERSION ($$DEBUG_KDIR)"

# vm/run options that boot the debug kernel with its modules and ours.
DEBUG_VM = eval "$$(scripts/debug-kernel --print)" && $(debug-kernel-source) && \
	KVER=$$DEBUG_KVER vm/run --kernel $$DEBUG_IMAGE --kmods $$DEBUG_MODROOT \
	--modules-dir $(DEBUG_OUT)/src --append "$(DEBUG_APPEND)" --slow-cpu-ok \
	--timeout $(DEBUG_TIMEOUT) $(VM_ARGS)

# Like check and soak, the lane first records a host-side dkms build (for
# the debug kernel, against its build dir) for igt@vprime_demo@dkms-build,
# and builds what make check builds (all): igt@vprime_demo@modinfo-params
# reads the tree's modules and demo-* run the demo, so on a fresh clone
# they skipped in this lane when it ran before make check.
check-debug: all debug-modules peers-record $(FUZZ_BIN)
	@eval "$$(scripts/debug-kernel --print)" && \
	mk/dkms-check.sh $$DEBUG_KVER $(DKMS_CHECK_DIR) $$DEBUG_KDIR || \
		echo "dkms-check: recorded the failure for the suite"
	@start=$$(date +%s); \
	$(DEBUG_VM) --modparam vprime.num_gpus=2 -- tools/fuzz/check-debug-guest \
		$(CHECK_DEBUG_ARGS); rc=$$?; \
	echo "check-debug: $$(( $$(date +%s) - start )) s, exit $$rc"; exit $$rc

# The structured fuzzer on the debug kernel (KASAN/lockdep/kmemleak).
check-debug-fuzz: debug-modules $(FUZZ_BIN)
	$(DEBUG_VM) -- sh -c '$(FUZZ_BIN) --slow-cpu-ok --seconds $(FUZZ_SECONDS) \
		--seed $(FUZZ_SEED) $(FUZZ_ARGS) && tools/fuzz/kmemleak-check'
