#!/bin/bash
# SPDX-License-Identifier: MIT
# nutss-pboxd as the shared harness's proxy (../shared/bench-harness): the
# harness substitutes @PORT@ @UAS_PORT@ @TRANSPORT@ @AUTH@ @RUNDIR@ @USER@ @PASS@.
#
#   pboxd-harness.sh BUILD PORT UAS_PORT TRANSPORT AUTH RUNDIR USER PASS
#
# Domain 127.0.0.1, so the harness's caller (sipp@127.0.0.1) is one of our
# users, challenged when AUTH=1 (MD5: all SIPp does); service@127.0.0.1 is a
# static binding to the UAS over TRANSPORT, so calls are routed by a location
# lookup with or without auth alike. With FLOOD_SECONDS set, bench/flood
# floods the daemon from FLOOD_SOCKETS (4) other sockets once it is up, at
# most FLOOD_CAP datagrams/s (0: as fast as it can) (bench-proxy.sh).
# Runs in the foreground; SIGTERM stops the daemon (and the flood).
set -u
B=$1 port=$2 uas=$3 transport=$4 auth=$5 rundir=$6 user=$7 pass=$8
data=$rundir/data
mkdir -p "$data" && chmod 755 "$rundir" "$data" || exit 1
uri="sip:service@127.0.0.1:$uas"
[ "$transport" = tcp ] && uri="$uri;transport=tcp"
echo "$pass" | "$B/nutss" --data-dir "$data" user add "$user@127.0.0.1" --password-stdin >/dev/null 2>&1
"$B/nutss" --data-dir "$data" reg add service@127.0.0.1 "$uri" --static >/dev/null || exit 1
cat >"$rundir/pboxd.conf" <<CONF
domain = 127.0.0.1
auth = $([ "$auth" = 1 ] && echo on || echo off)
auth_algorithms = MD5
# SIPp 3.6.1 prepends "sip:" to the harness's -auth_uri (bench/README.md)
auth_check_uri = off
# every SIPp call comes from 127.0.0.1, one address standing for thousands of
# clients: the default per-peer cap (64 connections) would be the limit measured
max_tcp_per_peer = 10000
log_level = ${PBOXD_LOG_LEVEL:-warn}
data_dir = $data
CONF
if [ -z "${FLOOD_SECONDS:-}" ]; then
	exec "$B/nutss-pboxd" -c "$rundir/pboxd.conf" --listen "udp:127.0.0.1:$port" \
		--listen "tcp:127.0.0.1:$port"
fi
"$B/nutss-pboxd" -c "$rundir/pboxd.conf" --listen "udp:127.0.0.1:$port" \
	--listen "tcp:127.0.0.1:$port" &
pb=$!
trap 'kill $pb $fl 2>/dev/null; wait $pb; exit 0' TERM INT
fl=
sleep 1
"$B/bench/flood" 127.0.0.1 "$port" "$FLOOD_SECONDS" 127.0.0.1 "${FLOOD_SOCKETS:-4}" "${FLOOD_CAP:-0}" \
	>"$rundir/flood.out" 2>&1 &
fl=$!
wait $pb
