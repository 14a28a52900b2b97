import Foundation

/// `embed-migrations OUTPUT FILE...`: writes a Swift source that defines `Migration.embedded`, the
/// given SQL files in order, each as base64 (no escaping to get wrong). Run by the EmbedMigrations
/// build plugin; it owns nothing else and must not be shipped.
let arguments = Array(CommandLine.arguments.dropFirst())
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: embed-migrations OUTPUT FILE...\n".utf8))
    exit(64)
}
var source = """
    // Generated at build time from sql/ by the EmbedMigrations plugin. Do not edit.

    extension Migration {
        /// The migrations of sql/, in order, as compiled into this build.
        static let embedded: [Migration] = [

    """
for path in arguments.dropFirst() {
    let url = URL(fileURLWithPath: path)
    let data = try Data(contentsOf: url)
    guard String(data: data, encoding: .utf8) != nil else {
        FileHandle.standardError.write(Data("\(path) is not UTF-8\n".utf8))
        exit(65)
    }
    source += "        Migration(name: \"\(url.lastPathComponent)\", base64: \"\(data.base64EncodedString())\"),\n"
}
source += "    ]\n}\n"
try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
