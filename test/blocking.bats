#!/usr/bin/env bats
# blocking.bats: plain tcp-serve is the tutorial's blocking server (issue
# 13, item 3): a blocking accept(2), then recv(2) and send(2) on one client
# until it leaves, and no select, poll or epoll in its flow; signals, -w,
# -t and --report still reach it while it is blocked in any of the three.

# shellcheck disable=SC2016 # the sh -c scripts are single-quoted on purpose
load helpers
load tcp_helpers

MiB=1048576

# STUFF_PY HOST PORT: connect with a small receive buffer, send as fast as
# the server takes it and read nothing; once nothing has gone for 1 s (the
# server is blocked sending the echo back), print "stalled after N bytes";
# then, still reading nothing, wait at most 30 s for the connection to end
# (reset, or shut down by the server) and print "closed".
STUFF_PY='
import select, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.settimeout(10)
s.connect((sys.argv[1], int(sys.argv[2])))
s.setblocking(False)
chunk, sent, last = b"x" * 65536, 0, time.monotonic()
while time.monotonic() - last < 1.0 and sent < 256 * 1048576:
    select.select([], [s], [], 0.2)
    try:
        n = s.send(chunk)
    except BlockingIOError:
        continue
    except OSError as e:
        print("error %s after %d bytes" % (e, sent), flush=True)
        sys.exit(1)
    sent += n
    last = time.monotonic()
print("stalled after %d bytes" % sent, flush=True)
p = select.poll()
p.register(s, select.POLLERR | select.POLLHUP | getattr(select, "POLLRDHUP", 0))
end = time.monotonic() + 30
while time.monotonic() < end and not p.poll(1000):
    pass
print("closed" if time.monotonic() < end else "still open", flush=True)
'

# between N LOW HIGH: LOW <= N <= HIGH, else say so.
between() {
	[ "$1" -ge "$2" ] && [ "$1" -le "$3" ] && return 0
	echo "$1 is not in [$2, $3]" >&2
	return 1
}

# ms_since T0: milliseconds since T0 (date +%s%N).
ms_since() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

# blocked_in PID accept|recv|send: wait at most 5 s until PID is blocked in
# that call, by /proc/PID/syscall's number on x86_64 and aarch64 (recv and
# send are recvfrom and sendto there); elsewhere, or where the file cannot
# be read, it only says so.
blocked_in() {
	local pid=$1 what=$2 nrs i nr
	case "$(uname -m):$what" in
	x86_64:accept) nrs='43 288' ;;
	x86_64:recv) nrs='45' ;;
	x86_64:send) nrs='44' ;;
	aarch64:accept) nrs='202 242' ;;
	aarch64:recv) nrs='207' ;;
	aarch64:send) nrs='206' ;;
	*) echo "blocked_in: not checked on $(uname -m)" >&2; return 0 ;;
	esac
	if ! read -r nr _ <"/proc/$pid/syscall" 2>/dev/null; then
		echo "blocked_in: /proc/$pid/syscall not readable" >&2
		return 0
	fi
	for ((i = 0; i < 50; i++)); do
		read -r nr _ <"/proc/$pid/syscall" 2>/dev/null || nr=gone
		[[ " $nrs " == *" $nr "* ]] && return 0
		sleep 0.1
	done
	echo "pid $pid is in syscall $nr, not $what ($nrs)" >&2
	return 1
}

# --- 1. no event loop -------------------------------------------------------

# strace_serve FILE ARGS...: tcp-serve ARGS -c 1 under strace, its accepts
# and waits in FILE, serving one tcp-connect -m client.
strace_serve() {
	local file=$1
	shift
	command -v strace >/dev/null || skip "strace is not installed"
	strace -o /dev/null true 2>/dev/null ||
	    skip "strace cannot trace here (ptrace not allowed?)"
	# LeakSanitizer cannot run under ptrace (make check SANITIZE=1).
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    start_server_cmd 50 strace -f -o "$file" \
	    -e 'trace=/^(accept4?|poll|ppoll|select|_newselect|pselect6|epoll_wait|epoll_pwait2?)$' \
	    "$ND" tcp-serve "$@" -c 1 --port 0
	hello_ok
	expect_exit 0 "$SERVER_PID" 50
	cat "$file" >&2
	grep -qE '^[0-9]+ +accept4?\(' "$file"
}

# The waits of the server's flow: every poll, select or epoll call but
# lib/err's bounded write of a diagnostic line (the "listening on" line),
# which polls standard error alone, fd 2 for POLLOUT.
loop_waits() {
	grep -E '(poll|select|pselect6|epoll_wait|epoll_pwait2?)\(' "$1" |
	    grep -vE '[0-9]+ +poll\(\[\{fd=2, events=POLLOUT\}\], 1, [0-9]+\)' ||
	    true
}

@test "plain: strace shows accept and no select, poll or epoll wait in the server's flow" {
	strace_serve "$T/plain.strace"
	[ -z "$(loop_waits "$T/plain.strace")" ]
}

@test "--poll: the same strace shows poll (the check above can fail)" {
	strace_serve "$T/poll.strace" --poll
	loop_waits "$T/poll.strace" | grep -qE 'poll\(\[\{fd=[0-9]+, events=POLLIN'
}

# --- 2. signals end it wherever it blocks -----------------------------------

@test "SIGTERM while blocked in accept: exit 0 within 2 s, with the summary" {
	start_server tcp-serve
	blocked_in "$SERVER_PID" accept
	kill -s TERM "$SERVER_PID"
	expect_exit 0 "$SERVER_PID" 20
	grep -qx 'netdemo: tcp-serve: summary: 0 clients served, peak 0 at once, 0 bytes in, 0 bytes out' \
	    "$SERVER_ERR"
}

@test "SIGINT while blocked in recv on a silent client: exit 0 within 2 s, with the summary" {
	start_server tcp-serve -v
	start_fed c1 "$ND" tcp-connect -p "$PORT"
	feed c1 'one\n'
	wait_for_line "$T/c1.out" '^one$'
	blocked_in "$SERVER_PID" recv
	kill -s INT "$SERVER_PID"
	expect_exit 0 "$SERVER_PID" 20
	grep -qx 'netdemo: tcp-serve: summary: 1 client served, peak 1 at once, 4 bytes in, 4 bytes out' \
	    "$SERVER_ERR"
	end_feed c1
}

@test "SIGTERM while blocked in send to a client that never reads: exit 0 within 2 s, with the summary" {
	start_server tcp-serve -q
	start_bg stuff "$PYTHON" -c "$STUFF_PY" 127.0.0.1 "$PORT"
	local stuff=$BG_PID
	wait_for_line "$T/stuff.out" '^stalled after [0-9]+ bytes$' 300
	blocked_in "$SERVER_PID" send
	kill -s TERM "$SERVER_PID"
	expect_exit 0 "$SERVER_PID" 20
	grep -qE '^netdemo: tcp-serve: summary: 1 client served, peak 1 at once, [0-9]+ bytes( \([^)]*\))? in, [0-9]+ bytes( \([^)]*\))? out$' \
	    "$SERVER_ERR"
	# The connection went with the server.
	expect_exit 0 "$stuff" 50
	grep -qx closed "$T/stuff.out"
}

# --- 3. -w drops an idle client, then the next one is served ----------------

@test "-w 1: a silent client is dropped after about 1 s; the client queued behind it is then served" {
	local idle iport t
	start_server tcp-serve -w 1
	start_bg idle "$PYTHON" "$ND_TOOLS/hostile_tcp.py" idle 127.0.0.1 \
	    "$PORT" 10
	idle=$BG_PID
	wait_for_line "$T/idle.out" '^port [0-9]+$'
	iport=$(sed -n 's/^port \([0-9][0-9]*\)$/\1/p' "$T/idle.out")
	start_bg c2 "$ND" tcp-connect -p "$PORT" -m "$HELLO"
	local c2=$BG_PID
	expect_exit 0 "$idle" 50
	t=$(sed -n 's/^closed.* after \([0-9]*\)\.\([0-9]\) s$/\1\2/p' \
	    "$T/idle.out")
	# Dropped after 0.9 to 2 s (the line says tenths of a second).
	between "$t" 9 20
	grep -qx "netdemo: tcp-serve: 127\\.0\\.0\\.1:$iport: idle for 1 s: dropped" \
	    "$SERVER_ERR"
	expect_exit 0 "$c2" 50
	[ "$(cat "$T/c2.out")" = "$HELLO" ]
	kill -0 "$SERVER_PID"
	hello_ok
}

@test "-w 1: a client that sends and never reads is dropped once the server's send makes no progress for 1 s" {
	start_server tcp-serve -q -w 1
	start_bg stuff "$PYTHON" -c "$STUFF_PY" 127.0.0.1 "$PORT"
	local stuff=$BG_PID
	wait_for_line "$SERVER_ERR" 'idle for 1 s: dropped' 150
	grep -qE '^netdemo: tcp-serve: 127\.0\.0\.1:[0-9]+: idle for 1 s: dropped$' \
	    "$SERVER_ERR"
	# The client sees the connection end (an error if still sending).
	local st=0
	wait_pid "$stuff" 50 || st=$?
	[ "$st" -ne 124 ]
	kill -0 "$SERVER_PID"
	hello_ok
}

# --- 4. -t and --report wake it while it is blocked -------------------------

@test "-t 1 ends a server blocked in accept after about 1 s: exit 0; with -c 1, exit 3 and why" {
	local t0 ms
	t0=$(date +%s%N)
	start_server tcp-serve -t 1
	blocked_in "$SERVER_PID" accept
	expect_exit 0 "$SERVER_PID" 30
	ms=$(ms_since "$t0")
	between "$ms" 990 2500
	[ "$(wc -l <"$SERVER_ERR")" -eq 1 ]
	start_server tcp-serve -t 1 -c 1
	expect_exit 3 "$SERVER_PID" 30
	grep -q '^netdemo: tcp-serve: summary: 0 clients served' "$SERVER_ERR"
	[ "$(tail -n 1 "$SERVER_ERR")" = \
	    'netdemo: tcp-serve: 0 of 1 clients served in --duration 1 s' ]
}

@test "-t 1 ends a server blocked in recv on a silent client after about 1 s, exit 0" {
	local t0 ms
	t0=$(date +%s%N)
	start_server tcp-serve -t 1 --stats
	start_fed c1 "$ND" tcp-connect -p "$PORT"
	feed c1 'one\n'
	wait_for_line "$T/c1.out" '^one$'
	blocked_in "$SERVER_PID" recv
	expect_exit 0 "$SERVER_PID" 30
	ms=$(ms_since "$t0")
	between "$ms" 990 2500
	grep -qx 'netdemo: tcp-serve: summary: 1 client served, peak 1 at once, 4 bytes in, 4 bytes out' \
	    "$SERVER_ERR"
	end_feed c1
}

@test "--report 0.2: records come while the server is blocked in recv, contiguous, every byte once" {
	local i n=0
	start_server tcp-serve --report 0.2 -f json -q
	start_fed c1 "$ND" tcp-connect -p "$PORT"
	feed c1 'one\n'
	wait_for_line "$T/c1.out" '^one$'
	blocked_in "$SERVER_PID" recv
	# At least 4 records within 3 s, while the client says nothing.
	for ((i = 0; i < 30; i++)); do
		n=$(grep -c '"event":"report"' "$SERVER_OUT" || true)
		[ "$n" -ge 4 ] && break
		sleep 0.1
	done
	cat "$SERVER_OUT" >&2
	[ "$n" -ge 4 ]
	blocked_in "$SERVER_PID" recv
	end_feed c1
	stop_pid "$SERVER_PID" TERM
	# Each record starts where the one before ended; the bytes add up.
	jq -s -e '[.[] | select(.event == "report")] as $r |
	    ([range(1; $r | length) | $r[.].start_s == $r[. - 1].end_s] | all)
	    and ($r | map(.bytes_in) | add) == 4
	    and ($r | map(.bytes_out) | add) == 4
	    and ($r | map(.end_s - .start_s) | map(. < 0.35) | all)' \
	    "$SERVER_OUT"
}

# --- 5. one client at a time, in order --------------------------------------

@test "two clients: the second waits in the backlog, is served when the first leaves, bytes in order" {
	head -c "$MiB" /dev/urandom >"$T/in1"
	head -c "$MiB" /dev/urandom >"$T/in2"
	start_server tcp-serve -f raw
	start_fed c1 "$ND" tcp-connect -p "$PORT"
	local c1=$BG_PID
	feed c1 'one\n'
	wait_for_line "$T/c1.out" '^one$'
	start_in c2 "$T/in2" "$ND" tcp-connect -v -p "$PORT"
	local c2=$BG_PID
	# c2 is connected (in the backlog) and has sent its MiB ...
	wait_for_line "$T/c2.err" 'connected to '
	# ... but nothing of it is read while c1 is served.
	timeout 10 cat "$T/in1" >"$T/c1.fifo"
	end_feed c1
	expect_exit 0 "$c1" 100
	expect_exit 0 "$c2" 100
	{ printf 'one\n'; cat "$T/in1"; } | cmp - "$T/c1.out"
	cmp "$T/in2" "$T/c2.out"
	# The server wrote c1's bytes, all of them, then c2's.
	{ printf 'one\n'; cat "$T/in1" "$T/in2"; } | cmp - "$SERVER_OUT"
}

# --- out of descriptors, standard output closed ------------------------------

@test "out of descriptors: every connection is shed with a warning, no spin; with descriptors back, served" {
	local t0 t1 n
	command -v prlimit >/dev/null || skip "prlimit is not installed"
	start_server tcp-serve -q
	# The lowest descriptor free becomes the limit: accept gets EMFILE.
	for ((n = 0; n < 1024; n++)); do
		[ -e "/proc/$SERVER_PID/fd/$n" ] || break
	done
	prlimit --pid "$SERVER_PID" --nofile="$n:"
	# The accept(2) under way took its descriptor before the limit fell:
	# one client more is served; the next accept fails.
	hello_ok
	run --separate-stderr timeout 20 "$PYTHON" "$PEER_PY" many 127.0.0.1 \
	    "$PORT" 5
	[ "$output" = "echoed 0 closed 5 silent 0" ]
	grep -qx "netdemo: tcp-serve: accept 127\\.0\\.0\\.1:$PORT: Too many open files" \
	    "$SERVER_ERR"
	t0=$(cpu_ticks "$SERVER_PID")
	sleep 1
	t1=$(cpu_ticks "$SERVER_PID")
	echo "CPU over 1 s: $((t1 - t0)) ticks" >&2
	[ $((t1 - t0)) -lt 10 ]
	prlimit --pid "$SERVER_PID" --nofile="$((n + 16)):"
	hello_ok
}

@test "stdout read by head -n 1: the next line ends the run quietly, exit 0" {
	mkfifo "$T/pipe"
	start_bg head sh -c 'exec head -n 1 <"$1"' sh "$T/pipe"
	local head=$BG_PID
	start_bg srv sh -c 'p=$1; shift; exec "$@" >"$p"' sh "$T/pipe" \
	    "$ND" tcp-serve --port 0
	local srv=$BG_PID
	PORT=$(listen_port "$T/srv.err")
	start_fed c1 "$ND" tcp-connect -p "$PORT"
	feed c1 'one\n'
	wait_for_line "$T/c1.out" '^one$'
	expect_exit 0 "$head" 50
	[ "$(cat "$T/head.out")" = 'one\n' ]
	feed c1 'two\n'
	expect_exit 0 "$srv" 50
	[ "$(wc -l <"$T/srv.err")" -eq 1 ]
	end_feed c1
}
