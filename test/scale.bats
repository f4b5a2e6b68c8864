#!/usr/bin/env bats
# scale.bats: tcp-serve holding thousands of clients at once (--epoll
# 10,000, --poll 2,000), and -w dropping exactly the idle ones of a crowd
# whose active clients keep moving to the end of the idle list.

load helpers
load tcp_helpers

SCALE_PY=$ND_TOOLS/scale_clients.py

# need_nofile N: skip unless the hard limit on open files is at least N.
need_nofile() {
	local hard
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] || [ "$hard" -ge "$1" ] ||
	    skip "hard limit on open files (ulimit -Hn) is $hard, below $1"
}

# need_ports N: skip unless the ephemeral port range holds N ports.
need_ports() {
	local lo hi
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
	[ $((hi - lo + 1)) -ge "$1" ] ||
	    skip "ephemeral port range $lo-$hi holds fewer than $1 ports"
}

# json_is KEY VALUE: the object in $output has KEY equal to VALUE.
json_is() {
	local got
	got=$(jq -r ".$1" <<<"$output")
	[ "$got" = "$2" ] && return 0
	echo "$1: $got, want $2" >&2
	return 1
}

# summary_is N PEAK BYTES: the server's --stats line, in $SERVER_ERR.
summary_is() {
	local b="$3 bytes( \\([0-9.]+ [kMG]B\\))?"
	grep -qxE "netdemo: tcp-serve: summary: $1 clients served, peak $2 at once, $b in, $b out" \
	    "$SERVER_ERR" && return 0
	echo "no summary of $1 clients, peak $2, $3 bytes each way in:" >&2
	tail -n 5 "$SERVER_ERR" >&2
	return 1
}

# --- thousands of clients at once ----------------------------------------

# scale_echo N NOFILE ARGS...: tcp-serve ARGS under ulimit -n NOFILE; N
# clients connect and stay, then each sends a line and reads its echo;
# every one gets it, none is turned away, and the summary after SIGTERM
# says N served, peak N at once.
scale_echo() {
	local n=$1 nofile=$2 bytes st=0 t0 t1
	shift 2
	need_nofile "$nofile"
	need_ports $((n + 1000))
	start_limited "$nofile" tcp-serve -q --stats --backlog 4096 "$@"
	t0=$(date +%s%N)
	run --separate-stderr timeout -k 2 90 "$PYTHON" "$SCALE_PY" echo \
	    127.0.0.1 "$PORT" "$n" 60
	t1=$(date +%s%N)
	echo "$output" >&2
	echo "$stderr" >&2
	echo "clients: $(((t1 - t0) / 1000000)) ms" >&2
	[ "$status" -eq 0 ]
	json_is connected "$n"
	json_is echoed "$n"
	json_is closed 0
	json_is silent 0
	json_is wrong 0
	bytes=$(jq -r .bytes <<<"$output")
	# All gone: only the server's own descriptors are left.
	wait_fds "$SERVER_PID" 12 100
	stop_pid "$SERVER_PID" TERM || st=$?
	[ "$st" -eq 0 ]
	summary_is "$n" "$n" "$bytes"
	run ! grep -E 'turned away|Too many open files' "$SERVER_ERR"
}

@test "--epoll, ulimit -n 12000: 10,000 clients at once, each gets its echo, peak 10000" {
	scale_echo 10000 12000 --epoll
}

@test "--poll, ulimit -n 4096: 2,000 clients at once, each gets its echo, peak 2000" {
	scale_echo 2000 4096 --poll
}

# --- -w with many clients --------------------------------------------------

# idle_crowd ARGS...: tcp-serve -w 1 ARGS, 200 clients connected active,
# silent, active, silent...; for 2.5 s the 100 active ones send a byte
# every 0.3 s, the 100 silent ones nothing.  The oldest client is an
# active one, so the idle list must be kept by last activity for the
# silent ones behind it to be found.  Exactly the silent ones are dropped,
# each after 1 s (not before), one line each; the active ones all get
# their echo to the end.
idle_crowd() {
	local bytes st=0 min
	start_server tcp-serve -q --stats -w 1 "$@"
	run --separate-stderr timeout -k 2 60 "$PYTHON" "$SCALE_PY" idle \
	    127.0.0.1 "$PORT" 100 100 0.3 2.5
	jq -c 'del(.silent_ports, .active_ports)' <<<"$output" >&2
	echo "$stderr" >&2
	[ "$status" -eq 0 ]
	json_is active 100
	json_is silent 100
	json_is silent_dropped 100
	json_is active_dropped 0
	json_is active_echoed 100
	json_is wrong 0
	min=$(jq -r .drop_s_min <<<"$output")
	awk -v t="$min" 'BEGIN { exit !(t >= 0.95) }'
	# The server's side: one line per silent client, and no other.
	[ "$(grep -c ': idle for 1 s: dropped$' "$SERVER_ERR")" -eq 100 ]
	diff <(jq -r '.silent_ports[]' <<<"$output") \
	    <(sed -n 's/^netdemo: tcp-serve: 127\.0\.0\.1:\([0-9]*\): idle for 1 s: dropped$/\1/p' \
	    "$SERVER_ERR" | sort -n)
	bytes=$(jq -r .bytes <<<"$output")
	wait_fds "$SERVER_PID" 12
	stop_pid "$SERVER_PID" TERM || st=$?
	[ "$st" -eq 0 ]
	summary_is 200 200 "$bytes"
}

@test "--epoll -w 1, 200 clients: exactly the 100 silent ones are dropped, the 100 active ones echoed" {
	idle_crowd --epoll
}

@test "--poll -w 1, 200 clients: exactly the 100 silent ones are dropped, the 100 active ones echoed" {
	idle_crowd --poll
}
