# tmdb toolkit: plain make; `make test` installs what is missing, builds and runs every suite.
VERSION := $(shell cat pipelines/VERSION)

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man/man1
DATADIR = $(PREFIX)/share/tmdb-toolkit
COMPLETIONDIR = $(PREFIX)/share/bash-completion/completions

CC ?= cc
CFLAGS ?= -O2 -g
PKGS = libcurl jansson sqlite3 libpq

# What the build needs goes in with override, so `make CFLAGS=-O0` adds to it
# instead of dropping -Werror or the include paths.
override CFLAGS += -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -Ilib \
	-DTMDB_VERSION=\"$(VERSION)\" $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
override LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

# BUILD and BIN are settable so a sanitizer build lives beside the normal one.
BUILD ?= build
BIN ?= bin

PROGRAMS = $(sort $(basename $(notdir $(wildcard cmd/*.c))))
LIB_SRC = $(wildcard lib/*.c)
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ = $(PROGRAMS:%=$(BUILD)/cmd/%.o)

# Each object's header dependencies, written by the compiler beside it (BUILD/lib/NAME.d):
# touching a header rebuilds the objects that include it, and only those. -MP adds an empty
# rule per header, so a header deleted along with its #include does not stop the build.
# The sanitizer build (another BUILD) and the fuzz build write and read their own.
DEPFLAGS = -MMD -MP

SANITIZE_FLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: all deps test test-sanitize asan valgrind check lint mutants clean install uninstall demo bench

all: $(PROGRAMS:%=$(BIN)/%)

$(PROGRAMS:%=$(BIN)/%): $(BIN)/%: $(BUILD)/cmd/%.o $(BUILD)/libtmdb.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libtmdb.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

# An object is also out of date without its .d file (one built before there were any):
# the empty rule lets make take the missing file as new instead of giving up.
$(BUILD)/%.o: %.c $(BUILD)/%.d
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/%.d: ;
.PRECIOUS: $(BUILD)/%.d

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d)

deps:
	@bash tests/deps.sh

# Recursive make so pkg-config runs again once deps has installed the libraries.
# Lint first: a test that cannot fail (a bare `! cmd` in Bats, SC2314) stops the run.
test: deps lint
	@$(MAKE) --no-print-directory all
	bash tests/run.sh tests

test-sanitize: deps
	@$(MAKE) --no-print-directory BUILD=build/sanitize BIN=build/sanitize/bin \
		CFLAGS="$(SANITIZE_FLAGS)" LDFLAGS="-fsanitize=address,undefined" all
	TMDB_BIN=$(CURDIR)/build/sanitize/bin bash tests/run.sh tests

# The suites against AddressSanitizer + UBSan: another name for test-sanitize.
asan: test-sanitize

# The main paths of every program under valgrind, against the fake TMDB: fails on any
# memory error or definitely lost block.
valgrind: deps
	@$(MAKE) --no-print-directory all
	bash tests/hardening/valgrind.sh $(BIN)

check: test test-sanitize

# Every shell file we write: the Bats suites too (shellcheck knows Bats: SC2314/SC2315 flag a
# `! cmd` line that cannot fail a test).
LINT_SHELL = tests/*.bats tests/*.bash tests/*.sh tests/hardening/*.bash tests/hardening/*.sh tests/fuzz/*.sh \
	pipelines/*.sh pipelines/*.bash bench/*.sh .ci/run

lint: deps
	shellcheck -x -s bash $(LINT_SHELL)

# Tests that cannot fail: each program in turn is replaced (through TMDB_BIN) by a stand-in
# that exits 1 and by one that exits 0 and prints nothing; every test that runs it and still
# passes is listed, and fails this (tests/mutants.sh, allow-list tests/mutants.allow). The
# full run takes about an hour; MUTANTS_ARGS narrows it: -p PROGRAM, -k fail|empty, suites.
# CI (.ci/run) runs one fixed subset: -p tmdb-director -k empty tmdb-director readme docs.
MUTANTS_ARGS ?=
mutants: deps
	@$(MAKE) --no-print-directory all
	bash tests/mutants.sh $(MUTANTS_ARGS)

# A benchmark, not a test (so not part of test or check): against the fake TMDB on
# 127.0.0.1, it writes bench/RESULTS.md. BENCH_RUNS=N, BENCH_QUICK=1 for a smoke run,
# BENCH_SECTIONS="5" for some sections only (into bench/RESULTS-partial.md).
bench: deps
	@$(MAKE) --no-print-directory all
	bash bench/run.sh

# The whole pipeline on the bundled sample: no network, no key. It installs only what the
# build and the pipeline need (tests/deps.sh demo), not the suites' tools.
demo:
	@bash tests/deps.sh demo
	@$(MAKE) --no-print-directory all
	env -u TMDB_API_KEY -u TMDB_ACCESS_TOKEN bash pipelines/debug.sh --offline

# The pipelines live in DATADIR with their helpers and sample; bin/ gets a tmdb-NAME
# link to each, and the scripts find the programs in bin/ beside them. report.sh finds its
# query, chart scripts and templates in report/ beside it.
PIPELINES = debug deploy report catalog
# Singer taps keep Singer's names: pipelines/tap-NAME.sh is bin/tap-NAME.
TAPS = tap-tmdb
REPORT_FILES = $(wildcard pipelines/report/*)
install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(DATADIR)/pipelines/report \
		$(DESTDIR)$(COMPLETIONDIR)
	install -m 755 $(PROGRAMS:%=$(BIN)/%) $(DESTDIR)$(BINDIR)/
	install -m 644 $(PROGRAMS:%=man/%.1) $(PIPELINES:%=man/tmdb-%.1) $(TAPS:%=man/%.1) $(DESTDIR)$(MANDIR)/
	install -m 755 $(PIPELINES:%=pipelines/%.sh) $(TAPS:%=pipelines/%.sh) $(DESTDIR)$(DATADIR)/pipelines/
	install -m 644 pipelines/sync.bash pipelines/VERSION pipelines/spec.json pipelines/config.example.json \
		$(DESTDIR)$(DATADIR)/pipelines/
	install -m 644 $(REPORT_FILES) $(DESTDIR)$(DATADIR)/pipelines/report/
	cp -R pipelines/sample $(DESTDIR)$(DATADIR)/pipelines/
	for name in $(PIPELINES); do \
		ln -sf ../share/tmdb-toolkit/pipelines/$$name.sh $(DESTDIR)$(BINDIR)/tmdb-$$name; done
	for name in $(TAPS); do \
		ln -sf ../share/tmdb-toolkit/pipelines/$$name.sh $(DESTDIR)$(BINDIR)/$$name; done
	install -m 644 pipelines/completion.bash $(DESTDIR)$(COMPLETIONDIR)/tmdb-fetch
	for name in $(filter-out tmdb-fetch,$(PROGRAMS)) $(PIPELINES:%=tmdb-%) $(TAPS); do \
		ln -sf tmdb-fetch $(DESTDIR)$(COMPLETIONDIR)/$$name; done

uninstall:
	rm -f $(PROGRAMS:%=$(DESTDIR)$(BINDIR)/%) $(PIPELINES:%=$(DESTDIR)$(BINDIR)/tmdb-%) $(TAPS:%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(PROGRAMS:%=$(DESTDIR)$(MANDIR)/%.1) $(PIPELINES:%=$(DESTDIR)$(MANDIR)/tmdb-%.1) $(TAPS:%=$(DESTDIR)$(MANDIR)/%.1)
	rm -f $(PROGRAMS:%=$(DESTDIR)$(COMPLETIONDIR)/%) $(PIPELINES:%=$(DESTDIR)$(COMPLETIONDIR)/tmdb-%) \
		$(TAPS:%=$(DESTDIR)$(COMPLETIONDIR)/%)
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf $(BUILD) $(BIN)

# Fuzzing with libFuzzer (tests/fuzz/README.md): one target per input parser, built with
# clang and the sanitizers into build/fuzz/. `make fuzz` runs each for FUZZ_SECONDS from
# its seed corpus; `make fuzz-regress` runs each once over its seeds and regression inputs.
FUZZ_CC = clang
FUZZ_SECONDS = 60
FUZZ_BUILD = build/fuzz
FUZZ_TARGETS = $(filter-out fuzz,$(sort $(basename $(notdir $(wildcard tests/fuzz/*.c)))))
# -Dexit=fuzz_exit: a die() returns to the harness instead of ending the run.
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -Ilib \
	-DTMDB_VERSION=\"$(VERSION)\" -Dexit=fuzz_exit $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
# The harnesses and their shared main, compiled apart so their .d files name what they
# include: a target may include the cmd/ or lib/ file whose static functions it calls.
FUZZ_HARNESS_OBJ = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/tests/fuzz/%.o) $(FUZZ_BUILD)/tests/fuzz/fuzz.o
FUZZ_PROGRAMS = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)

.PHONY: fuzz fuzz-regress

$(FUZZ_LIB_OBJ) $(FUZZ_HARNESS_OBJ): $(FUZZ_BUILD)/%.o: %.c $(FUZZ_BUILD)/%.d
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) -c -o $@ $<

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_HARNESS_OBJ:.o=.d)

$(FUZZ_BUILD)/libtmdb.a: $(FUZZ_LIB_OBJ)
	$(AR) rcs $@ $^

$(FUZZ_PROGRAMS): $(FUZZ_BUILD)/%: $(FUZZ_BUILD)/tests/fuzz/%.o $(FUZZ_BUILD)/tests/fuzz/fuzz.o \
		$(FUZZ_BUILD)/libtmdb.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ $(LDLIBS) -lpthread

# The loops live in tests/fuzz/run.sh: one line per target, the log's tail on a failure.
fuzz: $(FUZZ_PROGRAMS)
	@bash tests/fuzz/run.sh fuzz $(FUZZ_SECONDS) $(FUZZ_BUILD) $(FUZZ_TARGETS)

fuzz-regress: $(FUZZ_PROGRAMS)
	@bash tests/fuzz/run.sh regress $(FUZZ_BUILD) $(FUZZ_TARGETS)
