#!/usr/bin/env bash
# Sanitizers, static analysis and fuzzing: the checks scripts/test.sh runs besides the unit and
# VM tests (docs/testing.md). Each step ends with one line "analysis: PASS|FAIL STEP (Ns)".
#
#   scripts/analysis.sh                  all steps: sanitize tidy cppcheck shellcheck fuzz
#   scripts/analysis.sh tidy cppcheck    only those
#
# Environment: SCXD_SAN_BUILD_DIR (default build-san), SCXD_FUZZ_SECONDS (per target, 60),
# SCXD_JOBS (parallel jobs for ninja and clang-tidy, default 2).
# The steps share one clang-19 build: ASan+UBSan, libFuzzer coverage, compile_commands.json.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

san=${SCXD_SAN_BUILD_DIR:-$top/build-san}
jobs=${SCXD_JOBS:-2}
fuzz_seconds=${SCXD_FUZZ_SECONDS:-20}
steps=("$@")
[ "${#steps[@]}" -gt 0 ] || steps=(sanitize tidy cppcheck shellcheck fuzz)

# -Db_lundef=false: the plugins are shared modules whose ASan symbols come from the
# executable that dlopens them.
build_san() {
    if [ ! -f "$san/build.ninja" ]; then
        CC=clang-19 CXX=clang++-19 meson setup "$san" "$top" --werror -Dtests=true -Dfuzz=true -Dbench=disabled \
            -Db_sanitize=address,undefined -Db_lundef=false >/dev/null || return 1
    fi
    ninja -C "$san" -j "$jobs" >"$san/analysis-build.log" 2>&1 ||
        { tail -40 "$san/analysis-build.log"; return 1; }
}

# The unit suite (Catch2, config-check, cli-bad-args, ABI headers) under ASan+UBSan. meson
# test sets halt_on_error/abort_on_error; leaks are reported too (LeakSanitizer).
step_sanitize() {
    meson test -C "$san" --no-rebuild --suite unit --print-errorlogs
}

step_tidy() {
    # Only this project's sources; headers under daemon/ policies/ include/ by .clang-tidy.
    run-clang-tidy-19 -p "$san" -j "$jobs" -quiet -clang-tidy-binary clang-tidy-19 \
        "^$top/(daemon|policies)/" 2>&1 |
        grep -vE '^(Running clang-tidy|[0-9]+ warnings? (and [0-9]+ errors? )?generated|Suppressed [0-9]+ warnings|Use -header-filter|clang-tidy-19 .*-p=)' |
        sed '/^$/d'
    return "${PIPESTATUS[0]}"
}

# build-san's compile database cut to daemon/ and policies/ (cppcheck's -i does not apply to
# the files of a --project).
# By hand only (see .clang-tidy): the same plus the path-sensitive clang-analyzer checks.
step_tidy-deep() {
    run-clang-tidy-19 -p "$san" -j "$jobs" -quiet -clang-tidy-binary clang-tidy-19 \
        -checks='clang-analyzer-*,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,-clang-analyzer-optin.performance.Padding' \
        "^$top/(daemon|policies)/"
}

own_compile_db() {
    python3 - "$san/compile_commands.json" "$top" >"$san/own_compile_commands.json" <<'PY'
import json, os, sys
db, top = json.load(open(sys.argv[1])), sys.argv[2]
def ours(e):
    f = os.path.normpath(os.path.join(e["directory"], e["file"]))
    return any(f.startswith(os.path.join(top, d) + os.sep) for d in ("daemon", "policies"))
json.dump([e for e in db if ours(e)], sys.stdout, indent=1)
PY
}

step_cppcheck() {
    # The C++ sources and the C policies, with the build's flags; missing system headers are
    # fine (cppcheck does not need toml++ or spdlog to check our code).
    own_compile_db || return 1
    mkdir -p "$san/cppcheck-cache"
    cppcheck --project="$san/own_compile_commands.json" --quiet -j "$jobs" \
        --enable=warning,performance,portability --inline-suppr --error-exitcode=1 \
        --suppress=missingIncludeSystem --suppressions-list="$top/.cppcheck-suppressions" \
        --cppcheck-build-dir="$san/cppcheck-cache"
}

# Every shell script of the tree, sourced files followed (-x), warnings and errors. The guest
# scripts run under busybox sh, which their shebang (#!/bin/sh) tells shellcheck.
step_shellcheck() {
    local files=()
    mapfile -t files < <(cd "$top" && find . -path ./build\* -prune -o -path ./.git -prune -o \
        \( -name '*.sh' -o -path ./.ci/run \) -type f -print | sort)
    (cd "$top" && shellcheck -S warning -x "${files[@]}")
}

step_fuzz() {
    local rc=0 t work dict
    for t in config entry; do
        work=$(mktemp -d)
        dict=()
        [ "$t" != config ] || dict=("-dict=$top/tests/fuzz/toml.dict")
        # New inputs go to $work; the seed corpus in the tree is only read.
        "$san/tests/fuzz/fuzz-$t" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="$work/" -print_final_stats=1 \
            "${dict[@]}" \
            "$work" "$top/tests/fuzz/corpus/$t" >"$work/log" 2>&1
        local r=$?
        grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' "$work/log" |
            sed "s/^/fuzz-$t: /"
        if [ "$r" -ne 0 ]; then
            rc=1
            mkdir -p "$san/fuzz-artifacts"
            cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* \
                "$san/fuzz-artifacts/" 2>/dev/null
            tail -60 "$work/log"
            echo "fuzz-$t: FAILED; inputs kept in $san/fuzz-artifacts/" \
                "(reproduce: $san/tests/fuzz/fuzz-$t FILE)"
        fi
        rm -rf "$work"
    done
    return "$rc"
}

# Only shellcheck does without the build.
needs_build=0
for s in "${steps[@]}"; do [ "$s" = shellcheck ] || needs_build=1; done
if [ "$needs_build" = 1 ]; then
    mkdir -p "$san"
    start=$SECONDS
    if ! build_san; then
        for s in "${steps[@]}"; do echo "analysis: FAIL $s (the sanitizer build failed)"; done
        exit 1
    fi
    echo "analysis: sanitizer build took $((SECONDS - start))s"
fi
failed=0
for s in "${steps[@]}"; do
    start=$SECONDS
    if "step_$s"; then
        echo "analysis: PASS $s ($((SECONDS - start))s)"
    else
        echo "analysis: FAIL $s ($((SECONDS - start))s)"
        failed=1
    fi
done
exit "$failed"
