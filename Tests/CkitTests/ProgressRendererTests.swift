import ContainerEngine
import OCI
import RegistryClient
import Testing

@testable import ckit

/// The engine's translation (`LayerProgressTranslator`: docker's daemon rules) and ckit's drawing together, as a
/// pull or push shows them.
struct ProgressFeed {
  var translator: LayerProgressTranslator
  var renderer: ProgressRenderer

  init(mode: ProgressRenderer.Mode, operation: LayerProgressTranslator.Operation) {
    translator = LayerProgressTranslator(operation)
    renderer = ProgressRenderer(mode: mode)
  }

  mutating func render(_ event: LayerProgress) -> String {
    translator.translate(event).map { renderer.render($0) } ?? ""
  }
  mutating func announce(_ layers: [Descriptor]) -> String {
    translator.announce(layers).map { renderer.render($0) }.joined()
  }
  mutating func finish() -> String { translator.finish().map { renderer.render($0) }.joined() }
  func bar(_ done: Int64, _ total: Int64) -> String { renderer.bar(done, total) }
  var order: [Digest] { translator.order }
}

@Suite struct ProgressRendererTests {
  static let layer = MediaType.ociLayerGzip
  static let a = Digest(unchecked: .sha256, hex: String(repeating: "a", count: 64))
  static let b = Digest(unchecked: .sha256, hex: String(repeating: "b", count: 64))
  static let config = Digest(unchecked: .sha256, hex: String(repeating: "c", count: 64))

  static func event(_ d: Digest, _ done: Int64, _ total: Int64, _ state: LayerProgress.State) -> LayerProgress {
    LayerProgress(digest: d, mediaType: layer, bytesDone: done, bytesTotal: total, state: state)
  }

  /// A two-layer pull: `a` downloads and unpacks while `b` is already in the store.
  static let pull: [LayerProgress] = [
    event(a, 0, 3_400_000, .waiting),
    event(b, 0, 1_000, .waiting),
    LayerProgress(digest: config, mediaType: MediaType.ociConfig, bytesDone: 0, bytesTotal: 9, state: .downloading),
    event(b, 1_000, 1_000, .alreadyExists),
    event(a, 0, 3_400_000, .downloading),
    event(a, 1_200_000, 3_400_000, .downloading),
    event(a, 3_400_000, 3_400_000, .downloading),
    event(a, 3_400_000, 3_400_000, .complete),
    event(a, 3_400_000, 3_400_000, .extracting),
    event(a, 3_400_000, 3_400_000, .unpacked),
  ]

  static func frames(_ r: inout ProgressFeed, _ events: [LayerProgress]) -> [String] {
    events.map { r.render($0) }
  }

  @Test func barIsDockers() {
    let r = ProgressFeed(mode: .terminal(columns: 0), operation: .pull)
    #expect(
      r.bar(1_200_000, 3_400_000)
        == "[=================>" + String(repeating: " ", count: 33) + "]    1.2MB/3.4MB")
    #expect(r.bar(0, 2_000) == "[>                                                  ]       0B/2kB")
    #expect(r.bar(2_000, 2_000) == "[==================================================>]      2kB/2kB")
    let narrow = ProgressFeed(mode: .terminal(columns: 70), operation: .pull)
    #expect(narrow.bar(500, 1_000) == "[==========>          ]     500B/1kB")
  }

  @Test func terminalRedrawsEachLayerInPlace() {
    var r = ProgressFeed(mode: .terminal(columns: 0), operation: .pull)
    let f = Self.frames(&r, Self.pull)
    #expect(f[0] == "aaaaaaaaaaaa: Pulling fs layer\n")
    #expect(f[1] == "bbbbbbbbbbbb: Pulling fs layer\n")
    #expect(f[2] == "", "the config blob has no line")
    #expect(f[3] == "\u{1b}[1A\r\u{1b}[2Kbbbbbbbbbbbb: Already exists\r\u{1b}[1B")
    #expect(
      f[4]
        == "\u{1b}[2A\r\u{1b}[2Kaaaaaaaaaaaa: Downloading [>                                                  ]       0B/3.4MB\r\u{1b}[2B"
    )
    #expect(f[5].contains("aaaaaaaaaaaa: Downloading [=================>"))
    #expect(f[5].hasSuffix("]    1.2MB/3.4MB\r\u{1b}[2B"))
    #expect(f[6] == "\u{1b}[2A\r\u{1b}[2Kaaaaaaaaaaaa: Verifying Checksum\r\u{1b}[2B")
    #expect(f[7] == "\u{1b}[2A\r\u{1b}[2Kaaaaaaaaaaaa: Download complete\r\u{1b}[2B")
    #expect(f[8] == "\u{1b}[2A\r\u{1b}[2Kaaaaaaaaaaaa: Extracting\r\u{1b}[2B")
    #expect(f[9] == "\u{1b}[2A\r\u{1b}[2Kaaaaaaaaaaaa: Pull complete\r\u{1b}[2B")
    #expect(r.finish() == "")
    #expect(r.order == [Self.a, Self.b])
  }

  @Test func pipedIsOneLinePerStatusWithoutBars() {
    var r = ProgressFeed(mode: .plain, operation: .pull)
    let out = Self.frames(&r, Self.pull).joined() + r.finish()
    #expect(
      out == """
        aaaaaaaaaaaa: Pulling fs layer
        bbbbbbbbbbbb: Pulling fs layer
        bbbbbbbbbbbb: Already exists
        aaaaaaaaaaaa: Verifying Checksum
        aaaaaaaaaaaa: Download complete
        aaaaaaaaaaaa: Pull complete

        """)
    #expect(!out.contains("\u{1b}"))
  }

  /// A layer stored but left for the driver to unpack at first run still ends as `Pull complete`.
  @Test func finishCompletesLayersNotUnpacked() {
    var r = ProgressFeed(mode: .plain, operation: .pull)
    _ = Self.frames(&r, Array(Self.pull.prefix(8)))
    #expect(r.finish() == "aaaaaaaaaaaa: Pull complete\n")
    var t = ProgressFeed(mode: .terminal(columns: 120), operation: .pull)
    _ = Self.frames(&t, Array(Self.pull.prefix(8)))
    #expect(t.finish() == "\u{1b}[2A\r\u{1b}[2Kaaaaaaaaaaaa: Pull complete\r\u{1b}[2B")
  }

  @Test func pushWordsAreDockers() {
    var r = ProgressFeed(mode: .plain, operation: .push)
    let announced = r.announce([
      Descriptor(mediaType: Self.layer, digest: Self.a, size: 10),
      Descriptor(mediaType: Self.layer, digest: Self.b, size: 20),
    ])
    #expect(announced == "aaaaaaaaaaaa: Preparing\nbbbbbbbbbbbb: Preparing\n")
    let out = Self.frames(
      &r,
      [
        Self.event(Self.a, 10, 10, .alreadyExists), Self.event(Self.b, 0, 20, .uploading),
        Self.event(Self.b, 20, 20, .complete),
      ]
    ).joined()
    #expect(out == "aaaaaaaaaaaa: Layer already exists\nbbbbbbbbbbbb: Pushed\n")
    #expect(r.finish() == "")
    var t = ProgressFeed(mode: .terminal(columns: 0), operation: .push)
    _ = t.announce([Descriptor(mediaType: Self.layer, digest: Self.a, size: 10)])
    #expect(
      t.render(Self.event(Self.a, 5, 10, .uploading)).contains("aaaaaaaaaaaa: Pushing [=========================>"))
  }

  @Test func aLateWaitingDoesNotUndoAFinishedLayer() {
    var r = ProgressFeed(mode: .plain, operation: .pull)
    _ = r.render(Self.event(Self.a, 5, 5, .alreadyExists))
    #expect(r.render(Self.event(Self.a, 0, 5, .waiting)) == "")
  }

  /// A line never reaches the terminal's width: a wrapped line would throw the in-place redraw off by one.
  @Test func linesFitTheTerminal() {
    for columns in [40, 60, 80, 100, 120] {
      var r = ProgressFeed(mode: .terminal(columns: columns), operation: .pull)
      let frame = r.render(Self.event(Self.a, 1_234_567, 987_654_321, .downloading))
      let line = frame.trimmingCharacters(in: .newlines)
      #expect(line.count < columns, "\(columns): \(line)")
      #expect(line.hasPrefix("aaaaaaaaaaaa: Downloading ["))
    }
    var wide = ProgressFeed(mode: .terminal(columns: 120), operation: .pull)
    #expect(wide.render(Self.event(Self.a, 1, 2, .downloading)).contains(String(repeating: " ", count: 25) + "]"))
  }
}
