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
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp"; rm -rf "$out" "$err" "$tmp"' EXIT
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
	! grep -qF "$f:3:10: policy 'no-such-policy'" "$err"; then
	fail "$f" "exit status $rc, want 2 and one line naming the file, line and the policy"
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

# Made here rather than checked in: files that cannot be config files, and extreme ones.
# expect_refused FILE TEXT: exit 2, one line on stderr naming FILE and containing TEXT.
expect_refused() {
	checked=$((checked + 1))
	"$scxd" check --config "$1" >"$out" 2>"$err"
	rc=$?
	if [ "$rc" -ne 2 ] || [ "$(wc -l <"$err")" -ne 1 ] || [ -s "$out" ] ||
		! grep -qF -- "$1" "$err" || ! grep -qF -- "$2" "$err"; then
		fail "$1" "exit status $rc, want 2 and one line naming the file and saying: $2"
	fi
}
expect_refused "$tmp" "not a regular file: give a readable file with --config"
mkfifo "$tmp/fifo.toml" && expect_refused "$tmp/fifo.toml" "not a regular file"
ln -s "$tmp/no-such-target.toml" "$tmp/dangling.toml" &&
	expect_refused "$tmp/dangling.toml" "No such file or directory"
# 2 MiB of comments: over the 1 MiB limit, refused before it is read.
head -c 2097152 /dev/zero | tr '\0' '#' >"$tmp/huge.toml"
expect_refused "$tmp/huge.toml" "too large for a config file"
# Arrays nested 100000 deep and a 100000-part dotted key: refused, not a stack overflow.
{
	echo '[policy.fifo]'
	printf 'x = '
	head -c 100000 /dev/zero | tr '\0' '['
	head -c 100000 /dev/zero | tr '\0' ']'
	echo
} >"$tmp/deep-array.toml"
expect_refused "$tmp/deep-array.toml" "not valid TOML"
{
	printf 'a'
	head -c 200000 /dev/zero | tr '\0' '.' | sed 's/\./.a/g'
	echo ' = 1'
} >"$tmp/deep-key.toml"
expect_refused "$tmp/deep-key.toml" "more than 64 parts"
# Mode 000: unreadable, unless we are root (then it is read like any other file).
cp "$dir/good.toml" "$tmp/mode000.toml" && chmod 000 "$tmp/mode000.toml"
if [ "$(id -u)" -eq 0 ]; then
	checked=$((checked + 1))
	"$scxd" check --config "$tmp/mode000.toml" >"$out" 2>"$err" ||
		fail "$tmp/mode000.toml" "root reads a mode 000 file; it should pass like good.toml"
else
	expect_refused "$tmp/mode000.toml" "Permission denied"
fi

echo "check-all: $checked configs, $failed failed"
[ "$failed" -eq 0 ]
