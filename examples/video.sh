#!/bin/sh
# video.sh — a video stylized as one sequence with the `stylize` command, ffmpeg around it:
#   ffmpeg -i clip.mp4 frames/%04d.png                            the clip's frames
#   stylize frames/*.png --sequence -s style.png -o 'styled/%04d.png'   each frame continuing
#                                                                   from the one before it
#   ffmpeg -framerate RATE -i styled/%04d.png … out.mp4           the frames as a video again
#
#   examples/video.sh [CLIP STYLE OUT.mp4] [stylize options…]
#   e.g. examples/video.sh holiday.mp4 starry.png holiday-starry.mp4 --size 384 --iterations 16
#        examples/video.sh                    (a clip made here: out video-styled.mp4)
# Without CLIP (no arguments, or only options), the clip is made here with ffmpeg: a slow pan
# across examples/content.png, CLIP_FRAMES frames (default 12, 8 a second) CLIP_WIDTH pixels wide
# (default 160, 4:3), stylized at that size with examples/style.png into video-styled.mp4 in the
# current directory: about a minute on two cores. A clip of your own keeps its frame rate and
# its sound; its frames are stylized at the command's --size (default 512 px; every frame of a
# sequence costs about what one image of that size does after the first: choose a small size
# for a long clip). The frames go through a temporary directory, removed at the end.
# STYLIZE names the command (default: stylize on PATH). Needs ffmpeg and ffprobe (Debian: ffmpeg).
set -eu
here=$(dirname "$0")
size_option=""
if [ $# -ge 3 ] && [ "${1#-}" = "$1" ]; then
    clip=$1 style=$2 out=$3
    shift 3
else
    clip="" style=$here/style.png out=video-styled.mp4
fi
for tool in ffmpeg ffprobe; do
    command -v $tool >/dev/null || { echo "$0: needs $tool (Debian: apt-get install ffmpeg)" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/video-sh.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/frames" "$work/styled"

if [ -z "$clip" ]; then
    # A pan across the photo: scaled to cover a quarter more than the frame, then a frame-sized
    # window moving from its top-left corner to its bottom-right (n: the frame's number).
    frames=${CLIP_FRAMES:-12} width=${CLIP_WIDTH:-160}
    height=$((width * 3 / 4 / 2 * 2))
    clip=$work/clip.mp4
    ffmpeg -v error -loop 1 -framerate 8 -i "$here/content.png" -frames:v "$frames" -vf \
        "scale=$((width * 5 / 4)):$((height * 5 / 4)):force_original_aspect_ratio=increase,crop=$width:$height:x='(in_w-out_w)*n/$((frames - 1))':y='(in_h-out_h)*n/$((frames - 1))'" \
        -c:v libx264 -pix_fmt yuv420p "$clip"
    size_option="--size $width"
fi

rate=$(ffprobe -v error -select_streams v:0 -show_entries stream=r_frame_rate -of csv=p=0 "$clip")
ffmpeg -v error -i "$clip" "$work/frames/%04d.png"
# shellcheck disable=SC2086  # size_option is two words or none
"${STYLIZE:-stylize}" "$work"/frames/*.png --sequence -s "$style" -o "$work/styled/%04d.png" $size_option "$@"
# H.264 in 4:2:0 wants even sides; the clip's sound, if any, goes along.
ffmpeg -v error -framerate "$rate" -i "$work/styled/%04d.png" -i "$clip" -map 0:v -map '1:a?' \
    -vf 'scale=trunc(iw/2)*2:trunc(ih/2)*2' -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest "$work/$(basename "$out")"
mv "$work/$(basename "$out")" "$out"
echo "video.sh: wrote $out"
