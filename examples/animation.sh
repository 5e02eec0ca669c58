#!/bin/sh
# animation.sh — an animated GIF stylized inside ImageMagick with the `stylize` filter module:
#   convert IN.gif -process 'stylize style=STYLE …' OUT.gif
# Its frames (coalesced first when they are the parts of an animation) are one sequence: each
# frame after the first starts from the one before it moved along the optical flow and keeps it
# where the picture stays (temporal=short, the default), so the strokes do not flicker;
# temporal=off stylizes each frame on its own. Delays, loop count and disposal are kept.
#
#   examples/animation.sh [IN.gif STYLE OUT.gif] [NAME=VALUE …]
#   e.g. examples/animation.sh dance.gif starry.png dance-starry.gif size=256 iterations=16
#        examples/animation.sh                    (an animation made here: out animation-styled.gif)
# Without IN (no arguments, or only NAME=VALUE settings), the animation is made here with
# ImageMagick: a slow pan across examples/content.png, CLIP_FRAMES frames (default 12) CLIP_WIDTH
# pixels wide (default 160, 4:3), stylized with examples/style.png into animation-styled.gif in
# the current directory: about a minute on two cores. Settings are the module's (the command's
# options without dashes, as examples/imagemagick-process.sh takes them; values without spaces).
# The module is found as in imagemagick-process.sh: MAGICK_CODER_FILTER_PATH, else
# STYLEFILTER_PREFIX/lib/stylefilter/imagemagick (STYLEFILTER_PREFIX default /usr/local).
set -eu
here=$(dirname "$0")
if [ $# -ge 3 ] && [ "${1#*=}" = "$1" ]; then
    in=$1 style=$2 out=$3
    shift 3
else
    in="" style=$here/style.png out=animation-styled.gif
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/animation-sh.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

if [ -z "$in" ]; then
    # A pan across the photo: scaled to cover a quarter more than the frame, then a frame-sized
    # window moving from its top-left corner to its bottom-right, 12.5 frames a second.
    frames=${CLIP_FRAMES:-12} width=${CLIP_WIDTH:-160}
    height=$((width * 3 / 4))
    wide=$((width * 5 / 4)) high=$((height * 5 / 4))
    convert "$here/content.png" -resize "${wide}x${high}^" -gravity center -extent "${wide}x${high}" \
        +repage "$work/photo.png"
    i=0
    while [ $i -lt "$frames" ]; do
        x=$(((wide - width) * i / (frames - 1))) y=$(((high - height) * i / (frames - 1)))
        convert "$work/photo.png" -crop "${width}x${height}+$x+$y" +repage "$work/frame$((1000 + i)).png"
        i=$((i + 1))
    done
    in=$work/clip.gif
    convert -delay 8 "$work"/frame*.png -loop 0 "$in"
fi

# Every value quoted for -process, which splits its string at spaces (honouring quotes).
args="style=\"$style\""
for a in "$@"; do
    case $a in *=*) ;; *) echo "$0: '$a' is not NAME=VALUE" >&2; exit 64 ;; esac
    args="$args ${a%%=*}=\"${a#*=}\""
done
prefix=${STYLEFILTER_PREFIX:-/usr/local}
MAGICK_CODER_FILTER_PATH=${MAGICK_CODER_FILTER_PATH:-$prefix/lib/stylefilter/imagemagick}
export MAGICK_CODER_FILTER_PATH
# Written under a temporary name first: after a failure ImageMagick 6 still writes its
# (unstylized) images, and OUT must never be those.
result=$work/$(basename "$out")
convert "$in" -process "stylize $args" "$result"
mv "$result" "$out"
echo "animation.sh: wrote $out"
