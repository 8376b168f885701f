// Loader benchmark (not a test): writes N socket+service pairs (default
// 10,000 → 20,000 files) plus drop-ins into a temp dir, then times
// UnitLoader.loadAll() from disk into typed units (first run and best of
// UNITLOAD_REPEAT, default 3). Run in release:
//   swift run -c release unitload-bench [pairs] [dropin-every]

import Foundation
import UnitFile
import UnitModel
import UsherSys

let arguments = Swift.CommandLine.arguments
let pairs = arguments.count > 1 ? Int(arguments[1]) ?? 10_000 : 10_000
let dropInEvery = arguments.count > 2 ? max(1, Int(arguments[2]) ?? 5) : 5

let root = FileManager.default.temporaryDirectory.appendingPathComponent("usher-unitload-\(UUID().uuidString)").path
try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: root) }

func write(_ relative: String, _ text: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: root + "/" + relative))
}

var dropIns = 0
for i in 0..<pairs {
    try write("app\(i).socket", """
        [Unit]
        Description=Generated socket \(i) for %n
        [Socket]
        ListenStream=127.0.0.1:\(10_000 + i % 50_000)
        ListenStream=/run/usher-bench/app\(i).sock
        Backlog=128
        KeepAlive=yes
        KeepAliveTimeSec=2min 30s
        ReceiveBuffer=256K
        SocketMode=0660
        [Install]
        WantedBy=sockets.target

        """)
    try write("app\(i).service", """
        [Unit]
        Description=Generated service \(i)
        After=network.target
        [Service]
        Type=notify
        ExecStart=/usr/bin/app --id \(i) --name %n "--quoted arg" $EXTRA
        Environment=APP_ID=\(i) MODE=bench
        Restart=on-failure
        RestartSec=250ms
        LimitNOFILE=1024:4096
        User=www-data

        """)
    if i % dropInEvery == 0 {
        try FileManager.default.createDirectory(atPath: root + "/app\(i).socket.d", withIntermediateDirectories: false)
        try write("app\(i).socket.d/10-override.conf", "[Socket]\nBacklog=256\nNoDelay=yes\n")
        dropIns += 1
    }
}
try FileManager.default.createDirectory(atPath: root + "/service.d", withIntermediateDirectories: false)
try write("service.d/50-all.conf", "[Service]\nTimeoutStopSec=20\n")

let loader = UnitLoader(directories: [root], specifiers: SpecifierContext.current(userManager: false))
let repeats = max(1, Int(ProcessInfo.processInfo.environment["UNITLOAD_REPEAT"] ?? "3") ?? 3)
var times: [TimeInterval] = []
var set = UnitSet()
for _ in 0..<repeats {
    let start = Date()
    set = loader.loadAll(run: Threads.concurrentPerform)
    times.append(Date().timeIntervalSince(start))
}
let elapsed = times[0]
let ok = set.sockets.count == pairs && set.services.count == pairs && set.refused.isEmpty
print(String(format: "unitload: %d pairs (%d unit files, %d drop-ins + 1 type-wide) loaded in %.3f s (first run; best of %d: %.3f s): %d sockets, %d services, %d diagnostics%@",
             pairs, pairs * 2, dropIns, elapsed, repeats, times.min() ?? elapsed, set.sockets.count, set.services.count,
             set.diagnostics.count, ok ? "" : " (UNEXPECTED COUNTS)"))
if !ok { exit(1) }

// Accept=yes cost: one template instantiation per connection, no file I/O.
try write("conn@.service", "[Service]\nStandardInput=socket\nExecStart=/usr/bin/handler --peer %i --unit %n\nEnvironment=ID=%i\n")
guard let template = loader.loadTemplate(UnitName("conn@.service")).0 else { exit(1) }
let instances = 10_000
let instantiateStart = Date()
for n in 0..<instances { _ = template.instantiate("\(n)-127.0.0.1:8080-127.0.0.1:\(40_000 + n % 20_000)") }
let perInstance = Date().timeIntervalSince(instantiateStart) / Double(instances)
print(String(format: "unitload: ServiceTemplate.instantiate: %.1f µs per Accept=yes instance (%d instances)", perInstance * 1e6, instances))
