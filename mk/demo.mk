# SPDX-License-Identifier: GPL-2.0
#
# make demo: the zero-copy GPU -> display pipeline, watched end to end.
#   1. installs missing Debian packages (scripts/install-deps demo; as root)
#   2. builds the modules and userspace-demo/build/vprime-demo
#   3. boots the VM (vm/run) with the modules loaded
#   4. runs vprime-demo: DEMO_FRAMES frames at the default mode, then the
#      CPU-copy baseline for comparison
#   5. prints where the results are: out/demo/ (captures, plot, summary.*)
#
#   make demo DEMO_FRAMES=600 DEMO_ARGS="--pattern bars"
#   make demo DEMO=weston   vprime-wl-client under Weston instead (step 4):
#      fullscreen, the pattern with the frame number; per-frame lines and the
#      summary (zero-copy frames, latency, missed vblanks) in
#      out/compositor/client.txt, Weston's log and drm-backend scope beside it
#   make demo DEMO=sway     the same under sway 1.7 (wlroots 0.15,
#      userspace-demo/compositor/run-sway); sway's log beside it

DEMO_FRAMES ?= 300
DEMO_ARGS ?= --copy
DEMO_OUT ?= out/demo

.PHONY: demo demo-deps demo-build

demo-deps:
	@echo "[demo 1/3] dependencies (scripts/install-deps demo)"
	@scripts/install-deps demo

demo-build: demo-deps
	@echo "[demo 2/3] build: modules (vprime_core.ko, vprime.ko) and vprime-demo"
	@mkdir -p $(CURDIR)/out
	@$(MAKE) --no-print-directory modules demo-bin > $(CURDIR)/out/demo-build.log 2>&1 || \
		{ tail -n 30 $(CURDIR)/out/demo-build.log; \
		  echo "[demo] build failed: out/demo-build.log"; exit 1; }
	@echo "           built (log: out/demo-build.log)"

ifneq ($(filter weston sway,$(DEMO)),)
demo: demo-build
	@echo "[demo 3/3] run: vprime-wl-client under $(DEMO), $(DEMO_FRAMES) frames"
	@start=$$(date +%s); mkdir -p out/compositor; \
	vm/run --timeout 600 -- sh -c 'userspace-demo/compositor/run-$(DEMO) -- \
		userspace-demo/build/vprime-wl-client --frames $(DEMO_FRAMES) \
		> out/compositor/client.txt'; \
	rc=$$?; grep '^summary' out/compositor/client.txt; \
	echo "[demo] total $$(( $$(date +%s) - start )) s for the VM part; exit status $$rc (out/compositor/)"; \
	exit $$rc
else ifneq ($(DEMO),)
demo:
	@echo "demo: DEMO='$(DEMO)': give DEMO=weston, DEMO=sway or no DEMO" >&2; exit 2
else
demo: demo-build
	@echo "[demo 3/3] run: $(DEMO_FRAMES) frames, $(DEMO_ARGS)"
	@start=$$(date +%s); \
	userspace-demo/run-demo --out $(DEMO_OUT) -- --frames $(DEMO_FRAMES) $(DEMO_ARGS); \
	rc=$$?; \
	echo "[demo] total $$(( $$(date +%s) - start )) s for the VM part; exit status $$rc"; \
	exit $$rc
endif
