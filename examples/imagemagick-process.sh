#!/bin/sh
# imagemagick-process.sh — stylize inside ImageMagick with the `stylize` filter module:
#   convert IN -process 'stylize style=STYLE iterations=N size=N …' OUT
#
#   examples/imagemagick-process.sh IN STYLE OUT [NAME=VALUE …]
#   e.g. examples/imagemagick-process.sh photo.jpg starry.png out.png iterations=200 size=512
# The module (stylize.so + stylize.la) is installed by `make install` into
# PREFIX/lib/stylefilter/imagemagick; this script points MAGICK_CODER_FILTER_PATH there
# (set STYLEFILTER_PREFIX, default /usr/local). Installed into ImageMagick's own filters directory
# (make install IM_FILTERDIR=…), no variable is needed. Values cannot contain spaces
# (ImageMagick splits the -process string on spaces).
set -eu
if [ $# -lt 3 ]; then
    echo "usage: $0 IN STYLE OUT [NAME=VALUE …]" >&2
    exit 64
fi
in=$1 style=$2 out=$3
shift 3
prefix=${STYLEFILTER_PREFIX:-/usr/local}
MAGICK_CODER_FILTER_PATH=${MAGICK_CODER_FILTER_PATH:-$prefix/lib/stylefilter/imagemagick}
export MAGICK_CODER_FILTER_PATH
convert "$in" -process "stylize style=$style $*" "$out"
