/*
 * BOOT (IO0) and RESET (EN) driven straight from host GPIOs (a Raspberry Pi wired to the
 * chip's pins), through the libgpiod v1 API. "Assert" drives the pin low, "release" high,
 * unless the line is active-high (then the other way round; esploader_line_level()).
 * Only compile-checked in this project's CI (no GPIO hardware there).
 */
#include <stdlib.h>

#include "esploader/esploader.h"
#include "posix_port_internal.h"

#ifdef ESPLOADER_HAVE_LIBGPIOD
#include <errno.h>
#include <gpiod.h>
#include <string.h>

struct posix_gpio {
    struct gpiod_chip *chip;
    struct gpiod_line *boot, *reset;
    int boot_ah, reset_ah; /* active-high lines */
};

int posix_gpio_open(esploader_posix_port_t *p, const char *chip, int boot, int reset, int boot_ah,
                    int reset_ah, char *err, size_t err_len)
{
    struct posix_gpio *g = calloc(1, sizeof(*g));
    if (!g) {
        posix_errf(err, err_len, "out of memory");
        return ESPLOADER_ERR_IO;
    }
    p->gpio = g;
    g->boot_ah = boot_ah;
    g->reset_ah = reset_ah;
    g->chip = gpiod_chip_open_lookup(chip);
    if (!g->chip) {
        posix_errf(err, err_len, "GPIO chip '%s': %s%s", chip, strerror(errno),
                   errno == EACCES ? " (add yourself to the 'gpio' group)" : "");
        return ESPLOADER_ERR_IO;
    }
    g->boot = gpiod_chip_get_line(g->chip, (unsigned)boot);
    g->reset = gpiod_chip_get_line(g->chip, (unsigned)reset);
    if (!g->boot || !g->reset) {
        posix_errf(err, err_len, "GPIO chip '%s' has no line %d or %d", chip, boot, reset);
        return ESPLOADER_ERR_INVALID_ARG;
    }
    /* Both released: the chip runs until a reset sequence says otherwise. */
    if (gpiod_line_request_output(g->boot, "esploader-boot",
                                  esploader_line_level(ESPLOADER_LINE_RELEASE, boot_ah)) != 0 ||
        gpiod_line_request_output(g->reset, "esploader-reset",
                                  esploader_line_level(ESPLOADER_LINE_RELEASE, reset_ah)) != 0) {
        posix_errf(err, err_len, "GPIO lines %d/%d on '%s' are busy or not allowed: %s", boot,
                   reset, chip, strerror(errno));
        return ESPLOADER_ERR_IO;
    }
    return 0;
}

int32_t posix_gpio_set_lines(esploader_posix_port_t *p, int boot, int reset)
{
    struct posix_gpio *g = p->gpio;
    /* Drive BOOT before RESET so IO0 is settled when EN rises. */
    if (boot != ESPLOADER_LINE_KEEP &&
        gpiod_line_set_value(g->boot, esploader_line_level(boot, g->boot_ah)) != 0) {
        return ESPLOADER_ERR_IO;
    }
    if (reset != ESPLOADER_LINE_KEEP &&
        gpiod_line_set_value(g->reset, esploader_line_level(reset, g->reset_ah)) != 0) {
        return ESPLOADER_ERR_IO;
    }
    return 0;
}

void posix_gpio_close(esploader_posix_port_t *p)
{
    struct posix_gpio *g = p->gpio;
    if (!g) {
        return;
    }
    if (g->boot) {
        gpiod_line_release(g->boot);
    }
    if (g->reset) {
        gpiod_line_release(g->reset);
    }
    if (g->chip) {
        gpiod_chip_close(g->chip);
    }
    free(g);
    p->gpio = NULL;
}

#else /* built without libgpiod */

int posix_gpio_open(esploader_posix_port_t *p, const char *chip, int boot, int reset, int boot_ah,
                    int reset_ah, char *err, size_t err_len)
{
    (void)p;
    (void)boot;
    (void)reset;
    (void)boot_ah;
    (void)reset_ah;
    posix_errf(err, err_len,
               "GPIO chip '%s' requested, but esploader was built without libgpiod "
               "(install libgpiod-dev and rebuild)",
               chip);
    return ESPLOADER_ERR_UNSUPPORTED;
}

int32_t posix_gpio_set_lines(esploader_posix_port_t *p, int boot, int reset)
{
    (void)p;
    (void)boot;
    (void)reset;
    return ESPLOADER_ERR_UNSUPPORTED;
}

void posix_gpio_close(esploader_posix_port_t *p)
{
    (void)p;
}
#endif
