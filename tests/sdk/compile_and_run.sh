#!/bin/sh
# Compile one self-checking C++ source with another compiler than the project's, under the
# flags plugin authors may use, and run it. usage: compile_and_run.sh CXX SOURCE INCLUDE_DIR
set -eu
tmp=$(mktemp -d "${TMPDIR:-/tmp}/scxd-cxx.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
"$1" -std=c++20 -pedantic -Wall -Wextra -Werror -I"$3" "$2" -o "$tmp/check"
"$tmp/check"
