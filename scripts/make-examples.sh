#!/usr/bin/env bash
# Draws the bundled example images with ImageMagick: a small lakeside village (content) and a
# swirling blue-and-gold "painting" (style). Both are the project's own work, CC0 (see
# examples/README.md). The committed PNGs came from this script; run it to regenerate them.
set -euo pipefail
dir=${1:-examples}
mkdir -p "$dir"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

convert -size 512x384 gradient:'#5b8fd6'-'#f3e2b8' \
  -fill '#ffe9a8' -draw 'circle 400,80 400,115' \
  -fill '#4f7a3a' -draw 'polygon 0,250 90,190 200,230 320,170 430,215 512,190 512,300 0,300' \
  -fill '#c9b79c' -draw 'rectangle 60,220 140,300' -fill '#8e3b2e' -draw 'polygon 50,222 100,185 150,222' \
  -fill '#e0d4c0' -draw 'rectangle 160,210 250,300' -fill '#6b2f27' -draw 'polygon 150,212 205,170 260,212' \
  -fill '#d8c7a8' -draw 'rectangle 280,150 310,300' -fill '#4a4a5a' -draw 'polygon 275,152 295,95 315,152' \
  -fill '#bfa98a' -draw 'rectangle 320,215 420,300' -fill '#7d3a2b' -draw 'polygon 312,217 370,180 428,217' \
  -fill '#20303a' -draw 'rectangle 80,250 100,275 rectangle 190,245 215,270 rectangle 350,245 375,270' \
  \( -size 512x84 gradient:'#3d6f9e'-'#1d3550' \) -geometry +0+300 -composite \
  -fill '#2d4f2a' -draw 'ellipse 470,290 30,60 0,360' -fill '#3a2a1a' -draw 'rectangle 466,300 474,330' \
  -blur 0x0.7 -strip "$dir/content.png"

# Sixteen swirled plasma tiles (alternating direction), oil-painted into one canvas.
for i in $(seq 1 16); do
  angle=$(( i % 2 == 0 ? 400 : -400 ))
  convert -size 128x128 -seed "$i" plasma:'#0d2a7a'-'#f0c93c' -blur 0x1.5 -swirl "$angle" \
    "$tmp/tile_$(printf %02d "$i").png"
done
montage "$tmp"/tile_*.png -tile 4x4 -geometry +0+0 miff:- \
  | convert - -paint 2 -modulate 100,160 -sharpen 0x1 -strip "$dir/style.png"
echo "examples: wrote $dir/content.png and $dir/style.png"
