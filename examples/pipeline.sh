#!/bin/sh
# pipeline.sh — stylize through a shell pipeline with the `stylize` command:
#   ImageMagick decodes anything to PPM, `stylize` reads standard input ('-') and writes PNG to
#   standard output ('png:-'), ImageMagick encodes the result.
#
#   examples/pipeline.sh IN.jpg STYLE.png OUT.jpg [stylize options…]
#   e.g. examples/pipeline.sh photo.jpg starry.png out.jpg --size 512 --iterations 40   (per scale)
# STYLIZE names the command (default: stylize on PATH).
set -eu
if [ $# -lt 3 ]; then
    echo "usage: $0 IN STYLE OUT [stylize options…]" >&2
    exit 64
fi
in=$1 style=$2 out=$3
shift 3
convert "$in" ppm:- | "${STYLIZE:-stylize}" - -s "$style" -o png:- --quiet "$@" | convert - "$out"
