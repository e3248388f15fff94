#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mk/dkms-check.sh KVER OUTDIR [KDIR] - build the DKMS package in a scratch
# tree.
#
# Copies the DKMS source set (make dkms-source) to a temp dir and runs
# `dkms add` + `dkms build` for KVER with --sourcetree/--dkmstree in that
# temp dir (and --kernelsourcedir KDIR when given: the debug lane's kernel
# has no /lib/modules/KVER/build on the host), and a module-signing key there too (mok_signing_key /
# mok_certificate from the environment), so nothing under /usr/src or
# /var/lib/dkms is touched. Records the outcome in OUTDIR:
#   status          pass or fail
#   kver            the kernel release built for
#   sources.sha256  hash of the source set (the VM test compares it)
#   vprime_core.ko, vprime.ko   what dkms built
#   dkms.log        dkms's output (+ make.log on failure)
# Exit status: 0 when dkms built both modules, and not the test module.
set -uo pipefail

kver=${1:?usage: mk/dkms-check.sh KVER OUTDIR [KDIR]}
outdir=${2:?usage: mk/dkms-check.sh KVER OUTDIR [KDIR]}
kdir=${3:-}
top=$(cd "$(dirname "$0")/.." && pwd)
name=vprime
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")

rm -rf "$outdir"
mkdir -p "$outdir"
echo fail > "$outdir/status"
echo "$kver" > "$outdir/kver"
log=$outdir/dkms.log

if ! command -v dkms >/dev/null; then
	echo "dkms-check: dkms not installed (scripts/install-deps dkms)" | tee "$log" >&2
	exit 1
fi

tmp=$(mktemp -d /tmp/vprime-dkms.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
src=$tmp/src/$name-$version
make -s --no-print-directory -C "$top" dkms-source DKMS_SRC="$src" || exit 1
(cd "$src" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum |
	cut -d' ' -f1) > "$outdir/sources.sha256"

export mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub
tree=$tmp/tree
mkdir -p "$tree"
ksrc=()
[ -n "$kdir" ] && ksrc=(--kernelsourcedir "$kdir")
echo "dkms-check: dkms build -m $name -v $version -k $kver${kdir:+ --kernelsourcedir $kdir} (scratch tree $tmp)"
{
	dkms add -m "$name" -v "$version" --sourcetree "$tmp/src" --dkmstree "$tree" &&
	dkms build -m "$name" -v "$version" -k "$kver" -j "$(nproc)" "${ksrc[@]}" \
		--sourcetree "$tmp/src" --dkmstree "$tree"
} > "$log" 2>&1
rc=$?

for m in vprime_core vprime; do
	f=$(find "$tree/$name/$version/$kver" -name "$m.ko*" 2>/dev/null | head -n 1)
	if [ -n "$f" ]; then
		cp "$f" "$outdir/$m.ko"
	else
		echo "dkms-check: $m.ko was not built" | tee -a "$log" >&2
		rc=1
	fi
done
# The test module is never part of the package (dkms.conf does not ask for
# CONFIG_VPRIME_TEST, and its sources are not in the source set). dkms runs
# CLEAN after the build, so its make.log (KVER/ARCH/log/make.log in dkms
# 3) is what says what was built.
if find "$tree/$name/$version" \( -name 'vprime_test.ko*' -o \
	\( -name make.log -exec grep -q 'vprime_test\.ko' {} \; \) \) \
	-print 2>/dev/null | grep -q .; then
	echo "dkms-check: dkms built the test module vprime_test.ko" | tee -a "$log" >&2
	rc=1
fi
if [ $rc = 0 ]; then
	echo pass > "$outdir/status"
	echo "dkms-check: pass: vprime_core.ko and vprime.ko built for $kver ($outdir)"
else
	cat "$tree/$name/$version/build/make.log" >> "$log" 2>/dev/null
	echo "dkms-check: FAILED, see $log" >&2
	tail -n 20 "$log" >&2
fi
exit $rc
