#!/bin/sh
# SPDX-License-Identifier: MIT
# `make fuzz`: run every libFuzzer target in BUILD_DIR for SECONDS each.
# New inputs go to tests/fuzz/corpus-new/<target>/ (git-ignored); a finding
# is saved as tests/fuzz/corpus-new/<target>/crash-* and fails the run.
# To keep an interesting input, minimise and copy it into
# tests/fuzz/corpus/<target>/, which `make test` replays.
# Usage: tests/fuzz/run-fuzz.sh BUILD_DIR [SECONDS]
set -u
B=${1:-build/fuzz}
secs=${2:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
status=0
for bin in "$B"/tests/fuzz_*; do
	case $bin in *-replay) continue ;; esac
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	target=${name#fuzz_}
	new=tests/fuzz/corpus-new/$target
	mkdir -p "$new"
	opts="-max_len=8192"
	# whole conversations are longer; its debug logs exercise log_slice on what it sends
	[ "$target" = pbox ] && opts="-max_len=16384 -close_fd_mask=2" && export NUTSS_FUZZ_LOG=debug
	echo "== $name: ${secs}s"
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" $opts -print_final_stats=1 \
		-artifact_prefix="$new/" "$new" "tests/fuzz/corpus/$target" \
		>"$new/fuzz.log" 2>&1
	rc=$?
	grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$new/fuzz.log" | sed 's/^/   /'
	if [ $rc != 0 ] || ls "$new"/crash-* "$new"/leak-* "$new"/timeout-* >/dev/null 2>&1; then
		echo "   FINDING: see $new/ and $new/fuzz.log"
		status=1
	fi
done
exit $status
