/* Partitions by name: partition-table, write-partition, read-partition, erase-partition. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "output.h"
#include "eh_parttable.h"
#include "util.h"

typedef struct part_args {
    const char *name;
    const char *path;
    eh_ptable_t table; /* from --file, parsed before connecting */
    bool have_table;
    cli_write_job_t job;
} part_args_t;

static part_args_t g_part;

static int load_table_file(const char *path, eh_ptable_t *pt)
{
    char err[512];
    uint8_t *data;
    size_t len;
    if (cli_read_file(path, &data, &len, err, sizeof(err)) != 0) {
        cli_error("%s", err);
        return CLI_EXIT_USAGE;
    }
    int rc = eh_ptable_parse(data, len, pt, err, sizeof(err));
    free(data);
    if (rc != 0) {
        cli_error("%s: %s", path, err);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* The table from --file, or read from the device at --partition-table-offset. */
static int get_table(cli_session_t *s, part_args_t *a)
{
    if (a->have_table) {
        return CLI_EXIT_OK;
    }
    uint8_t buf[EH_PT_LEN];
    uint32_t off = s->o->pt_offset;
    int ec = cli_read_region(s, off, buf, sizeof(buf), "Reading table");
    if (ec != CLI_EXIT_OK) {
        return ec;
    }
    char err[256];
    if (eh_ptable_parse(buf, sizeof(buf), &a->table, err, sizeof(err)) != 0) {
        cli_error("the partition table at 0x%x on the device is not valid: %s", (unsigned)off, err);
        return CLI_EXIT_FAILED;
    }
    a->have_table = true;
    return CLI_EXIT_OK;
}

static const eh_partition_t *find(const part_args_t *a)
{
    const eh_partition_t *p = eh_ptable_find(&a->table, a->name);
    if (!p) {
        char names[512] = "";
        for (unsigned i = 0; i < a->table.count; i++) {
            strncat(names, i ? ", " : "", sizeof(names) - strlen(names) - 1);
            strncat(names, a->table.entries[i].name, sizeof(names) - strlen(names) - 1);
        }
        cli_error("no partition named '%s' (the table has: %s)", a->name, names);
    }
    return p;
}

static int prep_common(cli_opts_t *o)
{
    memset(&g_part, 0, sizeof(g_part));
    if (o->file) {
        int ec = load_table_file(o->file, &g_part.table);
        if (ec != CLI_EXIT_OK) {
            return ec;
        }
        g_part.have_table = true;
    }
    return CLI_EXIT_OK;
}

int cli_prep_part_table(cli_opts_t *o, void **ctx)
{
    int ec = prep_common(o);
    *ctx = &g_part;
    return ec;
}

static int print_table(const eh_ptable_t *pt)
{
    cJSON *arr = cJSON_AddArrayToObject(cli_result(), "partitions");
    cli_info("%-16s %-10s %-10s %-10s %-10s", "Name", "Type", "SubType", "Offset", "Size");
    for (unsigned i = 0; i < pt->count; i++) {
        const eh_partition_t *p = &pt->entries[i];
        char st[16], sz[16];
        const char *sub = eh_pt_subtype_name(p->type, p->subtype, st, sizeof(st));
        char off[16];
        snprintf(off, sizeof(off), "0x%x", (unsigned)p->offset);
        cli_info("%-16s %-10s %-10s %-10s %-10s%s", p->name, eh_pt_type_name(p->type), sub, off,
                 cli_fmt_size(p->size, sz, sizeof(sz)), (p->flags & 1) ? " encrypted" : "");
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "name", p->name);
        cJSON_AddStringToObject(j, "type", eh_pt_type_name(p->type));
        cJSON_AddStringToObject(j, "subtype", sub);
        cJSON_AddNumberToObject(j, "type_id", p->type);
        cJSON_AddNumberToObject(j, "subtype_id", p->subtype);
        cJSON_AddNumberToObject(j, "offset", p->offset);
        cJSON_AddNumberToObject(j, "size", p->size);
        cJSON_AddNumberToObject(j, "flags", p->flags);
        cJSON_AddItemToArray(arr, j);
    }
    cli_info("MD5 entry: %s", pt->has_md5 ? "present, matches" : "absent");
    cJSON_AddBoolToObject(cli_result(), "md5_present", pt->has_md5);
    return CLI_EXIT_OK;
}

int cli_run_part_table(cli_session_t *s, void *ctx)
{
    part_args_t *a = ctx;
    int ec = get_table(s, a);
    return ec != CLI_EXIT_OK ? ec : print_table(&a->table);
}

/* The partition write-partition writes into, if it exists and the file fits (else says why). */
static const eh_partition_t *target_partition(const part_args_t *a)
{
    const eh_partition_t *p = find(a);
    if (p && a->job.r[0].len > p->size) {
        cli_error("%s (%u bytes) does not fit in partition '%s' (%u bytes)", a->path,
                  (unsigned)a->job.r[0].len, p->name, (unsigned)p->size);
        return NULL;
    }
    return p;
}

int cli_prep_write_part(cli_opts_t *o, void **ctx)
{
    int ec = prep_common(o);
    if (ec != CLI_EXIT_OK) {
        return ec;
    }
    g_part.name = o->pos[0];
    g_part.path = o->pos[1];
    /* Read the file now (address filled in once the table is known). */
    ec = cli_job_add_file(&g_part.job, 0, g_part.path);
    if (ec != CLI_EXIT_OK) {
        return ec;
    }
    /* With the table in a file, bad input is refused before connecting. */
    if (g_part.have_table && !target_partition(&g_part)) {
        return CLI_EXIT_USAGE;
    }
    *ctx = &g_part;
    return CLI_EXIT_OK;
}

int cli_run_write_part(cli_session_t *s, void *ctx)
{
    part_args_t *a = ctx;
    int ec = get_table(s, a);
    if (ec != CLI_EXIT_OK) {
        return ec;
    }
    const eh_partition_t *p = target_partition(a);
    if (!p) {
        return CLI_EXIT_USAGE;
    }
    a->job.r[0].addr = p->offset;
    cJSON_AddStringToObject(cli_result(), "partition", p->name);
    return cli_job_write(s, &a->job);
}

int cli_prep_part_name(cli_opts_t *o, void **ctx)
{
    int ec = prep_common(o);
    g_part.name = o->pos[0];
    g_part.path = o->pos_count > 1 ? o->pos[1] : NULL;
    if (ec == CLI_EXIT_OK && g_part.have_table && !find(&g_part)) {
        ec = CLI_EXIT_USAGE;
    }
    *ctx = &g_part;
    return ec;
}

int cli_run_read_part(cli_session_t *s, void *ctx)
{
    part_args_t *a = ctx;
    int ec = get_table(s, a);
    if (ec != CLI_EXIT_OK) {
        return ec;
    }
    const eh_partition_t *p = find(a);
    if (!p) {
        return CLI_EXIT_USAGE;
    }
    uint8_t *buf = cli_xmalloc(p->size);
    ec = cli_read_region(s, p->offset, buf, p->size, "Reading");
    if (ec == CLI_EXIT_OK) {
        char err[512];
        if (cli_write_file(a->path, buf, p->size, err, sizeof(err)) != 0) {
            cli_error("%s", err);
            ec = CLI_EXIT_FAILED;
        } else {
            cli_info("Read partition '%s' (%u bytes at 0x%x) into %s", p->name, (unsigned)p->size,
                     (unsigned)p->offset, a->path);
            cJSON_AddStringToObject(cli_result(), "partition", p->name);
            cJSON_AddNumberToObject(cli_result(), "address", p->offset);
            cJSON_AddNumberToObject(cli_result(), "size", p->size);
        }
    }
    free(buf);
    return ec;
}

int cli_run_erase_part(cli_session_t *s, void *ctx)
{
    part_args_t *a = ctx;
    int ec = get_table(s, a);
    if (ec != CLI_EXIT_OK) {
        return ec;
    }
    const eh_partition_t *p = find(a);
    if (!p) {
        return CLI_EXIT_USAGE;
    }
    if (p->offset % 0x1000u) {
        cli_error("partition '%s' at 0x%x is not 4 KB aligned: cannot erase it alone", p->name,
                  (unsigned)p->offset);
        return CLI_EXIT_USAGE;
    }
    cJSON_AddStringToObject(cli_result(), "partition", p->name);
    return cli_erase(s, p->offset, (p->size + 0xFFFu) & ~0xFFFu);
}
