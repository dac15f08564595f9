// swift-tools-version: 6.1
// ContainerKit: an embeddable Swift library for running Linux containers.
//
// The folder tree shows the layering: `Sources/ImageStore/*` is the image side, `Sources/ContainerKit/*` the
// runtime side with ContainerEngine at its top, `Sources/Examples/*` the sample tools. Lower layers never import
// upper ones (`A <- B`: B imports A; the targets' lists below are the truth, Documentation/Architecture.md's table
// repeats them, and `scripts/check-api.py layers` fails the test command when the two differ):
//
//   system layer   CLinuxSystem  <-  LinuxSystem (blocking executor, process waiter, EINTR retries, small-file
//                  reads, mountinfo, state files' inotify watch): under both sides
//   image side     OCI, CArchive, CLayerFS  <-  LayerFS          OCI  <-  RegistryClient
//                  OCI, LayerFS, RegistryClient  <-  ImageStore    DockerfileParser (imports nothing of ours)
//   runtime side   OCI, CContainerKit, CSeccomp  <-  Namespaces    OCI  <-  Cgroups  (both on LinuxSystem)
//                  OCI, CContainerKit, Namespaces, Cgroups  <-  ContainerKit (so ckit-runtime links no image side)
//                  OCI, CNetlink  <-  ContainerNetwork
//   both sides     ContainerKit, ImageStore, DockerfileParser, LayerFS, OCI  <-  Builder
//                  Builder, ContainerKit, ImageStore, ContainerNetwork (and what they import)  <-  ContainerEngine
//                  ContainerKit, ImageStore, ContainerNetwork (and what they import)  <-  ContainerSandbox
//   executables    ckit-monitor, ckit-init: C, nothing of ours (products: an embedder ships them with its program)
//                  ContainerEngine and the modules whose public types it shows  <-  ckit
//                  ContainerEngine  <-  engine-worker;  ContainerKit, ImageStore  <-  hello-container
//                  ContainerEngine, ContainerNetwork  <-  ckitd;  ContainerKit  <-  ckit-runtime;  DockerfileParser  <-  dockerfile-ast
// The sample tools, engine-worker and Tests/EngineAPITests use public API only (`scripts/check-api.py public-api`).
import PackageDescription

/// For the modules `ckit-runtime` links. Without it, an import anywhere in the graph (swift-crypto imports Foundation)
/// makes Foundation's members visible everywhere, and one `s.contains("x")` then resolves to Foundation's overload
/// and links all of Foundation, CoreFoundation and ICU into the static binary.
let runtimePathSettings: [SwiftSetting] = [.enableUpcomingFeature("MemberImportVisibility")]

/// What ContainerEngine and ContainerSandbox both build on: the runtime (ContainerKit and the modules whose types it
/// takes), the image side (ImageStore, the registry client, layers) and networking. Each adds its own to it.
let bothSidesDependencies: [Target.Dependency] = [
  "ContainerKit", "CContainerKit", "ImageStore", "RegistryClient", "LayerFS", "CLayerFS", "ContainerNetwork", "Cgroups",
  "Namespaces", "OCI", "LinuxSystem", "CLinuxSystem",
]

/// The link of `ckit` and `ckitd`: fully static, as ckit-runtime below. Every `ckit` start paid the dynamic loader
/// for 18 shared libraries (libarchive's pulled in libxml2 and ICU) and a 36,000-entry dynamic symbol table that
/// the Swift runtime scans with `_dl_addr`: `--version` 4.3 -> 2.1 ms of CPU (Documentation/Benchmarks.md, Ckit).
/// ckit uses all of Foundation, so CoreFoundation's and ICU's archives are named; then the static archives of what
/// ckit's libarchive calls (its decoders, ACLs), and libstdc++ again after ICU. ISA-L has no static archive in
/// Debian: scripts/install-deps.sh builds one into /usr/local/lib. Not position independent (as ckit-runtime).
/// The two `--wrap`s leave crtbeginT's weak calls that register the whole .eh_frame with libgcc's unwinder
/// unresolved, so they are skipped: the unwinder then finds frames through .eh_frame_hdr, as in a dynamic
/// binary. Registered, the first unwind (pthread_exit of the main thread under dispatch_main, at the end of
/// every async command) sorted all 145,000 FDEs: 35 ms of CPU per `ckit run -d`.
/// Host names still resolve (static glibc has the files and dns NSS sources built in).
/// Release only: the flags reach CkitTests' bundle, which links swift-testing against the shared runtime.
/// ckitd is linked so too, for its resident memory (a page of a shared library counts in each process mapping it)
/// and its start; a static binary cannot load NSS modules, so it reads /etc/group itself (SocketPermissions).
let staticToolSettings: [LinkerSetting] = [
  .unsafeFlags(
    [
      "-static-executable", "-lCoreFoundation", "-l_FoundationICU", "-l_FoundationCollections",
      "-l_FoundationCShims", "-lacl", "-llzma", "-lzstd", "-llz4", "-lbz2", "-lz", "-lstdc++", "-L/usr/local/lib",
      "-Xlinker", "--eh-frame-hdr", "-Xlinker", "--wrap=__register_frame_info", "-Xlinker",
      "--wrap=__deregister_frame_info",
    ], .when(configuration: .release))
]

/// ckitd's release link, on top of `staticToolSettings`: lld with Sources/Examples/ckitd/ckitd.order (written by
/// scripts/ckitd-order.sh from a profile of start, ping, list and pull), which places the functions an idle daemon
/// has run together. The kernel maps a binary's pages in 64 KiB blocks around each fault, so spread over the 29 MiB
/// text, ~2 MiB of code kept ~13 MiB resident (issue 15, Documentation/Benchmarks.md). gold orders sections by name
/// only; lld moves the section of each symbol named, so the order is by function where the objects have a section
/// per function (the benchmarks' release build, `release_build` in scripts/bench/lib.sh, compiles everything but
/// the toolchain's archives so) and by whole object file otherwise.
/// lld leaves the `--wrap`ped weak references of crtbeginT undefined where gold makes them 0: the `--defsym`s give
/// the same 0, so the whole .eh_frame is still not registered (see `staticToolSettings`).
let ckitdLinkSettings: [LinkerSetting] = [
  .unsafeFlags(
    [
      "-use-ld=lld", "-Xlinker",
      "--symbol-ordering-file=\(Context.packageDirectory)/Sources/Examples/ckitd/ckitd.order",
      "-Xlinker", "--no-warn-symbol-ordering", "-Xlinker", "--defsym=__wrap___register_frame_info=0", "-Xlinker",
      "--defsym=__wrap___deregister_frame_info=0",
    ], .when(configuration: .release))
]

let package = Package(
  name: "ContainerKit",
  platforms: [.macOS(.v15)],
  // Each product is the target of its name.
  products: ["ContainerKit", "ImageStore", "Builder", "ContainerEngine", "DockerfileParser", "ContainerSandbox"].map {
    Product.library(name: $0, targets: [$0])
  }
    // ckit-monitor and ckit-init are what the engine runs beside an embedder's program: the per-container monitor,
    // and pid 1 of `--init` containers. Declared so that a package depending on this one can build and ship them
    // with its executable.
    + ["ckit", "ckit-runtime", "ckitd", "ckit-monitor", "ckit-init", "dockerfile-ast"].map {
      Product.executable(name: $0, targets: [$0])
    },
  dependencies: [
    .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.36.0"),
  ],
  targets: [
    // MARK: System libraries
    .systemLibrary(
      name: "CArchive", path: "Sources/ImageStore/CArchive", pkgConfig: "libarchive",
      providers: [.apt(["libarchive-dev"])]),
    .systemLibrary(
      name: "CSeccomp", path: "Sources/ContainerKit/CSeccomp", pkgConfig: "libseccomp",
      providers: [.apt(["libseccomp-dev"])]),

    // MARK: System layer (under both sides)
    // The system calls Swift's Glibc module does not show (pidfd_open, epoll, memfd_create).
    .target(
      name: "CLinuxSystem",
      path: "Sources/ContainerKit/CLinuxSystem"),
    // The one blocking executor (BlockingCall, BlockingPool) and the one process waiter (ProcessExit): in the
    // runtime path, so no Foundation.
    .target(
      name: "LinuxSystem",
      dependencies: ["CLinuxSystem"],
      path: "Sources/ContainerKit/LinuxSystem",
      swiftSettings: runtimePathSettings),

    // MARK: Image side
    .target(
      name: "OCI",
      dependencies: [.product(name: "Crypto", package: "swift-crypto")],
      path: "Sources/ImageStore/OCI",
      swiftSettings: runtimePathSettings),
    .target(
      name: "CLayerFS",
      path: "Sources/ImageStore/CLayerFS",
      linkerSettings: [.linkedLibrary("isal")]),
    .target(
      name: "LayerFS",
      dependencies: [
        "OCI", "LinuxSystem", "CLinuxSystem", "CArchive", "CLayerFS", .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "SystemPackage", package: "swift-system"),
      ],
      path: "Sources/ImageStore/LayerFS"),
    .target(
      name: "RegistryClient",
      dependencies: [
        "OCI", "LinuxSystem",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Logging", package: "swift-log"),
      ],
      path: "Sources/ImageStore/RegistryClient"),
    .target(
      name: "DockerfileParser",
      path: "Sources/ImageStore/DockerfileParser"),
    .target(
      name: "ImageStore",
      dependencies: [
        "OCI", "LinuxSystem", "LayerFS", "RegistryClient", .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Logging", package: "swift-log"),
      ],
      path: "Sources/ImageStore/ImageStore"),

    // MARK: Runtime side
    .target(
      name: "CContainerKit",
      path: "Sources/ContainerKit/CContainerKit"),
    .target(
      name: "Namespaces",
      dependencies: ["OCI", "CContainerKit", "CLinuxSystem", "LinuxSystem", "CSeccomp"],
      path: "Sources/ContainerKit/Namespaces",
      swiftSettings: runtimePathSettings),
    .target(
      name: "Cgroups",
      dependencies: ["OCI", "LinuxSystem"],
      path: "Sources/ContainerKit/Cgroups",
      swiftSettings: runtimePathSettings),
    // Not named `Network`: AsyncHTTPClient tests `#if canImport(Network)` for Apple's framework, and a module of
    // that name in the build directory makes it reach for NIOTransportServices.
    // setns/unshare for ContainerNetwork's netlink threads (hidden from Swift behind _GNU_SOURCE).
    .target(
      name: "CNetlink",
      path: "Sources/ContainerKit/CNetlink"),
    .target(
      name: "ContainerNetwork",
      dependencies: ["OCI", "LinuxSystem", "CNetlink", .product(name: "SystemPackage", package: "swift-system")],
      path: "Sources/ContainerKit/ContainerNetwork"),
    // The per-container monitor that outlives `ckit`: holds stdio, writes logs, records the exit code. C, so that
    // a thousand of them fit in the density budget.
    .executableTarget(
      name: "ckit-monitor",
      path: "Sources/ContainerKit/ckit-monitor",
      // C, but SwiftPM links every executable with the Swift runtime: a fully static link loads no shared
      // library at all when each container's monitor starts, and keeps fewer private pages per monitor.
      // `-nostartfiles` makes swiftc leave out swiftrt.o (the C start files stay), the only reference to the
      // runtime, so none of it is linked or initialised: 1 MB instead of 9.6, start 0.47 -> 0.32 ms.
      linkerSettings: [.unsafeFlags(["-static-executable", "-nostartfiles"])]),
    // pid 1 of `ckit run --init` containers (Docker's docker-init, tini): bind-mounted read-only into the container
    // and exec'd there, so it must need nothing from the container's filesystem: fully static, as ckit-monitor.
    .executableTarget(
      name: "ckit-init",
      path: "Sources/ContainerKit/ckit-init",
      linkerSettings: [.unsafeFlags(["-static-executable", "-nostartfiles"])]),
    .target(
      name: "ContainerKit",
      // Only what the runtime modules import: SwiftPM links every object file of every dependency, and each
      // brings its protocol conformance records, which the first use of every generic Codable type scans.
      dependencies: ["OCI", "LinuxSystem", "CLinuxSystem", "CContainerKit", "Namespaces", "Cgroups"],
      path: "Sources/ContainerKit/ContainerKit",
      swiftSettings: runtimePathSettings),
    .target(
      name: "Builder",
      dependencies: [
        "ContainerKit", "ImageStore", "DockerfileParser", "LayerFS", "LinuxSystem", "OCI",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOCore", package: "swift-nio"),
      ],
      path: "Sources/ContainerKit/Builder"),
    // docker-like containers for embedders: records, detached runs kept by ckit-monitor, logs, restart policies,
    // networking; ckit is its command line.
    .target(
      name: "ContainerEngine",
      dependencies: bothSidesDependencies + [
        "Builder", "CArchive", .product(name: "AsyncHTTPClient", package: "async-http-client"),
      ],
      path: "Sources/ContainerKit/ContainerEngine"),

    // A container per test: sandboxes owned by the test process (no daemon, no monitor), on the in-process runtime
    // and overlay snapshots of the image store; see Documentation/Sandbox.md.
    .target(
      name: "ContainerSandbox",
      dependencies: bothSidesDependencies + ["CNetlink"],
      path: "Sources/ContainerKit/ContainerSandbox"),

    // MARK: Sample tools
    .executableTarget(
      name: "ckit",
      dependencies: [
        "ContainerEngine", "ContainerKit", "ImageStore", "Builder", "RegistryClient", "OCI", "ContainerNetwork",
        "Cgroups", "LayerFS", "LinuxSystem", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOCore", package: "swift-nio"),
      ],
      path: "Sources/Examples/ckit",
      // Fully static: see `staticToolSettings`.
      linkerSettings: staticToolSettings),
    // Docker's Engine API on a unix socket (Documentation/ckitd.md): SwiftNIO's HTTP/1.1 server over the public
    // ContainerEngine API only, so that the docker CLI, docker-py and testcontainers drive ContainerKit.
    .executableTarget(
      name: "ckitd",
      dependencies: [
        "ContainerEngine", "ContainerNetwork", "ContainerKit", "Builder", "OCI", "RegistryClient", "LinuxSystem",
        "CLinuxSystem",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        // The websocket attach: RFC 6455's frames, and the handshake's SHA-1.
        .product(name: "NIOWebSocket", package: "swift-nio"), .product(name: "Crypto", package: "swift-crypto"),
      ],
      path: "Sources/Examples/ckitd",
      exclude: ["ckitd.order"],
      linkerSettings: staticToolSettings + ckitdLinkSettings),
    // A fully static executable (glibc, libseccomp and the Swift runtime included): loading and relocating shared
    // libraries was most of a `run true`, and even with the Swift runtime static, the dynamic loader and the 47,000
    // relative relocations of a PIE cost ~3 ms of CPU per run. Not position-independent, as Debian's runc is not
    // (gold cannot link a static PIE; lld's crashes at start). The two `-l` are FoundationEssentials' own static
    // dependencies, which modules compiled against the shared Foundation do not name for the linker.
    .executableTarget(
      name: "ckit-runtime",
      dependencies: [
        "ContainerKit", "OCI", "Cgroups", "Namespaces", "CContainerKit", "LinuxSystem",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/Examples/ckit-runtime",
      swiftSettings: runtimePathSettings,
      linkerSettings: [.unsafeFlags(["-static-executable", "-l_FoundationCollections", "-l_FoundationCShims"])]),
    .executableTarget(
      name: "hello-container",
      dependencies: ["ContainerKit", "ImageStore", "RegistryClient", "OCI"],
      path: "Sources/Examples/hello-container"),
    // The DocC article's example (ContainerEngine.docc, "A worker container per job"), built and run by the suite.
    .executableTarget(
      name: "engine-worker",
      dependencies: ["ContainerEngine"],
      path: "Sources/Examples/engine-worker"),
    .executableTarget(
      name: "dockerfile-ast",
      dependencies: ["DockerfileParser"],
      path: "Sources/Examples/dockerfile-ast"),

    // MARK: Benchmarks (run by scripts/bench.sh in release, with --scratch-path .build-bench)
    .executableTarget(
      name: "ckit-bench",
      dependencies: [
        "ContainerKit", "ImageStore", "Builder", "DockerfileParser", "RegistryClient", "LayerFS", "Cgroups",
        "Namespaces", "OCI", "ContainerEngine", "ContainerNetwork",
      ],
      path: "Benchmarks/ckit-bench"),
    .executableTarget(
      name: "sandbox-bench",
      dependencies: ["ContainerSandbox", "ImageStore"],
      path: "Benchmarks/sandbox-bench"),

    // MARK: Tests
    .target(
      name: "TestSupport",
      // CLinuxSystem for its syscall shims (pidfd_open is not visible from Swift's Glibc).
      dependencies: ["OCI", "CLinuxSystem", "LinuxSystem"],
      path: "Tests/TestSupport"),
    .testTarget(name: "OCITests", dependencies: ["OCI", "TestSupport"]),
    .testTarget(name: "LayerFSTests", dependencies: ["LayerFS", "CLayerFS", "OCI", "TestSupport"]),
    .testTarget(
      name: "RegistryClientTests", dependencies: ["RegistryClient", "ImageStore", "OCI", "TestSupport"]),
    .testTarget(
      name: "DockerfileParserTests", dependencies: ["DockerfileParser", "TestSupport"]),
    .testTarget(
      name: "ImageStoreTests", dependencies: ["ImageStore", "LayerFS", "OCI", "TestSupport"]),
    .testTarget(name: "NamespacesTests", dependencies: ["Namespaces", "CContainerKit", "OCI", "TestSupport"]),
    .testTarget(name: "NetworkTests", dependencies: ["ContainerNetwork", "OCI", "TestSupport"]),
    .testTarget(name: "CgroupsTests", dependencies: ["Cgroups", "OCI", "TestSupport"]),
    .testTarget(
      name: "ContainerKitTests",
      dependencies: ["ContainerKit", "Namespaces", "Cgroups", "ImageStore", "LinuxSystem", "OCI", "TestSupport"]),
    .testTarget(
      name: "BuilderTests",
      dependencies: ["Builder", "ContainerKit", "DockerfileParser", "ImageStore", "OCI", "TestSupport"]),
    .testTarget(
      name: "IntegrationTests", dependencies: ["ContainerKit", "ImageStore", "OCI", "TestSupport"]),
    // ckit's own logic (formatting, templates, state, argument handling) and ckit-monitor, unit-tested.
    .testTarget(
      name: "CkitTests",
      dependencies: [
        "ckit", "ContainerEngine", "ContainerNetwork", "RegistryClient", "CLayerFS", "OCI", "TestSupport",
      ]),
    // ckitd's own logic (Docker's JSON shapes, X-Registry-Auth, the build query and context), unit-tested.
    .testTarget(
      name: "CkitdTests",
      dependencies: [
        "ckitd", "Builder", "ContainerEngine", "ContainerNetwork", "TestSupport",
        .product(name: "NIOEmbedded", package: "swift-nio"),
      ]),
    .testTarget(
      name: "ContainerEngineTests",
      dependencies: ["ContainerEngine", "ContainerNetwork", "LinuxSystem", "OCI", "TestSupport"]),
    // Written as a user of the library would: ContainerSandbox and the fixtures' registry, nothing `package`.
    .testTarget(name: "ContainerSandboxTests", dependencies: ["ContainerSandbox", "Namespaces", "TestSupport"]),
    // The engine as an embedder sees it: ContainerEngine's public API and the fixtures, nothing `package`.
    .testTarget(
      name: "EngineAPITests", dependencies: ["ContainerEngine", "ContainerNetwork", "RegistryClient", "TestSupport"]),
    .testTarget(name: "LinuxSystemTests", dependencies: ["LinuxSystem", "CLinuxSystem", "TestSupport"]),
  ]
)
