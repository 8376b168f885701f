/* CSpawn privileges: the child's capability, securebits, no_new_privs and
 * seccomp steps, from a cspawn_privileges the parent prepared (the seccomp
 * programs already compiled to BPF there). Only system calls: no allocation,
 * no libcap, no libseccomp. Order (systemd's): bounding set and securebits
 * before setuid; ambient set, no_new_privs and the filters after it. */
#define _GNU_SOURCE 1
#include "cspawn.h"
#include <errno.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#endif

int cspawn_privileges_before_credentials(const struct cspawn_privileges *p) {
    if (p->drop_bounding) {
        for (int cap = 0; cap <= p->last_cap && cap < 64; cap++) {
            if (p->bounding & (1ULL << cap)) continue;
            if (prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0, 0, 0) < 0) return CSPAWN_STAGE_CAPABILITIES;
        }
    }
    /* keep-caps (when asked for by the parent) keeps the permitted set across
     * setuid, so that the ambient capabilities can be raised after it; the
     * kernel clears the bit again at execve. */
    if (p->set_securebits && prctl(PR_SET_SECUREBITS, (unsigned long)p->securebits, 0, 0, 0) < 0) {
        return CSPAWN_STAGE_SECUREBITS;
    }
    return CSPAWN_OK;
}

/* A capability is raised into the ambient set only if it is permitted and
 * inheritable: make the inheritable set exactly the ambient one (the
 * permitted set survived setuid through keep-caps). */
static int raise_ambient(unsigned long long ambient) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) < 0) return -1;
    data[0].inheritable = (unsigned)(ambient & 0xffffffffULL);
    data[1].inheritable = (unsigned)(ambient >> 32);
    if (syscall(SYS_capset, &header, data) < 0) return -1;
    for (int cap = 0; cap < 64; cap++) {
        if (!(ambient & (1ULL << cap))) continue;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)cap, 0, 0) < 0) return -1;
    }
    return 0;
}

int cspawn_privileges_before_exec(const struct cspawn_privileges *p) {
    if (p->ambient != 0 && raise_ambient(p->ambient) < 0) return CSPAWN_STAGE_CAPABILITIES;
    if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return CSPAWN_STAGE_NO_NEW_PRIVILEGES;
    for (int i = 0; i < p->n_programs; i++) {
        /* cspawn_seccomp_program has struct sock_fprog's layout. */
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p->programs[i], 0, 0) < 0) return CSPAWN_STAGE_SECCOMP;
    }
    return CSPAWN_OK;
}
