// dockerfile-ast: prints BuildKit's AST dump for a Dockerfile, or the error on stderr with a non-zero exit.
// `--check` also types the file (unknown instructions and flags, argument counts, stages), as `docker build` would.
import DockerfileParser
import Foundation

var arguments = Array(CommandLine.arguments.dropFirst())
let check = arguments.first == "--check"
if check { arguments.removeFirst() }
guard arguments.count == 1 else {
  FileHandle.standardError.write(Data("usage: dockerfile-ast [--check] PATH\n".utf8))
  exit(2)
}
let path = arguments[0]
guard let data = FileManager.default.contents(atPath: path) else {
  FileHandle.standardError.write(Data("dockerfile-ast: cannot read \(path)\n".utf8))
  exit(1)
}
do {
  let tree = try SyntaxTree.parse(bytes: [UInt8](data))
  if check { _ = try Dockerfile(tree) }
  print(tree.dump())
} catch {
  FileHandle.standardError.write(Data("dockerfile-ast: \(path): \(error)\n".utf8))
  exit(1)
}
