import ContainerEngine
import Foundation

/// Docker's JSON shapes of the image endpoints (moby's `api/swagger.yaml`: `ImageSummary`, `ImageInspect`,
/// `HistoryResponseItem`, `ImageSearchResponseItem`, `ImageDeleteResponseItem`, `ImagePruneResponse`), made from the
/// engine's public values in dockerd's field order. Pure functions, so each field is checked without a server.
enum DockerImageJSON {
  /// `GET /images/json`'s item: `Created` in Unix seconds, sizes in bytes, -1 where ckit does not count
  /// (`SharedSize`, `Containers`), as dockerd answers without `shared-size=1`.
  static func summary(_ image: ImageInfo) -> JSON {
    [
      "Containers": -1,
      "Created": .number(Int64(image.created.timeIntervalSince1970)),
      "Id": .string(image.id),
      "Labels": .map(image.config.labels),
      "ParentId": .string(image.parent),
      "RepoDigests": .strings(image.repoDigests),
      "RepoTags": .strings(image.repoTags),
      "SharedSize": -1,
      "Size": .number(image.size),
      "VirtualSize": .number(image.size),
    ]
  }

  /// `GET /images/{name}/json`: the inspect document, `Created` in RFC 3339, `Config` as a container's.
  static func inspect(_ image: ImageInfo) -> JSON {
    [
      "Id": .string(image.id),
      "RepoTags": .strings(image.repoTags),
      "RepoDigests": .strings(image.repoDigests),
      "Parent": .string(image.parent),
      "Comment": .string(image.comment),
      "Created": .string(DockerTime.rfc3339(image.created)),
      "DockerVersion": "",
      "Author": .string(image.author),
      "Config": config(image.config),
      "Architecture": .string(image.architecture),
      "Os": .string(image.os),
      "Size": .number(image.size),
      "VirtualSize": .number(image.size),
      "GraphDriver": ["Data": .object([]), "Name": "overlay2"],
      "RootFS": ["Type": "layers", "Layers": .strings(image.layers)],
      "Metadata": ["LastTagTime": .string(DockerTime.zero)],
    ]
  }

  /// An image's `Config` (the `ContainerConfig` shape): the fields an image sets, the others at Docker's zero.
  static func config(_ c: ImageDefaults) -> JSON {
    [
      "Hostname": "", "Domainname": "", "User": .string(c.user),
      "AttachStdin": false, "AttachStdout": false, "AttachStderr": false,
      "ExposedPorts": c.exposedPorts.isEmpty ? .null : .object(c.exposedPorts.map { ($0, .object([])) }),
      "Tty": false, "OpenStdin": false, "StdinOnce": false,
      "Env": .strings(c.env),
      "Cmd": .strings(c.cmd),
      "Image": "",
      "Volumes": nil,
      "WorkingDir": .string(c.workingDir),
      "Entrypoint": .strings(c.entrypoint),
      "OnBuild": nil,
      "Labels": .map(c.labels),
      "StopSignal": .string(c.stopSignal),
    ]
  }

  /// `GET /images/{name}/history`'s item: `Tags` null on the steps that have none, as dockerd sends.
  static func history(_ entry: ImageHistoryEntry) -> JSON {
    [
      "Comment": .string(entry.comment),
      "Created": .number(Int64(entry.created.timeIntervalSince1970)),
      "CreatedBy": .string(entry.createdBy),
      "Id": .string(entry.id),
      "Size": .number(entry.size),
      "Tags": .strings(entry.tags.isEmpty ? nil : entry.tags),
    ]
  }

  /// `GET /images/search`'s item, in the registry's own snake case.
  static func searchResult(_ result: ImageSearchResult) -> JSON {
    [
      "description": .string(result.description),
      "is_automated": .bool(result.isAutomated),
      "is_official": .bool(result.isOfficial),
      "name": .string(result.name),
      "star_count": .number(result.starCount),
    ]
  }

  /// `DELETE /images/{name}`'s item: `{"Untagged": name}` or `{"Deleted": id}`.
  static func removal(_ removal: ImageRemoval) -> JSON {
    switch removal {
    case .untagged(let name): ["Untagged": .string(name)]
    case .deleted(let id): ["Deleted": .string(id)]
    }
  }

  /// `POST /images/prune`'s answer: the removals as `ImagesDeleted` (null when none, as dockerd) and the bytes
  /// given back.
  static func prune(_ removals: [ImageRemoval], spaceReclaimed: Int64) -> JSON {
    [
      "ImagesDeleted": removals.isEmpty ? .null : .array(removals.map(removal)),
      "SpaceReclaimed": .number(spaceReclaimed),
    ]
  }
}
