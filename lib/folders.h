/* Folders an output needs, made as mkdir -p makes them. */
#ifndef TMDB_FOLDERS_H
#define TMDB_FOLDERS_H

/* Makes path and every missing folder above it (0777, less the umask). Returns 0 when
 * path is a folder at the end, or -1 with errno set (ENOTDIR: something in the way is
 * not a folder). */
int make_folders(const char *path);

/* Makes the folders the file path goes in: "files" for "files/warehouse.db", nothing
 * for a name without a slash. Returns 0, or -1 with errno set. */
int make_parent_folders(const char *path);

#endif
