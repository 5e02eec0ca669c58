# mk/gimp.mk — the GIMP 2.10 plug-in (Sources/GimpPlugin: Filters ▸ Artistic ▸ Neural Style…, the
# PDB procedure plug-in-stylefilter), over the installed C ABI. Included by the Makefile after
# mk/cabi.mk, whose PREFIX, LIBDIR, header and library it uses.
#
#   make gimp-plugin [LIBDIR=…]   build/gimp/stylefilter, run path LIBDIR (rebuilt on every call, as
#                                 the ImageMagick module, so it always has the current LIBDIR)
#   make install                  also installs it: $(LIBDIR)/gimp/2.0/plug-ins/stylefilter/stylefilter
#   make install-gimp PREFIX=…    make install, then the plug-in into GIMP's per-user plug-ins folder
#                                 (gimptool-2.0 --install-bin; GIMP2_DIRECTORY moves it);
#                                 make uninstall-gimp removes it from there
#   make gimp-test                Tests/Gimp/plugin-test.sh: headless GIMP (gimp -i) against an install
#                                 in build/cabi/prefix; GIMP_SANITIZE=1: the plug-in under ASan+UBSan
#
# Without libgimp2.0-dev the plug-in is skipped with one line (make deps-gimp installs it).

GIMPTOOL        ?= gimptool-2.0
GIMP_PLUGIN     := build/gimp/stylefilter
GIMP_PLUGINDIR  ?= $(LIBDIR)/gimp/2.0/plug-ins/stylefilter
GIMP_SOURCES    := Sources/GimpPlugin/gimp2.c Sources/GimpPlugin/neural_style.c
GIMP_HEADERS    := Sources/GimpPlugin/neural_style.h
GIMP_PACKAGES   := gimp libgimp2.0-dev
HAVE_LIBGIMP    := $(shell pkg-config --exists gimpui-2.0 2>/dev/null && echo yes)
# GIMP's and GTK's headers as system headers: -Werror is for this code, not for theirs.
GIMP_CFLAGS     := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags gimpui-2.0 2>/dev/null))
GIMP_LIBS       := $(shell pkg-config --libs gimpui-2.0 2>/dev/null)
GIMP_SANITIZE   ?=
GIMP_ASAN_FLAGS := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer
GIMP_OPT        := $(if $(GIMP_SANITIZE),$(GIMP_ASAN_FLAGS),-O2)
GIMP_SKIPPED    := echo "gimp: libgimp2.0-dev is not installed: the GIMP plug-in is skipped (make deps-gimp installs it)"

.PHONY: gimp-plugin install-gimp-plugin uninstall-gimp-plugin install-gimp uninstall-gimp gimp-test deps-gimp

gimp-plugin: cabi-lib
ifeq ($(HAVE_LIBGIMP),yes)
	@mkdir -p $(dir $(GIMP_PLUGIN))
	$(CC) -std=gnu11 -g $(GIMP_OPT) -Wall -Wextra -Werror -o $(GIMP_PLUGIN) $(GIMP_SOURCES) \
	    -I$(dir $(SF_HEADER)) $(GIMP_CFLAGS) -L$(BIN) -Wl,-rpath,$(LIBDIR) -lstylefilter $(GIMP_LIBS) -lm
else
	@$(GIMP_SKIPPED)
endif

# Part of `make install` and `make uninstall` (prerequisites of theirs in mk/cabi.mk).
install: install-gimp-plugin
uninstall: uninstall-gimp-plugin

install-gimp-plugin: gimp-plugin
ifeq ($(HAVE_LIBGIMP),yes)
	install -d $(DESTDIR)$(GIMP_PLUGINDIR)
	install -m 755 $(GIMP_PLUGIN) $(DESTDIR)$(GIMP_PLUGINDIR)/stylefilter
endif

uninstall-gimp-plugin:
	rm -f $(DESTDIR)$(GIMP_PLUGINDIR)/stylefilter
	-rmdir $(DESTDIR)$(GIMP_PLUGINDIR) $(DESTDIR)$(LIBDIR)/gimp/2.0/plug-ins $(DESTDIR)$(LIBDIR)/gimp/2.0 \
	    $(DESTDIR)$(LIBDIR)/gimp 2>/dev/null

# For the current user: the plug-in (run path LIBDIR, so the library installed there) in GIMP's
# per-user plug-ins folder, as gimptool-2.0 finds it (~/.config/GIMP/2.10/plug-ins/stylefilter/).
install-gimp: install
ifeq ($(HAVE_LIBGIMP),yes)
	$(GIMPTOOL) --install-bin $(GIMP_PLUGIN)
else
	@$(GIMP_SKIPPED)
endif

uninstall-gimp:
	$(GIMPTOOL) --uninstall-bin $(notdir $(GIMP_PLUGIN))

deps-gimp:
	@scripts/install-deps.sh $(GIMP_PACKAGES)

# With GIMP_SANITIZE=1 the plug-in runs under ASan and UBSan, and any report fails the test. Leaks
# are not checked: GEGL's and babl's modules leave the same 424 bytes in every plug-in process.
GIMP_SANITIZER_LOGS := $(abspath $(CABI_TMP))/gimp-sanitizers
GIMP_TEST_ENV := $(if $(GIMP_SANITIZE),ASAN_OPTIONS=detect_leaks=0:log_path=$(GIMP_SANITIZER_LOGS)/asan \
                 UBSAN_OPTIONS=print_stacktrace=1:log_path=$(GIMP_SANITIZER_LOGS)/ubsan)

gimp-test: cabi-test-install
ifeq ($(HAVE_LIBGIMP),yes)
	rm -rf $(GIMP_SANITIZER_LOGS) && mkdir -p $(GIMP_SANITIZER_LOGS)
	$(GIMP_TEST_ENV) STYLEFILTER_MODEL=$(SF_MODEL) Tests/Gimp/plugin-test.sh $(CABI_PREFIX) $(CABI_TMP)/gimp
	@if ls $(GIMP_SANITIZER_LOGS)/* >/dev/null 2>&1; then cat $(GIMP_SANITIZER_LOGS)/*; \
	    echo "gimp-test: the sanitizers reported the above" >&2; exit 1; fi
else
	@echo "gimp-test: libgimp2.0-dev is missing (make test-deps installs it)" >&2; exit 1
endif
