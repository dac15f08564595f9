import OCI

extension ImageStore {
  /// Records that image `id` is `repoDigest` (`repository@sha256:…`) in a registry: what docker's `RepoDigests`
  /// lists, learnt only at a pull or a push (a manifest's digest in one registry is not derivable locally).
  public func addRepoDigest(_ repoDigest: String, to id: Digest) async throws(ImageStoreError) {
    let path = recordsPath
    try await StoreLock.with(root) { () throws(ImageStoreError) in
      var r = try JSONFile.read(ImageRecords.self, path) ?? ImageRecords()
      var all = r.repoDigests ?? [:]
      // One digest per repository: a newer pull or push of the same repository replaces the older.
      let repository = repoDigest.split(separator: "@").first.map(String.init) ?? repoDigest
      var list = (all[id.description] ?? []).filter { !$0.hasPrefix(repository + "@") }
      list.append(repoDigest)
      all[id.description] = list.sorted()
      r.repoDigests = all
      try JSONFile.write(r, path)
    }
  }

  /// The `repository@digest` references image `id` was pulled by or pushed as, sorted; empty for an image that was
  /// built, loaded or imported and never pushed.
  public func repoDigests(of id: Digest) throws(ImageStoreError) -> [String] {
    try records().repoDigests?[id.description] ?? []
  }
}

extension ImageStore {
  /// Forgets the repository digests of image `id` (it is being deleted) and returns them, for docker's `Untagged:
  /// busybox@sha256:…` lines.
  public func removeRepoDigests(of id: Digest) async throws(ImageStoreError) -> [String] {
    let path = recordsPath
    return try await StoreLock.with(root) { () throws(ImageStoreError) -> [String] in
      var r = try JSONFile.read(ImageRecords.self, path) ?? ImageRecords()
      guard let removed = r.repoDigests?.removeValue(forKey: id.description) else { return [] }
      try JSONFile.write(r, path)
      return removed
    }
  }
}
