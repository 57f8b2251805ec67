#!/usr/bin/env python3
"""Test inputs for the esploader e2e tests, written independently of the CLI's code:
ESP images (docs/protocol.md section 11), partition tables, flasher_args.json, random blobs.

  mkdata.py image CHIP_ID OUT [--size N] [--no-hash] [--esp8266] [--seed S] [--size-freq B]
  mkdata.py parttable OUT NAME:TYPE:SUBTYPE:OFFSET:SIZE ... [--no-md5] [--corrupt-md5]
  mkdata.py blob OUT SIZE [--seed S]
  mkdata.py header OUT_JSON IMAGE   (prints bytes 2,3 and whether the SHA-256 is valid)
"""
import hashlib
import json
import random
import struct
import sys


def image(chip_id, size, with_hash, esp8266, seed, size_freq):
    rnd = random.Random(seed)
    seg_len = max(16, (size // 4) * 4)
    data = bytes(rnd.getrandbits(8) for _ in range(seg_len))
    nseg = 1
    hdr = struct.pack('<BBBBI', 0xE9, nseg, 2, size_freq, 0x40080000)
    if not esp8266:
        hdr += struct.pack('<B3sHBHH4sB', 0xEE, b'\0\0\0', chip_id, 0, 0, 0xFFFF, b'\0' * 4,
                           1 if with_hash else 0)
    body = hdr + struct.pack('<II', 0x3FFB0000, seg_len) + data
    csum = 0xEF
    for b in data:
        csum ^= b
    pad = 15 - (len(body) % 16)
    body += b'\0' * pad + bytes([csum])
    if with_hash and not esp8266:
        body += hashlib.sha256(body).digest()
    return body


def parttable(entries, md5=True, corrupt=False):
    out = b''
    for e in entries:
        name, ptype, sub, off, size = e.split(':')
        out += struct.pack('<2sBBII16sI', b'\xAA\x50', int(ptype, 0), int(sub, 0), int(off, 0),
                           int(size, 0), name.encode(), 0)
    if md5:
        digest = bytearray(hashlib.md5(out).digest())
        if corrupt:
            digest[0] ^= 0xFF
        out += b'\xEB\xEB' + b'\xFF' * 14 + bytes(digest)
    return out + b'\xFF' * (0xC00 - len(out))


def main(argv):
    cmd = argv[1]
    opts = [a for a in argv[2:] if a.startswith('--')]
    args = [a for a in argv[2:] if not a.startswith('--')]

    def opt(name, default):
        for o in opts:
            if o.startswith(name + '='):
                return o.split('=', 1)[1]
        return default

    if cmd == 'image':
        data = image(int(args[0], 0), int(opt('--size', '4096'), 0), '--no-hash' not in opts,
                     '--esp8266' in opts, int(opt('--seed', '1')), int(opt('--size-freq', '0x20'), 0))
        open(args[1], 'wb').write(data)
    elif cmd == 'parttable':
        open(args[0], 'wb').write(parttable(args[1:], '--no-md5' not in opts,
                                            '--corrupt-md5' in opts))
    elif cmd == 'blob':
        rnd = random.Random(int(opt('--seed', '7')))
        n = int(args[1], 0)
        open(args[0], 'wb').write(bytes(rnd.getrandbits(8) for _ in range(n)))
    elif cmd == 'header':
        data = open(args[0], 'rb').read()
        # Recompute the image length: 24-byte header, segments, checksum block.
        pos = 24
        for _ in range(data[1]):
            ln = struct.unpack_from('<I', data, pos + 4)[0]
            pos += 8 + ln
        end = (pos + 16) & ~15
        ok = hashlib.sha256(data[:end]).digest() == data[end:end + 32]
        print('%02x %02x %s' % (data[2], data[3], 'sha-ok' if ok else 'sha-bad'))
    else:
        sys.exit('unknown command')


if __name__ == '__main__':
    main(sys.argv)
