#!/usr/bin/env python3
"""Worst-case stack of the core from GCC's call graph (-fcallgraph-info=su, GCC >= 12).

Reads the .ci files (one per object), builds the call graph with each function's own frame
size, and computes for every function the deepest chain below it (frame sizes added up).
Calls through function pointers ("__indirect_call": the port's callbacks and the log/trace
hooks) end a chain: their stack belongs to the port, not to the core. Calls to functions with
no node (memcpy, memset, ...) count 0 bytes and are listed. Recursion or a frame that is not
"static" (alloca, VLAs) makes the bound unknowable and fails the check.

usage: stack-check.py [--limit BYTES] [--top N] [--root FN] [--indirect FN,FN...] file.ci...
Exit 1 if the worst case exceeds --limit, or on recursion / dynamic frames.
--root FN: also print the worst case below FN (a whole program's task entry, e.g. main).
--indirect FN,...: a call through a pointer costs the worst of these functions instead of 0
(the callbacks a program installs: port ops, log hooks, store functions).
"""
import argparse
import re
import sys

NODE = re.compile(r'node:\s*\{\s*title:\s*"([^"]*)"\s*label:\s*"([^"]*)"')
EDGE = re.compile(r'edge:\s*\{\s*sourcename:\s*"([^"]*)"\s*targetname:\s*"([^"]*)"')


def parse(files):
    frames, quals, calls = {}, {}, {}
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for title, label in NODE.findall(text):
            m = re.search(r"\\n(\d+) bytes \(([^)]*)\)", label)
            if not m:
                continue  # placeholders (indirect call) and external declarations
            frames[title] = int(m.group(1))
            quals[title] = m.group(2)
        for src, dst in EDGE.findall(text):
            calls.setdefault(src, set()).add(dst)
    return frames, quals, calls


def short(title):
    return title.rsplit(":", 1)[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=512)
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument("--root", default=None)
    ap.add_argument("--indirect", default="")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()

    frames, quals, calls = parse(args.files)
    if not frames:
        print("stack-check: no call-graph nodes found (needs GCC >= 12 -fcallgraph-info=su)")
        return 1

    problems = []
    external = set()
    memo = {}
    on_path = set()
    by_short = {}
    for f in frames:
        by_short.setdefault(short(f), f)
    indirect = [by_short[n] for n in args.indirect.split(",") if n in by_short]

    def worst(fn):
        """(bytes, chain) of the deepest stack starting in fn."""
        if fn in memo:
            return memo[fn]
        if fn == "__indirect_call":
            best = (0, [])
            for target in indirect:
                sub = worst(target)
                if sub[0] > best[0]:
                    best = sub
            return best
        if fn not in frames:
            external.add(fn)
            return (0, [])
        if fn in on_path:
            problems.append("recursion through " + short(fn))
            return (0, [])
        on_path.add(fn)
        best = (0, [])
        for callee in sorted(calls.get(fn, ())):
            sub = worst(callee)
            if sub[0] > best[0]:
                best = sub
        on_path.discard(fn)
        res = (frames[fn] + best[0], [fn] + best[1])
        memo[fn] = res
        return res

    for fn in frames:
        if quals[fn] != "static":
            problems.append("%s has a %s frame" % (short(fn), quals[fn]))
        worst(fn)

    public = sorted(
        (memo[f] + (f,) for f in frames if short(f).startswith("esploader_")),
        key=lambda t: -t[0],
    )
    overall = max(memo.values(), key=lambda t: t[0])
    print("stack-check: %d functions, worst case %d B (limit %d B)" % (len(frames), overall[0],
                                                                      args.limit))
    print("stack-check: deepest chain: " +
          " -> ".join("%s(%d)" % (short(f), frames[f]) for f in overall[1]))
    print("stack-check: deepest public entry points:")
    for total, chain, fn in public[: args.top]:
        print("    %5d B  %s" % (total, short(fn)))
    if args.root:
        if args.root not in by_short:
            print("stack-check: FAIL: no function " + args.root)
            return 1
        total, chain = worst(by_short[args.root])
        print("stack-check: worst case below %s: %d B" % (args.root, total))
        print("stack-check: its chain: " +
              " -> ".join("%s(%d)" % (short(f), frames[f]) for f in chain))
    if external:
        print("stack-check: counted as 0 B (outside the core): " + " ".join(sorted(external)))
    if problems:
        for p in sorted(set(problems)):
            print("stack-check: FAIL: " + p)
        return 1
    if overall[0] > args.limit:
        print("stack-check: FAIL: %d B > %d B" % (overall[0], args.limit))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
