#include "files.h"

#include "fake_port.h"
#include "ramfs.h"

void t_fresh_fs(void)
{
    fake_reset();
    ramfs_init();
}

int t_write_file(const char *path, const void *data, uint32_t n)
{
    ramfs_file f;
    int st = ramfs_file_create(path);
    if (st && st != RAMFS_ALREADY_CREATED) return st;
    st = ramfs_file_open(&f, path, RAMFS_OPEN_FOR_WRITE);
    if (st) return st;
    ramfs_file_truncate(&f, 0);
    st = ramfs_file_write(&f, data, n);
    ramfs_file_close(&f);
    return st;
}

uint32_t t_read_file(const char *path, void *buf, uint32_t cap)
{
    ramfs_file f;
    uint8_t *out = buf;
    uint32_t total = 0, got;
    if (ramfs_file_open(&f, path, RAMFS_OPEN_FOR_READ)) return 0xFFFFFFFFu;
    while (ramfs_file_read(&f, out + total, cap - total, &got) == RAMFS_SUCCESS && got) total += got;
    ramfs_file_close(&f);
    return total;
}
