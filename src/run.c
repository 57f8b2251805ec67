/* Leaving the loader into the application without a reset line (docs/protocol.md §5.7, §5.18,
 * §10.5 "soft-reset"). Its own file: programs that never call it do not carry it. */
#include "loader.h"

int esploader_run_user_code(esploader_t *l)
{
    int r = espl_ready(l);

    if (r != 0) {
        return r;
    }
    if (l->stub) {
        /* Only the ESP8266 stub can start the app (RUN_USER_CODE, no reply). The other stubs
         * can only reboot back into the ROM loader (FLASH_END(0)), which the latched strapping
         * pins bring straight back to download mode: nothing is sent, the session stays. */
        if (l->chip != ESPLOADER_CHIP_ESP8266) {
            return ESPLOADER_ERR_UNSUPPORTED;
        }
        r = espl_send(l, espl_proto_enc_simple(l->cmd, ESP_OP_RUN_USER_CODE), NULL, 0, 0,
                      espl_now(l) + espl_timeout(l));
    } else {
        /* ROM: an empty FLASH_BEGIN(0, 0), then FLASH_END(1) = "run user code". The ROM may
         * jump before its reply is out, so a missing reply is no error. */
        r = espl_xfer(l,
                      espl_proto_enc_begin(l->cmd, ESP_OP_FLASH_BEGIN, 0, 0, 0x400, 0,
                                           !(espl_flags(l) & ESP_T_4WORDS), 0),
                      NULL, 0, 0, 0, espl_timeout(l));
        if (r == 0) {
            r = espl_xfer(l, espl_proto_enc_flash_end(l->cmd, ESP_OP_FLASH_END, 1), NULL, 0, 0, 0,
                          200);
            r = r == ESPLOADER_ERR_TIMEOUT ? ESPLOADER_OK : r;
        }
    }
    if (r == 0) {
        l->chip = ESPLOADER_CHIP_AUTO; /* the loader is gone: connect again to talk to it */
        l->stub = 0;
        l->state = ESP_STATE_IDLE;
    }
    return r;
}
