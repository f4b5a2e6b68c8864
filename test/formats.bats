#!/usr/bin/env bats
# formats.bats: text, raw, hex and json output, through tcp-serve printing
# what one client sends.  Each payload is small and sent in one write from
# one client, so the server receives it in one read.

load helpers
load tcp_helpers

# An ESC sequence, a NUL, an invalid byte (0xff) and Japanese text.
MIXED='A\033[1mB\000C\377日本語\n'
# The same without the invalid byte, plus quotes, a backslash and a tab.
VALID='A\033[1mB\000C日本語 "q" \\ \t\n'

# serve_one FORMAT PRINTF-PAYLOAD [SERVER-ARGS...]: a tcp-serve -f FORMAT
# -c 1 receives the payload from one tcp-connect and exits 0; the payload
# is in $PAYLOAD, what the server wrote in $SERVER_OUT.
serve_one() {
	local fmt=$1 data=$2
	shift 2
	PAYLOAD=$T/payload
	# shellcheck disable=SC2059 # the payload is a printf format
	printf "$data" >"$PAYLOAD"
	start_server tcp-serve -f "$fmt" -c 1 "$@"
	run --separate-stderr timeout 10 "$ND" tcp-connect -p "$PORT" \
	    <"$PAYLOAD"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	expect_exit 0 "$SERVER_PID" 50
}

# same_as TEXT FILE: FILE holds exactly TEXT (printf-style, literal).
same_as() {
	local want
	want=$T/want
	printf '%s' "$1" >"$want"
	diff -u "$want" "$2"
}

@test "text: escapes ESC, NUL, an invalid byte; Japanese as is; one line" {
	serve_one text "$MIXED"
	same_as 'A\x1b[1mB\x00C\xff日本語\n
' "$SERVER_OUT"
}

@test "text is the default format of tcp-serve" {
	serve_one text "$MIXED"
	local want=$SERVER_OUT
	start_server tcp-serve -c 1
	timeout 10 "$ND" tcp-connect -p "$PORT" <"$PAYLOAD" >/dev/null
	expect_exit 0 "$SERVER_PID" 50
	cmp "$want" "$SERVER_OUT"
}

@test "text: tab, CR, backslash, DEL, C1 escaped; NBSP kept" {
	serve_one text 'a\tb\rc\\d\177e\302\205f\302\240g'
	same_as 'a\tb\rc\\d\x7fe\xc2\x85f'$'\xc2\xa0''g
' "$SERVER_OUT"
}

@test "text: overlong, surrogate and truncated UTF-8 escaped byte by byte" {
	serve_one text '<\300\257|\355\240\200|\346\227>'
	same_as '<\xc0\xaf|\xed\xa0\x80|\xe6\x97>
' "$SERVER_OUT"
}

@test "raw: the bytes exactly as received" {
	serve_one raw "$MIXED"
	cmp "$PAYLOAD" "$SERVER_OUT"
}

@test "hex: hexdump -C lines, offsets from 0, no final offset line" {
	serve_one hex "$MIXED"
	same_as '00000000  41 1b 5b 31 6d 42 00 43  ff e6 97 a5 e6 9c ac e8  |A.[1mB.C........|
00000010  aa 9e 0a                                          |...|
' "$SERVER_OUT"
}

@test "hex: exactly 16 bytes is one line" {
	serve_one hex '0123456789abcdef'
	same_as '00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|
' "$SERVER_OUT"
}

@test "hex: each message starts at offset 0" {
	start_server tcp-serve -f hex -c 2
	timeout 10 "$ND" tcp-connect -p "$PORT" -m 'first' >/dev/null
	timeout 10 "$ND" tcp-connect -p "$PORT" -m 'second' >/dev/null
	expect_exit 0 "$SERVER_PID" 50
	same_as '00000000  66 69 72 73 74                                    |first|
00000000  73 65 63 6f 6e 64                                 |second|
' "$SERVER_OUT"
}

@test "json: invalid UTF-8 goes in data_base64" {
	serve_one json "$MIXED"
	[ "$(wc -l <"$SERVER_OUT")" -eq 1 ]
	grep -qE '^\{"time":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z","mode":"tcp-serve","peer":"127\.0\.0\.1:[0-9]+","len":19,"data_base64":"QRtbMW1CAEP/5pel5pys6KqeCg=="\}$' \
	    "$SERVER_OUT"
}

@test "json: valid UTF-8 goes in data, escaped; Japanese as is" {
	serve_one json "$VALID"
	[ "$(wc -l <"$SERVER_OUT")" -eq 1 ]
	local want
	want='"len":26,"data":"A\u001b[1mB\u0000C日本語 \"q\" \\ \t\n"}'
	[[ $(cat "$SERVER_OUT") == *",$want" ]]
}

@test "json: every line parses and rebuilds the exact bytes" {
	local f
	for f in "$MIXED" "$VALID"; do
		serve_one json "$f"
		"$PYTHON" - "$SERVER_OUT" "$PAYLOAD" <<-'EOF'
		import base64, json, sys
		lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
		want = open(sys.argv[2], "rb").read()
		assert len(lines) == 1, lines
		o = json.loads(lines[0])
		got = (base64.b64decode(o["data_base64"]) if "data_base64" in o
		       else o["data"].encode("utf-8"))
		assert got == want, (got, want)
		assert o["len"] == len(want) and o["mode"] == "tcp-serve", o
		assert set(o) == {"time", "mode", "peer", "len",
		                  "data" if "data" in o else "data_base64"}, o
		EOF
	done
}

@test "json --stats: the summary is one more object on standard output" {
	serve_one json "$VALID" --stats
	[ "$(wc -l <"$SERVER_OUT")" -eq 2 ]
	run ! grep -q summary "$SERVER_ERR"
	"$PYTHON" - "$SERVER_OUT" <<-'EOF'
	import json, sys
	s = json.loads(open(sys.argv[1], encoding="utf-8").read().splitlines()[1])
	keys = {"event", "mode", "messages", "bytes", "duration_s",
	        "messages_per_s", "bytes_per_s", "clients_served",
	        "peak_clients", "bytes_in", "bytes_out"}
	assert keys <= set(s), set(s) ^ keys
	assert s["event"] == "summary" and s["mode"] == "tcp-serve", s
	assert s["messages"] == 1 and s["bytes"] == 26, s
	assert s["clients_served"] == 1 and s["peak_clients"] == 1, s
	assert s["bytes_in"] == 26 and s["bytes_out"] == 26, s
	assert s["duration_s"] >= 0, s
	EOF
}

@test "text --stats: the summary goes to standard error, not the data" {
	serve_one text 'Hello world' --stats
	same_as 'Hello world
' "$SERVER_OUT"
	grep -qx 'netdemo: tcp-serve: summary: 1 message, 11 bytes in 0 us: no rate from fewer than 2 messages; .* elapsed' \
	    "$SERVER_ERR"
	grep -qx 'netdemo: tcp-serve: summary: 1 client served, peak 1 at once, 11 bytes in, 11 bytes out' \
	    "$SERVER_ERR"
}

@test "-q writes no data lines, in any format" {
	local f
	for f in text raw hex json; do
		serve_one "$f" "$MIXED" -q
		[ ! -s "$SERVER_OUT" ]
	done
}

@test "tcp-connect -f text and -f hex format what comes back" {
	start_server tcp-serve -q
	run --separate-stderr timeout 10 "$ND" tcp-connect -p "$PORT" -f text \
	    -m $'one\ttwo\e'
	[ "$status" -eq 0 ]
	[ "$output" = 'one\ttwo\x1b' ]
	run --separate-stderr timeout 10 "$ND" tcp-connect -p "$PORT" -f hex \
	    -m 'Hello world'
	[ "$status" -eq 0 ]
	[ "$output" = '00000000  48 65 6c 6c 6f 20 77 6f  72 6c 64                 |Hello world|' ]
}
