/* Opening a file the user named as input, refusing what is not a regular file. */
#ifndef TMDB_REGFILE_H
#define TMDB_REGFILE_H

#include <sys/stat.h>

/* Opens path to read only when it is a regular file: a FIFO would block the open or
 * the read for good, a folder reads as garbage. Returns the descriptor, or -1 with
 * errno set when it cannot be opened, or -2 when it is something else (st says what;
 * regfile_kind names it). st is filled on success too. */
int regfile_open(const char *path, struct stat *st);

/* What a non-regular file is, for messages: "a folder", "a FIFO", ... */
const char *regfile_kind(mode_t mode);

#endif
