/* ramfs.c - RAM file system: fixed-size blocks chained through a table (FAT-like), an entry table
 * for files and directories, persisted as one static image that a reset may interrupt at any moment.
 * See ramfs.h.
 *
 * Reset safety (REBOOT or a board reset at any instruction leaves the state of the last completed
 * change; the file being written is then absent, or as it was, never half written):
 *  - The image holds two metadata copies (entry table + block table, each behind a header with a
 *    sequence number and an FNV-1a checksum) and the data blocks. The fs works on `w`, a RAM-only
 *    metadata copy; the copies in the image change only in commit().
 *  - commit(), after every completed change, writes `w` over the older copy: it clears that copy's
 *    magic first, copies, stores the next sequence number and the checksum, and sets the magic last.
 *    Before that last store the other copy (the previous state) is the newest valid one.
 *  - File data goes only to blocks the committed copy does not reference: writing into a block it
 *    references copies the block first (copy-on-write), so committed files never change under it.
 *  - A file open for writing is committed by its close only: a commit made meanwhile by another
 *    change (MKD during a STOR) keeps that file's committed size, block chain and date.
 *  - ramfs_init() takes the valid copy with the newer sequence number; blocks it does not reference
 *    are free. No valid copy: an empty fs and RAMFS_IMAGE_CORRUPT.
 * Blocks a change releases become free at its commit; new blocks are taken preferably among those
 * the older copy does not reference either, so that it stays whole as long as space allows. */
#include "ramfs.h"

#include <stdatomic.h>
#include <string.h>

#include "port.h"

#define RAMFS_MAGIC 0x32534648u /* "HFS2" read as a little-endian word */
#define RAMFS_VERSION 2u

#define BLK_FREE 0xFFFEu
#define BLK_END 0xFFFFu
#define BLK_NONE 0xFFFFu

enum { T_FREE = 0, T_FILE = 1, T_DIR = 2 };
#define ROOT (-1)

typedef struct {
    uint32_t magic; /* cleared first and set last by a commit */
    uint32_t version;
    uint32_t image_size;
    uint32_t fs_size;
    uint32_t block_size;
    uint32_t max_entries;
    uint32_t name_max;
    uint32_t seq;      /* commit number: of two valid copies, the one ahead (mod 2^32) is the newest */
    uint32_t checksum; /* FNV-1a over version..seq and the tables */
} hdr_t;

typedef struct {
    uint8_t type;
    uint8_t attr;
    int16_t parent;
    uint32_t size;
    uint16_t first;
    uint16_t year;
    uint8_t month, day, hour, minute, second, pad;
    char name[RAMFS_NAME_MAX + 1];
} entry_t;

typedef struct {
    entry_t ent[RAMFS_MAX_FILES];
    uint16_t fat[RAMFS_BLOCKS]; /* next block, BLK_END, or BLK_FREE (in a copy: not referenced) */
} tables_t;

typedef struct {
    hdr_t hdr;
    tables_t t;
} meta_t;

/* The persisted image: what port_fs_save() gets and port_fs_load() fills. RAMFS_IMAGE_ATTR lets a
 * port keep it where its reset does not clear it (ports/stm32f4: .noinit). */
static struct {
    meta_t meta[2];
    uint8_t data[RAMFS_BLOCKS][RAMFS_BLOCK_SIZE];
} image RAMFS_IMAGE_ATTR;

/* RAM-only state (not in the image) */
static tables_t w;        /* the live metadata */
static int cur_copy;      /* image.meta[cur_copy]: the committed state (valid once ramfs_init ran) */
static bool older_valid;  /* image.meta[1 - cur_copy]: the state before it, still valid */
static uint32_t seq;      /* image.meta[cur_copy].hdr.seq */
static uint16_t readers[RAMFS_MAX_FILES];
static uint8_t writer[RAMFS_MAX_FILES];
static uint8_t dirty[RAMFS_MAX_FILES]; /* open for writing and changed: not committed before its close */
static uint32_t free_blocks;           /* free in `w` and not referenced by the committed copy */
static uint32_t alloc_hint;
static int image_status;
static int image_copies;
static uint16_t fs_gen = 1; /* bumped by format/init so stale handles are refused */
static uint8_t owned[(RAMFS_BLOCKS + 7) / 8];

/* ---------------------------------------------------------------- helpers */

static uint32_t nblocks(uint32_t size) { return (size + RAMFS_BLOCK_SIZE - 1u) / RAMFS_BLOCK_SIZE; }

static uint32_t fnv1a(uint32_t h, const void *data, size_t n)
{
    const uint8_t *p = (const uint8_t *)data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

static uint32_t meta_checksum(const meta_t *m)
{
    uint32_t h = fnv1a(2166136261u, &m->hdr.version, offsetof(hdr_t, checksum) - offsetof(hdr_t, version));
    return fnv1a(h, &m->t, sizeof m->t);
}

/* Stores that a reset must find in this order (no cache on a Cortex-M4: program order is enough once
 * the compiler keeps it). */
static void set_magic(meta_t *m, uint32_t v)
{
    atomic_signal_fence(memory_order_seq_cst);
    *(volatile uint32_t *)&m->hdr.magic = v;
    atomic_signal_fence(memory_order_seq_cst);
}

/* Block b is referenced by the committed copy (or, older_held, by the one before it). */
static bool held(uint32_t b) { return image.meta[cur_copy].t.fat[b] != BLK_FREE; }
static bool older_held(uint32_t b) { return older_valid && image.meta[1 - cur_copy].t.fat[b] != BLK_FREE; }

static bool owned_get(uint32_t b) { return (owned[b >> 3] & (1u << (b & 7u))) != 0; }
static void owned_set(uint32_t b) { owned[b >> 3] |= (uint8_t)(1u << (b & 7u)); }

/* Marks in owned[] the nblocks(size) blocks of the chain at first; false if that is no proper chain
 * (a block out of range or already marked, no BLK_END right after the last one). */
static bool mark_chain(const tables_t *t, uint16_t first, uint32_t size)
{
    if (size > (uint32_t)RAMFS_BLOCKS * RAMFS_BLOCK_SIZE) return false;
    uint32_t count = nblocks(size);
    if (count == 0) return first == BLK_NONE;
    uint16_t b = first;
    for (uint32_t k = 0; k < count; k++) {
        if (b >= RAMFS_BLOCKS || owned_get(b)) return false;
        owned_set(b);
        if (k + 1u == count) return t->fat[b] == BLK_END;
        b = t->fat[b];
    }
    return false;
}

static void count_free(void)
{
    uint32_t n = 0;
    for (uint32_t b = 0; b < RAMFS_BLOCKS; b++)
        if (w.fat[b] == BLK_FREE && !held(b)) n++;
    free_blocks = n;
}

static void fill_header(hdr_t *h)
{
    h->version = RAMFS_VERSION;
    h->image_size = (uint32_t)sizeof image;
    h->fs_size = (uint32_t)RAMFS_SIZE;
    h->block_size = RAMFS_BLOCK_SIZE;
    h->max_entries = RAMFS_MAX_FILES;
    h->name_max = RAMFS_NAME_MAX;
}

/* Writes `w` as the next committed state into the older copy and makes it the current one. */
static void commit(void)
{
    int n = 1 - cur_copy;
    meta_t *m = &image.meta[n];
    const meta_t *c = &image.meta[cur_copy];
    set_magic(m, 0); /* from here until set_magic() below, image.meta[cur_copy] is the newest valid copy */
    older_valid = false;
    memcpy(&m->t, &w, sizeof w);
    for (int i = 0; i < RAMFS_MAX_FILES; i++) {
        if (!dirty[i]) continue;
        /* being written: the committed size and chain stay until its close */
        entry_t *e = &m->t.ent[i];
        const entry_t *old = &c->t.ent[i];
        if (old->type != T_FILE) {
            e->size = 0;
            e->first = BLK_NONE;
            continue;
        }
        e->size = old->size; /* (its date changes at its close only) */
        e->first = old->first;
        uint16_t b = old->first;
        for (uint32_t k = nblocks(old->size); k > 0 && b < RAMFS_BLOCKS; k--) {
            m->t.fat[b] = c->t.fat[b];
            b = c->t.fat[b];
        }
    }
    /* blocks no file of this state references are BLK_FREE in it (the chains of files being written) */
    memset(owned, 0, sizeof owned);
    for (int i = 0; i < RAMFS_MAX_FILES; i++)
        if (m->t.ent[i].type == T_FILE) (void)mark_chain(&m->t, m->t.ent[i].first, m->t.ent[i].size);
    for (uint32_t b = 0; b < RAMFS_BLOCKS; b++)
        if (!owned_get(b)) m->t.fat[b] = BLK_FREE;
    fill_header(&m->hdr);
    m->hdr.seq = seq + 1u;
    m->hdr.checksum = meta_checksum(m);
    set_magic(m, RAMFS_MAGIC);
    seq++;
    cur_copy = n;
    older_valid = true;
    count_free();
}

static void save(void)
{
    commit();
    port_fs_save((const uint8_t *)&image, sizeof image);
}
void ramfs_civil(uint32_t t, uint16_t *year, uint8_t *month, uint8_t *day, uint8_t *hour, uint8_t *minute,
                 uint8_t *second)
{
    uint32_t days = t / 86400u, rem = t % 86400u;
    *hour = (uint8_t)(rem / 3600u);
    *minute = (uint8_t)(rem / 60u % 60u);
    *second = (uint8_t)(rem % 60u);
    /* days since 1970-01-01 -> proleptic Gregorian date, counting in 400-year eras from 0000-03-01 */
    uint32_t z = days + 719468u;
    uint32_t era = z / 146097u;
    uint32_t doe = z - era * 146097u;
    uint32_t yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
    uint32_t doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
    uint32_t mp = (5u * doy + 2u) / 153u;
    uint32_t d = doy - (153u * mp + 2u) / 5u + 1u;
    uint32_t m = mp < 10u ? mp + 3u : mp - 9u;
    uint32_t y = yoe + era * 400u + (m <= 2u ? 1u : 0u);
    *year = (uint16_t)y;
    *month = (uint8_t)m;
    *day = (uint8_t)d;
}

static void stamp(entry_t *e)
{
    ramfs_civil(RAMFS_EPOCH + port_now_ms() / 1000u, &e->year, &e->month, &e->day, &e->hour, &e->minute,
                &e->second);
}

static bool name_char_ok(uint8_t c) { return c >= 0x20 && c != 0x7f && c != '/' && c != '\\'; }

/* Canonical absolute path in, entry index out (ROOT for "/"). */
static int find_child(int dir, const char *name, size_t len)
{
    if (len > RAMFS_NAME_MAX) return -2;
    for (int i = 0; i < RAMFS_MAX_FILES; i++) {
        const entry_t *e = &w.ent[i];
        if (e->type != T_FREE && e->parent == dir && strncmp(e->name, name, len) == 0 && e->name[len] == '\0')
            return i;
    }
    return -2;
}

/* Walk all components. *idx = entry (ROOT for "/"). */
static int resolve(const char *canon, int *idx)
{
    int cur = ROOT;
    const char *p = canon;
    while (*p == '/') p++;
    while (*p) {
        const char *s = p;
        while (*p && *p != '/') p++;
        if (cur != ROOT && w.ent[cur].type != T_DIR) return RAMFS_INVALID_PATH;
        int c = find_child(cur, s, (size_t)(p - s));
        if (c < 0) return RAMFS_NOT_FOUND;
        cur = c;
        while (*p == '/') p++;
    }
    *idx = cur;
    return RAMFS_SUCCESS;
}

/* Parent directory of the last component, and that component. */
static int resolve_parent(const char *canon, int *parent, const char **name, size_t *len)
{
    const char *last = strrchr(canon, '/');
    if (!last || last[1] == '\0') return RAMFS_INVALID_NAME; /* "/" itself */
    char dir[RAMFS_PATH_MAX];
    size_t dl = (size_t)(last - canon);
    if (dl == 0) dl = 1; /* "/x" -> "/" */
    memcpy(dir, canon, dl);
    dir[dl] = '\0';
    int p;
    int st = resolve(dir, &p);
    if (st != RAMFS_SUCCESS) return st == RAMFS_NOT_FOUND ? RAMFS_INVALID_PATH : st;
    if (p != ROOT && w.ent[p].type != T_DIR) return RAMFS_INVALID_PATH;
    *parent = p;
    *name = last + 1;
    *len = strlen(last + 1);
    if (*len == 0 || *len > RAMFS_NAME_MAX) return RAMFS_INVALID_NAME;
    return RAMFS_SUCCESS;
}

/* Where a new entry for canonical path c goes: its parent and name; ALREADY_CREATED when it exists. */
static int new_place(const char *c, int *parent, const char **name, size_t *len)
{
    int st = resolve_parent(c, parent, name, len);
    if (st) return st;
    return find_child(*parent, *name, *len) >= 0 ? RAMFS_ALREADY_CREATED : RAMFS_SUCCESS;
}

static int canon(const char *path, char *out)
{
    if (!path) return RAMFS_INVALID_PATH;
    return ramfs_path_join("/", path, strlen(path), out, RAMFS_PATH_MAX);
}

/* Any path (relative ones from "/") -> entry index (ROOT for "/"). */
static int lookup(const char *path, int *idx)
{
    char c[RAMFS_PATH_MAX];
    int st = canon(path, c);
    return st ? st : resolve(c, idx);
}

/* Like lookup(), for an existing file: RAMFS_NOT_A_FILE for the root or a directory. */
static int lookup_file(const char *path, int *idx)
{
    int st = lookup(path, idx);
    if (st) return st;
    return (*idx == ROOT || w.ent[*idx].type != T_FILE) ? RAMFS_NOT_A_FILE : RAMFS_SUCCESS;
}

/* Frees a (closed, empty or emptied) entry and saves. */
static void remove_entry(int i)
{
    memset(&w.ent[i], 0, sizeof w.ent[i]);
    save();
}

static int free_entry(void)
{
    for (int i = 0; i < RAMFS_MAX_FILES; i++)
        if (w.ent[i].type == T_FREE) return i;
    return -1;
}

/* A block free in `w` and not referenced by the committed copy; one the older copy does not
 * reference either when there is such a block. */
static uint16_t alloc_block(void)
{
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t k = 0; k < RAMFS_BLOCKS; k++) {
            uint32_t b = (alloc_hint + k) % RAMFS_BLOCKS;
            if (w.fat[b] != BLK_FREE || held(b) || (pass == 0 && older_held(b))) continue;
            w.fat[b] = BLK_END;
            free_blocks--;
            alloc_hint = (b + 1u) % RAMFS_BLOCKS;
            return (uint16_t)b;
        }
    }
    return BLK_NONE; /* callers check free_blocks first */
}

/* Frees a chain in `w`; blocks the committed copy references become free at the next commit. */
static void free_chain(uint16_t b)
{
    uint32_t guard = 0;
    while (b < RAMFS_BLOCKS && guard++ < RAMFS_BLOCKS) {
        uint16_t next = w.fat[b];
        w.fat[b] = BLK_FREE;
        if (!held(b)) free_blocks++;
        b = next;
    }
}

static void clear_working(void)
{
    memset(&w, 0, sizeof w);
    for (uint32_t b = 0; b < RAMFS_BLOCKS; b++) w.fat[b] = BLK_FREE;
    alloc_hint = 0;
}

/* An empty fs, committed in the image (copy 0, the other one invalid) but not handed to the port:
 * nothing changed. */
static void empty_fs(void)
{
    clear_working();
    set_magic(&image.meta[0], 0);
    set_magic(&image.meta[1], 0);
    cur_copy = 1;
    seq = 0;
    commit();
    older_valid = false;
}

static void reset_open_state(void)
{
    memset(readers, 0, sizeof readers);
    memset(writer, 0, sizeof writer);
    memset(dirty, 0, sizeof dirty);
    fs_gen++;
    if (fs_gen == 0) fs_gen = 1;
}

/* ---------------------------------------------------------------- image load */

static bool valid_name(const char *n)
{
    size_t len = 0;
    while (len <= RAMFS_NAME_MAX && n[len]) {
        if (!name_char_ok((uint8_t)n[len])) return false;
        len++;
    }
    if (len == 0 || len > RAMFS_NAME_MAX) return false;
    if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0) return false;
    return true;
}

static bool tables_valid(const tables_t *t)
{
    memset(owned, 0, sizeof owned);
    for (int i = 0; i < RAMFS_MAX_FILES; i++) {
        const entry_t *e = &t->ent[i];
        if (e->type == T_FREE) continue;
        if (e->type != T_FILE && e->type != T_DIR) return false;
        if (!valid_name(e->name)) return false;
        if (e->parent != ROOT && (e->parent < 0 || e->parent >= RAMFS_MAX_FILES || t->ent[e->parent].type != T_DIR))
            return false;
        /* the parent chain must reach the root */
        int p = e->parent, steps = 0;
        while (p != ROOT && steps++ <= RAMFS_MAX_FILES) p = t->ent[p].parent;
        if (p != ROOT) return false;
        for (int j = 0; j < i; j++)
            if (t->ent[j].type != T_FREE && t->ent[j].parent == e->parent && strcmp(t->ent[j].name, e->name) == 0)
                return false;
        if (e->type == T_DIR) {
            if (e->size != 0 || e->first != BLK_NONE) return false;
            continue;
        }
        if (!mark_chain(t, e->first, e->size)) return false;
    }
    for (uint32_t b = 0; b < RAMFS_BLOCKS; b++)
        if (!owned_get(b) && t->fat[b] != BLK_FREE) return false;
    return true;
}

static bool copy_valid(int k)
{
    const meta_t *m = &image.meta[k];
    const hdr_t *h = &m->hdr;
    if (h->magic != RAMFS_MAGIC || h->version != RAMFS_VERSION || h->image_size != sizeof image ||
        h->fs_size != (uint32_t)RAMFS_SIZE || h->block_size != RAMFS_BLOCK_SIZE ||
        h->max_entries != RAMFS_MAX_FILES || h->name_max != RAMFS_NAME_MAX)
        return false;
    if (h->checksum != meta_checksum(m)) return false;
    return tables_valid(&m->t);
}

void ramfs_init(void)
{
    reset_open_state();
    image_copies = 0;
    size_t n = port_fs_load((uint8_t *)&image, sizeof image);
    if (n == 0) {
        image_status = RAMFS_IMAGE_NONE;
        empty_fs();
        return;
    }
    bool ok0 = n == sizeof image && copy_valid(0);
    bool ok1 = n == sizeof image && copy_valid(1);
    if (!ok0 && !ok1) {
        image_status = RAMFS_IMAGE_CORRUPT;
        empty_fs();
        return;
    }
    if (ok0 && ok1)
        cur_copy = (int32_t)(image.meta[1].hdr.seq - image.meta[0].hdr.seq) > 0 ? 1 : 0;
    else
        cur_copy = ok1 ? 1 : 0;
    older_valid = ok0 && ok1;
    seq = image.meta[cur_copy].hdr.seq;
    memcpy(&w, &image.meta[cur_copy].t, sizeof w);
    alloc_hint = 0;
    count_free();
    image_copies = (ok0 ? 1 : 0) + (ok1 ? 1 : 0);
    image_status = RAMFS_IMAGE_LOADED;
}

void ramfs_format(void)
{
    reset_open_state();
    clear_working();
    save();
}

int ramfs_image_status(void) { return image_status; }
int ramfs_image_copies(void) { return image_copies; }

/* ---------------------------------------------------------------- paths */

static int push_component(char *out, size_t *len, size_t cap, const char *c, size_t n)
{
    if (n == 0 || (n == 1 && c[0] == '.')) return RAMFS_SUCCESS;
    if (n == 2 && c[0] == '.' && c[1] == '.') {
        while (*len > 0 && out[*len - 1] != '/') (*len)--;
        if (*len > 0) (*len)--; /* drop the '/' too */
        out[*len] = '\0';
        return RAMFS_SUCCESS;
    }
    if (n > RAMFS_NAME_MAX) return RAMFS_INVALID_PATH;
    for (size_t i = 0; i < n; i++)
        if (!name_char_ok((uint8_t)c[i])) return RAMFS_INVALID_PATH;
    if (*len + 1 + n + 1 > cap) return RAMFS_INVALID_PATH;
    out[(*len)++] = '/';
    memcpy(out + *len, c, n);
    *len += n;
    out[*len] = '\0';
    return RAMFS_SUCCESS;
}

static int push_all(char *out, size_t *len, size_t cap, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i]) {
        size_t start = i;
        while (i < n && s[i] && s[i] != '/' && s[i] != '\\') i++;
        int st = push_component(out, len, cap, s + start, i - start);
        if (st) return st;
        if (i < n && (s[i] == '/' || s[i] == '\\')) i++;
    }
    return RAMFS_SUCCESS;
}

int ramfs_path_join(const char *cwd, const char *arg, size_t arg_len, char *out, size_t cap)
{
    size_t len = 0;
    if (cap < 2) return RAMFS_INVALID_PATH;
    out[0] = '\0';
    bool absolute = arg_len > 0 && (arg[0] == '/' || arg[0] == '\\');
    if (!absolute && cwd) {
        int st = push_all(out, &len, cap, cwd, strlen(cwd));
        if (st) return st;
    }
    int st = push_all(out, &len, cap, arg, arg_len);
    if (st) return st;
    if (len == 0) {
        out[0] = '/';
        out[1] = '\0';
    }
    return RAMFS_SUCCESS;
}

/* ---------------------------------------------------------------- files */

static int create_entry(const char *path, uint8_t type)
{
    char c[RAMFS_PATH_MAX];
    int st = canon(path, c);
    if (st) return st;
    if (strcmp(c, "/") == 0) return RAMFS_ALREADY_CREATED;
    int parent;
    const char *name;
    size_t len;
    st = new_place(c, &parent, &name, &len);
    if (st) return st;
    int i = free_entry();
    if (i < 0) return RAMFS_NO_MORE_SPACE;
    entry_t *e = &w.ent[i];
    memset(e, 0, sizeof *e);
    e->type = type;
    e->attr = type == T_DIR ? RAMFS_ATTR_DIRECTORY : 0;
    e->parent = (int16_t)parent;
    e->first = BLK_NONE;
    memcpy(e->name, name, len);
    stamp(e);
    readers[i] = 0;
    writer[i] = 0;
    save();
    return RAMFS_SUCCESS;
}

int ramfs_file_create(const char *path) { return create_entry(path, T_FILE); }
int ramfs_dir_create(const char *path) { return create_entry(path, T_DIR); }

void ramfs_file_clear(ramfs_file *f)
{
    f->entry = -1;
    f->mode = 0;
    f->written = 0;
    f->pos = 0;
    f->blk = BLK_NONE;
    f->blk_index = 0;
    f->gen = 0;
}

/* A handle is usable only while its fs generation is current (ramfs_format invalidates all). */
static bool open_ok(const ramfs_file *f)
{
    return f && f->gen == fs_gen && f->entry >= 0 && f->entry < RAMFS_MAX_FILES && w.ent[f->entry].type == T_FILE;
}

int ramfs_file_open(ramfs_file *f, const char *path, int mode)
{
    ramfs_file_clear(f);
    if (mode != RAMFS_OPEN_FOR_READ && mode != RAMFS_OPEN_FOR_WRITE) return RAMFS_INVALID_OPTION;
    int i;
    int st = lookup_file(path, &i);
    if (st) return st;
    if (mode == RAMFS_OPEN_FOR_WRITE) {
        if (w.ent[i].attr & RAMFS_ATTR_READ_ONLY) return RAMFS_WRITE_PROTECT;
        if (writer[i] || readers[i]) return RAMFS_ACCESS_ERROR;
        writer[i] = 1;
    } else {
        if (writer[i]) return RAMFS_ACCESS_ERROR;
        readers[i]++;
    }
    f->entry = (int16_t)i;
    f->mode = (uint8_t)mode;
    f->gen = fs_gen;
    return RAMFS_SUCCESS;
}

int ramfs_file_rewrite(ramfs_file *f, const char *path)
{
    int st = ramfs_file_open(f, path, RAMFS_OPEN_FOR_WRITE);
    if (st == RAMFS_NOT_FOUND) {
        st = ramfs_file_create(path);
        if (st == RAMFS_SUCCESS) st = ramfs_file_open(f, path, RAMFS_OPEN_FOR_WRITE);
    }
    if (st == RAMFS_SUCCESS) st = ramfs_file_truncate(f, 0);
    if (st != RAMFS_SUCCESS) ramfs_file_close(f);
    return st;
}

/* Block holding block number bi of the open file (bi < nblocks(size)). */
static uint16_t locate(ramfs_file *f, uint32_t bi)
{
    uint16_t b;
    uint32_t at;
    if (f->blk != BLK_NONE && f->blk_index <= bi) {
        b = f->blk;
        at = f->blk_index;
    } else {
        b = w.ent[f->entry].first;
        at = 0;
    }
    while (at < bi && b < RAMFS_BLOCKS) {
        b = w.fat[b];
        at++;
    }
    if (b >= RAMFS_BLOCKS) return BLK_NONE;
    f->blk = b;
    f->blk_index = bi;
    return b;
}

uint32_t ramfs_file_size(const ramfs_file *f) { return open_ok(f) ? w.ent[f->entry].size : 0; }

int ramfs_file_read(ramfs_file *f, void *buf, uint32_t req, uint32_t *actual)
{
    *actual = 0;
    if (!open_ok(f)) return RAMFS_NOT_OPEN;
    const entry_t *e = &w.ent[f->entry];
    if (f->pos >= e->size) return RAMFS_END_OF_FILE;
    uint32_t left = e->size - f->pos;
    if (req > left) req = left;
    uint8_t *out = (uint8_t *)buf;
    while (req) {
        uint16_t b = locate(f, f->pos / RAMFS_BLOCK_SIZE);
        if (b == BLK_NONE) return RAMFS_END_OF_FILE; /* cannot happen on a valid chain */
        uint32_t off = f->pos % RAMFS_BLOCK_SIZE;
        uint32_t n = RAMFS_BLOCK_SIZE - off;
        if (n > req) n = req;
        memcpy(out, &image.data[b][off], n);
        out += n;
        f->pos += n;
        *actual += n;
        req -= n;
    }
    return RAMFS_SUCCESS;
}

int ramfs_file_write(ramfs_file *f, const void *buf, uint32_t n)
{
    if (!open_ok(f)) return RAMFS_NOT_OPEN;
    if (f->mode != RAMFS_OPEN_FOR_WRITE) return RAMFS_ACCESS_ERROR;
    if (n == 0) return RAMFS_SUCCESS;
    int i = f->entry;
    entry_t *e = &w.ent[i];
    uint32_t cap = (uint32_t)RAMFS_BLOCKS * RAMFS_BLOCK_SIZE;
    if (f->pos > cap || n > cap - f->pos) return RAMFS_NO_MORE_SPACE;
    uint32_t end = f->pos + n;
    uint32_t have = nblocks(e->size), need = nblocks(end);
    uint32_t first_bi = f->pos / RAMFS_BLOCK_SIZE;
    /* existing blocks the committed copy references are copied before they change: count them too */
    uint32_t copies = 0;
    if (first_bi < have) {
        uint32_t last_bi = (end - 1u) / RAMFS_BLOCK_SIZE;
        if (last_bi >= have) last_bi = have - 1u;
        uint16_t b = locate(f, first_bi);
        for (uint32_t bi = first_bi; bi <= last_bi && b < RAMFS_BLOCKS; bi++) {
            if (held(b)) copies++;
            b = w.fat[b];
        }
    }
    uint32_t extra = need > have ? need - have : 0u;
    if (extra + copies > free_blocks) return RAMFS_NO_MORE_SPACE;
    if (extra) {
        uint16_t last = have ? locate(f, have - 1u) : BLK_NONE;
        for (uint32_t k = 0; k < extra; k++) {
            uint16_t nb = alloc_block();
            if (last == BLK_NONE)
                e->first = nb;
            else
                w.fat[last] = nb;
            last = nb;
        }
    }
    f->written = 1;
    dirty[i] = 1;
    /* link: where the number of the block at index bi is kept (the entry, or the previous block) */
    uint16_t *link = &e->first;
    if (first_bi > 0) {
        uint16_t prev = locate(f, first_bi - 1u);
        if (prev == BLK_NONE) return RAMFS_NO_MORE_SPACE; /* cannot happen on a valid chain */
        link = &w.fat[prev];
    }
    f->blk = BLK_NONE; /* blocks may be replaced below */
    const uint8_t *in = (const uint8_t *)buf;
    uint32_t left = n, bi = first_bi;
    while (left) {
        uint16_t b = *link;
        if (b >= RAMFS_BLOCKS) return RAMFS_NO_MORE_SPACE; /* cannot happen: blocks were reserved above */
        uint32_t off = f->pos % RAMFS_BLOCK_SIZE;
        uint32_t k = RAMFS_BLOCK_SIZE - off;
        if (k > left) k = left;
        if (held(b)) { /* copy-on-write */
            uint16_t nb = alloc_block();
            if (nb == BLK_NONE) return RAMFS_NO_MORE_SPACE; /* cannot happen: counted above */
            if (k < RAMFS_BLOCK_SIZE) memcpy(image.data[nb], image.data[b], RAMFS_BLOCK_SIZE);
            w.fat[nb] = w.fat[b];
            w.fat[b] = BLK_FREE; /* the committed copy's until the next commit: not counted free */
            *link = nb;
            b = nb;
        }
        memcpy(&image.data[b][off], in, k);
        in += k;
        f->pos += k;
        left -= k;
        if (f->pos > e->size) e->size = f->pos;
        f->blk = b;
        f->blk_index = bi++;
        link = &w.fat[b];
    }
    return RAMFS_SUCCESS;
}

int ramfs_file_seek(ramfs_file *f, uint32_t offset)
{
    if (!open_ok(f)) return RAMFS_NOT_OPEN;
    uint32_t size = w.ent[f->entry].size;
    f->pos = offset > size ? size : offset;
    return RAMFS_SUCCESS;
}

int ramfs_file_truncate(ramfs_file *f, uint32_t size)
{
    if (!open_ok(f)) return RAMFS_NOT_OPEN;
    if (f->mode != RAMFS_OPEN_FOR_WRITE) return RAMFS_ACCESS_ERROR;
    entry_t *e = &w.ent[f->entry];
    if (size >= e->size) return RAMFS_SUCCESS;
    uint32_t keep = nblocks(size);
    f->blk = BLK_NONE;
    if (keep == 0) {
        free_chain(e->first);
        e->first = BLK_NONE;
    } else {
        uint16_t last = locate(f, keep - 1u);
        if (last != BLK_NONE) {
            free_chain(w.fat[last]);
            w.fat[last] = BLK_END;
        }
    }
    e->size = size;
    if (f->pos > size) f->pos = size;
    f->blk = BLK_NONE;
    f->written = 1;
    dirty[f->entry] = 1;
    return RAMFS_SUCCESS;
}

int ramfs_file_close(ramfs_file *f)
{
    if (!f) return RAMFS_NOT_OPEN;
    if (!open_ok(f)) {
        ramfs_file_clear(f);
        return RAMFS_NOT_OPEN;
    }
    int i = f->entry;
    bool changed = false;
    if (w.ent[i].type == T_FILE) {
        if (f->mode == RAMFS_OPEN_FOR_WRITE) {
            writer[i] = 0;
            dirty[i] = 0; /* committed now, with its close */
            if (f->written) {
                stamp(&w.ent[i]);
                changed = true;
            }
        } else if (readers[i]) {
            readers[i]--;
        }
    }
    ramfs_file_clear(f);
    if (changed) save();
    return RAMFS_SUCCESS;
}

int ramfs_file_delete(const char *path)
{
    int i;
    int st = lookup_file(path, &i);
    if (st) return st;
    if (readers[i] || writer[i]) return RAMFS_ACCESS_ERROR;
    if (w.ent[i].attr & RAMFS_ATTR_READ_ONLY) return RAMFS_WRITE_PROTECT;
    if (w.ent[i].first != BLK_NONE) free_chain(w.ent[i].first);
    remove_entry(i);
    return RAMFS_SUCCESS;
}

static bool is_ancestor(int anc, int node)
{
    int steps = 0;
    while (node != ROOT && steps++ <= RAMFS_MAX_FILES) {
        if (node == anc) return true;
        node = w.ent[node].parent;
    }
    return false;
}

static int rename_entry(const char *from, const char *to, uint8_t type)
{
    char a[RAMFS_PATH_MAX], b[RAMFS_PATH_MAX];
    int st = canon(from, a);
    if (st) return st;
    st = canon(to, b);
    if (st) return st;
    int i;
    st = resolve(a, &i);
    if (st) return st;
    if (i == ROOT) return RAMFS_ACCESS_ERROR;
    if (w.ent[i].type != type) return type == T_FILE ? RAMFS_NOT_A_FILE : RAMFS_NOT_DIRECTORY;
    int parent;
    const char *name;
    size_t len;
    st = new_place(b, &parent, &name, &len);
    if (st) return st;
    if (type == T_DIR && parent != ROOT && is_ancestor(i, parent)) return RAMFS_INVALID_PATH;
    entry_t *e = &w.ent[i];
    e->parent = (int16_t)parent;
    memset(e->name, 0, sizeof e->name);
    memcpy(e->name, name, len);
    save();
    return RAMFS_SUCCESS;
}

int ramfs_file_rename(const char *from, const char *to) { return rename_entry(from, to, T_FILE); }
int ramfs_dir_rename(const char *from, const char *to) { return rename_entry(from, to, T_DIR); }

int ramfs_dir_delete(const char *path)
{
    int i;
    int st = lookup(path, &i);
    if (st) return st;
    if (i == ROOT) return RAMFS_ACCESS_ERROR;
    if (w.ent[i].type != T_DIR) return RAMFS_NOT_DIRECTORY;
    for (int k = 0; k < RAMFS_MAX_FILES; k++)
        if (w.ent[k].type != T_FREE && w.ent[k].parent == i) return RAMFS_DIR_NOT_EMPTY;
    remove_entry(i);
    return RAMFS_SUCCESS;
}

int ramfs_dir_exists(const char *path)
{
    int i;
    int st = lookup(path, &i);
    if (st) return st;
    return (i == ROOT || w.ent[i].type == T_DIR) ? RAMFS_SUCCESS : RAMFS_NOT_DIRECTORY;
}

static void fill_info(const entry_t *e, const char *name, ramfs_info *info)
{
    memset(info, 0, sizeof *info);
    size_t n = strlen(name);
    if (n > RAMFS_NAME_MAX) n = RAMFS_NAME_MAX;
    memcpy(info->name, name, n);
    info->attr = e->attr;
    info->size = e->type == T_FILE ? e->size : 0;
    info->year = e->year;
    info->month = e->month;
    info->day = e->day;
    info->hour = e->hour;
    info->minute = e->minute;
    info->second = e->second;
}

int ramfs_attributes_read(const char *path, uint8_t *attr)
{
    int i;
    int st = lookup(path, &i);
    if (st) return st;
    *attr = i == ROOT ? RAMFS_ATTR_DIRECTORY : w.ent[i].attr;
    return RAMFS_SUCCESS;
}

int ramfs_attributes_set(const char *path, uint8_t attr)
{
    int i;
    int st = lookup_file(path, &i);
    if (st) return st;
    w.ent[i].attr = (uint8_t)((w.ent[i].attr & ~RAMFS_ATTR_READ_ONLY) | (attr & RAMFS_ATTR_READ_ONLY));
    save();
    return RAMFS_SUCCESS;
}

int ramfs_info_get(const char *path, ramfs_info *info)
{
    int i;
    int st = lookup(path, &i);
    if (st) return st;
    if (i == ROOT) return RAMFS_NOT_FOUND;
    fill_info(&w.ent[i], w.ent[i].name, info);
    return RAMFS_SUCCESS;
}

int ramfs_dir_first(ramfs_dir *d, const char *path, ramfs_info *info)
{
    d->dir = ROOT;
    d->next = RAMFS_MAX_FILES; /* an unusable iterator until it is set up */
    d->dots = 2;
    int i;
    int st = lookup(path, &i);
    if (st) return st;
    if (i != ROOT && w.ent[i].type != T_DIR) return RAMFS_NOT_DIRECTORY;
    d->dir = (int16_t)i;
    d->next = 0;
    d->dots = i == ROOT ? 2 : 0;
    return ramfs_dir_next(d, info);
}

int ramfs_dir_next(ramfs_dir *d, ramfs_info *info)
{
    if (d->dir != ROOT && (d->dir < 0 || d->dir >= RAMFS_MAX_FILES || w.ent[d->dir].type != T_DIR))
        return RAMFS_NO_MORE_ENTRIES; /* the directory went away under the iterator */
    if (d->dots < 2) {
        const entry_t *self = &w.ent[d->dir];
        const entry_t *up = self->parent == ROOT ? self : &w.ent[self->parent];
        fill_info(d->dots == 0 ? self : up, d->dots == 0 ? "." : "..", info);
        info->attr = RAMFS_ATTR_DIRECTORY;
        d->dots++;
        return RAMFS_SUCCESS;
    }
    while (d->next >= 0 && d->next < RAMFS_MAX_FILES) {
        const entry_t *e = &w.ent[d->next++];
        if (e->type != T_FREE && e->parent == d->dir) {
            fill_info(e, e->name, info);
            return RAMFS_SUCCESS;
        }
    }
    return RAMFS_NO_MORE_ENTRIES;
}

bool ramfs_walk(int *cursor, char *path, size_t cap, ramfs_info *info)
{
    while (*cursor >= 0 && *cursor < RAMFS_MAX_FILES) {
        int i = (*cursor)++;
        const entry_t *e = &w.ent[i];
        if (e->type == T_FREE) continue;
        int chain[RAMFS_MAX_FILES < 64 ? RAMFS_MAX_FILES : 64];
        int depth = 0, node = i;
        while (node != ROOT && depth < (int)(sizeof chain / sizeof chain[0])) {
            chain[depth++] = node;
            node = w.ent[node].parent;
        }
        size_t len = 0;
        bool fits = true;
        for (int k = depth - 1; k >= 0 && fits; k--) {
            size_t n = strlen(w.ent[chain[k]].name);
            if (len + 1 + n + 1 > cap) {
                fits = false;
                break;
            }
            path[len++] = '/';
            memcpy(path + len, w.ent[chain[k]].name, n);
            len += n;
        }
        if (cap) path[fits ? len : 0] = '\0';
        fill_info(e, e->name, info);
        return true;
    }
    return false;
}

uint32_t ramfs_capacity(void) { return (uint32_t)RAMFS_BLOCKS * RAMFS_BLOCK_SIZE; }
uint32_t ramfs_free_bytes(void) { return free_blocks * RAMFS_BLOCK_SIZE; }
uint32_t ramfs_entries_used(void)
{
    uint32_t n = 0;
    for (int i = 0; i < RAMFS_MAX_FILES; i++)
        if (w.ent[i].type != T_FREE) n++;
    return n;
}
