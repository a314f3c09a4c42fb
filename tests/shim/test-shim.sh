#!/bin/bash
# SPDX-License-Identifier: MIT
# Unmodified programs on names under `nutss run` (issue 18), on loopback:
#
#   bob: nutss run -- curl, socat, nc, ssh,        alice: nutss run --serve PORT=app=A --
#        python3 asyncio, tests/shim/edge               python3 -m http.server, socat,
#     shim ─▶ agent ──INVITE──▶ nutss-pboxd ──INVITE──▶ agent ◀─ shim   sshd, edge serve
#     program's socket ────── TCP, 127.0.0.1 / ::1 ──────▶ program's socket
#                   (agent ══ TLS ══ agent when the policy says require(ssl))
#
# Every program twice: app A in the clear and app secA under require(ssl),
# and a packet socket on lo checks that a marker crosses in the clear only in
# the first case. Then a 50 MB download each way, a denied flow, a P-Box
# that does not answer, the programs nutss run refuses, the resolver checker
# (resolve_check) and the socket hooks' edge cases (edge). Every process is
# stopped by PID; every wait is bounded; every session's agent must end.
# Needs root (the namespace, the packet socket, sshd); what it needs installed is in
# scripts/install-deps.sh's test list, and a missing program fails its checks.
# Usage: tests/shim/test-shim.sh [BUILD_DIR]   (default build/asan)
set -u
B=${1:-build/asan}
top=$(cd "$(dirname "$0")/../.." && pwd)
# As root, in a network namespace of our own: nothing else's loopback traffic
# reaches the packet socket, and no port we pick is anyone else's.
if [ "$(id -u)" = 0 ] && [ -z "${SHIM_NETNS:-}" ] && command -v unshare >/dev/null; then
	SHIM_NETNS=1 exec unshare -n -- "$0" "$@"
fi
[ -n "${SHIM_NETNS:-}" ] && ip link set lo up
case $B in /*) ;; *) B=$top/$B ;; esac
pboxd=$B/nutss-pboxd
nutss=$B/nutss
edge=$B/tests/shim/edge
tmp=$(mktemp -d)
chmod 755 "$tmp"
. "$top/tests/pbox/lib.sh"
t_start=$(date +%s)

cleanup() {
	local keep=${KEEP:-}

	KEEP=1 pbox_cleanup >/dev/null # our children, by PID; $tmp stays for now
	# the agents are not our children: each ends once its program has, removing its directory
	for _ in $(seq 50); do [ -z "$(ls "$tmp/run" 2>/dev/null)" ] && break; sleep 0.2; done
	for p in $(agents); do kill "$p" 2>/dev/null; done
	if [ -n "$keep" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# The PIDs of the agents still listening in this test's sessions.
agents() {
	ss -xlpn 2>/dev/null | grep -F "$tmp/run/" | sed -n 's/.*pid=\([0-9]*\),.*/\1/p' | sort -u
}

# counts LABEL OUT STATUS: a checker's PASS/FAIL lines into ours, LABEL in front; a
# checker that ended badly (STATUS) without saying what failed fails once more
counts() {
	sed -n "s/^\(PASS\|FAIL\) /\1 $1: /p" "$2"
	pass=$((pass + $(grep -c '^PASS' "$2")))
	fail=$((fail + $(grep -c '^FAIL' "$2")))
	grep -q '^FAIL' "$2" && return
	[ "$3" = 0 ] && grep -q '^PASS' "$2" || ko "$1: exit $3 after $(grep -c '^PASS' "$2") check(s)"
}

fin() {
	echo "$pass passed, $fail failed ($(($(date +%s) - t_start)) s)"
	[ "$fail" = 0 ]
	exit
}

[ -x "$pboxd" ] && [ -x "$nutss" ] && [ -x "$edge" ] && [ -x "$B/tests/shim/resolve_check" ] ||
	{ ko "binaries missing in $B (make MODE=asan check-build)"; fin; }
missing=
for p in curl socat nc.openbsd ssh ssh-keygen sshd unshare python3 cc objcopy sha256sum ss; do
	command -v "$p" >/dev/null || [ -x "/usr/sbin/$p" ] || missing="$missing $p"
done
[ -z "$missing" ] && ok "every program the test runs is installed" ||
	ko "not installed:$missing (scripts/install-deps.sh test installs them)"
have() { case " $missing " in *" $1 "*) ko "$2: $1 is not installed"; return 1 ;; esac; }
root=0
[ "$(id -u)" = 0 ] && root=1 || ko "not root: the packet socket and sshd need it"

# --- the P-Box, its users, the policy: sec* encrypted, closed denied ---
data=$tmp/data
for u in alice bob; do
	echo "$u-pw" | "$nutss" --data-dir "$data" user add "$u@example.com" --password-stdin >/dev/null
	echo "$u-pw" >"$tmp/$u.pw"
	chmod 600 "$tmp/$u.pw"
done
"$nutss" --data-dir "$data" key new example.com >/dev/null
cat >"$tmp/domain.pol" <<'POL'
if (to.app LIKE sec*)
	require(ssl)
end
if (to.app IS closed)
	deny("closed is closed")
end
accept()
POL
printf 'policy = %s\nauth_algorithms = MD5\nlog_level = debug\n' "$tmp/domain.pol" >"$tmp/pboxd.conf"
P=$(free_port)
pbox_start "$tmp/pboxd.log" "$P" -c "$tmp/pboxd.conf" --domain example.com --data-dir "$data" ||
	{ ko "pboxd start"; fin; }
mkdir -m 700 "$tmp/run"

# N distinct TCP ports nobody uses on 127.0.0.1 or ::1 right now.
tcp_ports() {
	python3 -c 'import socket, sys
held, ports = [], []
while len(ports) < int(sys.argv[1]):
	s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
	try:
		t = socket.socket(socket.AF_INET6); t.bind(("::1", p))
	except OSError:
		continue
	held += [s, t]
	ports.append(p)
print(*ports)' "$1"
}
# as USER: the environment of USER's sessions (session directories in $tmp/run)
as() {
	echo "NUTSS_USER=$1@example.com NUTSS_PASSWORD_FILE=$tmp/$1.pw NUTSS_PBOX=udp:127.0.0.1:$P NUTSS_TIMEOUT_MS=5000 XDG_RUNTIME_DIR=$tmp/run"
}
# bob ARGS...: nutss run ARGS as bob, bounded
bob() { env $(as bob) timeout 60 "$nutss" run "$@"; }
# serve LOG PORT=ATTRS... -- CMD...: alice's server (nutss run --serve PORT=ATTRS...,
# after "${wrap[@]}" when set), waited for (bounded) until its agent registered each port
wrap=()
serve() {
	local log=$1 args=() ports=()
	shift
	while [ "$1" != -- ]; do args+=(--serve "$1"); ports+=("${1%%=*}"); shift; done
	shift
	env $(as alice) "${wrap[@]}" "$nutss" run --log-level info "${args[@]}" -- "$@" >"$log" 2>&1 </dev/null &
	pids+=($!)
	for _ in $(seq 100); do
		local all=1
		for p in "${ports[@]}"; do grep -q "registered (port $p)" "$log" 2>/dev/null || all=0; done
		[ $all = 1 ] && return 0
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	cat "$log"
	return 1
}
name() { echo "$1.server.alice.example.com.nutss"; }

# --- the servers ---
read -r W WS X XS E ES D SP SPS <<<"$(tcp_ports 9)"
mkdir "$tmp/www"
marker="nutss-plaintext-marker-$$-$RANDOM"
echo "$marker-http" >"$tmp/www/m.txt"
serve "$tmp/web.log" "$W=app=web" -- python3 -m http.server -d "$tmp/www" -b 127.0.0.1 "$W" &&
	ok "python3 -m http.server serves web" || ko "http.server (web) start"
serve "$tmp/secweb.log" "$WS=app=secweb" -- python3 -m http.server -d "$tmp/www" -b 127.0.0.1 "$WS" &&
	ok "python3 -m http.server serves secweb" || ko "http.server (secweb) start"
if have socat "socat server"; then
	serve "$tmp/sock.log" "$X=app=sock" -- socat "TCP-LISTEN:$X,fork,reuseaddr,bind=127.0.0.1" EXEC:cat &&
		ok "socat TCP-LISTEN,fork EXEC:cat serves sock" || ko "socat (sock) start"
	serve "$tmp/secsock.log" "$XS=app=secsock" -- socat "TCP-LISTEN:$XS,fork,reuseaddr,bind=127.0.0.1" EXEC:cat &&
		ok "socat TCP-LISTEN,fork EXEC:cat serves secsock" || ko "socat (secsock) start"
fi
serve "$tmp/echo.log" "$E=app=echo" "$ES=app=sececho" "$D=app=closed" -- "$edge" serve "$tmp/echo.events" "$E" "$ES" "$D" &&
	ok "edge serve: one program serving echo, sececho and closed" || ko "edge serve start"
# sshd -D in a mount namespace of its own, where /run/sshd (its privilege
# separation directory) is a fresh tmpfs: nothing of the host's changes
if [ $root = 1 ] && have sshd "sshd" && have ssh-keygen "sshd"; then
	mkdir -m 700 "$tmp/ssh"
	ssh-keygen -q -t ed25519 -N '' -f "$tmp/ssh/host"
	ssh-keygen -q -t ed25519 -N '' -f "$tmp/ssh/id"
	cp "$tmp/ssh/id.pub" "$tmp/ssh/authorized_keys"
	cat >"$tmp/ssh/sshd_config" <<EOF
HostKey $tmp/ssh/host
AuthorizedKeysFile $tmp/ssh/authorized_keys
StrictModes no
UsePAM no
PidFile none
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
ListenAddress 127.0.0.1
ListenAddress ::1
LogLevel VERBOSE
EOF
	sshd=$(command -v sshd || echo /usr/sbin/sshd)
	wrap=(unshare -m --propagation private sh -c
		'mount -t tmpfs -o mode=755 tmpfs /run && mkdir -m 755 /run/sshd && exec "$@"' sh)
	for s in "ssh $SP" "secssh $SPS"; do
		set -- $s
		serve "$tmp/$1.log" "$2=app=$1" -- "$sshd" -D -e -f "$tmp/ssh/sshd_config" -p "$2" &&
			ok "sshd -D under nutss run serves $1 (not refused)" || ko "sshd ($1) start"
	done
	wrap=()
fi

# --- each program in the clear and encrypted, a packet socket on lo watching ---
tls_in() { # FILE: holds a TLS 1.2+ application-data record header
	python3 -c 'import sys; sys.exit(0 if b"\x17\x03\x03" in open(sys.argv[1], "rb").read() else 1)' "$1"
}
sniffing=0
if [ $root = 1 ]; then
	mkdir "$tmp/cap"
	python3 "$top/tests/shim/sniff.py" "$tmp/cap" 60 "$W" "$WS" "$X" "$XS" "$E" "$ES" "$SP" "$SPS" \
		>"$tmp/sniff.out" 2>&1 &
	sniff_pid=$!
	pids+=("$sniff_pid")
	for _ in $(seq 50); do grep -q ready "$tmp/sniff.out" && { sniffing=1; break; }; sleep 0.1; done
	[ $sniffing = 1 ] || { ko "packet socket on lo"; cat "$tmp/sniff.out"; }
fi
# curl <-> python3 -m http.server, IPv4 and IPv6 names
for a in "web $W" "secweb $WS"; do
	set -- $a
	for v in 4 6; do
		got=$(bob curl -"$v" -sS --max-time 20 "http://$(name "$1"):$2/m.txt" 2>"$tmp/curl-$1-$v.err")
		[ "$got" = "$marker-http" ] && ok "curl -$v http://$(name "$1"):$2/: the page" ||
			{ ko "curl -$v $1: '$got'"; cat "$tmp/curl-$1-$v.err"; }
	done
done
# socat client <-> socat server (TCP: and TCP6:)
if have socat "socat client"; then
	for a in "sock $X" "secsock $XS"; do
		set -- $a
		for t in TCP TCP6; do
			got=$(echo "$marker-socat" | bob socat -t 5 - "$t:$(name "$1"):$2" 2>"$tmp/socat-$1-$t.err")
			[ "$got" = "$marker-socat" ] && ok "socat - $t:$(name "$1") <-> socat TCP-LISTEN EXEC:cat" ||
				{ ko "socat $t $1: '$got'"; cat "$tmp/socat-$1-$t.err"; }
		done
	done
fi
# OpenBSD nc and a Python asyncio client (non-blocking connect) <-> edge serve
asyncio_client='import asyncio, sys
async def main(host, port, line):
	r, w = await asyncio.wait_for(asyncio.open_connection(host, int(port)), 10)
	w.write(line.encode() + b"\n")
	await w.drain()
	got = await asyncio.wait_for(r.readline(), 10)
	w.close()
	await w.wait_closed()
	sys.stdout.write(got.decode())
asyncio.run(main(*sys.argv[1:]))'
for a in "echo $E" "sececho $ES"; do
	set -- $a
	if have nc.openbsd "nc"; then
		got=$(echo "$marker-nc" | bob nc.openbsd -N -w 10 "$(name "$1")" "$2" 2>"$tmp/nc-$1.err")
		[ "$got" = "$marker-nc" ] && ok "nc $(name "$1") $2: a line each way" ||
			{ ko "nc $1: '$got'"; cat "$tmp/nc-$1.err"; }
	fi
	got=$(bob python3 -c "$asyncio_client" "$(name "$1")" "$2" "$marker-asyncio" 2>"$tmp/asyncio-$1.err")
	[ "$got" = "$marker-asyncio" ] && ok "python3 asyncio.open_connection($(name "$1")): a line each way" ||
		{ ko "asyncio $1: '$got'"; cat "$tmp/asyncio-$1.err"; }
done
# OpenSSH: ssh to sshd by name
ssh_opts=(-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes
	-o ConnectTimeout=10 -i "$tmp/ssh/id")
if [ $root = 1 ] && have ssh "ssh client"; then
	for a in "ssh $SP" "secssh $SPS"; do
		set -- $a
		got=$(bob ssh "${ssh_opts[@]}" -p "$2" "root@$(name "$1")" echo ok 2>"$tmp/ssh-$1.err")
		[ "$got" = ok ] && ok "ssh -p $2 root@$(name "$1") echo ok" ||
			{ ko "ssh $1: '$got'"; cat "$tmp/ssh-$1.err"; tail -5 "$tmp/$1.log"; }
		# sshd re-execs itself per connection: the shim's table is gone, the agent still knows
		grep -qE "Connection from [0-9a-f.:]+ port [1-9]" "$tmp/$1.log" &&
			ok "sshd ($1), re-exec'd, logs the client's address and port" ||
			ko "sshd ($1) logged: $(grep -m1 'Connection from' "$tmp/$1.log")"
	done
fi
if [ $sniffing = 1 ]; then
	kill "$sniff_pid"
	for _ in $(seq 50); do kill -0 "$sniff_pid" 2>/dev/null || break; sleep 0.1; done
	grep -q "^dropped 0$" "$tmp/sniff.out" && ok "the packet socket dropped nothing" ||
		ko "the packet socket: $(grep dropped "$tmp/sniff.out" || echo "no count")"
	# ssh encrypts by itself: its banner is what crosses in the clear
	for a in "curl $W $WS $marker-http" "socat $X $XS $marker-socat" "nc $E $ES $marker-nc" \
		"asyncio $E $ES $marker-asyncio" "ssh $SP $SPS SSH-2.0-"; do
		read -r what plain enc m <<<"$a"
		grep -qaF -- "$m" "$tmp/cap/$plain.bin" &&
			ok "on the wire, $what in the clear (port $plain): ${m#"$marker"-}" ||
			ko "on the wire, $what in the clear: no '$m' in $(stat -c %s "$tmp/cap/$plain.bin") bytes"
		! grep -qaF -- "$m" "$tmp/cap/$enc.bin" && tls_in "$tmp/cap/$enc.bin" &&
			ok "on the wire, $what under require(ssl) (port $enc): TLS records, no ${m#"$marker"-}" ||
			ko "on the wire, $what under require(ssl): '$m' in clear text, or no TLS record"
	done
fi

# --- 50 MB by curl from http.server, in the clear and encrypted, checksummed ---
head -c 50M /dev/urandom >"$tmp/www/big"
want=$(sha256sum <"$tmp/www/big" | cut -d' ' -f1)
for a in "web $W" "secweb $WS"; do
	set -- $a
	t0=$(date +%s%N)
	bob curl -sS --max-time 60 -o "$tmp/big.$1" "http://$(name "$1"):$2/big" 2>"$tmp/big-$1.err"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ $rc = 0 ] && [ "$(sha256sum <"$tmp/big.$1" | cut -d' ' -f1)" = "$want" ] &&
		ok "curl: 50 MB from $1, sha256 identical ($ms ms)" ||
		{ ko "50 MB from $1 (curl exit $rc)"; cat "$tmp/big-$1.err"; }
	rm -f "$tmp/big.$1"
done
rm -f "$tmp/www/big"

# --- one session, three flows in turn: the P-Box's nextnonce spares all but the first its 407 ---
before=$(grep -c "407 challenge for INVITE" "$tmp/pboxd.log")
got=$(bob sh -c 'for i in 1 2 3; do curl -sS --max-time 20 "$1" || exit 1; done' sh \
	"http://$(name web):$W/m.txt" 2>"$tmp/next.err")
after=$(grep -c "407 challenge for INVITE" "$tmp/pboxd.log")
[ "$got" = "$(printf '%s\n%s\n%s' "$marker-http" "$marker-http" "$marker-http")" ] &&
	[ $((after - before)) = 1 ] &&
	ok "three curls in one session: three flows, one 407 (the next nonce came with each 200)" ||
	{ ko "nextnonce: $((after - before)) challenges for 3 flows ('$got')"; cat "$tmp/next.err"; }

# --- nc -z: 0 for an authorized flow, non-zero for a denied one ---
if have nc.openbsd "nc -z"; then
	for a in "echo $E" "sececho $ES"; do
		set -- $a
		bob nc.openbsd -z -w 10 "$(name "$1")" "$2" 2>"$tmp/ncz-$1.err" &&
			ok "nc -z $(name "$1") $2: exit 0" || { ko "nc -z $1"; cat "$tmp/ncz-$1.err"; }
	done
	bob nc.openbsd -z -w 10 "$(name closed)" "$D" 2>"$tmp/ncz-closed.err"
	rc=$?
	[ $rc != 0 ] && grep -q "Permission denied (policy: closed is closed" "$tmp/ncz-closed.err" &&
		ok "nc -z $(name closed): exit $rc, the policy's reason" || { ko "nc -z closed (exit $rc)"; cat "$tmp/ncz-closed.err"; }
fi

# --- a denied flow: curl's connection error, the shim's line with EACCES and the policy's line ---
bob curl -sS --max-time 20 "http://$(name closed):$D/" >/dev/null 2>"$tmp/deny.err"
rc=$?
[ $rc = 7 ] && grep -q "^nutss: $(name closed): Permission denied (policy: closed is closed at $tmp/domain.pol:5)" "$tmp/deny.err" &&
	ok "a denied flow: curl exit 7, 'Permission denied (policy: closed is closed at domain.pol:5)'" ||
	{ ko "denied flow (curl exit $rc)"; cat "$tmp/deny.err"; }

# --- a P-Box that does not answer: a clear error in bounded time ---
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$tmp/silent.port" &
pids+=($!)
for _ in $(seq 50); do [ -s "$tmp/silent.port" ] && break; sleep 0.1; done
closed_port=$(free_port)
for a in "closed $closed_port" "silent $(cat "$tmp/silent.port")"; do
	set -- $a
	t0=$(date +%s%N)
	env $(as bob) NUTSS_PBOX="udp:127.0.0.1:$2" NUTSS_TIMEOUT_MS=1000 timeout 30 "$nutss" run -- \
		curl -sS --max-time 25 "http://$(name web):$W/m.txt" >/dev/null 2>"$tmp/nopbox-$1.err"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ $rc != 0 ] && [ $rc != 124 ] && [ $ms -lt 8000 ] &&
		grep -q "^nutss: $(name web): Connection timed out (no answer from the P-Box 127.0.0.1:$2 to INVITE)" "$tmp/nopbox-$1.err" &&
		ok "P-Box $1 (NUTSS_TIMEOUT_MS=1000): curl exit $rc in $ms ms, 'no answer from the P-Box'" ||
		{ ko "P-Box $1: curl exit $rc in $ms ms"; cat "$tmp/nopbox-$1.err"; }
done

# --- what nutss run refuses (exit 126) and what it runs ---
mkdir "$tmp/bin"
if have cc "refusals" && have objcopy "refusals"; then
	cc -static -o "$tmp/bin/hello_static" "$top/tests/shim/hello_static.c" 2>"$tmp/cc.err" &&
		cc -o "$tmp/bin/hello" "$top/tests/shim/hello_static.c" 2>>"$tmp/cc.err" &&
		echo "go1.22 fake build info" >"$tmp/bin/buildinfo" &&
		objcopy --add-section .go.buildinfo="$tmp/bin/buildinfo" "$tmp/bin/hello" "$tmp/bin/hello_go" ||
		{ ko "building the refusal cases"; cat "$tmp/cc.err"; }
	cp /bin/true "$tmp/bin/true_setuid"
	chmod u+s "$tmp/bin/true_setuid"
	printf '#!/bin/sh\necho script ran\n' >"$tmp/bin/script"
	chmod +x "$tmp/bin/script"
	for a in "hello_static:is statically linked" "true_setuid:is setuid" "hello_go:is a Go program"; do
		f=${a%%:*} why=${a#*:}
		got=$(bob "$tmp/bin/$f" 2>"$tmp/ref-$f.err")
		rc=$?
		[ $rc = 126 ] && [ -z "$got" ] && grep -q "^nutss run: $tmp/bin/$f $why.*; refused" "$tmp/ref-$f.err" &&
			ok "nutss run refuses $f: exit 126, '$why'" || { ko "refusal of $f (exit $rc)"; cat "$tmp/ref-$f.err"; }
	done
	for f in hello script; do
		got=$(bob "$tmp/bin/$f" 2>"$tmp/ref-$f.err")
		rc=$?
		[ $rc = 0 ] && [ -n "$got" ] && ok "nutss run runs $f: exit 0, '$got'" ||
			{ ko "nutss run $f (exit $rc)"; cat "$tmp/ref-$f.err"; }
	done
fi

# --- the resolver hooks, seen from a program ---
bob "$B/tests/shim/resolve_check" "$(name web)" >"$tmp/resolve.out" 2>"$tmp/resolve.err"
counts "resolve_check" "$tmp/resolve.out" $?

# --- the socket hooks' edge cases, in the clear and encrypted ---
for a in "echo $E" "sececho $ES"; do
	read -r app port <<<"$a"
	for c in nbconnect "-4 peer" "-6 peer" "dup2 events" "fork events" exec threads flags "bye agentlog"; do
		read -r what arg <<<"$c"
		fam=
		case $what in -4 | -6) fam=$what what=$arg arg= ;; esac
		label="$app ${fam:+$fam }$what"
		out=$tmp/edge-${label// /-}
		extra=()
		case $arg in
		events) extra=("$tmp/echo.events") ;; # the server's: open and eof per connection
		agentlog) extra=("$out.err") ;;	      # the agent's, at debug: its BYEs
		esac
		env $(as bob) timeout 60 "$nutss" run --log-level debug -- "$edge" $fam "$what" "$(name "$app")" \
			"$port" "${extra[@]}" >"$out.out" 2>"$out.err" </dev/null
		counts "edge $label" "$out.out" $?
	done
done

# --- the end: every session's agent gone, no sanitizer report ---
for i in "${!pids[@]}"; do
	[ "${pids[$i]}" = "${pids[0]}" ] && continue # the P-Box: last
	kill "${pids[$i]}" 2>/dev/null
done
for _ in $(seq 100); do [ -z "$(ls "$tmp/run")" ] && break; sleep 0.1; done
left=$(ls "$tmp/run")
[ -z "$left" ] && ok "every session's agent ended once its program had (its directory removed)" ||
	{ ko "sessions still there after 10 s: $left (agents: $(agents | tr '\n' ' '))"; }
grep -lE 'AddressSanitizer|runtime error:|LeakSanitizer' "$tmp"/*.log "$tmp"/*.err 2>/dev/null >"$tmp/san" &&
	{ ko "sanitizer report in: $(tr '\n' ' ' <"$tmp/san")"; } || ok "no sanitizer report from an agent, the shim or the P-Box"
fin
