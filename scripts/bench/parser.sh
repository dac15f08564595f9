#!/usr/bin/env bash
# DockerfileParser benchmark: parses a generated 1,000-instruction Dockerfile (heredocs, continuations, flags,
# variables, 100 stages) in-process and prints median CPU/wall time and allocations per parse (allocations counted
# by a small LD_PRELOAD malloc counter built here), then times the dockerfile-ast tool on the same file with
# hyperfine. No BuildKit peer runs offline on this machine (docker needs a daemon, buildctl is absent), so the
# hyperfine figures are absolute (process start included).
set -euo pipefail
cd "$(dirname "$0")/../.."
scratch=.build-bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
swift build -c release --scratch-path "$scratch" --product dockerfile-ast
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
if swift build -c release --scratch-path "$scratch" --product ckit-bench > "$tmp/build.log" 2>&1; then
  bench=("$bin/ckit-bench" parser)
else
  # ckit-bench links every module; if one of them does not build in release, measure the parser on its own,
  # compiled the way a release build compiles it (-O, whole module).
  echo "ckit-bench release build failed ($(grep -m1 'error:' "$tmp/build.log" || true)); building the parser benchmark standalone"
  swiftc -O -wmo -parse-as-library -swift-version 6 -module-name DockerfileParser -emit-module -emit-library -static \
    -emit-module-path "$tmp/DockerfileParser.swiftmodule" -o "$tmp/libDockerfileParser.a" \
    Sources/ImageStore/DockerfileParser/*.swift
  printf 'try await ParserBenchmark.run(Array(CommandLine.arguments.dropFirst()))\n' > "$tmp/main.swift"
  swiftc -O -swift-version 6 -I "$tmp" -L "$tmp" -lDockerfileParser Benchmarks/ckit-bench/ParserBenchmark.swift \
    "$tmp/main.swift" -o "$tmp/parser-bench"
  bench=("$tmp/parser-bench")
fi
cat > "$tmp/malloccount.c" <<'C'
#include <stddef.h>
#include <stdatomic.h>
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
static _Atomic unsigned long count;
#define COUNT atomic_fetch_add_explicit(&count, 1, memory_order_relaxed)
void *malloc(size_t n) { COUNT; return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { COUNT; return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { COUNT; return __libc_realloc(p, n); }
void *aligned_alloc(size_t al, size_t n) { COUNT; return __libc_memalign(al, n); }
int posix_memalign(void **out, size_t al, size_t n) {
  COUNT;
  void *p = __libc_memalign(al, n);
  if (!p) return 12;
  *out = p;
  return 0;
}
unsigned long ckit_malloc_count(void) { return atomic_load(&count); }
C
cc -shared -fPIC -O2 -o "$tmp/malloccount.so" "$tmp/malloccount.c"
LD_PRELOAD="$tmp/malloccount.so" "${bench[@]}" 1000
"${bench[@]}" 1000 --emit > "$tmp/Dockerfile"
hyperfine -N --warmup 5 --runs 50 "$bin/dockerfile-ast $tmp/Dockerfile" "$bin/dockerfile-ast --check $tmp/Dockerfile"
