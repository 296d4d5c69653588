#!/bin/sh
# Bad command lines: each must exit 2 with nothing on stdout and exactly one line on stderr that
# contains the expected text (the flag or word at fault). None of them reaches the kernel: the
# parse fails first (`run` with good arguments is never called here).
# Usage: bad-args.sh SCXD   (the fifo plugin must be on $SCXD_POLICY_PATH)
set -u
scxd=$1
out=$(mktemp)
err=$(mktemp)
# Safety net for the `run` cases: should a command line parse after all, this config stops
# scxd (exit 2) before it goes near the kernel.
guard=$(mktemp)
printf 'not_a_key = 1\n' >"$guard"
trap 'rm -f "$out" "$err" "$guard"' EXIT
failed=0
checked=0

# expect TEXT ARGS...: exit 2, one stderr line containing TEXT, empty stdout.
expect() {
	text=$1
	shift
	checked=$((checked + 1))
	"$scxd" "$@" >"$out" 2>"$err" </dev/null
	rc=$?
	why=""
	if [ "$rc" -ne 2 ]; then
		why="exit status $rc, want 2"
	elif [ "$(wc -l <"$err")" -ne 1 ] || [ -s "$out" ]; then
		why="want exactly one line on stderr and nothing on stdout"
	elif ! grep -qF -- "$text" "$err"; then
		why="the error lacks: $text"
	fi
	if [ -n "$why" ]; then
		echo "FAIL scxd $*: $why"
		sed 's/^/  stderr: /' "$err"
		sed 's/^/  stdout: /' "$out"
		failed=$((failed + 1))
	fi
}

# Verbs.
expect "give a command" 
expect "unknown command 'bogus'" bogus
expect "did you mean 'run'?" rnu
expect "unknown command 'polices'" --log-level warn polices
expect "the commands are" --config /dev/null
# run: every value-taking flag with a value of the wrong kind or out of range.
expect "--slice-us" --config "$guard" run --slice-us abc
expect "--slice-us" --config "$guard" run --slice-us 0
expect "--slice-us" --config "$guard" run --slice-us -5
expect "--slice-us" --config "$guard" run --slice-us 2000000
expect "--slice-us" --config "$guard" run --slice-us 99999999999999999999999
expect "--slice-us" --config "$guard" run --slice-us
expect "--mode" --config "$guard" run --mode bogus
expect "--mode" --config "$guard" run --mode ""
expect "--max-tasks" --config "$guard" run --max-tasks 0
expect "--max-tasks" --config "$guard" run --max-tasks 99999999999
expect "--max-tasks" --config "$guard" run --max-tasks 1e3
expect "--exit-dump-len" --config "$guard" run --exit-dump-len -1
expect "--bogus" --config "$guard" run --bogus
expect "--partial" --config "$guard" run --partial=maybe
expect "extra" --config "$guard" run extra
# Global flags.
expect "--log-level" --config "$guard" --log-level loud run
expect "--log-level" --config "$guard" run --log-level ""
expect "--config" --config
# check, stats, policies.
expect "--bogus" check --bogus
expect "stray" check stray
expect "--policy is empty" check --policy ""
expect "policy 'no-such-policy' not found" check --policy no-such-policy
expect "/no/such/file.so: no such file" check --policy /no/such/file.so
expect "--bogus" stats --bogus
expect "--socket" stats --socket
expect "--bogus" policies --bogus
# Config files named on the command line.
expect "no-such.toml" --config /no/such/dir/no-such.toml check
expect "not a regular file" --config /tmp check
expect "not a regular file" --config /dev/null check
expect "cannot read the config file" --config "" check

# --help and --version are not errors.
for args in --help "run --help" --version; do
	checked=$((checked + 1))
	# shellcheck disable=SC2086 # word splitting intended
	if ! "$scxd" $args >"$out" 2>"$err" || [ ! -s "$out" ] || [ -s "$err" ]; then
		echo "FAIL scxd $args: want exit 0, output on stdout only"
		failed=$((failed + 1))
	fi
done

echo "bad-args: $checked command lines, $failed failed"
[ "$failed" -eq 0 ]
