/* files.h - RAM fs shortcuts for the tests that need a file in place or its content back. */
#ifndef HILFTP_TEST_FILES_H
#define HILFTP_TEST_FILES_H

#include <stdint.h>

/* fake_reset() (no flash image, clock 0), then ramfs_init(): an empty RAM fs. */
void t_fresh_fs(void);
/* Creates path (or empties it when it exists) with n bytes of data; the first failing status. */
int t_write_file(const char *path, const void *data, uint32_t n);
/* Reads path into buf (at most cap bytes); its length, or 0xFFFFFFFF when it cannot be opened. */
uint32_t t_read_file(const char *path, void *buf, uint32_t cap);

#endif
