# helpers.bash: loaded by every test file.  Starts netdemo servers on
# --port 0, waits for their "listening on" line, stops them by PID.
# shellcheck shell=bash

bats_require_minimum_version 1.5.0

# ND_TESTS: the test/ directory, wherever the test file sits (test/hostile/
# too); the binary and the python tools are found from it.
ND_TESTS=$(cd "${BASH_SOURCE[0]%/*}" && pwd)
# shellcheck disable=SC2034  # read by the other helper and test files
ND_TOOLS=$ND_TESTS/tools
ND=${NETDEMO:-$ND_TESTS/../netdemo}
ND_PIDS=()

# wait_for_line FILE REGEX [TENTHS]: wait at most TENTHS/10 s (default 5 s)
# for a line of FILE to match REGEX.
wait_for_line() {
	local file=$1 re=$2 n=${3:-50} i
	for ((i = 0; i < n; i++)); do
		grep -qE -- "$re" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "waited $((n / 10)) s for /$re/ in $file; it holds:" >&2
	cat "$file" >&2 2>/dev/null
	return 1
}

# start_bg NAME CMD...: run CMD in the background with its stdout and
# stderr in $BATS_TEST_TMPDIR/NAME.out and NAME.err; sets BG_PID.
start_bg() {
	local name=$1
	shift
	"$@" >"$BATS_TEST_TMPDIR/$name.out" 2>"$BATS_TEST_TMPDIR/$name.err" 3>&- &
	BG_PID=$!
	ND_PIDS+=("$BG_PID")
}

# start_server MODE [ARGS...]: start netdemo MODE ARGS --port 0 and wait
# until it listens.  Sets SERVER_PID, PORT, SERVER_OUT and SERVER_ERR.
start_server() {
	local name="server${#ND_PIDS[@]}"
	start_bg "$name" "$ND" "$@" --port 0
	# shellcheck disable=SC2034  # read by the test files
	SERVER_PID=$BG_PID
	# shellcheck disable=SC2034
	SERVER_OUT=$BATS_TEST_TMPDIR/$name.out
	SERVER_ERR=$BATS_TEST_TMPDIR/$name.err
	wait_for_line "$SERVER_ERR" 'listening on ' || return 1
	PORT=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$SERVER_ERR" | head -n 1)
	[ -n "$PORT" ]
}

# stop_pid PID [SIG]: signal PID (TERM by default), wait at most 5 s for it
# to go, then KILL it.  Prints nothing; returns PID's exit status.
stop_pid() {
	local pid=$1 sig=${2:-TERM} i
	kill -s "$sig" "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -s KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null
}

# wait_pid PID [TENTHS]: wait for PID to exit by itself, at most TENTHS/10 s
# (default 10 s); returns its status, or 124 after killing it.
wait_pid() {
	local pid=$1 n=${2:-100} i
	for ((i = 0; i < n; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			return $?
		fi
		sleep 0.1
	done
	kill -s KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 124
}

nd_teardown() {
	local pid
	for pid in "${ND_PIDS[@]}"; do
		stop_pid "$pid" TERM >/dev/null 2>&1 || true
	done
	ND_PIDS=()
}

teardown() {
	nd_teardown
}

# proc_field PID FIELD: a "Name: value" field of /proc/PID/status (kB).
proc_field() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# cpu_ticks PID: user + system CPU time of PID in clock ticks.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
