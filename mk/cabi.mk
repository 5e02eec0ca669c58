# mk/cabi.mk — the C ABI (libstylefilter), the ImageMagick filter module, install/uninstall, and
# their tests. Included by the Makefile.
#
#   make install PREFIX=/opt/sf [IM_FILTERDIR=…]   library + symlinks, header, stylefilter.pc,
#                                                  stylize command, ImageMagick module, delegates.xml,
#                                                  the default model, fetch-model.sh and the
#                                                  style library (share/styles) in DATADIR,
#                                                  stylize(1), shell completion, the documentation
#   make uninstall PREFIX=/opt/sf
#   make imagemagick-module [LIBDIR=…]            build/imagemagick/stylize.so (run path LIBDIR)
#   make cabi-test      everything below (what `make test` runs for the C ABI)
#   make c-tests        Tests/CABI/abi_test.c against a temporary install, plain and with ASan
#   make option-parity  the C API's options = the command's engine options = the -process keys
#   make abi-symbols    only sf_* symbols exported, SONAME, no Swift runtime needed
#   make examples-test  examples/ on tiny images (C, ImageMagick -process, Python ctypes, pipeline,
#                       animation.sh and video.sh: sequences, the latter with ffmpeg);
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
MANDIR      ?= $(PREFIX)/share/man
# README.md, CHANGELOG.md and docs/ in their layout; `stylize --help` cites docs/quality.md and
# finds it as <its directory>/../share/doc/stylefilter/, so DOCDIR too stays there beside BINDIR.
DOCDIR      ?= $(PREFIX)/share/doc/stylefilter
DOC_FILES   := README.md CHANGELOG.md $(wildcard docs/*.md docs/images/* docs/gallery/*)
# Shell completion where bash-completion, zsh (site-functions) and fish look under a prefix.
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
COMPLETIONS := $(BASHCOMPDIR)/stylize $(ZSHCOMPDIR)/_stylize $(FISHCOMPDIR)/stylize.fish
# ImageMagick filter modules. For ImageMagick's own directory (no MAGICK_CODER_FILTER_PATH needed):
#   make install IM_FILTERDIR=$$(convert -list configure | awk '/^FILTER_PATH/ {print $$2}')
IM_FILTERDIR ?= $(LIBDIR)/stylefilter/imagemagick

SF_HEADER   := Sources/CStyleFilter/include/stylefilter.h
# The public headers: stylefilter.h and the version and limits it includes.
SF_HEADERS  := $(SF_HEADER) $(dir $(SF_HEADER))stylefilter_version.h
SF_VERSION  := $(shell awk '/define SF_VERSION_(MAJOR|MINOR|PATCH)/ {v = v (v == "" ? "" : ".") $$3} END {print v}' $(lastword $(SF_HEADERS)))
SF_SOMAJOR  := $(firstword $(subst ., ,$(SF_VERSION)))
SF_LIB      := $(BIN)/libstylefilter.so
SF_MODEL    ?= $(or $(STYLEFILTER_MODEL),$(abspath $(MODEL)))
CABI_TMP    := build/cabi
CABI_PREFIX := $(abspath $(CABI_TMP)/prefix)
CC          ?= cc
MAGICK_CFLAGS := $(shell pkg-config --cflags MagickCore 2>/dev/null)
MAGICK_LIBS   := $(shell pkg-config --libs MagickCore 2>/dev/null)

IM_MODULE   := build/imagemagick/stylize.so
# The style library: paintings, their options files and their README (licence, source).
STYLE_FILES := $(sort $(wildcard share/styles/*.png share/styles/*.options)) share/styles/README.md

.PHONY: cabi-lib imagemagick-module install uninstall cabi-test c-tests abi-symbols examples-test \
        cmd-equivalence cabi-test-install install-test readme-test option-parity memory-sweep

cabi-lib: have-deps
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
	    $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(DATADIR)/styles $(DESTDIR)$(IM_FILTERDIR) \
	    $(DESTDIR)$(MANDIR)/man1 \
	    $(addprefix $(DESTDIR)$(DOCDIR)/,$(sort $(dir $(DOC_FILES)))) $(dir $(addprefix $(DESTDIR),$(COMPLETIONS)))
	install -m 755 $(SF_LIB) $(DESTDIR)$(LIBDIR)/libstylefilter.so.$(SF_VERSION)
	ln -sf libstylefilter.so.$(SF_VERSION) $(DESTDIR)$(LIBDIR)/libstylefilter.so.$(SF_SOMAJOR)
	ln -sf libstylefilter.so.$(SF_SOMAJOR) $(DESTDIR)$(LIBDIR)/libstylefilter.so
	install -m 644 $(SF_HEADERS) $(DESTDIR)$(INCLUDEDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(SF_VERSION)|' Sources/CStyleFilter/stylefilter.pc.in \
	    > $(DESTDIR)$(PKGCONFIGDIR)/stylefilter.pc
	install -m 755 $(STYLIZE) $(DESTDIR)$(BINDIR)/stylize
	install -m 644 share/delegates.xml $(DESTDIR)$(DATADIR)/delegates.xml
	install -m 644 $(MODEL) $(DESTDIR)$(DATADIR)/$(notdir $(MODEL))
	install -m 755 scripts/fetch-model.sh $(DESTDIR)$(DATADIR)/fetch-model.sh
	install -m 644 $(STYLE_FILES) $(DESTDIR)$(DATADIR)/styles/
	install -m 755 $(IM_MODULE) $(DESTDIR)$(IM_FILTERDIR)/stylize.so
	printf "%s\n" "# stylize.la - a libtool library file (ImageMagick finds filter modules through it)" \
	    "dlname='stylize.so'" "library_names='stylize.so'" "old_library=''" \
	    "inherited_linker_flags=''" "dependency_libs=''" "weak_library_names=''" \
	    "current=0" "age=0" "revision=0" "installed=yes" "shouldnotlink=yes" \
	    "dlopen=''" "dlpreopen=''" "libdir='$(IM_FILTERDIR)'" > $(DESTDIR)$(IM_FILTERDIR)/stylize.la
	@# The manual names the installed files: PREFIX/… in the checked-in page becomes this prefix.
	sed 's|PREFIX/|$(PREFIX)/|g' docs/man/stylize.1 > $(DESTDIR)$(MANDIR)/man1/stylize.1
	chmod 644 $(DESTDIR)$(MANDIR)/man1/stylize.1
	for f in $(DOC_FILES); do install -m 644 $$f $(DESTDIR)$(DOCDIR)/$$f || exit 1; done
	@# Completion scripts from the installed command itself (ArgumentParser's, with stylize's
	@# additions), so they always match it: made here rather than checked in.
	$(STYLIZE) --generate-completion-script bash > $(DESTDIR)$(BASHCOMPDIR)/stylize
	$(STYLIZE) --generate-completion-script zsh > $(DESTDIR)$(ZSHCOMPDIR)/_stylize
	$(STYLIZE) --generate-completion-script fish > $(DESTDIR)$(FISHCOMPDIR)/stylize.fish
	@echo "installed stylefilter $(SF_VERSION) into $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libstylefilter.so $(DESTDIR)$(LIBDIR)/libstylefilter.so.$(SF_SOMAJOR) \
	    $(DESTDIR)$(LIBDIR)/libstylefilter.so.$(SF_VERSION) \
	    $(addprefix $(DESTDIR)$(INCLUDEDIR)/,$(notdir $(SF_HEADERS))) \
	    $(DESTDIR)$(PKGCONFIGDIR)/stylefilter.pc $(DESTDIR)$(BINDIR)/stylize \
	    $(DESTDIR)$(DATADIR)/delegates.xml $(DESTDIR)$(DATADIR)/$(notdir $(MODEL)) \
	    $(DESTDIR)$(DATADIR)/fetch-model.sh $(DESTDIR)$(IM_FILTERDIR)/stylize.so \
	    $(DESTDIR)$(IM_FILTERDIR)/stylize.la $(DESTDIR)$(MANDIR)/man1/stylize.1 \
	    $(addprefix $(DESTDIR),$(COMPLETIONS)) $(addprefix $(DESTDIR)$(DOCDIR)/,$(DOC_FILES)) \
	    $(addprefix $(DESTDIR)$(DATADIR)/styles/,$(notdir $(STYLE_FILES)))
	-rmdir $(DESTDIR)$(DATADIR)/styles $(DESTDIR)$(DATADIR) $(DESTDIR)$(IM_FILTERDIR) $(DESTDIR)$(LIBDIR)/stylefilter \
	    $(addprefix $(DESTDIR)$(DOCDIR)/,docs/images docs/gallery docs) $(DESTDIR)$(DOCDIR) 2>/dev/null

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
	Tests/CABI/abi-symbols.sh $(CABI_PREFIX)

EXAMPLES_TMP := $(CABI_TMP)/examples
# examples/ (C, -process, ctypes, pipeline, delegates.xml) and -process's edge cases, on tiny images.
examples-test: cabi-test-install
	STYLEFILTER_MODEL=$(SF_MODEL) CC=$(CC) Tests/CABI/examples-test.sh $(CABI_PREFIX) $(EXAMPLES_TMP)

# The C API and the command give the same bytes (the images and stylize_file of examples-test).
cmd-equivalence: examples-test
	STYLEFILTER_MODEL=$(SF_MODEL) Tests/CABI/cmd-equivalence.sh $(CABI_PREFIX) $(EXAMPLES_TMP)

# install then uninstall into a scratch prefix: the manual, completion and documentation work there
# (Tests/Docs/installed-extras.sh), and every file installed is removed again.
install-test:
	rm -rf $(CABI_TMP)/scratch
	$(MAKE) --no-print-directory -s install PREFIX=$(abspath $(CABI_TMP)/scratch) >/dev/null
	test -L $(CABI_TMP)/scratch/lib/libstylefilter.so && test -L $(CABI_TMP)/scratch/lib/libstylefilter.so.$(SF_SOMAJOR)
	Tests/Docs/installed-extras.sh $(abspath $(CABI_TMP)/scratch)
	$(MAKE) --no-print-directory -s uninstall PREFIX=$(abspath $(CABI_TMP)/scratch)
	@left=$$(find $(CABI_TMP)/scratch -type f -o -type l); \
	test -z "$$left" || { echo "install-test: uninstall left: $$left"; exit 1; }; echo "install-test: ok"

# The documents' commands against an install in a scratch prefix outside the checkout (so only
# the installed model can be found), run by Tests/Docs/readme-test.sh from an empty HOME.
readme-test: cabi-lib model
	@prefix=$$(mktemp -d /tmp/stylefilter-prefix.XXXXXX) && \
	$(MAKE) --no-print-directory -s install PREFIX=$$prefix >/dev/null && \
	Tests/Docs/readme-test.sh $$prefix; rc=$$?; rm -rf $$prefix; exit $$rc
