/* CUsherVersion: the package version and git revision baked into usherd and
 * usherctl at build time, for --version. See version.c for where they come from. */
#ifndef USHER_VERSION_H
#define USHER_VERSION_H
/* "0.1.0 (revision 43328ac7bc7f)", or "0.1.0 (unknown revision)". */
const char *usher_version_text(void);
#endif
