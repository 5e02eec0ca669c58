#!/usr/bin/env bash
# The examples/ programs and the ImageMagick module against an installed copy, on tiny images
# (`make examples-test`, part of `make cabi-test`):
#   - examples/stylize_file.c built with pkg-config's flags only; 8- and 16-bit input; Ctrl-C;
#   - examples/imagemagick-process.sh and `-process` itself: alpha, masks, bad arguments (an
#     ImageMagick error, the image unchanged), image inputs (process-inputs.sh), a large image in
#     tiles, a budget it cannot fit, -define settings, the pipeline going on after the module is
#     unloaded, animations (a sequence: sf_sequence_*, and temporal=off frame by frame) and layers;
#     region= and channel= (what -region and -channel cannot say to a
#     filter in ImageMagick 6); -monitor's progress, and a monitor's stop (process_cancel.c);
#   - examples/stylize_ctypes.py, examples/pipeline.sh, examples/animation.sh and examples/video.sh
#     (sequences: -process on an animation, ffmpeg around the command) and share/delegates.xml.
#
#   Tests/CABI/examples-test.sh PREFIX WORKDIR     (STYLEFILTER_MODEL: the model; CC: the compiler)
set -euo pipefail

prefix=$1
d=$2
checkout=$(pwd)
: "${STYLEFILTER_MODEL:?set STYLEFILTER_MODEL to the model file}"
export STYLEFILTER_MODEL
cc=${CC:-cc}
somajor=$(awk '/define SF_VERSION_MAJOR/ {print $3}' "$prefix/include/stylefilter_version.h")
filters=$prefix/lib/stylefilter/imagemagick

rm -rf "$d" && mkdir -p "$d"
d=$(cd "$d" && pwd)

# convert with the installed filter module.
process() { MAGICK_CODER_FILTER_PATH=$filters convert "$@"; }
size_of() { identify -format %wx%h "$1"; }
expect() { [ "$2" = "$3" ] || { echo "examples-test: $1: got '$2', expected '$3'"; exit 1; }; }

convert -size 48x32 gradient:tomato-steelblue -depth 16 "$d/content16.ppm"
convert "$d/content16.ppm" -depth 8 "$d/content.ppm"
convert -seed 3 -size 32x32 plasma:red-blue -depth 8 "$d/style.ppm"
convert "$d/style.ppm" "$d/style.png"
convert rose: -resize 48x "$d/rose.png"

echo "== stylize_file.c (pkg-config only)"
PKG_CONFIG_PATH=$prefix/lib/pkgconfig
export PKG_CONFIG_PATH
# shellcheck disable=SC2046  # pkg-config's flags are words
$cc -Wall -Wextra -Werror examples/stylize_file.c $(pkg-config --cflags --libs stylefilter) -o "$d/stylize_file"
"$d/stylize_file" "$d/content.ppm" "$d/style.ppm" -o "$d/out.ppm" --iterations 3 --threads 1
expect "stylize_file's size" "$(size_of "$d/out.ppm")" 48x32
"$d/stylize_file" "$d/content16.ppm" "$d/style.ppm" -o "$d/out16.ppm" --iterations 2 --threads 1 --size 32 --quiet
expect "stylize_file's 16-bit size" "$(size_of "$d/out16.ppm")" 32x21

echo "== stylize_file: Ctrl-C cancels (SIGINT during a long run) and writes nothing"
"$d/stylize_file" "$d/content.ppm" "$d/style.ppm" -o "$d/cancelled.ppm" --iterations 100000 --threads 1 --quiet &
pid=$!
sleep 3
kill -INT $pid
rc=0; wait $pid || rc=$?
expect "stylize_file's exit status after SIGINT" "$rc" 130
[ ! -e "$d/cancelled.ppm" ] || { echo "examples-test: a cancelled run wrote its output"; exit 1; }

echo "== imagemagick-process.sh (filter module; alpha kept, image shrunk by size=, else its own size)"
STYLEFILTER_PREFIX=$prefix examples/imagemagick-process.sh "$d/rose.png" "$d/style.png" "$d/rose-styled.png" \
    iterations=2 threads=1 size=32
expect "-process size=32" "$(size_of "$d/rose-styled.png")" 32x21
convert "$d/rose.png" -alpha set -channel A -fx 'i/w' +channel "$d/rose-alpha.png"
STYLEFILTER_PREFIX=$prefix examples/imagemagick-process.sh "$d/rose-alpha.png" "$d/style.png" \
    "$d/rose-alpha-styled.png" iterations=2 threads=1 max-memory=1G
expect "-process keeps the size" "$(size_of "$d/rose-alpha-styled.png")" "$(size_of "$d/rose-alpha.png")"
expect "-process keeps the alpha" "$(convert "$d/rose-alpha-styled.png" -alpha extract -format %# info:)" \
    "$(convert "$d/rose-alpha.png" -alpha extract -format %# info:)"

echo "== the filter module refuses bad arguments with an ImageMagick error (no crash). ImageMagick 6"
echo "   cannot be stopped from writing: convert exits 1 and writes the input unchanged (documented)"
for args in "iterations=3" "style=$d/style.png iterations=-1" "style=$d/style.png bogus=1" \
            "style=$d/style.png size=5" "style=$d/style.png size=0" "style=$d/style.png max-memory=1Gi" \
            "style=$d/style.png lr=nan" "style=$d/style.png style-layers=conv9_1" "style=/nonexistent.png" \
            "style=$d/style.png model=/nonexistent" "style=$d/style.png mask=$d/style.png mask=$d/style.png" \
            "-define stylize:bogus=1" "-define stylize:iterations=0" "style=$d/style.png region=10x10+200+200" \
            "style=$d/style.png region=abc" "style=$d/style.png region=10x10 size=32" \
            "style=$d/style.png region=10x10 mask=$d/style.png" "style=$d/style.png channel=A" \
            "style=$d/style.png channel=bogus"; do
    define=()
    case "$args" in
        -define*) define=(-define "${args#* }"); arguments="style=$d/style.png" ;;
        *) arguments=$args ;;
    esac
    rm -f "$d/bad.png"
    rc=0
    process "$d/rose.png" "${define[@]}" -process "stylize $arguments" "$d/bad.png" 2>"$d/bad.err" || rc=$?
    if [ $rc -ne 1 ] || [ ! -s "$d/bad.err" ]; then echo "'$args': exit $rc"; cat "$d/bad.err"; exit 1; fi
    expect "'$args': the image written after the failure differs from the input by" \
        "$(compare -metric AE "$d/rose.png" "$d/bad.png" null: 2>&1)" 0
done

echo "== -process with mask=: the mask's black left half keeps the image, its white right half is stylized"
convert rose: -resize 96x "$d/rose96.png"
convert -size 96x63 xc:black -fill white -draw 'rectangle 48,0 95,62' "$d/half.png"
process "$d/rose96.png" -process "stylize style=$d/style.png mask=$d/half.png iterations=20 scales=1" "$d/masked.png"
change() { convert \( "$1" -crop "$3" \) \( "$2" -crop "$3" \) -compose difference -composite -format '%[fx:mean]' info:; }
left=$(change "$d/rose96.png" "$d/masked.png" 28x63+0+0)
right=$(change "$d/rose96.png" "$d/masked.png" 28x63+68+0)
echo "mean change: black side $left, white side $right"
awk -v l="$left" -v r="$right" 'BEGIN { exit !(l < 0.02 && r > 4 * l) }' || { echo "the mask was not followed"; exit 1; }

echo "== -process region=: the region stylized, every pixel around it exactly as it was (ImageMagick 6 does not"
echo "   hand -region to a filter); placed as -region places it (-gravity, percentages)"
# outside IMAGE RESULT X0,Y0,X1,Y1: how many pixels outside the rectangle (filled black in both)
# differ (AE); change (above) measures the region's own.
outside() {
    convert "$1" -fill black -draw "rectangle $3" "$d/outside-a.miff"
    convert "$2" -fill black -draw "rectangle $3" "$d/outside-b.miff"
    compare -metric AE "$d/outside-a.miff" "$d/outside-b.miff" null: 2>&1
}
fast="iterations=10 scales=1 threads=1"
process "$d/rose96.png" -process "stylize style=$d/style.png region=40x30+30+20 $fast" "$d/region.png"
expect "the pixels outside region=40x30+30+20 differ by" "$(outside "$d/rose96.png" "$d/region.png" 30,20,69,49)" 0
inside=$(change "$d/rose96.png" "$d/region.png" 40x30+30+20)
awk -v c="$inside" 'BEGIN { exit !(c > 0.02) }' || { echo "mean change $inside inside the region: not stylized"; exit 1; }
process "$d/rose96.png" -gravity SouthEast -define stylize:region=25%x50% -process "stylize style=$d/style.png $fast" \
    "$d/region-gravity.png"
expect "the pixels outside -gravity SouthEast region=25%x50% (24x32+72+31) differ by" \
    "$(outside "$d/rose96.png" "$d/region-gravity.png" 72,31,95,62)" 0
inside=$(change "$d/rose96.png" "$d/region-gravity.png" 24x32+72+31)
awk -v c="$inside" 'BEGIN { exit !(c > 0.02) }' || { echo "mean change $inside in the corner: not stylized"; exit 1; }

echo "   ImageMagick's own -mask (a write mask the image carries; white protects) holds for -process too"
process "$d/rose96.png" -mask "$d/half.png" -process "stylize style=$d/style.png $fast" +mask "$d/im-mask.png"
expect "-mask: the protected right half differs by" "$(outside "$d/rose96.png" "$d/im-mask.png" 0,0,47,62)" 0
inside=$(change "$d/rose96.png" "$d/im-mask.png" 48x63+0+0)
awk -v c="$inside" 'BEGIN { exit !(c > 0.02) }' || { echo "mean change $inside on -mask's black half"; exit 1; }

echo "== -region or -channel in force at -process: refused with a message naming region=/channel= (ImageMagick 6"
echo "   does not hand them to a filter: they would be ignored); ended by +region/+channel, they are fine"
for setting in "-region 20x20+5+5" "-channel R"; do
    rc=0
    process "$d/rose.png" $setting -process "stylize style=$d/style.png $fast" "$d/host.png" 2>"$d/host.err" || rc=$?
    name=${setting%% *}
    grep -q "does not hand $name to a filter.*${name#-}=" "$d/host.err" || { echo "$setting: exit $rc"; cat "$d/host.err"; exit 1; }
done
process "$d/rose.png" -region 20x20+5+5 +region -channel R +channel -process "stylize style=$d/style.png $fast" "$d/host.png"
process "$d/rose.png" -region 20x20+5+5 -process "stylize style=$d/style.png region=20x20+5+5 $fast" "$d/host.png"

echo "== -process channel=: only the channels named change (ImageMagick 6 does not hand -channel to a filter)"
process "$d/rose96.png" -process "stylize style=$d/style.png channel=R $fast" "$d/channel-r.png"
channel() { convert "$1" -channel "$2" -separate -format %# info:; }
for c in G B; do
    expect "channel=R: channel $c" "$(channel "$d/channel-r.png" $c)" "$(channel "$d/rose96.png" $c)"
done
[ "$(channel "$d/channel-r.png" R)" != "$(channel "$d/rose96.png" R)" ] || { echo "channel=R: red unchanged"; exit 1; }
process "$d/rose-alpha.png" -process "stylize style=$d/style.png channel=Green,Blue region=20x20+4+4 $fast" \
    "$d/channel-gb.png"
expect "channel=Green,Blue: red" "$(channel "$d/channel-gb.png" R)" "$(channel "$d/rose-alpha.png" R)"
expect "channel=Green,Blue: alpha" "$(channel "$d/channel-gb.png" A)" "$(channel "$d/rose-alpha.png" A)"
expect "channel=Green,Blue region=20x20+4+4: outside" "$(outside "$d/rose-alpha.png" "$d/channel-gb.png" 4,4,23,23)" 0
[ "$(channel "$d/channel-gb.png" G)" != "$(channel "$d/rose-alpha.png" G)" ] || { echo "channel=Green,Blue: green unchanged"; exit 1; }

echo "== -monitor: the share of the work after every iteration, rising to 100 %; a monitor's stop cancels"
process "$d/rose96.png" -monitor -process "stylize style=$d/style.png iterations=8 threads=1" "$d/monitored.png" \
    2>"$d/monitor.err"
# convert -monitor ends each line with a carriage return: "Stylize/Image/…[rose96.png]: N of M, P% complete".
tr '\r' '\n' <"$d/monitor.err" | sed -n 's/^Stylize.*: \([0-9]*\) of [0-9]*, \([0-9]*\)% complete$/\1 \2/p' \
    >"$d/monitor.txt"
awk 'NR > 1 && $1 < last { bad = 1 } { last = $1; percent[$2] = 1; n++ }
     END { for (p in percent) k++; printf "%d reports, %d percentages, last %d%%\n", n, k, $2
           exit !(!bad && n > 10 && k > 10 && $2 == 100) }' "$d/monitor.txt" ||
    { echo "-monitor: too few reports, falling, or not ending at 100 %"; cat "$d/monitor.txt"; exit 1; }
# shellcheck disable=SC2046  # pkg-config's flags are words
$cc -Wall -Wextra -Werror Tests/CABI/process_cancel.c $(pkg-config --cflags --libs MagickCore) -o "$d/process_cancel"
MAGICK_CODER_FILTER_PATH=$filters "$d/process_cancel" "$d/rose96.png" "$d/style.png"

echo "== -process image inputs: damaged files (accept-damaged=on), oversize, a mask's frames, shape and alpha"
Tests/CABI/process-inputs.sh "$filters" "$d/inputs"

echo "== -process on a large image with alpha: in tiles, the host's size and alpha kept, the colours stylized"
# 1500×1000: tiled stages at 256, 512, 1024 and 1500 px after 128 px whole, several tiles each
# under a 256 MiB budget; shallow layers and one Adam step a tile keep it to seconds. The large lr
# makes the optimisation's change measurable: a mean colour change of 0.17 (0…1), where lr=2
# gives about 0.04 (mostly the upsampling between stages).
big="iterations=1 scales=1 work-size=128 max-memory=256M threads=1 optimizer=adam lr=20"
big+=" content-layers=conv1_2 style-layers=conv1_1"
convert -seed 5 -size 1500x1000 plasma:tan-navy \( -size 1000x1500 gradient:white-gray25 -rotate 90 \) \
    -alpha off -compose CopyOpacity -composite -depth 8 "$d/big.png"
process "$d/big.png" -process "stylize style=$d/style.png $big" "$d/big-styled.png"
expect "the large image's size" "$(size_of "$d/big-styled.png")" 1500x1000
expect "the large image's alpha varies" "$(convert "$d/big.png" -alpha extract -format '%[fx:minima < maxima]' info:)" 1
expect "the large image's alpha" "$(convert "$d/big-styled.png" -alpha extract -format %# info:)" \
    "$(convert "$d/big.png" -alpha extract -format %# info:)"
change=$(convert \( "$d/big.png" -alpha off \) \( "$d/big-styled.png" -alpha off \) \
    -compose difference -composite -format '%[fx:mean]' info:)
awk -v c="$change" 'BEGIN { exit !(c > 0.08) }' || { echo "mean colour change $change: not stylized"; exit 1; }
echo "mean colour change $change"

echo "== -process under a budget the result cannot fit: an ImageMagick error naming it, the image unchanged"
convert -size 4608x3456 gradient:tomato-steelblue -depth 8 "$d/huge.ppm"
rm -f "$d/huge-out.ppm"
rc=0
process "$d/huge.ppm" -process "stylize style=$d/style.png iterations=1 threads=1 work-size=128 max-memory=256M" \
    "$d/huge-out.ppm" 2>"$d/huge.err" || rc=$?
[ $rc = 1 ] || { echo "exit status $rc"; cat "$d/huge.err"; exit 1; }
grep -q 'SF_OUT_OF_MEMORY: .*memory budget is 256 MiB' "$d/huge.err" || { cat "$d/huge.err"; exit 1; }
expect "the image written after the refusal differs from the input by" \
    "$(compare -metric AE "$d/huge.ppm" "$d/huge-out.ppm" null: 2>&1)" 0

echo "== -define stylize:NAME=VALUE settings; -process arguments take precedence"
process "$d/rose.png" -define "stylize:style=$d/style.png" -define stylize:iterations=2 \
    -define stylize:threads=1 -define stylize:size=24 -process stylize "$d/define.png"
expect "-define size=24" "$(size_of "$d/define.png")" 24x16
process "$d/rose.png" -define stylize:style=/nonexistent.png -define stylize:iterations=2 \
    -define stylize:threads=1 -define stylize:size=24 -process "stylize style=$d/style.png size=32" "$d/define.png"
expect "-process size=32 over -define size=24" "$(size_of "$d/define.png")" 32x21

echo "== the pipeline goes on after -process (ImageMagick unloads the module after each call; the engine's idle"
echo "   worker threads wake up later and must not find their code unmapped: this crashed with SIGABRT before)"
process "$d/rose.png" -process "stylize style=$d/style.png iterations=2 size=32" -resize 2000x2000 -blur 0x16 \
    "$d/after.png"
expect "the width after -resize" "$(identify -format %w "$d/after.png")" 2000

echo "== an animation with partial frames stays valid: coalesced, canvas and offsets scaled, delays kept"
convert -size 80x60 xc:skyblue \( -size 30x20 xc:red -repage +10+15 \) \
    \( -size 20x20 xc:green -set dispose Background -repage +55+35 \) -set delay 20 -loop 0 "$d/anim.gif"
process "$d/anim.gif" -process "stylize style=$d/style.png iterations=1 scales=1 threads=1 size=32" \
    "$d/anim-styled.gif"
identify "$d/anim-styled.gif" >/dev/null 2>"$d/anim.err" && [ ! -s "$d/anim.err" ]
expect "the animation's frames" "$(identify -format '%w %h %W %H %X %Y %T|' "$d/anim-styled.gif")" \
    "32 24 32 24 +0 +0 20|32 24 32 24 +0 +0 20|32 24 32 24 +0 +0 20|"
[ "$(identify -format '%[pixel:p{6,8}]' "$d/anim-styled.gif[1]")" != \
  "$(identify -format '%[pixel:p{6,8}]' "$d/anim-styled.gif[0]")" ] || { echo "frames 0 and 1 alike"; exit 1; }

echo "== an animation is a sequence (sf_sequence_*): 3 frames in, 3 out; temporal=off is each frame on its own"
# A texture panning a few pixels a frame. The first frame is the same either way (nothing before
# it); temporal=off gives exactly what the frame gives alone (sf_stylize, as before sequences),
# and the default (short) continues each later frame from the one before it: other pixels.
convert -seed 4 -size 96x80 plasma:fractal -blur 0x1 -depth 8 "$d/texture.png"
for i in 0 1 2; do convert "$d/texture.png" -crop 64x48+$((3 * i))+$((2 * i)) +repage "$d/pan$i.png"; done
convert -delay 10 "$d/pan0.png" "$d/pan1.png" "$d/pan2.png" -loop 0 "$d/pan.gif"
seq="style=$d/style.png size=48 iterations=2 scales=1 threads=1"
process "$d/pan.gif" -process "stylize $seq" "$d/pan-styled.gif"
expect "the sequence's frames" "$(identify -format '%w %h %T|' "$d/pan-styled.gif")" "48 36 10|48 36 10|48 36 10|"
process "$d/pan.gif" -process "stylize $seq" "$d/pan-short.miff"
process "$d/pan.gif" -process "stylize $seq temporal=off" "$d/pan-off.miff"
for i in 0 1 2; do process "$d/pan.gif[$i]" -process "stylize $seq" "$d/pan-alone$i.miff"; done
for i in 0 1 2; do
    expect "temporal=off: frame $i against the frame alone: pixels that differ" \
        "$(compare -metric AE "$d/pan-off.miff[$i]" "$d/pan-alone$i.miff" null: 2>&1)" 0
done
expect "temporal=short: the first frame against the frame alone: pixels that differ" \
    "$(compare -metric AE "$d/pan-short.miff[0]" "$d/pan-alone0.miff" null: 2>&1)" 0
[ "$(compare -metric AE "$d/pan-short.miff[2]" "$d/pan-off.miff[2]" null: 2>&1)" != 0 ] ||
    { echo "temporal=short: the last frame is the one temporal=off gives"; exit 1; }
process "$d/pan.gif" -process "stylize $seq temporal=long temporal-weight=500" "$d/pan-long.gif"
expect "temporal=long's frames" "$(identify -format '%w %h|' "$d/pan-long.gif")" "48 36|48 36|48 36|"

echo "== layers on one canvas (not an animation): one factor from the canvas for every layer"
convert -size 80x60 xc:skyblue \( -size 60x40 xc:red -repage 80x60+10+10 \) "$d/layers.miff"
process "$d/layers.miff" -process "stylize style=$d/style.png iterations=1 scales=1 threads=1 size=40" \
    "$d/layers-styled.miff"
expect "the layers" "$(identify -format '%w %h %W %H %X %Y|' "$d/layers-styled.miff")" "40 30 40 30 +0 +0|30 20 40 30 +5 +5|"

echo "== stylize_ctypes.py (Python ctypes)"
if python3 -c 'import ctypes' 2>/dev/null; then
    STYLEFILTER_LIB=$prefix/lib/libstylefilter.so.$somajor \
        python3 examples/stylize_ctypes.py "$d/content.ppm" "$d/style.ppm" "$d/py.ppm" 2 32
    expect "stylize_ctypes.py's size" "$(size_of "$d/py.ppm")" 32x21
else
    echo "SKIP: no python3 with ctypes"
fi

echo "== pipeline.sh (the stylize command)"
STYLIZE=$prefix/bin/stylize examples/pipeline.sh "$d/rose.png" "$d/style.png" "$d/pipeline.jpg" \
    --iterations 2 --threads 1 --size 32
expect "pipeline.sh's size" "$(size_of "$d/pipeline.jpg")" 32x21

echo "== animation.sh (-process on an animation: one sequence), on the pan it makes of examples/content.png"
(cd "$d" && STYLEFILTER_PREFIX=$prefix CLIP_FRAMES=3 CLIP_WIDTH=48 "$checkout/examples/animation.sh" iterations=2 threads=1)
expect "animation.sh's frames" "$(identify -format '%w %h %T|' "$d/animation-styled.gif")" "48 36 8|48 36 8|48 36 8|"
STYLEFILTER_PREFIX=$prefix examples/animation.sh "$d/pan.gif" "$d/style.png" "$d/pan-example.gif" \
    size=32 iterations=2 threads=1
expect "animation.sh on pan.gif" "$(identify -format '%w %h %T|' "$d/pan-example.gif")" "32 24 10|32 24 10|32 24 10|"

echo "== video.sh (ffmpeg around the command: frames, stylize --sequence, a video again)"
command -v ffmpeg >/dev/null || { echo "examples-test: video.sh needs ffmpeg: run 'make test-deps'"; exit 1; }
# frames WIDTHxHEIGHT of a video, and whether it has sound.
video() {
    ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames,width,height \
        -of csv=p=0 "$1"
    ffprobe -v error -select_streams a -show_entries stream=codec_type -of csv=p=0 "$1"
}
(cd "$d" && STYLIZE=$prefix/bin/stylize CLIP_FRAMES=4 CLIP_WIDTH=48 "$checkout/examples/video.sh" --iterations 2 --threads 1)
expect "video.sh on the clip it makes" "$(video "$d/video-styled.mp4" | tr '\n' ' ')" "48,36,4 "
# A clip of one's own keeps its frame rate and its sound; the frames are stylized at --size.
ffmpeg -v error -f lavfi -i testsrc=size=64x48:rate=10 -f lavfi -i sine=frequency=440 -t 0.3 \
    -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest "$d/clip.mp4"
STYLIZE=$prefix/bin/stylize examples/video.sh "$d/clip.mp4" "$d/style.png" "$d/clip-styled.mp4" \
    --size 32 --iterations 2 --threads 1 --quiet
expect "video.sh on a clip with sound" "$(video "$d/clip-styled.mp4" | tr '\n' ' ')" "32,24,3 audio "
expect "video.sh's frame rate" \
    "$(ffprobe -v error -select_streams v:0 -show_entries stream=r_frame_rate -of csv=p=0 "$d/clip-styled.mp4")" 10/1

echo "== delegates.xml (stylize: pseudo-format through the command; the format of the name's extension)"
PATH=$prefix/bin:$PATH MAGICK_CONFIGURE_PATH=$prefix/share/stylefilter STYLIZE_STYLE=$d/style.png \
    STYLIZE_ITERATIONS=2 STYLIZE_SIZE=32 STYLIZE_OPTIONS='--threads 1' convert "$d/rose.png" "stylize:$d/delegate.jpg"
expect "the delegate's output" "$(identify -format %m:%wx%h "$d/delegate.jpg")" JPEG:32x21

echo "== delegates.xml without STYLIZE_STYLE: a clear message, exit status 1, no output"
rm -f "$d/nostyle.png"
rc=0
PATH=$prefix/bin:$PATH MAGICK_CONFIGURE_PATH=$prefix/share/stylefilter STYLIZE_STYLE= \
    convert "$d/rose.png" "stylize:$d/nostyle.png" 2>"$d/nostyle.err" || rc=$?
expect "the delegate's exit status without a style" "$rc" 1
grep -q 'stylize: error: STYLIZE_STYLE is not set' "$d/nostyle.err" || { cat "$d/nostyle.err"; exit 1; }
[ ! -e "$d/nostyle.png" ] || { echo "the delegate wrote an output without a style"; exit 1; }

echo "examples-test: ok"
