# helpers.bash: loaded by every test file.  Starts netdemo servers on
# --port 0, waits for their "listening on" line, stops them by PID; checks
# exit statuses and usage errors.  It defines teardown (stop every process
# started here) and no setup or setup_file: those are the test file's.
# shellcheck shell=bash
# Variables set here are read by the test files (SC2034); status, output
# and stderr are set by bats' run (SC2154).
# shellcheck disable=SC2034,SC2154

bats_require_minimum_version 1.5.0

# ND_TESTS: the test/ directory, wherever the test file sits (test/hostile/
# too); the binary and the python tools are found from it.
ND_TESTS=$(cd "${BASH_SOURCE[0]%/*}" && pwd)
ND_TOOLS=$ND_TESTS/tools
ND=${NETDEMO:-$ND_TESTS/../netdemo}
ND_PIDS=()

# T: this test's scratch directory, for the test files.  bats sources the
# test file, and so this one, afresh for each test once BATS_TEST_TMPDIR
# exists (it is empty while setup_file runs); the functions below use
# BATS_TEST_TMPDIR itself.
T=${BATS_TEST_TMPDIR-}

# PYTHON: the python3 that runs the tools in test/tools/: the first on PATH
# that is not a version manager's shim (a pyenv shim takes most of a
# second to start), else plain python3.
PYTHON=python3
for _p in $(type -ap python3); do
	case $_p in */shims/*) continue ;; esac
	PYTHON=$_p
	break
done
unset _p

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

# listen_port FILE [TENTHS]: wait at most TENTHS/10 s (default 5 s) for a
# "listening on HOST:PORT" line in FILE and print its PORT.  Every start_*
# below reads its port here.
listen_port() {
	wait_for_line "$1" 'listening on .*:[0-9]+$' "${2:-50}" || return 1
	sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$1" | head -n 1
}

# start_server MODE [ARGS...]: start netdemo MODE ARGS --port 0 and wait
# (at most 5 s) until it listens.  Sets SERVER_PID, PORT, SERVER_OUT and
# SERVER_ERR.
start_server() {
	start_server_cmd 50 "$ND" "$@" --port 0
}

# start_limited NOFILE MODE [ARGS...]: start_server, with `ulimit -Sn
# NOFILE` set for netdemo alone.
start_limited() {
	local nofile=$1
	shift
	# shellcheck disable=SC2016 # the script is single-quoted on purpose
	start_server_cmd 50 \
	    bash -c 'ulimit -Sn "$1" || exit 99; shift; exec "$@"' \
	    sh "$nofile" "$ND" "$@" --port 0
}

# start_server_cmd TENTHS CMD...: start_server for a CMD that runs netdemo
# some other way (wrapped, under valgrind) and asks for port 0 itself;
# waits at most TENTHS/10 s for the listening line.
start_server_cmd() {
	local tenths=$1 name="server${#ND_PIDS[@]}"
	shift
	start_bg "$name" "$@"
	SERVER_PID=$BG_PID
	SERVER_OUT=$BATS_TEST_TMPDIR/$name.out
	SERVER_ERR=$BATS_TEST_TMPDIR/$name.err
	PORT=$(listen_port "$SERVER_ERR" "$tenths")
}

# start_listener NAME CMD...: start_bg NAME CMD and wait at most 5 s for
# its "listening on" line, leaving SERVER_* as they are: a second receiver
# beside the server, or one run through `ip netns exec`.  Sets L_PID,
# L_OUT, L_ERR and L_PORT.
start_listener() {
	local name=$1
	start_bg "$@"
	L_PID=$BG_PID
	L_OUT=$BATS_TEST_TMPDIR/$name.out
	L_ERR=$BATS_TEST_TMPDIR/$name.err
	L_PORT=$(listen_port "$L_ERR")
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

# expect_exit WANT PID [TENTHS]: PID ends by itself within TENTHS/10 s
# (default 10 s) with status WANT; else say so and show every output file
# of the test.
expect_exit() {
	local want=$1 pid=$2 got=0 f
	wait_pid "$pid" "${3:-100}" || got=$?
	[ "$got" -eq "$want" ] && return 0
	echo "pid $pid: exit status $got, want $want" >&2
	for f in "$BATS_TEST_TMPDIR"/*.out "$BATS_TEST_TMPDIR"/*.err; do
		[ -e "$f" ] || continue
		echo "--- $f" >&2
		head -c 4000 "$f" >&2
	done
	return 1
}

# usage_error [STATUS] 'netdemo: ...' ARGS...: netdemo ARGS exits STATUS
# (default 2, a usage error; 1 for an error found while the mode sets up)
# with exactly that one line on standard error and nothing on standard
# output.  On a mismatch it shows both outputs, control bytes made visible.
usage_error() {
	local want=2 line
	if [[ $1 =~ ^[0-9]+$ ]]; then
		want=$1
		shift
	fi
	line=$1
	shift
	run --separate-stderr timeout 5 "$ND" "$@" </dev/null
	if [ "$status" -ne "$want" ] || [ -n "$output" ] ||
	    [ "$stderr" != "$line" ]; then
		{
			echo "netdemo $*: status $status (want $want)"
			echo "stdout: $output"
			echo "stderr: $stderr"
			echo "want:   $line"
		} | cat -v >&2
		return 1
	fi
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
