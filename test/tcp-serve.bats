#!/usr/bin/env bats
# tcp-serve.bats: the TCP echo server, plain, --select, --poll and --epoll.

load helpers
load tcp_helpers

MiB=1048576

# --- the tutorial's exchange ------------------------------------------------

hello_exchange() {
	start_server tcp-serve "$@"
	hello_ok
	wait_for_line "$SERVER_OUT" "^$HELLO\$"
}

@test "plain: Hello world comes back, and the server prints it" {
	hello_exchange
}

@test "--select: Hello world comes back, and the server prints it" {
	hello_exchange --select
}

@test "--poll: Hello world comes back, and the server prints it" {
	hello_exchange --poll
}

@test "--epoll: Hello world comes back, and the server prints it" {
	hello_exchange --epoll
}

hello_ipv6() {
	if ! [ -e /proc/net/if_inet6 ] ||
	    ! grep -q '^0*1 ' /proc/net/if_inet6; then
		skip "no ::1"
	fi
	start_server tcp-serve "$@" -6
	grep -qx "netdemo: tcp-serve: listening on \[::1\]:$PORT" "$SERVER_ERR"
	hello_ok -6
	run --separate-stderr timeout 10 "$ND" tcp-connect -H ::1 -p "$PORT" \
	    -m "$HELLO"
	[ "$status" -eq 0 ]
	[ "$output" = "$HELLO" ]
}

@test "-6 --poll: Hello world over ::1" {
	hello_ipv6 --poll
}

@test "-6 --epoll: Hello world over ::1" {
	hello_ipv6 --epoll
}

# --- one client at a time, or several ---------------------------------------

@test "plain serves a second client only after the first leaves" {
	start_server tcp-serve
	start_fed c1 "$ND" tcp-connect -p "$PORT"
	local c1=$BG_PID
	feed c1 'one\n'
	wait_for_line "$T/c1.out" '^one$'
	start_bg c2 "$ND" tcp-connect -v -p "$PORT" -m 'two'
	local c2=$BG_PID
	# c2 is connected (into the backlog) and has sent "two" ...
	wait_for_line "$T/c2.err" 'connected to '
	# ... yet a full round trip for c1 later, nothing has come back to it.
	feed c1 'three\n'
	wait_for_line "$T/c1.out" '^three$'
	[ ! -s "$T/c2.out" ]
	run ! grep -q two "$SERVER_OUT"
	kill -0 "$c2"
	# c1 leaves: now c2 is served.
	end_feed c1
	expect_exit 0 "$c1" 50
	expect_exit 0 "$c2" 50
	[ "$(cat "$T/c2.out")" = two ]
	[ "$(cat "$T/c1.out")" = "$(printf 'one\nthree')" ]
}

several_at_once() {
	start_server tcp-serve "$@"
	start_fed c1 "$ND" tcp-connect -p "$PORT"
	local c1=$BG_PID
	feed c1 'one\n'
	wait_for_line "$T/c1.out" '^one$'
	# c1 stays connected while c2 and c3 come and go.
	hello_ok
	run --separate-stderr timeout 10 "$ND" tcp-connect -p "$PORT" -m two
	[ "$status" -eq 0 ]
	[ "$output" = two ]
	kill -0 "$c1"
	feed c1 'three\n'
	wait_for_line "$T/c1.out" '^three$'
	end_feed c1
	expect_exit 0 "$c1" 50
}

@test "--select serves several clients at once" {
	several_at_once --select
}

@test "--poll serves several clients at once" {
	several_at_once --poll
}

@test "--epoll serves several clients at once" {
	several_at_once --epoll
}

# 24 clients, 1 MiB of random bytes each, all at once: each gets exactly
# its own bytes back.
many_clients() {
	local n=24 i f st=0
	local -a pids=()
	start_server tcp-serve -q --stats "$@"
	head -c $((n * MiB)) /dev/urandom | split -a 2 -d -b "$MiB" - "$T/in"
	for ((i = 0; i < n; i++)); do
		printf -v f '%s/in%02d' "$T" "$i"
		start_in "c$i" "$f" "$ND" tcp-connect -p "$PORT"
		pids+=("$BG_PID")
	done
	for ((i = 0; i < n; i++)); do
		expect_exit 0 "${pids[i]}" 300
	done
	for ((i = 0; i < n; i++)); do
		printf -v f '%s/in%02d' "$T" "$i"
		cmp "$f" "$T/c$i.out"
		[ ! -s "$T/c$i.err" ]
	done
	stop_pid "$SERVER_PID" TERM || st=$?
	[ "$st" -eq 0 ]
	grep -qx "netdemo: tcp-serve: summary: $n clients served, peak [0-9]* at once, $((n * MiB)) bytes ([0-9.]* MB) in, $((n * MiB)) bytes ([0-9.]* MB) out" \
	    "$SERVER_ERR"
}

@test "--select: 24 clients at once each get their 1 MiB back exactly" {
	many_clients --select
}

@test "--poll: 24 clients at once each get their 1 MiB back exactly" {
	many_clients --poll
}

@test "--epoll: 24 clients at once each get their 1 MiB back exactly" {
	many_clients --epoll
}

# --- clients that misbehave -------------------------------------------------

# A client sends 16 MiB and reads nothing for 2.5 s: the server may hold
# about 1 MiB of unsent echo, not the 16 MiB, and serves others meanwhile.
memory_bounded() {
	local n=$((16 * MiB)) base max=0 r i
	start_server tcp-serve "$@" -q --stats
	base=$(proc_field "$SERVER_PID" VmRSS)
	start_bg slow peer slowread 127.0.0.1 "$PORT" "$n" "$T/go"
	local slow=$BG_PID
	# The client reads nothing for 2.5 s; the server may hold about
	# 1 MiB of unsent echo, not the 16 MiB.
	for ((i = 0; i < 25; i++)); do
		r=$(proc_field "$SERVER_PID" VmRSS)
		[ "$r" -gt "$max" ] && max=$r
		sleep 0.1
	done
	# Meanwhile other clients are served.
	hello_ok
	touch "$T/go"
	expect_exit 0 "$slow" 300
	grep -qx "ok $n" "$T/slow.out"
	echo "VmRSS: base $base kB, max $max kB" >&2
	[ "$max" -lt $((base + 6144)) ]
	local st=0
	stop_pid "$SERVER_PID" TERM || st=$?
	[ "$st" -eq 0 ]
	grep -qE " 2 clients served, peak 2 at once, $((n + 11)) bytes \\([0-9.]+ MB\\) in, $((n + 11)) bytes \\([0-9.]+ MB\\) out" \
	    "$SERVER_ERR"
}

@test "--poll: a client that sends 16 MiB and reads nothing: memory stays bounded" {
	memory_bounded --poll
}

@test "--epoll: a client that sends 16 MiB and reads nothing: memory stays bounded" {
	memory_bounded --epoll
}

reset_client() {
	start_server tcp-serve -q "$@"
	run --separate-stderr timeout 20 "$PYTHON" "$PEER_PY" reset 127.0.0.1 \
	    "$PORT" $((4 * MiB))
	[ "$status" -eq 0 ]
	[[ $output == "reset after "* ]]
	kill -0 "$SERVER_PID"
	hello_ok
	hello_ok
	kill -0 "$SERVER_PID"
}

@test "plain: a client that resets mid-transfer does not hurt the server" {
	reset_client
}

@test "--select: a client that resets mid-transfer does not hurt the server" {
	reset_client --select
}

@test "--poll: a client that resets mid-transfer does not hurt the server" {
	reset_client --poll
}

@test "--epoll: a client that resets mid-transfer does not hurt the server" {
	reset_client --epoll
}

# Out of fds (ulimit -n 32) with 100 clients: the server sheds the extra
# ones, warns at most once a second, does not spin, and serves again.
out_of_fds() {
	start_limited 32 tcp-serve -q "$@"
	start_bg hold peer hold 127.0.0.1 "$PORT" 100 "$T/go"
	local hold=$BG_PID t0 t1
	wait_for_line "$T/hold.out" '^open 100$' 100
	wait_for_line "$SERVER_ERR" \
	    "^netdemo: tcp-serve: accept 127\.0\.0\.1:$PORT: Too many open files\$"
	t0=$(cpu_ticks "$SERVER_PID")
	sleep 2
	t1=$(cpu_ticks "$SERVER_PID")
	echo "CPU over 2 s while flooded: $((t1 - t0)) ticks" >&2
	[ $((t1 - t0)) -lt 20 ]
	[ "$(grep -c 'Too many open files' "$SERVER_ERR")" -le 4 ]
	kill -0 "$SERVER_PID"
	touch "$T/go"
	expect_exit 0 "$hold" 100
	wait_fds "$SERVER_PID" 12
	hello_ok
	hello_ok
}

@test "--poll: out of fds, the server sheds clients, does not spin, recovers" {
	out_of_fds --poll
}

@test "--select: out of fds, the server sheds clients, does not spin, recovers" {
	out_of_fds --select
}

@test "--epoll: out of fds, the server sheds clients, does not spin, recovers" {
	out_of_fds --epoll
}

@test "--select: clients past FD_SETSIZE are turned away, the rest served" {
	[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 4096 ] ||
	    skip "hard limit on open files below 4096"
	start_limited 4096 tcp-serve -q --select --backlog 2048
	run --separate-stderr timeout 60 "$PYTHON" "$PEER_PY" many 127.0.0.1 \
	    "$PORT" 1100 4096
	[ "$status" -eq 0 ]
	local echoed
	read -r _ echoed _ <<<"$output"
	echo "$output" >&2
	# The fds below 1024 that the server does not use itself are served.
	[ "$echoed" -ge 1000 ]
	[ "$echoed" -lt 1024 ]
	[ "$output" = "echoed $echoed closed $((1100 - echoed)) silent 0" ]
	grep -qE "^netdemo: tcp-serve: 127\.0\.0\.1:[0-9]+: turned away: fd 1024 is past select's limit FD_SETSIZE 1024 \(use --poll\)\$" \
	    "$SERVER_ERR"
	kill -0 "$SERVER_PID"
	wait_fds "$SERVER_PID" 12
	hello_ok
}

# 1100 clients at once, past select's FD_SETSIZE: all served.
clients_1100() {
	[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 4096 ] ||
	    skip "hard limit on open files below 4096"
	start_limited 4096 tcp-serve -q "$@" --backlog 2048
	run --separate-stderr timeout 60 "$PYTHON" "$PEER_PY" many 127.0.0.1 \
	    "$PORT" 1100 4096
	[ "$status" -eq 0 ]
	[ "$output" = "echoed 1100 closed 0 silent 0" ]
	run ! grep -q "turned away" "$SERVER_ERR"
	hello_ok
}

@test "--poll: 1100 clients at once are all served" {
	clients_1100 --poll
}

@test "--epoll: 1100 clients at once are all served" {
	clients_1100 --epoll
}

# --- options ----------------------------------------------------------------

max_clients_1() {
	start_server tcp-serve "$@" --max-clients 1
	start_fed c1 "$ND" tcp-connect -p "$PORT"
	local c1=$BG_PID
	feed c1 'one\n'
	wait_for_line "$T/c1.out" '^one$'
	run --separate-stderr timeout 10 "$ND" tcp-connect -p "$PORT" </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	grep -qE "^netdemo: tcp-serve: 127\.0\.0\.1:[0-9]+: turned away: --max-clients 1 reached\$" \
	    "$SERVER_ERR"
	# c1 is still served; once it leaves, there is room again.
	feed c1 'two\n'
	wait_for_line "$T/c1.out" '^two$'
	end_feed c1
	expect_exit 0 "$c1" 50
	hello_ok
}

@test "--max-clients 1: a second client is closed at once, with a warning" {
	max_clients_1 --poll
}

@test "--epoll --max-clients 1: a second client is closed at once, with a warning" {
	max_clients_1 --epoll
}

count_2() {
	start_server tcp-serve "$@" --count 2
	hello_ok
	kill -0 "$SERVER_PID"
	hello_ok
	expect_exit 0 "$SERVER_PID" 50
}

@test "--count 2: serves two clients, then exits 0" {
	count_2 --poll
}

@test "--epoll --count 2: serves two clients, then exits 0" {
	count_2 --epoll
}

@test "plain --count 1: exits 0 after its client" {
	start_server tcp-serve --count 1
	hello_ok
	expect_exit 0 "$SERVER_PID" 50
}

timeout_drop() {
	start_server tcp-serve "$@" --timeout 0.5
	start_fed c1 "$ND" tcp-connect -p "$PORT"
	local c1=$BG_PID
	feed c1 'one\n'
	wait_for_line "$T/c1.out" '^one$'
	wait_for_line "$SERVER_ERR" 'idle for'
	grep -qE "^netdemo: tcp-serve: 127\.0\.0\.1:[0-9]+: idle for 0\.5 s: dropped\$" \
	    "$SERVER_ERR"
	# Dropped: the server's EOF ends the client's receive direction; the
	# client sends on until its input ends, then exits 0.
	kill -0 "$c1"
	end_feed c1
	expect_exit 0 "$c1" 50
	kill -0 "$SERVER_PID"
	hello_ok
}

@test "--timeout 0.5: an idle client is dropped with a warning" {
	timeout_drop --poll
}

@test "--epoll --timeout 0.5: an idle client is dropped with a warning" {
	timeout_drop --epoll
}

sink_counts() {
	start_server tcp-serve "$@" --sink --stats
	run --separate-stderr timeout 10 "$ND" tcp-connect -p "$PORT" -m "$HELLO"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	wait_for_line "$SERVER_OUT" "^$HELLO\$"
	local st=0
	stop_pid "$SERVER_PID" INT || st=$?
	[ "$st" -eq 0 ]
	grep -qx 'netdemo: tcp-serve: summary: 1 client served, peak 1 at once, 11 bytes in, 0 bytes out' \
	    "$SERVER_ERR"
}

@test "--sink: counts what comes in, echoes nothing" {
	sink_counts --poll
}

@test "--epoll --sink: counts what comes in, echoes nothing" {
	sink_counts --epoll
}

verbose_leaves() {
	start_server tcp-serve "$@" -v
	hello_ok
	wait_for_line "$SERVER_ERR" '^netdemo: tcp-serve: 127\.0\.0\.1:[0-9]+: closed: 11 bytes in, 11 bytes out in [0-9.]+ s$'
	grep -qE '^netdemo: tcp-serve: 127\.0\.0\.1:[0-9]+: connected$' \
	    "$SERVER_ERR"
}

@test "-v reports connections and leaves, each leave with its bytes both ways" {
	verbose_leaves --poll
}

@test "--epoll -v reports connections and leaves, each leave with its bytes both ways" {
	verbose_leaves --epoll
}

# --- signals ----------------------------------------------------------------

signal_summary() {
	local sig=$1 st=0
	shift
	start_server tcp-serve "$@"
	hello_ok
	wait_for_line "$SERVER_OUT" "^$HELLO\$"
	stop_pid "$SERVER_PID" "$sig" || st=$?
	[ "$st" -eq 0 ]
	grep -qx 'netdemo: tcp-serve: summary: 1 message, 11 bytes in 0 us: no rate from fewer than 2 messages; .* elapsed' \
	    "$SERVER_ERR"
	grep -qx 'netdemo: tcp-serve: summary: 1 client served, peak 1 at once, 11 bytes in, 11 bytes out' \
	    "$SERVER_ERR"
}

@test "SIGINT: exit 0 with the --stats summary" {
	signal_summary INT --poll --stats
}

@test "SIGTERM: exit 0 with the --stats summary" {
	signal_summary TERM --select --stats
}

@test "--epoll, SIGINT: exit 0 with the --stats summary" {
	signal_summary INT --epoll --stats
}

@test "--epoll, SIGTERM: exit 0 with the --stats summary" {
	signal_summary TERM --epoll --stats
}

@test "SIGTERM without --stats still prints the summary (SPEC)" {
	signal_summary TERM
}

@test "SIGINT on plain while a client is connected: exit 0" {
	start_server tcp-serve --stats
	start_fed c1 "$ND" tcp-connect -p "$PORT"
	local c1=$BG_PID st=0
	feed c1 'one\n'
	wait_for_line "$T/c1.out" '^one$'
	stop_pid "$SERVER_PID" INT || st=$?
	[ "$st" -eq 0 ]
	grep -q 'summary: 1 client served, peak 1 at once, 4 bytes in, 4 bytes out' \
	    "$SERVER_ERR"
	# The client sends on until its input ends (half-close), then exits.
	end_feed c1
	expect_exit 0 "$c1" 50
}

json_summary() {
	local st=0
	start_server tcp-serve "$@" -f json
	hello_ok
	wait_for_line "$SERVER_OUT" '"data":"Hello world"'
	stop_pid "$SERVER_PID" TERM || st=$?
	[ "$st" -eq 0 ]
	tail -n 1 "$SERVER_OUT" | grep -q '^{"event":"summary","mode":"tcp-serve",.*"clients_served":1,"peak_clients":1,"bytes_in":11,"bytes_out":11}$'
}

@test "SIGTERM with -f json: the summary object on standard output" {
	json_summary --poll
}

@test "--epoll, SIGTERM with -f json: the summary object on standard output" {
	json_summary --epoll
}

# --- run-time errors --------------------------------------------------------

# busy_port ARGS...: a second tcp-serve ARGS on the port of a first one.
busy_port() {
	start_server tcp-serve --poll
	run --separate-stderr timeout 5 "$ND" tcp-serve "$@" -p "$PORT"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "netdemo: tcp-serve: bind 127.0.0.1:$PORT: Address already in use" ]
}

@test "bind to a busy port: exit 1, one line" {
	busy_port
}

@test "--epoll, bind to a busy port: exit 1, one line" {
	busy_port --epoll
}

@test "bind to an address not on this host: exit 1, one line" {
	run --separate-stderr timeout 5 "$ND" tcp-serve -H 192.0.2.1 -p 0
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr =~ ^'netdemo: tcp-serve: bind 192.0.2.1:0: '[A-Z][^:]*$ ]]
}
