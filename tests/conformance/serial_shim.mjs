// A Web Serial `SerialPort` look-alike over a TCP connection, so that esptool-js (written for
// browsers) can talk to esploader-sim from Node.
//
// What esptool-js 0.7 touches on the port object: open({baudRate, ...}), the `readable` and
// `writable` WHATWG streams (it takes a reader / writer per chunk and releases the lock), close(),
// setSignals({dataTerminalReady, requestToSend, break}), getInfo(), and - if present -
// setBaudRate(baud) instead of closing and reopening the port on a baud change.
//
// Over raw TCP every open() is a new connection, which esploader-sim treats as a chip reset into
// download mode. That is why setBaudRate is offered: a reopen in the middle of a session would
// reset the virtual chip and lose the running stub. The modem lines have no wire to travel on
// here; setSignals only records them (as pyserial does for socket:// ports).

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import tty from "node:tty";

export class TcpSerialPort {
  /**
   * @param {string} host  e.g. "127.0.0.1"
   * @param {number} port  TCP port of esploader-sim
   */
  constructor(host, port) {
    this.host = host;
    this.port = port;
    this.readable = null;
    this.writable = null;
    this.socket = null;
    this.baudRate = 0;
    this.signals = { dataTerminalReady: false, requestToSend: false, break: false };
    this.signalLog = [];
    this.baudLog = [];
    this.opens = 0;
    this.capture = [];
    this.bytesIn = 0;
    this.bytesOut = 0;
    this._readController = null;
  }

  getInfo() {
    // No USB vendor/product id: esptool-js then treats the port as a plain UART bridge
    // (no USB-Serial/JTAG reset, no USB-OTG block sizes).
    return {};
  }

  async open(options = {}) {
    if (this.socket) {
      throw new DOMException("The port is already open.", "InvalidStateError");
    }
    this.baudRate = options.baudRate || 115200;
    const socket = await new Promise((resolve, reject) => {
      const s = net.createConnection({ host: this.host, port: this.port });
      const onError = (err) => {
        s.destroy();
        reject(new DOMException(`cannot connect to ${this.host}:${this.port}: ${err.message}`, "NetworkError"));
      };
      s.once("error", onError);
      s.once("connect", () => {
        s.off("error", onError);
        resolve(s);
      });
    });
    socket.setNoDelay(true);
    this.socket = socket;
    this.opens++;
    this.capture = []; // the first 4 KB received on this connection (boot banner checks)

    // Fresh streams on every open, as a browser does.
    this.readable = new ReadableStream({
      start: (controller) => {
        this._readController = controller;
        socket.on("data", (buf) => {
          const data = this._fromWire(new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
          if (!data.length) return;
          this.bytesIn += data.length;
          if (this.capture.length < 4096) this.capture.push(...data.slice(0, 4096 - this.capture.length));
          try {
            controller.enqueue(data);
          } catch {
            // stream already cancelled/closed: drop
          }
        });
        const ended = () => {
          try {
            controller.close();
          } catch {
            /* already closed */
          }
        };
        socket.on("end", ended);
        socket.on("close", ended);
        socket.on("error", (err) => {
          try {
            controller.error(new DOMException(`connection lost: ${err.message}`, "NetworkError"));
          } catch {
            /* already closed */
          }
        });
      },
      cancel: () => {
        // The reader gave up (Transport.disconnect): stop feeding, keep the socket until close().
        socket.removeAllListeners("data");
      },
    });
    this.writable = new WritableStream({
      write: (chunk) =>
        new Promise((resolve, reject) => {
          if (socket.destroyed) {
            // As in Web Serial, a fatal write error leaves the port without a writable stream
            // (a client's waitForUnlock must not spin on the errored, still-locked one).
            this.writable = null;
            reject(new DOMException("connection closed", "NetworkError"));
            return;
          }
          this.bytesOut += chunk.length;
          socket.write(this._toWire(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)), (err) =>
            err ? reject(err) : resolve(),
          );
        }),
      // A writer.close() (esptool-js flushOutput) must not hang up the connection.
      close: () => {},
      abort: () => {},
    });
    await this._afterOpen();
  }

  // Raw TCP: bytes pass unchanged. (Overridden by the RFC 2217 port.)
  _fromWire(u8) {
    return u8;
  }
  _toWire(u8) {
    return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
  }
  async _afterOpen() {}
  async _lines(_changed) {}
  _capturedText() {
    return Buffer.from(this.capture).toString("latin1");
  }

  async setSignals(sig = {}) {
    const changed = [];
    for (const k of ["dataTerminalReady", "requestToSend", "break"]) {
      if (typeof sig[k] === "boolean" && sig[k] !== this.signals[k]) {
        this.signals[k] = sig[k];
        changed.push(k);
      }
    }
    this.signalLog.push({ ...this.signals });
    await this._lines(changed);
  }

  async getSignals() {
    return { dataCarrierDetect: false, clearToSend: false, ringIndicator: false, dataSetReady: false };
  }

  async setBaudRate(baud) {
    this.baudLog.push(baud);
    this.baudRate = baud;
    await this._baud(baud);
  }
  async _baud(_baud) {}

  async close() {
    const socket = this.socket;
    this.socket = null;
    if (this.readable && !this.readable.locked) {
      try {
        await this.readable.cancel();
      } catch {
        /* ignore */
      }
    }
    this.readable = null;
    this.writable = null;
    this._readController = null;
    if (socket && !socket.destroyed) {
      await new Promise((resolve) => {
        socket.once("close", resolve);
        socket.end();
        // Don't wait forever for the peer's FIN.
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 500).unref();
      });
    }
  }
}

// RFC 2217 (telnet COM-PORT-OPTION) client: the modem lines and the baud rate travel to the
// server as SET-CONTROL / SET-BAUDRATE subnegotiations, data bytes 0xFF are doubled.
// Like a USB CDC adapter, only lines whose state changes are sent, DTR before RTS (esptool-js
// sets both at once; DTR first keeps its ClassicReset a clean "DTR on starts the download
// sequence" pattern for a server that interprets patterns, docs/protocol.md §10.6).
const IAC = 255, SB = 250, SE = 240, WILL = 251, WONT = 252, DO = 253, DONT = 254;
const OPT_BINARY = 0, OPT_SGA = 3, OPT_COM_PORT = 44;
const CPO_SET_BAUDRATE = 1, CPO_SET_CONTROL = 5;
const CTL_DTR_ON = 8, CTL_DTR_OFF = 9, CTL_RTS_ON = 11, CTL_RTS_OFF = 12;

export class Rfc2217SerialPort extends TcpSerialPort {
  constructor(host, port) {
    super(host, port);
    this.rfcState = "data";
    this.rfcSb = [];
    this.rfcVerb = 0;
    this.rfcReplies = []; // server subnegotiations: [command, ...bytes]
    this.weSaid = new Set(); // "WILL:44", "DO:0" ...
  }

  _send(bytes) {
    if (this.socket && !this.socket.destroyed) this.socket.write(Buffer.from(bytes));
  }
  _negotiate(verb, opt) {
    const key = `${verb}:${opt}`;
    if (this.weSaid.has(key)) return;
    this.weSaid.add(key);
    this._send([IAC, verb, opt]);
  }
  _subneg(cmd, payload) {
    const body = [OPT_COM_PORT, cmd];
    for (const b of payload) {
      body.push(b);
      if (b === IAC) body.push(IAC);
    }
    this._send([IAC, SB, ...body, IAC, SE]);
  }

  async _afterOpen() {
    this.rfcState = "data";
    this.weSaid.clear();
    this._negotiate(WILL, OPT_COM_PORT);
    this._negotiate(WILL, OPT_BINARY);
    this._negotiate(DO, OPT_BINARY);
    this._negotiate(DO, OPT_SGA);
    await this._baud(this.baudRate);
  }

  async _baud(baud) {
    this._subneg(CPO_SET_BAUDRATE, [(baud >>> 24) & 255, (baud >>> 16) & 255, (baud >>> 8) & 255, baud & 255]);
  }

  async _lines(changed) {
    for (const k of ["dataTerminalReady", "requestToSend"]) {
      if (!changed.includes(k)) continue;
      const on = this.signals[k];
      const v = k === "dataTerminalReady" ? (on ? CTL_DTR_ON : CTL_DTR_OFF) : on ? CTL_RTS_ON : CTL_RTS_OFF;
      this._subneg(CPO_SET_CONTROL, [v]);
    }
  }

  _toWire(u8) {
    const out = [];
    for (const b of u8) {
      out.push(b);
      if (b === IAC) out.push(IAC);
    }
    return Buffer.from(out);
  }

  _fromWire(u8) {
    const out = [];
    for (const b of u8) {
      switch (this.rfcState) {
        case "data":
          if (b === IAC) this.rfcState = "iac";
          else out.push(b);
          break;
        case "iac":
          if (b === IAC) {
            out.push(IAC);
            this.rfcState = "data";
          } else if (b === WILL || b === WONT || b === DO || b === DONT) {
            this.rfcVerb = b;
            this.rfcState = "opt";
          } else if (b === SB) {
            this.rfcSb = [];
            this.rfcState = "sb";
          } else {
            this.rfcState = "data"; // NOP, GA, ...
          }
          break;
        case "opt": {
          const ok = [OPT_BINARY, OPT_SGA, OPT_COM_PORT].includes(b);
          if (this.rfcVerb === DO) this._negotiate(ok ? WILL : WONT, b);
          else if (this.rfcVerb === WILL) this._negotiate(ok ? DO : DONT, b);
          this.rfcState = "data";
          break;
        }
        case "sb":
          if (b === IAC) this.rfcState = "sb_iac";
          else this.rfcSb.push(b);
          break;
        case "sb_iac":
          if (b === SE) {
            if (this.rfcSb[0] === OPT_COM_PORT) this.rfcReplies.push(this.rfcSb.slice(1));
            this.rfcState = "data";
          } else {
            this.rfcSb.push(b); // IAC IAC inside SB
            this.rfcState = "sb";
          }
          break;
      }
    }
    return new Uint8Array(out);
  }
}

// A pseudo-terminal slave (esploader-sim --listen pty). There are no modem lines on a PTY
// (setSignals only records them, as esptool does after its "Chip was NOT reset" warning), and
// reopening it is not a reset. The client sets its side raw, as pyserial does.
export class PtySerialPort extends TcpSerialPort {
  constructor(devPath) {
    super("pty", 0);
    this.devPath = devPath;
    this.rfd = -1;
    this.wfd = -1;
    this.rstream = null;
  }

  async open(options = {}) {
    if (this.rstream) {
      throw new DOMException("The port is already open.", "InvalidStateError");
    }
    this.baudRate = options.baudRate || 115200;
    execFileSync("stty", ["-F", this.devPath, "raw", "-echo", String(this.baudRate)]);
    this.rfd = fs.openSync(this.devPath, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
    this.wfd = fs.openSync(this.devPath, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
    const rs = new tty.ReadStream(this.rfd);
    rs.setRawMode(true);
    this.rstream = rs;
    this.opens++;
    this.capture = [];
    this.readable = new ReadableStream({
      start: (controller) => {
        rs.on("data", (buf) => {
          const data = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
          this.bytesIn += data.length;
          if (this.capture.length < 4096) this.capture.push(...data.slice(0, 4096 - this.capture.length));
          try {
            controller.enqueue(data);
          } catch {
            /* cancelled */
          }
        });
        const ended = () => {
          try {
            controller.close();
          } catch {
            /* already closed */
          }
        };
        rs.on("end", ended);
        rs.on("close", ended);
        rs.on("error", ended);
      },
      cancel: () => {
        rs.removeAllListeners("data");
      },
    });
    this.writable = new WritableStream({
      write: (chunk) =>
        new Promise((resolve, reject) => {
          if (this.wfd < 0) {
            this.writable = null;
            reject(new DOMException("port closed", "NetworkError"));
            return;
          }
          this.bytesOut += chunk.length;
          const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          fs.write(this.wfd, buf, 0, buf.length, null, (err, n) => {
            if (err) reject(err);
            else if (n !== buf.length) reject(new Error(`short write ${n}/${buf.length}`));
            else resolve();
          });
        }),
      close: () => {},
      abort: () => {},
    });
  }

  // The harness's "cut" for a PTY: close the client's side at once.
  get socket() {
    const self = this;
    return this.rstream ? { destroyed: false, destroy: () => self._hangUp() } : null;
  }
  set socket(_v) {}

  _hangUp() {
    if (this.rstream) {
      this.rstream.destroy(); // owns rfd and closes it
      this.rstream = null;
      this.rfd = -1;
    }
    if (this.wfd >= 0) {
      try {
        fs.closeSync(this.wfd);
      } catch {
        /* ignore */
      }
      this.wfd = -1;
    }
  }

  async close() {
    if (this.readable && !this.readable.locked) {
      try {
        await this.readable.cancel();
      } catch {
        /* ignore */
      }
    }
    this._hangUp();
    this.readable = null;
    this.writable = null;
  }
}
