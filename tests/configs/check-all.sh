#!/bin/sh
# `scxd check --config F` on every sample config: each file in broken/ must fail with exit 2,
# nothing on stdout and exactly one line on stderr that names the file and contains the text
# after "# expect:" on the file's first line; each good*.toml must pass with one "ok" line.
# Usage: check-all.sh SCXD CONFIG_DIR   (the fifo plugin must be on $SCXD_POLICY_PATH)
set -u
scxd=$1
dir=$2
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
failed=0
checked=0

fail() {
	echo "FAIL $1: $2"
	sed 's/^/  stderr: /' "$err"
	sed 's/^/  stdout: /' "$out"
	failed=$((failed + 1))
}

for f in "$dir"/broken/*.toml; do
	checked=$((checked + 1))
	expect=$(sed -n '1s/^# expect: //p' "$f")
	"$scxd" check --config "$f" >"$out" 2>"$err"
	rc=$?
	if [ -z "$expect" ]; then
		fail "$f" "no '# expect: ...' first line"
	elif [ "$rc" -ne 2 ]; then
		fail "$f" "exit status $rc, want 2"
	elif [ "$(wc -l <"$err")" -ne 1 ] || [ -s "$out" ]; then
		fail "$f" "want exactly one line on stderr and nothing on stdout"
	elif ! grep -qF -- "$f" "$err"; then
		fail "$f" "the error does not name the file"
	elif ! grep -qF -- "$expect" "$err"; then
		fail "$f" "the error lacks: $expect"
	fi
done

for f in "$dir"/good*.toml; do
	checked=$((checked + 1))
	"$scxd" check --config "$f" >"$out" 2>"$err"
	rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$err" ] || [ "$(wc -l <"$out")" -ne 1 ] ||
		! grep -qF -- "$f: ok (policy fifo" "$out"; then
		fail "$f" "exit status $rc, want 0 and one 'ok' line"
	fi
done

# A flag beats the file: the file's policy does not exist, the flag's does.
checked=$((checked + 1))
f=$dir/flag-wins.toml
"$scxd" check --config "$f" >"$out" 2>"$err"
rc=$?
if [ "$rc" -ne 2 ] || [ "$(wc -l <"$err")" -ne 1 ] ||
	! grep -qF "$f: policy 'no-such-policy'" "$err"; then
	fail "$f" "exit status $rc, want 2 and one line naming the file and the policy"
fi
checked=$((checked + 1))
"$scxd" check --config "$f" --policy fifo >"$out" 2>"$err"
rc=$?
if [ "$rc" -ne 0 ] || ! grep -qF "ok (policy fifo" "$out"; then
	fail "$f --policy fifo" "exit status $rc, want 0: the flag should win"
fi

# A file named with --config must exist; the default one may be absent.
checked=$((checked + 1))
"$scxd" check --config "$dir/no-such-file.toml" >"$out" 2>"$err"
rc=$?
if [ "$rc" -ne 2 ] || [ "$(wc -l <"$err")" -ne 1 ] || ! grep -qF "no-such-file.toml" "$err"; then
	fail "$dir/no-such-file.toml" "exit status $rc, want 2 and one line naming the file"
fi

echo "check-all: $checked configs, $failed failed"
[ "$failed" -eq 0 ]
