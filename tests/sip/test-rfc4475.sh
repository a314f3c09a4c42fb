#!/bin/sh
# SPDX-License-Identifier: MIT
# RFC 4475 torture messages through `nutss sip lint`, driven by the
# manifest in ../shared/testdata/rfc4475/MANIFEST.tsv:
#   valid, semantic -> exit 0 (semantic ones a server refuses with 400 are
#                      reported as warnings naming 400, and fail --strict)
#   invalid         -> exit 1, and --json names the status the manifest gives
# Usage: tests/sip/test-rfc4475.sh BUILD_DIR
set -u
B=${1:-build/asan}
top=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${NUTSS_SHARED:-$top/../shared}/testdata/rfc4475
nutss=$top/$B/nutss
pass=0
fail=0

ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

[ -x "$nutss" ] || { echo "FAIL: no $nutss"; echo "0 passed, 1 failed"; exit 1; }
[ -f "$corpus/MANIFEST.tsv" ] || { echo "FAIL: no corpus at $corpus"; echo "0 passed, 1 failed"; exit 1; }

json_field() { # file expr: evaluate a python expression on the parsed --json output
	python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2" <"$1"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

grep -v '^#' "$corpus/MANIFEST.tsv" | while IFS='	' read -r file section class reaction title; do
	f=$corpus/$file
	out=$(timeout 2 "$nutss" sip lint "$f" 2>&1)
	rc=$?
	case $class in
	invalid) want=1 ;;
	*) want=0 ;;
	esac
	if [ "$rc" != "$want" ]; then
		ko "$file ($class, $title)" "exit $rc, expected $want: $out"
		continue
	fi
	case $class in
	invalid)
		echo "$out" | grep -Eq "^$f: error: .+ \(line [0-9]+, col [0-9]+\)$" ||
			{ ko "$file" "error line malformed: $out"; continue; }
		timeout 2 "$nutss" sip lint --json "$f" >"$tmp/j" 2>/dev/null
		st=$(json_field "$tmp/j" 'd["error"]["status"]')
		case $reaction in
		[0-9]*) [ "$st" = "$reaction" ] ||
			{ ko "$file" "status $st, manifest says $reaction"; continue; } ;;
		esac
		;;
	*)
		timeout 2 "$nutss" sip lint --json "$f" >"$tmp/j" 2>/dev/null ||
			{ ko "$file" "--json exit status"; continue; }
		nwarn=$(json_field "$tmp/j" 'len(d["warnings"])')
		if [ "$class" = semantic ] && [ "$reaction" = 400 ]; then
			# the message parses, but lint must say a server answers 400
			echo "$out" | grep -q "warning: .*a server answers 400" ||
				{ ko "$file" "no 400 warning: $out"; continue; }
			timeout 2 "$nutss" sip lint --strict "$f" >/dev/null 2>&1
			[ $? = 1 ] || { ko "$file" "--strict did not fail"; continue; }
		elif [ "$nwarn" != 0 ]; then
			ko "$file" "unexpected warning: $out"
			continue
		fi
		;;
	esac
	ok "$file ($class)"
done >"$tmp/results"
cat "$tmp/results"
pass=$(grep -c '^PASS' "$tmp/results")
fail=$(grep -c '^FAIL' "$tmp/results")

# The whole corpus in one call: exit 1 (some are invalid) and fast.
start=$(date +%s%N)
timeout 5 "$nutss" sip lint "$corpus"/*.dat >/dev/null 2>&1
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
if [ $rc = 1 ] && [ $ms -lt 3000 ]; then
	echo "PASS all 49 in one call (exit 1, ${ms} ms)"
	pass=$((pass + 1))
else
	echo "FAIL all in one call: exit $rc, ${ms} ms"
	fail=$((fail + 1))
fi

n=$(grep -vc '^#' "$corpus/MANIFEST.tsv")
[ "$n" = 49 ] || { echo "FAIL manifest has $n entries, expected 49"; fail=$((fail + 1)); }

# Usage and I/O errors exit 2.
"$nutss" sip lint >/dev/null 2>&1
[ $? = 2 ] && { echo "PASS no file: exit 2"; pass=$((pass + 1)); } ||
	{ echo "FAIL no file: exit not 2"; fail=$((fail + 1)); }
"$nutss" sip lint "$tmp/does-not-exist" >/dev/null 2>&1
[ $? = 2 ] && { echo "PASS missing file: exit 2"; pass=$((pass + 1)); } ||
	{ echo "FAIL missing file: exit not 2"; fail=$((fail + 1)); }

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
