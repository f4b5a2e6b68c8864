# netdemo: one binary for the socket tutorial's eight programs.
# make [all] | check | demo | bench | install | uninstall | clean
# make check SANITIZE=1   the same tests against an ASan+UBSan build

VERSION	= 0.1.0
PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
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

LIB	= lib/dgram.c lib/err.c lib/loop.c lib/mcast.c lib/opts.c lib/out.c \
	  lib/sig.c lib/sock.c lib/stats.c
MODES	= modes/tcp_serve.c modes/tcp_connect.c modes/udp_send.c \
	  modes/udp_recv.c modes/mcast_send.c modes/mcast_recv.c
SRCS	= netdemo.c $(LIB) $(MODES)
OBJS	= $(SRCS:%.c=$(BUILD)/%.o)
BIN	= $(BUILD)/netdemo

all: netdemo

# ./netdemo is the build in use: the release one, or SANITIZE=1's.
netdemo: $(BIN)
	@cp $(BIN) netdemo

$(BIN): $(OBJS)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $(OBJS)

$(BUILD)/%.o: %.c lib/*.h Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) $(ND_CFLAGS) -Ilib -c -o $@ $<

check: netdemo
	@ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1 \
	 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	 NETDEMO=$(CURDIR)/netdemo test/run

demo: netdemo
	@NETDEMO=$(CURDIR)/netdemo sh test/demo.sh

install: netdemo
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 netdemo $(DESTDIR)$(BINDIR)/netdemo
	install -m 644 man/netdemo.1 $(DESTDIR)$(MANDIR)/man1/netdemo.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/netdemo $(DESTDIR)$(MANDIR)/man1/netdemo.1

clean:
	rm -rf build netdemo

.PHONY: all check demo install uninstall clean netdemo
