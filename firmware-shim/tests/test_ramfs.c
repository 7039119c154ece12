/* test_ramfs.c - the RAM file system: files, directories, listing, full fs, persistence, and the
 * image a reset finds at any moment (test_reset_at_every_step, test_damaged_copies). */
#include <string.h>

#include "fake_port.h"
#include "files.h"
#include "port.h"
#include "ramfs.h"
#include "test.h"

/* The port as on the STM32: the image a reset finds is the RAM fs image itself, wherever the last
 * call left it. These replace the fake port's (weak) ones, doing what they do (fake_fs is the
 * "flash") and remembering where the image lives, so a test can copy it at any moment. */
static const uint8_t *live;
static size_t live_len;

size_t port_fs_load(uint8_t *image, size_t cap)
{
    live = image;
    live_len = cap;
    size_t n = fake_fs_len < cap ? fake_fs_len : cap;
    memcpy(image, fake_fs, n);
    return n;
}

void port_fs_save(const uint8_t *image, size_t n)
{
    live = image;
    live_len = n;
    if (n > sizeof fake_fs) n = sizeof fake_fs;
    memcpy(fake_fs, image, n);
    fake_fs_len = n;
    fake_fs_saves++;
}

/* A reset that finds `image`: the port hands it back and the fs starts from it. */
static void reset_with(const uint8_t *image, size_t n)
{
    memcpy(fake_fs, image, n);
    fake_fs_len = n;
    ramfs_init();
}

static void test_paths(void)
{
    char out[RAMFS_PATH_MAX];
    CHECK_EQ(ramfs_path_join("/", "a/b", 3, out, sizeof out), RAMFS_SUCCESS);
    CHECK(strcmp(out, "/a/b") == 0);
    ramfs_path_join("/a/b", "../c", 4, out, sizeof out);
    CHECK(strcmp(out, "/a/c") == 0);
    ramfs_path_join("/a", "/x//y/./z/", 10, out, sizeof out);
    CHECK(strcmp(out, "/x/y/z") == 0);
    ramfs_path_join("/a", "\\x\\y", 4, out, sizeof out);
    CHECK(strcmp(out, "/x/y") == 0);
    ramfs_path_join("/", "../../..", 8, out, sizeof out);
    CHECK(strcmp(out, "/") == 0);
    ramfs_path_join("/a/b", "", 0, out, sizeof out);
    CHECK(strcmp(out, "/a/b") == 0);
    ramfs_path_join("/a", "xyz", 2, out, sizeof out); /* arg_len limits */
    CHECK(strcmp(out, "/a/xy") == 0);
    char longname[RAMFS_NAME_MAX + 2];
    memset(longname, 'n', sizeof longname);
    CHECK_EQ(ramfs_path_join("/", longname, sizeof longname, out, sizeof out), RAMFS_INVALID_PATH);
    CHECK_EQ(ramfs_path_join("/", "a\001b", 3, out, sizeof out), RAMFS_INVALID_PATH);
    char deep[600];
    for (int i = 0; i < 300; i++) {
        deep[2 * i] = 'd';
        deep[2 * i + 1] = '/';
    }
    CHECK_EQ(ramfs_path_join("/", deep, sizeof deep, out, sizeof out), RAMFS_INVALID_PATH);
    CHECK_EQ(ramfs_path_join("/", "a", 1, out, 1), RAMFS_INVALID_PATH);
}

static void test_files(void)
{
    t_fresh_fs();
    uint8_t data[3000], back[4000];
    for (unsigned i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 13 + 1);
    CHECK_EQ(ramfs_file_create("/f.bin"), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_create("/f.bin"), RAMFS_ALREADY_CREATED);
    CHECK_EQ(t_write_file("/f.bin", data, sizeof data), RAMFS_SUCCESS);
    CHECK_EQ(t_read_file("/f.bin", back, sizeof back), sizeof data);
    CHECK_MEM(back, data, sizeof data);
    /* seek + overwrite in the middle, then extend */
    ramfs_file f;
    CHECK_EQ(ramfs_file_open(&f, "f.bin", RAMFS_OPEN_FOR_WRITE), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_seek(&f, 1000), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_write(&f, "XYZ", 3), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_seek(&f, 999999), RAMFS_SUCCESS); /* clamps to the end */
    CHECK_EQ(ramfs_file_write(&f, "END", 3), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_size(&f), sizeof data + 3);
    ramfs_file_close(&f);
    CHECK_EQ(t_read_file("/f.bin", back, sizeof back), sizeof data + 3);
    CHECK_MEM(back + 1000, "XYZ", 3);
    CHECK_MEM(back + sizeof data, "END", 3);
    CHECK_MEM(back, data, 1000);
    /* read in odd pieces and seek back */
    CHECK_EQ(ramfs_file_open(&f, "/f.bin", RAMFS_OPEN_FOR_READ), RAMFS_SUCCESS);
    uint32_t got;
    CHECK_EQ(ramfs_file_seek(&f, 511), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_read(&f, back, 3, &got), RAMFS_SUCCESS);
    CHECK_EQ(got, 3);
    CHECK_MEM(back, data + 511, 3);
    CHECK_EQ(ramfs_file_seek(&f, 2), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_read(&f, back, 1, &got), RAMFS_SUCCESS);
    CHECK_EQ(back[0], data[2]);
    CHECK_EQ(ramfs_file_write(&f, "x", 1), RAMFS_ACCESS_ERROR); /* opened for read */
    CHECK_EQ(ramfs_file_seek(&f, sizeof data + 3), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_read(&f, back, 10, &got), RAMFS_END_OF_FILE);
    CHECK_EQ(got, 0);
    /* open rules: no writer while reading, no delete while open */
    ramfs_file w;
    CHECK_EQ(ramfs_file_open(&w, "/f.bin", RAMFS_OPEN_FOR_WRITE), RAMFS_ACCESS_ERROR);
    CHECK_EQ(ramfs_file_delete("/f.bin"), RAMFS_ACCESS_ERROR);
    ramfs_file_close(&f);
    CHECK_EQ(ramfs_file_close(&f), RAMFS_NOT_OPEN);
    /* truncate frees blocks */
    uint32_t free_before = ramfs_free_bytes();
    CHECK_EQ(ramfs_file_open(&w, "/f.bin", RAMFS_OPEN_FOR_WRITE), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_truncate(&w, 100), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_size(&w), 100);
    ramfs_file_close(&w);
    CHECK(ramfs_free_bytes() > free_before);
    CHECK_EQ(t_read_file("/f.bin", back, sizeof back), 100);
    CHECK_MEM(back, data, 100);
    CHECK_EQ(ramfs_file_open(&f, "/nope", RAMFS_OPEN_FOR_READ), RAMFS_NOT_FOUND);
    CHECK_EQ(ramfs_file_open(&f, "/", RAMFS_OPEN_FOR_READ), RAMFS_NOT_A_FILE);
    CHECK_EQ(ramfs_file_delete("/f.bin"), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_free_bytes(), ramfs_capacity());
    CHECK_EQ(ramfs_entries_used(), 0);
}

static void test_directories(void)
{
    t_fresh_fs();
    CHECK_EQ(ramfs_dir_create("/abc"), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_dir_create("/abc"), RAMFS_ALREADY_CREATED);
    CHECK_EQ(ramfs_dir_create("/"), RAMFS_ALREADY_CREATED);
    CHECK_EQ(ramfs_dir_create("/no/such"), RAMFS_INVALID_PATH);
    CHECK_EQ(t_write_file("/abc/test2.txt", "two", 3), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_dir_create("/def"), RAMFS_SUCCESS);
    CHECK_EQ(t_write_file("/test1.txt", "one", 3), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_create("/test1.txt/x"), RAMFS_INVALID_PATH);
    CHECK_EQ(ramfs_dir_exists("/abc"), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_dir_exists("/"), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_dir_exists("/test1.txt"), RAMFS_NOT_DIRECTORY);
    /* root listing: creation order, no dots */
    ramfs_dir d;
    ramfs_info in;
    const char *want_root[] = {"abc", "def", "test1.txt"};
    int n = 0;
    for (int st = ramfs_dir_first(&d, "/", &in); st == RAMFS_SUCCESS; st = ramfs_dir_next(&d, &in)) {
        if (n < 3) CHECK(strcmp(in.name, want_root[n]) == 0);
        n++;
    }
    CHECK_EQ(n, 3);
    /* subdirectory: ".", "..", then entries */
    const char *want_sub[] = {".", "..", "test2.txt"};
    n = 0;
    for (int st = ramfs_dir_first(&d, "/abc", &in); st == RAMFS_SUCCESS; st = ramfs_dir_next(&d, &in)) {
        if (n < 3) CHECK(strcmp(in.name, want_sub[n]) == 0);
        if (n < 2) CHECK(in.attr & RAMFS_ATTR_DIRECTORY);
        if (n == 2) CHECK_EQ(in.size, 3);
        n++;
    }
    CHECK_EQ(n, 3);
    CHECK_EQ(ramfs_dir_first(&d, "/test1.txt", &in), RAMFS_NOT_DIRECTORY);
    CHECK_EQ(ramfs_dir_first(&d, "/none", &in), RAMFS_NOT_FOUND);
    /* rename: files, directories, moves, refusals */
    CHECK_EQ(ramfs_file_rename("/test1.txt", "/abc/moved.txt"), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_rename("/abc", "/x"), RAMFS_NOT_A_FILE);
    CHECK_EQ(ramfs_dir_rename("/abc", "/abc2"), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_dir_rename("/abc2", "/abc2/inner"), RAMFS_INVALID_PATH); /* into itself */
    CHECK_EQ(ramfs_dir_rename("/def", "/abc2"), RAMFS_ALREADY_CREATED);
    uint8_t back[8];
    CHECK_EQ(t_read_file("/abc2/moved.txt", back, sizeof back), 3);
    CHECK_MEM(back, "one", 3);
    CHECK_EQ(ramfs_dir_delete("/abc2"), RAMFS_DIR_NOT_EMPTY);
    CHECK_EQ(ramfs_dir_delete("/abc2/moved.txt"), RAMFS_NOT_DIRECTORY);
    CHECK_EQ(ramfs_file_delete("/abc2"), RAMFS_NOT_A_FILE);
    CHECK_EQ(ramfs_dir_delete("/"), RAMFS_ACCESS_ERROR);
    CHECK_EQ(ramfs_file_delete("/abc2/moved.txt"), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_delete("/abc2/test2.txt"), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_dir_delete("/abc2"), RAMFS_SUCCESS);
    /* walk */
    CHECK_EQ(t_write_file("/def/w.txt", "w", 1), RAMFS_SUCCESS);
    int cur = 0, seen = 0;
    char path[RAMFS_PATH_MAX];
    bool saw_file = false;
    while (ramfs_walk(&cur, path, sizeof path, &in)) {
        seen++;
        if (strcmp(path, "/def/w.txt") == 0) saw_file = in.size == 1;
    }
    CHECK_EQ(seen, 2);
    CHECK(saw_file);
}

static void test_attributes_and_dates(void)
{
    t_fresh_fs();
    fake_now = 3600u * 1000u * 26u + 5u * 60000u; /* epoch + 1 day 2:05 */
    CHECK_EQ(t_write_file("/r.txt", "r", 1), RAMFS_SUCCESS);
    ramfs_info in;
    CHECK_EQ(ramfs_info_get("/r.txt", &in), RAMFS_SUCCESS);
    CHECK_EQ(in.year, 2025);
    CHECK_EQ(in.month, 1);
    CHECK_EQ(in.day, 2);
    CHECK_EQ(in.hour, 2);
    CHECK_EQ(in.minute, 5);
    CHECK_EQ(ramfs_attributes_set("/r.txt", RAMFS_ATTR_READ_ONLY), RAMFS_SUCCESS);
    uint8_t attr = 0;
    CHECK_EQ(ramfs_attributes_read("/r.txt", &attr), RAMFS_SUCCESS);
    CHECK_EQ(attr, RAMFS_ATTR_READ_ONLY);
    ramfs_file f;
    CHECK_EQ(ramfs_file_open(&f, "/r.txt", RAMFS_OPEN_FOR_WRITE), RAMFS_WRITE_PROTECT);
    CHECK_EQ(ramfs_file_delete("/r.txt"), RAMFS_WRITE_PROTECT);
    CHECK_EQ(ramfs_attributes_read("/", &attr), RAMFS_SUCCESS);
    CHECK_EQ(attr, RAMFS_ATTR_DIRECTORY);
    uint16_t y;
    uint8_t mo, d, h, mi, s;
    ramfs_civil(951782400u, &y, &mo, &d, &h, &mi, &s); /* 2000-02-29 00:00:00 */
    CHECK(y == 2000 && mo == 2 && d == 29 && h == 0 && mi == 0 && s == 0);
    ramfs_civil(4102444799u, &y, &mo, &d, &h, &mi, &s); /* 2099-12-31 23:59:59 */
    CHECK(y == 2099 && mo == 12 && d == 31 && h == 23 && mi == 59 && s == 59);
}

static void test_rewrite(void)
{
    t_fresh_fs();
    ramfs_file f;
    uint8_t back[16];
    /* missing: created empty; existing: emptied; both open for writing */
    CHECK_EQ(ramfs_file_rewrite(&f, "/new.txt"), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_write(&f, "abc", 3), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_close(&f), RAMFS_SUCCESS);
    CHECK_EQ(t_read_file("/new.txt", back, sizeof back), 3);
    CHECK_EQ(ramfs_file_rewrite(&f, "new.txt"), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_size(&f), 0);
    CHECK_EQ(ramfs_file_write(&f, "z", 1), RAMFS_SUCCESS);
    ramfs_file_close(&f);
    CHECK_EQ(t_read_file("/new.txt", back, sizeof back), 1);
    CHECK_EQ(back[0], 'z');
    /* failures leave the handle closed and the fs as it was */
    ramfs_file r;
    CHECK_EQ(ramfs_file_open(&r, "/new.txt", RAMFS_OPEN_FOR_READ), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_rewrite(&f, "/new.txt"), RAMFS_ACCESS_ERROR); /* being read */
    CHECK_EQ(ramfs_file_write(&f, "x", 1), RAMFS_NOT_OPEN);
    ramfs_file_close(&r);
    CHECK_EQ(ramfs_dir_create("/d"), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_rewrite(&f, "/d"), RAMFS_NOT_A_FILE);
    CHECK_EQ(ramfs_file_rewrite(&f, "/no/such/file"), RAMFS_INVALID_PATH);
    CHECK_EQ(ramfs_attributes_set("/new.txt", RAMFS_ATTR_READ_ONLY), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_rewrite(&f, "/new.txt"), RAMFS_WRITE_PROTECT);
    CHECK_EQ(t_read_file("/new.txt", back, sizeof back), 1);
    CHECK_EQ(ramfs_entries_used(), 2);
}

static void test_full_fs(void)
{
    t_fresh_fs();
    static uint8_t big[RAMFS_SIZE + 1024];
    for (unsigned i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i ^ (i >> 8));
    /* the whole capacity fits in one file */
    CHECK_EQ(t_write_file("/all", big, ramfs_capacity()), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_free_bytes(), 0);
    CHECK_EQ(ramfs_file_delete("/all"), RAMFS_SUCCESS);
    /* a write that does not fit changes nothing (all or nothing) */
    ramfs_file f;
    CHECK_EQ(ramfs_file_create("/a"), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_open(&f, "/a", RAMFS_OPEN_FOR_WRITE), RAMFS_SUCCESS);
    uint32_t part = ramfs_capacity() - 100;
    CHECK_EQ(ramfs_file_write(&f, big, part), RAMFS_SUCCESS);
    uint32_t free_now = ramfs_free_bytes();
    CHECK_EQ(ramfs_file_write(&f, big + part, 5000), RAMFS_NO_MORE_SPACE);
    CHECK_EQ(ramfs_file_size(&f), part);
    CHECK_EQ(ramfs_free_bytes(), free_now);
    CHECK_EQ(ramfs_file_write(&f, big + part, 100), RAMFS_SUCCESS); /* the exact remainder fits */
    CHECK_EQ(ramfs_file_write(&f, big, 1), RAMFS_NO_MORE_SPACE);
    ramfs_file_close(&f);
    static uint8_t back[RAMFS_SIZE];
    CHECK_EQ(t_read_file("/a", back, sizeof back), ramfs_capacity());
    CHECK_MEM(back, big, ramfs_capacity());
    CHECK_EQ(ramfs_file_delete("/a"), RAMFS_SUCCESS);
    /* entry table full */
    char name[16];
    int made = 0;
    for (int i = 0; i < RAMFS_MAX_FILES + 2; i++) {
        name[0] = '/';
        name[1] = (char)('a' + i / 26);
        name[2] = (char)('a' + i % 26);
        name[3] = '\0';
        int st = ramfs_file_create(name);
        if (st == RAMFS_SUCCESS) made++;
        else CHECK_EQ(st, RAMFS_NO_MORE_SPACE);
    }
    CHECK_EQ(made, RAMFS_MAX_FILES);
    CHECK_EQ(ramfs_dir_create("/dir"), RAMFS_NO_MORE_SPACE);
    /* overwriting saved data takes new blocks until the close (copy-on-write): all or nothing too */
    t_fresh_fs();
    uint32_t bs = RAMFS_BLOCK_SIZE;
    CHECK_EQ(t_write_file("/f", big, ramfs_capacity() - 2u * bs), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_open(&f, "/f", RAMFS_OPEN_FOR_WRITE), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_seek(&f, bs / 2u), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_write(&f, big + 7, 2u * bs), RAMFS_NO_MORE_SPACE); /* touches 3 saved blocks */
    CHECK_EQ(ramfs_free_bytes(), 2u * bs);
    CHECK_EQ(ramfs_file_write(&f, big + 7, bs), RAMFS_SUCCESS); /* 2 */
    CHECK_EQ(ramfs_free_bytes(), 0);
    CHECK_EQ(ramfs_file_write(&f, big + 7 + bs, 1), RAMFS_SUCCESS); /* a block already copied */
    CHECK_EQ(ramfs_file_seek(&f, 2u * bs + 10u), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_write(&f, big + 7, 1), RAMFS_NO_MORE_SPACE); /* one more saved block */
    ramfs_file_close(&f);
    CHECK_EQ(ramfs_free_bytes(), 2u * bs);
    CHECK_EQ(t_read_file("/f", back, sizeof back), ramfs_capacity() - 2u * bs);
    CHECK_MEM(back, big, bs / 2u);
    CHECK_MEM(back + bs / 2u, big + 7, bs + 1u);
    CHECK_MEM(back + bs / 2u + bs + 1u, big + bs / 2u + bs + 1u, ramfs_capacity() - 2u * bs - bs / 2u - bs - 1u);
}

static void test_persistence(void)
{
    t_fresh_fs();
    CHECK_EQ(ramfs_image_status(), RAMFS_IMAGE_NONE);
    unsigned saves = fake_fs_saves;
    CHECK_EQ(ramfs_dir_create("/keep"), RAMFS_SUCCESS);
    CHECK(fake_fs_saves > saves);
    uint8_t data[1500];
    for (unsigned i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 31);
    /* writes are saved on close, not before */
    ramfs_file f;
    CHECK_EQ(ramfs_file_create("/keep/d.bin"), RAMFS_SUCCESS);
    saves = fake_fs_saves;
    CHECK_EQ(ramfs_file_open(&f, "/keep/d.bin", RAMFS_OPEN_FOR_WRITE), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_write(&f, data, sizeof data), RAMFS_SUCCESS);
    CHECK_EQ(fake_fs_saves, saves);
    ramfs_file_close(&f);
    CHECK_EQ(fake_fs_saves, saves + 1);
    /* "reboot": the image comes back */
    ramfs_init();
    CHECK_EQ(ramfs_image_status(), RAMFS_IMAGE_LOADED);
    uint8_t back[2000];
    CHECK_EQ(t_read_file("/keep/d.bin", back, sizeof back), sizeof data);
    CHECK_MEM(back, data, sizeof data);
    uint32_t free_loaded = ramfs_free_bytes();
    CHECK_EQ(free_loaded, ramfs_capacity() - 1536);
    CHECK_EQ(ramfs_image_copies(), 2);
    /* wrong size: corrupt -> empty (damaged metadata copies: test_damaged_copies) */
    size_t len = fake_fs_len;
    fake_fs_len = len - 1;
    ramfs_init();
    CHECK_EQ(ramfs_image_status(), RAMFS_IMAGE_CORRUPT);
    CHECK_EQ(ramfs_image_copies(), 0);
    CHECK_EQ(ramfs_entries_used(), 0);
    CHECK_EQ(ramfs_free_bytes(), ramfs_capacity());
    fake_fs_len = len;
    ramfs_init();
    CHECK_EQ(ramfs_image_status(), RAMFS_IMAGE_LOADED);
    CHECK_EQ(t_read_file("/keep/d.bin", back, sizeof back), sizeof data);
    /* format empties and saves; stale handles are refused */
    CHECK_EQ(ramfs_file_open(&f, "/keep/d.bin", RAMFS_OPEN_FOR_READ), RAMFS_SUCCESS);
    ramfs_format();
    uint32_t got;
    CHECK_EQ(ramfs_file_read(&f, back, 10, &got), RAMFS_NOT_OPEN);
    CHECK_EQ(ramfs_file_close(&f), RAMFS_NOT_OPEN);
    ramfs_init();
    CHECK_EQ(ramfs_image_status(), RAMFS_IMAGE_LOADED);
    CHECK_EQ(ramfs_entries_used(), 0);
}

/* ---------------------------------------------------------------- reset at any moment */

/* What the fs must hold: the entries of the last completed change, with content and date. */
#define M_MAX 12
#define M_DATA 24576
typedef struct {
    char path[48];
    bool dir, ro;
    uint32_t size;
    uint32_t stamped_ms; /* fake_now when the entry was created or last closed after a write */
    uint8_t data[M_DATA];
} m_entry;
typedef struct {
    int n;
    m_entry e[M_MAX];
} model_t;

/* A file open for writing: what it holds before its close (committed at the close only). */
typedef struct {
    bool open, written;
    char path[48];
    uint32_t pos, size;
    uint8_t data[M_DATA];
    ramfs_file f;
} pending_t;

static model_t model, m_pre, m_post;
static pending_t pend[2];

static int m_find(const char *path)
{
    for (int i = 0; i < model.n; i++)
        if (strcmp(model.e[i].path, path) == 0) return i;
    return -1;
}

static void m_add(const char *path, bool dir)
{
    if (model.n >= M_MAX) {
        CHECK(false);
        return;
    }
    m_entry *e = &model.e[model.n++];
    memset(e, 0, sizeof *e);
    snprintf(e->path, sizeof e->path, "%s", path);
    e->dir = dir;
    e->stamped_ms = fake_now;
}

static void m_remove(const char *path)
{
    int i = m_find(path);
    if (i < 0) return;
    model.e[i] = model.e[model.n - 1];
    model.n--;
}

/* Renames path and, for a directory, everything under it (and the open files' paths with them). */
static void rename_path(char *p, size_t cap, const char *from, const char *to)
{
    size_t fl = strlen(from);
    if (strncmp(p, from, fl) != 0 || (p[fl] != '\0' && p[fl] != '/')) return;
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%s%s", to, p + fl);
    snprintf(p, cap, "%s", tmp);
}

static void m_rename(const char *from, const char *to)
{
    for (int i = 0; i < model.n; i++) rename_path(model.e[i].path, sizeof model.e[i].path, from, to);
    for (int h = 0; h < 2; h++) rename_path(pend[h].path, sizeof pend[h].path, from, to);
}

/* Deterministic content: byte at file offset pos of the data written with seed. */
static uint8_t gen(uint32_t seed, uint32_t pos) { return (uint8_t)(seed * 131u + pos * 7u + (pos >> 8) * 3u); }

enum { MKDIR, CREATE, OPENW, WRITE, SEEK, TRUNC, CLOSE, REWRITE, RENAME, DRENAME, DELETE, RMDIR, SET_RO, FORMAT };
typedef struct {
    int kind;
    int h;          /* handle: pend[h] */
    const char *a, *b;
    uint32_t n;     /* bytes to write, seek offset, truncate size */
} op_t;

/* Table rows: an op on a path (or none), an op on two paths, an op on a handle with a count. */
#define AT(kind, h, path) {kind, h, path, NULL, 0}
#define MOVE(kind, from, to) {kind, 0, from, to, 0}
#define ON(kind, h, n) {kind, h, NULL, NULL, n}

/* One ramfs call each, grouped by what they exercise. The order matters: test_reset_at_every_step
 * resets inside each call in turn, from the state the calls before it left. */
static const op_t ops[] = {
    /* /d/a.bin written in chunks, with a commit (MKD) and a rename of it while it is being written */
    AT(MKDIR, 0, "/d"), AT(CREATE, 0, "/d/a.bin"), AT(OPENW, 0, "/d/a.bin"),
    ON(WRITE, 0, 700), ON(WRITE, 0, 700), AT(MKDIR, 0, "/e"), ON(WRITE, 0, 700), ON(WRITE, 0, 700),
    MOVE(RENAME, "/d/a.bin", "/d/b.bin"), ON(WRITE, 0, 700), ON(WRITE, 0, 212), ON(CLOSE, 0, 0),
    /* a small file */
    AT(CREATE, 0, "/x.txt"), AT(OPENW, 1, "/x.txt"), ON(WRITE, 1, 11), ON(WRITE, 1, 11), ON(CLOSE, 1, 0),
    /* overwrite in the middle (copy-on-write), append after a seek past the end, truncate */
    AT(OPENW, 0, "/d/b.bin"), ON(SEEK, 0, 1000), ON(WRITE, 0, 300), ON(SEEK, 0, 100000), ON(WRITE, 0, 900),
    ON(TRUNC, 0, 2500),
    /* two files open for writing, commits between their writes; a rewrite of an existing file */
    AT(MKDIR, 0, "/m1"), ON(WRITE, 0, 100), AT(REWRITE, 1, "/x.txt"), AT(MKDIR, 0, "/m2"), ON(WRITE, 1, 1000),
    ON(CLOSE, 0, 0), ON(WRITE, 1, 1000), ON(CLOSE, 1, 0),
    /* a rewrite of a missing file */
    AT(REWRITE, 1, "/new.txt"), ON(WRITE, 1, 100), ON(CLOSE, 1, 0),
    /* renames, read-only, deletes, rmdir */
    MOVE(RENAME, "/x.txt", "/e/y.txt"), AT(SET_RO, 0, "/e/y.txt"), AT(DELETE, 0, "/d/b.bin"),
    MOVE(DRENAME, "/e", "/f"), AT(RMDIR, 0, "/d"),
    /* single big writes (a new file, then a rewrite of it), a delete, format */
    AT(CREATE, 0, "/big"), AT(OPENW, 0, "/big"), ON(WRITE, 0, 20000), ON(CLOSE, 0, 0),
    AT(REWRITE, 0, "/big"), ON(WRITE, 0, 20000), ON(CLOSE, 0, 0),
    AT(DELETE, 0, "/new.txt"), AT(FORMAT, 0, NULL),
};
#define N_OPS ((int)(sizeof ops / sizeof ops[0]))

/* Runs ops[k] on the fs, and on the model when it completes a change. */
static void run_op(int k)
{
    const op_t *o = &ops[k];
    pending_t *p = &pend[o->h];
    static uint8_t buf[M_DATA];
    int st = RAMFS_SUCCESS;
    switch (o->kind) {
    case MKDIR:
        st = ramfs_dir_create(o->a);
        m_add(o->a, true);
        break;
    case CREATE:
        st = ramfs_file_create(o->a);
        m_add(o->a, false);
        break;
    case OPENW:
    case REWRITE: {
        bool missing = m_find(o->a) < 0;
        st = o->kind == OPENW ? ramfs_file_open(&p->f, o->a, RAMFS_OPEN_FOR_WRITE) : ramfs_file_rewrite(&p->f, o->a);
        if (missing) m_add(o->a, false); /* ramfs_file_rewrite created it: a completed change */
        const m_entry *e = &model.e[m_find(o->a)];
        p->open = true;
        snprintf(p->path, sizeof p->path, "%s", o->a);
        p->pos = 0;
        p->size = o->kind == OPENW ? e->size : 0;
        p->written = o->kind == REWRITE && e->size > 0;
        memcpy(p->data, e->data, sizeof p->data);
        break;
    }
    case WRITE:
        for (uint32_t i = 0; i < o->n; i++) buf[i] = gen((uint32_t)k, p->pos + i);
        st = ramfs_file_write(&p->f, buf, o->n);
        memcpy(p->data + p->pos, buf, o->n);
        p->pos += o->n;
        if (p->pos > p->size) p->size = p->pos;
        p->written = true;
        break;
    case SEEK:
        st = ramfs_file_seek(&p->f, o->n);
        p->pos = o->n < p->size ? o->n : p->size;
        break;
    case TRUNC:
        st = ramfs_file_truncate(&p->f, o->n);
        if (o->n < p->size) {
            p->size = o->n;
            p->written = true;
        }
        if (p->pos > p->size) p->pos = p->size;
        break;
    case CLOSE: {
        st = ramfs_file_close(&p->f);
        m_entry *e = &model.e[m_find(p->path)];
        e->size = p->size;
        memcpy(e->data, p->data, sizeof e->data);
        if (p->written) e->stamped_ms = fake_now;
        p->open = false;
        break;
    }
    case RENAME:
        st = ramfs_file_rename(o->a, o->b);
        m_rename(o->a, o->b);
        break;
    case DRENAME:
        st = ramfs_dir_rename(o->a, o->b);
        m_rename(o->a, o->b);
        break;
    case SET_RO:
        st = ramfs_attributes_set(o->a, RAMFS_ATTR_READ_ONLY);
        model.e[m_find(o->a)].ro = true;
        break;
    case DELETE:
        st = ramfs_file_delete(o->a);
        m_remove(o->a);
        break;
    case RMDIR:
        st = ramfs_dir_delete(o->a);
        m_remove(o->a);
        break;
    case FORMAT:
        ramfs_format();
        model.n = 0;
        break;
    }
    if (st != RAMFS_SUCCESS) fprintf(stderr, "op %d (kind %d): status %d\n", k, o->kind, st);
    CHECK_EQ(st, RAMFS_SUCCESS);
}

/* From nothing, ops[0..k-1] on the fs and the model. */
static void replay(int k)
{
    t_fresh_fs();
    memset(&model, 0, sizeof model);
    memset(pend, 0, sizeof pend);
    for (int j = 0; j < k; j++) {
        fake_now = (uint32_t)(j + 1) * 61000u; /* a minute and a second per call: dates differ */
        run_op(j);
    }
    fake_now = (uint32_t)(k + 1) * 61000u;
}

/* The fs holds exactly m: entries, kinds, read-only flags, sizes, content, dates, and every block
 * not used by m's files is free. Quiet (the caller reports). */
static bool fs_is(const model_t *m)
{
    if (ramfs_entries_used() != (uint32_t)m->n) return false;
    uint32_t used = 0;
    static uint8_t back[M_DATA + 1];
    for (int i = 0; i < m->n; i++) {
        const m_entry *e = &m->e[i];
        ramfs_info in;
        if (ramfs_info_get(e->path, &in) != RAMFS_SUCCESS) return false;
        if (((in.attr & RAMFS_ATTR_DIRECTORY) != 0) != e->dir) return false;
        if (((in.attr & RAMFS_ATTR_READ_ONLY) != 0) != e->ro) return false;
        uint16_t y;
        uint8_t mo, d, h, mi, s;
        ramfs_civil(RAMFS_EPOCH + e->stamped_ms / 1000u, &y, &mo, &d, &h, &mi, &s);
        if (in.year != y || in.month != mo || in.day != d || in.hour != h || in.minute != mi || in.second != s)
            return false;
        if (e->dir) continue;
        if (in.size != e->size) return false;
        if (t_read_file(e->path, back, sizeof back) != e->size || memcmp(back, e->data, e->size) != 0) return false;
        used += (e->size + RAMFS_BLOCK_SIZE - 1u) / RAMFS_BLOCK_SIZE * RAMFS_BLOCK_SIZE;
    }
    return ramfs_free_bytes() == ramfs_capacity() - used;
}

static uint8_t snap_pre[1 << 17], snap_post[1 << 17], torn[1 << 17];

/* Variant v of the image a reset inside a call finds: pre, with each byte the call changed either
 * still old, already new, or (variants 11, 12) some value in between. */
#define N_VARIANTS 13
static void make_torn(int v, size_t len)
{
    size_t lo = len, hi = 0;
    for (size_t i = 0; i < len; i++)
        if (snap_pre[i] != snap_post[i]) {
            if (lo == len) lo = i;
            hi = i;
        }
    memcpy(torn, snap_pre, len);
    if (lo == len) return;
    size_t span = hi - lo + 1u, idx = 0;
    for (size_t i = lo; i <= hi; i++) {
        if (snap_pre[i] == snap_post[i]) continue;
        bool take;
        uint8_t val = snap_post[i];
        if (v < 7) {
            take = i < lo + span * (size_t)(v + 1) / 8u; /* a prefix, by address */
        } else if (v < 10) {
            take = i >= lo + span * (size_t)(v - 6) / 4u; /* a suffix */
        } else if (v == 10) {
            take = idx % 2u == 0; /* every other changed byte */
        } else if (v == 11) {
            take = i < lo + span / 2u || idx % 3u == 0;
            if (i >= lo + span / 2u) val = (uint8_t)(snap_post[i] ^ 0xA5u);
        } else {
            take = true;
            val = (uint8_t)~snap_post[i];
        }
        if (take) torn[i] = val;
        idx++;
    }
}

static void test_reset_at_every_step(void)
{
    int bad = 0;
    for (int k = 0; k < N_OPS && bad < 5; k++) {
        replay(k);
        m_pre = model;
        size_t len = live_len;
        CHECK(len <= sizeof snap_pre);
        if (len > sizeof snap_pre) return;
        memcpy(snap_pre, live, len);
        run_op(k);
        m_post = model;
        memcpy(snap_post, live, len);
        CHECK_EQ(live_len, len);

        /* a reset right after the call */
        reset_with(snap_post, len);
        bool ok = ramfs_image_status() == RAMFS_IMAGE_LOADED && fs_is(&m_post);
        if (!ok) fprintf(stderr, "reset after op %d: not the state of the last completed change\n", k);
        CHECK(ok);
        bad += !ok;

        /* a reset inside the call: the last completed state before it, or the one it completes */
        for (int v = 0; v < N_VARIANTS; v++) {
            make_torn(v, len);
            reset_with(torn, len);
            ok = ramfs_image_status() == RAMFS_IMAGE_LOADED && (fs_is(&m_pre) || fs_is(&m_post));
            if (!ok) fprintf(stderr, "reset inside op %d (variant %d): status %d, wrong state\n", k, v,
                             ramfs_image_status());
            CHECK(ok);
            bad += !ok;
            if (v == 3) {
                /* the fs goes on from there: all the free space is usable, and it loads back */
                static uint8_t fill[1 << 17];
                uint32_t room = ramfs_free_bytes();
                memset(fill, 0x3C, room);
                CHECK_EQ(t_write_file("/zz-fill", fill, room), RAMFS_SUCCESS);
                CHECK_EQ(ramfs_free_bytes(), 0);
                uint32_t entries = ramfs_entries_used();
                ramfs_init();
                CHECK_EQ(ramfs_image_status(), RAMFS_IMAGE_LOADED);
                CHECK_EQ(ramfs_entries_used(), entries);
                CHECK_EQ(t_read_file("/zz-fill", fill, sizeof fill), room);
            }
        }
    }
}

/* Byte offsets at which two images differ: those the commits in between wrote. */
static size_t first_diff(const uint8_t *a, const uint8_t *b, size_t len, size_t from)
{
    for (size_t i = from; i < len; i++)
        if (a[i] != b[i]) return i;
    return len;
}

static uint8_t img_a[1 << 17], img_b[1 << 17], img_c[1 << 17], img_x[1 << 17];

static void test_damaged_copies(void)
{
    static uint8_t data[3000], back[4000], filler[RAMFS_SIZE];
    for (unsigned i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 5u + 3u);
    memset(filler, 0x42, sizeof filler);
    const uint32_t bs = RAMFS_BLOCK_SIZE, blocks = ramfs_capacity() / RAMFS_BLOCK_SIZE;
    /* /a/x, /y, /fill, /w take every block in turn, so the next block taken is the first one again */
    t_fresh_fs();
    CHECK_EQ(ramfs_dir_create("/a"), RAMFS_SUCCESS);
    CHECK_EQ(t_write_file("/a/x", data, sizeof data), RAMFS_SUCCESS);
    CHECK_EQ(t_write_file("/y", data, sizeof data), RAMFS_SUCCESS);
    uint32_t x_blocks = (sizeof data + bs - 1u) / bs;
    CHECK_EQ(t_write_file("/fill", filler, (blocks - 2u * x_blocks - 1u) * bs), RAMFS_SUCCESS);
    CHECK_EQ(t_write_file("/w", "0123456789", 10), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_free_bytes(), 0);
    CHECK_EQ(ramfs_file_delete("/y"), RAMFS_SUCCESS); /* two commits: no copy references /y's blocks */
    CHECK_EQ(ramfs_dir_create("/z"), RAMFS_SUCCESS);
    size_t len = live_len;
    /* state A: /a, /a/x, /fill, /w, /z. Then /w open for writing while /a/x is deleted (a commit:
     * state B), then /w grows by more than a block: the blocks taken avoid /a/x's, which the older copy
     * (A) still references, while /y's are free */
    ramfs_file f;
    CHECK_EQ(ramfs_file_open(&f, "/w", RAMFS_OPEN_FOR_WRITE), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_seek(&f, 10), RAMFS_SUCCESS);
    static uint8_t before_delete[1 << 17];
    memcpy(before_delete, live, len);
    CHECK_EQ(ramfs_file_delete("/a/x"), RAMFS_SUCCESS);
    memcpy(img_b, live, len); /* state B: /a, /fill, /w (10 bytes), /z */
    CHECK_EQ(ramfs_file_write(&f, data, 2000), RAMFS_SUCCESS);
    memcpy(img_c, live, len); /* still state B: /w being written */
    /* a reset now: B, /w as it was */
    reset_with(img_c, len);
    CHECK_EQ(ramfs_image_status(), RAMFS_IMAGE_LOADED);
    CHECK_EQ(ramfs_image_copies(), 2);
    CHECK_EQ(ramfs_entries_used(), 4);
    CHECK_EQ(t_read_file("/w", back, sizeof back), 10);
    CHECK_EQ(t_read_file("/a/x", back, sizeof back), 0xFFFFFFFFu);
    /* B's copy damaged (any byte the delete's commit wrote): A from the other copy, whole */
    size_t n_changed = 0;
    for (size_t i = first_diff(before_delete, img_b, len, 0); i < len;
         i = first_diff(before_delete, img_b, len, i + 1)) {
        n_changed++;
        if (n_changed % 7u != 1u) continue; /* a sample of them */
        memcpy(img_x, img_c, len);
        img_x[i] ^= 0x10;
        reset_with(img_x, len);
        bool ok = ramfs_image_status() == RAMFS_IMAGE_LOADED && ramfs_image_copies() == 1 &&
                  ramfs_entries_used() == 5 && t_read_file("/a/x", back, sizeof back) == sizeof data &&
                  memcmp(back, data, sizeof data) == 0 && t_read_file("/w", back, sizeof back) == 10 &&
                  memcmp(back, "0123456789", 10) == 0 && ramfs_free_bytes() == x_blocks * bs;
        if (!ok) fprintf(stderr, "damaged byte %zu of the newest copy: state A not recovered\n", i);
        CHECK(ok);
    }
    CHECK(n_changed > 0);
    /* both copies damaged: take three commits, each known by the bytes it changed */
    ramfs_format();
    CHECK_EQ(ramfs_dir_create("/p"), RAMFS_SUCCESS);
    memcpy(img_a, live, len);
    CHECK_EQ(ramfs_dir_create("/q"), RAMFS_SUCCESS);
    memcpy(img_b, live, len);
    CHECK_EQ(ramfs_dir_create("/r"), RAMFS_SUCCESS);
    memcpy(img_c, live, len);
    memcpy(img_x, img_c, len);
    img_x[first_diff(img_b, img_c, len, 0)] ^= 0x01; /* the copy /r's commit wrote */
    img_x[first_diff(img_a, img_b, len, 0)] ^= 0x01; /* the copy /q's commit wrote */
    reset_with(img_x, len);
    CHECK_EQ(ramfs_image_status(), RAMFS_IMAGE_CORRUPT);
    CHECK_EQ(ramfs_image_copies(), 0);
    CHECK_EQ(ramfs_entries_used(), 0);
    CHECK_EQ(ramfs_free_bytes(), ramfs_capacity());
    /* and the empty fs works and persists */
    CHECK_EQ(t_write_file("/again", data, 100), RAMFS_SUCCESS);
    ramfs_init();
    CHECK_EQ(ramfs_image_status(), RAMFS_IMAGE_LOADED);
    CHECK_EQ(t_read_file("/again", back, sizeof back), 100);
    /* one copy damaged, the other one newest: no loss */
    memcpy(img_x, img_c, len);
    img_x[first_diff(img_a, img_b, len, 0)] ^= 0x01;
    reset_with(img_x, len);
    CHECK_EQ(ramfs_image_status(), RAMFS_IMAGE_LOADED);
    CHECK_EQ(ramfs_image_copies(), 1);
    CHECK_EQ(ramfs_dir_exists("/r"), RAMFS_SUCCESS);
    /* a rewrite needs room for the new data until its close: the old stays referenced (and is never
     * written over) until then; /big has the first blocks, /pad the rest, the next one taken is 0 */
    t_fresh_fs();
    static uint8_t big[RAMFS_SIZE];
    memset(big, 0x77, sizeof big);
    uint32_t most = ramfs_capacity() / 4u * 3u, rest = ramfs_capacity() - most;
    CHECK_EQ(t_write_file("/big", big, most), RAMFS_SUCCESS);
    CHECK_EQ(t_write_file("/pad", big, rest), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_file_delete("/pad"), RAMFS_SUCCESS); /* /pad's blocks: free, the older copy's */
    CHECK_EQ(ramfs_file_rewrite(&f, "/big"), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_free_bytes(), rest);
    CHECK_EQ(ramfs_file_write(&f, big, most), RAMFS_NO_MORE_SPACE);
    memset(big, 0x11, sizeof big);
    CHECK_EQ(ramfs_file_write(&f, big, rest), RAMFS_SUCCESS); /* into /pad's blocks, not /big's */
    CHECK_EQ(ramfs_free_bytes(), 0);
    CHECK_EQ(ramfs_dir_create("/c2"), RAMFS_SUCCESS); /* a commit while /big is being rewritten */
    CHECK_EQ(ramfs_free_bytes(), 0);
    memcpy(img_x, live, len);
    CHECK_EQ(ramfs_file_close(&f), RAMFS_SUCCESS);
    CHECK_EQ(ramfs_free_bytes(), most);
    CHECK_EQ(t_read_file("/big", back, sizeof back), sizeof back);
    CHECK_EQ(back[0], 0x11);
    reset_with(img_x, len); /* a reset before the close: the old /big, whole */
    static uint8_t old_big[RAMFS_SIZE];
    CHECK_EQ(t_read_file("/big", old_big, sizeof old_big), most);
    memset(big, 0x77, sizeof big);
    CHECK_MEM(old_big, big, most);
}

int main(void)
{
    RUN(test_paths);
    RUN(test_files);
    RUN(test_directories);
    RUN(test_attributes_and_dates);
    RUN(test_rewrite);
    RUN(test_full_fs);
    RUN(test_persistence);
    RUN(test_reset_at_every_step);
    RUN(test_damaged_copies);
    return test_summary("ramfs");
}
