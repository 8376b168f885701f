/* The version strings behind --version. `make` and packaging/deb/build.sh run
 * packaging/revision.sh first, which writes .build/usher-revision.h with the
 * version from packaging/VERSION and `git describe` of the checkout. A plain
 * `swift build` (or a tarball without .git) has no such header and says so. */
#include "usher_version.h"

#if __has_include("../../.build/usher-revision.h")
#include "../../.build/usher-revision.h"
#endif

#ifndef USHER_PACKAGE_VERSION
#define USHER_PACKAGE_VERSION "0.1.0"
#endif
#ifdef USHER_GIT_REVISION
#define USHER_VERSION_TEXT USHER_PACKAGE_VERSION " (revision " USHER_GIT_REVISION ")"
#else
#define USHER_VERSION_TEXT USHER_PACKAGE_VERSION " (unknown revision)"
#endif

const char *usher_version_text(void) { return USHER_VERSION_TEXT; }
