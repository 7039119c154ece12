/* ramfs.h - the board's RAM file system: RAMFS_SIZE bytes of file data in fixed blocks, up to
 * RAMFS_MAX_FILES entries (files + directories), shaped like FileX/filex_stub (open/read/write/
 * seek/close, create/delete/rename, directory create/delete, first/next entry with size,
 * attributes and date) so the FTP server reads like NetX Duo's.
 *
 * Paths are absolute ("/a/b"), '/' or '\' separated; ramfs_path_join() turns a session's CWD plus
 * an FTP argument into one. Names are case-sensitive (unlike FAT). The whole fs lives in one
 * static image (two metadata copies, each an entry table and a block chain table behind a header
 * with magic/version/geometry/sequence number/checksum, then the data blocks) that is handed to
 * port_fs_save() after every completed change (create, delete, rename, directory create/delete,
 * attributes, close of a file written to) and taken from port_fs_load() by ramfs_init().
 *
 * Reset safety: the image a reset finds at any moment, even in the middle of a ramfs call, loads as
 * the state of the last completed change. File data goes only to blocks the committed metadata
 * does not reference (copy-on-write), a change is committed by writing the older metadata copy and
 * validating it last, and a file open for writing keeps its committed content until its close
 * (a STOR cut by a reset leaves the file absent or as it was). ramfs_init() takes the newest valid
 * copy; a missing image, or one with no valid copy, gives an empty fs (RAMFS_IMAGE_NONE /
 * RAMFS_IMAGE_CORRUPT). Cost: a rewrite needs room for the new data while the old stays
 * referenced, until its close. */
#ifndef HILFTP_RAMFS_H
#define HILFTP_RAMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#ifndef RAMFS_BLOCK_SIZE
#if RAMFS_SIZE >= 65536
#define RAMFS_BLOCK_SIZE 512
#else
#define RAMFS_BLOCK_SIZE 256
#endif
#endif
#ifndef RAMFS_NAME_MAX
#define RAMFS_NAME_MAX 63 /* bytes of one name, without the NUL */
#endif
#ifndef RAMFS_PATH_MAX
#define RAMFS_PATH_MAX 256 /* bytes of an absolute path, with the NUL */
#endif
/* Storage attribute of the fs image, e.g. a section that the port's reset leaves alone so that the
 * files survive it (ports/stm32f4 builds with a section attribute for .noinit). Default: none. */
#ifndef RAMFS_IMAGE_ATTR
#define RAMFS_IMAGE_ATTR
#endif
/* Timestamps: RAMFS_EPOCH (Unix seconds, default 2025-01-01 00:00 UTC) + uptime. No RTC. */
#ifndef RAMFS_EPOCH
#define RAMFS_EPOCH 1735689600u
#endif

#define RAMFS_BLOCKS (RAMFS_SIZE / RAMFS_BLOCK_SIZE)
#if RAMFS_BLOCKS < 1 || RAMFS_BLOCKS > 65000
#error "RAMFS_SIZE / RAMFS_BLOCK_SIZE must be 1..65000"
#endif
#if RAMFS_MAX_FILES < 1 || RAMFS_MAX_FILES > 32000
#error "RAMFS_MAX_FILES must be 1..32000"
#endif

/* Status codes: the FileX values for the same conditions. */
enum {
    RAMFS_SUCCESS = 0x00,
    RAMFS_NOT_FOUND = 0x04,
    RAMFS_NOT_A_FILE = 0x05,
    RAMFS_ACCESS_ERROR = 0x06,
    RAMFS_NOT_OPEN = 0x07,
    RAMFS_END_OF_FILE = 0x09,
    RAMFS_NO_MORE_SPACE = 0x0A, /* data blocks or entries exhausted */
    RAMFS_ALREADY_CREATED = 0x0B,
    RAMFS_INVALID_NAME = 0x0C,
    RAMFS_INVALID_PATH = 0x0D,
    RAMFS_NOT_DIRECTORY = 0x0E,
    RAMFS_NO_MORE_ENTRIES = 0x0F,
    RAMFS_DIR_NOT_EMPTY = 0x10,
    RAMFS_WRITE_PROTECT = 0x23,
    RAMFS_INVALID_OPTION = 0x24
};

#define RAMFS_ATTR_READ_ONLY 0x01
#define RAMFS_ATTR_DIRECTORY 0x10

#define RAMFS_OPEN_FOR_READ 0
#define RAMFS_OPEN_FOR_WRITE 1

/* How ramfs_init() found the persisted image. */
enum { RAMFS_IMAGE_NONE, RAMFS_IMAGE_LOADED, RAMFS_IMAGE_CORRUPT };

typedef struct {
    int16_t entry;      /* -1 = not open */
    uint8_t mode;       /* RAMFS_OPEN_FOR_READ / WRITE */
    uint8_t written;    /* something changed: save on close */
    uint32_t pos;
    uint32_t blk_index; /* block number (pos / block size) that blk holds, valid when blk != none */
    uint16_t blk;
    uint16_t gen;       /* fs generation at open (ramfs_format/ramfs_init invalidate handles) */
} ramfs_file;

typedef struct {
    char name[RAMFS_NAME_MAX + 1];
    uint8_t attr;   /* RAMFS_ATTR_* */
    uint32_t size;
    uint16_t year;
    uint8_t month, day, hour, minute, second;
} ramfs_info;

typedef struct {
    int16_t dir;    /* directory entry index, -1 = root */
    int32_t next;   /* next table index to look at */
    uint8_t dots;   /* how many of "." and ".." were returned (subdirectories only) */
} ramfs_dir;

void ramfs_init(void);   /* load the persisted image or start empty */
void ramfs_format(void); /* empty fs (open handles become invalid), saved */
int ramfs_image_status(void);
/* Valid metadata copies ramfs_init() found (0, 1 or 2; 1: the other was cut by a reset or damaged). */
int ramfs_image_copies(void);

/* cwd + arg -> canonical absolute path ("/", "/a/b"); '.', '..', '\', repeated separators handled;
 * arg_len bytes of arg are used (arg need not be NUL-terminated). RAMFS_INVALID_PATH if too long
 * or a component is too long / contains a control character. */
int ramfs_path_join(const char *cwd, const char *arg, size_t arg_len, char *out, size_t cap);

int ramfs_file_create(const char *path);
int ramfs_file_open(ramfs_file *f, const char *path, int mode);
/* Opens path for writing as an empty file, creating it when it does not exist; on failure the handle
 * is closed and the status is that of the step that failed (open, create or truncate). */
int ramfs_file_rewrite(ramfs_file *f, const char *path);
int ramfs_file_read(ramfs_file *f, void *buf, uint32_t req, uint32_t *actual);
/* All or nothing: RAMFS_NO_MORE_SPACE leaves the file as it was. */
int ramfs_file_write(ramfs_file *f, const void *buf, uint32_t n);
int ramfs_file_seek(ramfs_file *f, uint32_t offset); /* past the end = the end */
int ramfs_file_truncate(ramfs_file *f, uint32_t size);
uint32_t ramfs_file_size(const ramfs_file *f);
int ramfs_file_close(ramfs_file *f); /* harmless on a closed handle */
void ramfs_file_clear(ramfs_file *f); /* mark a handle closed without touching the fs */
int ramfs_file_delete(const char *path);
int ramfs_file_rename(const char *from, const char *to); /* NOT_A_FILE when from is a directory */

int ramfs_dir_create(const char *path);
int ramfs_dir_delete(const char *path);
int ramfs_dir_rename(const char *from, const char *to);
/* RAMFS_SUCCESS when path is an existing directory (root included). */
int ramfs_dir_exists(const char *path);

int ramfs_attributes_read(const char *path, uint8_t *attr);
int ramfs_attributes_set(const char *path, uint8_t attr); /* only RAMFS_ATTR_READ_ONLY is settable */
int ramfs_info_get(const char *path, ramfs_info *info);   /* file or directory; root: NOT_FOUND */

/* Directory listing in table (creation) order; subdirectories start with "." and "..".
 * RAMFS_NO_MORE_ENTRIES at the end. */
int ramfs_dir_first(ramfs_dir *d, const char *path, ramfs_info *info);
int ramfs_dir_next(ramfs_dir *d, ramfs_info *info);

/* Every entry of the fs in table order: *cursor starts at 0; returns false at the end. */
bool ramfs_walk(int *cursor, char *path, size_t cap, ramfs_info *info);

uint32_t ramfs_capacity(void);   /* RAMFS_SIZE rounded down to blocks */
uint32_t ramfs_free_bytes(void); /* free blocks * block size */
uint32_t ramfs_entries_used(void);

/* Unix seconds -> calendar (UTC), used for timestamps. */
void ramfs_civil(uint32_t unix_seconds, uint16_t *year, uint8_t *month, uint8_t *day, uint8_t *hour,
                 uint8_t *minute, uint8_t *second);

#endif
