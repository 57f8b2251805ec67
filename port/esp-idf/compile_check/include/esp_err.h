/*
 * STAND-IN for ESP-IDF, used ONLY by the compile check (port/esp-idf/compile_check). It
 * declares just the few ESP-IDF names the ESP-IDF port and example use, written from the
 * ESP-IDF API reference, so CI can compile them without ESP-IDF. It is not ESP-IDF, is never
 * linked, and says nothing about whether the code works on hardware.
 */
#ifndef STANDIN_ESP_ERR_H
#define STANDIN_ESP_ERR_H

typedef int esp_err_t;
#define ESP_OK          0
#define ESP_FAIL        -1
#define ESP_ERR_TIMEOUT 0x107

#endif
