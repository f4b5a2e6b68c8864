#!/usr/bin/env bats
# hostile/signals.bats: signals while standard output or standard error
# blocks (a FIFO whose reader never reads), rate-limited warnings against a
# flood of turned-away clients, and the summary on the odd ways a run ends
# (standard output closed, SIGINT while still connecting).

# shellcheck disable=SC2016 # the sh -c scripts are single-quoted on purpose
load ../helpers
load ../tcp_helpers

HIO=$ND_TOOLS/hostile_io.py
MiB=1048576

# hold_fifo NAME [ARGS...]: the FIFO $T/NAME.fifo, held open by a reader
# that reads nothing (hostile_io.py hold ARGS); its report is in
# $T/NAME.hold.out ("ready", then "full" once the pipe is full).
hold_fifo() {
	local name=$1
	shift
	start_bg "$name.hold" "$PYTHON" "$HIO" hold "$T/$name.fifo" "$@"
	wait_for_line "$T/$name.hold.out" '^ready$'
}

# start_out NAME OUT CMD...: start_bg NAME CMD with standard output OUT.
start_out() {
	local name=$1 out=$2
	shift 2
	start_bg "$name" sh -c 'o=$1; shift; exec "$@" >"$o"' sh "$out" "$@"
}

# flood_udp HOLD: send 1000-byte datagrams to 127.0.0.1:$PORT, 100 at a
# time, until HOLD (a hold_fifo report) says "full" (at most 100 rounds,
# for a loaded machine); then 100 more, which the receiver is left trying
# to write out.
flood_udp() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -qx full "$1" && break
		timeout -k 2 5 "$ND" udp-send -p "$PORT" -c 100 -i 0 -s 1000 -q
		sleep 0.05
	done
	wait_for_line "$1" '^full$' 100 || return 1
	timeout -k 2 5 "$ND" udp-send -p "$PORT" -c 100 -i 0 -s 1000 -q
}

# --- 1. a signal ends the run while standard output blocks -----------------

@test "udp-recv, stdout blocked: SIGTERM ends it within 1 s, exit 0, --stats summary on stderr" {
	hold_fifo out
	start_out nd "$T/out.fifo" "$ND" udp-recv --stats --port 0
	local nd=$BG_PID
	PORT=$(listen_port "$T/nd.err")
	flood_udp "$T/out.hold.out"
	kill -s TERM "$nd"
	expect_exit 0 "$nd" 20
	grep -qE '^netdemo: udp-recv: summary: [0-9]+ messages, ' "$T/nd.err"
}

@test "udp-recv, stdout and stderr both blocked: SIGTERM still ends it, exit 0 (summary skipped)" {
	hold_fifo out
	# The reader of stderr reads the "listening on" line, then fills the
	# pipe itself: every later write to stderr blocks.
	hold_fifo err --line 'listening on ' --fill
	start_bg nd sh -c 'o=$1 e=$2; shift 2; exec "$@" >"$o" 2>"$e"' sh \
	    "$T/out.fifo" "$T/err.fifo" "$ND" udp-recv --stats --port 0
	local nd=$BG_PID
	PORT=$(listen_port "$T/err.hold.out")
	wait_for_line "$T/err.hold.out" '^full$'
	flood_udp "$T/out.hold.out"
	kill -s TERM "$nd"
	# 1 s for the signal, and at most 1 s more for a summary that
	# cannot be written.
	expect_exit 0 "$nd" 30
}

# serve_blocked SIG ARGS...: tcp-serve ARGS --stats -f raw with standard
# output blocked by a client's 4 MiB; SIG ends it within 1 s, exit 0, with
# the summary on standard error (a file).
serve_blocked() {
	local sig=$1
	shift
	head -c $((4 * MiB)) /dev/urandom >"$T/in"
	hold_fifo out
	start_out srv "$T/out.fifo" "$ND" tcp-serve --stats -f raw "$@" \
	    --port 0
	local srv=$BG_PID
	PORT=$(listen_port "$T/srv.err")
	start_in c1 "$T/in" "$ND" tcp-connect -p "$PORT"
	wait_for_line "$T/out.hold.out" '^full$'
	kill -s "$sig" "$srv"
	expect_exit 0 "$srv" 20
	grep -qE '^netdemo: tcp-serve: summary: ' "$T/srv.err"
}

@test "tcp-serve --poll, stdout blocked: SIGTERM ends it within 1 s, exit 0, summary" {
	serve_blocked TERM --poll
}

@test "tcp-serve --select, stdout blocked: SIGINT ends it within 1 s, exit 0, summary" {
	serve_blocked INT --select
}

@test "tcp-serve --epoll, stdout blocked: SIGTERM ends it within 1 s, exit 0, summary" {
	serve_blocked TERM --epoll
}

@test "tcp-serve --epoll, stdout blocked: SIGINT ends it within 1 s, exit 0, summary" {
	serve_blocked INT --epoll
}

@test "tcp-serve (plain), stdout blocked: SIGTERM ends it within 1 s, exit 0, summary" {
	serve_blocked TERM
}

# serve_drains ARGS...: tcp-serve ARGS -f raw -c 1 with standard output
# blocked a while by a client's 2 MiB: once it drains, nothing is lost.
serve_drains() {
	head -c $((2 * MiB)) /dev/urandom >"$T/in"
	hold_fifo out --drain "$T/go" "$T/drained"
	start_out srv "$T/out.fifo" "$ND" tcp-serve "$@" -f raw -c 1 \
	    --port 0
	local srv=$BG_PID
	PORT=$(listen_port "$T/srv.err")
	start_in c1 "$T/in" "$ND" tcp-connect -p "$PORT"
	local c1=$BG_PID
	wait_for_line "$T/out.hold.out" '^full$'
	kill -0 "$c1"
	touch "$T/go"
	expect_exit 0 "$c1" 100
	expect_exit 0 "$srv" 50
	wait_for_line "$T/out.hold.out" '^drained '
	cmp "$T/in" "$T/c1.out"
	cmp "$T/in" "$T/drained"
}

@test "tcp-serve --poll, stdout blocked a while: nothing dropped once it drains" {
	# (The old binary passes this one: it blocked, and dropped nothing.)
	serve_drains --poll
}

@test "tcp-serve --epoll, stdout blocked a while: nothing dropped once it drains" {
	serve_drains --epoll
}

# connect_blocked SIG ARGS...: tcp-connect ARGS with 4 MiB in and standard
# output a blocked FIFO; SIG ends it within 1 s, exit 0.
connect_blocked() {
	local sig=$1
	shift
	head -c $((4 * MiB)) /dev/urandom >"$T/in"
	start_server tcp-serve --poll -q
	hold_fifo out
	start_bg c1 sh -c 'i=$1 o=$2; shift 2; exec "$@" <"$i" >"$o"' sh \
	    "$T/in" "$T/out.fifo" "$ND" tcp-connect -p "$PORT" "$@"
	local c1=$BG_PID
	wait_for_line "$T/out.hold.out" '^full$'
	kill -s "$sig" "$c1"
	expect_exit 0 "$c1" 20
	kill -0 "$SERVER_PID"
}

@test "tcp-connect raw into a blocked FIFO (splice path): SIGTERM ends it within 1 s, exit 0" {
	connect_blocked TERM
}

@test "tcp-connect -f text into a blocked FIFO (copy path): SIGINT ends it within 1 s, exit 0" {
	connect_blocked INT -f text
}

@test "udp-send -i 0, stdout blocked: SIGTERM ends it within 1 s, exit 0" {
	start_server udp-recv -q
	hold_fifo out
	start_out snd "$T/out.fifo" "$ND" udp-send -p "$PORT" -i 0
	local snd=$BG_PID
	wait_for_line "$T/out.hold.out" '^full$'
	kill -s TERM "$snd"
	expect_exit 0 "$snd" 20
}

# --- 2. repeated warnings are rate-limited ----------------------------------

turned_away_re='^netdemo: tcp-serve: 127\.0\.0\.1:[0-9]+: turned away: --max-clients 1 reached$'
more_re='^netdemo: tcp-serve: turned away: [0-9]+ more like this$'

# two_bursts ARGS...: tcp-serve ARGS --max-clients 1 turns away 600
# clients in two bursts 1.2 s apart: a line a second, the rest counted.
two_bursts() {
	start_server tcp-serve "$@" --max-clients 1
	run timeout -k 2 40 "$PYTHON" "$HIO" flood 127.0.0.1 "$PORT" 300 1.2 300
	echo "$output" >&2
	[ "$status" -eq 0 ]
	local away
	away=$(sed -n 's/^turned away \([0-9]*\) silent 0$/\1/p' <<<"$output")
	[ "$away" -ge 600 ]
	kill -s TERM "$SERVER_PID"
	expect_exit 0 "$SERVER_PID" 20
	# Every turned-away line is one of the two forms; the shown ones plus
	# the counted ones are the clients turned away, no more, no less.
	grep 'turned away' "$SERVER_ERR" >"$T/away" || true
	local shown more other
	shown=$(grep -cE "$turned_away_re" "$T/away" || true)
	more=$(sed -nE 's/^netdemo: tcp-serve: turned away: ([0-9]+) more like this$/\1/p' \
	    "$T/away" | awk '{ s += $1 } END { print s + 0 }')
	other=$(grep -vcE "$turned_away_re|$more_re" "$T/away" || true)
	echo "turned away $away: $shown lines shown, $more counted, $other other" >&2
	[ "$other" -eq 0 ]
	[ $((shown + more)) -eq "$away" ]
	# Two bursts 1.2 s apart: at least two lines shown, only a few.
	[ "$shown" -ge 2 ]
	[ "$shown" -le 6 ]
	# A count line comes before the next shown line, and at the end: it
	# never opens the list, never follows another, and closes it.
	sed -E "s/$turned_away_re/S/; s/$more_re/C/" "$T/away" | tr -d '\n' \
	    >"$T/pattern"
	echo "pattern: $(cat "$T/pattern")" >&2
	grep -qE '^S(C?S)*C$' "$T/pattern"
}

@test "--max-clients 1, 600 turned away in two bursts: a line a second, the rest counted exactly" {
	two_bursts --poll
}

@test "--epoll --max-clients 1, 600 turned away in two bursts: a line a second, the rest counted exactly" {
	two_bursts --epoll
}

# stderr_unread ARGS...: tcp-serve ARGS --max-clients 1 with standard
# error a FIFO nobody reads turns away 1200 clients, still serves, and
# SIGTERM ends it within 1 s.
stderr_unread() {
	hold_fifo err --line 'listening on '
	start_bg srv sh -c 'e=$1; shift; exec "$@" 2>"$e"' sh "$T/err.fifo" \
	    "$ND" tcp-serve "$@" --max-clients 1 --port 0
	local srv=$BG_PID
	PORT=$(listen_port "$T/err.hold.out")
	# 1200 lines of 70 bytes would fill the 64 KiB pipe and freeze the
	# server; each client waits at most 2 s to be turned away.
	run timeout -k 2 60 "$PYTHON" "$HIO" flood 127.0.0.1 "$PORT" 1200
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[[ $output =~ 'turned away '[0-9]+' silent 0' ]]
	[[ $output == *'echo after: ok'* ]]
	kill -s TERM "$srv"
	expect_exit 0 "$srv" 20
}

@test "--max-clients 1, stderr a FIFO nobody reads, 1200 turned away: still serves, SIGTERM within 1 s" {
	stderr_unread --poll
}

@test "--epoll --max-clients 1, stderr a FIFO nobody reads, 1200 turned away: still serves, SIGTERM within 1 s" {
	stderr_unread --epoll
}

# --- 16. the summary on the odd ways a run ends -----------------------------

@test "udp-recv --stats | head -1: the summary still reaches stderr, exit 0" {
	mkfifo "$T/pipe"
	start_bg head sh -c 'exec head -n 1 <"$1"' sh "$T/pipe"
	local head=$BG_PID
	start_out nd "$T/pipe" "$ND" udp-recv --stats --port 0
	local nd=$BG_PID
	PORT=$(listen_port "$T/nd.err")
	timeout -k 2 10 "$ND" udp-send -p "$PORT" -c 20 -i 0.05 -q
	expect_exit 0 "$head" 50
	expect_exit 0 "$nd" 50
	[ "$(cat "$T/head.out")" = 'Hello world : 0' ]
	cat "$T/nd.err" >&2
	grep -qE '^netdemo: udp-recv: summary: [0-9]+ messages, ' "$T/nd.err"
}

@test "SIGINT while tcp-connect is still connecting (backlog full): summary '0 messages', exit 0" {
	start_bg bl "$PYTHON" "$HIO" backlog
	wait_for_line "$T/bl.out" '^port [0-9]+$'
	local bport
	bport=$(sed -n 's/^port //p' "$T/bl.out")
	start_bg c1 "$ND" tcp-connect -p "$bport" -m "$HELLO"
	local c1=$BG_PID
	# Wait until its SYN is out (SYN_SENT), unanswered.
	timeout -k 2 10 "$PYTHON" "$HIO" sockwait "$c1" tcp 02
	kill -s INT "$c1"
	expect_exit 0 "$c1" 20
	cat "$T/c1.err" >&2
	grep -qE '^netdemo: tcp-connect: summary: 0 messages, 0 bytes in ' \
	    "$T/c1.err"
	[ ! -s "$T/c1.out" ]
}

# Issue 10, item 6: typed at a terminal, ^C is echoed where the cursor is;
# the summary must not be glued to it.  script(1) gives netdemo a terminal
# and Control-C is typed into it (the line discipline sends SIGINT).
@test "^C typed at a terminal: the summary starts on a line of its own" {
	command -v script >/dev/null || skip "script(1) is not installed"
	mkfifo "$T/keys"
	# Read-write: opening the fifo blocks neither side.
	exec {keys}<>"$T/keys"
	# Not start_bg: a background command's own < redirect is kept, the
	# one of a function around it is replaced by /dev/null.
	script -qfec "exec $ND udp-recv -p 0 -q" /dev/null <"$T/keys" \
	    >"$BATS_TEST_TMPDIR/tty.out" 2>&1 &
	ND_PIDS+=("$!")
	wait_for_line "$BATS_TEST_TMPDIR/tty.out" 'listening on' 100
	printf '\003' >&"$keys"
	wait_for_line "$BATS_TEST_TMPDIR/tty.out" 'summary: ' 50
	exec {keys}>&-
	wait_pid "${ND_PIDS[-1]}" 50
	# The echo "^C", then a new line, then the summary.
	grep -q '^\^C' "$BATS_TEST_TMPDIR/tty.out"
	grep -q $'^netdemo: udp-recv: summary: 0 messages, 0 bytes in 0 us' \
	    "$BATS_TEST_TMPDIR/tty.out"
	run ! grep -q 'C.*netdemo: udp-recv: summary' "$BATS_TEST_TMPDIR/tty.out"
}
