#!/bin/bash
# The ImageMagick module's image inputs (convert -process 'stylize …'), as the command's:
#   a damaged content, style, mask or init image (a truncated JPEG, a PNG whose header is smaller
#   than its data) is an error naming it and ImageMagick's reason, unless accept-damaged=on;
#   a style image beyond the library's limits, or whose decode exceeds max-memory=, is refused
#   from its header, before decoding;
#   a mask of several frames, or of other proportions than the image's, is refused;
#   a mask's alpha multiplies it (transparent white = black).
# After a failure convert exits 1 and writes its input unchanged (ImageMagick 6; docs/c-api.md).
# Usage: process-inputs.sh FILTER_DIR WORKDIR   (STYLEFILTER_MODEL names the model; run by
# `make examples-test`)
set -euo pipefail
filters=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"
export MAGICK_CODER_FILTER_PATH=$filters
fast="iterations=1 scales=1 threads=1 seed=1"

convert rose: -resize 96x rose.png                            # 96×63
convert -seed 3 -size 32x32 plasma:red-blue style.png
convert -seed 4 -size 96x63 plasma: -quality 95 photo.jpg
head -c $(($(stat -c %s photo.jpg) / 2)) photo.jpg >cut.jpg
# 128×96 of black under a header that says 64×48 (zero bytes: libpng reads the cut rows through
# and warns of the data left over); and a 16000×9000 header over the same data (more pixels than
# the library takes, within Debian's ImageMagick policy).
convert -size 128x96 xc:black -type TrueColor -depth 8 black.png
python3 - <<'EOF'
import struct, zlib
data = open('black.png', 'rb').read()
for name, w, h in (('header.png', 64, 48), ('wide.png', 16000, 9000)):
    ihdr = struct.pack('>II', w, h) + data[24:29]
    crc = struct.pack('>I', zlib.crc32(b'IHDR' + ihdr) & 0xffffffff)
    open(name, 'wb').write(data[:16] + ihdr + crc + data[33:])
EOF

# expect_failure WHAT CONTENT ARGUMENTS NEEDLE…: exit 1, every NEEDLE in the message, and the
# written image is the input unchanged.
expect_failure() {
    local what=$1 content=$2 args=$3; shift 3
    local rc=0
    convert "$content" -process "stylize $args" out.png 2>err.txt || rc=$?
    [ "$rc" = 1 ] || { echo "process-inputs: $what: exit $rc"; cat err.txt; exit 1; }
    for needle in "$@"; do
        grep -qF -- "$needle" err.txt || { echo "process-inputs: $what: no '$needle' in:"; cat err.txt; exit 1; }
    done
    [ "$(compare -quiet -metric AE "$content" out.png null: 2>&1)" = 0 ] ||
        { echo "process-inputs: $what: the image written after the failure is not the input"; exit 1; }
}

damaged="damaged image (accept-damaged=on uses what could be read)"
expect_failure "damaged style" rose.png "style=cut.jpg $fast" "$damaged" "style=cut.jpg" "Premature end of JPEG file"
expect_failure "damaged mask" photo.jpg "style=style.png mask=cut.jpg $fast" "$damaged" "mask=cut.jpg"
expect_failure "damaged init" photo.jpg "style=style.png init=cut.jpg $fast" "$damaged" "init=cut.jpg"
expect_failure "damaged PNG style" rose.png "style=header.png $fast" "$damaged" "Too much image data"
# convert reads the image list itself and only warns: the module refuses it.
expect_failure "damaged content" cut.jpg "style=style.png $fast" "$damaged" "the image to stylize" \
    "Premature end of JPEG file"
expect_failure "bad accept-damaged value" rose.png "style=style.png accept-damaged=yes" "accept-damaged is on or off"
expect_failure "oversize style" rose.png "style=wide.png $fast" "image size out of range" "16000x9000"
# Within the limits but beyond the budget: 6000×2000 pixels take about 298 MiB to decode.
convert -size 6000x2000 xc:gray -depth 8 big.png
expect_failure "style beyond max-memory" rose.png "style=big.png max-memory=256M $fast" "too large to decode" \
    "6000x2000" "298 MiB" "max-memory="
convert -size 96x63 xc:white xc:black anim.gif
expect_failure "two-frame mask" rose.png "style=style.png mask=anim.gif $fast" "a mask is one picture" "2 frames"
convert -size 64x64 xc:white square.png
expect_failure "square mask" rose.png "style=style.png mask=square.png $fast" "proportions" "64×64"

# accept-damaged=on takes what could be read (content, style, mask, init); one frame of an
# animation can be named as a mask.
convert cut.jpg -process "stylize style=cut.jpg mask=cut.jpg init=cut.jpg accept-damaged=on $fast" ok.png
[ "$(identify -format %wx%h ok.png)" = 96x63 ]
convert header.png -process "stylize style=style.png accept-damaged=on $fast" ok.png
[ "$(identify -format %wx%h ok.png)" = 64x48 ]
convert rose.png -process "stylize style=style.png mask=anim.gif[1] $fast" ok.png

# A mask's alpha: transparent white takes no style, exactly as black.
convert -size 96x63 xc:white -alpha set -channel A -evaluate set 0 +channel clear.png
convert -size 96x63 xc:black blackmask.png
convert rose.png -process "stylize style=style.png mask=clear.png $fast" clear-out.png
convert rose.png -process "stylize style=style.png mask=blackmask.png $fast" black-out.png
[ "$(compare -metric AE clear-out.png black-out.png null: 2>&1)" = 0 ] ||
    { echo "process-inputs: a transparent white mask is not a black one"; exit 1; }
echo "process-inputs: ok (damaged inputs, accept-damaged, oversize, mask frames, shape and alpha)"
