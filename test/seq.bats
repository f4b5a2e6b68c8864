#!/usr/bin/env bats
# seq.bats: --seq (wire format, loss, duplicates, reordering, latency) and
# the exit status a CI job relies on (exit 3: --timeout before --count,
# loss above --max-loss).  Forged datagrams are lines in the wire format,
# sent as they are by udp-send --stdin (no --seq on the sender).

# shellcheck disable=SC2154 # run sets status, output, stderr, stderr_lines
load helpers
load dgram_helpers

# HDR: the --seq header as an extended regex.
HDR='#[0-9]{12}@[0-9]{16}\|'

# loss_line R L PCT D O [SENDERS]: the text summary line of a --seq
# udp-recv (SENDERS: 1 by default).
loss_line() {
	local n=${6:-1} s=s
	[ "$n" -eq 1 ] && s=
	printf 'netdemo: udp-recv: summary: %s received, %s lost (%s%%), %s duplicated, %s out of order, from %s sender%s' \
	    "$1" "$2" "$3" "$4" "$5" "$n" "$s"
}

@test "10,000 datagrams flat out on loopback: received + lost = 10000, none duplicated" {
	start_server udp-recv --seq -c 10000 -w 2 -q --stats
	run --separate-stderr timeout 30 "$ND" udp-send --seq -c 10000 -i 0 \
	    -q -p "$PORT"
	[ "$status" -eq 0 ]
	local st=0
	wait_pid "$SERVER_PID" 300 || st=$?
	local line r l d
	line=$(grep ' received, ' "$SERVER_ERR")
	echo "receiver: status $st, $line" >&2
	r=$(sed -n 's/.*summary: \([0-9]*\) received, \([0-9]*\) lost .*, \([0-9]*\) duplicated.*/\1/p' <<<"$line")
	l=$(sed -n 's/.*summary: \([0-9]*\) received, \([0-9]*\) lost .*, \([0-9]*\) duplicated.*/\2/p' <<<"$line")
	d=$(sed -n 's/.*summary: \([0-9]*\) received, \([0-9]*\) lost .*, \([0-9]*\) duplicated.*/\3/p' <<<"$line")
	[ "$d" -eq 0 ]
	[ $((r + l)) -eq 10000 ]
	# All 10000 -> exit 0; fewer -> --timeout before --count -> exit 3.
	if [ "$r" -eq 10000 ]; then [ "$st" -eq 0 ]; else [ "$st" -eq 3 ]; fi
	grep -qE '^netdemo: udp-recv: summary: latency min [0-9.]+ (us|ms), p50 [0-9.]+ (us|ms), p90 [0-9.]+ (us|ms), p99 [0-9.]+ (us|ms), p99.9 [0-9.]+ (us|ms), max [0-9.]+ (us|ms), avg [0-9.]+ (us|ms); jitter [0-9.]+ (us|ms)$' \
	    "$SERVER_ERR"
}

@test "wire format: '#', 12-digit seq, '@', 16-digit send time in us, '|', payload" {
	start_server udp-recv -c 3 -w 10
	local t0 t1
	t0=$(date +%s%6N)
	timeout 10 "$ND" udp-send --seq -c 3 -i 0 -q -p "$PORT"
	t1=$(date +%s%6N)
	expect_exit 0 "$SERVER_PID"
	# A receiver without --seq prints the header as it is.
	grep -qxE "#000000000000@[0-9]{16}\|Hello world : 0" "$SERVER_OUT"
	grep -qxE "#000000000001@[0-9]{16}\|Hello world : 1" "$SERVER_OUT"
	grep -qxE "#000000000002@[0-9]{16}\|Hello world : 2" "$SERVER_OUT"
	local us
	us=$(sed -n '1s/^#[0-9]*@0*\([0-9]*\)|.*/\1/p' "$SERVER_OUT")
	[ "$us" -ge "$t0" ] && [ "$us" -le "$t1" ]
}

@test "--seq -s 31: exactly the header, nothing more" {
	start_server udp-recv -c 1 -w 10 -f raw
	timeout 10 "$ND" udp-send --seq -s 31 -c 1 -q -p "$PORT"
	expect_exit 0 "$SERVER_PID"
	[ "$(wc -c <"$SERVER_OUT")" -eq 31 ]
	grep -qxE "$HDR" "$SERVER_OUT"
}

@test "--seq receiver: header stripped in text, seq and latency_us in json" {
	start_server udp-recv --seq -c 3 -w 10
	local text_out=$SERVER_OUT text_pid=$SERVER_PID text_port=$PORT
	start_server udp-recv --seq -c 3 -w 10 -f json
	timeout 10 "$ND" udp-send --seq -c 3 -i 0 -q -p "$text_port"
	timeout 10 "$ND" udp-send --seq -c 3 -i 0 -q -p "$PORT"
	expect_exit 0 "$text_pid"
	expect_exit 0 "$SERVER_PID"
	same_lines "$text_out" 'Hello world : 0' 'Hello world : 1' \
	    'Hello world : 2'
	run dg_json get "$SERVER_OUT" seq
	[ "$output" = $'0\n1\n2' ]
	run dg_json get "$SERVER_OUT" data
	[ "$output" = $'Hello world : 0\nHello world : 1\nHello world : 2' ]
	run dg_json get "$SERVER_OUT" latency_us
	[ "${#lines[@]}" -eq 3 ]
	local v
	for v in "${lines[@]}"; do
		[ "$v" -ge 0 ] && [ "$v" -lt 5000000 ]
	done
}

@test "latency_us is the receive time minus the send time in the header" {
	start_server udp-recv --seq -c 1 -w 10 -f json
	seq_line 7 $(($(date +%s%6N) - 1000000)) late |
	    timeout 10 "$ND" udp-send --stdin -q -p "$PORT"
	expect_exit 0 "$SERVER_PID"
	run dg_json get "$SERVER_OUT" latency_us
	[ "$output" -ge 1000000 ] && [ "$output" -lt 4000000 ]
	run dg_json get "$SERVER_OUT" seq
	[ "$output" = 7 ]
}

@test "a gap forged in the wire format is counted as lost" {
	start_server udp-recv --seq -c 5 -w 10 --stats
	forge_seq "$PORT" 0 1 2 4 5
	expect_exit 0 "$SERVER_PID"
	has_line "$SERVER_ERR" "$(loss_line 5 1 16.67 0 0)"
	same_lines "$SERVER_OUT" 'msg 0' 'msg 1' 'msg 2' 'msg 4' 'msg 5'
}

@test "reordering is counted as out of order, not as lost" {
	start_server udp-recv --seq -c 5 -w 10 --stats -q
	forge_seq "$PORT" 0 1 3 2 4
	expect_exit 0 "$SERVER_PID"
	has_line "$SERVER_ERR" "$(loss_line 5 0 0.00 0 1)"
}

@test "a sequence number seen twice is counted as duplicated" {
	start_server udp-recv --seq -c 4 -w 10 --stats -q
	forge_seq "$PORT" 0 1 1 2
	expect_exit 0 "$SERVER_PID"
	has_line "$SERVER_ERR" "$(loss_line 3 0 0.00 1 0)"
	grep -q '^netdemo: udp-recv: summary: 4 messages, ' "$SERVER_ERR"
}

@test "a receiver that starts late does not count what came before" {
	start_server udp-recv --seq -c 3 -w 10 --stats -q
	forge_seq "$PORT" 100 101 103
	expect_exit 0 "$SERVER_PID"
	has_line "$SERVER_ERR" "$(loss_line 3 1 25.00 0 0)"
}

@test "a jump past the duplicate window: the whole gap is lost" {
	start_server udp-recv --seq -c 3 -w 10 --stats -q
	forge_seq "$PORT" 0 1 100001
	expect_exit 0 "$SERVER_PID"
	has_line "$SERVER_ERR" "$(loss_line 3 99999 100.00 0 0)"
}

@test "two senders: each counted against its own sequence, nothing lost or duplicated" {
	start_server udp-recv --seq -c 6 -w 10 --stats -q
	forge_seq "$PORT" 0 1 2
	forge_seq "$PORT" 0 1 2
	expect_exit 0 "$SERVER_PID"
	has_line "$SERVER_ERR" "$(loss_line 6 0 0.00 0 0 2)"
}

@test "two senders: a gap in one of them is lost once" {
	start_server udp-recv --seq -c 5 -w 10 --stats -q
	forge_seq "$PORT" 0 1 2
	forge_seq "$PORT" 5 7
	expect_exit 0 "$SERVER_PID"
	has_line "$SERVER_ERR" "$(loss_line 5 1 16.67 0 0 2)"
}

@test "a datagram without a valid header is printed whole, not counted" {
	start_server udp-recv --seq -c 3 -w 10 --stats
	{
		echo 'no header'
		seq_line 0
		echo '#00000000000x@0000000000000000|bad digit'
	} | timeout 10 "$ND" udp-send --stdin -q -p "$PORT"
	expect_exit 0 "$SERVER_PID"
	same_lines "$SERVER_OUT" 'no header' 'msg 0' \
	    '#00000000000x@0000000000000000|bad digit'
	has_line "$SERVER_ERR" "$(loss_line 1 0 0.00 0 0)"
}

@test "json summary: lost, duplicated, out_of_order, latency_us, jitter_us" {
	start_server udp-recv --seq -c 5 -w 10 -f json -q --stats
	# 3 never comes; 1 after 2; 1 twice.
	forge_seq "$PORT" 0 2 1 1 4
	expect_exit 0 "$SERVER_PID"
	[ "$(wc -l <"$SERVER_OUT")" -eq 1 ]
	run dg_json get "$SERVER_OUT" event
	[ "$output" = summary ]
	run dg_json get "$SERVER_OUT" messages
	[ "$output" = 5 ]
	run dg_json get "$SERVER_OUT" received
	[ "$output" = 4 ]
	run dg_json get "$SERVER_OUT" senders
	[ "$output" = 1 ]
	run dg_json get "$SERVER_OUT" lost
	[ "$output" = 1 ]
	run dg_json get "$SERVER_OUT" duplicated
	[ "$output" = 1 ]
	run dg_json get "$SERVER_OUT" out_of_order
	[ "$output" = 1 ]
	run dg_json get "$SERVER_OUT" latency_us
	# SPEC's min, avg and max, and the percentiles added to them.
	[[ $output =~ ^\{\"min\":\ [0-9]+,\ \"p50\":\ [0-9]+,\ \"p90\":\ [0-9]+,\ \"p99\":\ [0-9]+,\ \"p999\":\ [0-9]+,\ \"max\":\ [0-9]+,\ \"avg\":\ [0-9.]+\}$ ]]
	run dg_json get "$SERVER_OUT" jitter_us
	[[ $output =~ ^[0-9.]+$ ]]
	run ! grep -q summary "$SERVER_ERR"
}

@test "--max-loss 0 with a forged gap: exit 3 after the summary" {
	start_server udp-recv --seq -c 5 -w 10 --max-loss 0 -q --stats
	forge_seq "$PORT" 0 1 2 4 5
	expect_exit 3 "$SERVER_PID"
	# The summary comes first, then the reason for exit 3.
	local s m
	s=$(grep -n ' lost (' "$SERVER_ERR" | cut -d: -f1)
	m=$(grep -nFx 'netdemo: udp-recv: loss 16.67% is above --max-loss 0%' \
	    "$SERVER_ERR" | cut -d: -f1)
	[ -n "$s" ] && [ -n "$m" ] && [ "$s" -lt "$m" ]
}

@test "--max-loss 0 without --stats: exit 3 after the summary, the loss named last" {
	start_server udp-recv --seq -c 5 -w 10 --max-loss 0 -q
	forge_seq "$PORT" 0 1 2 4 5
	expect_exit 3 "$SERVER_PID"
	grep -qx 'netdemo: udp-recv: summary: 5 received, 1 lost (16.67%), 0 duplicated, 0 out of order, from 1 sender' "$SERVER_ERR"
	[ "$(tail -n 1 "$SERVER_ERR")" = 'netdemo: udp-recv: loss 16.67% is above --max-loss 0%' ]
}

@test "--max-loss holds when SIGTERM ends the run: exit 3" {
	start_server udp-recv --seq --max-loss 0
	forge_seq "$PORT" 0 1 3
	# Wait until all three arrived (their payloads are printed).
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(wc -l <"$SERVER_OUT")" -ge 3 ] && break
		sleep 0.1
	done
	[ "$(wc -l <"$SERVER_OUT")" -eq 3 ]
	kill -TERM "$SERVER_PID"
	expect_exit 3 "$SERVER_PID"
	grep -q 'summary: 3 received, 1 lost' "$SERVER_ERR"
}

@test "--max-loss 20 with 16.67% lost: exit 0" {
	start_server udp-recv --seq -c 5 -w 10 --max-loss 20 -q
	forge_seq "$PORT" 0 1 2 4 5
	expect_exit 0 "$SERVER_PID"
	run ! grep -q 'above --max-loss' "$SERVER_ERR"
}

@test "--max-loss 0 with nothing lost: exit 0" {
	start_server udp-recv --seq -c 5 -w 10 --max-loss 0 -q
	timeout 10 "$ND" udp-send --seq -c 5 -i 0 -q -p "$PORT"
	expect_exit 0 "$SERVER_PID"
}

@test "-c 5 -w 1 with only 2 datagrams sent: exit 3, says how many" {
	start_server udp-recv -c 5 -w 1 -q
	timeout 10 "$ND" udp-send -c 2 -i 0 -q -p "$PORT"
	expect_exit 3 "$SERVER_PID" 50
	has_line "$SERVER_ERR" \
	    'netdemo: udp-recv: 2 of 5 datagrams received before --timeout 1 s'
}

@test "--seq -c 5 -w 1 with only 2 sent: exit 3 after the summary" {
	start_server udp-recv --seq -c 5 -w 1 -q --stats
	timeout 10 "$ND" udp-send --seq -c 2 -i 0 -q -p "$PORT"
	expect_exit 3 "$SERVER_PID" 50
	has_line "$SERVER_ERR" "$(loss_line 2 0 0.00 0 0)"
}

@test "mcast: mcast-send --seq -> mcast-recv --seq counts and strips" {
	start_server mcast-recv --seq -c 5 -w 10 --stats
	timeout 10 "$ND" mcast-send --seq -c 5 -i 0 -q -p "$PORT"
	expect_exit 0 "$SERVER_PID"
	has_line "$SERVER_ERR" \
	    'netdemo: mcast-recv: summary: 5 received, 0 lost (0.00%), 0 duplicated, 0 out of order, from 1 sender'
	same_lines "$SERVER_OUT" 'Hello world : 0' 'Hello world : 1' \
	    'Hello world : 2' 'Hello world : 3' 'Hello world : 4'
}

@test "usage: mcast-send --seq -s 30" {
	usage_error 'netdemo: mcast-send: --size 30: --seq needs at least 31 bytes' \
	    mcast-send --seq -s 30
}

@test "usage: mcast-recv --max-loss without --seq" {
	usage_error 'netdemo: mcast-recv: --max-loss: needs --seq' \
	    mcast-recv --max-loss 5
}
