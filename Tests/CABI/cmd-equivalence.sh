#!/usr/bin/env bash
# The same content, style, options and seed through the C API (examples/stylize_file.c) and the
# command give the same bytes; and a content with alpha (alpha_parity.py, ctypes) the same colours
# and alpha (`make cmd-equivalence`, after examples-test, whose WORKDIR it reuses).
#
#   Tests/CABI/cmd-equivalence.sh PREFIX WORKDIR     (STYLEFILTER_MODEL: the model)
set -euo pipefail

prefix=$1
d=$2
: "${STYLEFILTER_MODEL:?set STYLEFILTER_MODEL to the model file}"
export STYLEFILTER_MODEL
somajor=$(awk '/define SF_VERSION_MAJOR/ {print $3}' "$prefix/include/stylefilter_version.h")

for init in random content style-colors; do
    "$d/stylize_file" "$d/content.ppm" "$d/style.ppm" -o "$d/api-$init.ppm" \
        --iterations 3 --threads 1 --size 32 --seed 5 --init $init --quiet
    "$prefix/bin/stylize" "$d/content.ppm" -s "$d/style.ppm" -o "$d/cmd-$init.png" \
        --iterations 3 --threads 1 --size 32 --seed 5 --init $init --quiet
    convert "$d/cmd-$init.png" -depth 8 "$d/cmd-$init.ppm"
    cmp "$d/api-$init.ppm" "$d/cmd-$init.ppm" || {
        echo "cmd-equivalence: C API and command differ (init $init). If every differing byte is 1 lower in" \
             "the command's output, the command still truncates to 8 bits (MagickSetImageDepth 8 in" \
             "ImageMagick 6.9.11); see docs/c-api.md"
        exit 1
    }
done
echo "cmd-equivalence: ok (byte for byte)"
"$prefix/bin/stylize" "$d/rose-alpha.png" -s "$d/style.ppm" -o "$d/alpha-cmd.png" \
    --iterations 2 --threads 1 --size 32 --seed 5 --quiet
STYLEFILTER_LIB=$prefix/lib/libstylefilter.so.$somajor \
    python3 Tests/CABI/alpha_parity.py "$d/rose-alpha.png" "$d/style.ppm" "$d/alpha-cmd.png" 32 2 5
