# tcp_helpers.bash: helpers for the TCP test files, on top of helpers.bash
# (load both): the python peer, standard input fed through a FIFO, the
# hello exchange, a bound on open descriptors.
# shellcheck shell=bash
# The sh -c scripts below are single-quoted on purpose (SC2016); status,
# output and stderr are set by bats' run (SC2154).
# shellcheck disable=SC2016,SC2154

PEER_PY=$ND_TOOLS/peer.py
HELLO='Hello world'
declare -gA FEED_PID=()

# peer ARGS...: run the python peer (test/tools/peer.py).
peer() {
	"$PYTHON" "$PEER_PY" "$@"
}

# start_in NAME FILE CMD...: start_bg NAME CMD with standard input from
# FILE.  (A redirection on start_bg itself does not reach CMD: without job
# control, bash gives a background command /dev/null as standard input.)
start_in() {
	local name=$1 file=$2
	shift 2
	start_bg "$name" sh -c 'f=$1; shift; exec "$@" <"$f"' sh "$file" "$@"
}

# start_fed NAME CMD...: start_bg NAME CMD with standard input from a FIFO
# that stays open (no EOF) until end_feed NAME; feed NAME TEXT writes to
# it.  The FIFO's writer is a separate process, so no other child of the
# test inherits it.  Sets BG_PID to CMD's PID.
start_fed() {
	local name=$1 fifo
	fifo=$BATS_TEST_TMPDIR/$name.fifo
	shift
	mkfifo "$fifo"
	start_bg "$name.hold" sh -c 'exec 4>"$1"; exec sleep 60' sh "$fifo"
	FEED_PID[$name]=$BG_PID
	start_in "$name" "$fifo" "$@"
}

# feed NAME TEXT: write TEXT (printf format) to NAME's standard input.
feed() {
	timeout 5 bash -c 'printf "$1" >"$2"' sh "$2" \
	    "$BATS_TEST_TMPDIR/$1.fifo"
}

# end_feed NAME: close NAME's standard input (it reads EOF).
end_feed() {
	stop_pid "${FEED_PID[$1]}" || true
}

# wait_fds PID MAX [TENTHS]: wait (default at most 5 s) until PID has at
# most MAX open file descriptors.
wait_fds() {
	local pid=$1 max=$2 n=${3:-50} i c
	for ((i = 0; i < n; i++)); do
		c=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null |
		    wc -l)
		[ "$c" -le "$max" ] && return 0
		sleep 0.1
	done
	echo "PID $pid still has $c fds after $((n / 10)) s (want <= $max)" >&2
	return 1
}

# hello_ok [ARGS...]: tcp-connect ARGS -p $PORT -m 'Hello world' gets
# 'Hello world' back, exit 0, nothing on standard error.
hello_ok() {
	run --separate-stderr timeout 10 "$ND" tcp-connect "$@" -p "$PORT" \
	    -m "$HELLO"
	if [ "$status" -ne 0 ] || [ "$output" != "$HELLO" ] ||
	    [ -n "$stderr" ]; then
		echo "tcp-connect $* -m '$HELLO': status $status" >&2
		echo "stdout: $output" >&2
		echo "stderr: $stderr" >&2
		return 1
	fi
}
