#!/bin/sh
# demo.sh: what `make demo` runs.  Each leg starts its servers on loopback
# with --port 0, runs clients against them and shows what came back; the
# script stops everything it started and exits 0 when every leg worked.
#
#   NETDEMO=/abs/path/netdemo sh test/demo.sh
#
# A leg is one function, leg_NAME, called from main at the bottom.
set -u

: "${NETDEMO:?set NETDEMO to the netdemo binary}"
WAIT_TENTHS=50		# wait at most 5 s for a server to be ready

tmp=$(mktemp -d "${TMPDIR:-/tmp}/netdemo-demo.XXXXXX") || exit 1
pids=""			# processes still running, stopped by cleanup

# Runs from the EXIT trap (shellcheck 0.9 thinks it unreachable: SC2317).
# shellcheck disable=SC2317
cleanup() {
	for pid in $pids; do
		stop_pid "$pid"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# say TEXT: one line of narration.
say() {
	printf '%s\n' "$*"
}

# shown LINE: a command line as the reader would type it.
shown() {
	printf '  $ %s\n' "$*"
}

# show [FILE]: FILE (or standard input) indented; a last line without a
# newline gets one.
show() {
	awk '{ print "    " $0 }' "$@"
}

fail() {
	printf 'demo: %s\n' "$*" >&2
	exit 1
}

# wait_for_line FILE PATTERN PID: wait (bounded) for a line of FILE to
# match, while PID runs.
wait_for_line() {
	n=0
	while [ "$n" -lt "$WAIT_TENTHS" ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || break
		sleep 0.1
		n=$((n + 1))
	done
	printf 'demo: no "%s" in %s; it holds:\n' "$2" "$1" >&2
	cat "$1" >&2
	return 1
}

# start_server NAME MODE ARGS...: start netdemo MODE ARGS --port 0 in the
# background (output in $tmp/NAME.out and NAME.err), wait until it listens.
# Sets SERVER_PID and PORT.
start_server() {
	name=$1
	shift
	"$NETDEMO" "$@" --port 0 >"$tmp/$name.out" 2>"$tmp/$name.err" &
	SERVER_PID=$!
	pids="$pids $SERVER_PID"
	wait_for_line "$tmp/$name.err" 'listening on ' "$SERVER_PID" ||
	    fail "$name did not start"
	PORT=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' \
	    "$tmp/$name.err" | head -n 1)
	[ -n "$PORT" ] || fail "no port in $tmp/$name.err"
}

# stop_pid PID: TERM, wait at most 5 s, then KILL.  Returns PID's status.
stop_pid() {
	kill -TERM "$1" 2>/dev/null
	n=0
	while [ "$n" -lt "$WAIT_TENTHS" ] && kill -0 "$1" 2>/dev/null; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -KILL "$1" 2>/dev/null
	forget "$1"
	wait "$1" 2>/dev/null
}

# forget PID: PID has ended; cleanup need not stop it.
forget() {
	left=""
	for p in $pids; do
		[ "$p" = "$1" ] || left="$left $p"
	done
	pids=$left
}

# Three lines, 0.2 s apart: a client that stays connected for a while.
slow_lines() {
	printf 'first line\n'
	sleep 0.2
	printf 'second line\n'
	sleep 0.2
	printf 'third line\n'
}

# The tutorial's TCP exchange: an echo server that serves every client at
# once through select(2), and two clients connected to it at the same time.
leg_tcp() {
	say "== TCP: tcp-serve --select (tcp_server2.py) and two tcp-connect clients"
	start_server tcp tcp-serve --select
	say "The server listens on 127.0.0.1:$PORT (the kernel chose the port)."

	say ""
	say "Client 1 streams its standard input, as tcp_client2.py does: three"
	say "lines, 0.2 s apart, so it stays connected for a while."
	shown "(printf 'first line\\n'; sleep 0.2; ...) |" \
	    "netdemo tcp-connect --port $PORT &"
	slow_lines | "$NETDEMO" tcp-connect --port "$PORT" --timeout 5 \
	    >"$tmp/c1.out" &
	c1=$!
	pids="$pids $c1"
	wait_for_line "$tmp/tcp.out" 'first line' "$SERVER_PID" ||
	    fail "client 1 did not get through"

	say ""
	say "While client 1 is connected, client 2 sends one message, as"
	say "tcp_client1.py does:"
	shown "netdemo tcp-connect --port $PORT -m 'Hello world'"
	"$NETDEMO" tcp-connect --port "$PORT" --timeout 5 -m 'Hello world' \
	    >"$tmp/c2.out" || fail "client 2 failed"
	say "  Client 2 got back:"
	show "$tmp/c2.out"
	printf 'Hello world' | cmp -s - "$tmp/c2.out" ||
	    fail "client 2 did not get its message back"

	wait "$c1" || fail "client 1 failed"
	forget "$c1"
	say "  Client 1, done once its input ended and the server closed, got back:"
	show "$tmp/c1.out"
	printf 'first line\nsecond line\nthird line\n' |
	    cmp -s - "$tmp/c1.out" ||
	    fail "client 1 did not get its input back"

	say ""
	say "Both got back exactly the bytes they sent.  The server printed each"
	say "read on its standard output (format text, one line per read):"
	show "$tmp/tcp.out"
	stop_pid "$SERVER_PID" || fail "tcp-serve exited with status $?"
	say "Stopped with SIGTERM, it wrote a summary on standard error:"
	grep -v 'listening on' "$tmp/tcp.err" | show
}

# The tutorial's UDP pair: a receiver counting with --seq, a sender with a
# short interval instead of one second.
leg_udp() {
	say "== UDP: udp-recv (recv_udp.py) and udp-send (send_udp.py)"
	start_server udp udp-recv --seq --count 3 --timeout 5 --stats
	say "The receiver listens on 127.0.0.1:$PORT."
	shown "netdemo udp-send --port $PORT --seq --count 3 --interval 0.1"
	"$NETDEMO" udp-send --port "$PORT" --seq --count 3 --interval 0.1 \
	    >"$tmp/us.out" || fail "udp-send failed"
	say "  The sender printed what it sent (a --seq header, then the message):"
	show "$tmp/us.out"
	wait "$SERVER_PID" || fail "udp-recv exited with status $?"
	forget "$SERVER_PID"
	say "  The receiver printed the messages and, at --count 3, its summary:"
	show "$tmp/udp.out"
	grep -v 'listening on' "$tmp/udp.err" | show
	printf 'Hello world : 0\nHello world : 1\nHello world : 2\n' |
	    cmp -s - "$tmp/udp.out" || fail "udp-recv did not get all three"
	grep -q ' 3 received, 0 lost' "$tmp/udp.err" ||
	    fail "udp-recv counted loss"
}

# The tutorial's multicast pair: two receivers share a port on one host.
leg_mcast() {
	say "== Multicast: two mcast-recv sharing a port, one mcast-send"
	say "   (recv_udp_multicast.py, send_udp_multicast.py), TTL 1 via 127.0.0.1"
	start_server m1 mcast-recv --count 2 --timeout 5
	"$NETDEMO" mcast-recv --port "$PORT" --count 2 --timeout 5 \
	    >"$tmp/m2.out" 2>"$tmp/m2.err" &
	m2=$!
	pids="$pids $m2"
	wait_for_line "$tmp/m2.err" 'listening on ' "$m2" ||
	    fail "the second receiver did not start"
	say "Both joined 239.255.0.1 on 127.0.0.1 and share port $PORT."
	shown "netdemo mcast-send --port $PORT --count 2 --interval 0.1 -q"
	"$NETDEMO" mcast-send --port "$PORT" --count 2 --interval 0.1 -q ||
	    fail "mcast-send failed"
	wait "$SERVER_PID" || fail "receiver 1 exited with status $?"
	forget "$SERVER_PID"
	wait "$m2" || fail "receiver 2 exited with status $?"
	forget "$m2"
	say "  Receiver 1 got:"
	show "$tmp/m1.out"
	say "  Receiver 2 got:"
	show "$tmp/m2.out"
	cmp -s "$tmp/m1.out" "$tmp/m2.out" ||
	    fail "the receivers got different datagrams"
}

# The calls under the lessons: the blocking server with one client, and a
# multicast join, each with --trace.
leg_trace() {
	say "== --trace: the socket calls of tcp_server1.py, and of a multicast join"
	start_server tr tcp-serve --trace --count 1
	shown "netdemo tcp-connect --port $PORT -m 'Hello world'"
	"$NETDEMO" tcp-connect --port "$PORT" --timeout 5 -m 'Hello world' \
	    >/dev/null || fail "tcp-connect failed"
	wait "$SERVER_PID" || fail "tcp-serve exited with status $?"
	forget "$SERVER_PID"
	say "  The server (netdemo tcp-serve --trace --count 1) made these calls:"
	grep -E ': (socket|setsockopt|bind|listen|accept4?|recv|send|close)\(' \
	    "$tmp/tr.err" | show
	for call in socket bind listen accept recv send close; do
		grep -q ": ${call}4*(" "$tmp/tr.err" ||
		    fail "no $call in the server's trace"
	done

	say ""
	shown "netdemo mcast-recv --trace --count 1"
	start_server mt mcast-recv --trace --count 1 --timeout 5
	"$NETDEMO" mcast-send --port "$PORT" --count 1 -q ||
	    fail "mcast-send failed"
	wait "$SERVER_PID" || fail "mcast-recv exited with status $?"
	forget "$SERVER_PID"
	say "  Joining a group is one setsockopt:"
	grep -E ': (socket|bind|setsockopt\(.*(REUSEADDR|JOIN))' \
	    "$tmp/mt.err" | show
	grep -q 'MCAST_JOIN_GROUP, 239.255.0.1' "$tmp/mt.err" ||
	    fail "no join in the receiver's trace"
}

main() {
	leg_tcp
	say ""
	leg_udp
	say ""
	leg_mcast
	say ""
	leg_trace
	say ""
	say "Demo done: nothing is left running."
}

main
exit 0
