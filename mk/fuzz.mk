# mk/fuzz.mk — libFuzzer harnesses (fuzz/, see fuzz/README.md) and sanitizer runs of the tests.
# Included by the Makefile (after mk/cabi.mk, whose SF_MODEL and SF_LIB it uses).
#
#   make fuzz [FUZZ_SECONDS=300]   build every harness, run each for FUZZ_SECONDS (make test: 30)
#   make fuzz-NAME                 one of them: safetensors onnx pth options process gimp abi
#   make fuzz-build                only build them (build/fuzz/bin)
#   make test-sanitize             Swift tests under ASan, C ABI tests and the GIMP plug-in's under
#                                  ASan+UBSan, C ABI tests under TSan
#
# A crash stops that harness and fails the target; the input is build/fuzz/crashes/NAME-crash-*
# (replay: build/fuzz/bin/NAME FILE). New corpus entries collect in build/fuzz/corpus/NAME.

FUZZ_SECONDS ?= 300
FUZZ_HARNESSES := safetensors onnx pth options process gimp abi
FUZZ_DIR    := build/fuzz
FUZZ_OBJ    := $(FUZZ_DIR)/obj
FUZZ_BIN    := $(FUZZ_DIR)/bin
# The toolchain next to `swift`: its swiftc and clang carry libFuzzer and the sanitizers.
SWIFT_BINDIR := $(dir $(shell command -v $(SWIFT) 2>/dev/null))
SWIFTC      ?= $(SWIFT_BINDIR)swiftc
FUZZ_CC     ?= $(SWIFT_BINDIR)clang
FUZZ_SWIFTFLAGS := -swift-version 6 -parse-as-library -sanitize=fuzzer,address -O -g -use-ld=lld
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fuse-ld=lld \
               -Wall -Wextra -Werror -I$(dir $(SF_HEADER))
# The C harnesses load the release libstylefilter by its SONAME from here.
FUZZ_LIBDIR := $(abspath $(FUZZ_DIR)/lib)
FUZZ_LIBS   := -L$(FUZZ_LIBDIR) -l:libstylefilter.so.$(SF_SOMAJOR) -Wl,-rpath,$(FUZZ_LIBDIR) -lm
ARGPARSER   := .build/checkouts/swift-argument-parser/Sources
# MagickCore's cflags without -fopenmp (clang would want libomp; MagickCore brings its own).
FUZZ_MAGICK_CFLAGS := $(filter-out -fopenmp,$(MAGICK_CFLAGS))
MAGICKWAND_INCLUDES := $(patsubst %,-Xcc %,$(filter -I%,$(shell pkg-config --cflags MagickWand 2>/dev/null)))
# Per input: parsers must answer at once; a stylization of ≤ 64 px in well under a minute.
FUZZ_TIMEOUT_abi := 120
FUZZ_TIMEOUT := 25

.PHONY: fuzz fuzz-build test-sanitize $(addprefix fuzz-,$(FUZZ_HARNESSES))

fuzz: $(addprefix fuzz-,$(FUZZ_HARNESSES))

fuzz-build: $(addprefix $(FUZZ_BIN)/,$(FUZZ_HARNESSES))

# ---- Instrumented libraries (coverage + ASan) ------------------------------------------------

STYLEKERNEL_SOURCES := $(shell find Sources/StyleKernel -name '*.swift')

# StyleKernel imports COpenBLAS, CStyleFilterVersion (the version and limits) and its C helper
# targets, CSignalCleanup (AtomicFile's temporary files), CBLASCore (OpenBLAS's kernel choice) and
# CWinogradKernels (the convolution's kernels): everything that links it links their objects too.
C_HELPERS      := CSignalCleanup CBLASCore CWinogradKernels
C_HELPER_OBJS  := $(foreach t,$(C_HELPERS),$(FUZZ_OBJ)/$(t)/$(t).o)
STYLEKERNEL_IMPORTS := -I Sources/COpenBLAS -I Sources/CStyleFilterVersion $(foreach t,$(C_HELPERS),-I $(FUZZ_OBJ)/$(t))

$(FUZZ_OBJ)/libStyleKernel.a: $(STYLEKERNEL_SOURCES) $(C_HELPER_OBJS)
	@mkdir -p $(FUZZ_OBJ)
	$(SWIFTC) $(FUZZ_SWIFTFLAGS) -enable-testing -module-name StyleKernel $(STYLEKERNEL_IMPORTS) \
	    -emit-module -emit-module-path $(FUZZ_OBJ)/StyleKernel.swiftmodule -emit-library -static -o $@ \
	    $(STYLEKERNEL_SOURCES)

# swift-argument-parser as the package resolved it (its directory names contain spaces).
$(FUZZ_OBJ)/libArgumentParser.a: Package.swift
	@mkdir -p $(FUZZ_OBJ)
	test -d $(ARGPARSER) || $(SWIFT) package resolve
	find $(ARGPARSER)/ArgumentParserToolInfo -name '*.swift' -print0 | xargs -0 $(SWIFTC) $(FUZZ_SWIFTFLAGS) \
	    -module-name ArgumentParserToolInfo -emit-module -emit-module-path $(FUZZ_OBJ)/ArgumentParserToolInfo.swiftmodule \
	    -emit-library -static -o $(FUZZ_OBJ)/libArgumentParserToolInfo.a
	find $(ARGPARSER)/ArgumentParser -name '*.swift' -print0 | xargs -0 $(SWIFTC) $(FUZZ_SWIFTFLAGS) -suppress-warnings \
	    -module-name ArgumentParser -I $(FUZZ_OBJ) -emit-module -emit-module-path $(FUZZ_OBJ)/ArgumentParser.swiftmodule \
	    -emit-library -static -o $@

# The C helper targets (one public header each in include/, one or more .c files and private
# headers beside them), as SwiftPM builds them: one object (the .c files' linked together) and a
# module map for swiftc per target.
$(foreach t,$(C_HELPERS),$(eval $(FUZZ_OBJ)/$(t)/$(t).o: $(wildcard Sources/$(t)/*.c Sources/$(t)/*.h Sources/$(t)/include/*.h)))
public_header = $(foreach h,$(filter %.h,$1),$(if $(findstring /include/,$h),$h))
$(C_HELPER_OBJS):
	@mkdir -p $(@D)
	for c in $(filter %.c,$^); do \
	    $(FUZZ_CC) -c -g -O1 -fsanitize=address,fuzzer-no-link -I $(dir $(call public_header,$^)) $$c \
	        -o $(@D)/$$(basename $$c .c).part.o || exit 1; \
	done
	ld -r -o $@ $(patsubst %.c,$(@D)/%.part.o,$(notdir $(filter %.c,$^)))
	printf 'module $(notdir $(@D)) {\n    header "%s"\n    export *\n}\n' \
	    $(abspath $(call public_header,$^)) > $(@D)/module.modulemap

$(FUZZ_LIBDIR)/libstylefilter.so.$(SF_SOMAJOR): cabi-lib
	@mkdir -p $(FUZZ_LIBDIR)
	ln -sf $(abspath $(SF_LIB)) $@

# ---- Harnesses -------------------------------------------------------------------------------

# Linker noise from gold/lld about ASan's local symbols is dropped.
QUIET_LINK := 2>&1 | { grep -v "Cannot export local symbol" || true; }

$(FUZZ_BIN)/safetensors $(FUZZ_BIN)/onnx $(FUZZ_BIN)/pth: $(FUZZ_BIN)/%: fuzz/%.swift fuzz/FuzzSupport.swift $(FUZZ_OBJ)/libStyleKernel.a
	@mkdir -p $(FUZZ_BIN)
	set -o pipefail; $(SWIFTC) $(FUZZ_SWIFTFLAGS) -module-name Fuzz -I $(FUZZ_OBJ) $(STYLEKERNEL_IMPORTS) \
	    $(C_HELPER_OBJS) -L $(FUZZ_OBJ) -lStyleKernel fuzz/FuzzSupport.swift $< -o $@ $(QUIET_LINK)

# The command's library (Sources/StylizeCommandLine) as it is: it has no entry point of its own,
# so libFuzzer's main is the program's.
$(FUZZ_BIN)/options: fuzz/options.swift fuzz/FuzzSupport.swift $(shell find Sources/StylizeCommandLine -name '*.swift') \
                     $(FUZZ_OBJ)/libStyleKernel.a $(FUZZ_OBJ)/libArgumentParser.a $(C_HELPER_OBJS)
	@mkdir -p $(FUZZ_BIN)
	set -o pipefail; $(SWIFTC) $(FUZZ_SWIFTFLAGS) -module-name StylizeFuzz -suppress-warnings \
	    -I $(FUZZ_OBJ) $(STYLEKERNEL_IMPORTS) -I Sources/CMagickWand $(MAGICKWAND_INCLUDES) \
	    $(C_HELPER_OBJS) \
	    -L $(FUZZ_OBJ) -lStyleKernel -lArgumentParser -lArgumentParserToolInfo -lFoundationEssentials \
	    $(shell find Sources/StylizeCommandLine -name '*.swift') fuzz/FuzzSupport.swift fuzz/options.swift -o $@ $(QUIET_LINK)

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
