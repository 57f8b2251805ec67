/*
 * libFuzzer target: the whole library against a malicious or broken target. Everything the
 * library reads comes from the fuzz input: connect's boot-log handling and SYNC, chip
 * detection, every reply decoder in context (ROM and stub status layouts, MD5 hex and raw,
 * READ_FLASH's stream, security info, OHAI), the write pipeline's recovery and skip-unchanged
 * logic. Input: [ops flags] then the target's answers as chunks [n][t: 3 bytes][n bytes]: each
 * read gets (up to) the next chunk, which arrived t microseconds into the read (capped at its
 * timeout); n = 0 makes that read time out. The port has a virtual clock; once
 * the input is used up every read waits out its timeout, so every operation ends.
 * Invariants besides "no crash, no sanitizer report": every call returns a defined code, the
 * boot log stays within its buffer, and the library never spins (port calls are bounded).
 *
 * Seeds are recorded from the simulator: the chip-to-host bytes of the same operation
 * sequence against the sim's ROM and stub, for several chips (built only into the replay
 * runner and the seed writer, FUZZ_SEEDS_FROM_SIM).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esploader/esploader.h"
#include "fuzz_common.h"

#define T          "fuzz_target"
#define CALL_LIMIT 2000000u

typedef struct fport {
    const uint8_t *in;
    size_t len, pos, chunk_left;
    uint64_t now_us;
    unsigned long calls;
    /* recording (seed generation): forward to another port, keep what it read */
    const esploader_port_ops_t *fwd;
    void *fwd_ctx;
    uint64_t (*now_of)(void *fwd_ctx); /* the recorded port's clock in microseconds */
    uint8_t *rec;
    size_t rec_len, rec_cap;
} fport_t;

static void count(fport_t *p)
{
    if (++p->calls > CALL_LIMIT) {
        fuzz_fail(T, "the library spins: port call limit reached");
    }
}

static int32_t fp_write(void *ctx, const uint8_t *d, size_t n, uint32_t t)
{
    fport_t *p = ctx;
    count(p);
    return p->fwd ? p->fwd->write(p->fwd_ctx, d, n, t) : 0;
}

static int32_t fp_read(void *ctx, uint8_t *b, size_t n, uint32_t t)
{
    fport_t *p = ctx;
    count(p);
    if (p->fwd) {
        /* recording: each read's result becomes [n][us, 3 bytes][n bytes] (n <= 255; a
         * timeout is n = 0, which waits out the read's timeout on replay) */
        uint32_t t0 = p->fwd->now_ms(p->fwd_ctx);
        uint64_t us0 = p->now_of ? p->now_of(p->fwd_ctx) : (uint64_t)t0 * 1000u;
        int32_t r = p->fwd->read(p->fwd_ctx, b, n, t);
        uint64_t us = (p->now_of ? p->now_of(p->fwd_ctx) : us0) - us0;
        size_t done = 0;
        do {
            size_t k = r > 0 ? (size_t)r - done : 0;
            k = k > 255 ? 255 : k;
            uint32_t d = done == 0 && us < 0xFFFFFF ? (uint32_t)us : 0;
            if (p->rec_len + 4 + k <= p->rec_cap) {
                p->rec[p->rec_len++] = (uint8_t)k;
                p->rec[p->rec_len++] = (uint8_t)d;
                p->rec[p->rec_len++] = (uint8_t)(d >> 8);
                p->rec[p->rec_len++] = (uint8_t)(d >> 16);
                memcpy(p->rec + p->rec_len, b + done, k);
                p->rec_len += k;
            }
            done += k;
        } while (r > 0 && done < (size_t)r);
        return r;
    }
    if (p->chunk_left == 0) {
        if (p->pos + 4 > p->len) {
            p->now_us += (uint64_t)t * 1000u; /* nothing more will ever come */
            return 0;
        }
        const uint8_t *h = p->in + p->pos;
        p->pos += 4;
        p->chunk_left = h[0];
        if (p->chunk_left == 0) {
            p->now_us += (uint64_t)t * 1000u; /* this read times out */
            return 0;
        }
        uint32_t d = (uint32_t)h[1] | (uint32_t)h[2] << 8 | (uint32_t)h[3] << 16;
        p->now_us += d < (uint64_t)t * 1000u ? d : (uint64_t)t * 1000u; /* when it arrived */
    }
    size_t k = p->chunk_left;
    if (k > n) {
        k = n;
    }
    if (k > p->len - p->pos) {
        k = p->len - p->pos;
    }
    memcpy(b, p->in + p->pos, k);
    p->pos += k;
    p->chunk_left = p->pos >= p->len ? 0 : p->chunk_left - k;
    return (int32_t)k;
}

static int32_t fp_set_lines(void *ctx, int dtr, int rts)
{
    fport_t *p = ctx;
    count(p);
    return p->fwd ? p->fwd->set_lines(p->fwd_ctx, dtr, rts) : 0;
}

static int32_t fp_set_baud(void *ctx, uint32_t baud)
{
    fport_t *p = ctx;
    count(p);
    return p->fwd ? p->fwd->set_baudrate(p->fwd_ctx, baud) : 0;
}

static void fp_delay(void *ctx, uint32_t ms)
{
    fport_t *p = ctx;
    count(p);
    if (p->fwd) {
        p->fwd->delay_ms(p->fwd_ctx, ms);
    } else {
        p->now_us += (uint64_t)ms * 1000u;
    }
}

static uint32_t fp_now(void *ctx)
{
    fport_t *p = ctx;
    count(p);
    return p->fwd ? p->fwd->now_ms(p->fwd_ctx) : (uint32_t)(p->now_us / 1000u);
}

static const esploader_port_ops_t fops = {
    .write = fp_write,
    .read = fp_read,
    .set_lines = fp_set_lines,
    .set_baudrate = fp_set_baud,
    .delay_ms = fp_delay,
    .now_ms = fp_now,
};

static int op_no;

static void defined(int rc)
{
    if (getenv("FUZZ_TRACE") != NULL) {
        fprintf(stderr, "op %d: rc %d\n", op_no, rc); /* FUZZ_TRACE=1: how far an input got */
    }
    op_no++;
    if (rc > 0 || rc < ESPLOADER_ERR_STATE) {
        fuzz_fail(T, "undefined return code");
    }
}

static uint8_t stub_text[512], stub_data[64], image[8192];

/* The operation sequence; `flags` picks the optional parts. */
static void session(fport_t *p, uint8_t flags)
{
    esploader_t l;
    esploader_config_t cfg = {0};
    op_no = 0;
    cfg.port = &fops;
    cfg.port_ctx = p;
    cfg.connect_attempts = 2; /* bounded work per input; the logic is the same */
    defined(esploader_init(&l, &cfg));
    int rc = esploader_connect(&l);
    defined(rc);
    size_t blen = 0;
    const char *blog = esploader_boot_log(&l, &blen);
    if (blen > ESPLOADER_BOOT_LOG || (blen > 0 && blog == NULL)) {
        fuzz_fail(T, "boot log beyond its buffer");
    }
    uint8_t mac[6];
    defined(esploader_read_mac(&l, mac));
    esploader_security_info_t si;
    defined(esploader_get_security_info(&l, &si));
    uint32_t size = 0, id = 0, v = 0;
    defined(esploader_flash_detect_size(&l, &size, &id));
    if (flags & 1) {
        esploader_stub_t s = {0};
        s.text = stub_text;
        s.text_size = sizeof(stub_text);
        s.text_addr = 0x40380000;
        s.data = stub_data;
        s.data_size = sizeof(stub_data);
        s.data_addr = 0x3FC96000;
        s.entry = 0x40380010;
        defined(esploader_run_stub(&l, &s));
    }
    if (flags & 2) {
        defined(esploader_change_baudrate(&l, 921600));
    }
    uint8_t md5[16], buf[300];
    defined(esploader_flash_md5(&l, 0x10000, 4096, md5));
    if (flags & 4) {
        defined(esploader_flash_read(&l, 0x10000, buf, sizeof(buf)));
    }
    defined(esploader_flash_write_buffer(&l, 0x10000, image, sizeof(image),
                                         (flags & 8) ? ESPLOADER_WRITE_SKIP_UNCHANGED : 0, NULL,
                                         NULL));
    if (flags & 16) {
        /* a zlib stream of one stored block: 78 01, BFINAL|stored, LEN, NLEN, data, Adler-32 */
        uint8_t z[2 + 5 + 64 + 4] = {0x78, 0x01, 0x01, 64, 0, (uint8_t)~64, 0xFF};
        uint32_t a = 1, b = 0;
        for (int i = 0; i < 64; i++) {
            z[7 + i] = image[i];
            a = (a + image[i]) % 65521u;
            b = (b + a) % 65521u;
        }
        uint32_t ad = b << 16 | a;
        for (int i = 0; i < 4; i++) {
            z[71 + i] = (uint8_t)(ad >> (24 - 8 * i));
        }
        esploader_md5_t m;
        esploader_md5_init(&m);
        esploader_md5_update(&m, image, 64);
        esploader_md5_final(&m, md5);
        rc = esploader_flash_defl_start(&l, 0x20000, 64, sizeof(z), 0);
        defined(rc);
        if (rc == 0) {
            defined(esploader_flash_defl_write(&l, z, sizeof(z)));
            defined(esploader_flash_defl_finish(&l, md5, 0));
        }
    }
    if (flags & 32) {
        defined(esploader_flash_erase_region(&l, 0x30000, 0x1000));
    }
    defined(esploader_read_register(&l, 0x60008844, &v));
    defined(esploader_connect_diag(&l) >= 0 ? 0 : -100);
    (void)esploader_last_failure(&l);
}

static void init_data(void)
{
    for (size_t i = 0; i < sizeof(image); i++) {
        image[i] = (uint8_t)(i * 13 + (i >> 8));
    }
    for (size_t i = 0; i < sizeof(stub_text); i++) {
        stub_text[i] = (uint8_t)(i * 7);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    if (image[1] == 0) {
        init_data();
    }
    fport_t p = {0};
    p.in = data + 1;
    p.len = size - 1;
    session(&p, data[0]);
    return 0;
}

#ifdef FUZZ_SEEDS_FROM_SIM
#include "esp_sim.h"
#include "esp_sim_link.h"
#include "esploader_port_sim.h"

static uint64_t link_now_us(void *ctx)
{
    return sim_link_now_us((const sim_link_t *)ctx);
}

void fuzz_seeds(fuzz_emit_fn emit)
{
    static const struct {
        sim_chip_id_t chip;
        uint8_t flags;
        const char *name;
    } runs[] = {
        {SIM_CHIP_ESP32C3, 0x3E, "c3-rom"},      {SIM_CHIP_ESP32C3, 0x3F, "c3-stub"},
        {SIM_CHIP_ESP32, 0x16, "esp32-rom"},     {SIM_CHIP_ESP32S3, 0x2F, "s3-stub"},
        {SIM_CHIP_ESP8266, 0x20, "8266-rom"},    {SIM_CHIP_ESP8266, 0x19, "8266-stub"},
        {SIM_CHIP_ESP32P4, 0x3A, "p4-rom-skip"},
    };
    init_data();
    for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
        sim_config_t sc = {0};
        sc.chip = runs[i].chip;
        sc.strict = i % 2 == 0;
        char err[128];
        sim_t *sim = sim_new(&sc, err, sizeof(err));
        sim_link_t *k = sim_link_new(sim);
        fport_t p = {0};
        p.fwd = &esploader_port_sim_ops;
        p.fwd_ctx = k;
        p.now_of = link_now_us;
        p.rec_cap = 1 << 16;
        p.rec = malloc(p.rec_cap);
        p.rec[0] = runs[i].flags;
        p.rec_len = 1;
        session(&p, runs[i].flags);
        emit(runs[i].name, p.rec, p.rec_len);
        free(p.rec);
        sim_link_free(k);
        sim_free(sim);
    }
}
#else
void fuzz_seeds(fuzz_emit_fn emit)
{
    /* a bare ROM SYNC exchange; the full sessions come from the sim (FUZZ_SEEDS_FROM_SIM) */
    static const uint8_t s[] = {0x00, 0x00, 0,    0,    0,    14,   0x10, 0x27,
                                0x00, 0xC0, 0x01, 0x08, 0x04, 0x00, 0x07, 0x07,
                                0x12, 0x20, 0x00, 0x00, 0x00, 0x00, 0xC0};
    emit("sync", s, sizeof(s));
}
#endif
