# mk/fuzz.mk — libFuzzer harnesses (fuzz/, see fuzz/README.md) and sanitizer runs of the tests.
# Included by the Makefile (after mk/cabi.mk, whose SF_MODEL and SF_LIB it uses).
#
#   make fuzz [FUZZ_SECONDS=300]   build every harness, run each for FUZZ_SECONDS (make test: 30)
#   make fuzz-NAME                 one of them: safetensors onnx pth options process gimp abi
#   make fuzz-build                only build them (build/fuzz/bin)
#   make test-sanitize             Swift tests under ASan, C ABI tests and the GIMP plug-in's under
#                                  ASan+UBSan, C ABI tests under TSan
#
# The Swift harnesses are the executables of fuzz/Package.swift, a package that depends on this
# one by path; SwiftPM builds them and everything they use with coverage and ASan:
#
#   swift build --package-path fuzz --scratch-path build/fuzz/swiftpm -c release \
#       --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing
#
# The C harnesses (process, gimp, abi) are built here with the toolchain's clang.
#
# A crash stops that harness and fails the target; the input is build/fuzz/crashes/NAME-crash-*
# (replay: build/fuzz/bin/NAME FILE). New corpus entries collect in build/fuzz/corpus/NAME.

FUZZ_SECONDS ?= 300
FUZZ_HARNESSES := safetensors onnx pth options process gimp abi
FUZZ_SWIFT_HARNESSES := safetensors onnx pth options
FUZZ_DIR    := build/fuzz
FUZZ_BIN    := $(FUZZ_DIR)/bin
# The toolchain next to `swift`: its clang carries libFuzzer and the sanitizers.
SWIFT_BINDIR := $(dir $(shell command -v $(SWIFT) 2>/dev/null))
FUZZ_CC     ?= $(SWIFT_BINDIR)clang
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fuse-ld=lld \
               -Wall -Wextra -Werror -I$(dir $(SF_HEADER))
# The C harnesses load the release libstylefilter by its SONAME from here.
FUZZ_LIBDIR := $(abspath $(FUZZ_DIR)/lib)
FUZZ_LIBS   := -L$(FUZZ_LIBDIR) -l:libstylefilter.so.$(SF_SOMAJOR) -Wl,-rpath,$(FUZZ_LIBDIR) -lm
# MagickCore's cflags without -fopenmp (clang would want libomp; MagickCore brings its own).
FUZZ_MAGICK_CFLAGS := $(filter-out -fopenmp,$(MAGICK_CFLAGS))
# Per input: parsers must answer at once; a stylization of ≤ 64 px in well under a minute.
FUZZ_TIMEOUT_abi := 120
FUZZ_TIMEOUT := 25

# SwiftPM's build of fuzz/Package.swift: --sanitize=fuzzer instruments every target and links
# libFuzzer's main into the executables (their files are parsed as libraries). SwiftPM hands
# swiftc its sanitizers as separate -sanitize=X flags, of which swiftc passes only the last to
# the compiler: the Swift code had either coverage or ASan, by build. -Xswiftc
# -sanitize=fuzzer,address comes after them and is the one kept (the C targets get both from
# SwiftPM). -enable-testing, because the harnesses reach internal API through @testable (fuzz/ is
# another package, so the engine's `package` declarations are out of its reach too). Its own
# scratch directory: the flags differ from every other build, and `make clean` removes it.
FUZZ_SWIFTPM := $(abspath $(FUZZ_DIR)/swiftpm)
FUZZ_SWIFT_BUILD := $(SWIFT) build --package-path fuzz --scratch-path $(FUZZ_SWIFTPM) -c release \
                    --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing

.PHONY: fuzz fuzz-build fuzz-swift test-sanitize $(addprefix fuzz-,$(FUZZ_HARNESSES))

fuzz: $(addprefix fuzz-,$(FUZZ_HARNESSES))

fuzz-build: $(addprefix $(FUZZ_BIN)/,$(FUZZ_HARNESSES))

# ---- Harnesses -------------------------------------------------------------------------------

# Linker noise from gold/lld about ASan's local symbols is dropped.
QUIET_LINK := 2>&1 | { grep -v "Cannot export local symbol" || true; }

# SwiftPM decides what is out of date (a second when nothing is); build/fuzz/bin links to its
# executables.
fuzz-swift:
	set -o pipefail; $(FUZZ_SWIFT_BUILD) $(QUIET_LINK)
	@mkdir -p $(FUZZ_BIN)
	@for h in $(FUZZ_SWIFT_HARNESSES); do ln -sf $(FUZZ_SWIFTPM)/release/$$h $(FUZZ_BIN)/$$h; done

$(addprefix $(FUZZ_BIN)/,$(FUZZ_SWIFT_HARNESSES)): fuzz-swift

$(FUZZ_LIBDIR)/libstylefilter.so.$(SF_SOMAJOR): cabi-lib
	@mkdir -p $(FUZZ_LIBDIR)
	ln -sf $(abspath $(SF_LIB)) $@

$(FUZZ_BIN)/process: fuzz/process.c Sources/ImageMagickFilter/stylize.c Sources/HostShared/style_blend.h $(SF_HEADER) $(FUZZ_LIBDIR)/libstylefilter.so.$(SF_SOMAJOR)
	@mkdir -p $(FUZZ_BIN)
	set -o pipefail; $(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_MAGICK_CFLAGS) $< -o $@ $(FUZZ_LIBS) $(MAGICK_LIBS) $(QUIET_LINK)

$(FUZZ_BIN)/gimp: fuzz/gimp.c Sources/GimpPlugin/neural_style.c Sources/GimpPlugin/neural_style.h \
                  Sources/HostShared/style_blend.h $(SF_HEADER) $(FUZZ_LIBDIR)/libstylefilter.so.$(SF_SOMAJOR)
	@mkdir -p $(FUZZ_BIN)
	set -o pipefail; $(FUZZ_CC) $(FUZZ_CFLAGS) $< -o $@ $(FUZZ_LIBS) $(QUIET_LINK)

$(FUZZ_BIN)/abi: fuzz/abi.c $(SF_HEADER) $(FUZZ_LIBDIR)/libstylefilter.so.$(SF_SOMAJOR)
	@mkdir -p $(FUZZ_BIN)
	set -o pipefail; $(FUZZ_CC) $(FUZZ_CFLAGS) $< -o $@ $(FUZZ_LIBS) $(QUIET_LINK)

# ---- Runs ------------------------------------------------------------------------------------

# Runs harness $(1) for FUZZ_SECONDS on the committed seeds plus what earlier runs found, with
# the environment $(2); prints one line (runs, coverage, memory) or, on a crash, the report.
define fuzz_run
	@mkdir -p $(FUZZ_DIR)/corpus/$(1) $(FUZZ_DIR)/crashes
	@echo "fuzz $(1): $(FUZZ_SECONDS) s"
	@log=$(FUZZ_DIR)/$(1).log; \
	if $(2) $(FUZZ_BIN)/$(1) -max_total_time=$(FUZZ_SECONDS) -timeout=$(or $(FUZZ_TIMEOUT_$(1)),$(FUZZ_TIMEOUT)) \
	        -print_final_stats=1 $(if $(wildcard fuzz/dict/$(1).dict),-dict=fuzz/dict/$(1).dict) \
	        -artifact_prefix=$(FUZZ_DIR)/crashes/$(1)- $(FUZZ_DIR)/corpus/$(1) fuzz/corpus/$(1) >$$log 2>&1; then \
	    echo "fuzz $(1): ok, $$(sed -n 's/^stat::number_of_executed_units: *//p' $$log) runs," \
	         "$$(grep -o 'cov: [0-9]*' $$log | tail -n 1), $$(sed -n 's/^stat::peak_rss_mb: *//p' $$log) MB peak"; \
	else \
	    tail -n 80 $$log; echo "fuzz $(1): FAILED (full log $$log; inputs in $(FUZZ_DIR)/crashes/)"; exit 1; \
	fi
endef

fuzz-safetensors fuzz-onnx fuzz-pth fuzz-options fuzz-process fuzz-gimp: fuzz-%: $(FUZZ_BIN)/%
	$(call fuzz_run,$*)

# Needs the model; without one it is skipped, unless STYLEFILTER_REQUIRE_SETUP is set.
fuzz-abi: $(FUZZ_BIN)/abi
	$(if $(wildcard $(SF_MODEL)),$(call fuzz_run,abi,STYLEFILTER_MODEL=$(SF_MODEL)),\
	@if [ -n "$$STYLEFILTER_REQUIRE_SETUP" ]; then echo "fuzz abi: no model at $(SF_MODEL)"; exit 1; fi; \
	    echo "SKIP fuzz abi: no model at $(SF_MODEL) (make setup)")

# ---- Sanitizers (not part of `make test`: two more full builds) -------------------------------

# The Swift tests against an ASan build (own scratch path: the release build stays as it is);
# the C ABI tests under ASan+UBSan (c-tests) and, against a TSan build of the library, the
# whole abi_test.c (parallel contexts, one context from two threads, re-entrant calls) under TSan.
# Leaks: checked by c-tests (LeakSanitizer on the library) and by the fuzzers; not in the Swift
# test run, where XCTest keeps its test cases, Foundation's Data(contentsOf:) buffers and
# ImageMagick's strings until exit (LeakSanitizer reports them, none from Sources/) and a child
# `stylize`'s report would break the tests that read its standard error. swiftc has no UBSan
# (-sanitize=undefined is unsupported on Linux); Swift traps on overflow and bounds itself.
TSAN_SCRATCH := .build-tsan
TSAN_LIBDIR  := $(abspath $(FUZZ_DIR)/tsan-lib)
# The toolchain's TSan runtime intercepts libdispatch, so the test links the toolchain's copy.
SWIFT_RUNTIME_DIR := $(abspath $(SWIFT_BINDIR)../lib/swift/linux)

test-sanitize:
	$(SWIFT) build $(TESTING) --build-tests --sanitize=address --scratch-path .build-asan
	STYLEFILTER_MODEL=$(SF_MODEL) ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test $(TESTING) --skip-build --sanitize=address \
	    --scratch-path .build-asan --disable-swift-testing
	$(MAKE) --no-print-directory c-tests
	$(MAKE) --no-print-directory gimp-test GIMP_SANITIZE=1
	$(SWIFT) build $(BUILD_FLAGS) --sanitize=thread --scratch-path $(TSAN_SCRATCH) --product stylefilter
	@mkdir -p $(TSAN_LIBDIR)
	ln -sf $(abspath $(TSAN_SCRATCH))/release/libstylefilter.so $(TSAN_LIBDIR)/libstylefilter.so.$(SF_SOMAJOR)
	$(FUZZ_CC) -std=c11 -O1 -g -Wall -Wextra -Werror -pthread -fsanitize=thread -I$(dir $(SF_HEADER)) \
	    Tests/CABI/abi_test.c -L$(TSAN_LIBDIR) -l:libstylefilter.so.$(SF_SOMAJOR) -Wl,-rpath,$(TSAN_LIBDIR) -lm \
	    -L$(SWIFT_RUNTIME_DIR) -ldispatch -lBlocksRuntime -Wl,-rpath,$(SWIFT_RUNTIME_DIR) \
	    -o $(FUZZ_DIR)/abi_test_tsan
	STYLEFILTER_MODEL=$(SF_MODEL) TSAN_OPTIONS=halt_on_error=1 $(FUZZ_DIR)/abi_test_tsan
	$(MAKE) --no-print-directory memory-sweep MEMORY_SWEEP_LIMITS="$$(seq -s ' ' 150 50 2000)"
