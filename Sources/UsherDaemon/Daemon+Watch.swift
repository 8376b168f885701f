// usherd --watch, performed: inotify watches on every unit directory and the
// `.d` drop-in directories in it (also those created later), and a reload once
// a burst of changes has settled (UnitWatch). A unit directory that does not
// exist is skipped, not waited for; each reload tries it again.
import Glibc
import UsherSys

extension Daemon {
    /// Watches the unit directories when --watch asks; a failure leaves usherd running without it.
    func startWatching() {
        guard options.watch else { return }
        do {
            let state = UnitWatch(inotify: try Inotify())
            state.source = try loop.addIO(fd: state.inotify.fd.raw, reporting: .unitFilesChanged, object: "inotify")
            watch = state
        } catch {
            logger.warning("Cannot watch the unit directories, reload with SIGHUP or usherctl daemon-reload: \(error)")
            return
        }
        watchUnitDirectories()
    }

    /// Watches each unit directory, and each `.d` directory in one, not watched
    /// yet: at start and before every reload (a directory missing until now or
    /// made again, one created while the kernel queue overflowed).
    func watchUnitDirectories() {
        guard let state = watch else { return }
        let watched = Set(state.directories.values)
        for directory in options.unitDirectories where watched.contains(directory) || watchDirectory(directory) {
            for name in directoryEntryNames(directory) where name.hasSuffix(".d") {
                if !watched.contains(directory + "/" + name) { watchDirectory(directory + "/" + name) }
            }
        }
    }

    /// False when `path` is missing or not a directory (IN_ONLYDIR) — fine for the default search path.
    @discardableResult
    private func watchDirectory(_ path: String) -> Bool {
        guard let state = watch else { return false }
        do {
            state.directories[try state.inotify.addWatch(path)] = path
            return true
        } catch let error as SystemError where error.errno == ENOENT || error.errno == ENOTDIR {
            logger.debug("Not watching \(path): \(error)")
        } catch {
            logger.warning("Cannot watch \(path), changes there need a daemon-reload: \(error)")
        }
        return false
    }

    /// The inotify fd is readable: notes the changes that count, watches new `.d` directories.
    func unitFilesChanged() {
        guard let state = watch else { return }
        let events: [InotifyEvent]
        do {
            events = try state.inotify.readEvents()
        } catch {
            logger.warning("Cannot read the unit directory changes, no longer watching; reloading once: \(error)")
            watch = nil
            return performWatch(.reload)
        }
        var counted = false
        for event in events {
            counted = noteChange(event, state) || counted
        }
        guard counted else { return }
        performWatch(state.debounce.changed(now: monotonicMicroseconds()))
    }

    /// Whether `event` counts as a change; watches a `.d` directory created or moved into a unit directory.
    private func noteChange(_ event: InotifyEvent, _ state: UnitWatch) -> Bool {
        if event.isOverflow { return true }
        guard let directory = state.directories[event.watch] else { return false }
        if event.isWatchGone {
            state.directories[event.watch] = nil
            return true
        }
        let arrived = event.mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0
        if arrived && event.isDirectory && event.name.hasSuffix(".d") && options.unitDirectories.contains(directory) {
            watchDirectory(directory + "/" + event.name)
        }
        return UnitWatch.counts(event.name)
    }

    /// The debounce timer fired.
    func watchDebounceElapsed() {
        guard let state = watch else { return }
        state.timer = nil
        performWatch(state.debounce.timerFired(now: monotonicMicroseconds()))
    }

    private func performWatch(_ action: WatchDebounce.Action) {
        switch action {
        case .nothing:
            return
        case .armTimer(let after):
            do {
                watch?.timer = try loop.addTimer(after: after, reporting: .watchDebounceElapsed)
            } catch {
                logger.warning("Cannot arm the --watch timer, reloading now: \(error)")
                watch?.debounce = WatchDebounce()
                performWatch(.reload)
            }
        case .reload:
            logger.notice("Unit files changed, reloading.")
            reload()
        }
    }
}
