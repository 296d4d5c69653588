#!/bin/sh
# The policy SDK as an out-of-tree author meets it: `meson install` this build into a scratch
# root, find scxd-policy.pc there, build both examples with their own Makefiles and nothing
# but pkg-config, install them into the .pc's policydir, and have this build's scxd load them
# (dlopen + ABI checks) from there.
#
# usage: sdk_install.sh MESON BUILD_DIR SOURCE_DIR SCXD    (CC and CXX from the environment)
set -eu

meson=$1 build=$2 src=$3 scxd=$4
for tool in make pkg-config; do
	command -v "$tool" >/dev/null 2>&1 || { echo "sdk: $tool is not installed: skipped"; exit 77; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/scxd-sdk.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

fail() {
	echo "sdk: FAIL: $*" >&2
	exit 1
}

root=$tmp/root
"$meson" install -C "$build" --destdir "$root" --no-rebuild --quiet >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log" >&2; fail "meson install --destdir failed"; }

pc=$(find "$root" -name scxd-policy.pc -path '*/pkgconfig/*' | head -n 1)
[ -n "$pc" ] || fail "meson install did not install scxd-policy.pc"
# The .pc names its install prefix; point it into the scratch root. Everything else in it is
# relative to ${prefix}. PKG_CONFIG_LIBDIR (not _PATH) so an scxd installed on this machine
# cannot answer instead.
mkdir -p "$tmp/pkgconfig"
prefix=$(sed -n 's/^prefix=//p' "$pc")
sed "s|^prefix=.*|prefix=$root$prefix|" "$pc" >"$tmp/pkgconfig/scxd-policy.pc"
PKG_CONFIG_LIBDIR=$tmp/pkgconfig
PKG_CONFIG_PATH=
export PKG_CONFIG_LIBDIR PKG_CONFIG_PATH
unset SCXD_POLICY_PATH PKG_CONFIG_SYSROOT_DIR 2>/dev/null || true

cflags=$(pkg-config --cflags scxd-policy)
policydir=$(pkg-config --variable=policydir scxd-policy)
case $policydir in
"$root"/*/scxd/policies) ;;
*) fail "policydir '$policydir' is not <libdir>/scxd/policies under the install root" ;;
esac
for h in policy.h policy.hpp; do
	inc=${cflags#-I}
	inc=${inc%% *}
	[ -f "$inc/scxd/$h" ] || fail "pkg-config --cflags gives '$cflags' but $inc/scxd/$h is missing"
done

# Each example is copied out of the source tree and built where it lands: the headers can
# only come from the installed copy. Warnings are errors here.
strict='-O2 -Wall -Wextra -pedantic -Werror'
for ex in minimal-c minimal-cpp; do
	cp -R "$src/examples/$ex" "$tmp/$ex"
	make -s -C "$tmp/$ex" CC="${CC:-cc}" CXX="${CXX:-c++}" CFLAGS="$strict" CXXFLAGS="$strict" \
		>"$tmp/$ex.log" 2>&1 || { cat "$tmp/$ex.log" >&2; fail "make in examples/$ex"; }
	make -s -C "$tmp/$ex" install >>"$tmp/$ex.log" 2>&1 ||
		{ cat "$tmp/$ex.log" >&2; fail "make install in examples/$ex"; }
done

# The ABI entry is the plugin's only own export (the Makefiles build with -fvisibility=hidden);
# weak instantiations of the standard library's templates (W, V, u) are the C++ norm.
for so in wakeup-first wakeup-first-cpp; do
	[ -f "$policydir/$so.so" ] || fail "make install did not put $so.so into $policydir"
	if command -v nm >/dev/null 2>&1; then
		extra=$(nm -D --defined-only "$policydir/$so.so" | awk '$2 ~ /^[TDBRGS]$/ && $3 != "scxd_policy_entry_v1" { print $3 }')
		[ -z "$extra" ] || fail "$so.so exports more than scxd_policy_entry_v1: $extra"
	fi
done

# scxd also lists the policy dir it was built for; a stale plugin installed there on this
# machine makes it exit non-zero, so judge only what it says about our directory.
out=$("$scxd" policies --policy-dir "$policydir" 2>&1) || true
if echo "$out" | grep -F "$policydir" | grep -Ev "^[a-z0-9_-]+ +abi [0-9]+\.[0-9]+ " >/dev/null; then
	echo "$out" >&2
	fail "scxd policies refused a plugin in $policydir"
fi
for name in wakeup-first wakeup-first-cpp; do
	echo "$out" | grep -F "($policydir/$name.so)" | grep -Eq "^$name +abi 1\.[0-9]+ " ||
		{ echo "$out" >&2; fail "scxd policies does not list $name with abi 1.x from $policydir"; }
done

# `scxd check` (when this build has it) also creates each policy with its parameters.
if "$scxd" check --help >/dev/null 2>&1; then
	for name in wakeup-first wakeup-first-cpp; do
		printf '[policy.%s]\nboost_us = 500\n' "$name" >"$tmp/ok.toml"
		"$scxd" check --config "$tmp/ok.toml" --policy-dir "$policydir" --policy "$name" \
			>"$tmp/check.log" 2>&1 || { cat "$tmp/check.log" >&2; fail "scxd check: $name with boost_us = 500"; }
		printf '[policy.%s]\nboost_us = "soon"\n' "$name" >"$tmp/bad.toml"
		if "$scxd" check --config "$tmp/bad.toml" --policy-dir "$policydir" --policy "$name" \
			>"$tmp/check.log" 2>&1; then
			fail "scxd check accepted boost_us = \"soon\" for $name"
		fi
		[ "$(wc -l <"$tmp/check.log")" -eq 1 ] && grep -q "boost_us" "$tmp/check.log" ||
			{ cat "$tmp/check.log" >&2; fail "scxd check: the error for a bad boost_us ($name) does not name the key"; }
	done
	echo "sdk: scxd check created both policies and refused a bad boost_us"
fi

echo "sdk: built and loaded wakeup-first and wakeup-first-cpp from $policydir"
