#!/usr/bin/env bash
# `--objective tutorial` against an independent implementation of the tutorials' loss
# (bench/torch_ref.py, PyTorch): the command's reported content and style terms of its own result
# must equal PyTorch's for the same image, with the tutorials' layers (conv4_2; conv1_1 1, conv2_1
# 0.75, conv3_1 0.2, conv4_1 0.2, conv5_1 0.2) given to PyTorch by hand and left unset for the
# command. 1.2–1.6 took the default objective's layers there: a style term 59 % away.
#   tutorial-loss.sh STYLIZE MODEL
set -euo pipefail
stylize=$1 model=$2
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# 16-bit PPMs: the result is read back by PyTorch almost exactly as the engine measured it.
convert "$here/examples/content.png" -resize '192x128!' -depth 16 "$work/content.ppm"
convert "$here/examples/style.png" -resize '192x128!' -depth 16 "$work/style.ppm"
"$stylize" "$work/content.ppm" -s "$work/style.ppm" -o "$work/result.ppm" --quiet \
    --objective tutorial --content-weight 1 --style-weight 1e-2 --tv-weight 0 \
    --scales 1 --init content --iterations 12 --size 192 --report "$work/report.json"
/usr/bin/python3 "$here/bench/torch_ref.py" stylize --model "$model" --threads 1 \
    --content "$work/content.ppm" --style "$work/style.ppm" --init "$work/result.ppm" --evaluations 0 \
    --objective tutorial --content-layer conv4_2 \
    --style-layers conv1_1:1,conv2_1:0.75,conv3_1:0.2,conv4_1:0.2,conv5_1:0.2 \
    --content-weight 1 --style-weight 1e-2 --tv-weight 0 > "$work/torch.json"
python3 "$here/Tests/Reference/loss_gap.py" tutorial-loss "$work/report.json" "$work/torch.json" tutorial content style
