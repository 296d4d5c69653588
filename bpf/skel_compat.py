#!/usr/bin/env python3
"""Make a bpftool skeleton compile against an older libbpf (see bpf/meson.build).

usage: skel_compat.py IN OUT strip-map-link|keep
"""
import re
import sys


def main() -> int:
    src, dst, mode = sys.argv[1:4]
    text = open(src, encoding="utf-8").read()
    if mode == "strip-map-link":
        pattern = re.compile(r"^\s*map->link = &obj->links\.\w+;\n", re.M)
        text, n = pattern.subn("", text)
        if n == 0 and "map->link" in text:
            print(f"{src}: unexpected use of map->link; update skel_compat.py", file=sys.stderr)
            return 1
    open(dst, "w", encoding="utf-8").write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
