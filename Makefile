# appgen - one Makefile. `make` builds ./appgen; `make help` lists targets.
#
#   make DEVELOPER=1            strict warnings, -Werror (gcc and clang)
#   make SANITIZE=address,undefined   sanitizer build (objects in build/san-address-undefined)
#   make CC=clang

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
CFLAGS  ?= -O2 -g
PKGS     = libgit2 libcjson libcmark libcurl libzip lua5.4
PYTHON  ?= python3

# `make V=1` shows the full commands.
ifeq ($(V),1)
Q =
else
Q = @
endif

BUILD = build
ifneq ($(SANITIZE),)
comma := ,
BUILD = build/san-$(subst $(comma),-,$(SANITIZE))
SAN_FLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

AG_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude -Isrc \
	$(PKG_CFLAGS) -MMD -MP $(SAN_FLAGS)
ifeq ($(DEVELOPER),1)
AG_CFLAGS += -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-format-nonliteral -Wpointer-arith -Wvla -Wundef -Wcast-align \
	-Wwrite-strings -Wold-style-definition
else
AG_CFLAGS += -Wall
endif
LDLIBS = $(PKG_LIBS) -lm -pthread

LIB_SRC = $(wildcard src/util/*.c src/front/*.c src/plan/*.c src/out/*.c src/gen/*.c src/vcs/*.c src/build/*.c)
CLI_SRC = $(wildcard src/cli/*.c)
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ = $(CLI_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/schema_data.o
UNIT_SRC = $(wildcard tests/unit/*.c)

APPGEN = $(if $(SANITIZE),$(BUILD)/appgen,appgen)

.PHONY: all demo check test deps unit spec golden golden-update tsan cli-tests schema-test fuzz fuzz-replay asan valgrind \
	bench format install uninstall clean help

all: $(APPGEN)

$(APPGEN): $(CLI_OBJ) $(BUILD)/libappgen.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libappgen.a: $(LIB_OBJ) $(BUILD)/gen/tree_data.o $(BUILD)/gen/build_id.o
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(AG_CFLAGS) -c -o $@ $<

$(BUILD)/gen/schema_data.c: schema/blueprint-v2.schema.json tools/embed.sh
	@mkdir -p $(dir $@)
	$(Q)sh tools/embed.sh ag_schema_json $< > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/schema_data.o: $(BUILD)/gen/schema_data.c
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

# lua/ and templates/ compiled in (ag_gen_builtin_source); directories are
# prerequisites too, so adding or removing a file rebuilds it.
$(BUILD)/gen/tree_data.c: $(shell find lua templates 2>/dev/null) tools/embed_tree.sh
	@mkdir -p $(dir $@)
	$(Q)sh tools/embed_tree.sh lua templates > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/tree_data.o: $(BUILD)/gen/tree_data.c src/gen/tree.h
	$(Q)$(CC) $(CFLAGS) -Isrc -c -o $@ $<

# ag_build_id: what the build cache knows this appgen by (tools/build_id.sh).
$(BUILD)/gen/build_id.c: $(shell find src include lua templates schema -type f 2>/dev/null) tools/build_id.sh
	@mkdir -p $(dir $@)
	$(Q)sh tools/build_id.sh > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/build_id.o: $(BUILD)/gen/build_id.c
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/unit_tests: $(UNIT_SRC) $(BUILD)/libappgen.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(AG_CFLAGS) -Itests/unit -o $@ $(UNIT_SRC) $(BUILD)/libappgen.a $(LDLIBS)

# ---- the two commands of the README ---------------------------------------

demo:
	@sh scripts/deps.sh build
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh

check:
	@sh scripts/deps.sh test
	@$(MAKE) --no-print-directory test

# ---- tests ------------------------------------------------------------------

# Every suite; the last line is the total "N passed, N failed".
test: all $(BUILD)/unit_tests
	@sh tests/run.sh

unit: $(BUILD)/unit_tests
	$(BUILD)/unit_tests

spec: all
	$(PYTHON) tests/spec/run.py ./appgen

golden: all
	sh tests/golden/run.sh

# Accept a deliberate change of the generated trees.
golden-update: all
	sh tests/golden/run.sh --update

cli-tests: all
	sh tests/cli/run.sh ./appgen

# The test venv (scripts/deps.sh test) has the pinned jsonschema.
VENV_PY = $(or $(wildcard $(HOME)/.cache/appgen/venv/bin/python),$(PYTHON))

schema-test: all
	$(VENV_PY) tests/schema/differential.py ./appgen

asan:
	$(MAKE) SANITIZE=address,undefined CC=clang all build/san-address-undefined/unit_tests
	ASAN_OPTIONS=detect_leaks=1 build/san-address-undefined/unit_tests
	ASAN_OPTIONS=detect_leaks=1 $(PYTHON) tests/spec/run.py build/san-address-undefined/appgen
	ASAN_OPTIONS=detect_leaks=1 AG=build/san-address-undefined/appgen sh tests/golden/run.sh
	for t in t0045-cache t0047-history t0048-push t0049-faults t0050-migrations t0052-push-http t0053-push-ssh t0080-lifecycle; do \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0 \
		AG=$(CURDIR)/build/san-address-undefined/appgen sh tests/cli/$$t.sh || exit 1; done

# ThreadSanitizer over a parallel build of many apps.
tsan:
	$(MAKE) SANITIZE=thread CC=clang all
	sh tests/tsan.sh build/san-thread/appgen

valgrind: all $(BUILD)/unit_tests
	sh tests/valgrind.sh

# libFuzzer over parse + validate + normalize (needs clang).
FUZZ_SECONDS ?= 60
FUZZ_SRC = $(wildcard src/util/*.c src/front/*.c)
build/fuzz/fuzz_front: tests/fuzz/fuzz_front.c $(FUZZ_SRC)
	@mkdir -p build/fuzz
	clang -g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude -Isrc $(PKG_CFLAGS) \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ $^ $(LDLIBS)

fuzz: build/fuzz/fuzz_front
	@mkdir -p build/fuzz/corpus
	build/fuzz/fuzz_front -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=build/fuzz/ \
		-dict=tests/fuzz/blueprint.dict build/fuzz/corpus tests/fuzz/corpus blueprints

fuzz-replay: build/fuzz/fuzz_front
	build/fuzz/fuzz_front -runs=0 tests/fuzz/corpus blueprints

bench: all
	sh bench/run.sh

format:
	@command -v clang-format >/dev/null || sh scripts/deps.sh format
	clang-format -i $(LIB_SRC) $(CLI_SRC) include/appgen/*.h

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 appgen $(DESTDIR)$(PREFIX)/bin/appgen

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/appgen

clean:
	rm -rf build appgen

help:
	@echo "targets: all demo check test unit spec golden golden-update cli-tests schema-test asan valgrind fuzz fuzz-replay bench format install clean"

-include $(shell find build -name '*.d' 2>/dev/null)
