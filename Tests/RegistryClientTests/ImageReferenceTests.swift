import OCI
import Testing

@Suite("ImageReference")
struct ImageReferenceTests {
  @Test(
    "normalizes as docker does",
    arguments: [
      ("busybox", "docker.io/library/busybox:latest", "busybox:latest"),
      ("user/img", "docker.io/user/img:latest", "user/img:latest"),
      ("index.docker.io/library/alpine:3.20", "docker.io/library/alpine:3.20", "alpine:3.20"),
      ("docker.io/library/busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"),
      ("localhost/x", "localhost/x:latest", "localhost/x:latest"),
      ("host:5000/a/b:tag", "host:5000/a/b:tag", "host:5000/a/b:tag"),
      ("127.0.0.1:5000/busybox", "127.0.0.1:5000/busybox:latest", "127.0.0.1:5000/busybox:latest"),
      ("example.com/a/b/c", "example.com/a/b/c:latest", "example.com/a/b/c:latest"),
      ("[::1]:5000/img:v1", "[::1]:5000/img:v1", "[::1]:5000/img:v1"),
      ("a__b/c-d.e_f:v1.2-rc_3", "docker.io/a__b/c-d.e_f:v1.2-rc_3", "a__b/c-d.e_f:v1.2-rc_3"),
    ])
  func normalizes(input: String, full: String, familiar: String) throws {
    let r = try ImageReference(parsing: input)
    #expect(r.description == full)
    #expect(r.familiarDescription == familiar)
  }

  @Test func digestsAndTags() throws {
    let hex = String(repeating: "ab", count: 32)
    let byDigest = try ImageReference(parsing: "busybox@sha256:\(hex)")
    #expect(byDigest.tag == nil)
    #expect(byDigest.digest?.encoded == hex)
    #expect(byDigest.manifestReference == "sha256:\(hex)")
    #expect(byDigest.description == "docker.io/library/busybox@sha256:\(hex)")

    let both = try ImageReference(parsing: "localhost:5000/app:1.0@sha256:\(hex)")
    #expect(both.domain == "localhost:5000")
    #expect(both.path == "app")
    #expect(both.tag == "1.0")
    #expect(both.manifestReference == "sha256:\(hex)")

    let bare = try ImageReference(parsing: "busybox", defaultTag: false)
    #expect(bare.tag == nil)
    #expect(bare.description == "docker.io/library/busybox")
  }

  @Test func apiHostAndLoopback() throws {
    #expect(try ImageReference(parsing: "busybox").apiHost == "registry-1.docker.io")
    #expect(try ImageReference(parsing: "quay.io/a/b").apiHost == "quay.io")
    #expect(try ImageReference(parsing: "127.0.0.5:81/a").isLoopback)
    #expect(try ImageReference(parsing: "localhost:5000/a").isLoopback)
    #expect(try ImageReference(parsing: "[::1]:5000/a").isLoopback)
    #expect(try !ImageReference(parsing: "example.com:5000/a").isLoopback)
    #expect(try !ImageReference(parsing: "127.0.0.1.nip.io/a").isLoopback)
  }

  @Test(
    "rejects bad references with a reason",
    arguments: [
      ("", "empty reference"),
      ("Busybox", "must be lowercase"),
      ("docker.io/User/img", "must be lowercase"),
      ("busybox:", "empty tag"),
      ("busybox:-bad", "invalid tag"),
      ("busybox:\(String(repeating: "t", count: 129))", "tag must not be longer"),
      ("busybox@sha256:abc", "invalid digest"),
      ("busybox@md5:\(String(repeating: "a", count: 32))", "unsupported algorithm"),
      ("a//b", "empty path component"),
      ("-a/b", "must start and end"),
      ("a/b_", "must start and end"),
      ("a/b..c", "invalid separator"),
      ("host:port/a", "invalid port"),
      ("bad_host.com/a", "invalid registry host"),
      ("with space", "whitespace"),
      (String(repeating: "a", count: 64), "64-byte hexadecimal"),
      ("example.com/" + String(repeating: "a", count: 250), "longer than 255"),
    ])
  func rejects(input: String, reason: String) {
    do {
      let r = try ImageReference(parsing: input)
      Issue.record("parsed \(input) as \(r)")
    } catch {
      guard case .invalidReference(let s, let why) = error else {
        Issue.record("wrong error \(error)")
        return
      }
      #expect(s == input)
      #expect(why.contains(reason), "\(why)")
      #expect(error.description.contains("invalid reference format"))
    }
  }

  @Test func codableRoundTrip() throws {
    let r = try ImageReference(parsing: "127.0.0.1:5000/a/b:c")
    let data = try SpecJSON.encode([r])
    #expect(String(decoding: data, as: UTF8.self) == "[\"127.0.0.1:5000/a/b:c\"]")
    let back = try SpecJSON.decode([ImageReference].self, from: data, what: "refs")
    #expect(back == [r])
    #expect(try r.withTag("d").description == "127.0.0.1:5000/a/b:d")
  }
}
