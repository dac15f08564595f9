#!/usr/bin/env python3
"""The package's structural checks, run by scripts/test.sh after the build (each prints what it finds):

  layers      Documentation/Architecture.md's table of targets and their dependencies equals what SwiftPM reads
              from Package.swift (`swift package describe --type json`): the documented layering stays true. And
              the helpers the engine runs (ckit-monitor, ckit-init, ckit-runtime) are executable products.
  imports     every module of this package that a target's sources import is in that target's dependency list
              (an undeclared import builds only while another dependency happens to bring the module along).
  public-api  the sample tools (ckit, ckitd, ckit-runtime, dockerfile-ast), the examples (engine-worker, hello-container)
              and Tests/EngineAPITests use only public API: their sources are type-checked against the modules the build just made, with another package name, so
              every `package` declaration they reach fails to resolve (as it would from another package). Names
              each symbol reached and counts them. Also rejects `@testable import` in them.
  docs        public declarations of ContainerEngine without a doc comment, read from its symbol graph, and the
              links of its DocC catalog (ContainerEngine.docc) that do not resolve.
  names       type names that two library modules of this package both declare (a program importing both has to
              qualify them).

`check-api.py [--fatal CHECK]... [CHECK]...` runs the named checks (all by default) and exits non-zero when a
check named with `--fatal` finds anything; the others only report. Run from the package root after
`swift build --build-tests` (debug); public-api and docs read the compiler flags SwiftPM used from
.build/debug.yaml, so nothing is rebuilt.
"""

import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What must use only public API: the sample tools, the examples and the embedder's-eye test target.
PUBLIC_API_TARGETS = ["ckit", "ckitd", "ckit-runtime", "dockerfile-ast", "engine-worker", "hello-container", "EngineAPITests"]
# Whose public declarations must each carry a doc comment.
DOCUMENTED_MODULES = ["ContainerEngine"]
# The executables the engine runs beside an embedder's program.
HELPERS = ["ckit-monitor", "ckit-init", "ckit-runtime"]
LAYERS_BEGIN, LAYERS_END = "<!-- layers:begin -->", "<!-- layers:end -->"


def describe():
    out = subprocess.run(
        ["swift", "package", "describe", "--type", "json"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out[out.index("{") :])


# MARK: layers


def documented_layers():
    """Architecture.md's table between the layer markers: `| target | dependency, dependency |` rows."""
    text = open(os.path.join(ROOT, "Documentation/Architecture.md")).read()
    begin, end = text.find(LAYERS_BEGIN), text.find(LAYERS_END)
    if begin < 0 or end < begin:
        raise SystemExit(f"Architecture.md: no table between {LAYERS_BEGIN} and {LAYERS_END}")
    layers = {}
    for line in text[begin:end].splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0] or set(cells[0]) <= set("-: ") or cells[0] == "Target":
            continue
        layers[cells[0]] = sorted(d.strip().strip("`") for d in cells[1].split(",") if d.strip() and d.strip() != "-")
    return layers


def check_layers(package):
    """Every target but the tests and benchmarks, with its dependencies on this package's targets."""
    real = {
        t["name"]: sorted(t.get("target_dependencies", []))
        for t in package["targets"]
        if t["type"] != "test" and not t["path"].startswith(("Tests/", "Benchmarks/"))
    }
    documented = documented_layers()
    findings = []
    # What the engine runs beside an embedder's program must be products, so that a package depending on this one
    # can build and ship them.
    products = {p["name"] for p in package["products"] if "executable" in p["type"]}
    findings += [f"{name}: not an executable product" for name in HELPERS if name not in products]
    for name in sorted(set(real) | set(documented)):
        if name not in documented:
            findings.append(f"{name}: a target of Package.swift missing from Architecture.md's table")
        elif name not in real:
            findings.append(f"{name}: in Architecture.md's table but not a target of Package.swift")
        elif real[name] != documented[name]:
            missing = sorted(set(real[name]) - set(documented[name]))
            extra = sorted(set(documented[name]) - set(real[name]))
            findings.append(
                f"{name}: Package.swift has {', '.join(missing) or 'nothing more'}; "
                f"Architecture.md also has {', '.join(extra) or 'nothing more'}"
            )
    return findings


# MARK: imports

IMPORT = re.compile(
    r"^\s*(?:@[\w(). ]+\s+)*import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?(\w+)", re.M
)


def check_imports(package):
    """Imports of this package's own modules that the importing target does not declare."""
    modules = {t["c99name"]: t["name"] for t in package["targets"]}
    findings = []
    for target in package["targets"]:
        declared = set(target.get("target_dependencies", []))
        for source in target.get("sources", []):
            if not source.endswith(".swift"):
                continue
            path = os.path.join(target["path"], source)
            text = open(os.path.join(ROOT, path)).read()
            for module in sorted(set(IMPORT.findall(text))):
                name = modules.get(module)
                if name and name != target["name"] and name not in declared:
                    findings.append(f"{path}: imports {module}, not in {target['name']}'s dependencies")
    return findings


# MARK: public-api


def compile_args(target):
    """The swiftc arguments SwiftPM used for `target`'s module (.build/debug.yaml), or None if it was not built."""
    manifest = open(os.path.join(ROOT, ".build/debug.yaml")).read()
    block = re.search(
        r'\n  "C\.' + re.escape(target) + r'-[^-"]+-[^-"]+-[^-"]+-[^-"]+-debug\.module":\n(.*?)\n\n', manifest, re.S
    )
    if not block:
        return None
    line = next(l for l in block.group(1).splitlines() if l.strip().startswith("args:"))
    return json.loads(line.split("args:", 1)[1])


# Flags of a module build that a type-check or a symbol graph does not take (with the number of values they have).
BUILD_ONLY = {
    "-emit-dependencies": 0, "-emit-module": 0, "-emit-module-path": 1, "-output-file-map": 1, "-incremental": 0,
    "-c": 0, "-enable-batch-mode": 0, "-serialize-diagnostics": 0, "-index-store-path": 1, "-parseable-output": 0,
    "-g": 0, "-enable-testing": 0, "-Onone": 0,
}


def outside_package(args):
    """`args` as another package would compile: the package name changed, so `package` declarations are invisible."""
    out, skip = [], 0
    for i, arg in enumerate(args):
        if skip:
            skip -= 1
        elif arg in ("-Xcc", "-Xfrontend", "-Xlinker") or args[i - 1] in ("-Xcc", "-Xfrontend", "-Xlinker"):
            out.append(arg)  # passed on whole: `-Xcc -g` is not the driver's `-g`
        elif arg in BUILD_ONLY:
            skip = BUILD_ONLY[arg]
        elif re.fullmatch(r"-j\d+", arg):
            pass
        elif args[i - 1] == "-package-name":
            out.append("ckit_public_api_check")
        else:
            out.append(arg)
    return out


# A diagnostic line and the symbol its message names, for the messages a reach into `package` API produces.
DIAGNOSTIC = re.compile(r"^(.*?):(\d+):\d+: error: (.*)$")
SYMBOL = [
    re.compile(r"'([^']+)' is inaccessible due to '(?:package|internal|private|fileprivate)' protection level"),
    re.compile(r"cannot find (?:type )?'([^']+)' in scope"),
    re.compile(r"has no member '([^']+)'"),
    re.compile(r"module '[^']+' has no member named '([^']+)'"),
    re.compile(r"no such module '([^']+)'"),
    re.compile(r"'([^']+)' initializer is inaccessible"),
]


def typecheck_outside(target, sources=None):
    """(errors, {symbol: [first location, count]}) of `target`'s sources (or `sources` with its flags)
    type-checked from another package."""
    args = compile_args(target)
    if args is None:
        return None
    if sources:
        args = [a for a in args if not a.startswith("@")] + sources
    # One compiler process for the whole module (-wmo), reporting every file's errors, not only the first one's.
    command = args[:1] + ["-typecheck", "-wmo", "-continue-building-after-errors"] + outside_package(args[1:])
    run = subprocess.run(command, capture_output=True, text=True)
    errors, symbols = [], {}
    for line in (run.stdout + run.stderr).splitlines():
        m = DIAGNOSTIC.match(line)
        if not m:
            continue
        where = f"{os.path.relpath(m.group(1), ROOT) if m.group(1).startswith('/') else m.group(1)}:{m.group(2)}"
        errors.append(f"{where}: {m.group(3)}")
        # A message naming no symbol follows from one that does (an expression of an unresolved type).
        name = next((s.group(1) for p in SYMBOL if (s := p.search(m.group(3)))), "(follow-on errors)")
        symbols.setdefault(name, [where, 0])[1] += 1
    if run.returncode != 0 and not errors:
        errors.append(f"swiftc failed: {(run.stdout + run.stderr).strip()[:500]}")
        symbols["(swiftc)"] = ["", 1]
    return errors, symbols


# A reach into `package` API the check must catch, type-checked with engine-worker's flags before the real targets:
# if it passes, the check itself is broken (or LibraryEngine became public: then pick another `package` type).
PROBE = "import ContainerEngine\n_ = LibraryEngine.self\n"


def check_public_api(package):
    findings = []
    with tempfile.TemporaryDirectory() as probe_dir:
        probe = os.path.join(probe_dir, "main.swift")
        open(probe, "w").write(PROBE)
        caught = typecheck_outside("engine-worker", [probe])
        if caught is not None and "LibraryEngine" not in caught[1]:
            findings.append(f"the check did not catch LibraryEngine (package) in a probe: {caught[0][:3]}")
    by_name = {t["name"]: t for t in package["targets"]}
    targets = [t for t in PUBLIC_API_TARGETS if t in by_name]
    findings += [f"{t}: no such target" for t in PUBLIC_API_TARGETS if t not in by_name]
    # Two at a time: each is one compiler process, and the machines running the suite have two cores or more.
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = dict(zip(targets, pool.map(typecheck_outside, targets)))
    for target in targets:
        for source in by_name[target]["sources"]:
            path = os.path.join(by_name[target]["path"], source)
            for n, line in enumerate(open(os.path.join(ROOT, path)), 1):
                if re.match(r"\s*@testable\s+import", line):
                    findings.append(f"{target}: {path}:{n}: @testable import")
        result = results[target]
        if result is None:
            findings.append(f"{target}: not built (run swift build --build-tests first)")
            continue
        _, symbols = result
        for name, (where, count) in sorted(symbols.items(), key=lambda s: (s[0].startswith("("), -s[1][1], s[0])):
            findings.append(f"{target}: {name} ({count}x, first at {where})")
    return findings


# MARK: docs


def symbol_graph(module, out, access):
    """Writes `module`'s symbol graph (declarations at `access` and above) into `out`; returns an error or None."""
    args = compile_args(module)
    if args is None:
        return "not built"
    # symbolgraph-extract takes the search paths and the C flags of the module's build, not its sources.
    keep = outside_package(args[1:])
    flags = [
        value
        for i, option in enumerate(keep[:-1])
        if option in ("-I", "-target", "-module-cache-path", "-Xcc") and (i == 0 or keep[i - 1] != "-Xcc")
        for value in (option, keep[i + 1])
    ]
    run = subprocess.run(
        ["swift", "symbolgraph-extract", "-module-name", module, "-minimum-access-level", access,
         "-skip-synthesized-members", "-output-dir", out] + flags,
        capture_output=True, text=True,
    )
    return None if run.returncode == 0 else f"symbolgraph-extract failed: {run.stderr.strip()[:500]}"


def check_docs(package):
    """Public symbols of each documented module without a doc comment, from `swift symbolgraph-extract`."""
    findings = []
    for module in DOCUMENTED_MODULES:
        with tempfile.TemporaryDirectory() as out:
            error = symbol_graph(module, out, "public")
            if error:
                findings.append(f"{module}: {error}")
                continue
            for name in os.listdir(out):
                if not name.startswith(module + ".") and name != f"{module}.symbols.json":
                    continue  # extensions of other modules' types: ContainerEngine@Swift.symbols.json
                graph = json.load(open(os.path.join(out, name)))
                for symbol in graph["symbols"]:
                    if symbol.get("docComment") or symbol["accessLevel"] not in ("public", "open"):
                        continue
                    location = symbol.get("location", {})
                    uri = location.get("uri", "").removeprefix("file://")
                    line = location.get("position", {}).get("line", -1) + 1
                    title = ".".join(symbol["pathComponents"])
                    findings.append(f"{module}: {title} ({os.path.relpath(uri, ROOT) if uri else '?'}:{line})")
            # The catalog's links to symbols and articles resolve (DocC warns about each one that does not).
            path = next(t["path"] for t in package["targets"] if t["name"] == module)
            catalog = os.path.join(ROOT, path, f"{module}.docc")
            if os.path.isdir(catalog):
                docc = subprocess.run(
                    ["docc", "convert", catalog, "--additional-symbol-graph-dir", out, "--output-path",
                     os.path.join(out, "site"), "--fallback-display-name", module, "--fallback-bundle-identifier",
                     module],
                    capture_output=True, text=True,
                )
                lines = (docc.stdout + docc.stderr).splitlines()
                for n, line in enumerate(lines):
                    if line.startswith(("warning:", "error:")):
                        where = lines[n + 1].strip().removeprefix("--> ") if n + 1 < len(lines) else ""
                        findings.append(f"{module}.docc: {line} ({where})")
    return sorted(set(findings))


# MARK: names

TYPE_KINDS = ("swift.struct", "swift.enum", "swift.class", "swift.protocol", "swift.typealias", "swift.actor")


def check_names(package):
    """Type names declared (at any access level but private) by two library modules of this package: a program
    importing both must qualify them (`import enum ContainerKit.RFC3339`), and a reader confuses them."""
    libraries = sorted(t["c99name"] for t in package["targets"] if t["type"] == "library" and t["module_type"] ==
                       "SwiftTarget" and not t["path"].startswith("Tests/"))
    owners = {}
    with tempfile.TemporaryDirectory() as out:
        for module in libraries:
            if symbol_graph(module, out, "internal"):
                continue
            graph = json.load(open(os.path.join(out, f"{module}.symbols.json")))
            for symbol in graph["symbols"]:
                if symbol["kind"]["identifier"] in TYPE_KINDS and len(symbol["pathComponents"]) == 1:
                    owners.setdefault(symbol["pathComponents"][0], []).append(f"{symbol['accessLevel']} in {module}")
    return [f"{name}: {', '.join(sorted(set(where)))}" for name, where in sorted(owners.items()) if len(set(where)) > 1]


CHECKS = {
    "layers": check_layers, "imports": check_imports, "public-api": check_public_api, "docs": check_docs,
    "names": check_names,
}


def main(argv):
    fatal, names = set(), []
    it = iter(argv)
    for arg in it:
        if arg == "--fatal":
            fatal.add(next(it))
        elif arg in CHECKS:
            names.append(arg)
        else:
            raise SystemExit(__doc__)
    package = describe()
    failed = False
    for name in names or list(CHECKS):
        findings = CHECKS[name](package)
        mode = "fatal" if name in fatal else "report-only"
        print(f"check-api {name} ({mode}): {len(findings)} finding(s)")
        for f in findings:
            print(f"  {f}")
        failed |= bool(findings) and name in fatal
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
