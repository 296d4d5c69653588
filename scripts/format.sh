#!/usr/bin/env bash
# clang-format the tree: C++ with .clang-format, C (BPF, policies, the C11 header, fixtures,
# VM tools) with .clang-format-c (kernel style). bpf/vmlinux/ is generated and left alone.
#
# Usage:  scripts/format.sh [--check]
#   --check  change nothing; list the files that are not formatted and exit 1 if any
# Environment: CLANG_FORMAT (default: clang-format-19 if installed, else clang-format)
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
check=0
case "${1:-}" in
    --check) check=1 ;;
    "") ;;
    *) echo "scripts/format.sh: unknown argument '$1' (usage: scripts/format.sh [--check])" >&2; exit 64 ;;
esac
cf=${CLANG_FORMAT:-$(command -v clang-format-19 || command -v clang-format || true)}
[ -n "$cf" ] || { echo "scripts/format.sh: clang-format not found (apt install clang-format-19)" >&2; exit 64; }

mapfile -t cxx < <(git ls-files '*.cpp' '*.hpp')
mapfile -t c < <(git ls-files '*.c' '*.h' | grep -v '^bpf/vmlinux/')
bad=0
run() { # STYLE FILE...
    local style=$1; shift
    [ $# -gt 0 ] || return 0
    if [ "$check" = 1 ]; then
        for f in "$@"; do
            if ! "$cf" --style="$style" "$f" | cmp -s - "$f"; then
                echo "not formatted: $f"
                bad=1
            fi
        done
    else
        "$cf" -i --style="$style" "$@"
    fi
}
run file "${cxx[@]}"
run file:.clang-format-c "${c[@]}"
exit "$bad"
