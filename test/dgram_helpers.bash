# dgram_helpers.bash: helpers for the UDP and multicast test files, on top
# of helpers.bash.
# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154 # L_*: for the tests; run sets status

DG_SEND_PY=$ND_TOOLS/dg_send.py
DG_JSON_PY=$ND_TOOLS/dg_json.py

# The first python3 on PATH that is not a version-manager shim (a pyenv
# shim costs most of a second per call); python3 if there is none.
DG_PY=python3
for _p in $(type -ap python3); do
	case $_p in */shims/*) continue ;; esac
	DG_PY=$_p
	break
done
unset _p

# scratch NAME: a path in this test's scratch directory.
scratch() {
	printf '%s/%s' "$BATS_TEST_TMPDIR" "$1"
}

# start_listener NAME CMD...: start_bg NAME CMD and wait at most 5 s for
# its "listening on" line.  For a second receiver on a known port, or one
# run through `ip netns exec`.  Sets L_PID, L_OUT, L_ERR and L_PORT.
start_listener() {
	local name=$1
	start_bg "$@"
	L_PID=$BG_PID
	L_OUT=$BATS_TEST_TMPDIR/$name.out
	L_ERR=$BATS_TEST_TMPDIR/$name.err
	wait_for_line "$L_ERR" 'listening on ' || return 1
	L_PORT=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$L_ERR" |
	    head -n 1)
	[ -n "$L_PORT" ]
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

# same_lines FILE LINE...: FILE holds exactly these lines.
same_lines() {
	local file=$1 want
	shift
	want=$(scratch want.$RANDOM)
	printf '%s\n' "$@" >"$want"
	diff -u "$want" "$file"
}

# has_line FILE LINE: FILE has exactly LINE as one of its lines.
has_line() {
	grep -qFx -- "$2" "$1" && return 0
	echo "no line '$2' in $1; it holds:" >&2
	cat "$1" >&2
	return 1
}

# bad_input WANT 'netdemo: ...' ARGS...: netdemo ARGS exits WANT with
# exactly that one line on standard error and nothing on standard output.
bad_input() {
	local want=$1 line=$2
	shift 2
	run --separate-stderr timeout 5 "$ND" "$@" </dev/null
	if [ "$status" -ne "$want" ] || [ -n "$output" ] ||
	    [ "$stderr" != "$line" ]; then
		echo "netdemo $*: status $status (want $want)" >&2
		echo "stdout: $output" >&2
		echo "stderr: $stderr" >&2
		echo "want:   $line" >&2
		return 1
	fi
}

# seq_line N [US] [PAYLOAD]: one datagram in the --seq wire format: '#',
# N on 12 digits, '@', the send time US (microseconds since the epoch,
# default now) on 16 digits, '|', then PAYLOAD (default "msg N").
seq_line() {
	local us=${2:-$(date +%s%6N)}
	printf '#%012d@%016d|%s\n' "$1" "$us" "${3-msg $1}"
}

# forge_seq PORT N...: send one datagram per N, in this order, to
# 127.0.0.1:PORT in the --seq wire format (through udp-send --stdin, which
# sends each line as it is).
forge_seq() {
	local port=$1 n us
	shift
	us=$(date +%s%6N)
	for n in "$@"; do
		seq_line "$n" "$us"
	done | timeout 10 "$ND" udp-send --stdin -q -p "$port"
}

# dg_send HOST PORT FILE...: send each FILE as one datagram (python).
dg_send() {
	timeout 10 "$DG_PY" "$DG_SEND_PY" "$@"
}

# dg_json ARGS...: test/tools/dg_json.py (reads JSON Lines).
dg_json() {
	"$DG_PY" "$DG_JSON_PY" "$@"
}
