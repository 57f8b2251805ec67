/*
 * STAND-IN for ESP-IDF, used ONLY by the compile check (port/esp-idf/compile_check). It
 * declares just the few ESP-IDF names the ESP-IDF port and example use, written from the
 * ESP-IDF API reference, so CI can compile them without ESP-IDF. It is not ESP-IDF, is never
 * linked, and says nothing about whether the code works on hardware.
 */
#ifndef STANDIN_FREERTOS_H
#define STANDIN_FREERTOS_H

#include <stdint.h>

typedef uint32_t TickType_t;
typedef void *QueueHandle_t;
#define configTICK_RATE_HZ 100
#define pdMS_TO_TICKS(ms)                                                                          \
    ((TickType_t)(((TickType_t)(ms) * (TickType_t)configTICK_RATE_HZ) / (TickType_t)1000U))

#endif
