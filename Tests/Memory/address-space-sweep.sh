#!/usr/bin/env bash
# Every front end under a sweep of address-space limits (prlimit --as, as `ulimit -v` sets):
# the `stylize` command, a C program over the installed library (examples/stylize_file.c) and
# `convert -process`, each on a small and a large input. Every run must end with a result or a
# one-line error and exit 1 — never a signal, a hang or a temporary file of ImageMagick's left.
#   address-space-sweep.sh PREFIX WORKDIR LIMIT_MB…
# PREFIX: a `make install` prefix (its stylize, library, header and ImageMagick module).
# STYLEFILTER_MODEL names the model (the installed one otherwise).
set -uo pipefail
prefix=$(cd "$1" && pwd) work=$2; shift 2
limits=("$@")
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
export MAGICK_CODER_FILTER_PATH=$prefix/lib/stylefilter/imagemagick
export MAGICK_TEMPORARY_PATH=$work/magick-tmp
mkdir -p "$MAGICK_TEMPORARY_PATH"

convert -size 64x48 gradient:tomato-steelblue small.png
convert -size 1600x1200 gradient:tomato-steelblue -depth 8 large.png
convert -seed 3 -size 48x48 plasma:red-blue -depth 8 style.png
for image in small large style; do convert $image.png -depth 8 $image.ppm; done
cc -O1 "$OLDPWD/examples/stylize_file.c" -I"$prefix/include" -L"$prefix/lib" -lstylefilter \
    -Wl,-rpath,"$prefix/lib" -o stylize_file || exit 1

fast=(--size 64 --iterations 1 --scales 1)
runs=0 results=0 errors=0 failed=0
check() {  # check NAME LIMIT OUTPUT COMMAND…
    local name=$1 limit=$2 output=$3; shift 3
    rm -f "$output"
    local rc=0
    timeout 300 prlimit --as=$((limit * 1000000)) "$@" >out.txt 2>err.txt || rc=$?
    runs=$((runs + 1))
    local left; left=$(ls -A "$MAGICK_TEMPORARY_PATH")
    if [ "$rc" = 0 ] && [ -s "$output" ]; then
        results=$((results + 1))
    elif [ "$rc" = 1 ] && grep -qi 'error\|cannot\|needs' err.txt && [ "$(grep -c . err.txt)" -le 3 ]; then
        errors=$((errors + 1))
        # The command and the C program write nothing on failure (convert writes its input).
        if [ "$name" != process ] && [ -e "$output" ]; then
            echo "address-space-sweep: $name at $limit MB: failed yet wrote $output"; failed=$((failed + 1))
        fi
    else
        echo "address-space-sweep: $name at $limit MB: exit $rc $( [ "$rc" = 124 ] && echo '(hung)')"
        head -c 600 err.txt; echo
        failed=$((failed + 1))
    fi
    if [ -n "$left" ]; then
        echo "address-space-sweep: $name at $limit MB left ImageMagick's temporary files: $left"
        rm -rf "${MAGICK_TEMPORARY_PATH:?}"/*; failed=$((failed + 1))
    fi
}
for limit in "${limits[@]}"; do
    for input in small large; do
        check stylize "$limit" out.png "$prefix/bin/stylize" $input.png -s style.png -o out.png --quiet "${fast[@]}"
        check c-program "$limit" out.ppm ./stylize_file $input.ppm style.ppm -o out.ppm --quiet "${fast[@]}"
        check process "$limit" process.png convert $input.png \
            -process "stylize style=style.png size=64 iterations=1 scales=1" process.png
    done
done
echo "address-space-sweep: $runs runs at ${limits[*]} MB: $results results, $errors clear errors"
echo "$((runs - failed)) passed, $failed failed"
[ "$failed" = 0 ]
