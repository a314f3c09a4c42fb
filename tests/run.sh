#!/bin/sh
# SPDX-License-Identifier: MIT
# The test runner behind `make test`: unit tests, fuzz-corpus replays and
# every scripted test (tests/*/test-*.sh), all against the build in $1
# (build/asan: sanitizers on). Ends with "N passed, N failed".
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/.."
passed=0
failed=0
failures=

# Each test reports its own "N passed, N failed" line; sum them.
account() { # name log status
	counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$2" | tail -1)
	p=$(echo "$counts" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$counts" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	if [ -z "$counts" ]; then
		# Not a counting test: one pass or one fail by exit status.
		if [ "$3" = 0 ]; then p=1; f=0; else p=0; f=1; fi
	elif [ "$3" != 0 ] && [ "$f" = 0 ]; then
		f=1 # exited non-zero without saying why: still a failure
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" != 0 ]; then
		failures="$failures $1"
		echo "FAIL $1 (log: $2)"
		sed 's/^/    /' "$2" | tail -30
	else
		echo "ok   $1 ($p)"
	fi
}

logdir=$B/test-logs
mkdir -p "$logdir"

for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	timeout 300 "$t" >"$logdir/$name.log" 2>&1
	account "unit/$name" "$logdir/$name.log" $?
done

for r in "$B"/tests/fuzz_*-replay; do
	[ -x "$r" ] || continue
	target=$(basename "$r" -replay)
	corpus=tests/fuzz/corpus/${target#fuzz_}
	[ -d "$corpus" ] || { echo "FAIL fuzz/$target: no corpus in $corpus"; failed=$((failed + 1)); continue; }
	timeout 300 "$r" "$corpus" >"$logdir/$target.log" 2>&1
	account "fuzz-replay/$target" "$logdir/$target.log" $?
done

for s in tests/*/test-*.sh; do
	[ -x "$s" ] || continue
	name=${s#tests/}
	log=$logdir/$(echo "$name" | tr / _).log
	timeout 900 "$s" "$B" >"$log" 2>&1
	account "$name" "$log" $?
done

echo
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
