#!/usr/bin/env node
// Conformance run: esptool-js 0.7 (an independent client nobody here wrote, from the npm
// registry) drives esploader-sim processes through a Web Serial shim (raw TCP by default,
// RFC2217 or a PTY on request), with its own flasher stub, and every result is checked.
//
//   node run.mjs --sim PATH --chip CHIP [--timing] [--rfc2217 | --pty] [--strict]
//                [--timeout S] [--baud N] [--flash-size 2MB] [--verbose] [--trace]
//
// Steps (one summary line each; the run stops at the first failed step and exits 1 - the
// crystal step excepted, which only marks the run failed - or 2 on the overall timeout):
//   connection 1: detect (chip name, stub up, in-place baud change), crystal, MAC, flash id +
//                 size, MD5 of an untouched region, compressed write with esptool-js's MD5
//                 verification, read-back (+ READ_FLASH's closing MD5), uncompressed odd-sized
//                 write + read-back
//   connection 2 (a new connection = a chip reset; none on a PTY): detect again, same MAC, flash
//                 kept, erase region, the connection cut in the middle of a write
//   connection 2b: detect again, erase flash, write at the very end of the flash, stub -> ROM
//                 by FLASH_BEGIN(0,0) + FLASH_END(0)
//   connection 3: the ROM loader without the stub - detect, MAC, SPI_ATTACH + SPI_SET_PARAMS +
//                 flash id, ROM MD5 as ASCII hex, READ_FLASH refused as unsupported, ROM writes
//                 (or the refusals the spec predicts for what esptool-js sends wrongly), whole-
//                 flash MD5; with --rfc2217 also hard reset / ClassicReset patterns
//   after the sim exits: its --flash-file holds exactly what the steps since the chip erase left.
//   S2 and later, a second sim with --secure-download: detection in SDM, READ_REG / MD5 /
//                 FLASH_DEFL_BEGIN refused, an uncompressed write, checked in the flash file.
//
// Bounded: an overall timer (default 60 s, 180 s with --timing) kills the sim and exits.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { PtySerialPort, Rfc2217SerialPort, TcpSerialPort } from "./serial_shim.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "..", "..");

// ---------------------------------------------------------------------------------------------
// Arguments

const CHIPS = {
  esp8266: "ESP8266",
  esp32: "ESP32",
  esp32s2: "ESP32-S2",
  esp32s3: "ESP32-S3",
  esp32c2: "ESP32-C2",
  esp32c3: "ESP32-C3",
  esp32c5: "ESP32-C5",
  esp32c6: "ESP32-C6",
  esp32c61: "ESP32-C61",
  esp32h2: "ESP32-H2",
  esp32p4: "ESP32-P4",
  esp32s31: "ESP32-S31",
  esp32h4: "ESP32-H4",
};

// Crystal esptool(-js) must report (docs/protocol.md §8.1 "Crystal (esptool)" column and its emulator
// values: ESP8266 26 MHz -> UART divider 451 at the 115200 sync baud, ESP32/C2 40 MHz -> 347,
// C5 48 MHz -> 416; the others are fixed in the client).
const CRYSTAL_MHZ = {
  ESP8266: 26, ESP32: 40, "ESP32-S2": 40, "ESP32-S3": 40, "ESP32-C2": 40, "ESP32-C3": 40,
  "ESP32-C5": 48, "ESP32-C6": 40, "ESP32-C61": 40, "ESP32-H2": 32, "ESP32-P4": 40,
  "ESP32-S31": 40, "ESP32-H4": 32,
};

function usage(msg) {
  if (msg) console.error(`run.mjs: ${msg}`);
  console.error(
    "usage: node run.mjs --sim PATH --chip CHIP [--timing] [--strict] [--stub-family 1|2] [--rfc2217 | --pty] [--timeout S] [--baud N] [--flash-size 2MB] [--verbose] [--trace]\n" +
      `  CHIP: ${Object.keys(CHIPS).join(" ")}`,
  );
  process.exit(64);
}

const args = { timing: false, verbose: false, trace: false, baud: 460800, flashSize: "2MB" };
{
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    const need = () => {
      if (i + 1 >= a.length) usage(`${a[i]} needs a value`);
      return a[++i];
    };
    switch (a[i]) {
      case "--sim": args.sim = need(); break;
      case "--chip": args.chip = need(); break;
      case "--timing": args.timing = true; break;
      case "--timeout": args.timeout = Number(need()); break;
      case "--baud": args.baud = Number(need()); break;
      case "--flash-size": args.flashSize = need(); break;
      case "--strict": args.strict = true; break;
      case "--stub-family": args.stubFamily = need(); break;
      case "--rfc2217": args.rfc2217 = true; break;
      case "--pty": args.pty = true; break;
      case "--verbose": args.verbose = true; break;
      case "--trace": args.trace = true; args.verbose = true; break;
      case "-h": case "--help": usage(); break;
      default: usage(`unknown argument ${a[i]}`);
    }
  }
}
if (!args.sim || !args.chip) usage("--sim and --chip are required");
const chipKey = args.chip.toLowerCase().replace(/[-_]/g, "");
const EXPECTED = CHIPS[chipKey];
if (!EXPECTED) usage(`unknown chip ${args.chip}`);
const TIMEOUT_S = args.timeout || (args.timing ? 180 : 60);
const FLASH_BYTES = parseSize(args.flashSize);
if (!FLASH_BYTES) usage(`bad --flash-size ${args.flashSize}`);

function parseSize(s) {
  const m = /^(\d+)(KB|MB)$/i.exec(s);
  if (!m) return 0;
  return Number(m[1]) * (m[2].toUpperCase() === "MB" ? 1 << 20 : 1 << 10);
}

// ---------------------------------------------------------------------------------------------
// Reporting

const T0 = Date.now();
const secs = (ms) => (ms / 1000).toFixed(2);
let currentStep = "start";
let sim = null;
let simLog = "";
let tmpDir = null;
const esptoolLog = [];
let finished = false;

class CheckError extends Error {}
function check(cond, msg) {
  if (!cond) throw new CheckError(msg);
}

function line(status, step, detail, ms) {
  const t = ms === undefined ? "" : ` (${secs(ms)} s)`;
  console.log(`conformance ${EXPECTED}: [${status}] ${step}: ${detail}${t}`);
}

// A failing step ends the run, except a step marked { fatal: false } whose failure leaves the
// session usable: it is reported, the run goes on, and the exit status is still 1.
const softFailures = [];
async function step(name, fn, opts = {}) {
  currentStep = name;
  const t = Date.now();
  let detail;
  try {
    detail = await fn();
  } catch (e) {
    line("FAIL", name, e instanceof CheckError ? e.message : `esptool-js raised: ${e && e.stack ? e.stack : e}`, Date.now() - t);
    if (opts.fatal === false && e instanceof CheckError) {
      softFailures.push(name);
      return;
    }
    await fail(1);
  }
  line("PASS", name, detail || "ok", Date.now() - t);
}

function tailOf(text, n) {
  const lines = text.split("\n").filter((l) => l.length);
  return lines.slice(-n).join("\n");
}

async function fail(code) {
  if (finished) return;
  finished = true;
  if (esptoolLog.length && !args.verbose) {
    console.log(`--- last esptool-js output ---\n${esptoolLog.slice(-25).join("\n")}`);
  }
  if (simLog) console.log(`--- last esploader-sim output ---\n${tailOf(simLog, 25)}`);
  await stopSim();
  cleanup();
  console.log(`conformance ${EXPECTED}: FAILED in step "${currentStep}" after ${secs(Date.now() - T0)} s`);
  process.exit(code);
}

function cleanup() {
  if (tmpDir) {
    try {
      fs.rmSync(tmpDir, { recursive: true, force: true });
    } catch {
      /* ignore */
    }
  }
}

const overall = setTimeout(() => {
  line("FAIL", currentStep, `overall timeout of ${TIMEOUT_S} s reached (the step never finished)`);
  fail(2);
}, TIMEOUT_S * 1000);

// Never leave a sim process behind, whatever ends this one.
process.on("exit", () => {
  if (sim && sim.exitCode === null && sim.signalCode === null) sim.kill("SIGKILL");
});
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    line("FAIL", currentStep, `interrupted by ${sig}`);
    fail(3);
  });
}

process.on("unhandledRejection", (e) => {
  line("FAIL", currentStep, `unhandled rejection inside esptool-js: ${e && e.stack ? e.stack : e}`);
  fail(1);
});

// ---------------------------------------------------------------------------------------------
// The simulator process

async function startSim(extraArgs = [], tag = "main") {
  if (!tmpDir) tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), `esploader-conf-${chipKey}-`));
  const flashFile = path.join(tmpDir, `flash-${tag}.bin`);
  const portFile = path.join(tmpDir, `port-${tag}`);
  const simArgs = ["--chip", chipKey, "--flash-size", args.flashSize, "--flash-file", flashFile,
    "--listen", args.pty ? "pty" : `${args.rfc2217 ? "rfc2217" : "tcp"}:127.0.0.1:0`, "--port-file", portFile, ...extraArgs];
  if (!args.timing) simArgs.push("--no-timing");
  if (args.strict) simArgs.push("--strict");
  if (args.stubFamily) simArgs.push("--stub-family", args.stubFamily);
  if (args.verbose) console.log(`starting ${args.sim} ${simArgs.join(" ")}`);
  sim = spawn(args.sim, simArgs, { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise((resolve) => sim.once("exit", (code, sig) => resolve({ code, sig })));
  sim.exitPromise = exited;
  sim.stderr.on("data", (d) => {
    simLog += d.toString();
    if (args.verbose) process.stdout.write(`[sim] ${d}`);
  });
  const endpoint = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new CheckError("esploader-sim printed no 'listening on ...' line within 10 s")), 10000);
    sim.stdout.on("data", (d) => {
      const s = d.toString();
      simLog += s;
      if (args.verbose) process.stdout.write(`[sim] ${s}`);
      out += s;
      const p = /listening on pty:(\S+)/.exec(out);
      if (p) {
        clearTimeout(timer);
        resolve({ pty: p[1], line: out.split("\n").find((l) => l.includes("listening")) });
        return;
      }
      const m = /listening on (?:tcp|rfc2217):([0-9.]+|\[[0-9a-f:]+\]):(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ host: m[1].replace(/^\[|\]$/g, ""), port: Number(m[2]), line: out.split("\n").find((l) => l.includes("listening")) });
      }
    });
    sim.once("error", (e) => {
      clearTimeout(timer);
      reject(new CheckError(`cannot start ${args.sim}: ${e.message}`));
    });
    exited.then(({ code, sig }) => {
      clearTimeout(timer);
      reject(new CheckError(`esploader-sim exited before listening (code ${code}, signal ${sig})`));
    });
  });
  return { ...endpoint, flashFile, portFile };
}

async function stopSim() {
  if (!sim || sim.exitCode !== null || sim.signalCode !== null) return sim ? await sim.exitPromise : null;
  sim.kill("SIGTERM");
  const killer = setTimeout(() => sim.kill("SIGKILL"), 3000);
  const r = await sim.exitPromise;
  clearTimeout(killer);
  return r;
}

// ---------------------------------------------------------------------------------------------
// esptool-js

const esptoolDir = path.join(REPO, "node_modules", "esptool-js");
if (!fs.existsSync(path.join(esptoolDir, "package.json"))) {
  console.error(`run.mjs: esptool-js is not installed (${esptoolDir}); run 'npm ci' in ${REPO}`);
  process.exit(64);
}
const esptoolVersion = JSON.parse(fs.readFileSync(path.join(esptoolDir, "package.json"), "utf8")).version;
const { ESPLoader, Transport } = await import(pathToFileURL(path.join(esptoolDir, "lib", "index.js")).href);

function makeTerminal() {
  const out = [];
  let partial = "";
  const push = (s) => {
    out.push(s);
    esptoolLog.push(s);
    if (args.verbose) console.log(`[esptool-js] ${s}`);
  };
  return {
    lines: out,
    clean() {},
    writeLine(s) {
      push(partial + s);
      partial = "";
    },
    write(s) {
      partial += s;
    },
  };
}

// esptool-js's Transport.trace() prints with console.log even when tracing is off (e.g.
// "readLoop exited" on every disconnect); keep it quiet unless --trace.
class QuietTransport extends Transport {
  trace(message) {
    if (this.tracing) super.trace(message);
  }
}

async function openSession(endpoint) {
  const port = endpoint.pty
    ? new PtySerialPort(endpoint.pty)
    : args.rfc2217
      ? new Rfc2217SerialPort(endpoint.host, endpoint.port)
      : new TcpSerialPort(endpoint.host, endpoint.port);
  const transport = new QuietTransport(port, args.trace);
  const terminal = makeTerminal();
  const loader = new ESPLoader({
    transport,
    baudrate: args.baud,
    romBaudrate: 115200,
    terminal,
    debugLogging: args.trace,
  });
  return { port, transport, terminal, loader };
}

async function closeSession(s) {
  await s.transport.disconnect();
}

const md5hex = (u8) => createHash("md5").update(u8).digest("hex");
const hex = (n, w = 8) => "0x" + (n >>> 0).toString(16).padStart(w, "0");

function firstDiff(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function expectBytes(got, want, what, base) {
  check(got.length === want.length, `${what}: got ${got.length} bytes, expected ${want.length}`);
  const d = firstDiff(got, want);
  check(d < 0, `${what}: first difference at ${hex(base + d)}: flash ${hex(got[d], 2)}, expected ${hex(want[d], 2)}`);
}

function expectErased(got, what, base) {
  const i = got.findIndex((b) => b !== 0xff);
  check(i < 0, `${what}: byte at ${hex(base + i)} is ${hex(got[i], 2)}, expected 0xff (erased)`);
}

// Deterministic test data: half text lines (compressible), half xorshift noise (not), and
// explicit 0xC0 / 0xDB bytes so frames carry SLIP escapes.
function makeData(len, seed) {
  const out = new Uint8Array(len);
  let x = seed >>> 0 || 1;
  let i = 0;
  let lineNo = 0;
  while (i < len) {
    if ((i >> 12) % 2 === 0) {
      const txt = new TextEncoder().encode(`esploader conformance ${EXPECTED} seed ${seed} line ${lineNo++}\n`);
      for (let k = 0; k < txt.length && i < len; k++) out[i++] = txt[k];
    } else {
      x ^= x << 13; x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5; x >>>= 0;
      out[i++] = x & 0xff;
    }
  }
  for (let k = 0; k < len; k += 997) out[k] = k & 1 ? 0xc0 : 0xdb;
  return out;
}

async function readFlash(loader, addr, len) {
  const got = await loader.readFlash(addr, len);
  check(got instanceof Uint8Array, `readFlash returned ${typeof got}`);
  return got;
}

async function writeFile(loader, data, address, compress) {
  let lastProgress = null;
  const t = Date.now();
  await loader.writeFlash({
    fileArray: [{ data, address }],
    flashSize: "keep",
    flashMode: "keep",
    flashFreq: "keep",
    eraseAll: false,
    compress,
    reportProgress: (_i, written, total) => (lastProgress = [written, total]),
    calculateMD5Hash: md5hex,
  });
  return { lastProgress, ms: Date.now() - t };
}

// ---------------------------------------------------------------------------------------------
// The run

const DATA_ADDR = 0x10000;
const DATA = makeData(64 * 1024, 0xc0ffee);
const ODD_ADDR = 0x21000;
const ODD = makeData(10001, 0x5eed); // esptool-js pads to 10004 with 0xFF, then to a 16 KB block
const ODD_PADDED = new Uint8Array(10004).fill(0xff);
ODD_PADDED.set(ODD);
const TAIL_ADDR = FLASH_BYTES - 4096;
const TAIL = makeData(4096, 0x7a11);
const ERASE_ADDR = 0x14000;
const ERASE_LEN = 0x4000;
const ESP_ERASE_REGION = 0xd1;

console.log(`conformance ${EXPECTED}: esptool-js ${esptoolVersion}, node ${process.version}, sim ${args.sim}, ` +
  `${args.timing ? "real-time timing model" : "--no-timing"}, baud 115200 -> ${args.baud}, flash ${args.flashSize}`);

let endpoint;
await step("start sim", async () => {
  endpoint = await startSim();
  return endpoint.line.trim();
});

async function connectAndDetect(s, label) {
  const desc = await s.loader.main("default_reset");
  const name = s.loader.chip && s.loader.chip.CHIP_NAME;
  check(name === EXPECTED, `esptool-js detected ${name}, expected ${EXPECTED}`);
  check(s.loader.IS_STUB === true, `esptool-js is not running its stub after connect (IS_STUB=${s.loader.IS_STUB})`);
  const uploaded = s.terminal.lines.some((l) => l.startsWith("Stub running"));
  const reused = s.terminal.lines.some((l) => l.startsWith("Stub is already running"));
  check(uploaded || reused, "esptool-js printed neither 'Stub running' nor 'Stub is already running'");
  // A new TCP connection, or an RFC2217 ClassicReset, is a reset: the ROM answers, not a stub.
  // (A PTY has no reset; there the stub of the previous connection may still run.)
  if (!args.pty) check(uploaded, "SYNC answered with value 0 (stub still running) on a fresh connection, which is a reset");
  // The baud change must have happened in place on the same connection: a fallback reconnect
  // would mean the chip stopped answering after CHANGE_BAUDRATE.
  // One exception, esptool-js's own: with a stub still running (only possible over a PTY,
  // which has no reset), the ESP32/ESP8266 stubs answer GET_SECURITY_INFO with stub error 0xFF
  // (docs/protocol.md §5.14, §7 4b); esptool-js takes that as "autodetection failed", reopens the
  // port and detects by the magic register. Harmless on a PTY, where reopening resets nothing.
  const redetect = s.terminal.lines.some((l) => l.includes("Autodetection failed"));
  const allowReopen = args.pty && reused && redetect && ["ESP32", "ESP8266"].includes(EXPECTED);
  check(s.port.opens === 1 || (allowReopen && s.port.opens === 2),
    `esptool-js opened the port ${s.port.opens} times (fell back to a reconnect${redetect ? " after 'Autodetection failed'" : ""})`);
  if (args.baud !== 115200) {
    check(s.port.baudLog.includes(args.baud), `no in-place baud change to ${args.baud} (log: ${s.port.baudLog})`);
    check(!s.terminal.lines.some((l) => /Continuing at 115200/.test(l)), "esptool-js gave up the baud change and continued at 115200");
  }
  let banner = "";
  if (args.rfc2217) {
    // esptool-js's ClassicReset (DTR/RTS over SET-CONTROL) must have reset the chip into
    // download mode, which prints the ROM's boot banner (docs/protocol.md §10.6, §12 item 10).
    const text = s.port._capturedText();
    const pre = text.slice(0, Math.max(0, text.indexOf("\xc0\x01\x08")));
    if (EXPECTED === "ESP8266") {
      // The ESP8266 ROM prints its banner at 74880 baud (docs/protocol.md §6): at 115200 it is noise.
      check(pre.length > 0, "nothing arrived before the SYNC replies after esptool-js's reset (expected the banner, garbled at 74880 baud)");
      banner = `, ${pre.length} banner bytes (sent at 74880, unreadable at 115200 as on a real ESP8266)`;
    } else {
      const m = /[^\r\n]*rst[: ][^\r\n]*/.exec(pre);
      check(m, `no boot banner ("rst...") before the SYNC replies after esptool-js's reset; got ${JSON.stringify(pre.slice(0, 80))}`);
      banner = `, banner "${m[0].trim()}"`;
    }
  }
  const crystal = s.terminal.lines.find((l) => l.startsWith("Crystal is")) || "crystal ?";
  const fid = s.terminal.lines.find((l) => l.startsWith("Flash ID")) || "";
  return `${label}: ${name} "${desc}", ${crystal}, stub ${uploaded ? "uploaded (OHAI)" : "already running (SYNC value 0)"}, ` +
    `baud ${s.port.baudLog.length ? s.port.baudLog.join(",") : "unchanged"}, ${fid}${banner}`;
}

function checkMac(mac) {
  check(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac), `MAC "${mac}" is not six hex bytes`);
  const b = mac.split(":").map((h) => parseInt(h, 16));
  check(b.some((x) => x !== 0), `MAC ${mac} is all zero (blank eFuse)`);
  check(b.some((x) => x !== 0xff), `MAC ${mac} is all 0xFF`);
  check((b[0] & 1) === 0, `MAC ${mac} is a multicast address; an eFuse MAC is unicast`);
  check(!b.slice(3).every((x) => x === 0), `MAC ${mac} has an all-zero NIC part`);
}

// ---- connection 1 ----
const s1 = await openSession(endpoint);
await step("detect (connection 1)", () => connectAndDetect(s1, "connection 1"));

await step("crystal", async () => {
  // Computed by esptool-js in the ROM at 115200 from UART_CLKDIV (ESP8266/ESP32/C2/C5).
  const crystal = s1.terminal.lines.find((l) => l.startsWith("Crystal is")) || "no crystal line";
  check(crystal === `Crystal is ${CRYSTAL_MHZ[EXPECTED]}MHz`,
    `esptool-js says "${crystal}", expected ${CRYSTAL_MHZ[EXPECTED]} MHz (docs/protocol.md §8.1: UART_CLKDIV read at the 115200 sync baud)`);
  const warn = s1.terminal.lines.find((l) => /WARNING.*crystal/i.test(l));
  check(!warn, `esptool-js warned: ${warn}`);
  return crystal;
}, { fatal: false });

let mac1;
await step("read MAC", async () => {
  mac1 = await s1.loader.chip.readMac(s1.loader);
  checkMac(mac1);
  const again = await s1.loader.chip.readMac(s1.loader);
  check(again === mac1, `MAC changed between two reads: ${mac1} then ${again}`);
  return mac1;
});

await step("flash id", async () => {
  const id = (await s1.loader.readFlashId()) >>> 0;
  const mfr = id & 0xff;
  const dev = (id >> 8) & 0xffff;
  const cap = (id >> 16) & 0xff;
  check(id !== 0xffffff && id !== 0 && id !== 0xffff3f, `flash id ${hex(id, 6)} is a "no flash" id`);
  check(mfr !== 0 && mfr !== 0xff, `manufacturer ${hex(mfr, 2)} invalid`);
  check(dev !== 0 && dev !== 0xffff, `device ${hex(dev, 4)} invalid`);
  const sizeStr = s1.loader.DETECTED_FLASH_SIZES[cap];
  check(sizeStr === args.flashSize, `capacity byte ${hex(cap, 2)} means ${sizeStr}, the sim was started with --flash-size ${args.flashSize}`);
  const detected = await s1.loader.detectFlashSize();
  check(detected === args.flashSize, `detectFlashSize() said ${detected}`);
  const id2 = (await s1.loader.readFlashId()) >>> 0;
  check(id2 === id, `flash id not stable: ${hex(id, 6)} then ${hex(id2, 6)}`);
  return `id ${hex(id, 6)}: manufacturer ${hex(mfr, 2)}, device ${hex((id >> 8) & 0xff, 2)}${cap.toString(16).padStart(2, "0")}, size ${sizeStr}`;
});

await step("MD5 of an untouched region", async () => {
  // Fresh flash is erased: the stub's raw MD5 must be that of 8 KB of 0xFF (a loader that
  // answered a constant or the wrong encoding fails here, before any write).
  const got = await s1.loader.flashMd5sum(0x40000, 8192);
  const want = md5hex(new Uint8Array(8192).fill(0xff));
  check(got === want, `SPI_FLASH_MD5(0x40000, 8192) = ${got}, expected md5 of erased flash ${want}`);
  return got;
});

await step("compressed write 64 KB + esptool-js MD5 verify", async () => {
  const n = s1.terminal.lines.length;
  const { lastProgress } = await writeFile(s1.loader, DATA, DATA_ADDR, true);
  const out = s1.terminal.lines.slice(n);
  const comp = out.find((l) => l.startsWith("Compressed "));
  check(comp, "esptool-js did not report a compressed write");
  check(out.includes("Hash of data verified."), "esptool-js did not report 'Hash of data verified.'");
  const flashMd5 = out.find((l) => l.startsWith("Flash md5: "));
  check(flashMd5 === `Flash md5: ${md5hex(DATA)}`, `esptool-js saw ${flashMd5}, data md5 is ${md5hex(DATA)}`);
  check(lastProgress && lastProgress[0] === lastProgress[1], `progress ended at ${lastProgress}`);
  return `${comp.replace(/\.\.\.$/, "")}, ${out.find((l) => l.startsWith("Wrote ")) || ""} md5 ${md5hex(DATA)} verified by esptool-js`;
});

await step("read back (READ_FLASH)", async () => {
  const got = await readFlash(s1.loader, DATA_ADDR, DATA.length);
  expectBytes(got, DATA, "read-back of the compressed write", DATA_ADDR);
  // esptool-js stops reading after the data and never looks at the stub's closing frame; read
  // it with esptool-js's own SLIP reader: 16 raw bytes = MD5 of the data (docs/protocol.md §5.17).
  const md5frame = await s1.transport.read(3000);
  check(md5frame.length === 16, `READ_FLASH's closing frame has ${md5frame.length} bytes, expected a raw 16-byte MD5`);
  const md5got = Buffer.from(md5frame).toString("hex");
  check(md5got === md5hex(DATA), `READ_FLASH's closing MD5 ${md5got}, data MD5 ${md5hex(DATA)}`);
  const after = await readFlash(s1.loader, DATA_ADDR + DATA.length, 4096);
  expectErased(after, "the 4 KB after the written region", DATA_ADDR + DATA.length);
  const before = await readFlash(s1.loader, DATA_ADDR - 4096, 4096);
  expectErased(before, "the 4 KB before the written region", DATA_ADDR - 4096);
  return `${DATA.length} bytes at ${hex(DATA_ADDR)} identical, closing MD5 frame right; neighbours still erased`;
});

await step("uncompressed odd-size write + read back", async () => {
  const n = s1.terminal.lines.length;
  await writeFile(s1.loader, ODD, ODD_ADDR, false);
  const out = s1.terminal.lines.slice(n);
  check(out.includes("Hash of data verified."), "esptool-js did not report 'Hash of data verified.'");
  // esptool-js pads the file to 4 bytes with 0xFF and the last (only) block to 16 KB with 0xFF;
  // the stub writes only the announced size, so flash after it must stay erased.
  const got = await readFlash(s1.loader, ODD_ADDR, 16384);
  expectBytes(got.slice(0, ODD_PADDED.length), ODD_PADDED, "read-back of the uncompressed write", ODD_ADDR);
  expectErased(got.slice(ODD_PADDED.length), "flash after the announced size", ODD_ADDR + ODD_PADDED.length);
  const md5 = await s1.loader.flashMd5sum(ODD_ADDR, ODD_PADDED.length);
  check(md5 === md5hex(ODD_PADDED), `SPI_FLASH_MD5 ${md5}, expected ${md5hex(ODD_PADDED)}`);
  return `${ODD.length} bytes (padded ${ODD_PADDED.length}) at ${hex(ODD_ADDR)}, FLASH_BEGIN/DATA/END, identical`;
});

await step("disconnect (connection 1)", async () => {
  await closeSession(s1);
  return `${s1.port.bytesOut} bytes sent, ${s1.port.bytesIn} received`;
});

// ---- connection 2: a new TCP connection is a reset into download mode (RFC2217: esptool-js's
// ClassicReset; PTY: no reset at all) ----
const s2 = await openSession(endpoint);
await step("detect (connection 2)", () => connectAndDetect(s2, "connection 2"));

await step("MAC stable across reconnect", async () => {
  const mac2 = await s2.loader.chip.readMac(s2.loader);
  check(mac2 === mac1, `MAC was ${mac1} on connection 1, ${mac2} on connection 2`);
  return mac2;
});

await step("flash kept across reconnect", async () => {
  const got = await readFlash(s2.loader, DATA_ADDR, DATA.length);
  expectBytes(got, DATA, "flash after reconnect", DATA_ADDR);
  const md5 = await s2.loader.flashMd5sum(DATA_ADDR, DATA.length);
  check(md5 === md5hex(DATA), `SPI_FLASH_MD5 ${md5}, expected ${md5hex(DATA)}`);
  return `${DATA.length} bytes at ${hex(DATA_ADDR)} unchanged`;
});

await step("erase region (ERASE_REGION)", async () => {
  const pkt = new Uint8Array(8);
  new DataView(pkt.buffer).setUint32(0, ERASE_ADDR, true);
  new DataView(pkt.buffer).setUint32(4, ERASE_LEN, true);
  await s2.loader.checkCommand("erase region", ESP_ERASE_REGION, pkt, 0, 0, s2.loader.timeoutPerMb(30000, ERASE_LEN));
  const got = await readFlash(s2.loader, DATA_ADDR, DATA.length);
  const lo = ERASE_ADDR - DATA_ADDR;
  const hi = lo + ERASE_LEN;
  expectBytes(got.slice(0, lo), DATA.slice(0, lo), "data before the erased region", DATA_ADDR);
  expectErased(got.slice(lo, hi), "erased region", ERASE_ADDR);
  expectBytes(got.slice(hi), DATA.slice(hi), "data after the erased region", ERASE_ADDR + ERASE_LEN);
  return `${hex(ERASE_ADDR)}+${hex(ERASE_LEN, 4)} erased, the rest of the write intact`;
});

await step("client vanishes in the middle of a write", async () => {
  // The host drops the connection after the first 16 KB block of a compressed write was
  // acknowledged (the stub is inflating/writing it). esptool-js must fail, and the sim must
  // come back as a fresh chip on the next connection.
  const big = makeData(96 * 1024, 0xdead);
  // One attempt per block: esptool-js would otherwise "retry" on a port without a writable
  // stream and wait out a 3 s read timeout per retry.
  s2.loader.WRITE_BLOCK_ATTEMPTS = 1;
  let cut = false;
  let err = null;
  try {
    await s2.loader.writeFlash({
      fileArray: [{ data: big, address: 0x100000 }], flashSize: "keep", flashMode: "keep",
      flashFreq: "keep", eraseAll: false, compress: true,
      reportProgress: (_i, written) => {
        if (written > 0 && !cut) {
          cut = true;
          s2.port.socket.destroy();
        }
      },
    });
  } catch (e) {
    err = e;
  }
  check(cut, "the write never reached its first block");
  check(err, "writeFlash succeeded although the connection was cut");
  await closeSession(s2);
  return `connection cut after block 0; esptool-js: ${String(err.message).split("\n")[0]}`;
});

// ---- connection 2b: after the cut, a new connection (reset) ----
const s2b = await openSession(endpoint);
await step("detect (connection 2b, after the cut)", () => connectAndDetect(s2b, "connection 2b"));

await step("erase flash (ERASE_FLASH)", async () => {
  const s2 = s2b;
  await s2.loader.eraseFlash();
  expectErased(await readFlash(s2.loader, DATA_ADDR, DATA.length), "written region after chip erase", DATA_ADDR);
  expectErased(await readFlash(s2.loader, ODD_ADDR, 16384), "odd-size region after chip erase", ODD_ADDR);
  const md5 = await s2.loader.flashMd5sum(0, FLASH_BYTES);
  const want = md5hex(new Uint8Array(FLASH_BYTES).fill(0xff));
  check(md5 === want, `MD5 of the whole ${args.flashSize} flash ${md5}, expected ${want} (all 0xFF)`);
  return `whole ${args.flashSize} reads back erased (MD5 ${md5})`;
});

await step("write at the end of the flash", async () => {
  await writeFile(s2b.loader, TAIL, TAIL_ADDR, true);
  const got = await readFlash(s2b.loader, TAIL_ADDR, TAIL.length);
  expectBytes(got, TAIL, "last sector", TAIL_ADDR);
  return `${TAIL.length} bytes at ${hex(TAIL_ADDR)} written, verified and read back`;
});

await step("stub -> ROM: FLASH_BEGIN(0,0) + FLASH_END(0)", async () => {
  // docs/protocol.md §5.7 / §10.5 "no-reset" with a stub, traces/esp32-stub-write-flash-z (trace 7):
  // the stub answers, then the chip does a software reset back into the ROM loader (banner).
  // esptool-js's after() cannot do it except on ESP8266, so its flashBegin/flashFinish are used.
  s2b.port.capture = [];
  await s2b.loader.flashBegin(0, 0);
  await s2b.loader.flashFinish(true);
  await new Promise((r) => setTimeout(r, 300));
  const text = s2b.port._capturedText();
  let romValue = null;
  for (let i = 0; i < 5 && romValue === null; i++) {
    try {
      s2b.transport.flushInput();
      const resp = await s2b.loader.sync();
      romValue = resp[0] >>> 0;
    } catch {
      /* banner noise / retry as esptool-js's connect does */
    }
  }
  check(romValue !== null, "no SYNC answer after the stub's FLASH_END(0)");
  check(s2b.loader.syncStubDetected === false, `SYNC value ${hex(romValue)}: still the stub (value 0) after FLASH_END(0)`);
  s2b.loader.IS_STUB = false;
  const magic = (await s2b.loader.readReg(0x40001000)) >>> 0;
  // 0 is what the sim answers there for the P4 and the chips esptool 5 detects by chip id only
  // (S31, H4: no value known, docs/chips.md)
  check(magic !== 0 || ["ESP32-P4", "ESP32-S31", "ESP32-H4"].includes(EXPECTED),
        `READ_REG(magic) = ${hex(magic)} after the software reset`);
  // Between the FLASH_END reply and the first SYNC reply: the ROM's boot banner, sent at the
  // ROM's boot baud - unreadable while the host is still at the stub's 460800, as on a real wire.
  const endReply = "\xc0\x01\x04\x02\x00";
  const a = text.indexOf(endReply);
  check(a >= 0, "the FLASH_END(0) reply was not seen");
  const b0 = text.indexOf("\xc0", a + 1) + 1;
  const b1 = text.indexOf("\xc0\x01\x08", b0);
  const banner = text.slice(b0, b1 < 0 ? undefined : b1);
  check(banner.length > 0, "nothing (no boot banner) between the FLASH_END(0) reply and the SYNC replies");
  const m = /rst[: ][^\r\n]*/.exec(banner);
  return `ROM answers SYNC with value ${hex(romValue)}; ${banner.length} banner bytes` +
    (m ? ` "${m[0].trim()}"` : " (at the ROM's boot baud, unreadable at the host's rate)");
});

await step("disconnect (connection 2b)", async () => {
  await closeSession(s2b);
  return `${s2b.port.bytesOut} bytes sent, ${s2b.port.bytesIn} received`;
});

// ---- connection 3: the ROM loader itself, driven by esptool-js without its stub ----
// esptool-js 0.7 has ROM-mode bugs of its own (DESIGN.md §5, checked against docs/protocol.md):
//  * flashMd5sum() hex-encodes the ROM's 32-byte ASCII-hex answer a second time -> we decode it
//    (and hand writeFlash a calculateMD5Hash that encodes the same way);
//  * it keeps the stub's 16 KB FLASH_WRITE_SIZE in ROM mode -> we set the ROM's 0x400 (§5.5/§6);
//  * FLASH_BEGIN always carries 5 words to a ROM (ESP32 and ESP8266 ROMs take 4, §4; the real
//    ESP32 ROM answers a 5-word FLASH_BEGIN with 01 05, traces/esp32-rom-probes A32);
//  * FLASH_DEFL_BEGIN carries 5 words only for S2/S3/C3/C2 (C5/C6/C61/H2/P4 ROMs need 5, §4;
//    the real C3 ROM refuses a wrong word count with 01 05, traces README "Size field").
// Where esptool-js sends what the spec says the ROM refuses, we assert the refusal (01 05).
const ROM_DEFL_OK = ["ESP32", "ESP32-S2", "ESP32-S3", "ESP32-C3", "ESP32-C2"].includes(EXPECTED);
const ROM_PLAIN_OK = !["ESP32", "ESP8266"].includes(EXPECTED);
const ROM_DEFL_ADDR = 0x30000;
const ROM_DEFL = makeData(8192, 0xd3f1);
const ROM_PLAIN_ADDR = 0x34000;
const ROM_PLAIN = makeData(5000, 0x9a1e);
// What the flash must hold from the chip erase on (checked against the --flash-file at the end).
const model = new Uint8Array(FLASH_BYTES).fill(0xff);
model.set(TAIL, TAIL_ADDR);

const asciiHexOfHex = (h) => Array.from(h, (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
function decodeRomMd5(doubled) {
  // esptool-js returned toHex(32 ASCII bytes): turn it back into the ROM's text.
  check(typeof doubled === "string" && doubled.length === 64, `ROM MD5 answer has ${doubled && doubled.length / 2} bytes, expected 32 ASCII bytes`);
  const text = doubled.match(/../g).map((b) => String.fromCharCode(parseInt(b, 16))).join("");
  check(/^[0-9a-f]{32}$/.test(text), `ROM MD5 answer "${text}" is not 32 lowercase ASCII hex digits (docs/protocol.md §5.13)`);
  return text;
}
async function expectRefused(what, fn) {
  let err = null;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  check(err, `${what} was accepted; the spec says this ROM refuses it`);
  check(/status 1,5\b/.test(String(err.message)), `${what} failed, but not with ROM status 01 05: ${err.message}`);
  return err.message.split("\n")[0];
}

const s3 = await openSession(endpoint);
await step("ROM: detect without stub (connection 3)", async () => {
  await s3.loader.detectChip("default_reset");
  const name = s3.loader.chip && s3.loader.chip.CHIP_NAME;
  check(name === EXPECTED, `esptool-js detected ${name}, expected ${EXPECTED}`);
  check(s3.loader.syncStubDetected === false, "SYNC answered with value 0 (a stub) right after a reset; expected the ROM");
  check(s3.loader.IS_STUB === false, "esptool-js thinks a stub runs");
  const desc = await s3.loader.chip.getChipDescription(s3.loader);
  return `${name} "${desc}" from the ROM loader`;
});

await step("ROM: MAC", async () => {
  const mac = await s3.loader.chip.readMac(s3.loader);
  check(mac === mac1, `ROM reports MAC ${mac}, the stub session reported ${mac1}`);
  return mac;
});

if (EXPECTED !== "ESP8266") {
  await step("ROM: SPI_ATTACH + SPI_SET_PARAMS + flash id", async () => {
    await s3.loader.flashSpiAttach(0);
    // esptool-js never sends SPI_SET_PARAMS; a ROM then only knows its default flash size
    // (2 MB, docs/protocol.md §5.11) and refuses what lies beyond. Sent through its command layer
    // with esptool's values (id 0, total size, 64 KB block, 4 KB sector, 256 B page, 0xFFFF).
    const p = new Uint8Array(24);
    const dv = new DataView(p.buffer);
    [0, FLASH_BYTES, 0x10000, 0x1000, 0x100, 0xffff].forEach((v, i) => dv.setUint32(4 * i, v, true));
    await s3.loader.checkCommand("set SPI params", 0x0b, p);
    const id = (await s3.loader.readFlashId()) >>> 0;
    const cap = (id >> 16) & 0xff;
    check(s3.loader.DETECTED_FLASH_SIZES[cap] === args.flashSize, `flash id ${hex(id, 6)} from the ROM does not say ${args.flashSize}`);
    return `SPI_ATTACH(0), SPI_SET_PARAMS(${args.flashSize}) ok, id ${hex(id, 6)}`;
  });

  await step("ROM: SPI_FLASH_MD5 is ASCII hex", async () => {
    const text = decodeRomMd5(await s3.loader.flashMd5sum(TAIL_ADDR, TAIL.length));
    check(text === md5hex(TAIL), `ROM MD5 of the last sector ${text}, expected ${md5hex(TAIL)}`);
    return `"${text}" (esptool-js shows it hex-encoded twice: its own bug)`;
  });
} else {
  await step("ROM: SPI_FLASH_MD5 unsupported on ESP8266", async () => {
    let err = null;
    try {
      await s3.loader.flashMd5sum(TAIL_ADDR, TAIL.length);
    } catch (e) {
      err = e;
    }
    check(err && err.name === "UnsupportedCommandError",
      `SPI_FLASH_MD5 to the ESP8266 ROM: expected the "unsupported" reply (docs/protocol.md §4), got ${err ? err.message : "an answer"}`);
    const magic = (await s3.loader.readReg(0x40001000)) >>> 0;
    check(magic === 0xfff0c101, `after the unsupported reply READ_REG(magic) = ${hex(magic)}`);
    return "unsupported reply, link still in step";
  });
}

await step("ROM: READ_FLASH (stub-only) is unsupported", async () => {
  let err = null;
  try {
    await s3.loader.readFlash(0, 4096);
  } catch (e) {
    err = e;
  }
  check(err && err.name === "UnsupportedCommandError",
    `READ_FLASH (0xD2) to the ROM: expected the "unsupported" reply (stale opcode, 01 05), got ${err ? err.message : "data"}`);
  const again = await s3.loader.chip.readMac(s3.loader);
  check(again === mac1, `after the unsupported reply the MAC read gave ${again}`);
  return "esptool-js raised UnsupportedCommandError; link still in step";
});

if (EXPECTED !== "ESP8266") {
  s3.loader.FLASH_WRITE_SIZE = 0x400; // workaround: esptool-js keeps 0x4000 in ROM mode
  const romMd5Hash = (img) => asciiHexOfHex(md5hex(img)); // workaround: its double hex
  await step("ROM: compressed write (FLASH_DEFL_*)", async () => {
    const write = () => s3.loader.writeFlash({
      fileArray: [{ data: ROM_DEFL, address: ROM_DEFL_ADDR }], flashSize: "keep", flashMode: "keep",
      flashFreq: "keep", eraseAll: false, compress: true, calculateMD5Hash: romMd5Hash,
    });
    if (!ROM_DEFL_OK) {
      const msg = await expectRefused("esptool-js's 4-word FLASH_DEFL_BEGIN", write);
      return `refused as the spec says (esptool-js sends 4 words, this ROM takes 5): ${msg}`;
    }
    const n = s3.terminal.lines.length;
    await write();
    check(s3.terminal.lines.slice(n).includes("Hash of data verified."), "esptool-js did not report 'Hash of data verified.'");
    model.set(ROM_DEFL, ROM_DEFL_ADDR);
    return `${ROM_DEFL.length} bytes at ${hex(ROM_DEFL_ADDR)} in 1 KB blocks, ROM MD5 verified`;
  });
  await step("ROM: uncompressed write (FLASH_BEGIN/DATA)", async () => {
    const write = () => s3.loader.writeFlash({
      fileArray: [{ data: ROM_PLAIN, address: ROM_PLAIN_ADDR }], flashSize: "keep", flashMode: "keep",
      flashFreq: "keep", eraseAll: false, compress: false, calculateMD5Hash: romMd5Hash,
    });
    if (!ROM_PLAIN_OK) {
      const msg = await expectRefused("esptool-js's 5-word FLASH_BEGIN", write);
      return `refused as the real ESP32 ROM does (trace A32): ${msg}`;
    }
    const n = s3.terminal.lines.length;
    await write();
    check(s3.terminal.lines.slice(n).includes("Hash of data verified."), "esptool-js did not report 'Hash of data verified.'");
    model.set(ROM_PLAIN, ROM_PLAIN_ADDR); // the ROM also writes the 0xFF block padding: still 0xFF
    return `${ROM_PLAIN.length} bytes at ${hex(ROM_PLAIN_ADDR)}, ROM MD5 verified`;
  });
  await step("ROM: MD5 of the whole flash", async () => {
    const text = decodeRomMd5(await s3.loader.flashMd5sum(0, FLASH_BYTES));
    check(text === md5hex(model), `ROM MD5 of all ${args.flashSize} ${text}, expected ${md5hex(model)}`);
    return text;
  });
}

if (args.rfc2217) {
  await step("RFC2217: hard reset runs the app, ClassicReset returns to download mode", async () => {
    // esptool-js 0.7's HardReset only releases RTS (never asserts it), and its
    // Transport.setSignals() records DTR only when true, so after its ClassicReset every setRTS()
    // re-asserts DTR (on a real auto-reset circuit: no reset). esptool's hard reset is played
    // with esptool-js's CustomReset instead, releasing DTR first: D0, RTS on, 100 ms, RTS off.
    await s3.loader.resetConstructors.customReset(s3.transport, "D0|R1|W100|R0").reset();
    await new Promise((r) => setTimeout(r, 300));
    let synced = true;
    try {
      s3.transport.flushInput();
      await s3.loader.sync();
    } catch {
      synced = false;
    }
    check(!synced, "the chip still answered SYNC after DTR off, RTS on/off (expected: running the app)");
    await s3.loader.resetConstructors.classicReset(s3.transport, 50).reset();
    let ok = false;
    for (let i = 0; i < 5 && !ok; i++) {
      try {
        s3.transport.flushInput();
        await s3.loader.sync();
        ok = true;
      } catch {
        /* retry as esptool-js's connect does */
      }
    }
    check(ok, "no SYNC answer after esptool-js's ClassicReset");
    const magic = (await s3.loader.readReg(0x40001000)) >>> 0;
    return `app mode after D0|R1|W100|R0 (no SYNC), download mode after ClassicReset (magic ${hex(magic)})`;
  });
}

await step("disconnect (connection 3)", async () => {
  await closeSession(s3);
  return `${s3.port.bytesOut} bytes sent, ${s3.port.bytesIn} received`;
});

await step("stop sim, check --flash-file", async () => {
  const r = await stopSim();
  check(r && (r.code === 0 || r.sig === "SIGTERM"), `esploader-sim ended with code ${r && r.code}, signal ${r && r.sig}`);
  check(fs.existsSync(endpoint.flashFile), `esploader-sim did not create its --flash-file`);
  const img = new Uint8Array(fs.readFileSync(endpoint.flashFile));
  check(img.length === FLASH_BYTES, `flash file is ${img.length} bytes, expected ${FLASH_BYTES}`);
  expectBytes(img, model, "flash file vs. what the steps since ERASE_FLASH wrote", 0);
  return `${endpoint.flashFile}: ${img.length} bytes, exactly the expected image; exit ${r.code ?? r.sig}`;
});

// ---- Secure Download Mode (S2 and later): a second sim process with --secure-download ----
// docs/protocol.md §4: an SDM ROM accepts only SYNC, SPI_ATTACH, SPI_SET_PARAMS, CHANGE_BAUDRATE,
// FLASH_BEGIN/DATA/END and GET_SECURITY_INFO; everything else gets the "unsupported" reply.
// esptool-js learns SDM from GET_SECURITY_INFO flag bit 2, skips the stub, the baud change and
// every register read. Nothing can be read back in SDM, so the flash file is the witness.
if (!["ESP8266", "ESP32"].includes(EXPECTED)) {
  const SDM_ADDR = 0x8000;
  const SDM_DATA = makeData(5000, 0x5d3);
  let sdmEndpoint;
  await step("SDM: start sim --secure-download", async () => {
    sdmEndpoint = await startSim(["--secure-download"], "sdm");
    return sdmEndpoint.line.trim();
  });
  const s4 = await openSession(sdmEndpoint);
  await step("SDM: detect", async () => {
    const chip = await s4.loader.main("default_reset");
    check(s4.loader.chip && s4.loader.chip.CHIP_NAME === EXPECTED, `esptool-js detected ${s4.loader.chip && s4.loader.chip.CHIP_NAME}, expected ${EXPECTED}`);
    check(s4.loader.secureDownloadMode === true, "esptool-js did not see Secure Download Mode (GET_SECURITY_INFO flag bit 2)");
    check(s4.loader.IS_STUB === false, "esptool-js started its stub in SDM");
    check(s4.port.opens === 1, `esptool-js opened the port ${s4.port.opens} times`);
    return `${chip} in Secure Download Mode (esptool-js: no stub, no baud change, no register reads)`;
  });
  await step("SDM: READ_REG and SPI_FLASH_MD5 refused", async () => {
    for (const [what, fn] of [
      ["READ_REG", () => s4.loader.readReg(0x40001000)],
      ["SPI_FLASH_MD5", () => s4.loader.flashMd5sum(0, 4096)],
    ]) {
      let err = null;
      try {
        await fn();
      } catch (e) {
        err = e;
      }
      check(err && err.name === "UnsupportedCommandError", `${what} in SDM: expected the "unsupported" reply, got ${err ? err.message : "an answer"}`);
    }
    return "both got the unsupported reply";
  });
  await step("SDM: SPI_ATTACH + uncompressed write", async () => {
    await s4.loader.flashSpiAttach(0);
    s4.loader.FLASH_WRITE_SIZE = 0x400; // esptool-js keeps the stub's 0x4000 (see README)
    await s4.loader.writeFlash({
      fileArray: [{ data: SDM_DATA, address: SDM_ADDR }], flashSize: "keep", flashMode: "keep",
      flashFreq: "keep", eraseAll: false, compress: false,
    });
    return `${SDM_DATA.length} bytes at ${hex(SDM_ADDR)} (FLASH_BEGIN 5 words, 1 KB blocks); no verification possible in SDM`;
  });
  await step("SDM: compressed write refused", async () => {
    let err = null;
    try {
      await s4.loader.writeFlash({
        fileArray: [{ data: SDM_DATA, address: 0x20000 }], flashSize: "keep", flashMode: "keep",
        flashFreq: "keep", eraseAll: false, compress: true,
      });
    } catch (e) {
      err = e;
    }
    check(err && err.name === "UnsupportedCommandError", `FLASH_DEFL_BEGIN in SDM: expected the "unsupported" reply, got ${err ? err.message : "success"}`);
    return "FLASH_DEFL_BEGIN got the unsupported reply";
  });
  await step("SDM: disconnect, stop sim, check --flash-file", async () => {
    await closeSession(s4);
    const r = await stopSim();
    check(r && (r.code === 0 || r.sig === "SIGTERM"), `esploader-sim ended with code ${r && r.code}, signal ${r && r.sig}`);
    const img = new Uint8Array(fs.readFileSync(sdmEndpoint.flashFile));
    const want = new Uint8Array(FLASH_BYTES).fill(0xff);
    want.set(SDM_DATA, SDM_ADDR);
    expectBytes(img, want, "SDM flash file", 0);
    return `flash file holds exactly the ${SDM_DATA.length} bytes at ${hex(SDM_ADDR)}`;
  });
}

clearTimeout(overall);
finished = true;
cleanup();
if (softFailures.length) {
  console.log(`conformance ${EXPECTED}: FAILED (${softFailures.join(", ")}) after ${secs(Date.now() - T0)} s; all other steps passed`);
  process.exit(1);
}
console.log(`conformance ${EXPECTED}: PASSED in ${secs(Date.now() - T0)} s`);
process.exit(0);
