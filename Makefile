# lanes: a parallel job runner. See README.md.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man

CC ?= cc
CFLAGS ?= -O2 -g
BUILD ?= build
BIN ?= lanes
SANITIZE ?=

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wwrite-strings -Wformat=2 -Wvla
ALL_CPPFLAGS = -D_GNU_SOURCE -iquote io -iquote pool -iquote cmd $(CPPFLAGS)
# -iquote, not -I: io/spawn.h must not hide the system <spawn.h>.
ALL_CFLAGS = -std=c11 -pthread $(WARN) -MMD -MP $(CFLAGS)
ALL_LDFLAGS = -pthread $(LDFLAGS)
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all \
	      -fno-omit-frame-pointer
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif
# libcurl and libcrypto are loaded at run time by io/libs.c.
LIBS =

LIB_SRC = $(wildcard pool/*.c io/*.c)
CMD_SRC = $(wildcard cmd/*.c)
UNIT_SRC = $(wildcard tests/unit/*_test.c)
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ = $(CMD_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN = $(UNIT_SRC:%.c=$(BUILD)/%)

all: $(BIN)

$(BIN): $(CMD_OBJ) $(LIB_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(LIB_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

units: $(UNIT_BIN)

# The whole suite: C unit tests, then the bats tests against $(BIN).
test: $(BIN) $(UNIT_BIN)
	LANES=$(abspath $(BIN)) tests/run $(UNIT_BIN)

asan:
	$(MAKE) BUILD=build/asan BIN=build/asan/lanes \
		SANITIZE=address,undefined test
tsan:
	$(MAKE) BUILD=build/tsan BIN=build/tsan/lanes SANITIZE=thread test

# Debian 12 packages needed to build, test and benchmark.
DEPS = build-essential libcurl4-openssl-dev libssl-dev bats bats-support \
       bats-assert time procps python3 nginx-light openssl
deps:
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(DEPS)

# The package list, for scripts that install it themselves (.ci/run).
print-deps:
	@echo $(DEPS)

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/lanes
	install -m 644 man/lanes.1 $(DESTDIR)$(MANDIR)/man1/lanes.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/lanes $(DESTDIR)$(MANDIR)/man1/lanes.1

clean:
	rm -rf build lanes

# Keep unit test objects between runs.
.SECONDARY:

.PHONY: all units test asan tsan deps print-deps install uninstall clean

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(UNIT_BIN:=.d)
