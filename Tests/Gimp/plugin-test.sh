#!/usr/bin/env bash
# The GIMP plug-in as installed by `make install PREFIX=…`, run by headless GIMP (`gimp -i`, no
# display) with a throw-away profile (GIMP2_DIRECTORY) whose plug-in path is PREFIX's plug-in folder
# (`make gimp-test`, part of `make test`). One GIMP session runs, from Script-Fu:
#   - plug-in-stylefilter on a generated 96×64 RGBA image with a feathered rectangular selection, a
#     small style, few iterations, saved: same size, alpha kept, changed inside the selection,
#     unchanged outside it beyond the feather; the image is dirty and still has one layer;
#   - output=new-layer: one layer more, transparent outside the selection's reach;
#   - a channel (mask=channel:NAME) and a layer mask (mask=layer-mask) as the region;
#   - a grayscale image: stylized and still grayscale;
#   - errors: a style file that does not exist, a bad option string, an unknown setting, a missing
#     model, an indexed image: each call fails with the plug-in's message naming the problem, and
#     the plug-in never crashes (GIMP goes on with the next command).
#
#   Tests/Gimp/plugin-test.sh PREFIX WORKDIR
set -euo pipefail

prefix=$(cd "${1:?usage: $0 PREFIX WORKDIR}" && pwd)
work=${2:?usage: $0 PREFIX WORKDIR}
plugins=$prefix/lib/gimp/2.0/plug-ins
fail() { echo "gimp-test: FAILED: $*" >&2; exit 1; }
say() { echo "gimp-test: $*"; }

[ -x "$plugins/stylefilter/stylefilter" ] || fail "$plugins/stylefilter/stylefilter is not installed"
rm -rf "$work" && mkdir -p "$work"
work=$(cd "$work" && pwd)
profile=$work/profile
mkdir -p "$profile"/{brushes,dynamics,fonts,gradients,palettes,patterns,tool-presets}
# The installed folder first, then GIMP's own plug-ins (its file loaders and savers).
printf '(plug-in-path "%s:${gimp_plug_in_dir}/plug-ins")\n' "$plugins" > "$profile/gimprc"

cd "$work"
# A textured picture, its left 16 columns half transparent; a small style.
convert rose: -resize '96x64!' \( -size 96x64 xc:white -fill gray50 -draw 'rectangle 0,0 15,63' \) \
    -alpha off -compose copy-opacity -composite -depth 8 PNG32:content.png
convert -seed 3 -size 48x48 plasma:red-blue -depth 8 style.png
convert content.png -alpha off -colorspace gray -depth 8 -define png:color-type=0 gray.png

# Each -b is a batch command of its own; a failed one is reported and the next one runs.
run='(plug-in-stylefilter RUN-NONINTERACTIVE img drw'
open() { echo "(let* ((img (car (gimp-file-load RUN-NONINTERACTIVE \"$1\" \"$1\"))) (drw (car (gimp-image-get-active-drawable img))))"; }
select='(gimp-image-select-rectangle img CHANNEL-OP-REPLACE 24 16 48 32) (gimp-selection-feather img 4)'
save() { echo "(gimp-file-save RUN-NONINTERACTIVE img drw \"$1\" \"$1\")"; }
commands=(
    "$(open content.png) $select $run \"style.png\" \"iterations=4 scales=1 threads=2\")
     (gimp-message (string-append \"stylefilter-test: dirty \" (number->string (car (gimp-image-is-dirty img)))
                                  \" layers \" (number->string (car (gimp-image-get-layers img)))))
     $(save result.png))"
    "$(open content.png) $select $run \"\" \"style=style.png output=new-layer iterations=2 scales=1\")
     (gimp-message (string-append \"stylefilter-test: new-layer layers \" (number->string (car (gimp-image-get-layers img)))))
     (gimp-file-save RUN-NONINTERACTIVE img (car (gimp-image-get-active-layer img)) \"new-layer.png\" \"new-layer.png\"))"
    "$(open content.png) (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 56 8 32 24)
     (gimp-item-set-name (car (gimp-selection-save img)) \"Sky\") (gimp-selection-none img)
     $run \"style.png\" \"mask=channel:Sky iterations=2 scales=1\") $(save channel.png))"
    "$(open content.png) (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 24 36 32 24)
     (gimp-layer-add-mask drw (car (gimp-layer-create-mask drw ADD-MASK-SELECTION))) (gimp-selection-none img)
     $run \"style.png\" \"mask=layer-mask iterations=2 scales=1\")
     (gimp-layer-remove-mask drw MASK-DISCARD) $(save layer-mask.png))"
    "$(open gray.png) $run \"style.png\" \"iterations=2 scales=1\")
     (gimp-message (string-append \"stylefilter-test: gray base \" (number->string (car (gimp-image-base-type img)))))
     $(save gray-result.png))"
    "$(open content.png) $run \"$work/no-such-style.png\" \"iterations=1\"))"
    "$(open content.png) $run \"style.png\" \"iterations=zero\"))"
    "$(open content.png) $run \"style.png\" \"colour=luminance\"))"
    "$(open content.png) $run \"style.png\" \"model=$work/no-such-model.safetensors iterations=1\"))"
    "$(open content.png) (gimp-image-convert-indexed img CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE 16 FALSE FALSE \"\")
     $run \"style.png\" \"iterations=1\"))"
    "(gimp-message \"stylefilter-test: still running\")"
)
batch=()
for c in "${commands[@]}"; do batch+=(-b "$c"); done
say "running GIMP headless with $plugins"
GIMP2_DIRECTORY=$profile timeout 600 gimp -i -d -f --console-messages "${batch[@]}" -b '(gimp-quit 0)' \
    > gimp.log 2>&1 || { cat gimp.log; fail "gimp exited with an error"; }

has() { grep -qF -- "$1" gimp.log || { cat gimp.log; fail "$2 (no '$1' in GIMP's output)"; }; }
! grep -qi "plug-in crashed\|terminated\|segmentation" gimp.log || { cat gimp.log; fail "the plug-in crashed"; }
has "stylefilter-test: dirty 1 layers 1" "the stylized image is not dirty or gained layers"
has "stylefilter-test: new-layer layers 2" "output=new-layer did not add one layer"
has "stylefilter-test: gray base 1" "the grayscale image did not stay grayscale"
has "Cannot read the style image $work/no-such-style.png: there is no such file" "a missing style file"
has "iterations: 'zero'" "a bad option string"
has "unknown setting 'colour'" "an unknown setting"
has "No model:" "a missing model"
has "not indexed ones" "an indexed image"
has "stylefilter-test: still running" "GIMP did not go on after the errors"
say "the plug-in ran and its errors were reported"

# The result: its size and alpha, the selection changed, the rest unchanged beyond the feather.
[ "$(identify -format %wx%h result.png)" = 96x64 ] || fail "result.png is $(identify -format %wx%h result.png)"
differ() { compare -metric AE "${@:3}" "$1" "$2" null: 2>&1 || true; }
convert content.png -alpha extract -strip alpha-before.png
convert result.png -alpha extract -strip alpha-after.png
[ "$(differ alpha-before.png alpha-after.png)" = 0 ] || fail "the alpha channel changed"
outside() { convert "$1" -alpha off -fill black -draw 'rectangle 17,9 78,54' "$2"; }
outside content.png outside-before.png
outside result.png outside-after.png
[ "$(differ outside-before.png outside-after.png)" = 0 ] || fail "pixels outside the selection changed"
convert content.png -alpha off -crop 32x16+32+24 inside-before.png
convert result.png -alpha off -crop 32x16+32+24 inside-after.png
changed=$(differ inside-before.png inside-after.png -fuzz 2%)
[ "$changed" -ge 400 ] || fail "only $changed of 512 pixels inside the selection changed"
say "result.png: 96x64, alpha kept, $changed of 512 pixels inside changed, none outside the feather"

# A channel and a layer mask as the region: changed inside their rectangle, the rest as it was.
region_check() {  # region_check FILE X0,Y0,X1,Y1 (the rectangle) INNER-CROP
    convert content.png -alpha off -fill black -draw "rectangle $2" region-before.png
    convert "$1" -alpha off -fill black -draw "rectangle $2" region-after.png
    [ "$(differ region-before.png region-after.png)" = 0 ] || fail "$1: pixels outside the mask changed"
    convert content.png -alpha off -crop "$3" region-before.png
    convert "$1" -alpha off -crop "$3" region-after.png
    [ "$(differ region-before.png region-after.png -fuzz 2%)" -ge 100 ] || fail "$1: the mask's inside did not change"
}
region_check channel.png 56,8,87,31 16x8+64+16
region_check layer-mask.png 24,36,55,59 16x8+32+44
say "mask=channel:Sky and mask=layer-mask: changed inside, unchanged outside"

# The new layer is transparent where the selection does not reach, opaque in its middle.
convert new-layer.png -alpha extract -strip new-alpha.png
[ "$(convert new-alpha.png -crop 8x8+0+0 -format '%[fx:maxima]' info:)" = 0 ] || fail "the new layer is not transparent outside the selection"
[ "$(convert new-alpha.png -crop 8x8+44+28 -format '%[fx:minima]' info:)" = 1 ] || fail "the new layer is not opaque inside the selection"
[ "$(identify -format %[channels] gray-result.png)" = gray ] || fail "gray-result.png is $(identify -format %[channels] gray-result.png)"
say "ok"
