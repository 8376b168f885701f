// Reads an xinetd configuration from disk as xinetd does: a file, following
// its `include FILE` and `includedir DIR` lines, or a directory read like
// `includedir` (files in C-locale order, skipping names with a '.' or ending
// in '~'). Relative include paths are taken from the including file's directory.

import FoundationEssentials

public enum XinetdReader {
    /// Every stanza reachable from `path`, in the order xinetd reads them, and the notes.
    public static func read(_ path: String) -> (stanzas: [XinetdStanza], notes: [ImportNote]) {
        var state = ReadState()
        if isDirectory(path) {
            state.readDirectory(path, from: nil)
        } else {
            state.readFile(path, from: nil)
        }
        return (state.stanzas, state.notes)
    }

    static func isDirectory(_ path: String) -> Bool {
        var directory = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory
    }

    /// The files `includedir` reads: no '.' in the name, no trailing '~', sorted bytewise.
    public static func includedFileNames(_ names: [String]) -> [String] {
        names.filter { !$0.contains(".") && !$0.hasSuffix("~") }.sorted { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }
    }

    private struct ReadState {
        var stanzas: [XinetdStanza] = []
        var notes: [ImportNote] = []
        var visited: Set<String> = []

        mutating func readFile(_ path: String, from place: ImportNote?) {
            guard visited.insert(path).inserted else {
                report(place, path, "is included more than once, ignoring the repeat")
                return
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                report(place, path, "cannot be read")
                return
            }
            let (items, parseNotes) = XinetdParser.parse(String(decoding: data, as: UTF8.self), file: path)
            notes += parseNotes
            let base = path.deletingLastPathComponent
            for item in items {
                switch item {
                case .stanza(let stanza): stanzas.append(stanza)
                case .include(let target, let line):
                    readFile(resolve(target, base), from: ImportNote(file: path, line: line, message: ""))
                case .includeDirectory(let target, let line):
                    readDirectory(resolve(target, base), from: ImportNote(file: path, line: line, message: ""))
                }
            }
        }

        mutating func readDirectory(_ path: String, from place: ImportNote?) {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
                report(place, path, "cannot be read as a directory")
                return
            }
            for name in XinetdReader.includedFileNames(names) where !XinetdReader.isDirectory(path + "/" + name) {
                readFile(path + "/" + name, from: place)
            }
        }

        mutating func report(_ place: ImportNote?, _ path: String, _ problem: String) {
            notes.append(ImportNote(file: place?.file ?? path, line: place?.line ?? 0, message: "\(path) \(problem)"))
        }

        func resolve(_ target: String, _ base: String) -> String {
            target.hasPrefix("/") ? target : base + "/" + target
        }
    }
}
