#!/bin/sh
# SPDX-License-Identifier: MIT
# Golden tests for `nutss policy` (docs/policy.md).
#
# A case is tests/golden/policy/NAME.args: one line, the arguments after
# `nutss policy`, in shell quoting, e.g.
#   test fig5.pol --from 'bob@acme.org;app=ftp;type=client' --to '...' --flow 'a=enc:none'
# It runs from inside tests/golden/policy/ (so policy files are named
# without a path; they are the *.pol files there) and its stdout, then its
# stderr, then a line "exit N" must equal NAME.out byte for byte.
# To accept a deliberate change, regenerate with
#   tests/golden/test-policy.sh build/asan --update
# and review the diff.
# Usage: tests/golden/test-policy.sh BUILD_DIR [--update]
set -u
B=${1:-build/asan}
update=${2:-}
top=$(cd "$(dirname "$0")/../.." && pwd)
nutss=$top/$B/nutss
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
cd "$top/tests/golden/policy" || exit 1
for args in *.args; do
	name=${args%.args}
	eval "set -- $(cat "$args")"
	timeout 5 "$nutss" policy "$@" >"$tmp/out" 2>"$tmp/err"
	echo "exit $?" >>"$tmp/err"
	cat "$tmp/out" "$tmp/err" >"$tmp/got"
	if [ "$update" = --update ]; then
		cp "$tmp/got" "$name.out"
	fi
	if diff -u "$name.out" "$tmp/got" >"$tmp/diff" 2>&1; then
		echo "PASS $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name"
		cat "$tmp/diff"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
