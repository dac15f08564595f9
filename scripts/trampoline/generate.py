#!/usr/bin/env python3
"""Builds the exec trampoline's ELF images from x86_64.S and aarch64.S and prints them as the commented C arrays of
Sources/ContainerKit/CContainerKit/trampoline.c (between its BEGIN and END markers, which this script rewrites).

Each image is one ELF header, two program headers (the code, read and execute; PT_GNU_STACK, not executable) and
the code itself: no section headers, no symbols, nothing the kernel does not read. Needs clang (the Swift
toolchain's, for both targets) and llvm-objcopy/llvm-objdump.

    scripts/trampoline/generate.py      # then commit the .S and trampoline.c together

The x86_64 image is exercised by the tests (Tests/NamespacesTests/ExecTrampolineTests.swift). The aarch64 one was
checked under qemu-user, which passes execve to the host kernel: with the array's bytes in a file IMAGE,
`qemu-aarch64 -0 /bin/sh IMAGE sh -c 'echo "$0 $X"; exit 7' a` prints `a` and $X and exits 7; `-0 /nonexistent`
prints `/nonexistent: exec failed: errno 2` and exits 127.
"""
import os
import re
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(HERE, "../../Sources/ContainerKit/CContainerKit/trampoline.c")
BASE = 0x400000
ARCHES = [("x86_64", "x86_64-linux-gnu", 62), ("aarch64", "aarch64-linux-gnu", 183)]


def assemble(arch, triple):
    with tempfile.TemporaryDirectory() as d:
        obj = os.path.join(d, "t.o")
        raw = os.path.join(d, "t.bin")
        subprocess.run(["clang", "--target=" + triple, "-c", os.path.join(HERE, arch + ".S"), "-o", obj], check=True)
        subprocess.run(["llvm-objcopy", "-O", "binary", "-j", ".text", obj, raw], check=True)
        listing = subprocess.run(["llvm-objdump", "-d", "--no-show-raw-insn", "-M", "intel", obj] if arch == "x86_64" else ["llvm-objdump", "-d", "--no-show-raw-insn", obj], check=True,
                                 capture_output=True, text=True).stdout
        with open(raw, "rb") as f:
            code = f.read()
    # offset -> "label: mnemonic operands"; the strings at the end (from `failed`) are data, not instructions
    insns, labels, label = {}, {}, None
    for line in listing.splitlines():
        m = re.match(r"^([0-9a-f]+) <(\w+)>:", line)
        if m:
            label = m.group(2)
            labels[label] = int(m.group(1), 16)
            continue
        m = re.match(r"^\s+([0-9a-f]+):\s+(.*)$", line)
        if m:
            insns[int(m.group(1), 16)] = (label + ": " if label else "") + re.sub(r"\s+", " ", m.group(2)).strip()
            label = None
    data = labels["failed"]
    insns = {off: text for off, text in insns.items() if off < data}
    for name, end in (("failed", labels["none"]), ("none", len(code))):
        insns[labels[name]] = '%s: "%s"' % (name, code[labels[name]:end].decode().replace("\n", "\\n"))
    return code, insns


def image(arch, triple, machine):
    code, insns = assemble(arch, triple)
    headers = 64 + 2 * 56
    total = headers + len(code)
    entry = BASE + headers
    out = []

    def field(fmt, value, comment):
        b = struct.pack("<" + fmt, value)
        out.append((b, comment))

    out.append((b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8, "e_ident: ELF, 64-bit, little endian, version 1, System V"))
    field("H", 2, "e_type: ET_EXEC (fixed address, no interpreter)")
    field("H", machine, "e_machine: " + ("EM_X86_64" if machine == 62 else "EM_AARCH64"))
    field("I", 1, "e_version")
    field("Q", entry, "e_entry: the code, right after the headers")
    field("Q", 64, "e_phoff: program headers after this header")
    field("Q", 0, "e_shoff: no section headers")
    field("I", 0, "e_flags")
    field("H", 64, "e_ehsize")
    field("H", 56, "e_phentsize")
    field("H", 2, "e_phnum")
    field("H", 64, "e_shentsize")
    field("H", 0, "e_shnum")
    field("H", 0, "e_shstrndx")
    field("I", 1, "PT_LOAD: the whole file")
    field("I", 5, "p_flags: read, execute")
    field("Q", 0, "p_offset")
    field("Q", BASE, "p_vaddr")
    field("Q", BASE, "p_paddr")
    field("Q", total, "p_filesz")
    field("Q", total, "p_memsz")
    field("Q", 0x1000, "p_align")
    field("I", 0x6474E551, "PT_GNU_STACK: the stack is not executable")
    field("I", 6, "p_flags: read, write")
    for name in ("p_offset", "p_vaddr", "p_paddr", "p_filesz", "p_memsz"):
        field("Q", 0, name)
    field("Q", 16, "p_align")
    offsets = sorted(insns)
    for i, off in enumerate(offsets):
        end = offsets[i + 1] if i + 1 < len(offsets) else len(code)
        out.append((code[off:end], insns[off]))
    lines = ["static const unsigned char ck_trampoline_image[] = {"]
    for b, comment in out:
        data = ", ".join("0x%02x" % x for x in b)
        lines.append("    %s, /* %s */" % (data, comment.replace("*/", "* /")))
    lines.append("};")
    assert sum(len(b) for b, _ in out) == total, arch
    return "\n".join(lines)


def main():
    parts = []
    for i, (arch, triple, machine) in enumerate(ARCHES):
        parts.append(("#if" if i == 0 else "#elif") + " defined(__%s__)" % arch)
        parts.append(image(arch, triple, machine))
    parts.append("#else")
    parts.append("#error \"no exec trampoline for this architecture: add one to scripts/trampoline/\"")
    parts.append("#endif")
    with open(TARGET) as f:
        text = f.read()
    begin = "/* BEGIN generated by scripts/trampoline/generate.py */\n"
    end = "/* END generated */\n"
    a, b = text.index(begin) + len(begin), text.index(end)
    with open(TARGET, "w") as f:
        f.write(text[:a] + "\n".join(parts) + "\n" + text[b:])


if __name__ == "__main__":
    sys.exit(main())
