#!/usr/bin/env bats
# measure.bats: the measuring instrument of issue 10 (items 1-4 and 6):
# size and rate suffixes, --rate, -t/--duration, --report records, latency
# percentiles and --histogram, --echo and --rtt, and the human units of the
# text summaries.  Ground truth: a known pacing, forged --seq datagrams with
# chosen latencies, and an echo that loses, delays or repeats replies on
# purpose (test/tools/measure_peer.py).

# shellcheck disable=SC2154 # run sets status, output, stderr, lines
load helpers
load dgram_helpers
load tcp_helpers

MEASURE_PY=$ND_TOOLS/measure_peer.py

# measure ARGS...: test/tools/measure_peer.py (forge, echo, probe).
measure() {
	timeout 20 "$PYTHON" "$MEASURE_PY" "$@"
}

# start_echo [ARGS...]: measure_peer.py echo ARGS in the background, ready;
# sets ECHO_OUT and ECHO_PORT.
start_echo() {
	start_bg echo "$PYTHON" "$MEASURE_PY" echo "$@"
	ECHO_OUT=$BATS_TEST_TMPDIR/echo.out
	wait_for_line "$ECHO_OUT" '^port [0-9]+$' || return 1
	ECHO_PORT=$(sed -n 's/^port \([0-9]*\)$/\1/p' "$ECHO_OUT")
}

# sj FILE FILTER: jq FILTER on the summary object of the JSON Lines FILE.
sj() {
	jq -r "select(.event == \"summary\") | $2" "$1"
}

# rj FILE FILTER: jq FILTER on each report object of FILE, one a line.
rj() {
	jq -r "select(.event == \"report\") | $2" "$1"
}

# rsum FILE KEY [SELECT]: the sum of KEY over FILE's report objects (those
# for which the jq condition SELECT holds, all by default).
rsum() {
	jq -s "map(select(.event == \"report\" and (${3:-true})) | .$2) | add // 0" "$1"
}

# float_ok EXPR: an awk condition on numbers is true (e.g. "20.1 >= 15").
float_ok() {
	awk "BEGIN { exit !($1) }" && return 0
	echo "not true: $1" >&2
	return 1
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

# before FILE EREGEX1 EREGEX2: a line matching EREGEX1 comes before every
# line matching EREGEX2, and both exist.
before() {
	local a b
	a=$(grep -nE -- "$2" "$1" | head -n 1 | cut -d: -f1)
	b=$(grep -nE -- "$3" "$1" | head -n 1 | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] && return 0
	printf 'want /%s/ (line %s) before /%s/ (line %s) in %s:\n' \
	    "$2" "${a:-none}" "$3" "${b:-none}" "$1" >&2
	cat "$1" >&2
	return 1
}

# now_ms: the monotonic-enough wall clock, in milliseconds.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# lat_100: the latencies 100 ms, 200 ms ... 10 s in microseconds, for
# measure_peer.py forge.
lat_100() {
	local k
	for ((k = 1; k <= 100; k++)); do
		echo $((k * 100000))
	done
}

# chart FILE MODE: the rows of --histogram's charts in FILE (the lines
# with a bar between two '|'), MODE's prefix taken off.
chart() {
	sed -n "s/^netdemo: $2: \\(.*|[# ]*|.*\\)\$/\\1/p" "$1"
}

# chart_ok FILE MODE N: the chart in FILE is 1 to 12 rows of bars 40
# wide, the fullest row full, each range starting where the one above
# ends, the counts adding up to N and the last row at 100.0%.
chart_ok() {
	local file=$1 mode=$2 n=$3
	chart "$file" "$mode" >"$BATS_TEST_TMPDIR/chart"
	awk -v n="$n" '
	BEGIN { FS = "|"; bad = "" }
	{
		rows++
		if (length($2) != 40) bad = bad " width:" NR
		bar = $2
		if (gsub(/#/, "", bar) == 40) full = 1
		split($1, r, " - ")
		gsub(/^ +| +$/, "", r[1]); gsub(/^ +| +$/, "", r[2])
		if (NR > 1 && r[1] != prev) bad = bad " gap:" NR
		prev = r[2]
		split($3, c, " ")
		sum += c[1]; last = c[2]
	}
	END {
		if (rows < 1 || rows > 12) bad = bad " rows:" rows
		if (!full) bad = bad " no-full-row"
		if (sum != n) bad = bad " sum:" sum
		if (last != "100.0%") bad = bad " last:" last
		if (bad != "") { print "chart:" bad > "/dev/stderr"; exit 1 }
	}' "$BATS_TEST_TMPDIR/chart" && return 0
	cat "$file" >&2
	return 1
}

# --- sizes and rates as people type them -----------------------------------

@test "--size: 1.5k is 1500 bytes, 1Ki 1024, 2KB 2000 (decimal k, binary Ki)" {
	start_server udp-recv -c 3 -w 10 -f json
	local s
	for s in 1.5k 1Ki 2KB; do
		timeout 10 "$ND" udp-send -s "$s" -c 1 -q -p "$PORT"
	done
	expect_exit 0 "$SERVER_PID"
	same_text "$(jq -r .len "$SERVER_OUT" | tr '\n' ' ')" '1500 1024 2000 '
}

@test "--bufsize 1k reads 1000 bytes of a 1500-byte datagram" {
	start_server udp-recv -b 1k -c 1 -w 10 -f json
	timeout 10 "$ND" udp-send -s 1500 -c 1 -q -p "$PORT"
	expect_exit 0 "$SERVER_PID"
	same_text "$(jq -c '[.len, .orig_len, .truncated]' "$SERVER_OUT")" \
	    '[1000,1500,true]'
}

@test "usage: --size 1.0005k is not a whole number of bytes" {
	usage_error 'netdemo: udp-send: --size 1.0005k: not a whole number of bytes' \
	    udp-send -s 1.0005k
}

@test "usage: --size .5k is not a size (a digit on both sides of the point)" {
	usage_error 'netdemo: udp-send: --size .5k: not a size' udp-send -s .5k
}

@test "usage: --size 1kb is not a size (b would be bits)" {
	usage_error 'netdemo: udp-send: --size 1kb: not a size' udp-send -s 1kb
}

@test "usage: --size 1e3 is not a size" {
	usage_error 'netdemo: udp-send: --size 1e3: not a size' udp-send -s 1e3
}

@test "usage: --size 64Ki is past the largest datagram" {
	usage_error 'netdemo: udp-send: --size 64Ki: out of range 0-65507' \
	    udp-send -s 64Ki
}

@test "usage: --bufsize 17Mi is out of range" {
	usage_error 'netdemo: udp-recv: --bufsize 17Mi: out of range 1-16777216' \
	    udp-recv -b 17Mi
}

@test "--rate: every spelling of 800 kbit/s and of 5000 datagrams/s" {
	start_server udp-recv -q
	local r
	for r in 800k 800K 800000 0.8M 800kbps 800kbit/s; do
		run --separate-stderr timeout 10 "$ND" udp-send -r "$r" -c 1 -q \
		    -f json --stats -p "$PORT"
		[ "$status" -eq 0 ]
		same_text "$r: $(sj /dev/stdin '.target_bits_per_s' <<<"$output")" \
		    "$r: 800000"
	done
	for r in 5000/s 5k/s 5K/s 5kpps 5000pps; do
		run --separate-stderr timeout 10 "$ND" udp-send -r "$r" -c 1 -q \
		    -f json --stats -p "$PORT"
		[ "$status" -eq 0 ]
		same_text "$r: $(sj /dev/stdin '.target_messages_per_s' <<<"$output")" \
		    "$r: 5000"
	done
}

@test "usage: --rate abc is not a rate, and the message shows the forms" {
	usage_error 'netdemo: udp-send: --rate abc: not a rate (datagrams: 5000/s, 5kpps; bits: 10M, 1.5G)' \
	    udp-send -r abc
}

@test "usage: --rate 0 is out of range" {
	run --separate-stderr timeout 5 "$ND" udp-send -r 0 </dev/null
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ $stderr == 'netdemo: udp-send: --rate 0: out of range'* ]]
	[ "${#stderr_lines[@]}" -eq 1 ]
}

@test "usage: -i and -r pace the same thing: choose one" {
	usage_error 'netdemo: udp-send: -i and -r: choose one' \
	    udp-send -i 0 -r 5k/s
}

@test "usage: --rate is not an option of a receiver or of TCP" {
	usage_error 'netdemo: udp-recv: --rate: not an option of udp-recv' \
	    udp-recv --rate 5k/s
	usage_error 'netdemo: tcp-connect: --rate: not an option of tcp-connect' \
	    tcp-connect --rate 10M
}

@test "usage: --duration 0 is refused" {
	run --separate-stderr timeout 5 "$ND" udp-recv -t 0 </dev/null
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ $stderr == 'netdemo: udp-recv: --duration 0: out of range'* ]]
}

# A message that names a range names one that leaves the value out: "out of
# range 0-1000000" for --report 0.001 would say 0.001 was fine.
@test "usage: --report 0.001 and --rtt-timeout 0.0005: refused, by a range that excludes them" {
	local args v line lo hi
	for args in 'udp-recv --report 0.001' \
	    'udp-send --rtt --rtt-timeout 0.0005'; do
		v=${args##* }
		# shellcheck disable=SC2086 # the words of args are the arguments
		run --separate-stderr timeout 5 "$ND" $args </dev/null
		[ "$status" -eq 2 ]
		line=$stderr
		[[ $line =~ ': '(--[a-z-]+)' '"$v"': out of range'(' '([0-9.]+)-([0-9.]+))?$ ]] || {
			echo "unexpected: $line" >&2
			return 1
		}
		[ -z "${BASH_REMATCH[2]}" ] && continue
		lo=${BASH_REMATCH[3]} hi=${BASH_REMATCH[4]}
		float_ok "$v < $lo || $v > $hi" || {
			echo "$line: names a range that holds $v" >&2
			return 1
		}
	done
}

# --- pacing: --rate ---------------------------------------------------------

@test "--rate 5kpps: 1001 datagrams in 200 ms, never ahead of the pace" {
	start_server udp-recv -q -w 5
	run --separate-stderr timeout 10 "$ND" udp-send -r 5kpps -c 1001 -q \
	    -f json --stats -p "$PORT"
	[ "$status" -eq 0 ]
	local s
	s=$(sj /dev/stdin '"\(.messages) \(.target_messages_per_s) \(.duration_s) \(.elapsed_s)"' <<<"$output")
	echo "sender: $s" >&2
	read -r n target dur el <<<"$s"
	[ "$n" -eq 1001 ] && [ "$target" = 5000 ]
	# Slots of 200 us on a grid from the start: the last one 200 ms in,
	# never before (the active period, from the first send, a little less).
	float_ok "$el >= 0.2 && $dur > 0.1 && $dur < 0.5"
}

@test "--rate 800k in bits: 100-byte datagrams go 1000 a second" {
	start_server udp-recv -q -w 5
	run --separate-stderr timeout 10 "$ND" udp-send -r 800k -s 100 -c 201 \
	    -q -f json --stats -p "$PORT"
	[ "$status" -eq 0 ]
	read -r target dur el <<<"$(sj /dev/stdin '"\(.target_bits_per_s) \(.duration_s) \(.elapsed_s)"' <<<"$output")"
	[ "$target" = 800000 ]
	# 800 bits a datagram: 200 slots of 1 ms.
	float_ok "$el >= 0.2 && $dur > 0.1 && $dur < 0.5"
}

@test "--rate, text summary: what was asked and what was sent, in human units" {
	start_server udp-recv -q -w 5
	run --separate-stderr timeout 10 "$ND" udp-send -r 5kpps -c 101 -q \
	    --stats -p "$PORT"
	[ "$status" -eq 0 ]
	grep -qxE 'netdemo: udp-send: summary: rate 5\.00 k msg/s asked, [0-9.]+ (k )?msg/s sent \([0-9.]+%\)' \
	    <<<"$stderr"
	run --separate-stderr timeout 10 "$ND" udp-send -r 800k -s 100 -c 101 \
	    -q --stats -p "$PORT"
	[ "$status" -eq 0 ]
	grep -qxE 'netdemo: udp-send: summary: rate 800\.0 kbit/s asked, [0-9.]+ kbit/s sent \([0-9.]+%\)' \
	    <<<"$stderr"
}

# --- -t/--duration ----------------------------------------------------------

@test "udp-send -t 0.5 -i 0.05: ten datagrams in half a second, exit 0" {
	start_server udp-recv -q -w 5
	local t0 ms
	t0=$(now_ms)
	run --separate-stderr timeout 10 "$ND" udp-send -t 0.5 -i 0.05 -q \
	    -f json --stats -p "$PORT"
	ms=$(($(now_ms) - t0))
	[ "$status" -eq 0 ]
	[ "$ms" -ge 450 ] && [ "$ms" -lt 3000 ]
	n=$(sj /dev/stdin .messages <<<"$output")
	[ "$n" -ge 9 ] && [ "$n" -le 10 ]
}

@test "udp-send -t short of -c: exit 3, the summary, then how many were sent" {
	start_server udp-recv -q -w 5
	run --separate-stderr timeout 10 "$ND" udp-send -t 0.3 -i 0.01 -c 1000 \
	    -q -p "$PORT"
	[ "$status" -eq 3 ]
	printf '%s\n' "$stderr" >"$T/err"
	before "$T/err" '^netdemo: udp-send: summary: [0-9]+ messages,' \
	    '^netdemo: udp-send: [0-9]+ of 1000 datagrams sent in --duration 0.3 s$'
	grep -qxE 'netdemo: udp-send: [0-9]+ of 1000 datagrams sent in --duration 0.3 s' \
	    <<<"$(tail -n 1 "$T/err")"
}

@test "udp-recv -t 0.6: ends on time though datagrams keep coming, exit 0" {
	start_server udp-recv -t 0.6 -q --stats
	start_bg sender "$ND" udp-send -i 0.02 -t 5 -q -p "$PORT"
	local t0
	t0=$(now_ms)
	expect_exit 0 "$SERVER_PID" 50
	[ $(($(now_ms) - t0)) -lt 2000 ]
	grep -qE '^netdemo: udp-recv: summary: [0-9]+ messages, ' "$SERVER_ERR"
	run ! grep -q ' 0 messages, ' "$SERVER_ERR"
}

@test "udp-recv -t with nothing received: exit 3, the summary, then why" {
	start_server udp-recv -t 0.3 -q
	expect_exit 3 "$SERVER_PID" 50
	before "$SERVER_ERR" '^netdemo: udp-recv: summary: 0 messages' \
	    '^netdemo: udp-recv: nothing received in --duration 0.3 s$'
	last_line "$SERVER_ERR" 'netdemo: udp-recv: nothing received in --duration 0.3 s'
}

@test "udp-recv -t short of -c: exit 3, how many of -c arrived, last" {
	start_server udp-recv -t 0.5 -c 10 -q
	timeout 10 "$ND" udp-send -c 3 -i 0 -q -p "$PORT"
	expect_exit 3 "$SERVER_PID" 50
	last_line "$SERVER_ERR" 'netdemo: udp-recv: 3 of 10 datagrams received in --duration 0.5 s'
	grep -q '^netdemo: udp-recv: summary: 3 messages, ' "$SERVER_ERR"
}

@test "tcp-serve -t 0.5: stops after half a second, exit 0" {
	local t0
	t0=$(now_ms)
	start_server tcp-serve --poll -t 0.5 -q
	expect_exit 0 "$SERVER_PID" 50
	[ $(($(now_ms) - t0)) -lt 2500 ]
}

# SPEC: a run that ends with exit 3 prints its summary first, then one line
# saying why (as udp-recv and udp-send do above).
@test "tcp-serve -t short of -c: exit 3, the summary first, the reason last" {
	start_server tcp-serve --poll -t 0.3 -c 2 -q
	expect_exit 3 "$SERVER_PID" 50
	grep -q '^netdemo: tcp-serve: summary: 0 clients served' "$SERVER_ERR"
	last_line "$SERVER_ERR" 'netdemo: tcp-serve: 0 of 2 clients served in --duration 0.3 s'
}

@test "tcp-connect -t 0.5 on a quiet connection: exit 0 after half a second" {
	start_server tcp-serve --poll -q
	local t0 st=0
	t0=$(now_ms)
	start_fed client "$ND" tcp-connect -t 0.5 -p "$PORT"
	wait_pid "$BG_PID" 50 || st=$?
	[ "$st" -eq 0 ]
	[ $(($(now_ms) - t0)) -ge 450 ]
}

@test "tcp-connect -t short of -c: exit 3, the summary first, the reason last" {
	start_server tcp-serve --poll -q
	start_fed client "$ND" tcp-connect -t 0.3 -c 5 -p "$PORT"
	local pid=$BG_PID
	expect_exit 3 "$pid" 50
	grep -q '^netdemo: tcp-connect: summary: 0 messages' "$T/client.err"
	last_line "$T/client.err" 'netdemo: tcp-connect: 0 of 5 reads in --duration 0.3 s'
}

# --- --report ---------------------------------------------------------------

# Text records: one per interval, in columns, the intervals end to end from
# 0, their messages adding up to the summary's.
@test "udp-recv --report: a text record per interval, in columns, adding up" {
	start_server udp-recv --report 0.25 -t 2 -q --stats
	timeout 10 "$ND" udp-send -i 0.025 -c 40 -q -p "$PORT"
	expect_exit 0 "$SERVER_PID" 50
	local re='^netdemo: udp-recv: report 127\.0\.0\.1:[0-9]+ +[0-9]+\.[0-9]{2}-[0-9]+\.[0-9]{2} s +[0-9]+ msg +[0-9.]+ k?B +[0-9.]+ (k )?msg/s +[0-9.]+ k?bit/s$'
	grep ' report ' "$SERVER_ERR" >"$T/rec"
	[ "$(wc -l <"$T/rec")" -ge 3 ]
	run ! grep -vE "$re" "$T/rec"
	# Columns: " msg" at the same place on every line.
	[ "$(awk '{ print index($0, " msg ") }' "$T/rec" | sort -u | wc -l)" -eq 1 ]
	awk '{
		split($5, iv, "-")
		if (NR == 1 && iv[1] != "0.00") { print "starts at " iv[1]; exit 1 }
		if (NR > 1 && iv[1] != prev) { print "gap at line " NR; exit 1 }
		prev = iv[2]; sum += $7
	} END { if (sum != 40) { print "sum " sum; exit 1 } }' "$T/rec"
}

@test "udp-recv --report -f json: records among the data, adding up to the summary" {
	start_server udp-recv --seq --report 0.2 -t 1.6 -f json --stats
	local n
	# 40 sequences over 0.8 s, four of them never sent: 36 arrive, 4 lost.
	for n in $(seq 0 39); do
		case $n in 5 | 17 | 18 | 30) continue ;; esac
		seq_line "$n"
	done | timeout 10 "$ND" udp-send --stdin -i 0.02 -q -p "$PORT"
	expect_exit 0 "$SERVER_PID" 50
	[ "$(rj "$SERVER_OUT" .peer | wc -l)" -ge 3 ]
	[ "$(jq -r 'select(.event == null) | .data' "$SERVER_OUT" | wc -l)" -eq 36 ]
	[ "$(rsum "$SERVER_OUT" messages)" -eq "$(sj "$SERVER_OUT" .messages)" ]
	[ "$(rsum "$SERVER_OUT" bytes)" -eq "$(sj "$SERVER_OUT" .bytes)" ]
	[ "$(sj "$SERVER_OUT" .lost)" -eq 4 ]
	[ "$(rsum "$SERVER_OUT" lost)" -eq 4 ]
	# End to end from the flow's first interval (one that ended before
	# the sender began has no record: there was no flow yet); each record
	# has its latency percentiles or null.
	rj "$SERVER_OUT" '"\(.start_s) \(.end_s)"' | awk '
	    NR > 1 && $1 != prev { exit 1 }
	    { prev = $2 }'
	[ "$(rj "$SERVER_OUT" 'has("latency_us") and has("jitter_us") and has("out_of_order")' | sort -u)" = true ]
}

@test "--report: an interval with nothing in it still has its record, of zeros" {
	start_server udp-recv --seq --report 0.2 -t 0.9 -f json -q
	timeout 10 "$ND" udp-send --seq -c 3 -i 0 -q -p "$PORT"
	expect_exit 0 "$SERVER_PID" 50
	[ "$(rsum "$SERVER_OUT" messages)" -eq 3 ]
	rj "$SERVER_OUT" '"\(.messages) \(.latency_us)"' >"$T/rec"
	[ "$(wc -l <"$T/rec")" -ge 4 ]
	grep -qx '0 null' "$T/rec"
}

@test "udp-recv --report: two senders, a record each per interval" {
	start_server udp-recv --report 0.3 -t 0.95 -f json -q
	start_bg s1 "$ND" udp-send -i 0.05 -t 0.9 -q -p "$PORT"
	start_bg s2 "$ND" udp-send -i 0.05 -t 0.9 -q -p "$PORT"
	expect_exit 0 "$SERVER_PID" 50
	# Two peers; an interval has a record of each sender heard by then:
	# at most two, and two in the last.
	[ "$(rj "$SERVER_OUT" .peer | sort -u | wc -l)" -eq 2 ]
	[ "$(rj "$SERVER_OUT" .start_s | sort | uniq -c | awk '$1 > 2' | wc -l)" -eq 0 ]
	[ "$(rj "$SERVER_OUT" .start_s | sort -n | uniq -c | tail -n 1 | awk '{ print $1 }')" -eq 2 ]
}

# The records of a run account for everything its summary counts: the
# last datagram too, though it goes on the tick of a report.
@test "udp-send --report: the records add up to what was sent" {
	start_server udp-recv -q -w 5
	run --separate-stderr timeout 10 "$ND" udp-send -c 5 -i 0.1 \
	    --report 0.2 -q -f json -p "$PORT"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	[ "$(sj "$T/out" .messages)" -eq 5 ]
	same_text "$(rsum "$T/out" messages)" 5
	same_text "$(rsum "$T/out" bytes)" "$(sj "$T/out" .bytes)"
}

@test "tcp-connect --report -f json: bytes in and out add up to the summary" {
	start_server tcp-serve --poll -q
	{
		head -c 100000 /dev/zero
		sleep 0.3
		head -c 100000 /dev/zero
	} | timeout 10 "$ND" tcp-connect --report 0.2 -f json -q -p "$PORT" \
	    >"$T/out"
	[ "$(sj "$T/out" .bytes_out)" -eq 200000 ]
	[ "$(sj "$T/out" .bytes_in)" -eq 200000 ]
	[ "$(rsum "$T/out" bytes_out)" -eq 200000 ]
	[ "$(rsum "$T/out" bytes_in)" -eq 200000 ]
	[ "$(rj "$T/out" .mode | sort -u)" = tcp-connect ]
}

@test "tcp-serve --report: a record per client per interval, bytes both ways" {
	start_server tcp-serve --poll --report 0.2 -f json -q
	start_fed c1 "$ND" tcp-connect -q -p "$PORT"
	start_fed c2 "$ND" tcp-connect -q -p "$PORT"
	feed c1 'one\n'
	feed c2 'two\n'
	sleep 0.5
	feed c1 'one\n'
	# Every byte in a record within 3 s (the third one a report or more
	# after the first two).
	local i
	for ((i = 0; i < 30; i++)); do
		[ "$(rsum "$SERVER_OUT" bytes_in)" -ge 12 ] && break
		sleep 0.1
	done
	stop_pid "$SERVER_PID" || true
	[ "$(rj "$SERVER_OUT" .peer | sort -u | wc -l)" -eq 2 ]
	[ "$(rsum "$SERVER_OUT" bytes_in)" -eq 12 ]
	[ "$(rsum "$SERVER_OUT" bytes_out)" -eq 12 ]
	# Two intervals at least, each with a record of both clients.
	[ "$(rj "$SERVER_OUT" .start_s | sort -u | wc -l)" -ge 2 ]
	[ "$(rj "$SERVER_OUT" .start_s | sort | uniq -c | awk '$1 != 2' | wc -l)" -eq 0 ]
}

@test "tcp-serve --report: a client that comes and goes between two reports has its record" {
	start_server tcp-serve --poll --report 1 -c 1 -q -f json
	head -c 100000 /dev/zero |
	    timeout 10 "$ND" tcp-connect -q -p "$PORT"
	expect_exit 0 "$SERVER_PID"
	[ "$(sj "$SERVER_OUT" .bytes_in)" -eq 100000 ]
	same_text "$(rsum "$SERVER_OUT" bytes_in)" 100000
}

# --- latency percentiles and --histogram ------------------------------------

# 100 datagrams stamped 0.1 s, 0.2 s ... 10 s before they were sent: the
# percentiles are the 50th, 90th, 99th and 100th of them, a bucket's width
# (under 1%) and the trip (here under half a second) above.
@test "latency percentiles of forged latencies 0.1 s to 10 s" {
	start_server udp-recv --seq -c 100 -w 10 -q -f json --stats
	# shellcheck disable=SC2046 # one argument per latency
	measure forge 127.0.0.1 "$PORT" $(lat_100)
	expect_exit 0 "$SERVER_PID"
	read -r min p50 p90 p99 p999 max avg <<<"$(sj "$SERVER_OUT" \
	    '.latency_us | "\(.min) \(.p50) \(.p90) \(.p99) \(.p999) \(.max) \(.avg)"')"
	echo "min $min p50 $p50 p90 $p90 p99 $p99 p999 $p999 max $max avg $avg" >&2
	float_ok "$min >= 100000 && $min < 600000"
	float_ok "$p50 >= 5000000 && $p50 < 5600000"
	float_ok "$p90 >= 9000000 && $p90 < 9600000"
	float_ok "$p99 >= 9900000 && $p99 < $max"
	float_ok "$p999 == $max && $max >= 10000000 && $max < 10500000"
	float_ok "$avg >= 5050000 && $avg < 5550000"
}

@test "latency percentiles in the text summary, in human units" {
	start_server udp-recv --seq -c 100 -w 10 -q --stats
	# shellcheck disable=SC2046 # one argument per latency
	measure forge 127.0.0.1 "$PORT" $(lat_100)
	expect_exit 0 "$SERVER_PID"
	grep -qxE 'netdemo: udp-recv: summary: latency min [0-9.]+ ms, p50 5\.[0-9]{2} s, p90 9\.[0-9]{2} s, p99 (9\.[0-9]{2}|10\.[0-9]) s, p99\.9 10\.[0-9] s, max 10\.[0-9] s, avg 5\.[0-9]{2} s; jitter [0-9.]+ ms' \
	    "$SERVER_ERR"
}

@test "--histogram: a chart of the latencies after the summary, counting each once" {
	start_server udp-recv --seq --histogram -c 100 -w 10 -q --stats
	# shellcheck disable=SC2046 # one argument per latency
	measure forge 127.0.0.1 "$PORT" $(lat_100)
	expect_exit 0 "$SERVER_PID"
	grep -qx 'netdemo: udp-recv: latency, 100 datagrams:' "$SERVER_ERR"
	before "$SERVER_ERR" ' summary: latency ' ' latency, 100 datagrams:$'
	chart_ok "$SERVER_ERR" udp-recv 100
	# The rows go from the least to the most: 100 ms, then 10 s.
	chart "$SERVER_ERR" udp-recv | head -n 1 | grep -qE '^ *100 ms - '
}

@test "--histogram of one datagram: one row, 1, 100.0%" {
	start_server udp-recv --seq --histogram -c 1 -w 10 -q --stats
	measure forge 127.0.0.1 "$PORT" 2000
	expect_exit 0 "$SERVER_PID"
	chart_ok "$SERVER_ERR" udp-recv 1
	[ "$(chart "$SERVER_ERR" udp-recv | wc -l)" -eq 1 ]
}

# As the summary says "1 message" since the human units came in.
@test "--histogram's heading: 1 datagram, 2 datagrams" {
	start_server udp-recv --seq --histogram -c 1 -w 10 -q --stats
	measure forge 127.0.0.1 "$PORT" 2000
	expect_exit 0 "$SERVER_PID"
	has_line "$SERVER_ERR" 'netdemo: udp-recv: latency, 1 datagram:'
	start_server udp-recv --seq --histogram -c 2 -w 10 -q --stats
	measure forge 127.0.0.1 "$PORT" 2000 3000
	expect_exit 0 "$SERVER_PID"
	has_line "$SERVER_ERR" 'netdemo: udp-recv: latency, 2 datagrams:'
}

# --help: "draw the latency distribution at exit"; it asks for no --stats.
@test "--histogram draws at exit without --stats too" {
	start_server udp-recv --seq --histogram -c 3 -w 10 -q
	measure forge 127.0.0.1 "$PORT" 1000 2000 3000
	expect_exit 0 "$SERVER_PID"
	grep -qx 'netdemo: udp-recv: latency, 3 datagrams:' "$SERVER_ERR"
	chart_ok "$SERVER_ERR" udp-recv 3
}

@test "--histogram with nothing measured: says none, exit 3" {
	start_server udp-recv --seq --histogram -t 0.3 -q
	expect_exit 3 "$SERVER_PID" 50
	grep -qx 'netdemo: udp-recv: latency, 0 datagrams:' "$SERVER_ERR"
	grep -qx 'netdemo: udp-recv:   (none)' "$SERVER_ERR"
}

@test "usage: --histogram and --max-loss need --seq on a receiver, --rtt on a sender" {
	usage_error 'netdemo: udp-recv: --histogram: needs --seq' \
	    udp-recv --histogram
	usage_error 'netdemo: mcast-recv: --histogram: needs --seq' \
	    mcast-recv --histogram
	usage_error 'netdemo: udp-send: --histogram: needs --rtt' \
	    udp-send --seq --histogram
	usage_error 'netdemo: udp-send: --max-loss: needs --rtt' \
	    udp-send --seq --max-loss 1
}

# --- --echo -----------------------------------------------------------------

@test "--echo answers a --seq datagram with its exact bytes, from its own port" {
	start_server udp-recv --echo -c 1 -w 10 -q
	seq_line 7 >"$T/d1"
	run measure probe 127.0.0.1 "$PORT" 5 "$T/d1"
	same_text "$output" "same $PORT"
	expect_exit 0 "$SERVER_PID"
}

@test "--echo answers nothing without a --seq header, or cut by --bufsize; counted" {
	start_server udp-recv --echo -b 100 -c 3 -w 10 -q --stats
	seq_line 1 >"$T/whole"
	echo 'no header here' >"$T/plain"
	seq_line 2 '' "$(head -c 200 /dev/zero | tr '\0' x)" >"$T/long"
	run measure probe 127.0.0.1 "$PORT" 0.5 "$T/whole" "$T/plain" "$T/long"
	same_text "$(tr '\n' ' ' <<<"$output")" "same $PORT none none "
	expect_exit 0 "$SERVER_PID"
	grep -qE '^netdemo: udp-recv: summary: 1 echoed, 2 not answered( \(.*\))?$' \
	    "$SERVER_ERR"
}

@test "--echo is not an option of a sender, nor --rtt of a receiver" {
	usage_error 'netdemo: udp-send: --echo: not an option of udp-send' \
	    udp-send --echo
	usage_error 'netdemo: udp-recv: --rtt: not an option of udp-recv' \
	    udp-recv --rtt
	usage_error 'netdemo: tcp-serve: --echo: not an option of tcp-serve' \
	    tcp-serve --echo
}

# --echo answers one sender at most 20000 a second after a burst of 2000,
# so that it cannot be made to flood: a flat-out sender gets fewer echoes.
@test "--echo under a flood: echoed within its rate limit, the rest counted" {
	start_server udp-recv --echo -w 1 -q -f json --stats
	timeout 20 "$ND" udp-send --seq -i 0 -c 20000 -q -p "$PORT"
	local st=0
	wait_pid "$SERVER_PID" 200 || st=$?
	[ "$st" -eq 0 ] || [ "$st" -eq 3 ]
	read -r n dur echoed held <<<"$(sj "$SERVER_OUT" \
	    '"\(.messages) \(.duration_s) \(.echoed) \(.echo_held)"')"
	echo "received $n in $dur s: $echoed echoed, $held not" >&2
	[ $((echoed + held)) -eq "$n" ]
	float_ok "$echoed <= 2001 + 20000 * $dur * 1.01"
}

# --- --rtt ------------------------------------------------------------------

@test "--rtt against udp-recv --echo: every reply, per receiver, exit 0" {
	start_server udp-recv --echo -q
	run --separate-stderr timeout 10 "$ND" udp-send --rtt -c 20 -i 0.005 \
	    -q -f json --stats -p "$PORT"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	same_text "$(sj "$T/out" '"\(.receivers) \(.replies) \(.lost) \(.duplicated) \(.late)"')" \
	    '1 20 0 0 0'
	same_text "$(sj "$T/out" '.per_receiver[] | "\(.peer) \(.replies) \(.lost) \(.first_seq)"')" \
	    "127.0.0.1:$PORT 20 0 0"
	sj "$T/out" '.rtt_us | .min <= .p50 and .p50 <= .p90 and .p90 <= .p99 and .p99 <= .p999 and .p999 <= .max and .max < 1000000' |
	    grep -qx true
	[ -z "$stderr" ]
}

@test "--rtt, text summary: the whole, then each receiver and its round trips" {
	start_server udp-recv --echo -q
	run --separate-stderr timeout 10 "$ND" udp-send --rtt -c 5 -i 0 -q \
	    --stats -p "$PORT"
	[ "$status" -eq 0 ]
	printf '%s\n' "$stderr" >"$T/err"
	has_line "$T/err" 'netdemo: udp-send: summary: 5 replies from 1 receiver, 0 lost (0.00%), 0 duplicated, 0 late'
	has_line "$T/err" "netdemo: udp-send: summary: 127.0.0.1:$PORT: 5 replies, 0 lost (0.00%), 0 duplicated, 0 late"
	grep -qxE "netdemo: udp-send: summary: 127\\.0\\.0\\.1:$PORT: rtt min [0-9.]+ (us|ms), p50 [0-9.]+ (us|ms), p90 [0-9.]+ (us|ms), p99 [0-9.]+ (us|ms), p99\\.9 [0-9.]+ (us|ms), max [0-9.]+ (us|ms), avg [0-9.]+ (us|ms)" \
	    "$T/err"
}

@test "--rtt without -q: a data line per reply, with its rtt_us in json" {
	start_server udp-recv --echo -q
	run --separate-stderr timeout 10 "$ND" udp-send --rtt -c 3 -i 0 \
	    -f json -p "$PORT"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	same_text "$(jq -r 'select(.event == null) | "\(.seq) \(.data) \(.rtt_us | type)"' "$T/out" | sort)" \
	    "0 Hello world : 0 number
1 Hello world : 1 number
2 Hello world : 2 number"
}

@test "--rtt waits for replies 300 ms late, then ends once all are in, not at --rtt-timeout" {
	start_echo --late 0,1,2 --late-ms 300
	local t0 ms
	t0=$(now_ms)
	run --separate-stderr timeout 20 "$ND" udp-send --rtt --rtt-timeout 10 \
	    -c 3 -i 0 -q -f json --stats -p "$ECHO_PORT"
	ms=$(($(now_ms) - t0))
	[ "$status" -eq 0 ]
	[ "$ms" -ge 290 ] && [ "$ms" -lt 3000 ]
	same_text "$(sj /dev/stdin '"\(.replies) \(.lost) \(.late)"' <<<"$output")" \
	    '3 0 0'
}

@test "--rtt with nobody answering: exit 3 after --rtt-timeout, the summary, then why" {
	start_server udp-recv --seq -q
	local t0 ms
	t0=$(now_ms)
	run --separate-stderr timeout 10 "$ND" udp-send --rtt --rtt-timeout 0.3 \
	    -c 2 -i 0 -q -p "$PORT"
	ms=$(($(now_ms) - t0))
	[ "$status" -eq 3 ]
	[ "$ms" -ge 250 ] && [ "$ms" -lt 3000 ]
	printf '%s\n' "$stderr" >"$T/err"
	before "$T/err" '^netdemo: udp-send: summary: 0 replies from 0 receivers' \
	    'nothing measured'
	last_line "$T/err" 'netdemo: udp-send: nothing measured: no reply to 2 datagrams in --rtt-timeout 0.3 s'
}

@test "--rtt: a reply that never comes is lost; --max-loss 0 exits 3, the loss last" {
	start_echo --drop 2
	run --separate-stderr timeout 10 "$ND" udp-send --rtt --rtt-timeout 0.3 \
	    --max-loss 0 -c 5 -i 0.01 -q -p "$ECHO_PORT"
	[ "$status" -eq 3 ]
	printf '%s\n' "$stderr" >"$T/err"
	has_line "$T/err" 'netdemo: udp-send: summary: 4 replies from 1 receiver, 1 lost (20.00%), 0 duplicated, 0 late'
	last_line "$T/err" 'netdemo: udp-send: round-trip loss 20.00% is above --max-loss 0%'
}

@test "--rtt --max-loss 25 with 20% lost: exit 0" {
	start_echo --drop 2
	run --separate-stderr timeout 10 "$ND" udp-send --rtt --rtt-timeout 0.3 \
	    --max-loss 25 -c 5 -i 0.01 -q -p "$ECHO_PORT"
	[ "$status" -eq 0 ]
	run ! grep -q 'above --max-loss' <<<"$stderr"
}

@test "--rtt: a reply after --rtt-timeout counts as lost and late" {
	start_echo --late 1 --late-ms 500
	run --separate-stderr timeout 10 "$ND" udp-send --rtt --rtt-timeout 0.2 \
	    -c 10 -i 0.1 -q -f json --stats -p "$ECHO_PORT"
	[ "$status" -eq 0 ]
	same_text "$(sj /dev/stdin '"\(.replies) \(.lost) \(.late) \(.duplicated)"' <<<"$output")" \
	    '9 1 1 0'
}

@test "--rtt: a reply seen twice is duplicated, not one more" {
	start_echo --dup 3
	run --separate-stderr timeout 10 "$ND" udp-send --rtt --rtt-timeout 0.3 \
	    -c 5 -i 0.01 -q -f json --stats -p "$ECHO_PORT"
	[ "$status" -eq 0 ]
	same_text "$(sj /dev/stdin '"\(.replies) \(.lost) \(.late) \(.duplicated)"' <<<"$output")" \
	    '5 0 0 1'
}

@test "--rtt: a receiver's loss counts from the first datagram it answered" {
	start_echo --skip-first 3
	run --separate-stderr timeout 10 "$ND" udp-send --rtt --rtt-timeout 0.3 \
	    -c 10 -i 0.01 -q -f json --stats -p "$ECHO_PORT"
	[ "$status" -eq 0 ]
	same_text "$(sj /dev/stdin '.per_receiver[] | "\(.replies) \(.lost) \(.first_seq)"' <<<"$output")" \
	    '7 0 3'
}

@test "--rtt: a datagram that answers nothing sent is ignored, with a warning" {
	start_echo --stray
	run --separate-stderr timeout 10 "$ND" udp-send --rtt --rtt-timeout 0.3 \
	    -c 5 -i 0.01 -q -f json --stats -p "$ECHO_PORT"
	[ "$status" -eq 0 ]
	same_text "$stderr" "netdemo: udp-send: 127.0.0.1:$ECHO_PORT: a datagram that is no reply to one sent (ignored)"
	same_text "$(sj /dev/stdin '"\(.replies) \(.lost)"' <<<"$output")" '5 0'
}

@test "--rtt --histogram: a chart of round trips per receiver" {
	start_server udp-recv --echo -q
	run --separate-stderr timeout 10 "$ND" udp-send --rtt --histogram -c 20 \
	    -i 0.002 -q --stats -p "$PORT"
	[ "$status" -eq 0 ]
	printf '%s\n' "$stderr" >"$T/err"
	has_line "$T/err" "netdemo: udp-send: round trips from 127.0.0.1:$PORT, 20 in all:"
	chart_ok "$T/err" udp-send 20
}

@test "--rtt --report -f json: a record of what was sent and one of the replies" {
	start_server udp-recv --echo -q
	run --separate-stderr timeout 10 "$ND" udp-send --rtt -c 6 -i 0.1 \
	    --report 0.22 -q -f json -p "$PORT"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	# The sender's own records have no round trips; the receiver's do.
	[ "$(rsum "$T/out" messages 'has("rtt_us") | not')" -eq 6 ]
	[ "$(rsum "$T/out" messages 'has("rtt_us")')" -eq 6 ]
	[ "$(rsum "$T/out" lost 'has("rtt_us")')" -eq 0 ]
	[ "$(rj "$T/out" 'select(has("rtt_us")) | has("late")' | sort -u)" = true ]
}

@test "mcast --rtt: two --echo receivers on one port, each counted on its own" {
	start_server mcast-recv --echo -g 239.255.0.77 -q
	start_listener m2 "$ND" mcast-recv --echo -g 239.255.0.77 -q -p "$PORT"
	run --separate-stderr timeout 10 "$ND" mcast-send --rtt -g 239.255.0.77 \
	    -c 10 -i 0.01 -q -f json --stats -p "$PORT"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/out"
	same_text "$(sj "$T/out" '"\(.receivers) \(.replies) \(.lost)"')" '2 20 0'
	[ "$(sj "$T/out" '.per_receiver[] | "\(.replies) \(.lost)"' | sort -u)" = '10 0' ]
	[ "$(sj "$T/out" '.per_receiver[].peer' | sort -u | wc -l)" -eq 2 ]
}

@test "usage: --rtt-timeout needs --rtt; --rtt's --size holds the header" {
	usage_error 'netdemo: udp-send: --rtt-timeout: needs --rtt' \
	    udp-send --rtt-timeout 1
	usage_error 'netdemo: udp-send: --size 30: --seq needs at least 31 bytes' \
	    udp-send --rtt -s 30
}

# --- human units in text summaries ------------------------------------------

@test "text summary: 1 message, 9999 bytes; 2 messages, 10000 bytes (10.0 kB)" {
	start_server udp-recv -c 1 -w 10 -q --stats
	timeout 10 "$ND" udp-send -s 9999 -c 1 -q -p "$PORT"
	expect_exit 0 "$SERVER_PID"
	grep -qxE 'netdemo: udp-recv: summary: 1 message, 9999 bytes in 0 us: no rate from fewer than 2 messages; [0-9.]+ (us|ms|s) elapsed' \
	    "$SERVER_ERR"
	start_server udp-recv -c 2 -w 10 -q --stats
	timeout 10 "$ND" udp-send -s 5000 -c 2 -i 0.1 -q -p "$PORT"
	expect_exit 0 "$SERVER_PID"
	grep -qxE 'netdemo: udp-recv: summary: 2 messages, 10000 bytes \(10\.0 kB\) in [0-9.]+ ms: [0-9.]+ msg/s, [0-9.]+ kB/s \([0-9.]+ kbit/s\); [0-9.]+ (ms|s) elapsed' \
	    "$SERVER_ERR"
}

@test "json summary: raw numbers, bits_per_s eight times bytes_per_s" {
	start_server udp-recv -c 5 -w 10 -q -f json --stats
	timeout 10 "$ND" udp-send -s 1000 -c 5 -i 0.01 -q -p "$PORT"
	expect_exit 0 "$SERVER_PID"
	read -r bytes bps bits <<<"$(sj "$SERVER_OUT" '"\(.bytes) \(.bytes_per_s) \(.bits_per_s)"')"
	[ "$bytes" -eq 5000 ]
	float_ok "$bits > 8 * $bps - 0.01 && $bits < 8 * $bps + 0.01"
}
