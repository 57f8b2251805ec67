/* The partition-table walk of eh_parttable.h: freestanding (string.h and the library's MD5). */
#include <string.h>

#include "eh_parttable.h"
#include "esploader/esploader_md5.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void eh_pt_iter_init(eh_pt_iter_t *it, const uint8_t *data, size_t len)
{
    it->data = data;
    it->len = len > EH_PT_LEN ? EH_PT_LEN : len;
    it->pos = 0;
    it->has_md5 = false;
    it->md5_ok = false;
}

eh_pt_status_t eh_pt_iter_next(eh_pt_iter_t *it, eh_partition_t *p)
{
    while (it->len - it->pos >= EH_PT_ENTRY_LEN) {
        const uint8_t *e = it->data + it->pos;
        if (e[0] == 0xAA && e[1] == 0x50) {
            p->type = e[2];
            p->subtype = e[3];
            p->offset = le32(e + 4);
            p->size = le32(e + 8);
            memcpy(p->name, e + 12, 16);
            p->name[16] = '\0';
            p->flags = le32(e + 28);
            it->pos += EH_PT_ENTRY_LEN;
            return EH_PT_ENTRY;
        }
        if (e[0] == 0xEB && e[1] == 0xEB) {
            uint8_t digest[16];
            esploader_md5(it->data, it->pos, digest);
            it->has_md5 = true;
            it->md5_ok = memcmp(digest, e + 16, 16) == 0;
            if (!it->md5_ok) {
                return EH_PT_BAD_MD5;
            }
            it->pos += EH_PT_ENTRY_LEN;
            continue;
        }
        for (unsigned i = 0; i < EH_PT_ENTRY_LEN; i++) {
            if (e[i] != 0xFF) {
                return EH_PT_BAD_MAGIC;
            }
        }
        return EH_PT_END;
    }
    return EH_PT_END;
}

int eh_pt_find_first(const uint8_t *data, size_t len, uint8_t type, int subtype, eh_partition_t *p)
{
    eh_pt_iter_t it;
    eh_pt_iter_init(&it, data, len);
    while (eh_pt_iter_next(&it, p) == EH_PT_ENTRY) {
        if (p->type == type && (subtype < 0 || p->subtype == subtype)) {
            return 0;
        }
    }
    return -1;
}
