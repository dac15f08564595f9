/// A typed Dockerfile: the ARGs before the first FROM and the stages. Values are unexpanded; see `StageExpander`
/// for what a build sees given build-args and platforms.
public struct Dockerfile: Sendable, Hashable {
  public var directives: [Directive]
  public var escapeToken: Character
  /// ARG instructions before the first FROM: usable only in FROM lines, or in a stage that redeclares them.
  public var globalArgs: [Located<[ArgDeclaration]>]
  public var stages: [Stage]
  public var warnings: [String]

  public init(
    directives: [Directive] = [], escapeToken: Character = "\\", globalArgs: [Located<[ArgDeclaration]>] = [],
    stages: [Stage], warnings: [String] = []
  ) {
    self.directives = directives
    self.escapeToken = escapeToken
    self.globalArgs = globalArgs
    self.stages = stages
    self.warnings = warnings
  }

  /// Parses and types Dockerfile text.
  public init(parsing text: String) throws(DockerfileError) {
    try self.init(try SyntaxTree.parse(text))
  }

  /// Types a syntax tree: unknown instructions, bad flags, wrong argument counts and misplaced instructions are
  /// rejected here, as BuildKit rejects them before building.
  public init(_ tree: SyntaxTree) throws(DockerfileError) {
    directives = tree.directives
    escapeToken = tree.escapeToken
    warnings = tree.warnings
    globalArgs = []
    stages = []
    var names: Set<String> = []
    for node in tree.nodes {
      let instruction = try InstructionParser.parse(node)
      let range = SourceRange(start: node.startLine, end: node.endLine)
      switch instruction {
      case .arg(let decls) where stages.isEmpty:
        globalArgs.append(Located(decls, range: range, original: node.original))
      case .from(let from):
        if let n = from.name {
          if names.contains(n) {
            throw DockerfileError(
              line: node.startLine, endLine: node.endLine, instruction: "FROM", reason: .duplicateStageName(n))
          }
          names.insert(n)
        }
        stages.append(Stage(index: stages.count, from: Located(from, range: range, original: node.original)))
      default:
        guard !stages.isEmpty else {
          throw DockerfileError(
            line: node.startLine, endLine: node.endLine, instruction: instruction.keyword, reason: .noBuildStage)
        }
        stages[stages.count - 1].instructions.append(Located(instruction, range: range, original: node.original))
      }
    }
    if stages.isEmpty { throw DockerfileError(line: 0, reason: .noStages) }
  }

  /// Stages this stage needs built first: its FROM when it names another stage, `COPY --from` and
  /// `RUN --mount=from=` references (by name or index). Unresolved names are images or contexts, not stages.
  /// Call on the expanded form when references use variables.
  public func dependencies(of stage: Stage) -> [Int] {
    var refs: [String] = []
    if stage.baseImage.lowercased() != "scratch" { refs.append(stage.baseImage) }
    for located in stage.instructions {
      switch located.value {
      case .copy(let c): if let f = c.from { refs.append(f) }
      case .run(let r): refs += r.mounts.compactMap(\.from)
      default: break
      }
    }
    var out: [Int] = []
    for r in refs {
      // FROM only names stages by name; an index there is an image reference.
      guard let s = self.stage(named: r), s.index != stage.index, !out.contains(s.index) else { continue }
      if r == stage.baseImage && Int(r) != nil { continue }
      out.append(s.index)
    }
    return out
  }

  /// The stage a `--from`/`FROM` reference names: a stage name (case-insensitive) or an index.
  public func stage(named reference: String) -> Stage? {
    let lower = reference.lowercased()
    if let s = stages.first(where: { $0.name == lower }) { return s }
    if let i = Int(reference), i >= 0, i < stages.count { return stages[i] }
    return nil
  }
}
