/// One build stage: its FROM and the instructions up to the next FROM.
public struct Stage: Sendable, Hashable {
  /// Position among the file's stages, from 0 (what `COPY --from=0` refers to).
  public var index: Int
  /// The FROM instruction: base image, `AS` name (lower-cased) and `--platform`, unexpanded.
  public var from: Located<From>
  public var instructions: [Located<Instruction>]

  public init(index: Int, from: Located<From>, instructions: [Located<Instruction>] = []) {
    self.index = index
    self.from = from
    self.instructions = instructions
  }

  public var name: String? { from.value.name }
  public var baseImage: String { from.value.image }
  public var platform: String? { from.value.platform }
}
