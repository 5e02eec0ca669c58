#!/usr/bin/env bash
# make-gallery.sh [STYLIZE] [OUT_DIR] — the bundled CC0 examples stylized with each artistic
# control, as small JPEGs in OUT_DIR (default docs/gallery), with the mask the mask row uses.
# `make gallery` runs it; its pictures are committed once made and shown in README.md.
set -euo pipefail
stylize=${1:-.build/release/stylize}
out=${2:-docs/gallery}
content=examples/content.png style=examples/style.png
size=384
mkdir -p "$out"
work=$(mktemp -d /tmp/stylefilter-gallery.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The sky of the example: the top 40 % white, a soft edge, the rest black.
convert -size 512x384 xc:black -fx 'j/h < 0.4 ? 1 : (j/h < 0.5 ? (0.5 - j/h) * 10 : 0)' \
    -colorspace gray "$work/sky.png"
convert "$work/sky.png" -resize ${size}x -quality 85 "$out/mask.jpg"
convert "$content" -resize ${size}x -quality 85 "$out/content.jpg"
convert "$style" -resize ${size}x -quality 85 "$out/style.jpg"

render() {  # render NAME OPTIONS…
    local name=$1; shift
    echo "gallery: $name: stylize … $*"
    "$stylize" "$content" -s "$style" -o "$work/$name.png" --size $size --quiet "$@"
    convert "$work/$name.png" -quality 85 "$out/$name.jpg"
}
render default
render style-scale-0.5 --style-scale 0.5
render style-scale-2 --style-scale 2
render colors-luminance --colors luminance
render colors-histogram --colors histogram
render mask-sky --mask "$work/sky.png"
render init-content --init content
render init-gray --init gray
render init-style-mean --init style-mean
render normalize-gradients --normalize-gradients on
render preconditioner-none --preconditioner none
render preconditioner-none-scales-3 --preconditioner none --scales 3 --padding zero
render padding-zero --padding zero
render pooling-avg --pooling avg
render style-layers-conv5 --style-layers conv1_1:0.2,conv2_1:0.5,conv3_1:1,conv4_1:1,conv5_1:0.5
echo "gallery: wrote $(ls "$out" | wc -l) pictures to $out"
