/*
 * The serial line in each direction: a queue of chunks, each sent at one baud rate. A byte
 * takes 10 bit-times (start + 8 data + stop); byte i of a chunk is complete at
 * start + (i+1) * 10e6 / baud microseconds (exact rational, so 921600 baud does not drift).
 */
#include "sim_internal.h"

#include <stdlib.h>
#include <string.h>

static uint64_t byte_end(const sim_chunk_t *c, size_t i)
{
    if (c->instant || c->baud == 0)
        return c->start_us;
    return c->start_us + ((uint64_t)(i + 1) * 10000000u + c->baud - 1) / c->baud;
}

void sim_stream_clear(sim_stream_t *s)
{
    for (size_t i = 0; i < s->count; i++)
        free(s->q[(s->head + i) % s->cap].data);
    s->head = 0;
    s->count = 0;
}

void sim_stream_free(sim_stream_t *s)
{
    sim_stream_clear(s);
    free(s->q);
    memset(s, 0, sizeof(*s));
}

uint64_t sim_stream_push(sim_stream_t *s, const uint8_t *d, size_t n, uint64_t t, uint32_t baud,
                         bool instant)
{
    uint64_t start = t > s->free_at ? t : s->free_at;
    if (n == 0)
        return start;
    if (s->count == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 16;
        sim_chunk_t *nq = malloc(ncap * sizeof(*nq));
        if (!nq)
            return start;
        for (size_t i = 0; i < s->count; i++)
            nq[i] = s->q[(s->head + i) % s->cap];
        free(s->q);
        s->q = nq;
        s->cap = ncap;
        s->head = 0;
    }
    uint8_t *copy = malloc(n);
    if (!copy)
        return start;
    memcpy(copy, d, n);
    sim_chunk_t *c = &s->q[(s->head + s->count) % s->cap];
    c->data = copy;
    c->len = n;
    c->pos = 0;
    c->start_us = start;
    c->baud = baud;
    c->instant = instant;
    s->count++;
    s->free_at = byte_end(c, n - 1);
    return s->free_at;
}

uint64_t sim_stream_peek_time(const sim_stream_t *s)
{
    if (s->count == 0)
        return UINT64_MAX;
    const sim_chunk_t *c = &s->q[s->head];
    return byte_end(c, c->pos);
}

bool sim_stream_pop(sim_stream_t *s, uint8_t *byte, uint64_t *when, uint32_t *baud)
{
    if (s->count == 0)
        return false;
    sim_chunk_t *c = &s->q[s->head];
    *byte = c->data[c->pos];
    if (when)
        *when = byte_end(c, c->pos);
    if (baud)
        *baud = c->baud;
    if (++c->pos == c->len) {
        free(c->data);
        s->head = (s->head + 1) % s->cap;
        s->count--;
    }
    return true;
}

void sim_stream_cut(sim_stream_t *s, uint64_t t)
{
    /* Keep the bytes complete by t (already on the other side of the wire); drop the rest. */
    size_t keep = s->count;
    for (size_t i = 0; i < s->count; i++) {
        sim_chunk_t *c = &s->q[(s->head + i) % s->cap];
        size_t n = c->pos;
        while (n < c->len && byte_end(c, n) <= t)
            n++;
        if (n < c->len) {
            c->len = n;
            keep = c->pos < n ? i + 1 : i;
            break;
        }
    }
    for (size_t j = keep; j < s->count; j++)
        free(s->q[(s->head + j) % s->cap].data);
    s->count = keep;
    if (s->free_at > t)
        s->free_at = t;
}

bool sim_baud_mismatch(uint32_t a, uint32_t b)
{
    if (a == 0 || b == 0)
        return false; /* instantaneous line (no_timing) */
    uint32_t hi = a > b ? a : b, lo = a > b ? b : a;
    /* A UART samples mid-bit; beyond ~4 % over 10 bits the last bits are misread. */
    return (uint64_t)(hi - lo) * 100 > (uint64_t)lo * 4;
}

/* Deterministic garbling of a byte sent at one rate and sampled at another: a fixed mix of the
 * byte and the rate ratio, never the original value. Real wires also lose or add bytes; one
 * byte in, one byte out is enough to make every frame unusable. */
uint8_t sim_garble(uint8_t b, uint32_t sent_baud, uint32_t recv_baud)
{
    uint32_t h = (uint32_t)b * 2654435761u ^ (sent_baud * 40503u) ^ (recv_baud * 2246822519u);
    h ^= h >> 15;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    uint8_t g = (uint8_t)h;
    return g == b ? (uint8_t)(g ^ 0x5A) : g;
}
