# SPDX-License-Identifier: MIT
# Flags, build flavours and pattern rules shared by the top-level Makefile.
#
# MODE=release  optimised build in build/release (the default: `make`)
# MODE=asan     the test build: AddressSanitizer + UBSan, in build/asan
# MODE=fuzz     clang + libFuzzer, in build/fuzz

MODE ?= release
O ?= build/$(MODE)

ifeq ($(MODE),fuzz)
CC := clang
endif

AR ?= ar
PKGS := libcrypto sqlite3
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lcrypto -lsqlite3)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
	-Wformat=2 -Wno-format-nonliteral -Wvla -Wundef
CFLAGS_BASE := -std=gnu17 -pipe -g $(WARN) -Isrc -Iinclude $(PKG_CFLAGS) -D_GNU_SOURCE -MMD -MP

# Hardening of what we ship (SECURITY.md; checked by tests/build/test-hardening.sh):
# _FORTIFY_SOURCE=3 where the compiler and libc support it (gcc 12, glibc
# 2.34), else 2; stack protector and stack clash protection; PIE; full
# RELRO with immediate binding; no executable stack; CET where x86 has it.
FORTIFY_LEVEL := $(shell printf '\043include <stdio.h>\n' | $(CC) -E -dM -O2 -U_FORTIFY_SOURCE \
	-D_FORTIFY_SOURCE=3 -x c - 2>/dev/null | grep -q '__USE_FORTIFY_LEVEL 3' && echo 3 || echo 2)
HARDEN_CFLAGS := -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=$(FORTIFY_LEVEL) -fstack-protector-strong \
	-fstack-clash-protection -fPIE $(if $(filter x86_64 i%86,$(shell uname -m)),-fcf-protection)
HARDEN_LDFLAGS := -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack

ifeq ($(MODE),release)
# -flto: the parser's hot paths cross files (msg.c calls uri.c, digest.c and
# chars.c per header); inlining across them is worth ~3% on bench-parse.
CFLAGS_MODE := -O3 -flto=auto -fno-plt $(HARDEN_CFLAGS)
LDFLAGS_MODE := -O3 -flto=auto $(HARDEN_LDFLAGS)
else ifeq ($(MODE),asan)
CFLAGS_MODE := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
LDFLAGS_MODE := -fsanitize=address,undefined
else ifeq ($(MODE),fuzz)
CFLAGS_MODE := -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -DNUTSS_FUZZING
LDFLAGS_MODE := -fsanitize=fuzzer,address,undefined
else
$(error unknown MODE=$(MODE): use release, asan or fuzz)
endif

ALL_CFLAGS := $(CFLAGS_BASE) $(CFLAGS_MODE) $(CFLAGS)
ALL_LDFLAGS := $(LDFLAGS_MODE) $(LDFLAGS)
LDLIBS := $(PKG_LIBS) -lpthread

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-7s %s\n' $(1) $(2)
endif

# Objects are rebuilt when the flags change (a new MODE's flags, CFLAGS=...).
FLAGS_STAMP := $(O)/.flags
$(FLAGS_STAMP): FORCE
	@mkdir -p $(O)
	@echo '$(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || echo '$(ALL_CFLAGS) $(ALL_LDFLAGS)' >$@
.PHONY: FORCE

$(O)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/pic/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -c -o $@ $<

# Turn a list of sources into their objects in this flavour's tree.
objs = $(patsubst %.c,$(O)/%.o,$(1))
picobjs = $(patsubst %.c,$(O)/pic/%.o,$(1))
