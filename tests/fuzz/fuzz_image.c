/*
 * libFuzzer target: the ESP image parser and header patcher (hostlib/eh_image.c: what the CLI's
 * write-flash uses to check an image's chip id and apply --flash-mode/-freq/-size, and what
 * image-info and esploader-mkimage read), plus the app description reader. Byte 0
 * picks the chip and the options; the rest is the image. Invariants besides "no crash, no
 * sanitizer report": every parsed segment lies inside the data, the checked length ends a
 * 16-byte block inside the data, and patching changes only header bytes 2-3 and the appended
 * SHA-256 and leaves an image that still parses the same way.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "eh_image.h"

#define T "fuzz_image"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    esploader_chip_t chip = (esploader_chip_t)(1 + (data[0] & 0x0F) % (ESPLOADER_CHIP_COUNT - 1));
    static const char *const modes[] = {NULL, "keep", "dio", "qio", "dout", "bogus"};
    static const char *const freqs[] = {NULL, "80m", "40m", "20m", "26m", "60m", "48m", "7m"};
    const char *mode = modes[(data[0] >> 4) % 6];
    const char *freq = freqs[(data[0] >> 5) & 7];
    const char *fsize = (data[0] & 0x80) ? "4MB" : ((data[0] & 0x40) ? "16MB" : NULL);
    const uint8_t *img_data = data + 1;
    size_t len = size - 1;

    eh_image_t img;
    int rc = eh_image_parse(img_data, len, chip, &img) == EH_IMAGE_OK ? 0 : -1;
    if (rc == 0) {
        if (img.segment_count == 0 || img.segment_count > EH_IMAGE_MAX_SEGMENTS ||
            img.checked_len > len || img.checked_len % 16 != 0 || img.image_len > len ||
            img.checksum_offset >= img.checked_len) {
            fuzz_fail(T, "header summary out of range");
        }
        for (unsigned i = 0; i < img.segment_count; i++) {
            if (img.seg[i].offset > len || img.seg[i].len > len - img.seg[i].offset) {
                fuzz_fail(T, "segment outside the data");
            }
        }
        if (img.hash_appended && (len - img.checked_len < 32 || !img.extended)) {
            fuzz_fail(T, "hash appended but not there, or on an ESP8266 image");
        }
        (void)eh_image_sha256_ok(img_data, &img);
        eh_app_desc_t d;
        (void)eh_image_app_desc(img_data, &img, &d);
    }
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, img_data, len);
    char note[200];
    int pr = eh_image_patch(copy, len, chip, mode, freq, fsize, note, sizeof(note));
    if (pr < 0 || pr > 1) {
        if (pr != -1 || note[0] == '\0') {
            fuzz_fail(T, "bad option without a message");
        }
    }
    if (pr == 1) {
        if (rc != 0) {
            fuzz_fail(T, "patched something that does not parse");
        }
        for (size_t i = 0; i < len; i++) {
            bool sha = img.hash_appended && i >= img.checked_len && i < img.checked_len + 32;
            if (copy[i] != img_data[i] && i != 2 && i != 3 && !sha) {
                fuzz_fail(T, "patch changed a byte outside the header fields and the hash");
            }
        }
        eh_image_t again;
        if (eh_image_parse(copy, len, chip, &again) != EH_IMAGE_OK ||
            again.checked_len != img.checked_len || again.segment_count != img.segment_count) {
            fuzz_fail(T, "patched image parses differently");
        }
    } else if (memcmp(copy, img_data, len) != 0) {
        fuzz_fail(T, "data changed although the patch said it did not");
    }
    free(copy);
    return 0;
}

void fuzz_seeds(fuzz_emit_fn emit)
{
    /* an ESP32-C3 image: 24-byte header, 2 segments, checksum block, SHA-256 appended */
    static uint8_t im[1 + 24 + 8 + 16 + 8 + 20 + 16 + 32];
    memset(im, 0, sizeof(im));
    im[0] = 0x85; /* chip index 5 -> C3, dio, 4MB */
    uint8_t *h = im + 1;
    h[0] = 0xE9;
    h[1] = 2;
    h[2] = 2;
    h[3] = 0x2F;
    h[4] = 0x10;
    h[7] = 0x40;
    h[12] = 5; /* chip id ESP32-C3 */
    h[23] = 1;
    h[24 + 4] = 16;
    h[24 + 8 + 16 + 4] = 20;
    emit("c3-image", im, sizeof(im));
    /* an ESP8266 image: 8-byte header, one segment */
    static uint8_t e8[1 + 8 + 8 + 12 + 4];
    memset(e8, 0, sizeof(e8));
    e8[0] = 0x00;
    e8[1] = 0xE9;
    e8[2] = 1;
    e8[1 + 8 + 4] = 12;
    emit("esp8266-image", e8, sizeof(e8));
}
