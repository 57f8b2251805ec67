/* Uploading and starting the flasher stub (docs/protocol.md §9). */
#include "loader.h"

#define RAM_BLOCK 0x1800u

static int upload(esploader_t *l, uint32_t addr, const uint8_t *data, uint32_t size)
{
    uint32_t done;
    int r = size != 0 ? esploader_mem_start(l, addr, size, RAM_BLOCK) : 0;

    for (done = 0; r == 0 && done < size; done += RAM_BLOCK) {
        r = esploader_mem_write(l, data + done, size - done < RAM_BLOCK ? size - done : RAM_BLOCK);
    }
    return r;
}

int esploader_run_stub(esploader_t *l, const esploader_stub_t *stub)
{
    uint32_t deadline;
    espl_proto_resp_t resp;
    int r, n;

    if (l->stub) {
        return ESPLOADER_OK; /* a stub found running by SYNC is reused */
    }
    if (stub == NULL || stub->entry == 0) {
        return ESPLOADER_ERR_INVALID_ARG;
    }
    if (l->sdm) {
        return ESPLOADER_ERR_UNSUPPORTED; /* SDM refuses MEM_* */
    }
    r = upload(l, stub->text_addr, stub->text, stub->text_size);
    if (r == 0) {
        r = upload(l, stub->data_addr, stub->data, stub->data_size);
    }
    if (r != 0) {
        return r;
    }
    /* MEM_END(0, entry): the ROM answers, jumps, and the stub greets with a raw "OHAI".
     * Wait for the greeting whatever comes first (the reply may be lost in the jump). */
    l->state = ESP_STATE_IDLE;
    deadline = espl_now(l) + espl_timeout(l);
    r = espl_send(l, espl_proto_enc_mem_end(l->cmd, stub->entry), NULL, 0, 0, deadline);
    while (r == 0) {
        n = espl_read_frame(l, deadline);
        if (n < 0) {
            return n;
        }
        if (n == 4 && espl_mem_equal(l->frame, "OHAI", 4)) {
            l->stub = 1;
            ESP_LOG(l, ESPLOADER_LOG_INFO, "stub running", 0);
            return ESPLOADER_OK;
        }
        /* the ROM's MEM_END reply, parsed like every other reply (it matters only if it failed) */
        if (espl_proto_parse_resp(l->frame, (size_t)n, 0, &resp) == ESP_PROTO_RESP_OK &&
            resp.op == ESP_OP_MEM_END && resp.status != 0) {
            l->failure.command = ESP_OP_MEM_END;
            l->failure.status = resp.status;
            l->failure.reason = resp.reason;
            l->failure.stub = false;
            return ESPLOADER_ERR_TARGET;
        }
    }
    return r;
}
