#!/usr/bin/env bats
# hostile/dgram.bats: datagram edge cases from issue 8 ("Trust"): lines
# and messages longer than a datagram, the empty datagram in hex, rates
# over the active period, --seq receivers fed datagrams without a header,
# the --seq counters' invariants against forged streams (stale, wrap,
# clock skew), json len/wire_len, and the exit-3 order (summary first).
# Ground truth: known payload sizes and counts, forged --seq streams, a
# known pacing (-i 0.05) and known idle time (sleep 1, -w 3).

# shellcheck disable=SC2154 # run sets status, output, stderr
load ../helpers
load ../dgram_helpers

HD_PY=$ND_TOOLS/hostile_dgram.py

# hd ARGS...: test/tools/hostile_dgram.py (lines, payloads, expect).
hd() {
	timeout 20 "$PYTHON" "$HD_PY" "$@"
}

# same_text GOT WANT: GOT is exactly WANT; else show both.
same_text() {
	[ "$1" = "$2" ] && return 0
	printf 'got:  %s\nwant: %s\n' "$1" "$2" >&2
	return 1
}

# last_line FILE WANT: WANT is the last line of FILE.
last_line() {
	local got
	got=$(tail -n 1 "$1")
	[ "$got" = "$2" ] && return 0
	printf 'last line of %s: %s\nwant: %s\nit holds:\n' "$1" "$got" "$2" >&2
	cat "$1" >&2
	return 1
}

# line_no FILE EREGEX [first|last]: the number of the first (default) or
# last line of FILE matching EREGEX; fails when none does.
line_no() {
	local n
	if [ "${3:-first}" = last ]; then
		n=$(grep -nE -- "$2" "$1" | tail -n 1 | cut -d: -f1)
	else
		n=$(grep -nE -- "$2" "$1" | head -n 1 | cut -d: -f1)
	fi
	if [ -z "$n" ]; then
		echo "no line /$2/ in $1; it holds:" >&2
		cat "$1" >&2
		return 1
	fi
	echo "$n"
}

# float_ok EXPR: an awk condition on numbers is true (e.g. "20.1 >= 15").
float_ok() {
	awk "BEGIN { exit !($1) }" && return 0
	echo "not true: $1" >&2
	return 1
}

# xs N: N bytes of 'x'.
xs() {
	head -c "$1" /dev/zero | tr '\0' x
}

# --- 8: lines and messages longer than a datagram --------------------------

@test "8 --stdin: lines of 65476, 65477, 65507 bytes go whole; 70000: exit 1 after them, named" {
	start_server udp-recv -f json -b 70000 -w 2
	hd lines 65476 65477 65507 70000 >"$T/in"
	run --separate-stderr timeout 10 "$ND" udp-send --stdin -q \
	    -p "$PORT" <"$T/in"
	same_text "$stderr" 'netdemo: udp-send: --stdin: line 4 is longer than 65507 bytes, the most one datagram holds'
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	expect_exit 0 "$SERVER_PID" 100
	# Exactly the first three, byte-exact; nothing of line 4.
	hd payloads "$SERVER_OUT" 65476 65477 65507
}

@test "8 --stdin --seq: 65476 bytes go whole; 65477, 65507, 70000: exit 1 after it, named" {
	start_server udp-recv --seq -f json -b 70000 -c 3 -w 10
	local n
	for n in 65477 65507 70000; do
		hd lines 65476 "$n" >"$T/in"
		run --separate-stderr timeout 10 "$ND" udp-send --stdin --seq \
		    -q -p "$PORT" <"$T/in"
		same_text "$stderr" 'netdemo: udp-send: --stdin: line 2 is longer than 65476 bytes, the most one datagram holds with --seq'
		[ "$status" -eq 1 ]
	done
	expect_exit 0 "$SERVER_PID"
	# Each run's first line, whole, header stripped; no cut second line.
	hd payloads "$SERVER_OUT" 0:65476 0:65476 0:65476
	hd expect "$SERVER_OUT" '[o["seq"] for o in m] == [0, 0, 0]'
}

@test "8 -m longer than a datagram: exit 2, one line; 65507 (65476 with --seq) and -s go" {
	local long
	long=$(xs 70000)
	usage_error 'netdemo: udp-send: --message: 70000 bytes is longer than 65507, the most one datagram holds' \
	    udp-send -m "$long" -c 1 -i 0 -p 9
	usage_error 'netdemo: udp-send: --message: 70000 bytes is longer than 65476, the most one datagram holds with --seq' \
	    udp-send --seq -m "$long" -c 1 -i 0 -p 9
	usage_error 'netdemo: mcast-send: --message: 70000 bytes is longer than 65507, the most one datagram holds' \
	    mcast-send -m "$long" -c 1 -i 0 -p 9
	usage_error 'netdemo: mcast-send: --message: 70000 bytes is longer than 65476, the most one datagram holds with --seq' \
	    mcast-send --seq -m "$long" -c 1 -i 0 -p 9
	usage_error 'netdemo: udp-send: --message: 65477 bytes is longer than 65476, the most one datagram holds with --seq' \
	    udp-send --seq -m "${long:0:65477}" -c 1 -i 0 -p 9
	# What fits goes whole; --size cuts as asked, without an error.
	start_server udp-recv -f json -b 70000 -c 3 -w 10
	timeout 10 "$ND" udp-send -m "${long:0:65507}" -c 1 -q -p "$PORT"
	timeout 10 "$ND" udp-send --seq -m "${long:0:65476}" -c 1 -q \
	    -p "$PORT"
	timeout 10 "$ND" udp-send -m "$long" -s 100 -c 1 -q -p "$PORT"
	expect_exit 0 "$SERVER_PID"
	hd expect "$SERVER_OUT" '[o["len"] for o in m] == [65507, 65507, 100]'
}

# --- 9: the empty datagram in hex ---------------------------------------------

@test "9 udp-recv -f hex: a zero-length datagram is one line, 00000000 ... ||" {
	start_server udp-recv -f hex -c 2 -w 10
	: >"$T/empty"
	printf 'Hi' >"$T/hi"
	dg_send 127.0.0.1 "$PORT" "$T/empty" "$T/hi"
	expect_exit 0 "$SERVER_PID"
	cat "$SERVER_OUT"
	[ "$(wc -l <"$SERVER_OUT")" -eq 2 ]
	[[ $(sed -n 1p "$SERVER_OUT") =~ ^00000000.*\|\|$ ]]
	[ "$(sed -n 2p "$SERVER_OUT")" = '00000000  48 69                                             |Hi|' ]
}

@test "9 udp-send -f hex -s 0: the empty datagram it sent is one line" {
	start_server udp-recv -c 1 -w 10 -f json
	run --separate-stderr timeout 10 "$ND" udp-send -f hex -s 0 -c 1 \
	    -p "$PORT"
	[ "$status" -eq 0 ]
	echo "stdout: $output"
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
	[[ $output =~ ^00000000.*\|\|$ ]]
	expect_exit 0 "$SERVER_PID"
	hd expect "$SERVER_OUT" '[o["len"] for o in m] == [0]'
}

# --- 10: rates over the active period -----------------------------------------

# "200 ms" in seconds, "2.00 kB" in bytes: the text summary's units.
in_base() {
	local k
	case $2 in
	us) k=0.000001 ;; ms) k=0.001 ;; kB) k=1000 ;; *) k=1 ;;
	esac
	awk -v v="$1" -v k="$k" 'BEGIN { printf "%.9f\n", v * k }'
}

@test "10 5 datagrams at -i 0.05 after 1 s idle, -w 3 after: ~20 messages/s, elapsed apart" {
	start_server udp-recv -q --stats -w 3
	local text_pid=$SERVER_PID text_err=$SERVER_ERR text_port=$PORT
	start_server udp-recv -f json -q --stats -w 3
	sleep 1 # ground truth: idle time before the first datagram
	timeout 10 "$ND" udp-send -c 5 -i 0.05 -s 100 -q -p "$text_port"
	timeout 10 "$ND" udp-send -c 5 -i 0.05 -s 100 -q -p "$PORT" \
	    --stats -f json >"$T/send.json"
	# Idle after the last datagram: -w 3.
	expect_exit 0 "$text_pid"
	expect_exit 0 "$SERVER_PID"
	# json: rates over the 4 intervals between the first and the last.
	hd expect "$SERVER_OUT" 's["messages"] == 5' 's["bytes"] == 500' \
	    'between(s["messages_per_s"], 15, 25)' \
	    'close(s["messages_per_s"] * s["duration_s"], 4, 0.02)' \
	    'close(s["bytes_per_s"] * s["duration_s"], 400, 0.02)' \
	    's["elapsed_s"] >= 3.9' 's["duration_s"] < 1'
	# The sender: n-1 intervals too, and its elapsed time.
	hd expect "$T/send.json" 's["messages"] == 5' \
	    'between(s["messages_per_s"], 15, 25)' \
	    'close(s["messages_per_s"] * s["duration_s"], 4, 0.02)' \
	    's["elapsed_s"] >= s["duration_s"]'
	# text, in human units: A active, R msg/s, B bytes/s, E elapsed.
	local line re='^netdemo: udp-recv: summary: 5 messages, 500 bytes in ([0-9.]+) (us|ms|s): ([0-9.]+) msg/s, ([0-9.]+) (B|kB)/s \([0-9.]+ k?bit/s\); ([0-9.]+) (ms|s) elapsed$'
	line=$(grep '^netdemo: udp-recv: summary: 5 messages' "$text_err")
	echo "text summary: $line"
	[[ $line =~ $re ]]
	local a r b e
	a=$(in_base "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")
	r=${BASH_REMATCH[3]}
	b=$(in_base "${BASH_REMATCH[4]}" "${BASH_REMATCH[5]}")
	e=$(in_base "${BASH_REMATCH[6]}" "${BASH_REMATCH[7]}")
	float_ok "$r >= 15 && $r <= 25"
	float_ok "$r * $a >= 3.88 && $r * $a <= 4.12"
	float_ok "$b * $a >= 388 && $b * $a <= 412"
	float_ok "$e >= 3.9 && $a < 1"
}

@test "10 one datagram: no rate (text), null rates (json), elapsed given" {
	start_server udp-recv -q --stats -w 1
	local text_pid=$SERVER_PID text_err=$SERVER_ERR text_port=$PORT
	start_server udp-recv -f json -q --stats -w 1
	timeout 10 "$ND" udp-send -c 1 -s 100 -q -p "$text_port"
	timeout 10 "$ND" udp-send -c 1 -s 100 -q -p "$PORT"
	expect_exit 0 "$text_pid" 50
	expect_exit 0 "$SERVER_PID" 50
	grep -qE '^netdemo: udp-recv: summary: 1 message, 100 bytes in 0 us: no rate from fewer than 2 messages; [0-9.]+ (ms|s) elapsed$' \
	    "$text_err" || { cat "$text_err" >&2; false; }
	hd expect "$SERVER_OUT" 's["messages"] == 1' \
	    's["messages_per_s"] is None' 's["bytes_per_s"] is None' \
	    's["elapsed_s"] >= 0.95'
}

# --- 11: --seq receivers and datagrams without a header -----------------------

@test "11 --seq --max-loss 0 -c 3, none with a header: exit 3, no_seq line, warned once, nothing measured last" {
	start_server udp-recv --seq --max-loss 0 -c 3 -w 10 -q --stats
	timeout 10 "$ND" udp-send -c 3 -i 0 -q -p "$PORT"
	expect_exit 3 "$SERVER_PID"
	cat "$SERVER_ERR"
	local r
	r=$(line_no "$SERVER_ERR" '^netdemo: udp-recv: summary: 0 received, ')
	[ "$(sed -n "$((r + 1))p" "$SERVER_ERR")" = \
	    'netdemo: udp-recv: summary: 3 datagrams without a --seq header' ]
	[ "$(grep -c 'has no --seq header' "$SERVER_ERR")" -eq 1 ]
	grep -qxE 'netdemo: udp-recv: datagram from 127\.0\.0\.1:[0-9]+ has no --seq header \(counted as no_seq; warned once\)' \
	    "$SERVER_ERR"
	last_line "$SERVER_ERR" \
	    'netdemo: udp-recv: nothing measured: 3 datagrams, none with a --seq header'
}

@test "11 --seq -c 2 with the header cut by -b 20: 2 without a header, exit 3, nothing measured" {
	start_server udp-recv --seq -c 2 -b 20 -w 10 -q --stats
	timeout 10 "$ND" udp-send --seq -c 2 -i 0 -q -p "$PORT"
	expect_exit 3 "$SERVER_PID"
	cat "$SERVER_ERR"
	[ "$(grep -c 'has no --seq header' "$SERVER_ERR")" -eq 1 ]
	# -b also warns (truncated), and that warning's "N more like this"
	# may come at the very end: only the order is asserted here.
	local r n m
	r=$(line_no "$SERVER_ERR" '^netdemo: udp-recv: summary: 0 received, ')
	n=$(line_no "$SERVER_ERR" \
	    '^netdemo: udp-recv: summary: 2 datagrams without a --seq header$')
	m=$(line_no "$SERVER_ERR" \
	    '^netdemo: udp-recv: nothing measured: 2 datagrams, none with a --seq header$')
	[ "$n" -eq $((r + 1)) ] && [ "$m" -gt "$n" ]
}

@test "11 --seq: 3 without a header among 2 with: no_seq 3, warned once, exit 0" {
	start_server udp-recv --seq -c 5 -w 10 -f json -q --stats --max-loss 0
	{
		echo 'no header'
		seq_line 0
		echo 'none either'
		seq_line 1
		echo '#00000000000x@0000000000000000|bad digit'
	} | timeout 10 "$ND" udp-send --stdin -i 0.01 -q -p "$PORT"
	expect_exit 0 "$SERVER_PID"
	hd expect "$SERVER_OUT" 's["messages"] == 5' 's["received"] == 2' \
	    's["lost"] == 0' 's["no_seq"] == 3'
	[ "$(grep -c 'has no --seq header' "$SERVER_ERR")" -eq 1 ]
	run ! grep -q 'nothing measured' "$SERVER_ERR"
}

# --- 12: the --seq counters against forged streams ----------------------------

@test "12 forged 0, 70000, then 0 x 3000: received 2, lost 69999, stale 3000, duplicated 0" {
	start_server udp-recv --seq -c 3002 -w 10 -f json -q --stats
	local us i
	us=$(date +%s%6N)
	{
		seq_line 0 "$us"
		seq_line 70000 "$us"
		for ((i = 0; i < 3000; i++)); do
			seq_line 0 "$us"
		done
	} | timeout 30 "$ND" udp-send --stdin -i 0.001 -q -p "$PORT"
	expect_exit 0 "$SERVER_PID" 150
	hd expect "$SERVER_OUT" 's["messages"] == 3002' 's["senders"] == 1' \
	    's["received"] == 2' 's["lost"] == 69999' 's["stale"] == 3000' \
	    's["duplicated"] == 0' 's["received"] + s["lost"] == 70000 - 0 + 1'
}

@test "12 the 12-digit wrap 999999999998, 999999999999, 0, 1: 4 received, 0 lost" {
	start_server udp-recv --seq -c 4 -w 10 -f json -q --stats
	forge_seq "$PORT" 999999999998 999999999999 0 1
	expect_exit 0 "$SERVER_PID"
	hd expect "$SERVER_OUT" 's["messages"] == 4' 's["received"] == 4' \
	    's["lost"] == 0' 's["duplicated"] == 0' 's["out_of_order"] == 0' \
	    's.get("stale", 0) == 0'
}

@test "12 a send time 10 s in the future: latency clamped to 0, counted as clock_skew" {
	start_server udp-recv --seq -c 2 -w 10 -f json --stats
	local now
	now=$(date +%s%6N)
	{
		seq_line 0 $((now + 10000000)) future
		seq_line 1 "$now" now
	} | timeout 10 "$ND" udp-send --stdin -q -p "$PORT"
	expect_exit 0 "$SERVER_PID"
	hd expect "$SERVER_OUT" '[o["seq"] for o in m] == [0, 1]' \
	    'm[0]["latency_us"] == 0' \
	    'm[1]["latency_us"] >= 0 and m[1]["latency_us"] < 5000000' \
	    's["received"] == 2' 's["clock_skew"] == 1' \
	    's["latency_us"]["min"] >= 0' 's["latency_us"]["max"] < 5000000'
}

# --- 13: json len is the payload, wire_len the datagram ------------------------

@test "13 --seq -m hello in json: len 5, wire_len 36, seq 0, data hello, in udp-send and udp-recv" {
	start_server udp-recv --seq -c 1 -w 10 -f json --stats
	timeout 10 "$ND" udp-send --seq -m hello -c 1 -f json --stats \
	    -p "$PORT" >"$T/send.json"
	expect_exit 0 "$SERVER_PID"
	local f
	for f in "$T/send.json" "$SERVER_OUT"; do
		hd expect "$f" 'len(m) == 1' 'm[0]["len"] == 5' \
		    'm[0]["wire_len"] == 36' 'm[0]["seq"] == 0' \
		    'm[0]["data"] == "hello"' 's["messages"] == 1' \
		    's["bytes"] == 36'
	done
}

# --- 14: exit 3: the summary first, then the reason ---------------------------

@test "14 udp-recv -w 0.5, nothing received: exit 3, summary, then 'nothing received' last" {
	start_server udp-recv -w 0.5 --stats
	expect_exit 3 "$SERVER_PID" 50
	local s
	s=$(line_no "$SERVER_ERR" '^netdemo: udp-recv: summary: 0 messages, ')
	last_line "$SERVER_ERR" 'netdemo: udp-recv: nothing received in 0.5 s'
	[ "$s" -lt "$(wc -l <"$SERVER_ERR")" ]
}

@test "14 udp-recv -c 5 -w 1 with 2 sent: exit 3, summary, then '2 of 5' last" {
	start_server udp-recv -c 5 -w 1 -q --stats
	timeout 10 "$ND" udp-send -c 2 -i 0 -q -p "$PORT"
	expect_exit 3 "$SERVER_PID" 50
	line_no "$SERVER_ERR" '^netdemo: udp-recv: summary: 2 messages, '
	last_line "$SERVER_ERR" \
	    'netdemo: udp-recv: 2 of 5 datagrams received before --timeout 1 s'
}

@test "14 mcast-recv -w 0.5, nothing received: summary, 'nothing received', then the checks" {
	start_server mcast-recv -w 0.5 --stats
	expect_exit 3 "$SERVER_PID" 50
	local s w c
	s=$(line_no "$SERVER_ERR" '^netdemo: mcast-recv: summary: ' last)
	w=$(line_no "$SERVER_ERR" \
	    '^netdemo: mcast-recv: nothing received in 0\.5 s$')
	c=$(line_no "$SERVER_ERR" '^netdemo: mcast-recv: checks for ')
	echo "summary line $s, reason line $w, checks line $c"
	[ "$s" -lt "$w" ] && [ "$w" -lt "$c" ]
}
