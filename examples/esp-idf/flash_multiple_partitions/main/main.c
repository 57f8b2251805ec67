/*
 * ESP-IDF host for the "flash multiple partitions" example: this ESP32 keeps the target's
 * binaries in its SPIFFS partition (one folder per target chip) and flashes the chip wired to
 * UART1 and two GPIOs, using the same flow as the Linux program.
 *
 *     IO26 -> target IO0 (BOOT)      IO4 (TX1) -> target RX0
 *     IO25 -> target EN  (RESET)     IO5 (RX1) <- target TX0        GND - GND
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "driver/uart.h"
#include "esp_log.h"
#include "esp_timer.h"

#include "binaries_spiffs.h"
#include "esploader_port_esp_idf.h"
#include "esploader/esploader.h"
#include "flash_flow.h"

#define TARGET_UART UART_NUM_1
#define PIN_TXD     4  /* to the target's RX0 */
#define PIN_RXD     5  /* from the target's TX0 */
#define PIN_BOOT    26 /* to the target's IO0 */
#define PIN_RESET   25 /* to the target's EN */
#define HIGHER_BAUD 460800u
/* ESPLOADER_CHIP_AUTO flashes whatever is connected; set a chip to refuse anything else. */
#define EXPECTED_TARGET ESPLOADER_CHIP_AUTO

static const char *TAG = "example";

/* The flow's log lines go through ESP_LOG, so they carry the usual "I (ms) example:" prefix. */
static void idf_log(void *user, char level, const char *fmt, va_list ap)
{
    (void)user;
    char line[160];
    vsnprintf(line, sizeof line, fmt, ap);
    if (level == 'E')
        ESP_LOGE(TAG, "%s", line);
    else if (level == 'W')
        ESP_LOGW(TAG, "%s", line);
    else
        ESP_LOGI(TAG, "%s", line);
}

static uint32_t idf_now_ms(void *user)
{
    (void)user;
    return (uint32_t)(esp_timer_get_time() / 1000);
}

void app_main(void)
{
    static example_spiffs_store_t spiffs;
    static esploader_esp_idf_port_t port;
    static esploader_t loader; /* about 1 KB: keep it off the main task's stack */
    static example_flow_t flow;
    example_store_t store;

    if (example_spiffs_store_init(&store, &spiffs, "spiffs", "/spiffs") != 0) {
        ESP_LOGE(TAG, "Cannot mount the 'spiffs' partition with the target binaries");
        return;
    }
    const esploader_esp_idf_config_t pc = {
        .uart_port = TARGET_UART,
        .baud = 115200,
        .tx_pin = PIN_TXD,
        .rx_pin = PIN_RXD,
        .boot_pin = PIN_BOOT,
        .reset_pin = PIN_RESET,
    };
    if (esploader_esp_idf_init(&port, &pc) != 0) {
        ESP_LOGE(TAG, "Cannot set up UART%d and the BOOT/RESET GPIOs", (int)TARGET_UART);
        return;
    }
    esploader_config_t cfg;
    memset(&cfg, 0, sizeof cfg); /* zero = defaults: auto-detect, default reset sequence */
    cfg.port = &esploader_esp_idf_ops;
    cfg.port_ctx = &port;
    if (esploader_init(&loader, &cfg) != ESPLOADER_OK) {
        ESP_LOGE(TAG, "esploader_init failed");
        return;
    }
    flow.loader = &loader;
    flow.store = &store;
    flow.target = EXPECTED_TARGET;
    flow.baud = HIGHER_BAUD;
    flow.log = idf_log;
    flow.now_ms = idf_now_ms;
    flow.read_back = NULL; /* an ESP8266 target stays unverified: its ROM can't MD5 or read */
    flow.user = NULL;
    int rc = example_flow_run(&flow);
    if (rc == EXAMPLE_OK)
        ESP_LOGI(TAG, "Done");
    else
        ESP_LOGE(TAG, "Flashing failed (%d)", rc);
    esploader_esp_idf_deinit(&port);
}
