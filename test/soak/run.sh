#!/usr/bin/env bash
# Soak: tcp-serve --poll and --select under 200 clients that send,
# half-close, reset, stall and reconnect; then udp-recv --seq and
# mcast-recv --seq under a flood from several senders.  SOAK_SECONDS (60)
# is the whole budget.  Exit 1 on any mismatch, leak or crash.
set -u
cd "$(dirname "$0")" || exit 1
ND=${NETDEMO:?set NETDEMO to the netdemo binary}
TOTAL=${SOAK_SECONDS:-60}
TCP_SECS=$((TOTAL * 2 / 5))	# each of --poll and --select
UDP_SECS=$((TOTAL / 10 > 2 ? TOTAL / 10 : 2))
tmp=$(mktemp -d)
pids=()
fail=0

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

say() { printf 'soak: %s\n' "$*"; }
bad() { say "FAIL: $*"; fail=1; }

# wait_line FILE REGEX: at most 10 s.
wait_line() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }

soak_tcp() {
	local backend=$1 err=$tmp/tcp$1.err pid port fd0 rss0 fd1 rss1 i out
	(ulimit -n 4096; exec "$ND" tcp-serve "$backend" -q --stats --port 0) \
		2>"$err" &
	pid=$!
	pids+=("$pid")
	wait_line "$err" 'listening on' || { bad "$backend: no listening line"; return; }
	port=$(sed -n 's/.*:\([0-9][0-9]*\)$/\1/p' "$err" | head -n 1)
	fd0=$(fds "$pid")
	rss0=$(rss "$pid")
	say "tcp-serve $backend: 200 clients for $TCP_SECS s (fds $fd0, rss $rss0 kB)"
	out=$( (ulimit -n 4096; python3 tcp_soak.py --port "$port" --clients 200 \
		--seconds "$TCP_SECS") 2>"$tmp/soak$backend.err") ||
		bad "$backend: $out $(tail -n 5 "$tmp/soak$backend.err")"
	say "tcp-serve $backend: $out"
	kill -0 "$pid" 2>/dev/null || { bad "$backend: server died"; return; }
	# Resets and stalls end at their own pace: give the fds a bounded while.
	for ((i = 0; i < 50; i++)); do
		fd1=$(fds "$pid")
		[ "$fd1" -le $((fd0 + 2)) ] && break
		sleep 0.1
	done
	rss1=$(rss "$pid")
	say "tcp-serve $backend: after: fds $fd1, rss $rss1 kB"
	[ "$fd1" -le $((fd0 + 2)) ] || bad "$backend: fds $fd0 -> $fd1"
	# Echo buffers are freed once drained; allow allocator slack.
	[ "$rss1" -le $((rss0 + 16384)) ] || bad "$backend: rss $rss0 -> $rss1 kB"
	out=$("$ND" tcp-connect -p "$port" -m 'still here' -w 5)
	[ "$out" = 'still here' ] || bad "$backend: no echo after the soak"
	kill -TERM "$pid"
	wait "$pid" || bad "$backend: exit status $?"
}

soak_dgram() {
	local mode=$1 err=$tmp/$1.err out=$tmp/$1.out pid port s spids=() extra=()
	[ "$mode" = mcast-recv ] && extra=(-g 239.255.0.1 -I 127.0.0.1)
	# -w 1: it drains its queue and stops one second after the senders.
	"$ND" "$mode" "${extra[@]}" --seq -q --stats -f json -w 1 --port 0 \
		>"$out" 2>"$err" &
	pid=$!
	pids+=("$pid")
	wait_line "$err" 'listening on' || { bad "$mode: no listening line"; return; }
	port=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$err" | head -n 1)
	say "$mode: 4 senders flat out for $UDP_SECS s"
	for s in 1 2 3 4; do
		if [ "$mode" = mcast-recv ]; then
			timeout "$UDP_SECS" "$ND" mcast-send -p "$port" -i 0 -q --seq \
				-s $((s * 300)) 2>>"$tmp/senders" &
		else
			timeout "$UDP_SECS" "$ND" udp-send -p "$port" -i 0 -q --seq \
				-s $((s * 300)) 2>>"$tmp/senders" &
		fi
		spids+=($!)
	done
	for s in "${spids[@]}"; do
		wait "$s"
	done
	wait "$pid" || bad "$mode: exit status $?"
	python3 - "$out" "$tmp/senders" <<'PY' || bad "$mode: counters do not add up"
import json, re, sys
s = [json.loads(l) for l in open(sys.argv[1]) if '"summary"' in l][-1]
sent = sum(int(m.group(1)) for m in
           re.finditer(r"summary: (\d+) messages", open(sys.argv[2]).read()))
open(sys.argv[2], "w").close()
print("soak:", {k: s[k] for k in ("messages", "senders", "received", "lost", "duplicated", "out_of_order")})
# Each sender is counted against its own sequence: every datagram is a new
# sequence or a duplicate of one, and the counters add up.
assert s["senders"] == 4, s
assert s["messages"] == s["received"] + s["duplicated"], s
assert s["duplicated"] == 0, s
assert all(s[k] >= 0 for k in ("lost", "out_of_order"))
# Received + lost is what was sent, less what was lost after each
# sender's last received datagram: a tail no receiver can know about
# (large when the flood overruns the receiver to the very end).
print("soak: sent", sent, "received + lost", s["received"] + s["lost"])
assert 0 < s["received"] + s["lost"] <= sent
PY
}

soak_tcp --poll
soak_tcp --select
soak_dgram udp-recv
soak_dgram mcast-recv
if [ "$fail" -eq 0 ]; then
	say "passed"
else
	say "failed"
fi
exit "$fail"
