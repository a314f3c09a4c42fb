#!/bin/bash
# SPDX-License-Identifier: MIT
# Unmodified programs on names, narrated (part of `make demo`): curl fetches
# a page from python3's http.server by name, through the P-Box and the
# M-Box of the namespace topology, in the clear and then encrypted because
# the domain's policy says so. Everything made here is removed.
set -u
B=${1:-build/release}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/$B
tmp=$(mktemp -d /tmp/nutss-demo-shim.XXXXXX)
chmod 755 "$tmp"
pin=$tmp/bpf
pids=()
. "$top/tests/net/topo.sh"
cleanup() {
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2>/dev/null
		for _ in $(seq 30); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.1; done
		kill -9 "${pids[i]}" 2>/dev/null
	done
	wait 2>/dev/null
	topo_down
	umount "$pin" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
say() { printf '\n== %s\n' "$*"; }
show() { printf '   $ %s\n' "$*"; }
wait_for() { for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }

if [ "$(id -u)" != 0 ] || ! topo_up 2>/dev/null; then
	echo "(the shim demo needs root for network namespaces and BPF; skipped)"
	exit 0
fi
mkdir -p "$pin" && mount -t bpf bpf "$pin"
data=$tmp/data
for u in alice bob; do
	echo "$u-secret" | "$bin/nutss" --data-dir "$data" user add "$u@example.com" --password-stdin >/dev/null
	echo "$u-secret" >"$tmp/$u.pw"
	chmod 600 "$tmp/$u.pw"
done
"$bin/nutss" --data-dir "$data" key new example.com >/dev/null
cat >"$tmp/domain.pol" <<'POL'
# the secret app must be encrypted (paper 2, Figure 5, line A)
if (to.app IS secret)
	require(ssl)
end
accept()
POL
printf 'policy = %s\n' "$tmp/domain.pol" >"$tmp/pboxd.conf"
ip netns exec ntr "$bin/nutss-pboxd" -c "$tmp/pboxd.conf" --listen udp:10.0.1.1:5060 --domain example.com \
	--data-dir "$data" --workers 1 --log-level debug >"$tmp/pboxd.log" 2>&1 &
pids+=($!)
wait_for "$tmp/pboxd.log" "up:"
printf 'pin_dir = %s\n' "$pin" >"$tmp/mboxd.conf"
ip netns exec ntr "$bin/nutss-mboxd" -c "$tmp/mboxd.conf" --domain example.com --iface r0 \
	--pbox 10.0.1.1:5060 --data-dir "$data" >"$tmp/mboxd.log" 2>&1 &
pids+=($!)
wait_for "$tmp/mboxd.log" "M-Box for example.com up"
as() { echo "NUTSS_USER=$1@example.com NUTSS_PASSWORD_FILE=$tmp/$1.pw NUTSS_PBOX=udp:10.0.1.1:5060"; }

say "18. Unmodified programs. The same topology, P-Box and M-Box; the domain's policy:"
sed 's/^/   /' "$tmp/domain.pol"
mkdir -p "$tmp/www"
echo "a page alice serves by name" >"$tmp/www/index.html"
head -c 4000000 /dev/urandom >"$tmp/www/blob"
echo "   alice runs python3's own web server, unmodified, twice, in the server's namespace:"
show "nutss run --serve 8000=app=web -- python3 -m http.server 8000"
show "nutss run --serve 8443=app=secret -- python3 -m http.server 8443"
for s in 8000=app=web 8443=app=secret; do
	(cd "$tmp/www" && exec ip netns exec nts env $(as alice) "$bin/nutss" run --log-level info \
		--serve "$s" -- python3 -m http.server "${s%%=*}") >"$tmp/srv-${s%%=*}.log" 2>&1 </dev/null &
	pids+=($!)
done
wait_for "$tmp/srv-8000.log" "registered" && wait_for "$tmp/srv-8443.log" "registered"
grep -h "registered" "$tmp"/srv-*.log | sed 's/.*\] /   agent| /'

say "19. bob, in the client's namespace, runs curl, unmodified, on the name (APP.TYPE.USER.DOMAIN.nutss):"
show "nutss run -- curl -s http://web.server.alice.example.com.nutss:8000/"
ip netns exec ntc env $(as bob) timeout 20 "$bin/nutss" run -- curl -s http://web.server.alice.example.com.nutss:8000/ |
	sed 's/^/   curl: /'
show "nutss run -- curl -s -w '%{remote_ip}' -o /dev/null http://web.server.alice.example.com.nutss:8000/blob"
ip netns exec ntc env $(as bob) timeout 20 "$bin/nutss" run -- curl -s -o "$tmp/blob.got" \
	-w '   %{size_download} bytes from %{remote_ip} (the name'"'"'s address in this session)\n' \
	http://web.server.alice.example.com.nutss:8000/blob
cmp -s "$tmp/www/blob" "$tmp/blob.got" && echo "   identical to alice's file"
echo "   curl resolved the name and connected; the shim in it asked the session's agent,"
echo "   which got the flow authorized by the P-Box and admitted by the M-Box, and curl's"
echo "   own socket carried it. Without nutss run, the same server's address gets nothing:"
show "curl -s -m 3 http://10.0.2.2:8000/"
ip netns exec ntc curl -s -m 3 http://10.0.2.2:8000/ >/dev/null
echo "   curl exit $? (timed out: the M-Box dropped it)"

say "20. The secret app: the P-Box added a=enc:ssl to the offer, so the flow runs TLS between"
echo "   the two agents, each side's certificate named by its fingerprint in the signalling;"
echo "   curl and python still read and write plain HTTP. On the router's wire, both fetches:"
for p in 8000:web 8443:secret; do
	ip netns exec ntr python3 "$top/tests/net/sniff.py" r1 "${p%%:*}" 3 "a page alice serves" \
		>"$tmp/sniff-${p%%:*}" &
	sleep 0.3
	ip netns exec ntc env $(as bob) timeout 20 "$bin/nutss" run --log-level info -- \
		curl -s "http://${p#*:}.server.alice.example.com.nutss:${p%%:*}/" 2>"$tmp/curl-${p%%:*}.err" |
		sed "s/^/   curl ${p#*:}: /"
	wait $!
	read -r how n <"$tmp/sniff-${p%%:*}"
	[ "$how" = clear ] && echo "   on the wire: the page in the clear ($n bytes of TCP payload)" ||
		echo "   on the wire: $n bytes of TCP payload, the page nowhere in them"
done
grep -h "TLS" "$tmp/curl-8443.err" | sed 's/.*\] /   agent| /'

say "21. What nutss run refuses, because the shim could not see its connections:"
show "nutss run -- su"
env $(as bob) "$bin/nutss" run -- su 2>&1 | sed 's/^/   /'
if printf 'int main(void){return 0;}\n' | cc -static -x c -o "$tmp/static" - 2>/dev/null; then
	show "nutss run -- ./static"
	env $(as bob) "$bin/nutss" run -- "$tmp/static" 2>&1 | sed "s|$tmp/|./|; s/^/   /"
fi
