/* Push-fed SLIP decoder and incremental encoder (docs/protocol.md §1). No I/O, no state outside d.
 */
#include "slip.h"

enum { ST_OUT = 0, ST_IN, ST_ESC, ST_DROP, ST_EITHER };

void espl_slip_dec_init(espl_slip_dec_t *d, uint8_t *buf, size_t cap)
{
    d->buf = buf;
    d->cap = cap;
    d->len = 0;
    d->state = ST_OUT;
    d->noise = 0;
    d->noise_buf = NULL;
    d->noise_cap = 0;
}

void espl_slip_dec_resync(espl_slip_dec_t *d, int open)
{
    d->state = open ? ST_EITHER : ST_OUT;
    d->len = 0;
}

void espl_slip_dec_set_buf(espl_slip_dec_t *d, uint8_t *buf, size_t cap)
{
    d->buf = buf;
    d->cap = cap;
    d->len = 0;
}

espl_slip_status_t espl_slip_dec_feed(espl_slip_dec_t *d, const uint8_t *in, size_t len,
                                      size_t *used)
{
    size_t i = 0;
    espl_slip_status_t st = ESP_SLIP_NEED_MORE;

    while (i < len && st == ESP_SLIP_NEED_MORE) {
        uint8_t c = in[i++];
        if (d->state == ST_EITHER) {
            /* after a resync: a body byte continues a frame opened by the last delimiter */
            d->state = c == ESP_SLIP_END ? ST_OUT : ST_IN;
        }
        if (c == ESP_SLIP_END) {
            /* Between frames a delimiter opens one; inside it closes it (as esptool reads:
             * C0 C0 is a complete empty frame, skipped here). After a dropped frame it is the
             * closing delimiter of the dropped frame. */
            if (d->state == ST_OUT) {
                d->state = ST_IN;
                d->len = 0;
            } else {
                if (d->state == ST_ESC) {
                    st = ESP_SLIP_ERR_ESCAPE;
                } else if (d->state == ST_IN && d->len > 0) {
                    st = ESP_SLIP_FRAME;
                }
                d->state = ST_OUT;
            }
            continue;
        }
        if (d->state == ST_OUT) {
            /* Text between frames: the ROM's boot log, or line garbage. */
            size_t k = d->noise++;
            if (k < d->noise_cap) { /* noise_cap 0: count only */
                d->noise_buf[k] = c;
            }
            continue;
        }
        if (d->state == ST_DROP) {
            continue;
        }
        if (d->state == ST_ESC) {
            if (c == ESP_SLIP_ESC_END) {
                c = ESP_SLIP_END;
            } else if (c == ESP_SLIP_ESC_ESC) {
                c = ESP_SLIP_ESC;
            } else {
                d->state = ST_DROP;
                st = ESP_SLIP_ERR_ESCAPE;
                continue;
            }
            d->state = ST_IN;
        } else if (c == ESP_SLIP_ESC) {
            d->state = ST_ESC;
            continue;
        }
        if (d->len >= d->cap) {
            d->state = ST_DROP;
            st = ESP_SLIP_ERR_OVERSIZE;
            continue;
        }
        d->buf[d->len++] = c;
    }
    *used = i;
    return st;
}
