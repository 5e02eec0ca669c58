#!/bin/bash
# The three front ends offer the same engine options as the library's option table:
#   the C API's list (sf_option_info, printed by `abi_test --list-options`),
#   the `stylize` command's long options (minus its own: images, model, report, output control,
#   how images are read),
#   the ImageMagick -process keys (listed by the module's unknown-key error; minus style=,
#   style-blend=, mask=, model= and accept-damaged=).
# Usage: option-parity.sh ABI_TEST STYLIZE FILTER_DIR WORKDIR   (run by `make option-parity`)
set -euo pipefail
abi_test=$1 stylize=$2 filters=$3 work=$4
mkdir -p "$work"

"$abi_test" --list-options | sort >"$work/options.c-api"

"$stylize" --help | sed -n 's/^  \(-[a-zA-Z], \)\{0,1\}--\([a-z][a-z-]*\).*/\2/p' |
    grep -v -x -e style -e output -e style-blend -e mask -e model -e report -e progress -e save-every \
        -e quiet -e accept-damaged -e version -e help | sort >"$work/options.command"

convert -size 8x8 xc:gray "$work/parity.png"
MAGICK_CODER_FILTER_PATH=$filters convert "$work/parity.png" -process 'stylize no-such-key=1' \
    "$work/parity-out.png" 2>"$work/parity.err" && { echo "option-parity: an unknown key was accepted"; exit 1; }
sed -n 's/.*valid keys: \(.*\) @ [a-z]*\/.*/\1/p' "$work/parity.err" | tr ',' '\n' | sed 's/^ *//; s/ *$//' |
    grep -v -x -e '' -e style -e style-blend -e mask -e model -e accept-damaged | sort >"$work/options.process"

test -s "$work/options.c-api" || { echo "option-parity: the C API lists no options"; exit 1; }
for front in command process; do
    if ! diff -u "$work/options.c-api" "$work/options.$front"; then
        echo "option-parity: the $front options differ from the C API's (the option table)"
        exit 1
    fi
done
echo "option-parity: ok ($(wc -l <"$work/options.c-api") options: C API = stylize = -process)"
