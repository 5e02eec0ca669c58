#!/usr/bin/env bash
# installed-extras.sh PREFIX — what `make install` puts beside the command for its users, checked
# in the installed copy (run by `make install-test` between install and uninstall):
# - stylize(1) renders without groff warnings, is found through MANPATH, names the installed
#   files by this prefix, and lists the engine options;
# - the bash completion loads (`complete -p stylize`) and completes subcommands, files, the default
#   command and the engine options; so does fish's, where fish is installed; zsh's has stylize's
#   additions and parses;
# - `stylize --help`, run with an empty HOME from another directory, names the installed
#   documentation directory, which holds the docs/quality.md it cites.
set -euo pipefail

prefix=${1:?usage: $0 PREFIX}
fail() { echo "installed-extras: FAILED: $*" >&2; exit 1; }
work=$(mktemp -d /tmp/stylefilter-extras.XXXXXX)
trap 'rm -rf "$work"' EXIT
user_env=(env -i "HOME=$work/home" "PATH=$prefix/bin:/usr/bin:/bin" "LANG=C.UTF-8")
mkdir -p "$work/home"

page=$prefix/share/man/man1/stylize.1
[ -f "$page" ] || fail "no $page"
found=$(MANPATH=$prefix/share/man man -w stylize) || fail "man -w stylize with MANPATH=$prefix/share/man"
[ "$found" = "$page" ] || fail "man found $found, not $page"
MANWIDTH=100 MANPAGER=cat man --warnings -l "$page" > "$work/man.txt" 2> "$work/man.err" || fail "man -l $page"
[ ! -s "$work/man.err" ] || { cat "$work/man.err"; fail "groff warns about $page"; }
for want in "ENGINE OPTIONS" "--iterations N" "stylize model fetch" "$prefix/share/stylefilter/vgg16-imagenet.safetensors" \
    "$prefix/share/doc/stylefilter/" "STYLEFILTER_MODEL"; do
    grep -qF -- "$want" "$work/man.txt" || fail "the rendered manual lacks '$want'"
done
! grep -q "PREFIX/" "$work/man.txt" || fail "the installed manual still says PREFIX/"

bash_completion=$prefix/share/bash-completion/completions/stylize
# A completion as bash would ask for it: COMP_WORDS of LINE, the cursor at its end.
complete_line() {
    (cd "$work" && "${user_env[@]}" bash -c '
        source "$1"; line=$2
        read -ra COMP_WORDS <<< "$line"; [[ $line == *" " ]] && COMP_WORDS+=("")
        COMP_LINE=$line COMP_POINT=${#line} COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        "$(complete -p stylize | sed "s/.* -F \([^ ]*\) .*/\1/")" stylize "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf "%s\n" "${COMPREPLY[@]}"' _ "$bash_completion" "$1")
}
spec=$(bash -c 'source "$1" && complete -p stylize' _ "$bash_completion") || fail "bash: complete -p stylize"
echo "installed-extras: bash: $spec"
touch "$work/photo.jpg" "$work/painting.png"
# LINE, what its completion must include: subcommands, files for the default command's words,
# the engine options (after the default command's content image, or a value of their own), fixed
# values, and ArgumentParser's options after an engine option with its value.
checks=(
    "stylize model |fetch"
    "stylize ph|photo.jpg"
    "stylize run photo.jpg -s pai|painting.png"
    "stylize photo.jpg -s pai|painting.png"
    "stylize photo.jpg --it|--iterations"
    "stylize photo.jpg --optimizer |adam"
    "stylize photo.jpg --init pai|painting.png"
    "stylize photo.jpg --iterations 5 --qu|--quiet"
    "stylize photo.jpg --colors=luminance -o out.png --pro|--progress"
)
fish_completion=$prefix/share/fish/vendor_completions.d/stylize.fish
for check in "${checks[@]}"; do
    line=${check%|*} want=${check##*|}
    complete_line "$line" | grep -qxF -- "$want" || fail "bash completion of '$line' does not offer $want"
    if command -v fish > /dev/null; then
        (cd "$work" && "${user_env[@]}" fish -c 'source $argv[1]; complete -C $argv[2]' "$fish_completion" "$line") \
            | cut -f1 | grep -qxF -- "$want" || fail "fish completion of '$line' does not offer $want"
    fi
done
[ -s "$prefix/share/zsh/site-functions/_stylize" ] || fail "no _stylize for zsh"
grep -q '^__stylize_argumentparser() {' "$prefix/share/zsh/site-functions/_stylize" \
    || fail "zsh: stylize's additions are missing (ArgumentParser's script changed its layout?)"
if command -v zsh > /dev/null; then zsh -n "$prefix/share/zsh/site-functions/_stylize" || fail "zsh -n _stylize"; fi

(cd "$work" && "${user_env[@]}" stylize --help) > "$work/help.txt" || fail "stylize --help"
grep -qF "docs/quality.md" "$work/help.txt" || fail "stylize --help no longer cites docs/quality.md (update this test)"
grep -q "^  $prefix/share/doc/stylefilter\( \|$\)" "$work/help.txt" || { tail -4 "$work/help.txt"; fail "stylize --help does not name the installed documentation"; }
[ -f "$prefix/share/doc/stylefilter/docs/quality.md" ] || fail "docs/quality.md is not installed"
echo "installed-extras: ok"
