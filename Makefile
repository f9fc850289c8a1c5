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
HEADERS = $(wildcard lib/*.h)

SANITIZE_FLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: all deps test test-sanitize asan valgrind check lint clean install uninstall demo bench

all: $(PROGRAMS:%=$(BIN)/%)

$(BIN)/%: $(BUILD)/cmd/%.o $(BUILD)/libtmdb.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libtmdb.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

deps:
	@bash tests/deps.sh

# Recursive make so pkg-config runs again once deps has installed the libraries.
test: deps
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

lint: deps
	shellcheck -x -s bash tests/*.bash tests/*.sh pipelines/*.sh pipelines/*.bash

# A benchmark, not a test (so not part of test or check): against the fake TMDB on
# 127.0.0.1, it writes bench/RESULTS.md. BENCH_RUNS=N, BENCH_QUICK=1 for a smoke run.
bench: deps
	@$(MAKE) --no-print-directory all
	bash bench/run.sh

# The whole pipeline on the bundled sample: no network, no key.
demo: deps
	@$(MAKE) --no-print-directory all
	env -u TMDB_API_KEY -u TMDB_ACCESS_TOKEN bash pipelines/debug.sh --offline

# The pipelines live in DATADIR with their helpers and sample; bin/ gets a tmdb-NAME
# link to each, and the scripts find the programs in bin/ beside them.
PIPELINES = debug deploy report
install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(DATADIR)/pipelines \
		$(DESTDIR)$(COMPLETIONDIR)
	install -m 755 $(PROGRAMS:%=$(BIN)/%) $(DESTDIR)$(BINDIR)/
	install -m 644 $(PROGRAMS:%=man/%.1) $(PIPELINES:%=man/tmdb-%.1) $(DESTDIR)$(MANDIR)/
	install -m 755 $(PIPELINES:%=pipelines/%.sh) $(DESTDIR)$(DATADIR)/pipelines/
	install -m 644 pipelines/sync.bash pipelines/VERSION pipelines/spec.json pipelines/config.example.json \
		$(DESTDIR)$(DATADIR)/pipelines/
	cp -R pipelines/sample $(DESTDIR)$(DATADIR)/pipelines/
	for name in $(PIPELINES); do \
		ln -sf ../share/tmdb-toolkit/pipelines/$$name.sh $(DESTDIR)$(BINDIR)/tmdb-$$name; done
	install -m 644 pipelines/completion.bash $(DESTDIR)$(COMPLETIONDIR)/tmdb-fetch
	for name in $(filter-out tmdb-fetch,$(PROGRAMS)) $(PIPELINES:%=tmdb-%); do \
		ln -sf tmdb-fetch $(DESTDIR)$(COMPLETIONDIR)/$$name; done

uninstall:
	rm -f $(PROGRAMS:%=$(DESTDIR)$(BINDIR)/%) $(PIPELINES:%=$(DESTDIR)$(BINDIR)/tmdb-%)
	rm -f $(PROGRAMS:%=$(DESTDIR)$(MANDIR)/%.1) $(PIPELINES:%=$(DESTDIR)$(MANDIR)/tmdb-%.1)
	rm -f $(PROGRAMS:%=$(DESTDIR)$(COMPLETIONDIR)/%) $(PIPELINES:%=$(DESTDIR)$(COMPLETIONDIR)/tmdb-%)
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf $(BUILD) $(BIN)
