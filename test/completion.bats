#!/usr/bin/env bats
# completion.bats: `netdemo completion bash|zsh|fish`.  The bash script is
# driven as bash drives it (COMP_WORDS, COMP_CWORD, then COMPREPLY); what
# it offers per mode is checked against the options that mode's --help
# lists.  fish is asked with `complete -C`; zsh must load through
# compinit.  Those two are skipped where the shell is not installed.

load helpers

setup() {
	"$ND" completion bash >"$BATS_TEST_TMPDIR/netdemo.bash"
}

# complete WORD...: what the bash completion offers for the command line
# WORD... (the last word is the one being completed; "" for a new one),
# one per line, sorted.
complete_bash() {
	bash -c '
		source "$1"; shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_netdemo netdemo "${COMP_WORDS[COMP_CWORD]}" \
		    "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' \
	    _ "$BATS_TEST_TMPDIR/netdemo.bash" "$@" | sort
}

# The options of MODE as its --help lists them, one per line, sorted.
help_options() {
	"$ND" "$1" --help | sed -n 's/^  \(-[^ ,]*\), \(--[^ ]*\).*/\1\n\2/p;
	    s/^     *\(--[a-z][^ ]*\).*/\1/p' | sort
}

@test "completion: bash script loads and registers _netdemo" {
	run bash -c 'source "$1" && complete -p netdemo' _ \
	    "$BATS_TEST_TMPDIR/netdemo.bash"
	[ "$status" -eq 0 ]
	[ "$output" = "complete -F _netdemo netdemo" ]
}

@test "completion: bash script is shellcheck-clean" {
	command -v shellcheck >/dev/null || skip "shellcheck not installed"
	run shellcheck -s bash "$BATS_TEST_TMPDIR/netdemo.bash"
	[ "$status" -eq 0 ]
}

@test "completion: bash: the first word is a mode, help, completion or an option" {
	run complete_bash netdemo ""
	[ "$output" = "$(printf '%s\n' tcp-serve tcp-connect udp-send udp-recv \
	    mcast-send mcast-recv help completion --help --version | sort)" ]
	run complete_bash netdemo tcp-s
	[ "$output" = "tcp-serve" ]
	run complete_bash netdemo mc
	[ "$output" = "$(printf '%s\n' mcast-recv mcast-send)" ]
	run complete_bash netdemo --v
	[ "$output" = "--version" ]
}

@test "completion: bash: each mode offers exactly the options its --help lists" {
	local mode want
	for mode in tcp-serve tcp-connect udp-send udp-recv mcast-send \
	    mcast-recv; do
		want=$(help_options "$mode")
		[ "$(echo "$want" | wc -l)" -gt 20 ]
		run complete_bash netdemo "$mode" -
		[ "$output" = "$want" ] || {
			echo "$mode: offered / --help:"
			diff <(echo "$output") <(echo "$want")
			false
		}
	done
}

@test "completion: bash: options of one mode, not of the others" {
	run complete_bash netdemo udp-recv --s
	[ "$output" = "$(printf '%s\n' --seq --stats)" ]
	run complete_bash netdemo tcp-serve --s
	[ "$output" = "$(printf '%s\n' --select --sink --stats)" ]
	run complete_bash netdemo udp-send --s
	[ "$output" = "$(printf '%s\n' --seq --size --stats --stdin)" ]
	run complete_bash netdemo mcast-recv --so
	[ "$output" = "--source" ]
	run complete_bash netdemo tcp-connect --so
	[ -z "$output" ]
}

@test "completion: bash: -f and --format offer the four formats" {
	local want
	want=$(printf '%s\n' hex json raw text)
	run complete_bash netdemo udp-recv -f ""
	[ "$output" = "$want" ]
	run complete_bash netdemo tcp-serve --format j
	[ "$output" = "json" ]
	# --format=<Tab>: bash splits the word at '='.
	run complete_bash netdemo tcp-connect --format = ""
	[ "$output" = "$want" ]
	run complete_bash netdemo tcp-connect --format = r
	[ "$output" = "raw" ]
}

@test "completion: bash: -I offers the interfaces of /sys/class/net" {
	[ -d /sys/class/net ] || skip "no /sys/class/net"
	run complete_bash netdemo mcast-recv -I ""
	[ "$output" = "$(cd /sys/class/net && printf '%s\n' * | sort)" ]
	[[ $output == *lo* ]]
	run complete_bash netdemo mcast-send --interface l
	[ "$output" = "$(cd /sys/class/net && printf '%s\n' l* | sort)" ]
}

@test "completion: bash: a value not known offers nothing, not options" {
	run complete_bash netdemo udp-send -p ""
	[ -z "$output" ]
	run complete_bash netdemo udp-send -c -
	[ -z "$output" ]
	run complete_bash netdemo udp-send --rate ""
	[ -z "$output" ]
}

@test "completion: bash: help and completion take a mode and a shell" {
	run complete_bash netdemo help udp-
	[ "$output" = "$(printf '%s\n' udp-recv udp-send)" ]
	run complete_bash netdemo help udp-recv ""
	[ -z "$output" ]
	run complete_bash netdemo completion ""
	[ "$output" = "$(printf '%s\n' bash fish zsh)" ]
	run complete_bash netdemo nosuch-mode -
	[ -z "$output" ]
}

@test "completion: the script is made from the option table, whatever the build" {
	# Each shell's script names every option of every mode.
	local shell mode opt
	for shell in bash zsh fish; do
		run --separate-stderr "$ND" completion "$shell"
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		for mode in tcp-serve udp-recv mcast-send; do
			for opt in $(help_options "$mode" | grep -- '^--'); do
				[[ $output == *"${opt#--}"* ]] ||
					{ echo "$shell: no $opt"; false; }
			done
		done
	done
}

@test "completion: usage errors" {
	usage_error 'netdemo: completion: name one shell: bash, zsh or fish' \
	    completion
	usage_error 'netdemo: completion csh: not bash, zsh or fish' \
	    completion csh
	usage_error 'netdemo: completion: name one shell: bash, zsh or fish' \
	    completion bash zsh
}

@test "completion: zsh script parses and loads through compinit" {
	command -v zsh >/dev/null || skip "zsh not installed"
	mkdir -p "$BATS_TEST_TMPDIR/zsh"
	"$ND" completion zsh >"$BATS_TEST_TMPDIR/zsh/_netdemo"
	run zsh -n "$BATS_TEST_TMPDIR/zsh/_netdemo"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# shellcheck disable=SC2016 # zsh expands it
	run env HOME="$BATS_TEST_TMPDIR" zsh -f -c '
		fpath=("$1" $fpath)
		autoload -U compinit && compinit -u -D
		print -r -- $_comps[netdemo]' _ "$BATS_TEST_TMPDIR/zsh"
	[ "$status" -eq 0 ]
	[ "$output" = "_netdemo" ]
}

# fish_complete LINE: what fish offers for LINE, the words only, sorted.
fish_complete() {
	# shellcheck disable=SC2016 # fish expands it
	HOME=$BATS_TEST_TMPDIR fish --no-config -c \
	    'source $argv[1]; complete -C $argv[2]' \
	    "$BATS_TEST_TMPDIR/netdemo.fish" "$1" | cut -f1 | sort
}

@test "completion: fish script parses, and offers modes, options and values" {
	command -v fish >/dev/null || skip "fish not installed"
	"$ND" completion fish >"$BATS_TEST_TMPDIR/netdemo.fish"
	run fish --no-config -n "$BATS_TEST_TMPDIR/netdemo.fish"
	[ "$status" -eq 0 ]
	run fish_complete "netdemo tcp-"
	[ "$output" = "$(printf '%s\n' tcp-connect tcp-serve)" ]
	run fish_complete "netdemo udp-recv --se"
	[ "$output" = "--seq" ]
	run fish_complete "netdemo tcp-serve --se"
	[ "$output" = "--select" ]
	run fish_complete "netdemo udp-recv -f "
	[ "$output" = "$(printf '%s\n' hex json raw text)" ]
	run fish_complete "netdemo completion "
	[ "$output" = "$(printf '%s\n' bash fish zsh)" ]
}
