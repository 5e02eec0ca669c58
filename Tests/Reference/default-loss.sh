#!/usr/bin/env bash
# The default objective against an independent implementation of it (bench/torch_ref.py's
# Standard, PyTorch): the command's reported loss terms of its own result must equal PyTorch's for
# the same image. PyTorch gets the bundled examples at their own size and resizes them as the
# engine does, so this checks everything `make quality`'s two loss columns rely on: the mirrored
# border and its interior masks, the style's edge margins from conv4_1 on, the sizes and the
# resampler, the weights and layers (read from `stylize --help`, as bench/quality.py reads them).
# Until 1.11 torch_ref.py had neither the border nor the margins, and quality.py resized with ImageMagick:
# the two columns were up to 74 % apart (docs/quality.md, "The two loss columns").
# The engine runs with float convolutions (STYLEFILTER_KERNELS=avx512: floats on every CPU; the
# bfloat16 default moves the terms by up to 0.1 % here, 0.3 % at 192 px); about 12 s in all.
#   default-loss.sh STYLIZE MODEL
set -euo pipefail
stylize=$(realpath "$1") model=$2
here=$(cd "$(dirname "$0")/../.." && pwd)
if ! /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
    echo "default-loss: skipped (no python3-torch for /usr/bin/python3; make test-deps installs it)"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
size=128
# The inputs at their own size as 16-bit PPMs (exact), and a 16-bit result (the examples are
# 16-bit PNGs, and the output keeps the content's depth).
convert "$here/examples/content.png" -depth 16 "$work/content.ppm"
convert "$here/examples/style.png" -depth 16 "$work/style.ppm"
STYLEFILTER_KERNELS=avx512 "$stylize" "$here/examples/content.png" -s "$here/examples/style.png" \
    -o "$work/result.ppm" --quiet --threads 1 --size $size --report "$work/report.json"
settings=$(cd "$here/bench" && python3 -c '
import sys
from run import our_defaults, layer_args
s = our_defaults(sys.argv[1])
print(" ".join(["--content-weight", s["content_weight"], "--style-weight", s["style_weight"],
                "--tv-weight", s["tv_weight"], "--padding", s["padding"], "--style-scale", s["style_scale"],
                *layer_args(s)]))' "$stylize" 2>/dev/null) || {
    echo "default-loss: cannot read the defaults from '$stylize --help' (bench/run.py our_defaults)"
    exit 1
}
# shellcheck disable=SC2086  # $settings is a list of arguments without spaces
/usr/bin/python3 "$here/bench/torch_ref.py" stylize --model "$model" --threads 1 \
    --content "$work/content.ppm" --style "$work/style.ppm" --init "$work/result.ppm" --evaluations 0 \
    --objective default --resize $size $settings > "$work/torch.json"
python3 "$here/Tests/Reference/loss_gap.py" default-loss "$work/report.json" "$work/torch.json" default total content style
