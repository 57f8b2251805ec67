/* ESP-IDF port: UART driver + two GPIOs + esp_timer. No protocol logic lives here. */
#include "esploader_port_esp_idf.h"

#include "driver/gpio.h"
#include "driver/uart.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"

#include "esploader/esploader.h"

#define DEFAULT_BAUD      115200u
#define DEFAULT_RX_BUFFER 4096

static TickType_t ticks(uint32_t ms)
{
    TickType_t t = pdMS_TO_TICKS(ms);
    /* A sub-tick wait must still wait (and give other tasks the CPU), not return at once. */
    return (t == 0 && ms > 0) ? 1 : t;
}

static int32_t idf_write(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    esploader_esp_idf_port_t *p = ctx;
    uart_port_t port = (uart_port_t)p->cfg.uart_port;
    /* uart_write_bytes() copies into the driver's ring buffer; the deadline applies to the
     * bytes actually leaving the wire. */
    int n = uart_write_bytes(port, data, len);
    if (n < 0 || (size_t)n != len)
        return ESPLOADER_ERR_IO;
    esp_err_t err = uart_wait_tx_done(port, ticks(timeout_ms));
    if (err == ESP_ERR_TIMEOUT)
        return ESPLOADER_ERR_TIMEOUT;
    return err == ESP_OK ? 0 : ESPLOADER_ERR_IO;
}

static int32_t idf_read(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    esploader_esp_idf_port_t *p = ctx;
    uart_port_t port = (uart_port_t)p->cfg.uart_port;
    /* uart_read_bytes() waits until it has all len bytes, but the port contract is "whatever
     * is there, waiting only for the first byte": wait for one byte, then take the rest of
     * what the driver already buffered without waiting. */
    size_t avail = 0;
    if (uart_get_buffered_data_len(port, &avail) != ESP_OK)
        return ESPLOADER_ERR_IO;
    if (avail == 0) {
        int n = uart_read_bytes(port, buf, 1, ticks(timeout_ms));
        if (n < 0)
            return ESPLOADER_ERR_IO;
        if (n == 0)
            return 0;
        if (uart_get_buffered_data_len(port, &avail) != ESP_OK)
            return ESPLOADER_ERR_IO;
        size_t more = avail < len - 1 ? avail : len - 1;
        int m = more ? uart_read_bytes(port, buf + 1, (uint32_t)more, 0) : 0;
        return m < 0 ? ESPLOADER_ERR_IO : 1 + m;
    }
    size_t take = avail < len ? avail : len;
    int n = uart_read_bytes(port, buf, (uint32_t)take, 0);
    return n < 0 ? ESPLOADER_ERR_IO : n;
}

static int32_t idf_set_lines(void *ctx, int dtr, int rts)
{
    esploader_esp_idf_port_t *p = ctx;
    /* Wired straight to the pins: dtr = BOOT (IO0), rts = RESET (EN); asserted = low unless the
     * pin is configured active-high. The two writes are microseconds apart, far closer than
     * the RC delay on a board's EN pin. */
    if (dtr != ESPLOADER_LINE_KEEP)
        gpio_set_level((gpio_num_t)p->cfg.boot_pin,
                       (uint32_t)esploader_line_level(dtr, p->cfg.boot_active_high));
    if (rts != ESPLOADER_LINE_KEEP)
        gpio_set_level((gpio_num_t)p->cfg.reset_pin,
                       (uint32_t)esploader_line_level(rts, p->cfg.reset_active_high));
    return 0;
}

static int32_t idf_set_baudrate(void *ctx, uint32_t baud)
{
    esploader_esp_idf_port_t *p = ctx;
    return uart_set_baudrate((uart_port_t)p->cfg.uart_port, baud) == ESP_OK ? 0 : ESPLOADER_ERR_IO;
}

static void idf_delay_ms(void *ctx, uint32_t ms)
{
    (void)ctx;
    vTaskDelay(ticks(ms));
}

static uint32_t idf_now_ms(void *ctx)
{
    (void)ctx;
    /* esp_timer counts microseconds since boot in 64 bits; the library wants a wrapping
     * 32-bit millisecond clock. */
    return (uint32_t)(esp_timer_get_time() / 1000);
}

const esploader_port_ops_t esploader_esp_idf_ops = {
    .write = idf_write,
    .read = idf_read,
    .set_lines = idf_set_lines,
    .set_baudrate = idf_set_baudrate,
    .delay_ms = idf_delay_ms,
    .now_ms = idf_now_ms,
};

int esploader_esp_idf_init(esploader_esp_idf_port_t *p, const esploader_esp_idf_config_t *cfg)
{
    if (!p || !cfg)
        return ESPLOADER_ERR_INVALID_ARG;
    p->cfg = *cfg;
    if (p->cfg.baud == 0)
        p->cfg.baud = DEFAULT_BAUD;
    if (p->cfg.rx_buffer_size == 0)
        p->cfg.rx_buffer_size = DEFAULT_RX_BUFFER;

    uart_port_t port = (uart_port_t)p->cfg.uart_port;
    uart_config_t uc = {
        .baud_rate = (int)p->cfg.baud,
        .data_bits = UART_DATA_8_BITS,
        .parity = UART_PARITY_DISABLE,
        .stop_bits = UART_STOP_BITS_1,
        .flow_ctrl = UART_HW_FLOWCTRL_DISABLE,
        .source_clk = UART_SCLK_DEFAULT,
    };
    /* No TX buffer: uart_write_bytes() then blocks until the bytes are in the FIFO, which is
     * what the write deadline expects. */
    if (uart_driver_install(port, p->cfg.rx_buffer_size, 0, 0, NULL, 0) != ESP_OK)
        return ESPLOADER_ERR_IO;
    if (uart_param_config(port, &uc) != ESP_OK ||
        uart_set_pin(port, p->cfg.tx_pin, p->cfg.rx_pin, UART_PIN_NO_CHANGE, UART_PIN_NO_CHANGE) !=
            ESP_OK) {
        uart_driver_delete(port);
        return ESPLOADER_ERR_IO;
    }

    gpio_config_t io = {
        .pin_bit_mask = (1ULL << p->cfg.boot_pin) | (1ULL << p->cfg.reset_pin),
        .mode = GPIO_MODE_OUTPUT,
        .pull_up_en = GPIO_PULLUP_DISABLE,
        .pull_down_en = GPIO_PULLDOWN_DISABLE,
        .intr_type = GPIO_INTR_DISABLE,
    };
    if (gpio_config(&io) != ESP_OK) {
        uart_driver_delete(port);
        return ESPLOADER_ERR_IO;
    }
    /* Both lines released: the target runs whatever it has until the library resets it. */
    gpio_set_level((gpio_num_t)p->cfg.boot_pin,
                   (uint32_t)esploader_line_level(ESPLOADER_LINE_RELEASE, p->cfg.boot_active_high));
    gpio_set_level(
        (gpio_num_t)p->cfg.reset_pin,
        (uint32_t)esploader_line_level(ESPLOADER_LINE_RELEASE, p->cfg.reset_active_high));
    return 0;
}

void esploader_esp_idf_deinit(esploader_esp_idf_port_t *p)
{
    if (p)
        uart_driver_delete((uart_port_t)p->cfg.uart_port);
}
