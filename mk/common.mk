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

ifeq ($(MODE),release)
# -flto: the parser's hot paths cross files (msg.c calls uri.c, digest.c and
# chars.c per header); inlining across them is worth ~3% on bench-parse.
CFLAGS_MODE := -O3 -flto=auto -fno-plt -fstack-protector-strong -D_FORTIFY_SOURCE=2
LDFLAGS_MODE := -O3 -flto=auto
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

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Turn a list of sources into their objects in this flavour's tree.
objs = $(patsubst %.c,$(O)/%.o,$(1))
