import Foundation
import PackagePlugin

/// Compiles `openapi.yaml` of the target that uses the plugin into that target, as
/// `OpenAPIDocument.base64`, so `breakoutd` serves its API description wherever it is installed.
/// The YAML file stays the only copy: the Swift source is generated again on every build where it
/// changed. The writing is the `embed-files` tool's, shared with EmbedMigrations; the two plugins
/// differ only in what they embed, which SwiftPM gives a build tool plugin no way to pass in.
///
/// For the same reason as EmbedMigrations, not a SwiftPM resource: on Linux a resource is a
/// folder that has to be installed beside the executable.
@main
struct EmbedOpenAPIDocument: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let document = target.directoryURL.appending(path: "openapi.yaml")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedOpenAPIDocument.swift")
        return [
            .buildCommand(
                displayName: "Embedding openapi.yaml of \(target.name)",
                executable: try context.tool(named: "embed-files").url,
                arguments: [output.path, "OpenAPIDocument.base64", document.path],
                inputFiles: [document],
                outputFiles: [output])
        ]
    }
}
