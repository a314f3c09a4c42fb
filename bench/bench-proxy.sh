#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench-proxy: nutss-pboxd against Kamailio on the same SIPp load, with
# the shared harness (../shared/bench-harness), in one run. bench/README.md
# says what each figure means and how it is computed.
#
#   bench/bench-proxy.sh BUILD_DIR
#
# Environment: REPEATS (5), RATE (2000, UDP calls/s), DUR (10 s a step),
# SUSTAIN_RATE (5000) and SUSTAIN_DUR (60 s) for one long UDP run, TCP_RATE (1000), FLOOD_RATE (300), FLOOD_SOCKETS (4) and FLOOD_CAP (0 = no
# cap) for bench/flood, MEMREG_COUNT (1000000), PORT_BASE
# (25060: proxy PORT_BASE, UAC +10, UAS +20; pick another when a second run
# shares the machine), BENCH_RESULTS (where the per-run output goes; default
# build/bench-proxy-results). Everything runs on
# 127.0.0.1 (TCP inside a private network namespace the harness makes);
# every process is started and stopped by the harness, by PID.
set -u
B=$(cd "${1:-build/release}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
harness=${NUTSS_SHARED:-$top/../shared}/bench-harness
REPEATS=${REPEATS:-5}
RATE=${RATE:-2000}
DUR=${DUR:-10}
SUSTAIN_RATE=${SUSTAIN_RATE:-5000}
SUSTAIN_DUR=${SUSTAIN_DUR:-60}
TCP_RATE=${TCP_RATE:-1000}
FLOOD_RATE=${FLOOD_RATE:-300}
MEMREG_COUNT=${MEMREG_COUNT:-1000000}
PORT_BASE=${PORT_BASE:-25060}
res=${BENCH_RESULTS:-$top/build/bench-proxy-results}/$(date +%Y%m%d-%H%M%S)
ports=(-P "$PORT_BASE" -U $((PORT_BASE + 20)) -C $((PORT_BASE + 10)))
pboxd=(-n nutss-pboxd -- "$top/bench/pboxd-harness.sh" "$B" @PORT@ @UAS_PORT@ @TRANSPORT@ @AUTH@
	@RUNDIR@ @USER@ @PASS@)
CLK_TCK=$(getconf CLK_TCK)

die() { echo "bench-proxy: $*" >&2; exit 1; }
[ -x "$harness/run-proxy-bench.sh" ] || die "no harness at $harness (set NUTSS_SHARED)"
for f in nutss nutss-pboxd bench/flood bench/bench_memreg bench/memreg_fill bench/null_relay; do
	[ -x "$B/$f" ] || die "$B/$f not built (make bench-proxy builds it)"
done
command -v sipp >/dev/null || die "sipp not found (scripts/install-deps.sh bench)"
# another run on the same ports would mix its calls with ours (and the
# harness only warns): refuse to start instead
for p in "$PORT_BASE" $((PORT_BASE + 10)) $((PORT_BASE + 20)); do
	ss -Htuan "( sport = :$p )" 2>/dev/null | grep -q . &&
		die "port $p is in use (another bench-proxy? set PORT_BASE)"
done
mkdir -p "$res" || die "cannot create $res"
echo "bench-proxy: results in $res"

# harness NAME ARGS...: one harness run into $res/NAME; its log in $res/NAME.log
harness() {
	local name=$1
	shift
	# the previous run's proxy may still be letting go of the port (Kamailio
	# takes a while): a new one would fail to start, and the calls would go
	# to the old one
	for _ in $(seq 30); do
		[ -z "$(ss -Hlnut "( sport = :25060 or sport = :25080 or sport = :25070 )" 2>/dev/null)" ] &&
			break
		sleep 0.5
	done
	"$harness/run-proxy-bench.sh" "${ports[@]}" -o "$res/$name" "$@" >"$res/$name.log" 2>&1
}

# stepdir NAME: the (only) step directory of a fixed-rate run
stepdir() { ls -d "$res/$1"/[0-9]* 2>/dev/null | head -1; }

# us_per_call NAME: proxy CPU (utime+stime over the generation window) per completed call
us_per_call() {
	local d
	d=$(stepdir "$1")
	# only a passing step counts: a failed one may not even have had our proxy up
	[ -n "$d" ] && [ -f "$d/cpu.txt" ] && [ "$(field "$1" verdict)" = PASS ] ||
		{ echo nan; return; }
	awk -v tck="$CLK_TCK" -v done_cps="$(field "$1" done_cps)" '
		/^window/ { split($2, a, "\\.\\."); w = a[2] - a[1] }
		/^proxy_ticks/ { t = $3 - $2 }
		END { if (w > 0 && done_cps > 0) printf "%.1f", t / tck / (w * done_cps) * 1e6; else print "nan" }' \
		"$d/cpu.txt"
}

# field NAME COLUMN: a column of the run's (single) row in steps.tsv
field() {
	awk -F'\t' -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
		c { v = $c } END { print v }' "$res/$1/steps.tsv" 2>/dev/null
}

# max_cps NAME: the harness's verdict line
max_cps() { sed -n 's/.*: max_cps=\([0-9]*\).*/\1/p' "$res/$1.log" | tail -1; }

# first_fail NAME: why the ramp's first failed step failed (the harness's failures column)
first_fail() {
	awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "verdict") v = i; if ($i == "failures") f = i }; next }
		v && $v == "FAIL" && !done { print $1 " calls/s: " $f; done = 1 }
		END { if (!done) print "none" }' "$res/$1/steps.tsv" 2>/dev/null
}

median() { tr ' ' '\n' | grep -v '^$' | grep -v nan | sort -g | awk '{ v[NR] = $1 } END {
	if (!NR) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a == a + 0) printf "%.2f", a / b; else print "nan" }'; }

# auth_pct AUTH_US NOAUTH_US: what auth adds per message received. A call
# without auth: INVITE, 180, 200, ACK, BYE, 200 reach the proxy (6); with
# auth the first INVITE and the ACK of its 407 come too (8)
auth_pct() { awk -v a="$1" -v n="$2" 'BEGIN {
	if (n > 0 && a == a + 0) printf "%.1f", ((a / 8) / (n / 6) - 1) * 100; else print "nan" }'; }

# Every ratio is the median of the per-repeat ratios: the runs of a repeat
# are minutes apart at most, and pairing them takes out the machine's drift
# between repeats (Kamailio's own median moved 164-206 us over one day).

# in_turn I A B...: run A B... in this order for an odd repeat I, in the
# reverse order for an even one, so that a drift of the machine over the
# minutes of a repeat falls on both sides of each pair alike
in_turn() {
	local i=$1 k
	shift
	local runs=("$@")
	if ((i % 2)); then
		for k in "${runs[@]}"; do "$k" "$i"; done
	else
		for ((k = ${#runs[@]} - 1; k >= 0; k--)); do "${runs[k]}" "$i"; done
	fi
}

# 1. UDP, RATE calls/s: Kamailio, pboxd, pboxd with digest auth and the null
#    relay (what the kernel alone costs a proxy per call: bench/null_relay.c),
#    in turn within each repeat, each pair of a ratio next to each other (auth
#    once ran as a block after the rest, and its figure moved with whatever
#    the machine did then)
kam_run() { harness "kam-udp-$1" -t udp -r "$RATE" -d "$DUR"; }
pboxd_run() { harness "pboxd-udp-$1" -t udp -r "$RATE" -d "$DUR" "${pboxd[@]}"; }
auth_run() { harness "pboxd-udp-auth-$1" -t udp -a on -r "$RATE" -d "$DUR" "${pboxd[@]}"; }
null_run() {
	harness "null-udp-$1" -t udp -r "$RATE" -d "$DUR" -n null_relay -- "$B/bench/null_relay" \
		@PORT@ @UAS_PORT@
}
kam_us="" pb_us="" null_us="" auth_us="" cpu_ratios="" auth_costs=""
for i in $(seq "$REPEATS"); do
	echo "bench-proxy: UDP $RATE calls/s (Kamailio, pboxd, pboxd with auth, null relay), repeat $i/$REPEATS"
	in_turn "$i" kam_run pboxd_run auth_run null_run
	kam_us+=" $(us_per_call "kam-udp-$i")"
	pb_us+=" $(us_per_call "pboxd-udp-$i")"
	null_us+=" $(us_per_call "null-udp-$i")"
	auth_us+=" $(us_per_call "pboxd-udp-auth-$i")"
	cpu_ratios+=" $(ratio "$(us_per_call "kam-udp-$i")" "$(us_per_call "pboxd-udp-$i")")"
	auth_costs+=" $(auth_pct "$(us_per_call "pboxd-udp-auth-$i")" "$(us_per_call "pboxd-udp-$i")")"
done
kam_med=$(echo "$kam_us" | median)
pb_med=$(echo "$pb_us" | median)
null_med=$(echo "$null_us" | median)
cpu_ratio=$(echo "$cpu_ratios" | median)

# 2. what digest auth costs pboxd per received SIP message
auth_med=$(echo "$auth_us" | median)
auth_cost=$(echo "$auth_costs" | median)

# 3. the highest rate each reaches, as far as the generator allows
echo "bench-proxy: ramps for the maximum call rate"
harness kam-udp-max -t udp -r "2000 3000 4000 5000" -d "$DUR" --stop-after 1 --refine 1 --resolution 250
harness pboxd-udp-max -t udp -r "3000 4500 6000 7500 9000" -d "$DUR" --stop-after 1 --refine 1 \
	--resolution 250 "${pboxd[@]}"
harness pboxd-udp-auth-max -t udp -a on -r "3000 4500 6000 7500 9000" -d "$DUR" --stop-after 1 \
	--refine 1 --resolution 250 "${pboxd[@]}"
kam_max=$(max_cps kam-udp-max)
pb_max=$(max_cps pboxd-udp-max)
pb_auth_max=$(max_cps pboxd-udp-auth-max)
max_drop=$(awk -v a="$pb_auth_max" -v n="$pb_max" 'BEGIN {
	if (n > 0) printf "%.1f", (1 - a / n) * 100; else print "nan" }')
# a ramp step lasts DUR; state that lives 32 s (RFC 3261 timers) fills up
# only in a longer run, so one run of SUSTAIN_DUR at SUSTAIN_RATE
echo "bench-proxy: UDP $SUSTAIN_RATE calls/s for $SUSTAIN_DUR s"
harness pboxd-udp-sustain -t udp -r "$SUSTAIN_RATE" -d "$SUSTAIN_DUR" "${pboxd[@]}"
sus_calls=$(field pboxd-udp-sustain calls)
sus_verdict=$(field pboxd-udp-sustain verdict)
sus_fail=$(field pboxd-udp-sustain fail) sus_unfin=$(field pboxd-udp-sustain unfin)
[ -n "$sus_fail" ] && [ -n "$sus_unfin" ] && sus_fail=$((sus_fail + sus_unfin))

# 4. TCP, a new connection per call, against UDP at the same rate (both in a
#    namespace with TIME-WAIT capped, so SIPp's bind() is not what is measured)
tcp_run() { harness "pboxd-tcp-$1" --netns --tw-buckets 1000 -t tcp -r "$TCP_RATE" -d "$DUR" "${pboxd[@]}"; }
udpn_run() { harness "pboxd-udpn-$1" --netns --tw-buckets 1000 -t udp -r "$TCP_RATE" -d "$DUR" "${pboxd[@]}"; }
tcp_us="" udpn_us="" tcp_fail=0 tcp_ratios=""
for i in $(seq "$REPEATS"); do
	echo "bench-proxy: TCP $TCP_RATE calls/s (new connection per call), repeat $i/$REPEATS"
	in_turn "$i" tcp_run udpn_run
	tcp_us+=" $(us_per_call "pboxd-tcp-$i")"
	udpn_us+=" $(us_per_call "pboxd-udpn-$i")"
	tcp_ratios+=" $(ratio "$(us_per_call "pboxd-tcp-$i")" "$(us_per_call "pboxd-udpn-$i")")"
	tcp_fail=$((tcp_fail + $(field "pboxd-tcp-$i" fail) + $(field "pboxd-tcp-$i" unfin)))
done
tcp_med=$(echo "$tcp_us" | median)
udpn_med=$(echo "$udpn_us" | median)
tcp_cpu=$(echo "$tcp_ratios" | median)
harness pboxd-tcp-max --netns --tw-buckets 1000 -t tcp -r "1000 1500 2000 2500 3000 3500 4000" -d "$DUR" \
	--stop-after 1 --fail-pct 0.001 "${pboxd[@]}"
tcp_max=$(max_cps pboxd-tcp-max)

# 5. paper 1 4.3: FLOOD_RATE valid calls/s (with auth) with and without a flood
base_gp="" flood_gp="" flood_rates=""
for i in $(seq "$REPEATS"); do
	echo "bench-proxy: $FLOOD_RATE calls/s with auth, without and with a flood, repeat $i/$REPEATS"
	harness "pboxd-noflood-$i" -t udp -a on -r "$FLOOD_RATE" -d $((DUR * 2)) "${pboxd[@]}"
	FLOOD_SECONDS=$((DUR * 2 + 2)) harness "pboxd-flood-$i" -t udp -a on -r "$FLOOD_RATE" \
		-d $((DUR * 2)) "${pboxd[@]}"
	base_gp+=" $(field "pboxd-noflood-$i" done_cps)"
	flood_gp+=" $(field "pboxd-flood-$i" done_cps)"
	d=$(stepdir "pboxd-flood-$i")
	flood_rates+=" $(sed -n 's/.*rate=\([0-9]*\).*/\1/p' "$d/proxy-run/flood.out" 2>/dev/null)"
done
base_med=$(echo "$base_gp" | median)
flood_med=$(echo "$flood_gp" | median)
flood_rate=$(echo "$flood_rates" | median)
flood_goodput=$(awk -v f="$flood_med" -v b="$base_med" 'BEGIN {
	if (b > 0) printf "%.1f", f / b * 100; else print "nan" }')

# 6. memory per registration, MEMREG_COUNT loaded: the daemon's resident
#    set with them in its store against an empty store (memreg-daemon.sh),
#    and the location table alone in a process of its own (bench_memreg)
echo "bench-proxy: memory per registration, $MEMREG_COUNT loaded"
"$top/bench/memreg-daemon.sh" "$B" "$MEMREG_COUNT" "$res" >"$res/memreg-daemon.log" 2>&1
mem=$(sed -n 's/^memreg-daemon:.* mem_per_reg=\([0-9]*\)B/\1/p' "$res/memreg-daemon.log")
mem_rss=$(sed -n 's/^memreg-daemon:.*\(rss_empty=.*\) mem_per_reg.*/\1/p' "$res/memreg-daemon.log")
"$B/bench/bench_memreg" "$MEMREG_COUNT" >"$res/memreg.log" 2>&1
mem_table=$(sed -n 's/^mem_per_reg=\([0-9]*\)B/\1/p' "$res/memreg.log")

cat <<EOF

bench-proxy ($(date -u +%FT%TZ), $(nproc) CPUs; medians of $REPEATS, ratios paired per repeat; per-run data in $res)

  figure                                   Kamailio     nutss-pboxd   target
  UDP, no auth: us of proxy CPU per call   $(printf '%-12s %-13s' "$kam_med" "$pb_med") cpu_ratio $cpu_ratio (>= 3)
     per repeat                            $(printf '%-12s %-13s' "$(echo $kam_us | tr ' ' /)" "$(echo $pb_us | tr ' ' /)") cpu_ratio $(echo $cpu_ratios | tr ' ' /)
     null relay (kernel floor), us per call               $null_med ($(echo $null_us | tr ' ' /)); Kamailio / floor $(ratio "$kam_med" "$null_med")
  UDP, digest auth: us per call            -            $(printf '%-13s' "$auth_med") auth_cost ${auth_cost}% per message (<= 5)
     per repeat                            -            $(printf '%-13s' "$(echo $auth_us | tr ' ' /)") auth_cost $(echo $auth_costs | tr ' ' /)%
  max calls/s, UDP, no auth                $(printf '%-12s %-13s' "${kam_max:-?}" "${pb_max:-?}") (generator-bound)
  max calls/s, UDP, auth                   -            $(printf '%-13s' "${pb_auth_max:-?}") drop ${max_drop}% (paper 1: <= 10)
     first failed step, no auth / auth     $(first_fail pboxd-udp-max) / $(first_fail pboxd-udp-auth-max)
     $SUSTAIN_DUR s at $SUSTAIN_RATE calls/s, UDP: failed calls             ${sus_fail:-?} of ${sus_calls:-?} (${sus_verdict:-?})
  TCP new conn/call at $TCP_RATE/s: us per call -            $(printf '%-13s' "$tcp_med") tcp_cpu $tcp_cpu vs UDP $udpn_med (<= 2)
     per repeat, TCP / UDP                              $(echo $tcp_us | tr ' ' /) / $(echo $udpn_us | tr ' ' /): $(echo $tcp_ratios | tr ' ' /)
     failed calls at $TCP_RATE/s; max rate, 0 failures   $tcp_fail; ${tcp_max:-?} calls/s
  goodput of $FLOOD_RATE calls/s (auth)      no flood     $(printf '%-13s' "$base_med") under flood $flood_med
     flood rate reached                    $flood_rate/s -> flood_goodput ${flood_goodput}% (>= 95)
  memory per registration, $MEMREG_COUNT loaded  -      ${mem:-?} B (<= 1024): daemon VmRSS, ${mem_rss:-?}
     location table alone (bench_memreg)                ${mem_table:-?} B
EOF
echo "proxy: cpu_ratio=$cpu_ratio auth_cost=$auth_cost% tcp_cpu=$tcp_cpu flood_goodput=$flood_goodput% flood_rate=$flood_rate/s mem_per_reg=${mem:-nan}B"
