#!/bin/sh
# SPDX-License-Identifier: MIT
# Golden tests for `nutss sip lint --json`: each tests/golden/sip/NAME.sip is
# linted from inside that directory and the output must equal NAME.json
# byte for byte. To accept a deliberate change, regenerate with
#   (cd tests/golden/sip && ../../../build/asan/nutss sip lint --json X.sip > X.json)
# and review the diff.
# Usage: tests/golden/test-sip-json.sh BUILD_DIR
set -u
B=${1:-build/asan}
top=$(cd "$(dirname "$0")/../.." && pwd)
nutss=$top/$B/nutss
pass=0
fail=0
cd "$top/tests/golden/sip" || exit 1
for in in *.sip; do
	name=${in%.sip}
	if timeout 2 "$nutss" sip lint --json "$in" 2>&1 | diff -u "$name.json" - >/tmp/golden-sip.$$ 2>&1; then
		echo "PASS $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name"
		cat /tmp/golden-sip.$$
		fail=$((fail + 1))
	fi
done
rm -f /tmp/golden-sip.$$
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
