/*
 * A QEMU TCG plugin that counts the guest instructions a program executes, for
 * bench/aarch64-instructions.sh. Debian's qemu-user can load plugins but ships none, and
 * its headers are not packaged, so the few declarations used are written out here
 * (QEMU plugin API version 1, QEMU 4.2 to 8.x).
 *
 * Build: gcc -shared -fPIC -O2 -o insn_count.so insn_count.c
 * Use:   qemu-aarch64 -plugin ./insn_count.so,out=FILE PROGRAM ARGS...
 *        (writes the count to FILE, or to stderr without out=)
 *        ...,hot=N also writes the N translated blocks that executed the most instructions, as
 *        "guest-address instructions" lines, for finding where the time goes. To map them to
 *        symbols, run a build that keeps them: the release profile strips hark's, so build it
 *        with `--profile profiling` (target/<triple>/profiling/hark).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct {
    const char *target_name;
    struct { int min, cur; } version;
    /* further fields unused */
} qemu_info_t;
struct qemu_plugin_tb;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*udata_cb)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
                                              void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t executed;
static const char *out_path;

/* With hot=N: one record per translation, counting its executions. */
struct block {
    uint64_t vaddr, n_insns, runs;
};
static struct block **blocks;
static size_t n_blocks, cap_blocks, hot;

/* Each translated block adds its length to the counter every time it runs (not atomic:
 * run the program on one thread). */
static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &executed, n);
    if (!hot) return;
    if (n_blocks == cap_blocks) {
        cap_blocks = cap_blocks ? 2 * cap_blocks : 4096;
        blocks = realloc(blocks, cap_blocks * sizeof *blocks);
    }
    struct block *b = calloc(1, sizeof *b);
    b->vaddr = qemu_plugin_tb_vaddr(tb);
    b->n_insns = n;
    blocks[n_blocks++] = b;
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->runs, 1);
}

static int by_cost(const void *a, const void *b) {
    const struct block *x = *(struct block *const *)a, *y = *(struct block *const *)b;
    uint64_t cx = x->runs * x->n_insns, cy = y->runs * y->n_insns;
    return cx < cy ? 1 : cx > cy ? -1 : 0;
}

static void report(qemu_plugin_id_t id, void *userdata) {
    (void)id;
    (void)userdata;
    FILE *f = out_path ? fopen(out_path, "w") : stderr;
    if (!f) {
        perror(out_path);
        return;
    }
    fprintf(f, "%llu\n", (unsigned long long)executed);
    qsort(blocks, n_blocks, sizeof *blocks, by_cost);
    for (size_t i = 0; i < hot && i < n_blocks; i++) {
        fprintf(f, "0x%llx %llu\n", (unsigned long long)blocks[i]->vaddr,
                (unsigned long long)(blocks[i]->runs * blocks[i]->n_insns));
    }
    if (f != stderr) fclose(f);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
                                                                const qemu_info_t *info,
                                                                int argc, char **argv) {
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "out=", 4) == 0) out_path = argv[i] + 4;
        if (strncmp(argv[i], "hot=", 4) == 0) hot = strtoul(argv[i] + 4, NULL, 10);
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, report, NULL);
    return 0;
}
