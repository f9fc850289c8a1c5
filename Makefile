# tmdb toolkit: plain make; `make test` installs what is missing, builds and runs every suite.
VERSION = 0.1.0

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man/man1

CC ?= cc
CFLAGS ?= -O2 -g
PKGS = libcurl jansson sqlite3

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

.PHONY: all deps test test-sanitize check lint clean install demo

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

check: test test-sanitize

lint: deps
	shellcheck -s bash tests/*.bash tests/*.sh pipelines/*.sh pipelines/*.bash

# The whole pipeline on the bundled sample: no network, no key.
demo: deps
	@$(MAKE) --no-print-directory all
	env -u TMDB_API_KEY -u TMDB_ACCESS_TOKEN bash pipelines/debug.sh --offline

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)
	install -m 755 $(PROGRAMS:%=$(BIN)/%) $(DESTDIR)$(BINDIR)/
	install -m 644 $(PROGRAMS:%=man/%.1) $(DESTDIR)$(MANDIR)/

clean:
	rm -rf $(BUILD) $(BIN)
