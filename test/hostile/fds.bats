#!/usr/bin/env bats
# hostile/fds.bats: standard descriptors closed at start, a non-blocking
# standard output read slowly, and --select (--poll, --epoll) started with
# more than FD_SETSIZE descriptors already open.

# shellcheck disable=SC2016 # the sh -c scripts are single-quoted on purpose
load ../helpers
load ../tcp_helpers

HIO=$ND_TOOLS/hostile_io.py
MiB=1048576

# hio ARGS...: test/tools/hostile_io.py ARGS, at most 60 s.
hio() {
	timeout -k 2 60 "$PYTHON" "$HIO" "$@"
}

# sock_port PID tcp|udp STATE: wait (at most 5 s) for PID to have a socket
# in STATE (0A listening, 07 bound UDP) and set PORT to its port.  For a
# netdemo whose standard error (and so its "listening on" line) is closed.
sock_port() {
	PORT=$(hio sockwait "$@") || return 1
	[ -n "$PORT" ]
}

# idle_cpu PID: PID uses under 0.1 s of CPU in 1 s of waiting.
idle_cpu() {
	local t0 t1
	t0=$(cpu_ticks "$1")
	sleep 1
	t1=$(cpu_ticks "$1")
	echo "CPU over 1 s idle: $((t1 - t0)) ticks" >&2
	[ $((t1 - t0)) -lt 10 ]
}

# --- 3. fds 0, 1 and 2 closed at start ---------------------------------------

# serve_closed ARGS...: tcp-serve ARGS -q with stdout and stderr closed.
serve_closed() {
	start_bg srv sh -c 'exec "$@" >&- 2>&-' sh "$ND" tcp-serve "$@" -q \
	    --port 0
	local srv=$BG_PID
	sock_port "$srv" tcp 0A
	hello_ok
	hello_ok
	idle_cpu "$srv"
	kill -0 "$srv"
	local st=0
	stop_pid "$srv" TERM || st=$?
	[ "$st" -eq 0 ]
}

@test "tcp-serve --poll -q >&- 2>&-: serves (an echo works), does not spin" {
	serve_closed --poll
}

@test "tcp-serve --epoll -q >&- 2>&-: serves (an echo works), does not spin" {
	serve_closed --epoll
}

@test "udp-recv -q -c 2 >&- 2>&-: idle without spinning, then 2 datagrams and exit 0" {
	start_bg rcv sh -c 'exec "$@" >&- 2>&-' sh "$ND" udp-recv -q -c 2 \
	    --port 0
	local rcv=$BG_PID
	sock_port "$rcv" udp 07
	idle_cpu "$rcv"
	timeout -k 2 10 "$ND" udp-send -p "$PORT" -c 2 -i 0 -q
	expect_exit 0 "$rcv" 50
}

@test "mcast-recv -c 1 <&- 2>&-: idle without spinning, exit 0 after one datagram" {
	start_bg rcv sh -c 'exec "$@" <&- 2>&-' sh "$ND" mcast-recv -c 1 \
	    --port 0
	local rcv=$BG_PID
	sock_port "$rcv" udp 07
	idle_cpu "$rcv"
	# Its join cannot be seen from here: send until it has one.
	start_bg snd "$ND" mcast-send -p "$PORT" -i 0.1 -c 100 -q
	expect_exit 0 "$rcv" 50
	grep -qE '^Hello world : [0-9]+$' "$T/rcv.out"
	[ "$(wc -l <"$T/rcv.out")" -eq 1 ]
}

@test "tcp-connect <&- against an echo server: sends nothing, exit 0, empty stdout" {
	start_server tcp-serve --poll
	run --separate-stderr timeout -k 2 5 sh -c 'exec "$1" tcp-connect -p "$2" <&-' \
	    sh "$ND" "$PORT"
	echo "status $status, stderr: $stderr" >&2
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	# The server closed that client, having received nothing.
	[ ! -s "$SERVER_OUT" ]
	kill -0 "$SERVER_PID"
}

@test "udp-send --stdin <&-: exit 0 at once, sends nothing" {
	start_server udp-recv
	local t0 t1
	t0=$(date +%s%N)
	run --separate-stderr timeout -k 2 5 sh -c \
	    'exec "$1" udp-send --stdin -p "$2" <&-' sh "$ND" "$PORT"
	t1=$(date +%s%N)
	echo "status $status after $(((t1 - t0) / 1000000)) ms, stderr: $stderr" >&2
	[ "$status" -eq 0 ]
	[ $((t1 - t0)) -lt 2000000000 ]
	[ -z "$stderr" ]
	# A datagram sent after it is the first the receiver gets.
	timeout -k 2 5 "$ND" udp-send -p "$PORT" -c 1 -q -m end
	wait_for_line "$SERVER_OUT" '^end$'
	[ "$(cat "$SERVER_OUT")" = end ]
}

# --- 6. standard output a pipe set O_NONBLOCK, read slowly ------------------

# connect_nonblock ARGS...: 20 MiB from a file through tcp-connect ARGS and
# the echo server, stdout a slowly read O_NONBLOCK pipe: all of it, exit 0.
connect_nonblock() {
	head -c $((20 * MiB)) /dev/urandom >"$T/in"
	start_server tcp-serve --poll -q
	run --separate-stderr timeout -k 2 40 sh -c \
	    'i=$1; shift; exec "$@" <"$i"' sh "$T/in" "$PYTHON" "$HIO" \
	    slowread "$T/out" --chunk 65536 --pause 0.3 --limit 30 -- \
	    "$ND" tcp-connect -p "$PORT" "$@"
	echo "$output" >&2
	echo "$stderr" >&2
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	cmp "$T/in" "$T/out"
}

@test "tcp-connect, raw (splice path), 20 MiB into a non-blocking stdout read slowly: all of it, exit 0" {
	connect_nonblock
}

@test "tcp-connect -f raw -c 1000000 (copy path), 20 MiB into a non-blocking stdout: all of it, exit 0" {
	# (The old binary passes this one: its copy path already waited.)
	connect_nonblock -f raw -c 1000000
}

@test "udp-recv --stats, stdout non-blocking and read slowly: a line for every datagram counted" {
	start_bg rcv "$PYTHON" "$HIO" slowread "$T/data" --chunk 4096 \
	    --delay 0.001 --pipe-size 4096 --limit 30 -- \
	    "$ND" udp-recv --stats -w 1 --port 0
	local rcv=$BG_PID
	PORT=$(listen_port "$T/rcv.err")
	timeout -k 2 10 "$ND" udp-send -p "$PORT" -c 3000 -i 0.0002 -s 200 -q
	expect_exit 0 "$rcv" 150
	cat "$T/rcv.out" "$T/rcv.err" >&2
	local n lines
	n=$(sed -nE 's/^netdemo: udp-recv: summary: ([0-9]+) messages, .*/\1/p' \
	    "$T/rcv.err")
	lines=$(wc -l <"$T/data")
	echo "summary: $n messages; $lines lines out" >&2
	# Far more than the 4 KiB pipe holds arrived while it was not read.
	[ "$n" -ge 100 ]
	[ "$lines" -eq "$n" ]
	run ! grep -v -e 'listening on ' -e 'summary: ' "$T/rcv.err"
}

# serve_nonblock ARGS...: tcp-serve ARGS -f raw -c 1 with stdout a slowly
# read O_NONBLOCK pipe; a client's 4 MiB come out whole; exit 0.
serve_nonblock() {
	head -c $((4 * MiB)) /dev/urandom >"$T/in"
	start_bg srv "$PYTHON" "$HIO" slowread "$T/data" --chunk 16384 \
	    --limit 30 -- "$ND" tcp-serve -f raw -c 1 "$@" --port 0
	local srv=$BG_PID
	PORT=$(listen_port "$T/srv.err")
	start_in c1 "$T/in" "$ND" tcp-connect -p "$PORT"
	local c1=$BG_PID
	expect_exit 0 "$c1" 150
	expect_exit 0 "$srv" 50
	cat "$T/srv.out" "$T/srv.err" >&2
	cmp "$T/in" "$T/c1.out"
	cmp "$T/in" "$T/data"
}

@test "tcp-serve --poll, stdout non-blocking and read slowly: all 4 MiB written out, exit 0" {
	serve_nonblock --poll
}

@test "tcp-serve --epoll, stdout non-blocking and read slowly: all 4 MiB written out, exit 0" {
	serve_nonblock --epoll
}

@test "tcp-serve (plain), stdout non-blocking and read slowly: all 4 MiB written out, exit 0" {
	serve_nonblock
}

# --- 17. --select with more than FD_SETSIZE descriptors already open -------

@test "tcp-serve --select started with fds past 1024 open: exit 1, 'fd N is past FD_SETSIZE 1024; use --poll'" {
	run --separate-stderr hio manyfds 1100 -- "$ND" tcp-serve --select \
	    --port 0
	echo "status $status, stderr: $stderr" >&2
	[ "$status" -ne 77 ] || skip "hard RLIMIT_NOFILE too low"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	# One error line, the last (a "listening on" line may come before).
	local last n
	last=${stderr_lines[${#stderr_lines[@]} - 1]}
	[[ $last =~ ^'netdemo: tcp-serve: --select: fd '([0-9]+)' is past FD_SETSIZE 1024; use --poll'$ ]]
	n=${BASH_REMATCH[1]}
	[ "$n" -ge 1024 ]
	[ "${#stderr_lines[@]}" -le 2 ]
	if [ "${#stderr_lines[@]}" -eq 2 ]; then
		[[ ${stderr_lines[0]} == 'netdemo: tcp-serve: listening on '* ]]
	fi
}

# serve_high_fds ARGS...: tcp-serve ARGS started with fds up to 1100 taken
# serves, on descriptors past FD_SETSIZE.
serve_high_fds() {
	local hard max st=0
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] || [ "$hard" -ge 2048 ] ||
	    skip "hard limit on open files below 2048"
	start_bg srv "$PYTHON" "$HIO" manyfds 1100 -- "$ND" tcp-serve "$@" \
	    --port 0
	local srv=$BG_PID
	PORT=$(listen_port "$T/srv.err")
	hello_ok
	hello_ok
	# Its listening socket is past 1100 (the loop's own fds too).
	max=$(find "/proc/$srv/fd" -mindepth 1 -maxdepth 1 -lname 'socket:*' \
	    -printf '%f\n' | sort -n | tail -n 1)
	echo "highest socket fd: $max" >&2
	[ "$max" -gt 1100 ]
	stop_pid "$srv" TERM || st=$?
	[ "$st" -eq 0 ]
	# No warning: only the "listening on" line and the summary.
	run ! grep -v -e ': listening on ' -e ': summary: ' "$T/srv.err"
}

@test "tcp-serve --poll started with fds past 1024 open: serves" {
	serve_high_fds --poll
}

@test "tcp-serve --epoll started with fds past 1024 open: serves" {
	serve_high_fds --epoll
}
