/* CSystemd: the parts of libsystemd that Usher uses — sd-event for the
 * daemon's loop, sd-daemon for notify and inherited fds, sd-journal for
 * logging where journald runs, sd-bus for Type=dbus's BusName= watch.
 * Nothing else is wrapped here. */
#ifndef USHER_CSYSTEMD_SHIM_H
#define USHER_CSYSTEMD_SHIM_H
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>
#endif
