#!/usr/bin/env python3
"""Linked size of the MCU firmware by owner, from its GNU ld map (scripts/mcu-demo.sh).

usage: mcu-sizes.py firmware.map
Prints one line per owner (library, flow, port, board, app, stub images, newlib/libgcc) and
the total, with .text / .rodata / .data / .bss summed over the input sections placed in those
output sections (the vector table counts as .text, where the linker script puts it).
"""
import re
import sys

OWNERS = [
    ("library (libesploader core)", lambda p: "libesploader.a" in p),
    ("example flow (flash_flow.c, eh_pt_iter.c)", lambda p: p.endswith(("flash_flow.o", "eh_pt_iter.o"))),
    ("port (CMSDK UART/GPIO/SysTick)", lambda p: p.endswith("esploader_port_cmsdk.o")),
    ("board (start-up, semihosting)", lambda p: p.endswith(("startup.o", "semihost.o"))),
    ("firmware main + semihosting store", lambda p: p.endswith(("main_mps2.o", "binaries_semihost.o", "fw_stubs_none.o"))),
    ("flasher stub images (generated)", lambda p: p.endswith("fw_stubs.o")),
    ("newlib-nano + libgcc", lambda p: True),
]


def kind(name):
    if name.startswith(".text") or name in (".init", ".fini") or name.startswith(".glue"):
        return "text"
    if name.startswith((".rodata", ".ARM.exidx", ".ARM.extab")):
        return "rodata"
    if name.startswith(".data"):
        return "data"
    if name.startswith((".bss", "COMMON")):
        return "bss"
    return None


def main():
    lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
    start = next((i for i, l in enumerate(lines) if l.startswith("Linker script and memory map")), 0)
    sums = {o[0]: {"text": 0, "rodata": 0, "data": 0, "bss": 0} for o in OWNERS}
    pend = None
    out = None  # the output section being listed; input sections count as its kind
    for line in lines[start:]:
        if line.startswith("/DISCARD/"):
            break
        m = re.match(r"^(\.[\w.$]+)(\s|$)", line)
        if m:
            out = m.group(1)
            continue
        if pend is not None:
            line = pend + " " + line.strip()
            pend = None
        m = re.match(r"^ (\.[\w.$]+|COMMON)\s*$", line)
        if m:
            pend = " " + m.group(1)
            continue
        m = re.match(r"^ (\.[\w.$]+|COMMON)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)", line)
        if not m:
            continue
        k = kind(out or "")
        size = int(m.group(3), 16)
        if k is None or size == 0:
            continue
        path = re.sub(r"\(.*\)$", "", m.group(4)) if "(" in m.group(4) else m.group(4)
        member = m.group(4)
        for name, match in OWNERS:
            if match(path) or match(member.rstrip(")")):
                sums[name][k] += size
                break
    total = {"text": 0, "rodata": 0, "data": 0, "bss": 0}
    print("%-44s %8s %8s %6s %7s" % ("owner", ".text", ".rodata", ".data", ".bss"))
    for name, _ in OWNERS:
        s = sums[name]
        if not any(s.values()):
            continue
        for k in total:
            total[k] += s[k]
        print("%-44s %8d %8d %6d %7d" % (name, s["text"], s["rodata"], s["data"], s["bss"]))
    print("%-44s %8d %8d %6d %7d" % ("total (input sections)", total["text"], total["rodata"],
                                     total["data"], total["bss"]))


if __name__ == "__main__":
    main()
