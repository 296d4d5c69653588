#!/bin/sh
# `meson install` step: put the commented default config at SYSCONFDIR/scxd/scxd.toml, but only
# when there is none yet, so an administrator's edits survive every reinstall. The same file is
# always installed as <datadir>/scxd/scxd.toml.example for comparison.
# Usage: install-config.sh SOURCE SYSCONFDIR   (honours $DESTDIR)
set -eu
src=$1
dest="${DESTDIR:-}$2/scxd/scxd.toml"
if [ -e "$dest" ]; then
	echo "Keeping existing $dest (the shipped one is scxd.toml.example)"
	exit 0
fi
mkdir -p "$(dirname "$dest")"
install -m 0644 "$src" "$dest"
echo "Installing $src to $dest"
