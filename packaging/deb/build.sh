#!/usr/bin/env bash
# Builds nasdash_<version>_amd64.deb in the given directory (default packaging/deb/out). Debian ships no .NET
# runtime package, so the app is published self-contained. Needs the .NET SDK, dpkg-dev (dpkg-shlibdeps), man-db,
# gcc and libpam0g-dev (pam_nasdash.so).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$(mkdir -p "${1:-$here/out}" && cd "${1:-$here/out}" && pwd)
version=${NASDASH_VERSION:-$(dotnet msbuild "$repo/App/App.csproj" -getProperty:Version -nologo)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
lib=$root/usr/lib/nasdash

dotnet publish "$repo/App/App.csproj" -c Release -r linux-x64 --self-contained -nologo -v quiet \
    -p:SatelliteResourceLanguages=en -p:DebugType=none -p:GenerateDocumentationFile=false -o "$lib"
# Optional LTTng tracing provider: it would pull in liblttng-ust for nothing.
rm -f "$lib/libcoreclrtraceptprovider.so" "$lib"/appsettings*.json
# The content root's appsettings.json is the conffile (bin/nasdash sets the content root).
ln -s /etc/nasdash/appsettings.json "$lib/appsettings.json"

install -D -m 0755 "$here/nasdash" "$root/usr/bin/nasdash"
install -D -m 0644 "$here/appsettings.json" "$root/etc/nasdash/appsettings.json"
install -D -m 0644 "$here/nasdash.service" "$root/lib/systemd/system/nasdash.service"
install -D -m 0644 "$repo/App/Features/Ssh/TwoFactorWiring/sshd-2fa.conf" "$root/usr/share/nasdash/sshd-2fa.conf"
install -D -m 0644 "$here/../fail2ban/nasdash.conf" "$root/usr/share/nasdash/fail2ban/nasdash.conf"
# The PAM lines as ssh-2fa enable writes them with the packaged configuration.
data_directory=$(sed -n 's/.*"DataDirectory": *"\([^"]*\)".*/\1/p' "$here/appsettings.json")
install -d "$root/usr/share/nasdash"
sed -e "s|@DATA_DIRECTORY@|$data_directory|g" -e "s|@NASDASH_PROGRAM@|/usr/bin/nasdash|g" \
    "$repo/App/Features/Ssh/TwoFactorWiring/pam-sshd-2fa" > "$root/usr/share/nasdash/pam-sshd-2fa"
# The PAM module, in the system's multiarch PAM module directory.
pam_dir=$root/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/security
install -d "$pam_dir"
"$repo/packaging/pam/build.sh" "$pam_dir/pam_nasdash.so"
install -d "$root/usr/share/man/man8" "$root/usr/share/doc/nasdash" "$root/usr/share/lintian/overrides"
sed "s/@VERSION@/$version/" "$here/nasdash.8" | gzip -9n > "$root/usr/share/man/man8/nasdash.8.gz"
sed "s/@VERSION@/$version/" "$here/changelog" | gzip -9n > "$root/usr/share/doc/nasdash/changelog.gz"
install -m 0644 "$here/copyright" "$root/usr/share/doc/nasdash/copyright"
install -m 0644 "$here/lintian-overrides" "$root/usr/share/lintian/overrides/nasdash"

find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -exec chmod 0644 {} +
chmod 0755 "$root/usr/bin/nasdash" "$lib/NasDash" "$lib/createdump"

install -d "$root/DEBIAN" "$work/debian"
for script in postinst prerm postrm; do install -m 0755 "$here/$script" "$root/DEBIAN/$script"; done
echo /etc/nasdash/appsettings.json > "$root/DEBIAN/conffiles"
# dpkg-shlibdeps reads the package names from a debian/control.
printf 'Source: nasdash\n\nPackage: nasdash\nArchitecture: amd64\n' > "$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O -e"$lib/NasDash" "$lib"/*.so "$pam_dir/pam_nasdash.so" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$size/" -e "s/@DEPENDS@/$depends/" "$here/control" > "$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

deb="$out/nasdash_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >/dev/null
echo "$deb"
