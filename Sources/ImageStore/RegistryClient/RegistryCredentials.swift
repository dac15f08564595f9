/// What a registry accepts as identity: a user and password (or personal access token), or an OAuth2 refresh
/// token (`identitytoken` in Docker's config) exchanged at the token endpoint.
public enum RegistryCredentials: Sendable, Hashable {
  case basic(username: String, password: String)
  case identityToken(String)

  /// The user shown in messages; never the secret.
  public var username: String? {
    if case .basic(let u, _) = self { return u }
    return nil
  }
}
