#!/bin/bash
# SPDX-License-Identifier: MIT
# libnutss as a program links it: built with the tree's nutss.pc against
# the shared and the static library, exporting the API and nothing else,
# its errors libc's (tests/flow/api_errors.c).
# Usage: tests/flow/test-libnutss.sh BUILD_DIR   (checks build/release's library)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
rel=$top/build/release
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; fail=$((fail + 1)); }
export PKG_CONFIG_PATH=$rel
pkg-config --exists nutss && ok "pkg-config finds nutss.pc" || ko "pkg-config nutss"
api="nutss_accept nutss_close nutss_connect nutss_last_status nutss_listen nutss_listen_refused"
got=$(nm -D --defined-only "$rel/libnutss.so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort | tr '\n' ' ')
[ "$got" = "$api " ] && ok "libnutss.so exports the API alone: $api" || ko "exports: $got"
readelf -d "$rel/libnutss.so" | grep -q "SONAME.*libnutss.so.0" && ok "soname libnutss.so.0" || ko "soname"
gcc -Wall -Werror "$top/tests/flow/api_errors.c" $(pkg-config --cflags --libs nutss) -o "$tmp/shared" &&
	ok "a program builds against libnutss.so with pkg-config" || ko "build against the shared library"
gcc -Wall -Werror "$top/tests/flow/api_errors.c" -I"$top/include" "$rel/libnutss.a" \
	$(pkg-config --libs libcrypto) -lpthread -o "$tmp/static" &&
	ok "and against libnutss.a" || ko "build against the static library"
for v in shared static; do
	[ -x "$tmp/$v" ] || continue
	LD_LIBRARY_PATH=$rel timeout 30 "$tmp/$v" >"$tmp/$v.out" 2>&1
	sed "s/^\(PASS\|FAIL\) /\1 $v: /" "$tmp/$v.out" | grep -E '^(PASS|FAIL)'
	pass=$((pass + $(grep -c '^PASS' "$tmp/$v.out")))
	fail=$((fail + $(grep -c '^FAIL' "$tmp/$v.out")))
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
