/*
 * libFuzzer target: the library's response decoder (src/proto.c espl_proto_parse_resp, the
 * "unsupported" test and the ROM's hex MD5 decoder), for every result length the library
 * asks for: 0 (status only; ROM 4 status bytes, stub 2), 2 (ESP8266 / stub status), 12 / 20
 * (GET_SECURITY_INFO short and long), 16 (stub MD5), 32 (ROM hex MD5), 64 (READ_FLASH_SLOW).
 * Invariants: an OK decode never points outside the frame, reads only inside the announced
 * size, and gives the status bytes where the layout says; the hex decoder accepts exactly 32
 * hex digits (either case) and its output re-encodes to them.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_common.h"
#include "proto.h"

#define T "fuzz_resp"

static void check_len(const uint8_t *f, size_t len, size_t resp_len)
{
    espl_proto_resp_t r;
    espl_proto_resp_status_t st = espl_proto_parse_resp(f, len, resp_len, &r);
    if (st == ESP_PROTO_RESP_NOT_RESP) {
        if (len >= 8 && f[0] == 0x01) {
            fuzz_fail(T, "a response header was refused");
        }
        return;
    }
    if (len < 8 || f[0] != 0x01) {
        fuzz_fail(T, "not a response, but decoded");
    }
    size_t size = (size_t)f[2] | (size_t)f[3] << 8;
    if (r.op != f[1] || r.size != size) {
        fuzz_fail(T, "header fields wrong");
    }
    if (st != ESP_PROTO_RESP_OK) {
        return;
    }
    if (size > len - 8) {
        fuzz_fail(T, "OK for a frame shorter than its size field");
    }
    if (r.data != f + 8 || r.data_len > size || (r.data_len != 0 && r.data_len != resp_len)) {
        fuzz_fail(T, "result bytes outside the frame");
    }
    if (r.data_len == resp_len && size >= resp_len + 2) {
        if (r.status != f[8 + resp_len] || r.reason != f[9 + resp_len]) {
            fuzz_fail(T, "status bytes not after the result");
        }
    } else if (r.status == 0 || r.status != f[8] || r.reason != f[9]) {
        fuzz_fail(T, "short reply accepted without a failure status in front");
    }
    for (int op = 0; op < 256; op += 17) {
        bool u = espl_proto_is_unsupported(&r, (uint8_t)op);
        if (u != (r.op != op && r.status == 1 && r.reason == 5)) {
            fuzz_fail(T, "unsupported test wrong");
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t lens[] = {0, 2, 4, 12, 16, 20, 32, 64};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        check_len(data, size, lens[i]);
    }
    if (size >= 32) {
        uint8_t md5[16];
        bool ok = espl_proto_hex_md5(data, md5);
        bool want = true;
        for (int i = 0; i < 32; i++) {
            char c = (char)data[i];
            want &= (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        }
        if (ok != want) {
            fuzz_fail(T, "hex MD5 accepted something other than 32 hex digits (or refused them)");
        }
        if (ok) {
            char hex[33];
            for (int i = 0; i < 16; i++) {
                snprintf(hex + 2 * i, 3, "%02x", md5[i]);
            }
            for (int i = 0; i < 32; i++) {
                if ((data[i] | 0x20) != (uint8_t)hex[i]) {
                    fuzz_fail(T, "hex MD5 decoded wrong");
                }
            }
        }
    }
    return 0;
}

void fuzz_seeds(fuzz_emit_fn emit)
{
    /* ROM SYNC reply (4 status bytes), stub status, ROM failure, unsupported under the stale
     * opcode, GET_SECURITY_INFO (20 + 4), stub MD5 (16 + 2), ROM hex MD5 (32 + 4), truncated */
    static const uint8_t rom_ok[] = {1, 8, 4, 0, 7, 7, 0x12, 0x20, 0, 0, 0, 0};
    static const uint8_t stub_ok[] = {1, 2, 2, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t rom_fail[] = {1, 3, 4, 0, 0, 0, 0, 0, 1, 7, 0, 0};
    static const uint8_t unsupp[] = {1, 8, 2, 0, 7, 7, 0x12, 0x20, 1, 5};
    uint8_t sec[8 + 24] = {1, 0x14, 24, 0};
    sec[8 + 12] = 0x09;
    uint8_t md5s[8 + 18] = {1, 0x13, 18, 0};
    for (int i = 0; i < 16; i++) {
        md5s[8 + i] = (uint8_t)(i * 37);
    }
    uint8_t md5r[8 + 36] = {1, 0x13, 36, 0};
    memcpy(md5r + 8, "d41d8cd98f00b204e9800998ecf8427e", 32);
    static const uint8_t trunc[] = {1, 0x0A, 40, 0, 1, 2, 3, 4, 0};
    emit("rom-sync", rom_ok, sizeof(rom_ok));
    emit("stub-status", stub_ok, sizeof(stub_ok));
    emit("rom-fail", rom_fail, sizeof(rom_fail));
    emit("unsupported", unsupp, sizeof(unsupp));
    emit("security-info", sec, sizeof(sec));
    emit("stub-md5", md5s, sizeof(md5s));
    emit("rom-hex-md5", md5r + 8, 32); /* the hex decoder reads the first 32 bytes */
    emit("rom-md5-reply", md5r, sizeof(md5r));
    emit("truncated", trunc, sizeof(trunc));
}
