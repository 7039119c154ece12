/* test_ramfs.c - the RAM file system: files, directories, listing, full fs, persistence. */
#include <string.h>

#include "fake_port.h"
#include "files.h"
#include "ramfs.h"
#include "test.h"

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
    /* a flipped byte anywhere -> corrupt -> empty */
    size_t len = fake_fs_len;
    fake_fs[len / 2] ^= 0x40;
    ramfs_init();
    CHECK_EQ(ramfs_image_status(), RAMFS_IMAGE_CORRUPT);
    CHECK_EQ(ramfs_entries_used(), 0);
    CHECK_EQ(ramfs_free_bytes(), ramfs_capacity());
    fake_fs[len / 2] ^= 0x40;
    ramfs_init();
    CHECK_EQ(ramfs_image_status(), RAMFS_IMAGE_LOADED);
    /* wrong magic, wrong size */
    fake_fs[0] ^= 1;
    ramfs_init();
    CHECK_EQ(ramfs_image_status(), RAMFS_IMAGE_CORRUPT);
    fake_fs[0] ^= 1;
    fake_fs_len = len - 1;
    ramfs_init();
    CHECK_EQ(ramfs_image_status(), RAMFS_IMAGE_CORRUPT);
    fake_fs_len = len;
    ramfs_init();
    CHECK_EQ(ramfs_image_status(), RAMFS_IMAGE_LOADED);
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

int main(void)
{
    RUN(test_paths);
    RUN(test_files);
    RUN(test_directories);
    RUN(test_attributes_and_dates);
    RUN(test_rewrite);
    RUN(test_full_fs);
    RUN(test_persistence);
    return test_summary("ramfs");
}
