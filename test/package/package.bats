#!/usr/bin/env bats
# package.bats: the Debian package that make deb leaves in build/deb/,
# installed with dpkg: the binary, the manual and the three completions
# where Debian looks for them, then purged.  make check-deb runs it (root);
# make check does not, as it installs into the system.

bats_require_minimum_version 1.5.0

DEB_DIR=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/build/deb
BASH_COMP=/usr/share/bash-completion/completions/netdemo
ZSH_COMP=/usr/share/zsh/vendor-completions/_netdemo
FISH_COMP=/usr/share/fish/vendor_completions.d/netdemo.fish
MAN_PAGE=/usr/share/man/man1/netdemo.1.gz

# installed: is a netdemo package known to dpkg (installed, half-installed,
# or removed with its configuration files left)?
installed() {
	local st
	st=$(dpkg-query -W -f='${db:Status-Status}' netdemo 2>/dev/null) ||
		return 1
	[ -n "$st" ] && [ "$st" != not-installed ]
}

# purge: remove the package this file installed (only that: the marker is
# set just before dpkg -i, after checking that none was there).
purge() {
	[ -e "$BATS_FILE_TMPDIR/installed-by-us" ] || return 0
	if installed; then
		dpkg --purge netdemo >&2 || return 1
	fi
	rm -f "$BATS_FILE_TMPDIR/installed-by-us"
	if [ -e /usr/bin/netdemo ]; then
		echo "/usr/bin/netdemo is still there after dpkg --purge" >&2
		return 1
	fi
}

# bats 1.8 cannot skip from setup_file: it leaves the reason in
# ND_PKG_SKIP and setup skips each test.
setup_file() {
	export ND_PKG_SKIP=
	if [ "$(id -u)" -ne 0 ]; then
		ND_PKG_SKIP="installs a package: needs root"
		return 0
	fi
	if ! command -v dpkg >/dev/null || ! command -v dpkg-query >/dev/null
	then
		ND_PKG_SKIP="needs dpkg (a Debian-like system)"
		return 0
	fi
	local debs=()
	local f
	for f in "$DEB_DIR"/netdemo_*.deb; do
		[ -e "$f" ] && debs+=("$f")
	done
	if [ ${#debs[@]} -eq 0 ]; then
		echo "no netdemo_*.deb in $DEB_DIR: run make deb first" >&2
		return 1
	fi
	if [ ${#debs[@]} -gt 1 ]; then
		echo "several netdemo_*.deb in $DEB_DIR (${debs[*]##*/}):" \
			"run make deb again" >&2
		return 1
	fi
	if installed; then
		echo "a netdemo package is already installed" \
			"($(dpkg-query -W -f='${Version}, ${db:Status-Status}' netdemo)):" \
			"refusing to install over it and purge it" \
			"(dpkg --purge netdemo first)" >&2
		return 1
	fi
	# Docker's Debian images keep manuals out (path-exclude in
	# /etc/dpkg/dpkg.cfg.d/): let this one in.
	local opts=()
	if grep -hs '^[[:space:]]*path-exclude' /etc/dpkg/dpkg.cfg \
		/etc/dpkg/dpkg.cfg.d/* | grep -q /usr/share/man; then
		opts+=(--path-include="$MAN_PAGE")
	fi
	touch "$BATS_FILE_TMPDIR/installed-by-us"
	if ! dpkg -i "${opts[@]}" "${debs[0]}" >&2; then
		echo "dpkg -i ${debs[0]} failed" >&2
		purge
		return 1
	fi
}

setup() {
	if [ -n "$ND_PKG_SKIP" ]; then
		skip "$ND_PKG_SKIP"
	fi
}

# Always, even when a test failed: purge what setup_file installed.
teardown_file() {
	purge
}

@test "the package is installed, with the files it lists" {
	installed
	run dpkg -L netdemo
	[ "$status" -eq 0 ]
	grep -qx /usr/bin/netdemo <<<"$output"
	grep -qx "$MAN_PAGE" <<<"$output"
	grep -qx "$BASH_COMP" <<<"$output"
	grep -qx "$ZSH_COMP" <<<"$output"
	grep -qx "$FISH_COMP" <<<"$output"
}

@test "/usr/bin/netdemo --version: netdemo 0.2.0" {
	run --separate-stderr /usr/bin/netdemo --version
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "netdemo 0.2.0"* ]]
}

@test "man -w netdemo finds the packaged manual" {
	command -v man >/dev/null || skip "no man (apt-get install man-db)"
	run --separate-stderr man -w netdemo
	[ "$status" -eq 0 ]
	[ "$output" = "$MAN_PAGE" ]
	[ -s "$MAN_PAGE" ]
	gzip -t "$MAN_PAGE"
}

@test "the completions are where bash, zsh and fish look" {
	[ -s "$BASH_COMP" ]
	[ -s "$ZSH_COMP" ]
	[ -s "$FISH_COMP" ]
}

@test "the bash completion registers itself for netdemo" {
	run bash -c "source $BASH_COMP && complete -p netdemo"
	[ "$status" -eq 0 ]
	[[ $output == complete*netdemo ]]
}

@test "dpkg --purge removes it: no /usr/bin/netdemo" {
	purge
	run ! installed
	[ ! -e /usr/bin/netdemo ]
	[ ! -e "$MAN_PAGE" ]
	[ ! -e "$BASH_COMP" ]
	[ ! -e "$ZSH_COMP" ]
	[ ! -e "$FISH_COMP" ]
}
