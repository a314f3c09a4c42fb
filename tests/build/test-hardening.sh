#!/bin/bash
# SPDX-License-Identifier: MIT
# What we ship is built hardened (SECURITY.md, mk/common.mk): every daemon,
# command and shared library in the release build is PIE (or a shared
# object), has full RELRO with immediate binding, a stack that is not
# executable, the stack protector and _FORTIFY_SOURCE's checked calls.
# Read from the ELF files themselves with readelf, so a flag dropped from
# the build fails here. A program or library added later is found by name
# (build/release/nutss*, lib*.so*) and checked the same way.
# Usage: tests/build/test-hardening.sh [BUILD_DIR]   (checks build/release)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
rel=$top/build/release
pass=0
fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; fail=$((fail + 1)); }

shipped=$(find "$rel" -maxdepth 1 -type f \( -name 'nutss*' -o -name 'lib*.so*' \) -perm -u+r | sort)
[ -n "$shipped" ] || { ko "nothing built in $rel (make MODE=release)"; echo "$pass passed, $fail failed"; exit 1; }
expect=$(grep -oE 'FORTIFY_SOURCE=[23]' "$rel/.flags" 2>/dev/null | head -1)
echo "release flags: $expect"

for f in $shipped; do
	n=$(basename "$f")
	head -c4 "$f" | grep -q 'ELF' || continue
	hdr=$(readelf -hW "$f"); dyn=$(readelf -dW "$f"); ph=$(readelf -lW "$f"); syms=$(readelf --dyn-syms -W "$f")
	echo "$hdr" | grep -q 'Type:.*DYN' && { case $n in *.so*) true ;; *) echo "$dyn" | grep -q 'FLAGS_1.*PIE' ;; esac; } &&
		ok "$n: position independent" || ko "$n: not PIE"
	echo "$ph" | grep -q GNU_RELRO && echo "$dyn" | grep -qE 'BIND_NOW|FLAGS_1.*NOW' &&
		ok "$n: full RELRO (GNU_RELRO and BIND_NOW)" || ko "$n: no full RELRO"
	stack=$(echo "$ph" | awk '$1 == "GNU_STACK" { print $(NF-1) }')
	[ "$stack" = RW ] && ok "$n: stack not executable" || ko "$n: GNU_STACK flags '$stack'"
	echo "$syms" | grep -q '__stack_chk_fail' && ok "$n: stack protector" || ko "$n: no __stack_chk_fail"
	chk=$(echo "$syms" | grep -oE '__[a-z0-9_]+_chk\b' | grep -v stack_chk | sort -u | tr '\n' ' ')
	[ -n "$chk" ] && ok "$n: fortified calls ($chk)" || ko "$n: no _FORTIFY_SOURCE checked calls"
done
[ "$expect" = "FORTIFY_SOURCE=3" ] && ok "built with _FORTIFY_SOURCE=3" ||
	{ if printf '#include <stdio.h>\n' | cc -E -dM -O2 -D_FORTIFY_SOURCE=3 -x c - 2>/dev/null | grep -q '__USE_FORTIFY_LEVEL 3'; then
		ko "the compiler supports _FORTIFY_SOURCE=3 but the build used ${expect:-none}"
	else ok "built with ${expect:-?} (this compiler has no level 3)"; fi; }
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
