#!/usr/bin/env node
// Side by side: our CLI and esptool-js (npm, the client of tests/conformance) flash the same
// workload into fresh esploader-sim processes (real-time timing model, raw TCP), and the wall
// time of each job and of each phase is printed for both, with the ratio theirs / ours
// (> 1: we are faster). A benchmark, never a test: the figures depend on the machine's load.
//
//   node bench/sidebyside.mjs --sim build/sim/app/esploader-sim --cli build/cli/esploader
//        [--baud 115200,460800,921600,2000000] [--jobs full,reflash] [--tools ours,esptool-js]
//        [--csv FILE] [--verbose]
//
// Workload: 1 MiB of real machine code, the allocated sections (code + read-only data) of the
// Cortex-M4 newlib / libstdc++ archives of the arm-none-eabi toolchain, in archive order
// (zlib level 9 leaves ~60 % of it, like an ESP-IDF app), written at 0x10000 of an ESP32.
//   full     the file on a freshly erased flash (a new sim per tool and baud)
//   reflash  then the same file with one 4 KB sector replaced (same sim: flash kept)
// After each sim's run its flash file must hold the reflashed image (checked).
//
// Phases: both tools are timed by the same rule (hostlib/eh_timeline.c, written again
// below): each command the host sends opens the phase of its opcode; phases are summed.

import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createHash } from "node:crypto";
import { deflateSync } from "node:zlib";
import { fileURLToPath, pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";
import { TcpSerialPort } from "../tests/conformance/serial_shim.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "..");

const args = {
  bauds: [115200, 460800, 921600, 2000000],
  jobs: ["full", "reflash"],
  tools: ["ours", "esptool-js"],
  addr: 0x10000,
  size: 1 << 20,
  verbose: false,
  extra: [],
};
{
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    const v = () => a[++i];
    switch (a[i]) {
      case "--sim": args.sim = v(); break;
      case "--cli": args.cli = v(); break;
      case "--cli-before": args.cliBefore = v(); args.tools.splice(1, 0, "before"); break; // an older build, timed as the tool "before"
      case "--baud": args.bauds = v().split(",").map(Number); break;
      case "--jobs": args.jobs = v().split(","); break;
      case "--tools": args.tools = v().split(","); break;
      case "--csv": args.csv = v(); break;
      case "--cli-arg": args.extra.push(v()); break;
      case "--workload-out": args.workloadOut = v(); break; // write code.bin + code2.bin there, exit
      case "--verbose": args.verbose = true; break;
      default:
        console.error(`sidebyside.mjs: unknown argument ${a[i]}`);
        process.exit(64);
    }
  }
  if (!args.workloadOut && (!args.sim || !args.cli)) {
    console.error("usage: node bench/sidebyside.mjs --sim PATH --cli PATH [--baud LIST] [--jobs full,reflash] [--tools ours,esptool-js] [--csv FILE] [--cli-arg ARG]...");
    process.exit(64);
  }
}

// ---------------------------------------------------------------------------------------------
// Workload: real machine code from the toolchain's archives

const ARCHIVES = [
  "/usr/lib/arm-none-eabi/newlib/thumb/v7e-m+fp/hard/libc.a",
  "/usr/lib/arm-none-eabi/newlib/thumb/v7e-m+fp/hard/libm.a",
  "/usr/lib/arm-none-eabi/newlib/thumb/v7e-m+fp/hard/libstdc++.a",
];

function* arMembers(buf) {
  if (buf.toString("latin1", 0, 8) !== "!<arch>\n") throw new Error("not an ar archive");
  let o = 8;
  while (o + 60 <= buf.length) {
    const size = parseInt(buf.toString("latin1", o + 48, o + 58).trim(), 10);
    yield buf.subarray(o + 60, o + 60 + size);
    o += 60 + size + (size & 1);
  }
}

// SHT_PROGBITS sections with SHF_ALLOC of a 32-bit ELF object: code and read-only data.
function allocSections(elf) {
  if (elf.length < 52 || elf[0] !== 0x7f || elf[1] !== 0x45 || elf[4] !== 1) return [];
  const le = elf[5] === 1;
  const u16 = (o) => (le ? elf.readUInt16LE(o) : elf.readUInt16BE(o));
  const u32 = (o) => (le ? elf.readUInt32LE(o) : elf.readUInt32BE(o));
  const shoff = u32(0x20), shentsize = u16(0x2e), shnum = u16(0x30);
  const out = [];
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * shentsize;
    const type = u32(h + 4), flags = u32(h + 8), off = u32(h + 16), size = u32(h + 20);
    if (type === 1 && flags & 2 && size > 0) out.push(elf.subarray(off, off + size));
  }
  return out;
}

function makeWorkload(size) {
  const parts = [];
  let n = 0;
  for (const a of ARCHIVES) {
    if (!fs.existsSync(a)) continue;
    for (const m of arMembers(fs.readFileSync(a))) {
      for (const s of allocSections(m)) {
        parts.push(s);
        n += s.length;
        if (n >= size) return new Uint8Array(Buffer.concat(parts).subarray(0, size));
      }
    }
  }
  throw new Error(`only ${n} bytes of machine code in ${ARCHIVES.join(", ")} (need ${size}); install gcc-arm-none-eabi + libnewlib-arm-none-eabi + libstdc++-arm-none-eabi-newlib`);
}

const CODE = makeWorkload(args.size);
const CHANGED_OFF = 0x80000; // one 4 KB sector in the middle of the region
const CODE2 = new Uint8Array(CODE);
CODE2.set(CODE.subarray(0x1000, 0x2000), CHANGED_OFF); // other real code in that sector
const zlibSync = (u8) => deflateSync(u8, { level: 9 });
const md5 = (u8) => createHash("md5").update(u8).digest("hex");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "esploader-sbs-"));
const codeFile = path.join(tmp, "code.bin");
const code2File = path.join(tmp, "code2.bin");
fs.writeFileSync(codeFile, CODE);
fs.writeFileSync(code2File, CODE2);
if (args.workloadOut) {
  fs.mkdirSync(args.workloadOut, { recursive: true });
  fs.copyFileSync(codeFile, path.join(args.workloadOut, "code.bin"));
  fs.copyFileSync(code2File, path.join(args.workloadOut, "code2.bin"));
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// The phase rule (same as hostlib/eh_timeline.c)

const PHASES = ["reset_sync", "detect", "stub", "baud", "setup", "diff", "erase", "data", "verify", "read", "host", "reset"];

class Timeline {
  constructor() {
    this.cur = null;
    this.since = 0;
    this.start = null;
    this.lastOp = -1;
    this.wrOff = 0;
    this.wrEnd = 0;
    this.ms = Object.fromEntries(PHASES.map((p) => [p, 0]));
  }
  mark(p, now = performance.now()) {
    if (this.start === null) this.start = now;
    if (this.cur) this.ms[this.cur] += now - this.since;
    this.cur = p;
    this.since = now;
  }
  classify(op) {
    switch (op) {
      case 0x08: return this.cur === null ? "reset_sync" : null;
      case 0x09: case 0x0a: case 0x14: return this.cur === "reset_sync" ? "detect" : null;
      case 0x05: case 0x06: case 0x07: return "stub";
      case 0x0f: return "baud";
      case 0x0b: case 0x0d: return "setup";
      case 0x02: case 0x10: case 0xd0: case 0xd1: return "erase";
      case 0x03: case 0x04: case 0x11: case 0x12: return "data";
      case 0x13: return "diff"; // or verify: see command()
      case 0xd2: case 0x0e: return "read";
      default: return null;
    }
  }
  // hdr: the first 24 bytes of the frame (SLIP-decoded), or fewer
  command(hdr, now = performance.now()) {
    const op = hdr[1];
    let p = this.classify(op);
    const le32 = (o) => (hdr[o] | (hdr[o + 1] << 8) | (hdr[o + 2] << 16) | (hdr[o + 3] << 24)) >>> 0;
    if ((op === 0x02 || op === 0x10) && hdr.length >= 24) {
      this.wrOff = le32(20);
      this.wrEnd = this.wrOff + le32(8);
    } else if (op === 0x13 && hdr.length >= 16) {
      const a = le32(8), e = a + le32(12);
      if (this.wrEnd > this.wrOff && a < this.wrEnd && e > this.wrOff) p = "verify";
    }
    if (p && p !== this.cur) this.mark(p, now);
    else if (this.start === null) this.mark(this.cur || "reset_sync", now);
    this.lastOp = op;
  }
  stop(now = performance.now()) {
    if (this.cur) this.ms[this.cur] += now - this.since;
    this.cur = null;
    this.total = now - this.start;
  }
}

// A TCP port that also decodes the SLIP frames the client sends, for the timeline.
class TappedPort extends TcpSerialPort {
  constructor(host, port, tl) {
    super(host, port);
    this.tl = tl;
    this.hdr = null;
    this.classified = false;
    this.esc = false;
  }
  // Collects the first 24 decoded bytes of each frame and classifies the command once it has
  // them (or the frame ends), at the time the bytes are handed to the socket.
  _toWire(u8) {
    for (const c of u8) {
      if (c === 0xc0) {
        this._classify();
        this.hdr = []; // every delimiter may open a frame (an empty one is skipped)
        this.classified = false;
        this.esc = false;
        continue;
      }
      if (!this.hdr || this.classified) continue;
      if (this.esc) {
        this.hdr.push(c === 0xdc ? 0xc0 : c === 0xdd ? 0xdb : c);
        this.esc = false;
      } else if (c === 0xdb) {
        this.esc = true;
      } else {
        this.hdr.push(c);
      }
      if (this.hdr.length === 24) this._classify();
    }
    return super._toWire(u8);
  }
  _classify() {
    if (this.hdr && !this.classified && this.hdr.length >= 2 && this.hdr[0] === 0x00) this.tl.command(this.hdr);
    this.classified = true;
  }
}

// ---------------------------------------------------------------------------------------------
// Sims

async function startSim(tag) {
  const flashFile = path.join(tmp, `flash-${tag}.bin`);
  const portFile = path.join(tmp, `port-${tag}`);
  fs.rmSync(flashFile, { force: true });
  const sim = spawn(args.sim, ["--chip", "esp32", "--flash-size", "4MB", "--flash-file", flashFile, "--listen", "tcp:127.0.0.1:0", "--port-file", portFile, "--quiet"], { stdio: ["ignore", "pipe", "pipe"] });
  sim.exited = new Promise((r) => sim.once("exit", r));
  let err = "";
  sim.stderr.on("data", (d) => (err += d));
  const port = await new Promise((resolve, reject) => {
    let out = "";
    const t = setTimeout(() => reject(new Error(`sim did not start: ${err}`)), 10000);
    sim.stdout.on("data", (d) => {
      out += d;
      const m = /listening on tcp:([0-9.]+):(\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[2]));
      }
    });
  });
  return { sim, port, flashFile };
}

async function stopSim(s) {
  s.sim.kill("SIGTERM");
  await s.sim.exited;
}

// ---------------------------------------------------------------------------------------------
// The tools

async function runOurs(port, baud, file, cli = args.cli) {
  const cliArgs = ["-p", `socket://127.0.0.1:${port}`, "-b", String(baud), "--chip", "esp32", "--json", ...args.extra, "write-flash", `0x${args.addr.toString(16)}`, file];
  const t0 = performance.now();
  const p = spawn(cli, cliArgs, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "", err = "";
  p.stdout.on("data", (d) => (out += d));
  p.stderr.on("data", (d) => (err += d));
  const code = await new Promise((r) => p.once("exit", r));
  const total = performance.now() - t0;
  if (code !== 0) throw new Error(`esploader exited ${code}: ${err}${out}`);
  const j = JSON.parse(out);
  const ms = {};
  for (const ph of PHASES) ms[ph] = j.timings ? j.timings[`${ph}_ms`] || 0 : 0;
  // What the timeline does not see: process start, file loading, port open, exit.
  const seen = j.timings ? j.timings.total_ms : 0;
  ms.host += Math.max(0, total - seen);
  return { total, ms };
}

const esptoolDir = path.join(REPO, "node_modules", "esptool-js");
const { ESPLoader, Transport } = await import(pathToFileURL(path.join(esptoolDir, "lib", "index.js")).href);
const esptoolVersion = JSON.parse(fs.readFileSync(path.join(esptoolDir, "package.json"), "utf8")).version;

class QuietTransport extends Transport {
  trace(m) {
    if (this.tracing) super.trace(m);
  }
}

async function runEsptoolJs(port, baud, data) {
  const tl = new Timeline();
  const sp = new TappedPort("127.0.0.1", port, tl);
  const transport = new QuietTransport(sp, false);
  const log = [];
  const terminal = { clean() {}, writeLine: (s) => log.push(s), write: (s) => log.push(s) };
  const loader = new ESPLoader({ transport, baudrate: baud, romBaudrate: 115200, terminal, debugLogging: false });
  const t0 = performance.now();
  tl.mark("reset_sync", t0);
  try {
    await loader.main("default_reset");
    tl.mark("host");
    await loader.writeFlash({
      fileArray: [{ data, address: args.addr }],
      flashSize: "keep", flashMode: "keep", flashFreq: "keep",
      eraseAll: false, compress: true,
      calculateMD5Hash: (u8) => md5(u8),
    });
    tl.mark("reset");
    await loader.after("hard_reset");
    await transport.disconnect();
  } catch (e) {
    throw new Error(`esptool-js: ${e && e.message ? e.message : e}\n${log.slice(-10).join("\n")}`);
  }
  tl.stop();
  return { total: performance.now() - t0, ms: tl.ms };
}

// ---------------------------------------------------------------------------------------------
// The run

const results = []; // {baud, job, tool, total, ms}
const load = os.loadavg().map((x) => x.toFixed(2)).join(" ");
console.log(`side by side: esploader (${args.cli}) vs esptool-js ${esptoolVersion}; esploader-sim (${args.sim}) ESP32, real-time model, raw TCP`);
console.log(`workload: ${CODE.length} B of Cortex-M4 machine code (zlib-9 ${(100 * zlibSync(CODE).length / CODE.length).toFixed(1)} %) at 0x${args.addr.toString(16)} (md5 ${md5(CODE).slice(0, 8)}); reflash: sector 0x${(args.addr + CHANGED_OFF).toString(16)} replaced`);
console.log(`load average at start: ${load} (${os.cpus().length} CPUs; a shared machine: compare ratios, measured in the same run)`);

for (const baud of args.bauds) {
  for (const tool of args.tools) {
    const s = await startSim(`${tool}-${baud}`);
    try {
      for (const job of args.jobs) {
        const file = job === "full" ? codeFile : code2File;
        const data = job === "full" ? CODE : CODE2;
        const r = tool === "ours" ? await runOurs(s.port, baud, file)
          : tool === "before" ? await runOurs(s.port, baud, file, args.cliBefore)
          : await runEsptoolJs(s.port, baud, data);
        results.push({ baud, job, tool, ...r });
        if (args.verbose) console.log(`  ${baud} ${job} ${tool}: ${(r.total / 1000).toFixed(2)} s`);
      }
    } finally {
      await stopSim(s);
    }
    const want = args.jobs.includes("reflash") ? CODE2 : CODE;
    const flash = fs.readFileSync(s.flashFile);
    const got = flash.subarray(args.addr, args.addr + want.length);
    if (md5(got) !== md5(want)) {
      console.error(`FAIL: ${tool} at ${baud}: the sim's flash does not hold the image afterwards`);
      process.exit(1);
    }
  }
}

const get = (baud, job, tool) => results.find((r) => r.baud === baud && r.job === job && r.tool === tool);
const f1 = (x) => (x / 1000).toFixed(2);
const ratio = (a, b) => (a > 0 && b > 0 ? (b / a).toFixed(2) + "x" : "-");
const hasBefore = args.tools.includes("before");
console.log("\nwhole job, wall clock (s); ratio = esptool-js / ours (> 1: esploader is faster):");
console.log("    baud job         ours  esptool-js   ratio" + (hasBefore ? "   before  ratio(before)" : ""));
for (const baud of args.bauds) {
  for (const job of args.jobs) {
    const o = get(baud, job, "ours"), t = get(baud, job, "esptool-js"), b = get(baud, job, "before");
    let line = `${String(baud).padStart(8)} ${job.padEnd(8)} ${o ? f1(o.total).padStart(7) : "      -"} ${t ? f1(t.total).padStart(11) : "          -"} ${o && t ? ratio(o.total, t.total).padStart(7) : "      -"}`;
    if (hasBefore) line += ` ${b ? f1(b.total).padStart(8) : "       -"} ${b && t ? ratio(b.total, t.total).padStart(14) : "             -"}`;
    console.log(line);
  }
}
console.log(`\nper phase, ms (ours / esptool-js${hasBefore ? " / before" : ""}):`);
const shown = PHASES.filter((p) => results.some((r) => r.ms[p] >= 0.5));
console.log("    baud job      " + shown.map((p) => p.padStart(hasBefore ? 19 : 15)).join(""));
for (const baud of args.bauds) {
  for (const job of args.jobs) {
    const o = get(baud, job, "ours"), t = get(baud, job, "esptool-js");
    const b = get(baud, job, "before");
    const cell = (p) => (`${o ? Math.round(o.ms[p]) : "-"}/${t ? Math.round(t.ms[p]) : "-"}` + (hasBefore ? `/${b ? Math.round(b.ms[p]) : "-"}` : "")).padStart(hasBefore ? 19 : 15);
    console.log(`${String(baud).padStart(8)} ${job.padEnd(8)} ${shown.map(cell).join("")}`);
  }
}
if (args.csv) {
  const lines = ["baud,job,tool,total_ms," + PHASES.map((p) => `${p}_ms`).join(",")];
  for (const r of results) lines.push([r.baud, r.job, r.tool, r.total.toFixed(1), ...PHASES.map((p) => r.ms[p].toFixed(1))].join(","));
  fs.writeFileSync(args.csv, lines.join("\n") + "\n");
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
