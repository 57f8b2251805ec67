/*
 * esploader-mkimage: sample binaries for the examples and tests. Makes valid ESP images
 * (bootloader / app) for any supported chip, partition-table binaries from a CSV, or a whole
 * per-target folder (bootloader.bin, partition-table.bin, app.bin). Content is pseudo-firmware
 * (fwgen.h) that compresses like a real build; --report measures it with zlib level 9.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "chips.h"
#include "image.h"
#include "eh_parttable.h"

#define DEFAULT_APP_SIZE        (256u * 1024u)
#define DEFAULT_BOOTLOADER_SIZE (24u * 1024u)
#define ESP8266_BOOTLOADER_SIZE (10u * 1024u) /* the ESP8266 bootloader is much smaller */
#define DEFAULT_FLASH_SIZE      (4u * 1024u * 1024u)

typedef struct args {
    const char *cmd;
    const char *chip;
    const char *output;
    const char *csv;
    const char *out_dir;
    uint32_t size, app_size, flash_size;
    uint64_t seed;
    int flash_mode;
    int no_hash, report;
} args_t;

static void usage(FILE *f)
{
    fprintf(f, "usage:\n"
               "  esploader-mkimage app        --chip CHIP -o FILE [--size N] [image options]\n"
               "  esploader-mkimage bootloader --chip CHIP -o FILE [--size N] [image options]\n"
               "  esploader-mkimage partition-table --csv FILE -o FILE\n"
               "  esploader-mkimage target     --chip CHIP --csv FILE --out-dir DIR "
               "[--app-size N]\n"
               "  esploader-mkimage list-chips\n"
               "image options:\n"
               "  --seed N          content seed (default 1; the chip name is mixed in)\n"
               "  --flash-mode M    qio|qout|dio|dout (default dio)\n"
               "  --flash-size S    1MB|2MB|4MB|... (default 4MB)\n"
               "  --no-hash         don't append the SHA-256 (ESP32 and later)\n"
               "  --report          print each file's size and its zlib level-9 ratio\n"
               "sizes accept K and M suffixes (256K, 1M).\n");
}

static int parse_size(const char *s, uint32_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (end == s)
        return -1;
    if (*end == 'K' || *end == 'k')
        v *= 1024, end++;
    else if (*end == 'M' || *end == 'm')
        v *= 1024 * 1024, end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end != '\0' || v == 0 || v > 0xFFFFFFFFull)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int parse_args(int argc, char **argv, args_t *a)
{
    memset(a, 0, sizeof *a);
    a->seed = 1;
    a->flash_mode = MK_FLASH_MODE_DIO;
    a->flash_size = DEFAULT_FLASH_SIZE;
    a->app_size = DEFAULT_APP_SIZE;
    if (argc < 2)
        return -1;
    a->cmd = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(o, "--no-hash") == 0) {
            a->no_hash = 1;
            continue;
        }
        if (strcmp(o, "--report") == 0) {
            a->report = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "esploader-mkimage: %s needs a value\n", o);
            return -1;
        }
        i++;
        if (strcmp(o, "--chip") == 0)
            a->chip = v;
        else if (strcmp(o, "-o") == 0 || strcmp(o, "--output") == 0)
            a->output = v;
        else if (strcmp(o, "--csv") == 0)
            a->csv = v;
        else if (strcmp(o, "--out-dir") == 0)
            a->out_dir = v;
        else if (strcmp(o, "--seed") == 0)
            a->seed = strtoull(v, NULL, 0);
        else if (strcmp(o, "--size") == 0 || strcmp(o, "--app-size") == 0 ||
                 strcmp(o, "--flash-size") == 0) {
            uint32_t n;
            if (parse_size(v, &n) != 0) {
                fprintf(stderr, "esploader-mkimage: bad size '%s' for %s\n", v, o);
                return -1;
            }
            if (strcmp(o, "--size") == 0)
                a->size = n;
            else if (strcmp(o, "--app-size") == 0)
                a->app_size = n;
            else
                a->flash_size = n;
        } else if (strcmp(o, "--flash-mode") == 0) {
            static const char *const modes[] = {"qio", "qout", "dio", "dout"};
            a->flash_mode = -1;
            for (int m = 0; m < 4; m++) {
                if (strcmp(v, modes[m]) == 0)
                    a->flash_mode = m;
            }
            if (a->flash_mode < 0) {
                fprintf(stderr, "esploader-mkimage: flash mode must be qio|qout|dio|dout\n");
                return -1;
            }
        } else {
            fprintf(stderr, "esploader-mkimage: unknown option '%s'\n", o);
            return -1;
        }
    }
    return 0;
}

static int write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "esploader-mkimage: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t n = fwrite(data, 1, len, f);
    if (fclose(f) != 0 || n != len) {
        fprintf(stderr, "esploader-mkimage: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "esploader-mkimage: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* Size and zlib level-9 ratio: the figure the docs quote (a real app: 55-65 %). */
static void report(const char *name, const uint8_t *data, size_t len)
{
    uLongf clen = compressBound((uLong)len);
    uint8_t *c = malloc(clen);
    if (!c || compress2(c, &clen, data, (uLong)len, 9) != Z_OK) {
        printf("%-20s %8zu B  (zlib failed)\n", name, len);
        free(c);
        return;
    }
    printf("%-20s %8zu B  zlib-9 %8lu B  ratio %.1f %%\n", name, len, (unsigned long)clen,
           100.0 * (double)clen / (double)len);
    free(c);
}

/* Different chips and kinds get different bytes from the same user seed. */
static uint64_t mix_seed(uint64_t seed, const mk_chip_t *chip, mk_image_kind_t kind)
{
    uint64_t h = seed * 0x100000001B3ull + (uint64_t)kind;
    for (const char *c = chip->name; *c; c++)
        h = (h ^ (uint8_t)*c) * 0x100000001B3ull;
    return h;
}

static int make_image(const args_t *a, const mk_chip_t *chip, mk_image_kind_t kind, uint32_t size,
                      const char *path, const char *label)
{
    mk_image_opts_t o = {
        chip,          kind,           size, mix_seed(a->seed, chip, kind), (uint8_t)a->flash_mode,
        a->flash_size, a->no_hash != 0};
    uint8_t *img;
    size_t len;
    char err[160];
    if (mk_image_build(&o, &img, &len, err, sizeof err) != 0) {
        fprintf(stderr, "esploader-mkimage: %s: %s\n", path, err);
        return -1;
    }
    int rc = write_file(path, img, len);
    if (rc == 0 && a->report)
        report(label, img, len);
    free(img);
    return rc;
}

static int make_ptable(const args_t *a, const char *csv_path, const char *path)
{
    char *text = read_text(csv_path);
    if (!text)
        return -1;
    eh_ptable_t *t = malloc(sizeof *t);
    char err[200];
    int rc = -1;
    if (t && eh_ptable_parse_csv(text, t, err, sizeof err) == 0) {
        uint8_t bin[EH_PT_LEN];
        eh_ptable_write(t, bin);
        rc = write_file(path, bin, sizeof bin);
        if (rc == 0 && a->report)
            report("partition-table.bin", bin, sizeof bin);
    } else if (t) {
        fprintf(stderr, "esploader-mkimage: %s: %s\n", csv_path, err);
    }
    free(t);
    free(text);
    return rc;
}

static const mk_chip_t *need_chip(const args_t *a)
{
    if (!a->chip) {
        fprintf(stderr, "esploader-mkimage: --chip is required (see list-chips)\n");
        return NULL;
    }
    const mk_chip_t *c = mk_chip_find(a->chip);
    if (!c)
        fprintf(stderr, "esploader-mkimage: unknown chip '%s' (see list-chips)\n", a->chip);
    return c;
}

static int cmd_target(const args_t *a)
{
    const mk_chip_t *chip = need_chip(a);
    if (!chip)
        return -1;
    if (!a->csv || !a->out_dir) {
        fprintf(stderr, "esploader-mkimage: target needs --csv and --out-dir\n");
        return -1;
    }
    if (mkdir(a->out_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "esploader-mkimage: cannot create %s: %s\n", a->out_dir, strerror(errno));
        return -1;
    }
    char path[1024];
    if (a->report)
        printf("%s:\n", chip->name);
    uint32_t bl_size = chip->esp8266 ? ESP8266_BOOTLOADER_SIZE : DEFAULT_BOOTLOADER_SIZE;
    snprintf(path, sizeof path, "%s/bootloader.bin", a->out_dir);
    if (make_image(a, chip, MK_IMAGE_BOOTLOADER, bl_size, path, "bootloader.bin") != 0)
        return -1;
    snprintf(path, sizeof path, "%s/partition-table.bin", a->out_dir);
    if (make_ptable(a, a->csv, path) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/app.bin", a->out_dir);
    return make_image(a, chip, MK_IMAGE_APP, a->app_size, path, "app.bin");
}

int main(int argc, char **argv)
{
    args_t a;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (parse_args(argc, argv, &a) != 0) {
        usage(stderr);
        return 2;
    }
    int rc;
    if (strcmp(a.cmd, "list-chips") == 0) {
        for (unsigned i = 0; mk_chip_at(i); i++)
            printf("%s\n", mk_chip_at(i)->name);
        rc = 0;
    } else if (strcmp(a.cmd, "app") == 0 || strcmp(a.cmd, "bootloader") == 0) {
        const mk_chip_t *chip = need_chip(&a);
        mk_image_kind_t kind = a.cmd[0] == 'a' ? MK_IMAGE_APP : MK_IMAGE_BOOTLOADER;
        uint32_t size = a.size                  ? a.size
                        : kind == MK_IMAGE_APP  ? DEFAULT_APP_SIZE
                        : chip && chip->esp8266 ? ESP8266_BOOTLOADER_SIZE
                                                : DEFAULT_BOOTLOADER_SIZE;
        if (!a.output) {
            fprintf(stderr, "esploader-mkimage: -o FILE is required\n");
            rc = -1;
        } else {
            rc = chip ? make_image(&a, chip, kind, size, a.output, a.output) : -1;
        }
    } else if (strcmp(a.cmd, "partition-table") == 0) {
        if (!a.csv || !a.output) {
            fprintf(stderr, "esploader-mkimage: partition-table needs --csv and -o\n");
            rc = -1;
        } else {
            rc = make_ptable(&a, a.csv, a.output);
        }
    } else if (strcmp(a.cmd, "target") == 0) {
        rc = cmd_target(&a);
    } else {
        fprintf(stderr, "esploader-mkimage: unknown command '%s'\n", a.cmd);
        usage(stderr);
        return 2;
    }
    return rc == 0 ? 0 : 1;
}
