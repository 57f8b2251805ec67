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

import net from "node:net";

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

    // Fresh streams on every open, as a browser does.
    this.readable = new ReadableStream({
      start: (controller) => {
        this._readController = controller;
        socket.on("data", (buf) => {
          this.bytesIn += buf.length;
          try {
            controller.enqueue(new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
          } catch {
            // stream already cancelled/closed: drop
          }
        });
        socket.on("end", () => {
          try {
            controller.close();
          } catch {
            /* already closed */
          }
        });
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
            reject(new DOMException("connection closed", "NetworkError"));
            return;
          }
          this.bytesOut += chunk.length;
          socket.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), (err) =>
            err ? reject(err) : resolve(),
          );
        }),
      // A writer.close() (esptool-js flushOutput) must not hang up the connection.
      close: () => {},
      abort: () => {},
    });
  }

  async setSignals(sig = {}) {
    for (const k of ["dataTerminalReady", "requestToSend", "break"]) {
      if (typeof sig[k] === "boolean") this.signals[k] = sig[k];
    }
    this.signalLog.push({ ...this.signals });
  }

  async getSignals() {
    return { dataCarrierDetect: false, clearToSend: false, ringIndicator: false, dataSetReady: false };
  }

  async setBaudRate(baud) {
    this.baudLog.push(baud);
    this.baudRate = baud;
  }

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
