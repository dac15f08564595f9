import ContainerNetwork
import Foundation
import Testing

@testable import ContainerEngine
@testable import ckitd

/// Docker's JSON shapes of the image, volume and network endpoints, field by field as moby's swagger names them.
@Suite struct ImageJSONTests {
  let image = ImageInfo(
    id: "sha256:" + String(repeating: "a", count: 64), repoTags: ["busybox:latest"],
    repoDigests: ["busybox@sha256:" + String(repeating: "b", count: 64)], created: Date(timeIntervalSince1970: 1000),
    config: ImageDefaults(cmd: ["sh"], exposedPorts: ["80/tcp"], labels: ["a": "b"]), architecture: "amd64",
    os: "linux", size: 4096, layers: ["sha256:" + String(repeating: "c", count: 64)])

  @Test func summaryHasDockersFieldsAndUnixCreated() {
    let json = DockerImageJSON.summary(image)
    #expect(json["Id"] == .string(image.id))
    #expect(json["Created"] == 1000)
    #expect(json["RepoTags"] == ["busybox:latest"])
    #expect(json["Size"] == 4096)
    #expect(json["Containers"] == -1)
    #expect(json["Labels"] == ["a": "b"])
  }

  @Test func inspectHasConfigAndRootFS() {
    let json = DockerImageJSON.inspect(image)
    #expect(json["Created"] == "1970-01-01T00:16:40Z")
    #expect(json["Config"]?["Cmd"] == ["sh"])
    #expect(json["Config"]?["Entrypoint"] == .null)
    #expect(json["Config"]?["ExposedPorts"]?["80/tcp"] == .object([]))
    #expect(json["RootFS"]?["Type"] == "layers")
    #expect(json["RootFS"]?["Layers"] == .strings(image.layers))
    #expect(json["Os"] == "linux")
  }

  @Test func historyTagsAreNullWithoutTags() {
    let entry = ImageHistoryEntry(id: "<missing>", created: Date(timeIntervalSince1970: 5), createdBy: "CMD [\"sh\"]")
    #expect(DockerImageJSON.history(entry)["Tags"] == .null)
    #expect(DockerImageJSON.history(entry)["Created"] == 5)
  }

  @Test func removalsAndPrune() {
    #expect(DockerImageJSON.removal(.untagged("busybox:latest")).serialized() == #"{"Untagged":"busybox:latest"}"#)
    #expect(DockerImageJSON.removal(.deleted("sha256:1")).serialized() == #"{"Deleted":"sha256:1"}"#)
    #expect(DockerImageJSON.prune([], spaceReclaimed: 0).serialized() == #"{"ImagesDeleted":null,"SpaceReclaimed":0}"#)
  }

  @Test func searchResultIsSnakeCase() {
    let json = DockerImageJSON.searchResult(ImageSearchResult(name: "busybox", starCount: 3, isOfficial: true))
    #expect(json["star_count"] == 3)
    #expect(json["is_official"] == true)
    #expect(json["name"] == "busybox")
  }

  @Test func volumeAndNetworks() throws {
    let volume = VolumeInfo(
      name: "v", createdAt: Date(timeIntervalSince1970: 0), labels: ["k": "v"], mountpoint: "/r/volumes/v/_data")
    #expect(DockerVolumeJSON.volume(volume)["Driver"] == "local")
    #expect(DockerVolumeJSON.list([volume])["Volumes"]?.serialized().contains(#""Name":"v""#) == true)
    #expect(try DockerNetworkJSON.list(filters: [:]).map(\.name) == ["bridge", "host", "none"])
    #expect(try DockerNetworkJSON.list(filters: ["type": ["custom"]]).isEmpty)
    #expect(try DockerNetworkJSON.list(filters: ["name": ["ho"]]).map(\.name) == ["host"])
    #expect(throws: DockerNetworkJSON.FilterError.self) { try DockerNetworkJSON.list(filters: ["bogus": ["x"]]) }
    #expect(DockerNetworkJSON.find("none")?.driver == "null")
    #expect(DockerNetworkJSON.find(String(DockerNetworkJSON.predefined[0].id.prefix(12)))?.name == "bridge")
    #expect(DockerNetworkJSON.find("nosuch") == nil)
    #expect(DockerNetworkJSON.network(DockerNetworkJSON.predefined[0])["IPAM"]?["Config"] != [])
    let subnet = try #require(DockerNetworkJSON.subnet(gateway: "10.233.7.1", prefix: 24))
    #expect("\(subnet)" == "10.233.7.0/24")
    #expect(DockerNetworkJSON.subnet(gateway: "nonsense", prefix: 24) == nil)
    let bridge = DockerNetworkJSON.network(
      DockerNetworkJSON.predefined[0], subnet: subnet,
      attached: [DockerNetworkJSON.Attached(id: "abc", name: "web", address: "10.233.7.2")])
    #expect(bridge["IPAM"]?["Config"] == [["Subnet": "10.233.7.0/24", "Gateway": "10.233.7.1"]])
    #expect(bridge["Containers"]?["abc"]?["IPv4Address"] == "10.233.7.2/24")
    #expect(bridge["Containers"]?["abc"]?["Name"] == "web")
  }
}
