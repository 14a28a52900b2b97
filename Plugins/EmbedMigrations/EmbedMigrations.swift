import Foundation
import PackagePlugin

/// Compiles the migrations of the top-level `sql/` folder into the target that uses the plugin, as
/// `Migration.embedded`, so `breakoutd` carries them wherever it is installed. `sql/` stays the only
/// copy: the Swift source is generated on every build where a file there changed, was added or was
/// removed. The writing is the `embed-files` tool's, shared with EmbedOpenAPIDocument.
///
/// SwiftPM resources would not do: on Linux they are a folder beside the executable, not part of it,
/// and `Bundle.module` stops the process when that folder was not installed along.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let folder = context.package.directoryURL.appending(path: "sql")
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) migrations from sql/",
                executable: try context.tool(named: "embed-files").url,
                arguments: ["--each", output.path, "Migration.embedded"] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output])
        ]
    }
}
