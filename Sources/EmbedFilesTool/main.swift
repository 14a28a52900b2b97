import Foundation

/// `embed-files OUTPUT TYPE.PROPERTY FILE` or `embed-files --each OUTPUT TYPE.PROPERTY FILE...`:
/// writes a Swift source that extends TYPE with the bytes of the given files as base64 (no escaping
/// to get wrong). With one file, `static let PROPERTY: String` holds its bytes. With `--each`,
/// `static let PROPERTY: [TYPE]` holds `TYPE(name:base64:)` for each file in the order given, named
/// by its file name. Run by the build plugins EmbedMigrations and EmbedOpenAPIDocument; it owns
/// nothing else and must not be shipped.
let usage = "usage: embed-files [--each] OUTPUT TYPE.PROPERTY FILE...\n"

func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data(message.utf8))
    exit(status)
}

/// The file's bytes as base64; only UTF-8 text is embedded, since every reader decodes it as such.
func base64(of path: String) throws -> String {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    guard String(data: data, encoding: .utf8) != nil else { fail("\(path) is not UTF-8\n", status: 65) }
    return data.base64EncodedString()
}

var arguments = Array(CommandLine.arguments.dropFirst())
let each = arguments.first == "--each"
if each { arguments.removeFirst() }
guard arguments.count >= 3, each || arguments.count == 3 else { fail(usage, status: 64) }
let output = arguments[0]
let name = arguments[1].split(separator: ".")
guard name.count == 2 else { fail(usage, status: 64) }
let (type, property) = (name[0], name[1])
let files = Array(arguments.dropFirst(2))
let fileNames = files.map { URL(fileURLWithPath: $0).lastPathComponent }

var source = """
    // Generated at build time by embed-files from \(fileNames.joined(separator: ", ")). Do not edit.

    extension \(type) {

    """
if each {
    source += "    /// One per file, in the order above, as compiled into this build.\n"
    source += "    static let \(property): [\(type)] = [\n"
    for (path, fileName) in zip(files, fileNames) {
        source += "        \(type)(name: \"\(fileName)\", base64: \"\(try base64(of: path))\"),\n"
    }
    source += "    ]\n"
} else {
    source += "    /// The bytes of \(fileNames[0]), as compiled into this build.\n"
    source += "    static let \(property): String = \"\(try base64(of: files[0]))\"\n"
}
source += "}\n"
try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
