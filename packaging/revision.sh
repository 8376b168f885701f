#!/bin/sh
# Writes .build/usher-revision.h for Sources/CUsherVersion: the version from
# packaging/VERSION and the checkout's `git describe` (or "unknown revision"
# outside a git checkout, e.g. from a tarball). Rewrites it only when it
# changes, so an unchanged revision rebuilds nothing.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
version=$(tr -d '[:space:]' < packaging/VERSION)
revision=$(git describe --always --dirty --abbrev=12 2>/dev/null || true)
header=.build/usher-revision.h
mkdir -p .build
new=$(printf '#define USHER_PACKAGE_VERSION "%s"\n' "$version")
[ -z "$revision" ] || new=$(printf '%s\n#define USHER_GIT_REVISION "%s"\n' "$new" "$revision")
if [ ! -f "$header" ] || [ "$(cat "$header")" != "$new" ]; then
    existed=$([ -f "$header" ] && echo yes || echo no)
    printf '%s\n' "$new" > "$header"
    # __has_include leaves no dependency on a header that was absent: make
    # SwiftPM recompile version.c the first time the header appears.
    [ "$existed" = yes ] || touch Sources/CUsherVersion/version.c
fi
