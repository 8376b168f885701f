// Like systemd's check-directives: every [Socket] key of UnitFile's option
// table that the binder acts on (Listen*= and SocketUnit.options.*) must name
// a binder test that reads its effect back from the kernel, and that test must
// exist in this folder.
import XCTest
import Foundation
import UnitFile

final class KeyCoverageTests: XCTestCase {
    /// Key → the test that checks the kernel's view of it.
    static let coverage: [String: String] = [
        "ListenStream": "testIPv4StreamListenerHasReuseAddrBacklogClampedAndIsBlockingCloexec",
        "ListenDatagram": "testUDPDatagramListenerIsNotListeningAndGetsReuseAddr",
        "ListenSequentialPacket": "testSequentialPacketAndDatagramUnixListeners",
        "ListenFIFO": "testFIFOIsCreatedWithModeParentsAndPipeSize",
        "ListenSpecial": "testSpecialFileIsReadOnlyUnlessWritable",
        "ListenNetlink": "testNetlinkKobjectUeventBindsRawSocketWithGroup",
        "ListenMessageQueue": "testMessageQueueIsCreatedWithModeAndSizesAndUnlinkedOnStop",
        "ListenUSBFunction": "testUSBFunctionIsRefusedWithAClearMessage",
        "BindIPv6Only": "testBindIPv6OnlySetsV6OnlyAndRefusesIPv4Clients",
        "Backlog": "testConformanceCaseESocketOptionsReadBackAsSystemdSetThem",
        "BindToDevice": "testBindToDeviceLoSetsSoBindToDevice",
        "FreeBind": "testDeferAcceptFiveSecondsReadsBackSevenAndTOSLowDelayIsSixteen",
        "Transparent": "testDeferAcceptFiveSecondsReadsBackSevenAndTOSLowDelayIsSixteen",
        "Broadcast": "testUDPDatagramListenerIsNotListeningAndGetsReuseAddr",
        "ReusePort": "testConformanceCaseESocketOptionsReadBackAsSystemdSetThem",
        "SocketProtocol": "testSocketProtocolUDPLiteAndMPTCP",
        "KeepAlive": "testConformanceCaseESocketOptionsReadBackAsSystemdSetThem",
        "KeepAliveTimeSec": "testConformanceCaseESocketOptionsReadBackAsSystemdSetThem",
        "KeepAliveIntervalSec": "testConformanceCaseESocketOptionsReadBackAsSystemdSetThem",
        "KeepAliveProbes": "testConformanceCaseESocketOptionsReadBackAsSystemdSetThem",
        "NoDelay": "testConformanceCaseESocketOptionsReadBackAsSystemdSetThem",
        "DeferAcceptSec": "testDeferAcceptFiveSecondsReadsBackSevenAndTOSLowDelayIsSixteen",
        "TCPCongestion": "testAncillaryAndCongestionOptionsReadBack",
        "Priority": "testPriorityAloneReadsBackAsSet",
        "ReceiveBuffer": "testConformanceCaseESocketOptionsReadBackAsSystemdSetThem",
        "SendBuffer": "testDeferAcceptFiveSecondsReadsBackSevenAndTOSLowDelayIsSixteen",
        "IPTOS": "testIPTOSLowDelayNameReadsSixteen",
        "IPTTL": "testDeferAcceptFiveSecondsReadsBackSevenAndTOSLowDelayIsSixteen",
        "Mark": "testDeferAcceptFiveSecondsReadsBackSevenAndTOSLowDelayIsSixteen",
        "PassCredentials": "testSequentialPacketAndDatagramUnixListeners",
        "PassSecurity": "testSequentialPacketAndDatagramUnixListeners",
        "PassPacketInfo": "testAncillaryAndCongestionOptionsReadBack",
        "Timestamping": "testAncillaryAndCongestionOptionsReadBack",
        "PipeSize": "testFIFOIsCreatedWithModeParentsAndPipeSize",
        "MessageQueueMaxMessages": "testMessageQueueIsCreatedWithModeAndSizesAndUnlinkedOnStop",
        "MessageQueueMessageSize": "testMessageQueueIsCreatedWithModeAndSizesAndUnlinkedOnStop",
        "SocketMode": "testConformanceCaseFModesAndRemoveOnStopKeepsDirectories",
        "DirectoryMode": "testConformanceCaseFModesAndRemoveOnStopKeepsDirectories",
        "SocketUser": "testSocketUserAndGroupOwnTheNode",
        "SocketGroup": "testSocketUserAndGroupOwnTheNode",
        "Writable": "testSpecialFileIsReadOnlyUnlessWritable",
        "Symlinks": "testSymlinksPointAtTheNodeAndGoWithRemoveOnStop",
        "RemoveOnStop": "testConformanceCaseFModesAndRemoveOnStopKeepsDirectories",
        "ResolveHostNames": "testHostNameExtensionBindsEveryResolvedAddress",
    ]

    func testEveryBinderKeyInTheOptionTableHasAKernelReadBackTest() throws {
        let binderKeys = OptionTable.rows.filter { row in
            row.section == "Socket" && row.aliasOf == nil && !row.flags.contains(.unsupported)
                && (row.key.hasPrefix("Listen") || row.destination.hasPrefix("SocketUnit.options.")
                    || row.key == "ResolveHostNames")
        }.map(\.key)
        XCTAssertFalse(binderKeys.isEmpty)
        let missing = Set(binderKeys).subtracting(Self.coverage.keys)
        XCTAssertEqual(missing, [], "keys without a binder test")
        let sources = try testSources()
        for (key, test) in Self.coverage {
            XCTAssertTrue(sources.contains("func \(test)()"), "\(key): test \(test) does not exist")
        }
    }

    private func testSources() throws -> String {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".swift") }
        return try files.map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }.joined()
    }
}
