# dgram_helpers.bash: helpers for the UDP and multicast test files, on top
# of helpers.bash (load both): output lines compared, --seq datagrams
# forged, datagrams sent and JSON lines read through the python tools.
# shellcheck shell=bash

DG_SEND_PY=$ND_TOOLS/dg_send.py
DG_JSON_PY=$ND_TOOLS/dg_json.py

# same_lines FILE LINE...: FILE holds exactly these lines.
same_lines() {
	local file=$1 want
	shift
	want=$BATS_TEST_TMPDIR/want.$RANDOM
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
	timeout 10 "$PYTHON" "$DG_SEND_PY" "$@"
}

# dg_json ARGS...: test/tools/dg_json.py (reads JSON Lines).
dg_json() {
	"$PYTHON" "$DG_JSON_PY" "$@"
}
