// The service lifecycle under a real usherd, one behaviour per test: each
// Type= (exec, oneshot with RemainAfterExit=, forking with PIDFile= and
// guessed, dbus on a private bus), the start timeout, the watchdog's kill and
// Restart=on-watchdog, ExecStop= order and environment, ExecReload=, and usherctl kill.
import Foundation
import XCTest
import UsherSys

final class LifecycleIntegrationTests: XCTestCase {
    private func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// `NAME=value` lines of an `env` dump, as a dictionary.
    private func environment(_ path: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in read(path).split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            result[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return result
    }

    func testOneshotRunsEveryExecStartInOrderThenStaysActiveWithRemainAfterExit() throws {
        let harness = try UsherdHarness()
        let log = harness.outDirectory + "/steps"
        try harness.write("steps.service", """
            [Service]
            Type=oneshot
            RemainAfterExit=yes
            ExecStart=/bin/sh -c 'sleep 0.3; echo one >> \(log)'
            ExecStart=/bin/sh -c 'echo two >> \(log)'
            ExecStop=/bin/sh -c 'echo stop >> \(log)'
            """)
        try harness.start()
        let start = try harness.usherctl(["start", "steps.service"])
        XCTAssertEqual(start.status, 0, start.output)
        XCTAssertEqual(read(log), "one\ntwo\n", "start is answered after the last ExecStart= ended")
        XCTAssertEqual(try harness.usherctl(["is-active", "steps.service"]).output, "active\n")
        XCTAssertTrue(try harness.usherctl(["status", "steps.service"]).output.contains("active (exited)"))
        XCTAssertEqual(try harness.usherctl(["stop", "steps.service"]).status, 0)
        XCTAssertEqual(read(log), "one\ntwo\nstop\n")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testOneshotWithoutRemainAfterExitRunsExecStopAndEndsInactive() throws {
        let harness = try UsherdHarness()
        let log = harness.outDirectory + "/once"
        try harness.write("once.service", """
            [Service]
            Type=oneshot
            ExecStart=/bin/sh -c 'echo run >> \(log)'
            ExecStop=/bin/sh -c 'echo stop >> \(log)'
            """)
        try harness.start()
        XCTAssertEqual(try harness.usherctl(["start", "once.service"]).status, 0)
        try eventually("once.service to be inactive", timeout: 5) {
            (try? harness.usherctl(["is-active", "once.service"]).output) == "inactive\n"
        }
        XCTAssertEqual(read(log), "run\nstop\n")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testTypeExecFailsTheStartWhenExecveFailsAndSkipsExecStartPost() throws {
        let harness = try UsherdHarness()
        let marker = harness.outDirectory + "/post"
        let notExecutable = harness.outDirectory + "/plain-file"
        try "not a program\n".write(toFile: notExecutable, atomically: true, encoding: .utf8)
        try harness.write("broken.service", """
            [Service]
            Type=exec
            ExecStart=\(notExecutable)
            ExecStartPost=/bin/touch \(marker)
            """)
        try harness.write("fine.service", """
            [Service]
            Type=exec
            ExecStart=\(harness.probeCommand(label: "fine", "--no-serve --hold-ms 30000"))
            ExecStartPost=/bin/touch \(marker)-fine
            """)
        try harness.start()
        let broken = try harness.usherctl(["start", "broken.service"])
        XCTAssertEqual(broken.status, 1)
        XCTAssertTrue(broken.output.contains("Job for broken.service failed with result 'exit-code'"), broken.output)
        XCTAssertTrue(harness.log.contains("broken.service: Failed at step EXEC spawning \(notExecutable): Permission denied"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "ExecStartPost= waits for a successful execve")
        XCTAssertEqual(try harness.usherctl(["start", "fine.service"]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: marker + "-fine"))
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testNotifyServiceThatNeverSignalsReadyFailsWithTimeout() throws {
        let harness = try UsherdHarness()
        try harness.write("silent.service", """
            [Service]
            Type=notify
            TimeoutStartSec=700ms
            ExecStart=\(harness.probeCommand(label: "silent", "--no-serve --hold-ms 30000"))
            """)
        try harness.start()
        let began = Date()
        let start = try harness.usherctl(["start", "silent.service"])
        XCTAssertEqual(start.status, 1)
        XCTAssertTrue(start.output.contains("failed with result 'timeout'"), start.output)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(began), 0.6)
        XCTAssertTrue(harness.log.contains("silent.service: Start operation timed out. Terminating."))
        XCTAssertEqual(try harness.usherctl(["is-failed", "silent.service"]).output, "failed\n")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testExtendTimeoutKeepsAStartAliveBeyondTimeoutStartSec() throws {
        let harness = try UsherdHarness()
        try harness.write("slow.service", """
            [Service]
            Type=notify
            TimeoutStartSec=500ms
            ExecStart=\(harness.probeCommand(label: "slow", "--notify-message EXTEND_TIMEOUT_USEC=3000000 --ready-after-ms 1200 --notify --no-serve --hold-ms 30000"))
            """)
        try harness.start()
        let start = try harness.usherctl(["start", "slow.service"])
        XCTAssertEqual(start.status, 0, start.output + harness.log)
        XCTAssertFalse(harness.log.contains("timed out"))
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testWatchdogKillsASilentServiceWithSIGABRTAndRestartOnWatchdogRestartsIt() throws {
        let harness = try UsherdHarness()
        try harness.write("dog.service", """
            [Unit]
            StartLimitIntervalSec=0
            [Service]
            Type=notify
            WatchdogSec=600ms
            Restart=on-watchdog
            RestartSec=100ms
            # The Swift runtime's crash backtrace would delay the SIGABRT death by seconds.
            Environment=SWIFT_BACKTRACE=enable=no
            ExecStart=\(harness.probeCommand(label: "dog", "--notify --no-serve --watchdog-pings 3 --hold-ms 30000"))
            """)
        try harness.start()
        XCTAssertEqual(try harness.usherctl(["start", "dog.service"]).status, 0)
        try harness.waitForLog("dog.service: Watchdog timeout (limit 600ms)!", timeout: 10)
        try harness.waitForLog("dog.service: Failed with result 'watchdog'.")
        try harness.waitForLog("dog.service: Scheduled restart job, restart counter is at 1.")
        XCTAssertTrue(harness.log.contains("signal=ABRT"), "WatchdogSignal= defaults to SIGABRT")
        let reports = harness.reports(label: "dog")
        let first = try XCTUnwrap(reports.first)
        let environ = first["environ"] as? [String] ?? []
        XCTAssertTrue(environ.contains("WATCHDOG_USEC=600000"))
        XCTAssertTrue(environ.contains("WATCHDOG_PID=\(first["pid"] as? Int ?? -1)"), "\(environ)")
        try harness.waitForReport(label: "dog", count: 2)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testWatchdogTriggerFromTheServiceActsAsATimeout() throws {
        let harness = try UsherdHarness()
        try harness.write("trig.service", """
            [Service]
            NotifyAccess=main
            Environment=SWIFT_BACKTRACE=enable=no
            ExecStart=\(harness.probeCommand(label: "trig", "--no-serve --ready-after-ms 300 --notify-message STATUS=tripping\\\\nWATCHDOG=trigger --hold-ms 30000"))
            """)
        try harness.start()
        _ = try harness.usherctl(["start", "trig.service"])
        try harness.waitForLog("trig.service: Watchdog request (last status: tripping)!")
        try harness.waitForLog("trig.service: Failed with result 'watchdog'.")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testExecStopLinesRunInOrderAfterACleanSelfExitWithTheExitEnvironment() throws {
        let harness = try UsherdHarness()
        let out = harness.outDirectory
        try harness.write("quits.service", """
            [Service]
            ExecStart=/bin/sh -c 'sleep 0.2; exit 0'
            ExecStop=/bin/sh -c 'env > \(out)/stop1; echo 1 >> \(out)/order'
            ExecStop=/bin/sh -c 'echo 2 >> \(out)/order'
            ExecStopPost=/bin/sh -c 'echo post >> \(out)/order'
            """)
        try harness.write("fails.service", """
            [Service]
            ExecStart=/bin/sh -c 'exit 3'
            ExecStop=/bin/touch \(out)/fails-stop
            """)
        try harness.start()
        XCTAssertEqual(try harness.usherctl(["start", "quits.service"]).status, 0)
        try eventually("ExecStopPost= to run", timeout: 5) { self.read(out + "/order") == "1\n2\npost\n" }
        let stop = environment(out + "/stop1")
        XCTAssertEqual(stop["SERVICE_RESULT"], "success")
        XCTAssertEqual(stop["EXIT_CODE"], "exited")
        XCTAssertEqual(stop["EXIT_STATUS"], "0")
        XCTAssertNil(stop["MAINPID"], "the main process is gone")
        _ = try harness.usherctl(["start", "fails.service"])
        try harness.waitForLog("fails.service: Failed with result 'exit-code'.")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/fails-stop"), "systemd skips ExecStop= after a failure")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testExecStopOnRequestGetsMainPIDAndAFailingLineSkipsTheRest() throws {
        let harness = try UsherdHarness()
        let out = harness.outDirectory
        try harness.write("svc.service", """
            [Service]
            ExecStart=/bin/sh -c 'echo $$$$ > \(out)/main; exec sleep 600'
            ExecStop=/bin/sh -c 'env > \(out)/stop1'
            ExecStop=/bin/false
            ExecStop=/bin/touch \(out)/never
            """)
        try harness.start()
        XCTAssertEqual(try harness.usherctl(["start", "svc.service"]).status, 0)
        try eventually("main pid file", timeout: 5) { !self.read(out + "/main").isEmpty }
        let stop = try harness.usherctl(["stop", "svc.service"])
        XCTAssertEqual(stop.status, 0, stop.output)
        let environ = environment(out + "/stop1")
        XCTAssertEqual(environ["MAINPID"], read(out + "/main").trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(environ["SERVICE_RESULT"], "success")
        XCTAssertNil(environ["EXIT_CODE"], "the main process still ran")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/never"))
        XCTAssertTrue(harness.log.contains("svc.service: Control process (ExecStop=) exited, code=exited, status=1/FAILURE"))
        XCTAssertTrue(harness.log.contains("svc.service: Failed with result 'exit-code'."))
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testReloadRunsExecReloadWithMainPIDAndRefusesWhatCannotReload() throws {
        let harness = try UsherdHarness()
        let out = harness.outDirectory
        try harness.write("rel.service", """
            [Service]
            ExecStart=/bin/sh -c 'echo $$$$ > \(out)/main; exec sleep 600'
            ExecReload=/bin/sh -c 'echo $MAINPID >> \(out)/reloads'
            """)
        try harness.write("plain.service", "[Service]\nExecStart=/bin/sleep 600\n")
        try harness.start()
        let inactive = try harness.usherctl(["reload", "rel.service"])
        XCTAssertEqual(inactive.status, 1)
        XCTAssertTrue(inactive.output.contains("Unit rel.service cannot be reloaded because it is inactive."), inactive.output)
        XCTAssertEqual(try harness.usherctl(["start", "rel.service", "plain.service"]).status, 0)
        try eventually("main pid file", timeout: 5) { !self.read(out + "/main").isEmpty }
        let reload = try harness.usherctl(["reload", "rel.service"])
        XCTAssertEqual(reload.status, 0, reload.output)
        XCTAssertEqual(read(out + "/reloads"), read(out + "/main"), "ExecReload= gets $MAINPID")
        let plain = try harness.usherctl(["reload", "plain.service"])
        XCTAssertEqual(plain.status, 1)
        XCTAssertTrue(plain.output.contains("Job type reload is not applicable for unit plain.service."), plain.output)
        XCTAssertEqual(try harness.usherctl(["is-active", "rel.service"]).output, "active\n")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testForkingServiceGetsItsMainPIDFromPIDFileAndStaysActiveAfterTheParentExits() throws {
        let harness = try UsherdHarness()
        let out = harness.outDirectory
        try harness.write("forks.service", """
            [Service]
            Type=forking
            PIDFile=\(out)/forks.pid
            ExecStart=/bin/sh -c 'setsid sleep 600 >/dev/null 2>&1 & echo $$! > \(out)/forks.pid'
            """)
        try harness.start()
        XCTAssertEqual(try harness.usherctl(["start", "forks.service"]).status, 0)
        let pid = read(out + "/forks.pid").trimmingCharacters(in: .whitespacesAndNewlines)
        let status = try harness.usherctl(["status", "forks.service"]).output
        XCTAssertTrue(status.contains("active (running)"), status)
        XCTAssertTrue(status.contains("Main PID: \(pid)"), status)
        XCTAssertTrue(harness.log.contains("forks.service: Main PID is \(pid)."))
        // The daemon's own exit ends the service.
        kill(Int32(pid) ?? -1, SIGTERM)
        try eventually("forks.service to be inactive", timeout: 5) {
            (try? harness.usherctl(["is-active", "forks.service"]).output) == "inactive\n"
        }
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testForkingServiceWithoutPIDFileHasItsMainPIDGuessedAndIsStoppedByIt() throws {
        let harness = try UsherdHarness()
        let out = harness.outDirectory
        try harness.write("guess.service", """
            [Service]
            Type=forking
            ExecStart=/bin/sh -c 'setsid sleep 600 >/dev/null 2>&1 & echo $$! > \(out)/guess.pid'
            """)
        try harness.start()
        XCTAssertEqual(try harness.usherctl(["start", "guess.service"]).status, 0)
        let pid = Int32(read(out + "/guess.pid").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        XCTAssertTrue(try harness.usherctl(["status", "guess.service"]).output.contains("Main PID: \(pid)"))
        XCTAssertEqual(try harness.usherctl(["stop", "guess.service"]).status, 0)
        XCTAssertFalse(ProcessTree.isAlive(pid), "stopping signals the guessed main process")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testForkingServiceWhoseDaemonNeverWritesThePIDFileFails() throws {
        let harness = try UsherdHarness()
        try harness.write("nopid.service", """
            [Service]
            Type=forking
            PIDFile=\(harness.outDirectory)/never.pid
            ExecStart=/bin/true
            """)
        try harness.start()
        let start = try harness.usherctl(["start", "nopid.service"])
        XCTAssertEqual(start.status, 1)
        XCTAssertTrue(start.output.contains("failed with result 'protocol'"), start.output)
        XCTAssertTrue(harness.log.contains("nopid.service: Daemon never wrote its PID file. Failing."))
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testDbusServiceIsStartedWhenItsBusNameAppearsOnTheSystemBus() throws {
        let harness = try UsherdHarness()
        let bus = try PrivateBus(directory: harness.root)
        try harness.write("named.service", """
            [Service]
            Type=dbus
            BusName=org.usher.Test
            TimeoutStartSec=10
            Environment=DBUS_SYSTEM_BUS_ADDRESS=\(bus.address)
            ExecStart=\(harness.probeCommand(label: "named", "--no-serve --ready-after-ms 400 --bus-name org.usher.Test --hold-ms 30000"))
            """)
        try harness.write("nameless.service", """
            [Service]
            Type=dbus
            BusName=org.usher.Never
            TimeoutStartSec=1
            ExecStart=\(harness.probeCommand(label: "nameless", "--no-serve --hold-ms 30000"))
            """)
        try harness.start(environment: ["DBUS_SYSTEM_BUS_ADDRESS": bus.address])
        let began = Date()
        let start = try harness.usherctl(["start", "named.service"])
        XCTAssertEqual(start.status, 0, start.output + harness.log)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(began), 0.35, "not active before the name is taken")
        XCTAssertTrue(harness.log.contains("named.service: Bus name org.usher.Test acquired."))
        let never = try harness.usherctl(["start", "nameless.service"])
        XCTAssertTrue(never.output.contains("failed with result 'timeout'"), never.output)
        XCTAssertEqual(try harness.stop(), 0)
    }
}

extension LifecycleIntegrationTests {
    /// Debian's gpsd (Type=forking, no PIDFile=) from its packaged units, its
    /// listeners moved to a free port and a temp socket: its parent's exit is
    /// not the end of the service, so every client talks to the one daemon.
    func testGpsdAsDebianShipsItRunsOneDaemonForEveryClient() throws {
        let shipped = "/lib/systemd/system/"
        guard FileManager.default.fileExists(atPath: "/usr/sbin/gpsd"),
              let service = try? String(contentsOfFile: shipped + "gpsd.service", encoding: .utf8),
              let socket = try? String(contentsOfFile: shipped + "gpsd.socket", encoding: .utf8) else {
            throw XCTSkip("needs Debian's gpsd package")
        }
        let harness = try UsherdHarness()
        let port = try freePort()
        let moved = socket.split(separator: "\n", omittingEmptySubsequences: false).compactMap { line -> String? in
            switch line {
            case "ListenStream=/run/gpsd.sock": return "ListenStream=\(harness.runDirectory)/gpsd.sock"
            case "ListenStream=127.0.0.1:2947": return "ListenStream=127.0.0.1:\(port)"
            case "ListenStream=[::1]:2947": return nil
            default: return String(line)
            }
        }
        try harness.write("gpsd.socket", moved.joined(separator: "\n"))
        try harness.write("gpsd.service", service)
        try harness.start()
        for _ in 0..<3 {
            XCTAssertTrue(try Client.tcp(port: port, send: "?VERSION;\n").contains("\"class\":\"VERSION\""))
        }
        XCTAssertEqual(harness.log.components(separatedBy: "gpsd.service: Started /usr/sbin/gpsd").count - 1, 1,
                       "one gpsd for every client")
        let status = try harness.usherctl(["status", "gpsd.service"]).output
        XCTAssertTrue(status.contains("active (running)"), status)
        let main = status.split(separator: "\n").first { $0.contains("Main PID:") }
            .flatMap { Int32($0.split(separator: " ").last ?? "") } ?? -1
        XCTAssertTrue(ProcessTree.isAlive(main), status)
        XCTAssertEqual(try harness.usherctl(["stop", "gpsd.service"]).status, 0)
        XCTAssertFalse(ProcessTree.isAlive(main))
        XCTAssertEqual(try harness.stop(), 0)
    }
}

extension LifecycleIntegrationTests {
    /// Debian's avahi-daemon (Type=dbus, BusName=org.freedesktop.Avahi) from
    /// its packaged units on a private system bus: started once the name is
    /// taken, it answers avahi-resolve over D-Bus, and ExecReload= runs.
    func testAvahiAsDebianShipsItIsStartedWhenItsBusNameAppears() throws {
        let shipped = "/lib/systemd/system/"
        guard FileManager.default.fileExists(atPath: "/usr/sbin/avahi-daemon"),
              FileManager.default.fileExists(atPath: "/usr/bin/avahi-resolve"),
              let service = try? String(contentsOfFile: shipped + "avahi-daemon.service", encoding: .utf8),
              let socket = try? String(contentsOfFile: shipped + "avahi-daemon.socket", encoding: .utf8) else {
            throw XCTSkip("needs Debian's avahi-daemon and avahi-utils packages")
        }
        let harness = try UsherdHarness()
        let bus = try PrivateBus(directory: harness.root, system: true)
        try harness.write("avahi-daemon.socket", socket.replacingOccurrences(
            of: "ListenStream=/run/avahi-daemon/socket", with: "ListenStream=\(harness.runDirectory)/avahi.sock"))
        try harness.write("avahi-daemon.service", service)
        try FileManager.default.createDirectory(atPath: harness.unitDirectory + "/avahi-daemon.service.d",
                                                withIntermediateDirectories: true)
        try harness.write("avahi-daemon.service.d/bus.conf", "[Service]\nEnvironment=DBUS_SYSTEM_BUS_ADDRESS=\(bus.address)\n")
        // Debian's package enables the service (WantedBy=multi-user.target); only then does it start eagerly.
        try harness.enable("avahi-daemon.service")
        try harness.start(environment: ["DBUS_SYSTEM_BUS_ADDRESS": bus.address])
        try harness.waitForLog("avahi-daemon.service: Bus name org.freedesktop.Avahi acquired.")
        XCTAssertEqual(try harness.usherctl(["is-active", "avahi-daemon.service"]).output, "active\n")
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count)
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + ".local"
        let resolve = try runCollectingOutput("/usr/bin/avahi-resolve", ["-n", host],
                                                environment: ["DBUS_SYSTEM_BUS_ADDRESS": bus.address], timeout: 10).output
        XCTAssertTrue(resolve.hasPrefix(host), "avahi answers over the bus: \(resolve)")
        XCTAssertEqual(try harness.usherctl(["reload", "avahi-daemon.service"]).status, 0)
        XCTAssertEqual(try harness.stop(), 0)
    }
}

/// A dbus-daemon on a socket in `directory`, standing in for the system bus:
/// with the session policy (anyone may own any name), or the system one.
final class PrivateBus {
    let address: String
    private let process = Process()

    init(directory: String, system: Bool = false) throws {
        let path = directory + "/bus"
        address = "unix:path=" + path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/dbus-daemon")
        process.arguments = [system ? "--system" : "--session", "--nofork", "--nopidfile", "--address=" + address]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try eventually("dbus-daemon to listen", timeout: 5) { FileManager.default.fileExists(atPath: path) }
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
    }
}

extension LifecycleIntegrationTests {
    /// `usherctl kill` as `systemctl kill`: every process of the service gets the signal once (the
    /// main process's trap runs once though its group and its pidfd both reach it), and the
    /// signal alone: SIGSTOP leaves the processes stopped, with no SIGCONT after it.
    func testKillSendsEachProcessTheSignalOnceAndNothingElse() throws {
        let harness = try UsherdHarness()
        let out = harness.outDirectory
        try harness.write("trap.service", """
            [Service]
            ExecStart=/bin/sh -c 'echo $$$$ > \(out)/trap.pid; trap "echo usr1 >> \(out)/usr1" USR1; while :; do sleep 0.05; done'
            """)
        try harness.start()
        XCTAssertEqual(try harness.usherctl(["start", "trap.service"]).status, 0)
        try eventually("the service's pid file", timeout: 5) { !self.read(out + "/trap.pid").isEmpty }
        let pid = Int32(self.read(out + "/trap.pid").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        XCTAssertEqual(try harness.usherctl(["kill", "-s", "SIGUSR1", "trap.service"]).status, 0)
        try eventually("the trap to run", timeout: 5) { !self.read(out + "/usr1").isEmpty }
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertEqual(read(out + "/usr1"), "usr1\n", "the main process got SIGUSR1 once")

        XCTAssertEqual(try harness.usherctl(["kill", "-s", "SIGSTOP", "trap.service"]).status, 0)
        func state() -> String? {
            (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: ")").last?
                .split(separator: " ").first.map(String.init)
        }
        try eventually("the main process to stop", timeout: 5) { state() == "T" }
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(state(), "T", "no SIGCONT followed the SIGSTOP")
        XCTAssertEqual(try harness.usherctl(["kill", "-s", "SIGCONT", "trap.service"]).status, 0)
        try eventually("the main process to run again", timeout: 5) { state() != "T" }
        XCTAssertEqual(try harness.usherctl(["stop", "trap.service"]).status, 0)
        XCTAssertEqual(try harness.stop(), 0)
    }
}
