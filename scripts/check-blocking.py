#!/usr/bin/env python3
"""Rejects blocking calls in `async` functions: an async function runs on Swift's cooperative pool (two threads on
a small machine), so one `waitpid` there stalls every task of the process (issues #14, #18). Blocking work goes
through `BlockingCall.run { ... }` (LinuxSystem's pool), process exits through `ProcessExit`, helper programs
through `ToolProcess`.

Usage: scripts/check-blocking.py [DIR...]   (default: the library's modules, Sources but Sources/Examples;
LinuxSystem, the executor itself, is always skipped). The sample tools are left out by default: a command owns its
process and may block its one task on its own stdin (ckit's `login --password-stdin`); what they share with
embedders is in the library, and is checked.

What it checks: in the body of every function, initializer or accessor declared `async`, a call of `waitpid(`,
`wait4(`, `waitid(`, `Process(`, `waitUntilExit(`, `readDataToEndOfFile(`, `flock(`, `usleep(`, `nanosleep(`, `sleep(`,
`poll(`, or a bare `read(` (the system call; `x.read(` is a method and not checked), outside the closures handed to
`BlockingCall.run` or a pool's `submit`. Other closures (`withUnsafeBytes`, `map`) run in place and are checked.
Process waits (`waitpid`, `wait4`, `waitid`, `waitUntilExit`) are rejected inside pool closures too: they go to
`ProcessExit`, which holds no thread.
A nested function that is not `async` is its own scope and is not checked: a synchronous function may block (it
says so in its doc comment, and its async callers hand it to the pool).

Limits (a lexical check, not a type checker):
- It sees calls by name only: a synchronous helper that blocks, called from an async function, is not caught
  (the helper itself is synchronous, so allowed); nor is blocking hidden behind a protocol or a closure variable.
- A `read(` on a non-blocking fd or a regular file is flagged like one on a pipe: mark a line that is known not
  to block with `// nonblocking: <why>` and it is accepted.
- Closures in an async function that escape to another thread (a `Thread`, a dispatch queue) are still treated
  as part of the function: move such work to `BlockingCall.run`.
- `Task { ... }` bodies and other async closures inside synchronous functions are not checked.
- String interpolations that hold string literals (`"\\(a ? "x" : "y")"`) end the literal early for this scanner;
  a blocking call name inside one could be reported.
"""

import os
import re
import sys

BANNED = re.compile(
    r"(?<![\w.])(waitpid|wait4|waitid|flock|usleep|nanosleep|sleep|poll|read)\s*\("
    r"|(?<![\w.])Process\s*\("
    r"|\.(waitUntilExit|readDataToEndOfFile)\s*\("
)
PROCESS_WAIT = re.compile(r"(waitpid|wait4|waitid|waitUntilExit)\b")
DECL = re.compile(r"(?<![.\w])(func|init|get)\b")
MARK = "// nonblocking:"


def strip(text):
    """The source with comments and string literals blanked (newlines kept), and the lines marked nonblocking."""
    out = []
    marked = set()
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if text.startswith(MARK, i):
            marked.add(line)
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
            continue
        end = None
        if text.startswith("/*", i):
            depth, end = 1, i + 2
            while end < n and depth:
                if text.startswith("/*", end):
                    depth, end = depth + 1, end + 2
                elif text.startswith("*/", end):
                    depth, end = depth - 1, end + 2
                else:
                    end += 1
        elif c == '"':
            quote = '"""' if text.startswith('"""', i) else '"'
            end = i + len(quote)
            while end < n and not text.startswith(quote, end):
                end += 2 if text[end] == "\\" else 1
            end = min(n, end + len(quote))
        if end is not None:
            chunk = text[i:end]
            line += chunk.count("\n")
            out.append(re.sub(r"[^\n]", " ", chunk))
            i = end
            continue
        if c == "\n":
            line += 1
        out.append(c)
        i += 1
    return "".join(out), marked


def check(path):
    text, marked = strip(open(path, encoding="utf-8").read())
    problems = []
    # A stack of scopes, one per open brace: (in an async function, handed to the pool, function name).
    stack = []
    line = 1
    last_brace = 0
    for i, c in enumerate(text):
        if c == "\n":
            line += 1
        elif c == "{":
            header = text[last_brace:i]
            parent_async = stack[-1][0] if stack else False
            parent_exempt = stack[-1][1] if stack else False
            name = stack[-1][2] if stack else ""
            decl = None
            for m in DECL.finditer(header):
                decl = m
            is_async, exempt = parent_async, parent_exempt
            if decl and decl.group(1) in ("func", "init") and "(" in header[decl.start():]:
                sig = header[decl.start():]
                is_async = bool(re.search(r"\)\s*[^{]*\basync\b", sig))
                name = sig.split("(")[0].strip()
                exempt = False
            elif decl and decl.group(1) == "get" and re.search(r"\bget\s+async\b", header[decl.start():]):
                is_async, exempt = True, False
            if re.search(r"(BlockingCall\.run|\.submit)\s*(\([^()]*\))?\s*$", header.rstrip()):
                exempt = True
            stack.append((is_async, exempt, name))
            last_brace = i + 1
        elif c == "}":
            if stack:
                stack.pop()
            last_brace = i + 1
        elif c == ";":
            last_brace = i + 1
        m = BANNED.match(text, i) if c.isalpha() or c == "." else None
        # A process wait is rejected on the pool too: it would hold a bounded pool's thread for as long as the
        # process lives, and deadlock it when the exit waits for work queued behind it.
        waits = bool(m) and bool(PROCESS_WAIT.match(m.group(0).lstrip(".")))
        if m and stack and stack[-1][0] and (waits or not stack[-1][1]) and line not in marked:
            # Not the declaration of a function of that name (`func read(`).
            before = text[max(0, i - 6):i]
            # Not an awaited call of an async method that happens to be named `read` (`try await read(d)`).
            if "func " not in before and not before.rstrip().endswith("await"):
                call = m.group(0).rstrip("( \t").lstrip(".")
                problems.append(f"{path}:{line}: `{call}(` in async {stack[-1][2] or 'closure'}")
    return problems


def main():
    roots = sys.argv[1:] or ["Sources"]
    problems = []
    for root in roots:
        for dirpath, _, files in os.walk(root):
            if "/LinuxSystem" in dirpath or dirpath.endswith("LinuxSystem"):
                continue
            if not sys.argv[1:] and dirpath.startswith(os.path.join("Sources", "Examples")):
                continue
            for f in sorted(files):
                if f.endswith(".swift"):
                    problems += check(os.path.join(dirpath, f))
    for p in problems:
        print(p)
    if problems:
        print(
            f"check-blocking: {len(problems)} blocking call(s) in async functions: hand them to BlockingCall.run, "
            "wait for processes with ProcessExit, run tools with ToolProcess (or mark a line that cannot block "
            "with `// nonblocking: <why>`)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
