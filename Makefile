# SPDX-License-Identifier: MIT
# nutss: `make` builds, `make test` runs every test, `make demo` runs the
# main job, `make bench` measures, `make fuzz` grows the fuzz corpora.
# Each target installs the Debian packages it needs first (scripts/install-deps.sh).

.DEFAULT_GOAL := all
include mk/common.mk

CORE_SRCS := $(wildcard src/core/*.c)
SIP_SRCS := $(wildcard src/sip/*.c)
POLICY_SRCS := $(wildcard src/policy/*.c)
PROTO_SRCS := $(wildcard src/proto/*.c)
CLI_SRCS := $(wildcard src/cli/*.c)
EP_SRCS := $(wildcard src/endpoint/*.c)
# libnutss holds what an endpoint needs: its own code, the SIP core, the tokens.
LIBNUTSS_SRCS := $(EP_SRCS) $(CORE_SRCS) $(SIP_SRCS) $(PROTO_SRCS)
# The P-Box as a library (all of it but main.c), so unit tests can link its modules.
PBOX_SRCS := $(filter-out src/pbox/main.c,$(wildcard src/pbox/*.c))

LIBSIP := $(O)/libnutss-sip.a
LIBPOLICY := $(O)/libnutss-policy.a
LIBPROTO := $(O)/libnutss-proto.a
LIBNUTSS_A := $(O)/libnutss.a
LIBNUTSS_SO := $(O)/libnutss.so
NUTSS_PC := $(O)/nutss.pc
LIBPBOX := $(O)/libnutss-pbox.a
PBOXD := $(O)/nutss-pboxd
MBOXD := $(O)/nutss-mboxd
MBOX_SRCS := $(filter-out src/mbox/main.c src/mbox/%.bpf.c,$(wildcard src/mbox/*.c))
NUTSS := $(O)/nutss
# nutss run's agent (in the nutss binary) and the shim it preloads.
AGENT_SRCS := $(wildcard src/agent/*.c)
PRELOAD_SRCS := $(wildcard src/preload/*.c)
PRELOAD_SO := $(O)/libnutss-preload.so

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
# Replay binaries: the fuzz targets with a plain main() that runs a corpus,
# so `make test` exercises every corpus under ASan/UBSan without libFuzzer.
FUZZ_REPLAY := $(patsubst tests/fuzz/%.c,$(O)/tests/%-replay,$(FUZZ_SRCS))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(O)/tests/%,$(FUZZ_SRCS))

.PHONY: all deps test check-build demo bench bench-parse bench-policy bench-nonce bench-proxy bench-flow bench-mbox bench-shim fuzz clean format

all: deps-build $(NUTSS) $(PBOXD) $(MBOXD) $(LIBNUTSS_SO) $(LIBNUTSS_A) $(NUTSS_PC) $(PRELOAD_SO)

deps-build:
	@scripts/install-deps.sh build
deps:
	@scripts/install-deps.sh test
deps-bench:
	@scripts/install-deps.sh bench

$(LIBSIP): $(call objs,$(CORE_SRCS) $(SIP_SRCS))
	@mkdir -p $(dir $@)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIBPOLICY): $(call objs,$(POLICY_SRCS))
	@mkdir -p $(dir $@)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIBPROTO): $(call objs,$(PROTO_SRCS))
	@mkdir -p $(dir $@)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# The shared library: position-independent objects of their own (pic/), the
# version script exporting the API alone.
$(LIBNUTSS_SO): $(call picobjs,$(LIBNUTSS_SRCS)) src/endpoint/libnutss.map
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,libnutss.so.0 \
		-Wl,--version-script=src/endpoint/libnutss.map -o $@.0 $(call picobjs,$(LIBNUTSS_SRCS)) $(LDLIBS)
	$(Q)ln -sf libnutss.so.0 $@

$(LIBNUTSS_A): $(call objs,$(LIBNUTSS_SRCS))
	@mkdir -p $(dir $@)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# For building against the tree: PKG_CONFIG_PATH=build/release pkg-config --libs nutss
$(NUTSS_PC): src/endpoint/nutss.pc.in
	$(Q)sed -e 's|@LIBDIR@|$(abspath $(O))|' -e 's|@INCLUDEDIR@|$(abspath include)|' $< >$@

$(LIBPBOX): $(call objs,$(PBOX_SRCS))
	@mkdir -p $(dir $@)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(PBOXD): $(O)/src/pbox/main.o $(LIBPBOX) $(LIBPOLICY) $(LIBPROTO) $(LIBSIP)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(NUTSS): $(call objs,$(CLI_SRCS)) $(LIBPBOX) $(LIBPOLICY) $(call objs,$(AGENT_SRCS) $(EP_SRCS) $(MBOX_SRCS)) $(LIBPROTO) $(LIBSIP)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) -lbpf -lssl

# The shim goes into programs we did not build: no ASan (its runtime must be
# the first library a process loads), UBSan in the test build; hidden
# symbols but the hooks (src/preload/preload.map).
PRELOAD_CFLAGS := $(CFLAGS_BASE) -fPIC -fvisibility=hidden $(CFLAGS) \
	$(if $(filter asan,$(MODE)),-O1 -fno-omit-frame-pointer -fsanitize=undefined -fno-sanitize-recover=all,-O2 $(filter-out -fPIE,$(HARDEN_CFLAGS)))
PRELOAD_LDFLAGS := $(if $(filter asan,$(MODE)),-fsanitize=undefined,-Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack) $(LDFLAGS)
$(O)/preload/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(PRELOAD_CFLAGS) -c -o $@ $<

$(PRELOAD_SO): $(patsubst %.c,$(O)/preload/%.o,$(PRELOAD_SRCS)) src/preload/preload.map
	$(call msg,LD,$@)
	$(Q)$(CC) $(PRELOAD_LDFLAGS) -shared -Wl,--version-script=src/preload/preload.map -o $@ \
		$(patsubst %.c,$(O)/preload/%.o,$(PRELOAD_SRCS)) -ldl -lpthread

# The agent's unit tests link its modules and the endpoint's.
$(O)/tests/test_agent_%: $(O)/tests/unit/test_agent_%.o $(call objs,$(AGENT_SRCS) $(EP_SRCS)) $(LIBPROTO) $(LIBSIP)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) -lssl

# fuzz_names links the agent's names module, not the P-Box the generic fuzz rules link.
$(O)/tests/fuzz_names-replay: $(O)/tests/fuzz/fuzz_names.o $(O)/tests/fuzz/replay.o $(call objs,src/agent/names.c) $(LIBSIP)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/fuzz_names: $(O)/tests/fuzz/fuzz_names.o $(call objs,src/agent/names.c) $(LIBSIP)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

# fuzz_target links what nutss run reads of the program it starts.
$(O)/tests/fuzz_target-replay: $(O)/tests/fuzz/fuzz_target.o $(O)/tests/fuzz/replay.o $(call objs,src/cli/target.c)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/fuzz_target: $(O)/tests/fuzz/fuzz_target.o $(call objs,src/cli/target.c)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

# Programs tests/shim/test-shim.sh runs under `nutss run` with the shim
# preloaded (resolve_check: the resolver hooks; edge: the socket hooks' edge
# cases): no ASan, whose runtime must be the first library a process loads.
SHIM_BINS := $(O)/tests/shim/resolve_check $(O)/tests/shim/edge
$(O)/tests/shim/%: tests/shim/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(CFLAGS_BASE) -O1 $(CFLAGS) -o $@ $< -pthread

# The TLS relay's test links the module alone (it needs nothing else of the agent's).
$(O)/tests/test_agent_tls: $(O)/tests/unit/test_agent_tls.o $(O)/src/agent/tls.o
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) -lssl

$(O)/tests/test_%: $(O)/tests/unit/test_%.o $(LIBPBOX) $(LIBPOLICY) $(LIBPROTO) $(LIBSIP)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/fuzz_%-replay: $(O)/tests/fuzz/fuzz_%.o $(O)/tests/fuzz/replay.o $(LIBPBOX) $(LIBPOLICY) $(LIBPROTO) $(LIBSIP)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/fuzz_%: $(O)/tests/fuzz/fuzz_%.o $(LIBPBOX) $(LIBPOLICY) $(LIBPROTO) $(LIBSIP)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

# The M-Box's BPF program and its libbpf skeleton (any MODE: BPF has no sanitizers).
BPF_CFLAGS := -O2 -g -target bpf -D__bpf__ -Isrc -I/usr/include/$(shell $(CC) -dumpmachine 2>/dev/null) -Wall
$(O)/mbox.bpf.o: src/mbox/mbox.bpf.c src/mbox/mbox_kern_user.h src/proto/wire.h src/core/siphash.h
	@mkdir -p $(dir $@)
	$(call msg,BPF,$@)
	$(Q)clang $(BPF_CFLAGS) -c -o $@ $<

$(O)/mbox.skel.h: $(O)/mbox.bpf.o
	$(call msg,GEN,$@)
	$(Q)bpftool gen skeleton $< name mbox_bpf >$@.tmp && mv $@.tmp $@

$(O)/src/mbox/main.o: src/mbox/main.c $(O)/mbox.skel.h $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -I$(O) -c -o $@ $<

$(MBOXD): $(O)/src/mbox/main.o $(call objs,$(MBOX_SRCS)) $(LIBPROTO) $(LIBSIP)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) -lbpf

$(O)/tests/unit/test_mbox_bpf.o: tests/unit/test_mbox_bpf.c $(O)/mbox.skel.h $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -I$(O) -c -o $@ $<

$(O)/tests/test_mbox_bpf: $(O)/tests/unit/test_mbox_bpf.o $(LIBPROTO) $(LIBSIP)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) -lbpf

# The test build: everything under ASan/UBSan.
check-build: $(NUTSS) $(PBOXD) $(MBOXD) $(UNIT_BINS) $(FUZZ_REPLAY) $(LIBNUTSS_SO) $(LIBNUTSS_A) $(NUTSS_PC) $(PRELOAD_SO) \
	$(SHIM_BINS)

test: deps
	@$(MAKE) --no-print-directory MODE=asan check-build
	@$(MAKE) --no-print-directory MODE=release $(NUTSS) $(PBOXD) $(MBOXD) $(LIBNUTSS_SO) $(LIBNUTSS_A) $(NUTSS_PC) $(PRELOAD_SO)
	@tests/run.sh build/asan

demo: deps
	@$(MAKE) --no-print-directory MODE=release $(NUTSS) $(PBOXD) $(MBOXD) $(PRELOAD_SO)
	@scripts/demo.sh build/release

# Each fuzz target runs FUZZ_SECONDS (default 60) and adds what it finds to
# its corpus in tests/fuzz/corpus/<target>/.
FUZZ_SECONDS ?= 60
# Then the black-box run: the ASan daemon under mutated SIP for as long.
fuzz: deps
	@$(MAKE) --no-print-directory MODE=fuzz fuzz-build
	@$(MAKE) --no-print-directory MODE=asan build/asan/nutss build/asan/nutss-pboxd
	@tests/fuzz/run-fuzz.sh build/fuzz $(FUZZ_SECONDS)
	@echo "== black-box: nutss-pboxd (ASan) for $(FUZZ_SECONDS)s"
	@tests/pbox/test-pboxd-fuzz.sh build/asan $(FUZZ_SECONDS)

fuzz-build: $(FUZZ_BINS)

bench: bench-parse bench-policy bench-nonce

# Benchmarks always measure a release build: build/release, or O= when given.
BENCH_O := $(if $(filter command line,$(origin O)),$(O),build/release)

bench-parse: deps-bench
	@$(MAKE) --no-print-directory MODE=release O=$(BENCH_O) $(BENCH_O)/bench/bench_parse
	@$(BENCH_O)/bench/bench_parse

bench-policy: deps-build
	@$(MAKE) --no-print-directory MODE=release O=$(BENCH_O) $(BENCH_O)/bench/bench_policy
	@$(BENCH_O)/bench/bench_policy

# nutss-pboxd against Kamailio on the shared SIPp harness (~17 min); bench/README.md.
bench-proxy: deps-bench
	@$(MAKE) --no-print-directory MODE=release O=$(BENCH_O) $(BENCH_O)/nutss $(BENCH_O)/nutss-pboxd \
		$(BENCH_O)/bench/bench_memreg $(BENCH_O)/bench/memreg_fill $(BENCH_O)/bench/flood $(BENCH_O)/bench/null_relay
	@bench/bench-proxy.sh $(BENCH_O)

# Flows by name against plain TCP, and the P-Box's CPU per flow against a
# plain SIPp call, in one run (~6 min); bench/README.md.
bench-flow: deps-bench
	@$(MAKE) --no-print-directory MODE=release O=$(BENCH_O) $(BENCH_O)/nutss $(BENCH_O)/nutss-pboxd \
		$(BENCH_O)/bench/bench_flow
	@bench/bench-flow.sh $(BENCH_O)

# The M-Box against nftables (a set, a rule per grant) and fwknop, in namespaces (~10 min); bench/README.md.
bench-mbox: deps-bench
	@$(MAKE) --no-print-directory MODE=release O=$(BENCH_O) $(BENCH_O)/nutss $(BENCH_O)/nutss-mboxd \
		$(BENCH_O)/bench/bench_mbox
	@bench/bench-mbox.sh $(BENCH_O)

# Unmodified programs under `nutss run`: plain and TLS throughput against no
# shim and stunnel4, and a connect by name against a plain one (~3 min); bench/README.md.
bench-shim: deps-bench
	@$(MAKE) --no-print-directory MODE=release O=$(BENCH_O) $(BENCH_O)/nutss $(BENCH_O)/nutss-pboxd \
		$(BENCH_O)/libnutss-preload.so $(BENCH_O)/bench/bench_shim
	@bench/bench-shim.sh $(BENCH_O)

bench-nonce: deps-build
	@$(MAKE) --no-print-directory MODE=release O=$(BENCH_O) $(BENCH_O)/bench/bench_nonce
	@$(BENCH_O)/bench/bench_nonce

$(O)/bench/bench_parse: $(O)/bench/bench_parse.o $(LIBSIP)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) -losipparser2 -losip2

$(O)/bench/bench_policy: $(O)/bench/bench_policy.o $(LIBPOLICY) $(LIBSIP)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/bench/bench_memreg: $(O)/bench/bench_memreg.o $(LIBPBOX) $(LIBSIP)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/bench/memreg_fill: $(O)/bench/memreg_fill.o $(LIBPBOX) $(LIBSIP)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/bench/null_relay: $(O)/bench/null_relay.o
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^

$(O)/bench/flood: $(O)/bench/flood.o
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^

$(O)/bench/bench_flow: $(O)/bench/bench_flow.o $(LIBNUTSS_A)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/bench/bench_mbox.o: bench/bench_mbox.c $(O)/mbox.skel.h $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -I$(O) -c -o $@ $<

$(O)/bench/bench_mbox: $(O)/bench/bench_mbox.o $(LIBPROTO) $(LIBSIP)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) -lbpf

$(O)/bench/bench_nonce: $(O)/bench/bench_nonce.o $(LIBPBOX) $(LIBSIP)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

# Runs with the shim preloaded: no ASan, whose runtime must be the first library loaded.
$(O)/bench/bench_shim: bench/bench_shim.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(CFLAGS_BASE) -O2 $(CFLAGS) -o $@ $<

$(O)/bench/bench_tls: $(O)/bench/bench_tls.o $(O)/src/agent/tls.o
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) -lssl

format:
	clang-format -i $(shell git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)

# Keep objects that pattern rules build on the way (test and fuzz .o files).
.SECONDARY:
