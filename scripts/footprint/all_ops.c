/* Footprint program 2: every serial operation the reference library offers. */
#include "null_port.h"

int main(void)
{
    esploader_config_t cfg;
    esploader_t l;
    esploader_stub_t stub = {0};
    esploader_security_info_t info;
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

    rc |= esploader_init(&l, &cfg);
    rc |= esploader_connect(&l);
    rc |= esploader_run_stub(&l, &stub);
    rc |= esploader_change_baudrate(&l, 921600);
    rc |= esploader_flash_detect_size(&l, &size, &id);
    /* plain write, verified */
    rc |= esploader_flash_start(&l, 0x10000, sizeof(buf), 0);
    rc |= esploader_flash_write(&l, buf, sizeof(buf));
    rc |= esploader_flash_finish(&l, 0);
    /* compressed write (caller-supplied zlib data) */
    rc |= esploader_flash_defl_start(&l, 0x20000, 4096, sizeof(buf), 0);
    rc |= esploader_flash_defl_write(&l, buf, sizeof(buf));
    rc |= esploader_flash_defl_finish(&l, md5, 0);
    rc |= esploader_flash_read(&l, 0x10000, buf, sizeof(buf));
    rc |= esploader_flash_erase(&l);
    rc |= esploader_flash_erase_region(&l, 0x30000, 0x1000);
    rc |= esploader_flash_verify_md5(&l, 0x10000, sizeof(buf), md5);
    /* RAM load and run */
    rc |= esploader_mem_start(&l, 0x40380000, 256, 0);
    rc |= esploader_mem_write(&l, buf, 256);
    rc |= esploader_mem_finish(&l, 0x40380000);
    rc |= esploader_read_mac(&l, mac);
    rc |= esploader_read_register(&l, 0x60008844, &v);
    rc |= esploader_write_register(&l, 0x6000007C, v);
    rc |= esploader_get_security_info(&l, &info);
    rc |= esploader_reset_target(&l);
    return rc + mac[0] + (int)size + (int)id + (int)info.flags;
}
