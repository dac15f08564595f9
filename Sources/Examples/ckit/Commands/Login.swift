import ArgumentParser
import ContainerEngine
import Foundation

struct Login: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "login", abstract: "Authenticate to a registry")
  @OptionGroup var global: GlobalOptions
  @Option(name: .shortAndLong, help: "Username") var username: String?
  @Option(name: .shortAndLong, help: "Password") var password: String?
  @Flag(name: .customLong("password-stdin"), help: "Take the password from stdin") var passwordStdin = false
  @Argument(help: "[SERVER]") var server: String = "docker.io"

  func run() async throws {
    guard let username, !username.isEmpty else {
      throw CkitError.invalidArgument("Username is required (-u); interactive login is not supported")
    }
    var secret = password ?? ""
    if passwordStdin {
      guard password == nil else {
        throw CkitError.invalidArgument("--password and --password-stdin are mutually exclusive")
      }
      secret = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        .trimmingCharacters(in: .newlines)
    }
    guard !secret.isEmpty else { throw CkitError.invalidArgument("Password is required") }
    print(try await global.engine().login(registry: server, username: username, password: secret))
  }
}

struct Logout: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "logout", abstract: "Log out from a registry")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "[SERVER]") var server: String = "docker.io"

  func run() async throws {
    let had = try await global.engine().logout(registry: server)
    print(had ? "Removing login credentials for \(server)" : "Not logged in to \(server)")
  }
}
