/* Footprint program 2: every serial operation the reference library offers. */
#include "null_port.h"

int main(void)
{
    esp_loader_config_t cfg;
    esp_loader_t l;
    esp_loader_stub_t stub = {0};
    esp_loader_security_info_t info;
    uint8_t buf[1024], mac[6], md5[16] = {0};
    uint32_t size = 0, id = 0, v = 0, i;
    int rc = 0;

    null_port_config(&cfg);
    for (i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)i;
    stub.entry = 0x40380004;
    stub.text = buf;
    stub.text_size = 512;
    stub.text_addr = 0x40380000;
    stub.data = buf + 512;
    stub.data_size = 64;
    stub.data_addr = 0x3FC96D68;

    rc |= esp_loader_init(&l, &cfg);
    rc |= esp_loader_connect(&l);
    rc |= esp_loader_run_stub(&l, &stub);
    rc |= esp_loader_change_baudrate(&l, 921600);
    rc |= esp_loader_flash_detect_size(&l, &size, &id);
    /* plain write, verified */
    rc |= esp_loader_flash_start(&l, 0x10000, sizeof(buf), 0);
    rc |= esp_loader_flash_write(&l, buf, sizeof(buf));
    rc |= esp_loader_flash_finish(&l, 0);
    /* compressed write (caller-supplied zlib data) */
    rc |= esp_loader_flash_defl_start(&l, 0x20000, 4096, sizeof(buf), 0);
    rc |= esp_loader_flash_defl_write(&l, buf, sizeof(buf));
    rc |= esp_loader_flash_defl_finish(&l, md5, 0);
    rc |= esp_loader_flash_read(&l, 0x10000, buf, sizeof(buf));
    rc |= esp_loader_flash_erase(&l);
    rc |= esp_loader_flash_erase_region(&l, 0x30000, 0x1000);
    rc |= esp_loader_flash_verify_md5(&l, 0x10000, sizeof(buf), md5);
    /* RAM load and run */
    rc |= esp_loader_mem_start(&l, 0x40380000, 256, 0);
    rc |= esp_loader_mem_write(&l, buf, 256);
    rc |= esp_loader_mem_finish(&l, 0x40380000);
    rc |= esp_loader_read_mac(&l, mac);
    rc |= esp_loader_read_register(&l, 0x60008844, &v);
    rc |= esp_loader_write_register(&l, 0x6000007C, v);
    rc |= esp_loader_get_security_info(&l, &info);
    rc |= esp_loader_reset_target(&l);
    return rc + mac[0] + (int)size + (int)id + (int)info.flags;
}
