#!/bin/sh
# SPDX-License-Identifier: MIT
# nutss sip lint's exit status at the edges the README promises: a
# message larger than 65,535 bytes is an invalid message (1), not an I/O
# error (2); a missing file is an I/O error (2); a valid one is 0.
# Usage: tests/cli/test-lint.sh BUILD_DIR
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
N=$B/nutss
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passed=0
failed=0
t() { # NAME WANT CMD...
	name=$1 want=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" = "$want" ]; then echo "PASS $name"; passed=$((passed + 1)); else
		echo "FAIL $name (exit $got, want $want)"; cat "$T/out" "$T/err"; failed=$((failed + 1)); fi
}
{ printf 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nMax-Forwards: 70\r\n'
  printf 'From: <sip:c@d>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n'; } >"$T/ok.sip"
cp "$T/ok.sip" "$T/big.sip"
head -c 70000 /dev/zero | tr '\0' 'x' >>"$T/big.sip"
t "a valid message: 0" 0 "$N" sip lint "$T/ok.sip"
t "over 65,535 bytes: invalid, 1" 1 "$N" sip lint "$T/big.sip"
grep -q "message too large" "$T/out" && { echo "PASS it says why"; passed=$((passed + 1)); } ||
	{ echo "FAIL no reason"; failed=$((failed + 1)); }
t "over 65,535 bytes, --json: 1" 1 "$N" sip lint --json "$T/big.sip"
python3 -c "import json; d=json.load(open('$T/out')); assert d['valid'] is False and d['error']['status'] == 513" &&
	{ echo "PASS the JSON says invalid, 513"; passed=$((passed + 1)); } || { echo "FAIL json"; failed=$((failed + 1)); }
t "a missing file: 2" 2 "$N" sip lint "$T/none.sip"
t "valid and too large together: the worst, 1" 1 "$N" sip lint "$T/ok.sip" "$T/big.sip"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
