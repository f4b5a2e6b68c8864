#!/usr/bin/env bats
# Each mode's basic exchange and a SIGINT stop under valgrind memcheck:
# no invalid access, no uninitialised read, no leak (make check-valgrind).

# shellcheck disable=SC2016 # the sh -c scripts are single-quoted on purpose
load ../helpers

VG=$BATS_TEST_DIRNAME/netdemo-vg
REAL=$ND

setup() {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	export VG_LOG=$BATS_TEST_TMPDIR/vg.%p.log
}

# vg_clean: every valgrind log of this test is empty (-q prints only errors).
vg_clean() {
	local f bad=0
	for f in "$BATS_TEST_TMPDIR"/vg.*.log; do
		[ -e "$f" ] || continue
		if [ -s "$f" ]; then
			echo "valgrind: $f" >&2
			cat "$f" >&2
			bad=1
		fi
	done
	return "$bad"
}

# start_vg_server MODE ARGS: start_server under valgrind (slow to start).
start_vg_server() {
	start_server_cmd 300 "$VG" "$@" --port 0
}

serve_echo_then_sigint() {
	start_vg_server tcp-serve "$@"
	run --separate-stderr "$REAL" tcp-connect -p "$PORT" -m 'Hello world'
	[ "$status" -eq 0 ]
	[ "$output" = 'Hello world' ]
	rc=0
	stop_pid "$SERVER_PID" INT || rc=$?
	[ "$rc" -eq 0 ]
	vg_clean
}

@test "valgrind: tcp-serve plain echo, then SIGINT" {
	serve_echo_then_sigint --stats
}

@test "valgrind: tcp-serve --select echo, then SIGINT" {
	serve_echo_then_sigint --select -f json
}

@test "valgrind: tcp-serve --epoll echo, then SIGINT" {
	serve_echo_then_sigint --epoll -f json
}

# serve_client_left ARGS...: tcp-serve ARGS -f hex under valgrind, one
# client echoed and one left connected, then SIGINT.
serve_client_left() {
	start_vg_server tcp-serve "$@" -f hex
	# A client still connected when the server stops must not leak.
	start_bg idle "$REAL" tcp-connect -p "$PORT" -m ''
	run --separate-stderr "$REAL" tcp-connect -p "$PORT" -m 'Hello world'
	[ "$output" = 'Hello world' ]
	rc=0
	stop_pid "$SERVER_PID" INT || rc=$?
	[ "$rc" -eq 0 ]
	vg_clean
}

@test "valgrind: tcp-serve --poll echo with a client left open, then SIGINT" {
	serve_client_left --poll
}

@test "valgrind: tcp-serve --epoll echo with a client left open, then SIGINT" {
	serve_client_left --epoll
}

@test "valgrind: tcp-connect streams a file, exits when the server closes" {
	start_server tcp-serve --poll -q
	head -c 300000 /dev/urandom >"$BATS_TEST_TMPDIR/in"
	rc=0
	"$VG" tcp-connect -p "$PORT" --stats \
		<"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" || rc=$?
	[ "$rc" -eq 0 ]
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	vg_clean
}

@test "valgrind: udp-send to udp-recv --seq with json, both clean" {
	start_vg_server udp-recv --seq -c 3 -w 20 -f json --stats
	run --separate-stderr "$VG" udp-send -p "$PORT" -c 3 -i 0 --seq -f json
	[ "$status" -eq 0 ]
	rc=0
	wait_pid "$SERVER_PID" 200 || rc=$?
	[ "$rc" -eq 0 ]
	[ "$(grep -c '"seq":' "$SERVER_OUT")" -eq 3 ]
	grep -q '"event":"summary".*"lost":0' "$SERVER_OUT"
	vg_clean
}

@test "valgrind: mcast-send to mcast-recv, then SIGINT the receiver" {
	start_vg_server mcast-recv -g 239.255.0.1 -I 127.0.0.1
	run --separate-stderr "$VG" mcast-send -p "$PORT" -c 2 -i 0 -s 2000
	[ "$status" -eq 0 ]
	wait_for_line "$SERVER_OUT" 'Hello world : 1' 200
	rc=0
	stop_pid "$SERVER_PID" INT || rc=$?
	[ "$rc" -eq 0 ]
	vg_clean
}

@test "valgrind: udp-send --stdin and a truncating udp-recv" {
	start_vg_server udp-recv -b 8 -c 2 -w 20
	run --separate-stderr "$VG" udp-send -p "$PORT" --stdin <<<$'first line\nsecond line'
	[ "$status" -eq 0 ]
	rc=0
	wait_pid "$SERVER_PID" 200 || rc=$?
	[ "$rc" -eq 0 ]
	grep -q 'truncated' "$SERVER_ERR"
	vg_clean
}

# The paths issue 8 added: a send that fails with the reply kept, forged
# --seq streams (stale, wrap, clock skew, no header), a signal while
# standard output is blocked, rate-limited warnings, closed std fds.

@test "valgrind: tcp-connect, server says ok and closes early: reply kept, exit 1, clean" {
	local rc=0
	start_bg okserver "$PYTHON" "$ND_TOOLS/hostile_tcp.py" okserver
	wait_for_line "$BATS_TEST_TMPDIR/okserver.out" '^port [0-9]+$'
	PORT=$(sed -n 's/^port //p' "$BATS_TEST_TMPDIR/okserver.out")
	head -c 8000000 /dev/zero >"$BATS_TEST_TMPDIR/in"
	"$VG" tcp-connect -p "$PORT" --stats <"$BATS_TEST_TMPDIR/in" \
	    >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || rc=$?
	[ "$rc" -eq 1 ]
	printf 'ok\n' | cmp - "$BATS_TEST_TMPDIR/out"
	tail -n 1 "$BATS_TEST_TMPDIR/err" | grep -qE 'of 8000000 bytes of standard input not sent$'
	vg_clean
}

@test "valgrind: udp-recv --seq, forged stream and a datagram without a header" {
	local us
	start_vg_server udp-recv --seq -f json --stats -c 6 -w 20
	us=$(date +%s%6N)
	{
		printf '#%012d@%016d|a\n' 0 "$us"
		printf '#%012d@%016d|b\n' 70000 "$us"
		printf '#%012d@%016d|c\n' 0 "$us"
		printf '#%012d@%016d|d\n' 999999999999 9999999999999999
		printf '#%012d@%016d|e\n' 70001 "$us"
		printf 'no header\n'
	} | "$REAL" udp-send --stdin -q -i 0.01 -p "$PORT"
	rc=0
	wait_pid "$SERVER_PID" 300 || rc=$?
	[ "$rc" -eq 0 ]
	grep -q '"event":"summary".*"received":3,"lost":69999,.*"stale":2,.*"no_seq":1' \
	    "$SERVER_OUT"
	vg_clean
}

@test "valgrind: udp-recv with standard output blocked, then SIGTERM" {
	local rc=0
	start_bg hold "$PYTHON" "$ND_TOOLS/hostile_io.py" hold \
	    "$BATS_TEST_TMPDIR/fifo"
	wait_for_line "$BATS_TEST_TMPDIR/hold.out" '^ready$' 100
	start_server_cmd 300 sh -c 'exec "$1" udp-recv --stats -p 0 >"$2"' sh \
	    "$VG" "$BATS_TEST_TMPDIR/fifo"
	"$REAL" udp-send -p "$PORT" -q -i 0.0005 -c 400 -s 1000
	wait_for_line "$BATS_TEST_TMPDIR/hold.out" '^full$' 100
	stop_pid "$SERVER_PID" TERM || rc=$?
	[ "$rc" -eq 0 ]
	grep -q 'summary: ' "$SERVER_ERR"
	vg_clean
}

# vg_turn_away BACKEND: tcp-serve BACKEND --max-clients 1 under valgrind,
# standard input and output closed, turning 20 clients away.
vg_turn_away() {
	local i rc=0
	start_server_cmd 300 sh -c \
	    'exec "$1" tcp-serve "$2" --max-clients 1 -p 0 <&- >&-' sh "$VG" \
	    "$1"
	# One client held open, so that the others are turned away.
	start_bg first "$PYTHON" "$ND_TOOLS/hostile_tcp.py" idle \
	    127.0.0.1 "$PORT" 60
	wait_for_line "$BATS_TEST_TMPDIR/first.out" '^port ' 100
	for ((i = 0; i < 20; i++)); do
		"$REAL" tcp-connect -p "$PORT" -q -m x -w 5 </dev/null || true
	done
	stop_pid "$SERVER_PID" TERM || rc=$?
	[ "$rc" -eq 0 ]
	grep -q 'turned away' "$SERVER_ERR"
	vg_clean
}

@test "valgrind: tcp-serve --max-clients 1 turning clients away, closed stdin and stdout" {
	vg_turn_away --poll
}

@test "valgrind: tcp-serve --epoll --max-clients 1 turning clients away, closed stdin and stdout" {
	vg_turn_away --epoll
}

# vg_idle_crowd BACKEND: tcp-serve BACKEND -w 0.5 under valgrind, 5 clients
# that send a byte every 0.1 s and 5 silent ones between them: the idle
# list kept by last activity drops exactly the 5 silent ones, cleanly.
vg_idle_crowd() {
	local rc=0
	start_vg_server tcp-serve "$1" -q -w 0.5
	run --separate-stderr timeout -k 2 60 "$PYTHON" \
	    "$ND_TOOLS/scale_clients.py" idle 127.0.0.1 "$PORT" 5 5 0.1 1.5
	echo "$output" >&2
	[ "$status" -eq 0 ]
	stop_pid "$SERVER_PID" TERM || rc=$?
	[ "$rc" -eq 0 ]
	[ "$(grep -c ': idle for 0\.5 s: dropped$' "$SERVER_ERR")" -eq 5 ]
	vg_clean
}

@test "valgrind: tcp-serve --poll -w 0.5 dropping the silent clients of a crowd" {
	vg_idle_crowd --poll
}

@test "valgrind: tcp-serve --epoll -w 0.5 dropping the silent clients of a crowd" {
	vg_idle_crowd --epoll
}

# Issue 10's paths: --echo and --rtt with their histograms, --report on
# both sides, a --rate sender ended by --duration.
@test "valgrind: udp-recv --echo --report, udp-send --rtt --rate -t --histogram: both clean" {
	start_vg_server udp-recv --echo --report 0.2 --histogram -q -f json \
	    -t 30
	run --separate-stderr "$VG" udp-send -p "$PORT" --rtt -r 50/s -t 1 \
	    --report 0.2 --histogram -f json --rtt-timeout 2
	[ "$status" -eq 0 ]
	[ "$(jq -s '[.[] | select(.event == "summary")][0].replies' \
	    <<<"$output")" -ge 40 ]
	grep -q 'round trips from 127.0.0.1:' <<<"$stderr"
	rc=0
	stop_pid "$SERVER_PID" INT || rc=$?
	[ "$rc" -eq 0 ]
	grep -q '"event":"report"' "$SERVER_OUT"
	grep -q '"echoed":' "$SERVER_OUT"
	vg_clean
}

@test "valgrind: mcast-recv --echo, mcast-send --rtt, tcp-connect --report -t" {
	start_vg_server mcast-recv --echo -q
	run --separate-stderr "$VG" mcast-send -p "$PORT" --rtt -c 20 -i 0.01 \
	    -q --stats --rtt-timeout 2
	[ "$status" -eq 0 ]
	grep -q ': 20 replies, 0 lost' <<<"$stderr"
	rc=0
	stop_pid "$SERVER_PID" INT || rc=$?
	[ "$rc" -eq 0 ]
	start_vg_server tcp-serve --sink -q --report 0.2
	run --separate-stderr "$VG" tcp-connect -p "$PORT" --report 0.2 -t 1 \
	    -q < /dev/zero
	[ "$status" -eq 0 ]
	grep -q 'report 127.0.0.1:.* out ' <<<"$stderr"
	stop_pid "$SERVER_PID" INT || rc=$?
	[ "$rc" -eq 0 ]
	vg_clean
}
