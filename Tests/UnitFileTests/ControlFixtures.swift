// Fixed runtime snapshots for usherctl's golden tests: an active socket with
// drop-ins, counters and more log lines than status shows, an Accept=yes socket
// with more live instances than status lists, a running and an exited service,
// and a socket that failed to bind. Times are fixed (2026-12-02 04:31:00 UTC).

import ControlProtocol

enum ControlFixtures {
    /// 2026-12-02 04:31:00 UTC in microseconds.
    static let t0: UInt64 = 1_796_185_860_000_000
    static let minute: UInt64 = 60_000_000

    static var all: [UnitStatus] { [webSocket, echoSocket, webService, brokenSocket, goneService] }

    static func named(_ name: String) -> UnitStatus? { all.first { $0.id == name } }

    static var webSocket: UnitStatus {
        var unit = UnitStatus(id: "web.socket", kind: .socket, loadState: "loaded", activeState: "active",
                              subState: "listening", result: "success")
        unit.description = "Web server socket"
        unit.fragmentPath = "/etc/usher/units/web.socket"
        unit.dropInPaths = ["/etc/usher/units/web.socket.d/limits.conf", "/etc/usher/units/web.socket.d/zz-local.conf",
                            "/run/usher/units/web.socket.d/runtime.conf"]
        unit.activeEnterTimestamp = t0
        unit.listen = [ListenEntry(type: "Stream", address: "127.0.0.1:8080"), ListenEntry(type: "Stream", address: "[::]:8443")]
        unit.triggers = ["web.service"]
        unit.accept = false
        unit.nAccepted = 42
        unit.nConnections = 2
        unit.nRefused = 3
        unit.recentLog = (1...12).map {
            LogLine(timestamp: t0 + UInt64($0) * minute, unit: "web.socket", source: .usherd, priority: 6, text: "event \($0)")
        }
        return unit
    }

    static var echoSocket: UnitStatus {
        var unit = UnitStatus(id: "echo.socket", kind: .socket, loadState: "loaded", activeState: "active",
                              subState: "listening", result: "success")
        unit.description = "Echo"
        unit.fragmentPath = "/etc/usher/units/echo.socket"
        unit.activeEnterTimestamp = t0
        unit.listen = [ListenEntry(type: "Stream", address: "127.0.0.1:8481")]
        unit.triggers = ["echo@.service"]
        unit.accept = true
        unit.nAccepted = 13
        unit.nConnections = 12
        unit.nRefused = 0
        unit.instances = (1...12).map { instance($0) }
        var finished = instance(0)
        finished.exitTimestamp = t0 + minute
        finished.execMainCode = 1
        finished.execMainStatus = 0
        unit.finishedInstances = [finished]
        return unit
    }

    static func instance(_ number: Int) -> InstanceStatus {
        let peer = "127.0.0.1:\(50100 + number)"
        return InstanceStatus(id: "echo@\(number)-127.0.0.1:8481-\(peer).service", mainPID: Int32(2000 + number),
                              peer: peer, startTimestamp: t0 + UInt64(number) * minute)
    }

    static var webService: UnitStatus {
        var unit = UnitStatus(id: "web.service", kind: .service, loadState: "loaded", activeState: "active",
                              subState: "running", result: "success")
        unit.description = "Web server"
        unit.fragmentPath = "/etc/usher/units/web.service"
        unit.activeEnterTimestamp = t0 + minute
        unit.execMainStartTimestamp = t0 + minute
        unit.mainPID = 4242
        unit.nRestarts = 1
        unit.statusText = "Serving 2 clients"
        unit.triggeredBy = ["web.socket"]
        unit.recentLog = [LogLine(timestamp: t0 + minute, unit: "web.service", source: .stdout, priority: 6, text: "listening on fd 3"),
                          LogLine(timestamp: t0 + 2 * minute, unit: "web.service", source: .stderr, priority: 6, text: "GET /")]
        return unit
    }

    static var brokenSocket: UnitStatus {
        var unit = UnitStatus(id: "broken.socket", kind: .socket, loadState: "loaded", activeState: "failed",
                              subState: "failed", result: "resources")
        unit.fragmentPath = "/etc/usher/units/broken.socket"
        unit.loadError = "bind 127.0.0.1:80: Address already in use"
        unit.inactiveEnterTimestamp = t0
        unit.listen = [ListenEntry(type: "Stream", address: "127.0.0.1:80")]
        unit.triggers = ["broken.service"]
        unit.nAccepted = 0
        unit.nConnections = 0
        unit.nRefused = 0
        return unit
    }

    static var goneService: UnitStatus {
        var unit = UnitStatus(id: "gone.service", kind: .service, loadState: "loaded", activeState: "inactive",
                              subState: "dead", result: "success")
        unit.description = "Finished job"
        unit.fragmentPath = "/etc/usher/units/gone.service"
        unit.inactiveEnterTimestamp = t0 + 3 * minute
        unit.execMainStartTimestamp = t0
        unit.execMainExitTimestamp = t0 + 3 * minute
        unit.mainPID = 777
        unit.execMainCode = 1
        unit.execMainStatus = 0
        return unit
    }

    /// The answer usherd gives to a status request over these snapshots.
    static func status(_ request: ControlRequest) -> ControlResponse {
        if request.units.isEmpty { return ControlResponse(units: all) }
        var found: [UnitStatus] = []
        for name in request.units {
            guard let unit = named(name) else { return .failure(.noSuchUnit, "Unit \(name) not loaded.") }
            found.append(unit)
        }
        return ControlResponse(units: found)
    }
}
