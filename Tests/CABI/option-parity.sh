#!/bin/bash
# The three front ends offer the same engine options as the library's option table:
#   the C API's list (sf_option_info, printed by `abi_test --list-options`),
#   the `stylize` command's long options (minus its own: images, outputs, model, report, output control,
#   how images are read, --sequence),
#   the ImageMagick -process keys (listed by the module's unknown-key error; minus style=,
#   style-blend=, mask=, model=, accept-damaged=, region= and channel=).
# Usage: option-parity.sh ABI_TEST STYLIZE FILTER_DIR WORKDIR   (run by `make option-parity`)
set -euo pipefail
abi_test=$1 stylize=$2 filters=$3 work=$4
mkdir -p "$work"

"$abi_test" --list-options | sort >"$work/options.c-api"

"$stylize" --help | sed -n 's/^  \(-[a-zA-Z], \)\{0,1\}--\([a-z][a-z-]*\).*/\2/p' |
    grep -v -x -e style -e output -e output-dir -e style-blend -e mask -e model -e report -e progress -e save-every \
        -e quiet -e accept-damaged -e sequence -e version -e help | sort >"$work/options.command"

convert -size 8x8 xc:gray "$work/parity.png"
MAGICK_CODER_FILTER_PATH=$filters convert "$work/parity.png" -process 'stylize no-such-key=1' \
    "$work/parity-out.png" 2>"$work/parity.err" && { echo "option-parity: an unknown key was accepted"; exit 1; }
sed -n 's/.*valid keys: \(.*\) @ [a-z]*\/.*/\1/p' "$work/parity.err" | tr ',' '\n' | sed 's/^ *//; s/ *$//' |
    grep -v -x -e '' -e style -e style-blend -e mask -e model -e accept-damaged -e region -e channel |
    sort >"$work/options.process"

test -s "$work/options.c-api" || { echo "option-parity: the C API lists no options"; exit 1; }
for front in command process; do
    if ! diff -u "$work/options.c-api" "$work/options.$front"; then
        echo "option-parity: the $front options differ from the C API's (the option table)"
        exit 1
    fi
done
echo "option-parity: ok ($(wc -l <"$work/options.c-api") options: C API = stylize = -process)"

# The three front ends take option values alike (one parser, the table's): each value below is
# accepted by all three or refused by all three, as the last column says. A refusal names the
# option ("NAME: 'VALUE' …"); the accepted ones then fail on the missing images instead.
verdicts=0
while IFS='|' read -r name value expected; do
    [ -n "$name" ] || continue
    if "$abi_test" --set "$name" "$value" >"$work/value.c-api" 2>&1; then capi=accepted; else capi=refused; fi
    "$stylize" /nonexistent/parity.png -s /nonexistent/parity-style.png -o "$work/value-out.png" \
        "--$name=$value" >"$work/value.command" 2>&1 || true
    if grep -qF -- "--$name: '" "$work/value.command"; then command=refused; else command=accepted; fi
    MAGICK_CODER_FILTER_PATH=$filters convert "$work/parity.png" \
        -process "stylize style=/nonexistent/parity-style.png $name='$value'" "$work/value-out.png" \
        >"$work/value.process" 2>&1 || true
    if grep -qF -- "$name: '" "$work/value.process"; then process=refused; else process=accepted; fi
    if [ "$capi $command $process" != "$expected $expected $expected" ]; then
        echo "option-parity: $name='$value': C API $capi, command $command, -process $process (expected $expected)"
        cat "$work/value.c-api" "$work/value.command" "$work/value.process"
        exit 1
    fi
    verdicts=$((verdicts + 1))
done <<'VALUES'
iterations|2|accepted
iterations|+2|refused
iterations| 2|refused
iterations|2 |refused
iterations|-0|refused
seed|+1|refused
size|full|accepted
size|full |refused
size| 512|refused
max-memory|1.5G|accepted
max-memory|1T|refused
max-memory|1g|refused
max-memory|+1G|refused
style-weight|1e3|accepted
style-weight|+1|refused
style-weight|0x10|refused
optimizer|adam|accepted
optimizer|adam |refused
init|random|accepted
preview|on|accepted
preview|yes|refused
style-layers|conv1_1:0.2, conv2_1:0.5|accepted
style-layers|conv1_1: 0.5|refused
style-layers| conv1_1|refused
VALUES
echo "option-parity: ok ($verdicts values: accepted or refused alike by the C API, stylize and -process)"
