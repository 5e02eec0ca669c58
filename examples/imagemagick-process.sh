#!/bin/sh
# imagemagick-process.sh — stylize inside ImageMagick with the `stylize` filter module:
#   convert IN -process 'stylize style=STYLE iterations=N size=N …' OUT
#
#   examples/imagemagick-process.sh IN STYLE OUT [NAME=VALUE …]
#   e.g. examples/imagemagick-process.sh photo.jpg "my styles/starry.png" out.png iterations=50 size=512
# The module (stylize.so + stylize.la) is installed by `make install` into
# PREFIX/lib/stylefilter/imagemagick; this script points MAGICK_CODER_FILTER_PATH there
# (set STYLEFILTER_PREFIX, default /usr/local). Installed into ImageMagick's own filters directory
# (make install IM_FILTERDIR=…), no variable is needed.
# ImageMagick splits the -process string into words at spaces, honouring "…" and '…' quotes, so
# every value is quoted here: paths with spaces work (a value with both kinds of quote cannot).
set -eu
if [ $# -lt 3 ]; then
    echo "usage: $0 IN STYLE OUT [NAME=VALUE …]" >&2
    exit 64
fi
in=$1 style=$2 out=$3
shift 3

# NAME=VALUE → NAME="VALUE" (or NAME='VALUE' when VALUE contains a double quote).
quoted() {
    name=${1%%=*} value=${1#*=}
    case $1 in *=*) ;; *) echo "$0: '$1' is not NAME=VALUE" >&2; return 1 ;; esac
    case $value in
        *\"*\'* | *\'*\"*) echo "$0: $name: a value cannot contain both ' and \"" >&2; return 1 ;;
        *\"*) printf "%s='%s'" "$name" "$value" ;;
        *) printf '%s="%s"' "$name" "$value" ;;
    esac
}

args=$(quoted "style=$style")
for a in "$@"; do
    args="$args $(quoted "$a")"
done
prefix=${STYLEFILTER_PREFIX:-/usr/local}
MAGICK_CODER_FILTER_PATH=${MAGICK_CODER_FILTER_PATH:-$prefix/lib/stylefilter/imagemagick}
export MAGICK_CODER_FILTER_PATH
convert "$in" -process "stylize $args" "$out"
