#!/usr/bin/env bash
# Installs the Debian packages stylefilter needs, and any named as arguments (`make test` adds
# what only its tests use), skipping those already present. Uses sudo when not root. Safe to run
# again. With --check it installs nothing: it names what is missing and fails (`make build`).
set -euo pipefail

check=0
if [ "${1:-}" = --check ]; then check=1; shift; fi
# libopencv-video-dev: the headers of OpenCV's DIS optical flow, for frame sequences (the engine
# is compiled against them and loads the library at its first flow: Sources/COpticalFlow).
packages=(libopenblas-dev libmagickwand-dev imagemagick pkg-config libopencv-video-dev "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  [ $check = 1 ] || echo "deps: all Debian packages present (${packages[*]})"
  exit 0
fi
if [ $check = 1 ]; then
  echo "deps: missing Debian packages: ${missing[*]}; run 'make deps' (it installs them with apt-get)" >&2
  exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
