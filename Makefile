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

# The cmd/ modules that unit tests and fuzz targets may link besides io/
# and pool/: pure ones, which do not pull in the run or main().
TEST_CMD_SRC = cmd/num.c cmd/die.c cmd/optval.c
TEST_CMD_OBJ = $(TEST_CMD_SRC:%.c=$(BUILD)/%.o)

# Fuzz targets: every tests/fuzz/NAME_fuzz.c.
FUZZ_SRC = $(wildcard tests/fuzz/*_fuzz.c)
FUZZ_NAMES = $(FUZZ_SRC:tests/fuzz/%_fuzz.c=%)
REPLAY_BIN = $(FUZZ_NAMES:%=$(BUILD)/fuzz-replay/%)

all: $(BIN)

$(BIN): $(CMD_OBJ) $(LIB_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(LIB_OBJ) $(TEST_CMD_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

units: $(UNIT_BIN)

# The whole suite: C unit tests, the fuzz corpora replayed, then the bats
# tests against $(BIN).
test: $(BIN) $(UNIT_BIN) $(REPLAY_BIN)
	LANES=$(abspath $(BIN)) tests/run $(UNIT_BIN) $(REPLAY_BIN)

# A fuzz target built with the normal compiler and tests/fuzz/replay.c:
# it runs each file of tests/fuzz/corpus/NAME/ once and prints TAP.
$(REPLAY_BIN): $(BUILD)/fuzz-replay/%: $(BUILD)/tests/fuzz/%_fuzz.o \
		$(BUILD)/tests/fuzz/replay.o $(LIB_OBJ) $(TEST_CMD_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

fuzz-replay: $(REPLAY_BIN)

# `make fuzz` builds each target with clang and libFuzzer into build/fuzz/
# and runs it for FUZZ_SECONDS, one after the other (FUZZ=NAME... picks
# some). New inputs go to build/fuzz/corpus/NAME/; tests/fuzz/corpus/NAME/
# is read as the seed. A failure stops the run and leaves the input as
# build/fuzz/NAME-crash-*: fix the cause, then keep the input (minimized
# with -minimize_crash=1) in tests/fuzz/corpus/NAME/.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS ?=
FUZZ ?= $(FUZZ_NAMES)
FUZZ_DIR = build/fuzz
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
# clang, unlike gcc, flags the va_list formats of cmd/die.c, which its
# callers' format attributes already check.
FUZZ_CFLAGS = -std=c11 -pthread $(WARN) -Wno-format-nonliteral -MMD -MP \
	      -g -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o) \
	       $(TEST_CMD_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_BIN = $(FUZZ_NAMES:%=$(FUZZ_DIR)/%)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(ALL_CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BIN): $(FUZZ_DIR)/%: $(FUZZ_DIR)/obj/tests/fuzz/%_fuzz.o \
		$(FUZZ_LIB_OBJ)
	$(FUZZ_CC) -pthread $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^

fuzz: $(FUZZ:%=$(FUZZ_DIR)/%)
	@set -e; for n in $(FUZZ); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$n tests/fuzz/corpus/$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
		$(FUZZ_DIR)/$$n -max_total_time=$(FUZZ_SECONDS) \
			-artifact_prefix=$(FUZZ_DIR)/$$n- $(FUZZ_FLAGS) \
			$(FUZZ_DIR)/corpus/$$n tests/fuzz/corpus/$$n; \
	done

asan:
	$(MAKE) BUILD=build/asan BIN=build/asan/lanes \
		SANITIZE=address,undefined test
tsan:
	$(MAKE) BUILD=build/tsan BIN=build/tsan/lanes SANITIZE=thread test

# Debian 12 packages needed to build, test and benchmark.
DEPS = build-essential libcurl4-openssl-dev libssl-dev bats bats-support \
       bats-assert time procps python3 nginx-light openssl slurm-wlm \
       openssh-server openssh-client jq zsh fish tcsh ksh csh mandoc \
       groff-base
deps:
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(DEPS)

# The package list, for scripts that install it themselves (.ci/run).
print-deps:
	@echo $(DEPS)

# Shell completion, where bash-completion and zsh look for it by default.
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/lanes
	install -m 644 man/lanes.1 $(DESTDIR)$(MANDIR)/man1/lanes.1
	install -m 644 man/completion/lanes.bash $(DESTDIR)$(BASHCOMPDIR)/lanes
	install -m 644 man/completion/_lanes $(DESTDIR)$(ZSHCOMPDIR)/_lanes

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/lanes $(DESTDIR)$(MANDIR)/man1/lanes.1 \
		$(DESTDIR)$(BASHCOMPDIR)/lanes $(DESTDIR)$(ZSHCOMPDIR)/_lanes

clean:
	rm -rf build lanes

# Keep unit test objects between runs.
.SECONDARY:

.PHONY: all units fuzz fuzz-replay test asan tsan deps print-deps install \
	uninstall clean

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(UNIT_BIN:=.d)
-include $(FUZZ_SRC:%.c=$(BUILD)/%.d) $(BUILD)/tests/fuzz/replay.d
-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_SRC:%.c=$(FUZZ_DIR)/obj/%.d)
