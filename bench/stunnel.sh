# SPDX-License-Identifier: MIT
# stunnel4 doing what two nutss agents do, for the benchmarks that compare
# them (sourced by bench-shim.sh and bench-tls-stunnel.sh, not run):
#
#   plain ─▶ 127.0.0.1:IN  stunnel client ══TLS 1.3══▶ 127.0.0.1:MID  stunnel server ─▶ 127.0.0.1:OUT
#
# TLS 1.3 with TLS_AES_128_GCM_SHA256 (the agents' own first choice), one
# throwaway self-signed P-256 certificate, the peer verified against it.

# stunnel_pair DIR LOG IN MID OUT: both started, listening; stunnel_client
# and stunnel_server their PIDs (also added to pids). 0, or 1 saying why.
stunnel_pair() {
	local dir=$1 log=$2 in=$3 mid=$4 out=$5 common
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=nutss \
		-days 1 -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null ||
		{ echo "openssl req failed" >&2; return 1; }
	common="foreground = yes
pid =
debug = 3
output = $log
cert = $dir/cert.pem
key = $dir/key.pem
CAfile = $dir/cert.pem
verifyPeer = yes
sslVersionMin = TLSv1.3
sslVersionMax = TLSv1.3
ciphersuites = TLS_AES_128_GCM_SHA256"
	printf '%s\n[c]\nclient = yes\naccept = 127.0.0.1:%s\nconnect = 127.0.0.1:%s\n' "$common" "$in" "$mid" \
		>"$dir/stunnel-client.conf"
	printf '%s\n[s]\naccept = 127.0.0.1:%s\nconnect = 127.0.0.1:%s\n' "$common" "$mid" "$out" \
		>"$dir/stunnel-server.conf"
	stunnel4 "$dir/stunnel-client.conf" &
	stunnel_client=$!
	pids+=("$stunnel_client")
	stunnel4 "$dir/stunnel-server.conf" &
	stunnel_server=$!
	pids+=("$stunnel_server")
	for _ in $(seq 50); do
		ss -ltn | grep -q "127.0.0.1:$in " && ss -ltn | grep -q "127.0.0.1:$mid " && return 0
		sleep 0.1
	done
	echo "stunnel did not start: $(tail -3 "$log")" >&2
	return 1
}
