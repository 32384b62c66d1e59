import Foundation
import PackagePlugin

/// Writes `Revision.swift` (`let graftRevision = "<git describe>"`) for the `graft` command before
/// each build, so that `graft --version` names the commit it was built from ("unknown" outside a
/// git checkout). The file is rewritten only when the revision changes, so an unchanged
/// checkout recompiles nothing.
@main
struct GraftRevision: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("Generated")
        let script = """
            mkdir -p "$2" || exit 1
            revision=$(git -C "$1" describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
            printf '/// The git revision this build was made from.\\nlet graftRevision = "%s"\\n' "$revision" > "$2/Revision.swift.new"
            if cmp -s "$2/Revision.swift.new" "$2/Revision.swift"; then rm "$2/Revision.swift.new"; else mv "$2/Revision.swift.new" "$2/Revision.swift"; fi
            """
        return [.prebuildCommand(displayName: "graft revision (git describe)",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", script, "graft-revision", context.package.directoryURL.path, output.path],
                                 outputFilesDirectory: output)]
    }
}
