/* ramfs.c - RAM file system: fixed-size blocks chained through a table (FAT-like), an entry table
 * for files and directories, all inside one static image that ports persist. See ramfs.h. */
#include "ramfs.h"

#include <string.h>

#include "port.h"

#define RAMFS_MAGIC 0x31534648u /* "HFS1" read as a little-endian word */
#define RAMFS_VERSION 1u

#define BLK_FREE 0xFFFEu
#define BLK_END 0xFFFFu
#define BLK_NONE 0xFFFFu

enum { T_FREE = 0, T_FILE = 1, T_DIR = 2 };
#define ROOT (-1)

typedef struct {
    uint32_t magic;
    uint32_t version;
    uint32_t image_size;
    uint32_t fs_size;
    uint32_t block_size;
    uint32_t max_entries;
    uint32_t name_max;
    uint32_t checksum; /* FNV-1a over everything after the header */
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

static struct {
    hdr_t hdr;
    entry_t ent[RAMFS_MAX_FILES];
    uint16_t fat[RAMFS_BLOCKS];
    uint8_t data[RAMFS_BLOCKS][RAMFS_BLOCK_SIZE];
} img;

/* RAM-only state (not in the image) */
static uint16_t readers[RAMFS_MAX_FILES];
static uint8_t writer[RAMFS_MAX_FILES];
static uint32_t free_blocks;
static uint32_t alloc_hint;
static int image_status;
static uint16_t fs_gen = 1; /* bumped by format/init so stale handles are refused */
static uint8_t owned[(RAMFS_BLOCKS + 7) / 8];

/* ---------------------------------------------------------------- helpers */

static uint32_t nblocks(uint32_t size) { return (size + RAMFS_BLOCK_SIZE - 1u) / RAMFS_BLOCK_SIZE; }

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

static const uint8_t *body(void) { return (const uint8_t *)&img + sizeof img.hdr; }
static size_t body_len(void) { return sizeof img - sizeof img.hdr; }

static void fill_header(void)
{
    img.hdr.magic = RAMFS_MAGIC;
    img.hdr.version = RAMFS_VERSION;
    img.hdr.image_size = (uint32_t)sizeof img;
    img.hdr.fs_size = (uint32_t)RAMFS_SIZE;
    img.hdr.block_size = RAMFS_BLOCK_SIZE;
    img.hdr.max_entries = RAMFS_MAX_FILES;
    img.hdr.name_max = RAMFS_NAME_MAX;
}

static void save(void)
{
    fill_header();
    img.hdr.checksum = fnv1a(body(), body_len());
    port_fs_save((const uint8_t *)&img, sizeof img);
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
        const entry_t *e = &img.ent[i];
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
        if (cur != ROOT && img.ent[cur].type != T_DIR) return RAMFS_INVALID_PATH;
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
    if (p != ROOT && img.ent[p].type != T_DIR) return RAMFS_INVALID_PATH;
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
    return (*idx == ROOT || img.ent[*idx].type != T_FILE) ? RAMFS_NOT_A_FILE : RAMFS_SUCCESS;
}

/* Frees a (closed, empty or emptied) entry and saves. */
static void remove_entry(int i)
{
    memset(&img.ent[i], 0, sizeof img.ent[i]);
    save();
}

static int free_entry(void)
{
    for (int i = 0; i < RAMFS_MAX_FILES; i++)
        if (img.ent[i].type == T_FREE) return i;
    return -1;
}

static uint16_t alloc_block(void)
{
    for (uint32_t k = 0; k < RAMFS_BLOCKS; k++) {
        uint32_t b = (alloc_hint + k) % RAMFS_BLOCKS;
        if (img.fat[b] == BLK_FREE) {
            img.fat[b] = BLK_END;
            free_blocks--;
            alloc_hint = (b + 1u) % RAMFS_BLOCKS;
            return (uint16_t)b;
        }
    }
    return BLK_NONE; /* callers check free_blocks first */
}

static void free_chain(uint16_t b)
{
    uint32_t guard = 0;
    while (b != BLK_END && b < RAMFS_BLOCKS && guard++ < RAMFS_BLOCKS) {
        uint16_t next = img.fat[b];
        img.fat[b] = BLK_FREE;
        free_blocks++;
        b = next;
    }
}

static void empty_fs(void)
{
    memset(&img, 0, sizeof img);
    for (uint32_t b = 0; b < RAMFS_BLOCKS; b++) img.fat[b] = BLK_FREE;
    free_blocks = RAMFS_BLOCKS;
    alloc_hint = 0;
    fill_header();
}

static void reset_open_state(void)
{
    memset(readers, 0, sizeof readers);
    memset(writer, 0, sizeof writer);
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

static bool image_valid(void)
{
    const hdr_t *h = &img.hdr;
    if (h->magic != RAMFS_MAGIC || h->version != RAMFS_VERSION || h->image_size != sizeof img ||
        h->fs_size != (uint32_t)RAMFS_SIZE || h->block_size != RAMFS_BLOCK_SIZE ||
        h->max_entries != RAMFS_MAX_FILES || h->name_max != RAMFS_NAME_MAX)
        return false;
    if (h->checksum != fnv1a(body(), body_len())) return false;
    memset(owned, 0, sizeof owned);
    for (int i = 0; i < RAMFS_MAX_FILES; i++) {
        const entry_t *e = &img.ent[i];
        if (e->type == T_FREE) continue;
        if (e->type != T_FILE && e->type != T_DIR) return false;
        if (!valid_name(e->name)) return false;
        if (e->parent != ROOT && (e->parent < 0 || e->parent >= RAMFS_MAX_FILES || img.ent[e->parent].type != T_DIR))
            return false;
        /* the parent chain must reach the root */
        int p = e->parent, steps = 0;
        while (p != ROOT && steps++ <= RAMFS_MAX_FILES) p = img.ent[p].parent;
        if (p != ROOT) return false;
        for (int j = 0; j < i; j++)
            if (img.ent[j].type != T_FREE && img.ent[j].parent == e->parent && strcmp(img.ent[j].name, e->name) == 0)
                return false;
        if (e->type == T_DIR) {
            if (e->size != 0 || e->first != BLK_NONE) return false;
            continue;
        }
        uint32_t count = nblocks(e->size);
        if (e->size > (uint32_t)RAMFS_BLOCKS * RAMFS_BLOCK_SIZE) return false;
        uint16_t b = e->first;
        if (count == 0 && b != BLK_NONE) return false;
        for (uint32_t k = 0; k < count; k++) {
            if (b >= RAMFS_BLOCKS || (owned[b >> 3] & (1u << (b & 7)))) return false;
            owned[b >> 3] |= (uint8_t)(1u << (b & 7));
            uint16_t next = img.fat[b];
            if (k + 1 == count) {
                if (next != BLK_END) return false;
            } else if (next == BLK_FREE || next == BLK_END) {
                return false;
            }
            b = next;
        }
    }
    uint32_t nfree = 0;
    for (uint32_t b = 0; b < RAMFS_BLOCKS; b++) {
        bool own = (owned[b >> 3] & (1u << (b & 7))) != 0;
        if (!own && img.fat[b] != BLK_FREE) return false;
        if (!own) nfree++;
    }
    free_blocks = nfree;
    alloc_hint = 0;
    return true;
}

void ramfs_init(void)
{
    reset_open_state();
    size_t n = port_fs_load((uint8_t *)&img, sizeof img);
    if (n == 0) {
        image_status = RAMFS_IMAGE_NONE;
        empty_fs();
        return;
    }
    if (n == sizeof img && image_valid()) {
        image_status = RAMFS_IMAGE_LOADED;
        return;
    }
    image_status = RAMFS_IMAGE_CORRUPT;
    empty_fs();
}

void ramfs_format(void)
{
    reset_open_state();
    empty_fs();
    save();
}

int ramfs_image_status(void) { return image_status; }

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
    entry_t *e = &img.ent[i];
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
    return f && f->gen == fs_gen && f->entry >= 0 && f->entry < RAMFS_MAX_FILES && img.ent[f->entry].type == T_FILE;
}

int ramfs_file_open(ramfs_file *f, const char *path, int mode)
{
    ramfs_file_clear(f);
    if (mode != RAMFS_OPEN_FOR_READ && mode != RAMFS_OPEN_FOR_WRITE) return RAMFS_INVALID_OPTION;
    int i;
    int st = lookup_file(path, &i);
    if (st) return st;
    if (mode == RAMFS_OPEN_FOR_WRITE) {
        if (img.ent[i].attr & RAMFS_ATTR_READ_ONLY) return RAMFS_WRITE_PROTECT;
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
        b = img.ent[f->entry].first;
        at = 0;
    }
    while (at < bi && b < RAMFS_BLOCKS) {
        b = img.fat[b];
        at++;
    }
    if (b >= RAMFS_BLOCKS) return BLK_NONE;
    f->blk = b;
    f->blk_index = bi;
    return b;
}

uint32_t ramfs_file_size(const ramfs_file *f) { return open_ok(f) ? img.ent[f->entry].size : 0; }

int ramfs_file_read(ramfs_file *f, void *buf, uint32_t req, uint32_t *actual)
{
    *actual = 0;
    if (!open_ok(f)) return RAMFS_NOT_OPEN;
    const entry_t *e = &img.ent[f->entry];
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
        memcpy(out, &img.data[b][off], n);
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
    entry_t *e = &img.ent[f->entry];
    uint32_t cap = (uint32_t)RAMFS_BLOCKS * RAMFS_BLOCK_SIZE;
    if (f->pos > cap || n > cap - f->pos) return RAMFS_NO_MORE_SPACE;
    uint32_t end = f->pos + n;
    uint32_t have = nblocks(e->size), need = nblocks(end);
    if (need > have) {
        uint32_t extra = need - have;
        if (extra > free_blocks) return RAMFS_NO_MORE_SPACE;
        uint16_t last = have ? locate(f, have - 1u) : BLK_NONE;
        for (uint32_t k = 0; k < extra; k++) {
            uint16_t nb = alloc_block();
            if (last == BLK_NONE)
                e->first = nb;
            else
                img.fat[last] = nb;
            last = nb;
        }
    }
    const uint8_t *in = (const uint8_t *)buf;
    uint32_t left = n;
    while (left) {
        uint16_t b = locate(f, f->pos / RAMFS_BLOCK_SIZE);
        if (b == BLK_NONE) return RAMFS_NO_MORE_SPACE; /* cannot happen: blocks were reserved above */
        uint32_t off = f->pos % RAMFS_BLOCK_SIZE;
        uint32_t k = RAMFS_BLOCK_SIZE - off;
        if (k > left) k = left;
        memcpy(&img.data[b][off], in, k);
        in += k;
        f->pos += k;
        left -= k;
        if (f->pos > e->size) e->size = f->pos;
    }
    f->written = 1;
    return RAMFS_SUCCESS;
}

int ramfs_file_seek(ramfs_file *f, uint32_t offset)
{
    if (!open_ok(f)) return RAMFS_NOT_OPEN;
    uint32_t size = img.ent[f->entry].size;
    f->pos = offset > size ? size : offset;
    return RAMFS_SUCCESS;
}

int ramfs_file_truncate(ramfs_file *f, uint32_t size)
{
    if (!open_ok(f)) return RAMFS_NOT_OPEN;
    if (f->mode != RAMFS_OPEN_FOR_WRITE) return RAMFS_ACCESS_ERROR;
    entry_t *e = &img.ent[f->entry];
    if (size >= e->size) return RAMFS_SUCCESS;
    uint32_t keep = nblocks(size);
    f->blk = BLK_NONE;
    if (keep == 0) {
        free_chain(e->first);
        e->first = BLK_NONE;
    } else {
        uint16_t last = locate(f, keep - 1u);
        if (last != BLK_NONE) {
            free_chain(img.fat[last]);
            img.fat[last] = BLK_END;
        }
    }
    e->size = size;
    if (f->pos > size) f->pos = size;
    f->blk = BLK_NONE;
    f->written = 1;
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
    if (img.ent[i].type == T_FILE) {
        if (f->mode == RAMFS_OPEN_FOR_WRITE) {
            writer[i] = 0;
            if (f->written) {
                stamp(&img.ent[i]);
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
    if (img.ent[i].attr & RAMFS_ATTR_READ_ONLY) return RAMFS_WRITE_PROTECT;
    if (img.ent[i].first != BLK_NONE) free_chain(img.ent[i].first);
    remove_entry(i);
    return RAMFS_SUCCESS;
}

static bool is_ancestor(int anc, int node)
{
    int steps = 0;
    while (node != ROOT && steps++ <= RAMFS_MAX_FILES) {
        if (node == anc) return true;
        node = img.ent[node].parent;
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
    if (img.ent[i].type != type) return type == T_FILE ? RAMFS_NOT_A_FILE : RAMFS_NOT_DIRECTORY;
    int parent;
    const char *name;
    size_t len;
    st = new_place(b, &parent, &name, &len);
    if (st) return st;
    if (type == T_DIR && parent != ROOT && is_ancestor(i, parent)) return RAMFS_INVALID_PATH;
    entry_t *e = &img.ent[i];
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
    if (img.ent[i].type != T_DIR) return RAMFS_NOT_DIRECTORY;
    for (int k = 0; k < RAMFS_MAX_FILES; k++)
        if (img.ent[k].type != T_FREE && img.ent[k].parent == i) return RAMFS_DIR_NOT_EMPTY;
    remove_entry(i);
    return RAMFS_SUCCESS;
}

int ramfs_dir_exists(const char *path)
{
    int i;
    int st = lookup(path, &i);
    if (st) return st;
    return (i == ROOT || img.ent[i].type == T_DIR) ? RAMFS_SUCCESS : RAMFS_NOT_DIRECTORY;
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
    *attr = i == ROOT ? RAMFS_ATTR_DIRECTORY : img.ent[i].attr;
    return RAMFS_SUCCESS;
}

int ramfs_attributes_set(const char *path, uint8_t attr)
{
    int i;
    int st = lookup_file(path, &i);
    if (st) return st;
    img.ent[i].attr = (uint8_t)((img.ent[i].attr & ~RAMFS_ATTR_READ_ONLY) | (attr & RAMFS_ATTR_READ_ONLY));
    save();
    return RAMFS_SUCCESS;
}

int ramfs_info_get(const char *path, ramfs_info *info)
{
    int i;
    int st = lookup(path, &i);
    if (st) return st;
    if (i == ROOT) return RAMFS_NOT_FOUND;
    fill_info(&img.ent[i], img.ent[i].name, info);
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
    if (i != ROOT && img.ent[i].type != T_DIR) return RAMFS_NOT_DIRECTORY;
    d->dir = (int16_t)i;
    d->next = 0;
    d->dots = i == ROOT ? 2 : 0;
    return ramfs_dir_next(d, info);
}

int ramfs_dir_next(ramfs_dir *d, ramfs_info *info)
{
    if (d->dir != ROOT && (d->dir < 0 || d->dir >= RAMFS_MAX_FILES || img.ent[d->dir].type != T_DIR))
        return RAMFS_NO_MORE_ENTRIES; /* the directory went away under the iterator */
    if (d->dots < 2) {
        const entry_t *self = &img.ent[d->dir];
        const entry_t *up = self->parent == ROOT ? self : &img.ent[self->parent];
        fill_info(d->dots == 0 ? self : up, d->dots == 0 ? "." : "..", info);
        info->attr = RAMFS_ATTR_DIRECTORY;
        d->dots++;
        return RAMFS_SUCCESS;
    }
    while (d->next >= 0 && d->next < RAMFS_MAX_FILES) {
        const entry_t *e = &img.ent[d->next++];
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
        const entry_t *e = &img.ent[i];
        if (e->type == T_FREE) continue;
        int chain[RAMFS_MAX_FILES < 64 ? RAMFS_MAX_FILES : 64];
        int depth = 0, node = i;
        while (node != ROOT && depth < (int)(sizeof chain / sizeof chain[0])) {
            chain[depth++] = node;
            node = img.ent[node].parent;
        }
        size_t len = 0;
        bool fits = true;
        for (int k = depth - 1; k >= 0 && fits; k--) {
            size_t n = strlen(img.ent[chain[k]].name);
            if (len + 1 + n + 1 > cap) {
                fits = false;
                break;
            }
            path[len++] = '/';
            memcpy(path + len, img.ent[chain[k]].name, n);
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
        if (img.ent[i].type != T_FREE) n++;
    return n;
}
