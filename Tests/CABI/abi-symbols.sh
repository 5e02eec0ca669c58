#!/usr/bin/env bash
# The installed shared library exports exactly the header's functions, has its SONAME, needs no
# Swift runtime and is never unloaded (`make abi-symbols`).
#
#   Tests/CABI/abi-symbols.sh PREFIX
set -euo pipefail

prefix=$1
header=$prefix/include/stylefilter.h
somajor=$(awk '/define SF_VERSION_MAJOR/ {print $3}' "$prefix/include/stylefilter_version.h")
lib=$prefix/lib/libstylefilter.so.$somajor
fail() { echo "abi-symbols: $*"; exit 1; }

exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[A-Z]$/ {print $3}' | sed 's/@.*//' | sort)
declared=$(sed -n 's/^[a-z_0-9 ]*[ *]\(sf_[a-z_0-9]*\)(.*/\1/p' "$header" | sort)
echo "exported: $(echo $exported | tr '\n' ' ')"
[ "$(echo "$exported" | grep -v -e '^STYLEFILTER_1$' -e '^xerbla_$')" = "$declared" ] ||
    fail "exported symbols differ from the header's functions: $declared"
readelf -d "$lib" | grep -q "SONAME.*\[libstylefilter.so.$somajor\]" || fail "SONAME"
if readelf -d "$lib" | grep NEEDED | grep -i swift; then fail "needs the Swift runtime"; fi
if ldd "$lib" | grep -q 'not found'; then fail "unresolved dependency"; fi
readelf -d "$lib" | grep -q 'FLAGS_1.*NODELETE' ||
    fail "not NODELETE (a host's dlclose would unmap the engine's worker threads' code)"
echo "abi-symbols: ok (only sf_* and xerbla_ exported, SONAME libstylefilter.so.$somajor, no Swift runtime, never unloaded)"
