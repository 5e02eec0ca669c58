# mk/cabi.mk — the C ABI (libstylefilter), the ImageMagick filter module, install/uninstall, and
# their tests. Included by the Makefile.
#
#   make install PREFIX=/opt/sf [IM_FILTERDIR=…]   library + symlinks, header, stylefilter.pc,
#                                                  stylize command, ImageMagick module, delegates.xml,
#                                                  the default model and fetch-model.sh in DATADIR
#   make uninstall PREFIX=/opt/sf
#   make imagemagick-module [LIBDIR=…]            build/imagemagick/stylize.so (run path LIBDIR)
#   make cabi-test      everything below (what `make test` runs for the C ABI)
#   make c-tests        Tests/CABI/abi_test.c against a temporary install, plain and with ASan
#   make option-parity  the C API's options = the command's engine options = the -process keys
#   make abi-symbols    only sf_* symbols exported, SONAME, no Swift runtime needed
#   make examples-test  examples/ on tiny images (C, ImageMagick -process, Python ctypes, pipeline);
#                       -process on a large image (tiles, alpha) and under an impossible budget;
#                       -process's image inputs (Tests/CABI/process-inputs.sh)
#   make cmd-equivalence  C API output == `stylize` command output, byte for byte (alpha too)
#   make readme-test    every sh block of README.md and examples/README.md, installed copy, empty HOME
#   make memory-sweep   the command, a C program and convert -process under ulimit -v limits
#
# Tests use the model $(SF_MODEL): $STYLEFILTER_MODEL if set, else the checkout's models/ file.

PREFIX      ?= /usr/local
LIBDIR      ?= $(PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include
BINDIR      ?= $(PREFIX)/bin
# The library and the command find the model as <their directory>/../share/stylefilter/, so
# DATADIR must stay there relative to LIBDIR and BINDIR (else set STYLEFILTER_MODEL).
DATADIR     ?= $(PREFIX)/share/stylefilter
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# ImageMagick filter modules. For ImageMagick's own directory (no MAGICK_CODER_FILTER_PATH needed):
#   make install IM_FILTERDIR=$$(convert -list configure | awk '/^FILTER_PATH/ {print $$2}')
IM_FILTERDIR ?= $(LIBDIR)/stylefilter/imagemagick

SF_HEADER   := Sources/CStyleFilter/include/stylefilter.h
SF_VERSION  := $(shell awk '/define SF_VERSION_(MAJOR|MINOR|PATCH)/ {v = v (v == "" ? "" : ".") $$3} END {print v}' $(SF_HEADER))
SF_SOMAJOR  := $(firstword $(subst ., ,$(SF_VERSION)))
SF_LIB      := $(BIN)/libstylefilter.so
SF_MODEL    ?= $(or $(STYLEFILTER_MODEL),$(abspath $(MODEL)))
CABI_TMP    := build/cabi
CABI_PREFIX := $(abspath $(CABI_TMP)/prefix)
CC          ?= cc
MAGICK_CFLAGS := $(shell pkg-config --cflags MagickCore 2>/dev/null)
MAGICK_LIBS   := $(shell pkg-config --libs MagickCore 2>/dev/null)

IM_MODULE   := build/imagemagick/stylize.so

.PHONY: cabi-lib imagemagick-module install uninstall cabi-test c-tests abi-symbols examples-test \
        cmd-equivalence cabi-test-install install-test readme-test option-parity memory-sweep

cabi-lib:
	$(SWIFT) build $(BUILD_FLAGS) --product stylefilter
	$(SWIFT) build $(BUILD_FLAGS) --product stylize

# The filter module, linked against the library just built and finding the installed one through
# its run path, LIBDIR: rebuilt on every call (a second), so it always has the current LIBDIR.
imagemagick-module: cabi-lib
	@mkdir -p $(dir $(IM_MODULE))
	$(CC) -shared -fPIC -O2 -Wall -Wextra -o $(IM_MODULE) Sources/ImageMagickFilter/stylize.c \
	    -I$(dir $(SF_HEADER)) $(MAGICK_CFLAGS) -L$(BIN) -Wl,-rpath,$(LIBDIR) -lstylefilter $(MAGICK_LIBS) -lm

install: cabi-lib imagemagick-module model
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR) \
	    $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(IM_FILTERDIR)
	install -m 755 $(SF_LIB) $(DESTDIR)$(LIBDIR)/libstylefilter.so.$(SF_VERSION)
	ln -sf libstylefilter.so.$(SF_VERSION) $(DESTDIR)$(LIBDIR)/libstylefilter.so.$(SF_SOMAJOR)
	ln -sf libstylefilter.so.$(SF_SOMAJOR) $(DESTDIR)$(LIBDIR)/libstylefilter.so
	install -m 644 $(SF_HEADER) $(DESTDIR)$(INCLUDEDIR)/stylefilter.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(SF_VERSION)|' Sources/CStyleFilter/stylefilter.pc.in \
	    > $(DESTDIR)$(PKGCONFIGDIR)/stylefilter.pc
	install -m 755 $(STYLIZE) $(DESTDIR)$(BINDIR)/stylize
	install -m 644 share/delegates.xml $(DESTDIR)$(DATADIR)/delegates.xml
	install -m 644 $(MODEL) $(DESTDIR)$(DATADIR)/$(notdir $(MODEL))
	install -m 755 scripts/fetch-model.sh $(DESTDIR)$(DATADIR)/fetch-model.sh
	install -m 755 $(IM_MODULE) $(DESTDIR)$(IM_FILTERDIR)/stylize.so
	printf "%s\n" "# stylize.la - a libtool library file (ImageMagick finds filter modules through it)" \
	    "dlname='stylize.so'" "library_names='stylize.so'" "old_library=''" \
	    "inherited_linker_flags=''" "dependency_libs=''" "weak_library_names=''" \
	    "current=0" "age=0" "revision=0" "installed=yes" "shouldnotlink=yes" \
	    "dlopen=''" "dlpreopen=''" "libdir='$(IM_FILTERDIR)'" > $(DESTDIR)$(IM_FILTERDIR)/stylize.la
	@echo "installed stylefilter $(SF_VERSION) into $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libstylefilter.so $(DESTDIR)$(LIBDIR)/libstylefilter.so.$(SF_SOMAJOR) \
	    $(DESTDIR)$(LIBDIR)/libstylefilter.so.$(SF_VERSION) $(DESTDIR)$(INCLUDEDIR)/stylefilter.h \
	    $(DESTDIR)$(PKGCONFIGDIR)/stylefilter.pc $(DESTDIR)$(BINDIR)/stylize \
	    $(DESTDIR)$(DATADIR)/delegates.xml $(DESTDIR)$(DATADIR)/$(notdir $(MODEL)) \
	    $(DESTDIR)$(DATADIR)/fetch-model.sh $(DESTDIR)$(IM_FILTERDIR)/stylize.so \
	    $(DESTDIR)$(IM_FILTERDIR)/stylize.la
	-rmdir $(DESTDIR)$(DATADIR) $(DESTDIR)$(IM_FILTERDIR) $(DESTDIR)$(LIBDIR)/stylefilter 2>/dev/null

# ---- Tests (all against a fresh install into build/cabi/prefix) -------------------------------

cabi-test: c-tests option-parity abi-symbols examples-test cmd-equivalence install-test readme-test memory-sweep

# The command, a C program and convert -process under address-space limits (ulimit -v): a result
# or a clear error, never a signal or a hang. A few limits here; `make test-sanitize` sweeps
# 150 MB to 2 GB in 50 MB steps (MEMORY_SWEEP_LIMITS).
MEMORY_SWEEP_LIMITS ?= 150 300 500 900 1500
memory-sweep: cabi-test-install
	STYLEFILTER_MODEL=$(SF_MODEL) Tests/Memory/address-space-sweep.sh $(CABI_PREFIX) $(CABI_TMP)/memory-sweep \
	    $(MEMORY_SWEEP_LIMITS)

cabi-test-install:
	rm -rf $(CABI_PREFIX)
	$(MAKE) --no-print-directory install PREFIX=$(CABI_PREFIX) IM_FILTERDIR=$(CABI_PREFIX)/lib/stylefilter/imagemagick

# Compiled with nothing but pkg-config's flags (plus -pthread/-lm for the test itself).
c-tests: cabi-test-install
	PKG_CONFIG_PATH=$(CABI_PREFIX)/lib/pkgconfig; export PKG_CONFIG_PATH; \
	$(CC) -std=c11 -O1 -g -Wall -Wextra -Werror -pthread Tests/CABI/abi_test.c \
	    $$(pkg-config --cflags --libs stylefilter) -lm -o $(CABI_TMP)/abi_test && \
	$(CC) -std=c11 -O1 -g -Wall -Wextra -Werror -pthread -fsanitize=address,undefined -fno-omit-frame-pointer \
	    Tests/CABI/abi_test.c $$(pkg-config --cflags --libs stylefilter) -lm -o $(CABI_TMP)/abi_test_asan
	STYLEFILTER_MODEL=$(SF_MODEL) $(CABI_TMP)/abi_test
	STYLEFILTER_MODEL=$(SF_MODEL) ASAN_OPTIONS=detect_leaks=1 $(CABI_TMP)/abi_test_asan

# The C API's option list = the command's engine options = the -process keys (the option table).
option-parity: c-tests
	Tests/CABI/option-parity.sh $(CABI_TMP)/abi_test $(CABI_PREFIX)/bin/stylize \
	    $(CABI_PREFIX)/lib/stylefilter/imagemagick $(CABI_TMP)/parity

# The shared library exports exactly the header's functions, and needs no Swift runtime.
abi-symbols: cabi-test-install
	@lib=$(CABI_PREFIX)/lib/libstylefilter.so.$(SF_SOMAJOR); \
	exported=$$(nm -D --defined-only $$lib | awk '$$2 ~ /^[A-Z]$$/ {print $$3}' | sed 's/@.*//' | sort); \
	declared=$$(sed -n 's/^[a-z_ ]*[ *]\(sf_[a-z_0-9]*\)(.*/\1/p' $(SF_HEADER) | sort); \
	echo "exported: $$(echo $$exported | tr '\n' ' ')"; \
	test "$$(echo "$$exported" | grep -v -e '^STYLEFILTER_1$$' -e '^xerbla_$$')" = "$$declared" || \
	    { echo "abi-symbols: exported symbols differ from the header's functions: $$declared"; exit 1; }; \
	readelf -d $$lib | grep -q 'SONAME.*\[libstylefilter.so.$(SF_SOMAJOR)\]' || { echo "abi-symbols: SONAME"; exit 1; }; \
	if readelf -d $$lib | grep NEEDED | grep -i swift; then echo "abi-symbols: needs the Swift runtime"; exit 1; fi; \
	ldd $$lib | grep -q 'not found' && { echo "abi-symbols: unresolved dependency"; exit 1; }; \
	readelf -d $$lib | grep -q 'FLAGS_1.*NODELETE' || { echo "abi-symbols: not NODELETE (a host's dlclose would unmap the engine's worker threads' code)"; exit 1; }; \
	echo "abi-symbols: ok (only sf_* and xerbla_ exported, SONAME libstylefilter.so.$(SF_SOMAJOR), no Swift runtime, never unloaded)"

EXAMPLES_TMP := $(CABI_TMP)/examples
# -process on a large image (1500×1000): tiled stages at 256, 512, 1024 and 1500 px after 128 px
# whole, several tiles each under a 256 MiB budget; shallow layers and one Adam step a tile keep
# it to seconds. The large lr makes the optimisation's change measurable: a mean colour change of
# 0.17 (0…1), where lr=2 gives about 0.04 (mostly the upsampling between stages).
BIG_PROCESS  := iterations=1 scales=1 work-size=128 max-memory=256M threads=1 optimizer=adam lr=20 \
                content-layers=conv1_2 style-layers=conv1_1
examples-test: cabi-test-install
	rm -rf $(EXAMPLES_TMP) && mkdir -p $(EXAMPLES_TMP)
	convert -size 48x32 gradient:tomato-steelblue -depth 16 $(EXAMPLES_TMP)/content16.ppm
	convert $(EXAMPLES_TMP)/content16.ppm -depth 8 $(EXAMPLES_TMP)/content.ppm
	convert -seed 3 -size 32x32 plasma:red-blue -depth 8 $(EXAMPLES_TMP)/style.ppm
	convert $(EXAMPLES_TMP)/style.ppm $(EXAMPLES_TMP)/style.png
	convert rose: -resize 48x $(EXAMPLES_TMP)/rose.png
	@echo "== stylize_file.c (pkg-config only)"
	PKG_CONFIG_PATH=$(CABI_PREFIX)/lib/pkgconfig; export PKG_CONFIG_PATH; \
	$(CC) -Wall -Wextra -Werror examples/stylize_file.c $$(pkg-config --cflags --libs stylefilter) \
	    -o $(EXAMPLES_TMP)/stylize_file
	STYLEFILTER_MODEL=$(SF_MODEL) $(EXAMPLES_TMP)/stylize_file $(EXAMPLES_TMP)/content.ppm \
	    $(EXAMPLES_TMP)/style.ppm -o $(EXAMPLES_TMP)/out.ppm --iterations 3 --threads 1
	test "$$(identify -format %wx%h $(EXAMPLES_TMP)/out.ppm)" = 48x32
	STYLEFILTER_MODEL=$(SF_MODEL) $(EXAMPLES_TMP)/stylize_file $(EXAMPLES_TMP)/content16.ppm \
	    $(EXAMPLES_TMP)/style.ppm -o $(EXAMPLES_TMP)/out16.ppm --iterations 2 --threads 1 --size 32 --quiet
	test "$$(identify -format %wx%h $(EXAMPLES_TMP)/out16.ppm)" = 32x21
	@echo "== stylize_file: Ctrl-C cancels (SIGINT during a long run) and writes nothing"
	STYLEFILTER_MODEL=$(SF_MODEL) $(EXAMPLES_TMP)/stylize_file $(EXAMPLES_TMP)/content.ppm \
	    $(EXAMPLES_TMP)/style.ppm -o $(EXAMPLES_TMP)/cancelled.ppm --iterations 100000 --threads 1 --quiet & \
	pid=$$!; sleep 3; kill -INT $$pid; wait $$pid; rc=$$?; \
	test $$rc = 130 || { echo "exit status $$rc, expected 130"; exit 1; }; \
	test ! -e $(EXAMPLES_TMP)/cancelled.ppm
	@echo "== imagemagick-process.sh (filter module; alpha kept, image shrunk by size=, else its own size)"
	STYLEFILTER_MODEL=$(SF_MODEL) STYLEFILTER_PREFIX=$(CABI_PREFIX) examples/imagemagick-process.sh \
	    $(EXAMPLES_TMP)/rose.png $(EXAMPLES_TMP)/style.png $(EXAMPLES_TMP)/rose-styled.png iterations=2 threads=1 size=32
	test "$$(identify -format %wx%h $(EXAMPLES_TMP)/rose-styled.png)" = 32x21
	convert $(EXAMPLES_TMP)/rose.png -alpha set -channel A -fx 'i/w' +channel $(EXAMPLES_TMP)/rose-alpha.png
	STYLEFILTER_MODEL=$(SF_MODEL) STYLEFILTER_PREFIX=$(CABI_PREFIX) examples/imagemagick-process.sh \
	    $(EXAMPLES_TMP)/rose-alpha.png $(EXAMPLES_TMP)/style.png $(EXAMPLES_TMP)/rose-alpha-styled.png iterations=2 threads=1 max-memory=1G
	test "$$(identify -format %wx%h $(EXAMPLES_TMP)/rose-alpha-styled.png)" = "$$(identify -format %wx%h $(EXAMPLES_TMP)/rose-alpha.png)"
	test "$$(convert $(EXAMPLES_TMP)/rose-alpha.png -alpha extract -format %#  info:)" = \
	     "$$(convert $(EXAMPLES_TMP)/rose-alpha-styled.png -alpha extract -format %# info:)"
	@echo "== the filter module refuses bad arguments with an ImageMagick error (no crash). ImageMagick 6"
	@echo "   cannot be stopped from writing: convert exits 1 and writes the input unchanged (documented)"
	@for args in "iterations=3" "style=$(EXAMPLES_TMP)/style.png iterations=-1" \
	            "style=$(EXAMPLES_TMP)/style.png bogus=1" "style=$(EXAMPLES_TMP)/style.png size=5" \
	            "style=$(EXAMPLES_TMP)/style.png size=0" "style=$(EXAMPLES_TMP)/style.png max-memory=1Gi" \
	            "style=$(EXAMPLES_TMP)/style.png lr=nan" "style=$(EXAMPLES_TMP)/style.png style-layers=conv9_1" \
	            "style=/nonexistent.png" "style=$(EXAMPLES_TMP)/style.png model=/nonexistent" \
	            "style=$(EXAMPLES_TMP)/style.png mask=$(EXAMPLES_TMP)/style.png mask=$(EXAMPLES_TMP)/style.png" \
	            "-define stylize:bogus=1" "-define stylize:iterations=0"; do \
	    case "$$args" in -define*) define=$${args%% *}; value=$${args#* }; process="style=$(EXAMPLES_TMP)/style.png";; \
	                     *) define=; value=; process=$$args;; esac; \
	    rm -f $(EXAMPLES_TMP)/bad.png; \
	    MAGICK_CODER_FILTER_PATH=$(CABI_PREFIX)/lib/stylefilter/imagemagick STYLEFILTER_MODEL=$(SF_MODEL) \
	        convert $(EXAMPLES_TMP)/rose.png $$define $$value -process "stylize $$process" $(EXAMPLES_TMP)/bad.png \
	        2>$(EXAMPLES_TMP)/bad.err; rc=$$?; \
	    if [ $$rc -ne 1 ] || [ ! -s $(EXAMPLES_TMP)/bad.err ]; then \
	        echo "'$$args': exit $$rc"; cat $(EXAMPLES_TMP)/bad.err; exit 1; fi; \
	    test "$$(compare -metric AE $(EXAMPLES_TMP)/rose.png $(EXAMPLES_TMP)/bad.png null: 2>&1)" = 0 || \
	        { echo "'$$args': the image written after the failure is not the input unchanged"; exit 1; }; \
	done
	@echo "== -process with mask=: the mask's black left half keeps the image, its white right half is stylized"
	convert rose: -resize 96x $(EXAMPLES_TMP)/rose96.png
	convert -size 96x63 xc:black -fill white -draw 'rectangle 48,0 95,62' $(EXAMPLES_TMP)/half.png
	MAGICK_CODER_FILTER_PATH=$(CABI_PREFIX)/lib/stylefilter/imagemagick STYLEFILTER_MODEL=$(SF_MODEL) \
	    convert $(EXAMPLES_TMP)/rose96.png -process "stylize style=$(EXAMPLES_TMP)/style.png \
	    mask=$(EXAMPLES_TMP)/half.png iterations=20 scales=1" $(EXAMPLES_TMP)/masked.png
	@for side in 28x63+0+0 28x63+68+0; do \
	    convert \( $(EXAMPLES_TMP)/rose96.png -crop $$side \) \( $(EXAMPLES_TMP)/masked.png -crop $$side \) \
	        -compose difference -composite -format '%[fx:mean] ' info:; done >$(EXAMPLES_TMP)/masked.txt; \
	read left right <$(EXAMPLES_TMP)/masked.txt; echo "mean change: black side $$left, white side $$right"; \
	awk -v l=$$left -v r=$$right 'BEGIN { exit !(l < 0.02 && r > 4 * l) }' || { echo "the mask was not followed"; exit 1; }
	@echo "== -process image inputs: damaged files (accept-damaged=on), oversize, a mask's frames, shape and alpha"
	STYLEFILTER_MODEL=$(SF_MODEL) Tests/CABI/process-inputs.sh $(CABI_PREFIX)/lib/stylefilter/imagemagick \
	    $(abspath $(EXAMPLES_TMP))/inputs
	@echo "== -process on a large image with alpha: in tiles, the host's size and alpha kept, the colours stylized"
	convert -seed 5 -size 1500x1000 plasma:tan-navy \( -size 1000x1500 gradient:white-gray25 -rotate 90 \) \
	    -alpha off -compose CopyOpacity -composite -depth 8 $(EXAMPLES_TMP)/big.png
	MAGICK_CODER_FILTER_PATH=$(CABI_PREFIX)/lib/stylefilter/imagemagick STYLEFILTER_MODEL=$(SF_MODEL) \
	    convert $(EXAMPLES_TMP)/big.png -process "stylize style=$(EXAMPLES_TMP)/style.png $(BIG_PROCESS)" \
	    $(EXAMPLES_TMP)/big-styled.png
	test "$$(identify -format %wx%h $(EXAMPLES_TMP)/big-styled.png)" = 1500x1000
	test "$$(convert $(EXAMPLES_TMP)/big.png -alpha extract -format '%[fx:minima < maxima]' info:)" = 1
	test "$$(convert $(EXAMPLES_TMP)/big.png -alpha extract -format %# info:)" = \
	     "$$(convert $(EXAMPLES_TMP)/big-styled.png -alpha extract -format %# info:)"
	@change=$$(convert \( $(EXAMPLES_TMP)/big.png -alpha off \) \( $(EXAMPLES_TMP)/big-styled.png -alpha off \) \
	    -compose difference -composite -format '%[fx:mean]' info:); \
	awk -v c=$$change 'BEGIN { exit !(c > 0.08) }' || { echo "mean colour change $$change: not stylized"; exit 1; }; \
	echo "mean colour change $$change"
	@echo "== -process under a budget the result cannot fit: an ImageMagick error naming it, the image unchanged"
	convert -size 4608x3456 gradient:tomato-steelblue -depth 8 $(EXAMPLES_TMP)/huge.ppm
	rm -f $(EXAMPLES_TMP)/huge-out.ppm; \
	MAGICK_CODER_FILTER_PATH=$(CABI_PREFIX)/lib/stylefilter/imagemagick STYLEFILTER_MODEL=$(SF_MODEL) \
	    convert $(EXAMPLES_TMP)/huge.ppm -process "stylize style=$(EXAMPLES_TMP)/style.png iterations=1 threads=1 \
	    work-size=128 max-memory=256M" $(EXAMPLES_TMP)/huge-out.ppm 2>$(EXAMPLES_TMP)/huge.err; rc=$$?; \
	test $$rc = 1 || { echo "exit status $$rc"; cat $(EXAMPLES_TMP)/huge.err; exit 1; }; \
	grep -q 'SF_OUT_OF_MEMORY: .*memory budget is 256 MiB' $(EXAMPLES_TMP)/huge.err || { cat $(EXAMPLES_TMP)/huge.err; exit 1; }; \
	test "$$(compare -metric AE $(EXAMPLES_TMP)/huge.ppm $(EXAMPLES_TMP)/huge-out.ppm null: 2>&1)" = 0 || \
	    { echo "the image written after the refusal is not the input unchanged"; exit 1; }
	@echo "== -define stylize:NAME=VALUE settings; -process arguments take precedence"
	MAGICK_CODER_FILTER_PATH=$(CABI_PREFIX)/lib/stylefilter/imagemagick STYLEFILTER_MODEL=$(SF_MODEL) \
	    convert $(EXAMPLES_TMP)/rose.png -define stylize:style=$(EXAMPLES_TMP)/style.png -define stylize:iterations=2 \
	    -define stylize:threads=1 -define stylize:size=24 -process stylize $(EXAMPLES_TMP)/define.png
	test "$$(identify -format %wx%h $(EXAMPLES_TMP)/define.png)" = 24x16
	MAGICK_CODER_FILTER_PATH=$(CABI_PREFIX)/lib/stylefilter/imagemagick STYLEFILTER_MODEL=$(SF_MODEL) \
	    convert $(EXAMPLES_TMP)/rose.png -define stylize:style=/nonexistent.png -define stylize:iterations=2 \
	    -define stylize:threads=1 -define stylize:size=24 \
	    -process "stylize style=$(EXAMPLES_TMP)/style.png size=32" $(EXAMPLES_TMP)/define.png
	test "$$(identify -format %wx%h $(EXAMPLES_TMP)/define.png)" = 32x21
	@echo "== the pipeline goes on after -process (ImageMagick unloads the module after each call; the engine's idle"
	@echo "   worker threads wake up later and must not find their code unmapped: this crashed with SIGABRT before)"
	MAGICK_CODER_FILTER_PATH=$(CABI_PREFIX)/lib/stylefilter/imagemagick STYLEFILTER_MODEL=$(SF_MODEL) \
	    convert $(EXAMPLES_TMP)/rose.png -process "stylize style=$(EXAMPLES_TMP)/style.png iterations=2 size=32" \
	    -resize 2000x2000 -blur 0x16 $(EXAMPLES_TMP)/after.png
	test "$$(identify -format %w $(EXAMPLES_TMP)/after.png)" = 2000
	@echo "== an animation with partial frames stays valid: coalesced, canvas and offsets scaled, delays kept"
	convert -size 80x60 xc:skyblue \( -size 30x20 xc:red -repage +10+15 \) \
	    \( -size 20x20 xc:green -set dispose Background -repage +55+35 \) -set delay 20 -loop 0 $(EXAMPLES_TMP)/anim.gif
	MAGICK_CODER_FILTER_PATH=$(CABI_PREFIX)/lib/stylefilter/imagemagick STYLEFILTER_MODEL=$(SF_MODEL) \
	    convert $(EXAMPLES_TMP)/anim.gif -process "stylize style=$(EXAMPLES_TMP)/style.png iterations=1 scales=1 threads=1 size=32" \
	    $(EXAMPLES_TMP)/anim-styled.gif
	identify $(EXAMPLES_TMP)/anim-styled.gif >/dev/null 2>$(EXAMPLES_TMP)/anim.err && test ! -s $(EXAMPLES_TMP)/anim.err
	test "$$(identify -format '%w %h %W %H %X %Y %T|' $(EXAMPLES_TMP)/anim-styled.gif)" = \
	     "32 24 32 24 +0 +0 20|32 24 32 24 +0 +0 20|32 24 32 24 +0 +0 20|"
	test "$$(identify -format '%[pixel:p{6,8}]' '$(EXAMPLES_TMP)/anim-styled.gif[1]')" != \
	     "$$(identify -format '%[pixel:p{6,8}]' '$(EXAMPLES_TMP)/anim-styled.gif[0]')"
	@echo "== layers on one canvas (not an animation): one factor from the canvas for every layer"
	convert -size 80x60 xc:skyblue \( -size 60x40 xc:red -repage 80x60+10+10 \) $(EXAMPLES_TMP)/layers.miff
	MAGICK_CODER_FILTER_PATH=$(CABI_PREFIX)/lib/stylefilter/imagemagick STYLEFILTER_MODEL=$(SF_MODEL) \
	    convert $(EXAMPLES_TMP)/layers.miff -process "stylize style=$(EXAMPLES_TMP)/style.png iterations=1 scales=1 threads=1 size=40" \
	    $(EXAMPLES_TMP)/layers-styled.miff
	test "$$(identify -format '%w %h %W %H %X %Y|' $(EXAMPLES_TMP)/layers-styled.miff)" = "40 30 40 30 +0 +0|30 20 40 30 +5 +5|"
	@echo "== stylize_ctypes.py (Python ctypes)"
	if python3 -c 'import ctypes' 2>/dev/null; then \
	    STYLEFILTER_MODEL=$(SF_MODEL) STYLEFILTER_LIB=$(CABI_PREFIX)/lib/libstylefilter.so.$(SF_SOMAJOR) \
	    python3 examples/stylize_ctypes.py $(EXAMPLES_TMP)/content.ppm $(EXAMPLES_TMP)/style.ppm \
	        $(EXAMPLES_TMP)/py.ppm 2 32 && \
	    test "$$(identify -format %wx%h $(EXAMPLES_TMP)/py.ppm)" = 32x21; \
	else echo "SKIP: no python3 with ctypes"; fi
	@echo "== pipeline.sh (the stylize command)"
	STYLEFILTER_MODEL=$(SF_MODEL) STYLIZE=$(CABI_PREFIX)/bin/stylize examples/pipeline.sh \
	    $(EXAMPLES_TMP)/rose.png $(EXAMPLES_TMP)/style.png $(EXAMPLES_TMP)/pipeline.jpg \
	    --iterations 2 --threads 1 --size 32
	test "$$(identify -format %wx%h $(EXAMPLES_TMP)/pipeline.jpg)" = 32x21
	@echo "== delegates.xml (stylize: pseudo-format through the command; the format of the name's extension)"
	PATH=$(CABI_PREFIX)/bin:$$PATH MAGICK_CONFIGURE_PATH=$(CABI_PREFIX)/share/stylefilter \
	    STYLEFILTER_MODEL=$(SF_MODEL) STYLIZE_STYLE=$(abspath $(EXAMPLES_TMP))/style.png STYLIZE_ITERATIONS=2 \
	    STYLIZE_SIZE=32 STYLIZE_OPTIONS='--threads 1' convert $(EXAMPLES_TMP)/rose.png stylize:$(EXAMPLES_TMP)/delegate.jpg
	test "$$(identify -format %m:%wx%h $(EXAMPLES_TMP)/delegate.jpg)" = JPEG:32x21
	@echo "== delegates.xml without STYLIZE_STYLE: a clear message, exit status 1, no output"
	rm -f $(EXAMPLES_TMP)/nostyle.png; \
	PATH=$(CABI_PREFIX)/bin:$$PATH MAGICK_CONFIGURE_PATH=$(CABI_PREFIX)/share/stylefilter STYLIZE_STYLE= \
	    convert $(EXAMPLES_TMP)/rose.png stylize:$(EXAMPLES_TMP)/nostyle.png 2>$(EXAMPLES_TMP)/nostyle.err; \
	rc=$$?; test $$rc = 1 || { echo "exit status $$rc"; exit 1; }; \
	grep -q 'stylize: error: STYLIZE_STYLE is not set' $(EXAMPLES_TMP)/nostyle.err || { cat $(EXAMPLES_TMP)/nostyle.err; exit 1; }; \
	test ! -e $(EXAMPLES_TMP)/nostyle.png
	@echo "examples-test: ok"

# Same content, style, options and seed through the C API (stylize_file) and the command; and a
# content with alpha (Tests/CABI/alpha_parity.py, ctypes): the same colours and alpha.
cmd-equivalence: examples-test
	@set -e; d=$(EXAMPLES_TMP); \
	for init in random content style-colors; do \
	    STYLEFILTER_MODEL=$(SF_MODEL) $$d/stylize_file $$d/content.ppm $$d/style.ppm -o $$d/api-$$init.ppm \
	        --iterations 3 --threads 1 --size 32 --seed 5 --init $$init --quiet; \
	    STYLEFILTER_MODEL=$(SF_MODEL) $(CABI_PREFIX)/bin/stylize $$d/content.ppm -s $$d/style.ppm \
	        -o $$d/cmd-$$init.png --iterations 3 --threads 1 --size 32 --seed 5 --init $$init --quiet; \
	    convert $$d/cmd-$$init.png -depth 8 $$d/cmd-$$init.ppm; \
	    cmp $$d/api-$$init.ppm $$d/cmd-$$init.ppm || { echo "cmd-equivalence: C API and command differ (init $$init)." \
	        "If every differing byte is 1 lower in the command's output, the command still truncates to 8 bits" \
	        "(MagickSetImageDepth 8 in ImageMagick 6.9.11); see docs/c-api.md"; exit 1; }; \
	done; echo "cmd-equivalence: ok (byte for byte)"; \
	STYLEFILTER_MODEL=$(SF_MODEL) $(CABI_PREFIX)/bin/stylize $$d/rose-alpha.png -s $$d/style.ppm -o $$d/alpha-cmd.png \
	    --iterations 2 --threads 1 --size 32 --seed 5 --quiet; \
	STYLEFILTER_MODEL=$(SF_MODEL) STYLEFILTER_LIB=$(CABI_PREFIX)/lib/libstylefilter.so.$(SF_SOMAJOR) \
	    python3 Tests/CABI/alpha_parity.py $$d/rose-alpha.png $$d/style.ppm $$d/alpha-cmd.png 32 2 5

# install then uninstall into a scratch prefix: every file installed is removed again.
install-test:
	rm -rf $(CABI_TMP)/scratch
	$(MAKE) --no-print-directory -s install PREFIX=$(abspath $(CABI_TMP)/scratch) >/dev/null
	test -L $(CABI_TMP)/scratch/lib/libstylefilter.so && test -L $(CABI_TMP)/scratch/lib/libstylefilter.so.$(SF_SOMAJOR)
	$(MAKE) --no-print-directory -s uninstall PREFIX=$(abspath $(CABI_TMP)/scratch)
	@left=$$(find $(CABI_TMP)/scratch -type f -o -type l); \
	test -z "$$left" || { echo "install-test: uninstall left: $$left"; exit 1; }; echo "install-test: ok"

# The documents' commands against an install in a scratch prefix outside the checkout (so only
# the installed model can be found), run by Tests/Docs/readme-test.sh from an empty HOME.
readme-test: cabi-lib model
	@prefix=$$(mktemp -d /tmp/stylefilter-prefix.XXXXXX) && \
	$(MAKE) --no-print-directory -s install PREFIX=$$prefix >/dev/null && \
	Tests/Docs/readme-test.sh $$prefix; rc=$$?; rm -rf $$prefix; exit $$rc
