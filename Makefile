# netdemo: one binary for the socket tutorial's eight programs.
# make [all] | check | check-hostile | demo | bench | install | uninstall | clean
#      | deb | check-deb
# make check SANITIZE=1   the same tests against an ASan+UBSan build

VERSION	= 0.2.0
PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
# Where each shell looks for completions of its own accord.
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
CC	?= cc
CFLAGS	?= -O2 -g
WARN	= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2
ND_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -DND_VERSION='"$(VERSION)"' $(WARN)

ifeq ($(SANITIZE),1)
BUILD	= build/san
CFLAGS	= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	  -fno-sanitize-recover=all
LDFLAGS	+= -fsanitize=address,undefined
else
BUILD	= build/rel
endif

LIB	= lib/batch.c lib/bufq.c lib/call.c lib/clock.c lib/complete.c lib/dgram.c lib/dgram_recv.c \
	  lib/dgram_send.c lib/err.c lib/feed.c lib/gro.c lib/hist.c lib/loop.c \
	  lib/mcast.c lib/opts.c lib/out.c lib/report.c lib/rtt.c \
	  lib/sig.c lib/seq.c lib/sock.c lib/stats.c lib/text.c lib/units.c lib/zcopy.c
MODES	= modes/tcp_serve.c modes/tcp_connect.c modes/udp_send.c \
	  modes/dgram_args.c modes/tcp_echo.c modes/tcp_block.c \
	  modes/udp_recv.c modes/mcast_send.c modes/mcast_recv.c
SRCS	= netdemo.c $(LIB) $(MODES)
OBJS	= $(SRCS:%.c=$(BUILD)/%.o)
BIN	= $(BUILD)/netdemo

all: netdemo

# ./netdemo is the build in use: the release one, or SANITIZE=1's.
netdemo: $(BIN)
	@cp $(BIN) netdemo.tmp && mv -f netdemo.tmp netdemo

$(BIN): $(OBJS)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $(OBJS)

$(BUILD)/%.o: %.c lib/*.h modes/*.h Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(ND_CFLAGS) -Ilib -c -o $@ $<

check: netdemo
	@ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1 \
	 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	 NETDEMO=$(CURDIR)/netdemo test/run

# The hostile-environment group alone (also part of make check): closed
# std fds, blocked output and signals, non-blocking stdout, peers that
# close early, half-close or drain slowly, forged --seq streams.
check-hostile: netdemo
	@NETDEMO=$(CURDIR)/netdemo test/run hostile/*.bats

# make bench [BENCH_QUICK=1] [PEERS=1]: netdemo against a reference epoll
# echo server and the peers (socat, ncat, nc, iperf3), loopback only.
BENCH_BIN = bench/ndload bench/ref_echo

# ndload builds netdemo's --seq header with netdemo's own lib/seq.c.
bench/%: bench/%.c $(BUILD)/lib/seq.o Makefile
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) $(ND_CFLAGS) -Ilib $(LDFLAGS) -o $@ $< $(BUILD)/lib/seq.o

bench: netdemo $(BENCH_BIN)
	@NETDEMO=$(CURDIR)/netdemo PEERS=$(PEERS) BENCH_QUICK=$(BENCH_QUICK) \
	    bash bench/run.sh

# Soak: about SOAK_SECONDS (default 60) of churn against the servers.
SOAK_SECONDS ?= 60
soak: netdemo
	@SOAK_SECONDS=$(SOAK_SECONDS) NETDEMO=$(CURDIR)/netdemo test/soak/run.sh

# The basic exchange of every mode under valgrind memcheck.
check-valgrind: netdemo
	@NETDEMO=$(CURDIR)/netdemo test/run valgrind/valgrind.bats

demo: netdemo
	@NETDEMO=$(CURDIR)/netdemo sh test/demo.sh

# libFuzzer harnesses (clang): each runs FUZZ_SECONDS on a scratch copy
# of its checked-in corpus; a crash or a failed property fails the target.
FUZZ_SECONDS ?= 60
FUZZ_CC	= clang
FUZZ_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	  -fno-sanitize-recover=all
FUZZERS	= opts parse out seq hist units gro
FUZZ_OBJS = $(LIB:%.c=build/fuzz/%.o) $(MODES:%.c=build/fuzz/%.o)

build/fuzz/%.o: %.c lib/*.h modes/*.h Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $< (fuzz)"
	@$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(ND_CFLAGS) \
	    -Ilib -c -o $@ $<

build/fuzz/fuzz_%: test/fuzz/fuzz_%.c test/fuzz/fuzz.h $(FUZZ_OBJS)
	@echo "  LD      $@"
	@$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(ND_CFLAGS) -Ilib \
	    -o $@ $< $(FUZZ_OBJS)

# Keep the objects between runs.
.SECONDARY: $(FUZZ_OBJS)

fuzz: $(FUZZERS:%=build/fuzz/fuzz_%)
	@for f in $(FUZZERS); do \
	    rm -rf build/fuzz/corpus-$$f; mkdir -p build/fuzz/corpus-$$f; \
	    echo "fuzz_$$f: $(FUZZ_SECONDS) s"; \
	    if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	        build/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) \
	        -close_fd_mask=1 -timeout=10 -rss_limit_mb=1024 \
	        -artifact_prefix=build/fuzz/crash-$$f- \
	        build/fuzz/corpus-$$f test/fuzz/corpus/$$f \
	        > build/fuzz/$$f.log 2>&1; then \
	        grep -v '^netdemo: ' build/fuzz/$$f.log | tail -n 40; \
	        echo "fuzz_$$f: FAILED (log: build/fuzz/$$f.log)"; exit 1; \
	    fi; \
	    grep -E '^Done [0-9]+ runs' build/fuzz/$$f.log; \
	done

# Static analysis: clang-tidy (.clang-tidy), cppcheck, shellcheck, mandoc.
LINT_SH	= .ci/run test/run test/demo.sh test/*.bash test/soak/run.sh \
	  test/valgrind/netdemo-vg $(wildcard bench/*.sh)
lint:
	@echo "clang-tidy: $(SRCS)"
	@out=$$(clang-tidy --quiet $(SRCS) -- -std=c11 -D_DEFAULT_SOURCE \
	    -Ilib 2>&1); rc=$$?; \
	    printf '%s\n' "$$out" | grep -v 'warnings generated' || true; \
	    exit $$rc
	cppcheck --enable=warning,performance,portability --error-exitcode=1 \
	    --std=c11 -D_DEFAULT_SOURCE '-D_Noreturn=__attribute__((noreturn))' \
	    -D__linux__ -D__GNUC__ -Ilib --inline-suppr -q lib modes netdemo.c \
	    test/fuzz
	shellcheck $(LINT_SH)
	@# bats' run sets status, output and stderr behind shellcheck's back.
	shellcheck -s bash -e SC2030,SC2031,SC2154 test/*.bats \
	    test/hostile/*.bats test/valgrind/*.bats test/package/*.bats
	mandoc -Tlint -W warning man/netdemo.1

# The completion scripts are generated from the option rows by the binary.
COMPLETIONS = build/completion/netdemo.bash build/completion/_netdemo \
	  build/completion/netdemo.fish

build/completion/netdemo.bash: netdemo
	@mkdir -p $(dir $@)
	./netdemo completion bash > $@.tmp && mv -f $@.tmp $@
build/completion/_netdemo: netdemo
	@mkdir -p $(dir $@)
	./netdemo completion zsh > $@.tmp && mv -f $@.tmp $@
build/completion/netdemo.fish: netdemo
	@mkdir -p $(dir $@)
	./netdemo completion fish > $@.tmp && mv -f $@.tmp $@

completions: $(COMPLETIONS)

install: netdemo $(COMPLETIONS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
	    $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 netdemo $(DESTDIR)$(BINDIR)/netdemo
	install -m 644 man/netdemo.1 $(DESTDIR)$(MANDIR)/man1/netdemo.1
	install -m 644 build/completion/netdemo.bash \
	    $(DESTDIR)$(BASHCOMPDIR)/netdemo
	install -m 644 build/completion/_netdemo $(DESTDIR)$(ZSHCOMPDIR)/_netdemo
	install -m 644 build/completion/netdemo.fish \
	    $(DESTDIR)$(FISHCOMPDIR)/netdemo.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/netdemo $(DESTDIR)$(MANDIR)/man1/netdemo.1 \
	    $(DESTDIR)$(BASHCOMPDIR)/netdemo $(DESTDIR)$(ZSHCOMPDIR)/_netdemo \
	    $(DESTDIR)$(FISHCOMPDIR)/netdemo.fish

# make deb: a Debian package (debian/) of the working tree, built by
# dpkg-buildpackage in a copy, $(DEB_SRC), of git's files as they are now:
# the tracked ones with their uncommitted edits, and the new ones not yet
# added (debian/ itself until it is committed) unless .gitignore names them.
# Without git, a plain copy of the tree but build/ and .git.  The .deb
# lands in build/deb/, nothing outside the tree; then lintian: an error
# fails, warnings are shown.
DEB_DIR	= build/deb
DEB_SRC	= $(DEB_DIR)/netdemo-$(VERSION)

deb:
	@v=$$(sed -n '1s/^netdemo (\([^)]*\)).*/\1/p' debian/changelog); \
	 up=$${v#*:}; up=$${up%-*}; \
	 if [ "$$up" != "$(VERSION)" ]; then \
	     echo "make deb: debian/changelog is at version '$$v'" \
	         "(upstream '$$up'), the Makefile's VERSION is $(VERSION):" \
	         "add a debian/changelog entry for $(VERSION)" >&2; \
	     exit 1; \
	 fi
	@rm -rf $(DEB_DIR) && mkdir -p $(DEB_SRC)
	@if command -v git >/dev/null 2>&1 && \
	     git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	     echo "  COPY    git ls-files -> $(DEB_SRC)"; \
	     git ls-files -z --cached --others --exclude-standard \
	         > $(DEB_DIR)/files.all && \
	     xargs -0 sh -c 'for f do if [ -e "$$f" ] || [ -h "$$f" ]; then \
	         printf "%s\0" "$$f"; fi; done' sh \
	         < $(DEB_DIR)/files.all > $(DEB_DIR)/files && \
	     tar --null -T $(DEB_DIR)/files -cf $(DEB_DIR)/src.tar; \
	 else \
	     echo "  COPY    . (no git) -> $(DEB_SRC)"; \
	     tar --exclude=./build --exclude=./.git -cf $(DEB_DIR)/src.tar .; \
	 fi && \
	 tar -xf $(DEB_DIR)/src.tar -C $(DEB_SRC) && \
	 rm -f $(DEB_DIR)/src.tar $(DEB_DIR)/files $(DEB_DIR)/files.all
	@# This make's command-line variables (CC=, SANITIZE=) stay out of it.
	cd $(DEB_SRC) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    dpkg-buildpackage -us -uc -b
	lintian --fail-on error --display-info $(DEB_DIR)/netdemo_*.changes

# make check-deb (root, after make deb): install the .deb with dpkg,
# check what it put where, purge it.
check-deb:
	@bats test/package/package.bats

clean:
	rm -rf build netdemo $(BENCH_BIN)

.PHONY: all bench check check-hostile check-valgrind soak demo fuzz lint install uninstall clean netdemo \
	completions deb check-deb
