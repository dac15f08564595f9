import ContainerEngine
import Foundation

/// Docker's JSON shapes of the image endpoints (moby's `api/swagger.yaml`: `ImageSummary`, `ImageInspect`,
/// `HistoryResponseItem`, `ImageSearchResponseItem`, `ImageDeleteResponseItem`), made from the engine's public
/// values. Pure functions, so that each field can be checked against Docker's names without a server.
enum DockerImageJSON {
  /// `GET /images/json`'s item: `Created` in Unix seconds, sizes in bytes, -1 where ckit does not count
  /// (`SharedSize`, `Containers`), as dockerd answers without `shared-size=1`.
  static func summary(_ image: ImageInfo) -> [String: any Sendable] {
    [
      "Id": image.id,
      "ParentId": image.parent,
      "RepoTags": image.repoTags,
      "RepoDigests": image.repoDigests,
      "Created": Int(image.created.timeIntervalSince1970),
      "Size": image.size,
      "VirtualSize": image.size,
      "SharedSize": -1,
      "Labels": image.config.labels,
      "Containers": -1,
    ]
  }

  /// `GET /images/{name}/json`: the inspect document, `Created` in RFC 3339, `Config` as a container's.
  static func inspect(_ image: ImageInfo) -> [String: any Sendable] {
    [
      "Id": image.id,
      "RepoTags": image.repoTags,
      "RepoDigests": image.repoDigests,
      "Parent": image.parent,
      "Comment": image.comment,
      "Created": DockerTime.rfc3339(image.created),
      "DockerVersion": "",
      "Author": image.author,
      "Config": config(image.config),
      "Architecture": image.architecture,
      "Os": image.os,
      "Size": image.size,
      "VirtualSize": image.size,
      "GraphDriver": ["Name": "overlay2", "Data": [String: String]()] as [String: any Sendable],
      "RootFS": ["Type": "layers", "Layers": image.layers] as [String: any Sendable],
      "Metadata": ["LastTagTime": "0001-01-01T00:00:00Z"],
    ]
  }

  /// An image's `Config` (the `ContainerConfig` shape): the fields an image sets, the others at Docker's zero.
  static func config(_ c: ImageDefaults) -> [String: any Sendable] {
    var exposed = [String: [String: String]]()
    for port in c.exposedPorts { exposed[port] = [:] }
    return [
      "Hostname": "", "Domainname": "", "User": c.user,
      "AttachStdin": false, "AttachStdout": false, "AttachStderr": false,
      "ExposedPorts": exposed.isEmpty ? NSNull() : exposed as any Sendable,
      "Tty": false, "OpenStdin": false, "StdinOnce": false,
      "Env": c.env,
      "Cmd": c.cmd.map { $0 as any Sendable } ?? NSNull(),
      "Image": "",
      "Volumes": NSNull(),
      "WorkingDir": c.workingDir,
      "Entrypoint": c.entrypoint.map { $0 as any Sendable } ?? NSNull(),
      "OnBuild": NSNull(),
      "Labels": c.labels,
      "StopSignal": c.stopSignal.map { $0 as any Sendable } ?? NSNull(),
    ]
  }

  /// `GET /images/{name}/history`'s item: `Tags` null on the steps that have none, as dockerd sends.
  static func history(_ entry: ImageHistoryEntry) -> [String: any Sendable] {
    [
      "Id": entry.id,
      "Created": Int(entry.created.timeIntervalSince1970),
      "CreatedBy": entry.createdBy,
      "Tags": entry.tags.isEmpty ? NSNull() : entry.tags as any Sendable,
      "Size": entry.size,
      "Comment": entry.comment,
    ]
  }

  /// `GET /images/search`'s item, in the registry's own snake case.
  static func searchResult(_ result: ImageSearchResult) -> [String: any Sendable] {
    [
      "name": result.name,
      "description": result.description,
      "star_count": result.starCount,
      "is_official": result.isOfficial,
      "is_automated": result.isAutomated,
    ]
  }

  /// `DELETE /images/{name}`'s item: `{"Untagged": name}` or `{"Deleted": id}`.
  static func removal(_ removal: ImageRemoval) -> [String: any Sendable] {
    switch removal {
    case .untagged(let name): ["Untagged": name]
    case .deleted(let id): ["Deleted": id]
    }
  }

  /// `POST /images/prune`'s answer from the engine's report, whose lines are `untagged: REF` and `deleted: ID`
  /// (or Docker's capitalised `Untagged: `/`Deleted: `): `ImagesDeleted` items and `SpaceReclaimed`.
  static func prune(_ report: PruneReport) -> [String: any Sendable] {
    let items: [[String: any Sendable]] = report.deleted.compactMap { line in
      for (prefix, key) in [("untagged: ", "Untagged"), ("deleted: ", "Deleted")]
      where line.lowercased().hasPrefix(prefix) {
        return [key: String(line.dropFirst(prefix.count))]
      }
      return nil
    }
    return ["ImagesDeleted": items.isEmpty ? NSNull() : items as any Sendable, "SpaceReclaimed": report.spaceReclaimed]
  }
}
