/*
 * STAND-IN for ESP-IDF, used ONLY by the compile check (port/esp-idf/compile_check). It
 * declares just the few ESP-IDF names the ESP-IDF port and example use, written from the
 * ESP-IDF API reference, so CI can compile them without ESP-IDF. It is not ESP-IDF, is never
 * linked, and says nothing about whether the code works on hardware.
 */
#ifndef STANDIN_ESP_LOG_H
#define STANDIN_ESP_LOG_H

typedef enum { ESP_LOG_NONE, ESP_LOG_ERROR, ESP_LOG_WARN, ESP_LOG_INFO } esp_log_level_t;

void esp_log_write(esp_log_level_t level, const char *tag, const char *format, ...);

#define ESP_LOGE(tag, ...) esp_log_write(ESP_LOG_ERROR, tag, __VA_ARGS__)
#define ESP_LOGW(tag, ...) esp_log_write(ESP_LOG_WARN, tag, __VA_ARGS__)
#define ESP_LOGI(tag, ...) esp_log_write(ESP_LOG_INFO, tag, __VA_ARGS__)

#endif
