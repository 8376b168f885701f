#!/usr/bin/env bash
# Builds Usher's Debian package with dpkg-deb (the Swift toolchain is not a
# Debian package, so no dpkg-buildpackage): a release build with the Swift
# runtime linked statically, a staged tree, DEBIAN/ metadata with Depends
# computed from ldd + dpkg -S. Output: .build/deb/usher_VERSION_ARCH.deb.
set -euo pipefail
umask 022

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
SWIFT=${SWIFT:-swift}
version=$(tr -d '[:space:]' < packaging/VERSION)
arch=$(dpkg --print-architecture)
out=.build/deb
stage=$out/root
deb=$out/usher_${version}_${arch}.deb
maintainer="Usher maintainers <maintainers@users.noreply.r-seed-030cd3e1.example>"

die() { echo "build.sh: fatal: $*" >&2; exit 1; }

# --static-swift-stdlib: the runtime .so files live in the toolchain
# (/opt/swift), which no Debian package provides.
build_binaries() {
    packaging/revision.sh
    for product in usherd usherctl; do
        "$SWIFT" build -c release --static-swift-stdlib --product "$product"
    done
    bin=$("$SWIFT" build -c release --static-swift-stdlib --show-bin-path)
}

# The libraries the binaries link directly (their DT_NEEDED entries), as the
# paths ldd resolves them to; libraries those pull in are their packages' job.
linked_libraries() {
    local binary needed
    for binary in "$@"; do
        ! ldd "$binary" | grep -F 'not found' || die "$binary needs a library this system does not have"
        needed=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
        ldd "$binary" | awk -v needed="$needed" '
            BEGIN { split(needed, names, "\n"); for (i in names) wanted[names[i]] = 1 }
            $2 == "=>" && ($1 in wanted) && $3 ~ /^\// { print $3 }'
    done | sort -u
}

# The Debian package owning a library; tries the path as given, its
# canonical form, and the other side of the /usr merge.
owning_package() {
    local lib=$1 candidate owner
    for candidate in "$lib" "$(readlink -f "$lib")" "${lib#/usr}" "/usr$lib"; do
        if owner=$(dpkg -S "$candidate" 2>/dev/null | head -n1); then
            echo "${owner%%:*}"
            return 0
        fi
    done
    return 1
}

compute_depends() {
    local lib package packages=(libsystemd0)
    for lib in $(linked_libraries "$@"); do
        package=$(owning_package "$lib") || die "$lib, linked by usherd or usherctl, belongs to no Debian package"
        packages+=("$package")
    done
    printf '%s\n' "${packages[@]}" | sort -u | paste -sd, | sed 's/,/, /g'
}

stage_files() {
    rm -rf "$stage"
    install -d "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/share/man/man1" "$stage/usr/share/man/man5" "$stage/usr/share/man/man8" \
        "$stage/lib/systemd/system" "$stage/usr/lib/systemd/user" "$stage/etc/usher/units" "$stage/usr/share/doc/usher"
    for binary in usherd usherctl; do
        install -m 0755 "$bin/$binary" "$stage/usr/bin/$binary"
        strip --remove-section=.comment --remove-section=.note --strip-unneeded "$stage/usr/bin/$binary"
    done
    stage_man packaging/man/usherctl.1 man1
    stage_man packaging/man/usherctl-import.1 man1
    stage_man packaging/man/usher.unit.5 man5
    stage_man packaging/man/usherd.8 man8
    install -m 0644 packaging/usherd.service "$stage/lib/systemd/system/usherd.service"
    install -m 0644 packaging/usherd-user.service "$stage/usr/lib/systemd/user/usherd.service"
    install -m 0644 packaging/deb/units-README "$stage/etc/usher/units/README"
    install -m 0644 README.md "$stage/usr/share/doc/usher/README.md"
    install -m 0644 packaging/deb/copyright "$stage/usr/share/doc/usher/copyright"
    gzip -9n < packaging/deb/changelog > "$stage/usr/share/doc/usher/changelog.gz"
    chmod 0644 "$stage/usr/share/doc/usher/changelog.gz"
}

# The page's footer carries the version from packaging/VERSION.
stage_man() {
    local page=$1 section=$2
    sed "s/\"Usher [0-9][0-9.]*\"/\"Usher $version\"/" "$page" | gzip -9n > "$stage/usr/share/man/$section/${page##*/}.gz"
    chmod 0644 "$stage/usr/share/man/$section/${page##*/}.gz"
}

write_metadata() {
    local depends size
    depends=$(compute_depends "$stage/usr/bin/usherd" "$stage/usr/bin/usherctl")
    size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
    cat > "$stage/DEBIAN/control" <<EOF
Package: usher
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $depends
Section: admin
Priority: optional
Description: socket-activation supervisor that reads systemd unit files
 usherd binds every listener of systemd-style .socket units up front and,
 on traffic, starts the paired .service with LISTEN_FDS/LISTEN_FDNAMES
 (Accept=no) or spawns one handler per connection (Accept=yes), as
 systemd 252 does, without needing systemd as PID 1. usherctl verifies
 unit files with systemd's diagnostics and shows their resolved properties.
 .
 The package installs usherd.service for the system and user managers but
 neither enables nor starts it.
EOF
    echo /etc/usher/units/README > "$stage/DEBIAN/conffiles"
    (cd "$stage" && find . -path ./DEBIAN -prune -o -type f ! -path ./etc/\* -printf '%P\0' | sort -z \
        | xargs -0 md5sum) > "$stage/DEBIAN/md5sums"
    install -m 0755 packaging/deb/postinst "$stage/DEBIAN/postinst"
    install -m 0755 packaging/deb/postrm "$stage/DEBIAN/postrm"
}

for tool in dpkg-deb readelf ldd strip gzip md5sum; do
    command -v "$tool" > /dev/null || die "$tool is missing"
done
build_binaries
stage_files
write_metadata
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb"
echo "build.sh: built $deb"
