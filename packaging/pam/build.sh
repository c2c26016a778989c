#!/usr/bin/env bash
# Builds pam_nasdash.so into the given path, hardened as Debian builds (stack protector, fortify, full RELRO, no
# executable stack). The Debian package build and the real-PAM tests both run this. Needs gcc and libpam0g-dev.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh <output .so>}
gcc -Wall -Wextra -Werror -Wformat=2 -O2 -g0 -fPIC -shared -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
    -Wl,-z,relro,-z,now -Wl,-z,noexecstack -Wl,--as-needed -o "$out" "$here/pam_nasdash.c" -lpam
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$out"
chmod 0644 "$out"
