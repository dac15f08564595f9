// Thin wrappers over Linux system calls that Swift cannot call directly (no glibc wrapper, or variadic).
#ifndef CLAYERFS_H
#define CLAYERFS_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/xattr.h>

/// AT_EMPTY_PATH, hidden the same way.
extern const int CK_AT_EMPTY_PATH;

/// openat2(2) with `struct open_how`; returns the fd or -1 with errno set.
int ck_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve);

/// RESOLVE_* flags of openat2(2), re-exported because <linux/openat2.h> macros are not imported as constants.
extern const uint64_t CK_RESOLVE_IN_ROOT;
extern const uint64_t CK_RESOLVE_BENEATH;
extern const uint64_t CK_RESOLVE_NO_MAGICLINKS;
extern const uint64_t CK_RESOLVE_NO_SYMLINKS;
extern const uint64_t CK_RESOLVE_NO_XDEV;

/// Mounts overlayfs at `target` with the new mount API, passing each lower directory with its own `lowerdir+`
/// call so that the number of layers is not limited by the one-page mount data of mount(2).
/// `lowers` is top-most first; `volatile_upper` mounts with `volatile` (no syncs of the upper). Returns 0, or -1
/// with errno set and `*failed_step` naming the failed call.
int ck_mount_overlay(const char *target, const char *const *lowers, int nlowers, const char *upper,
                     const char *work, int volatile_upper, const char **failed_step);

/// Whether `path` is the root of a mount, from statx's STATX_ATTR_MOUNT_ROOT (Linux 5.8+): 1 or 0 (0 also for a
/// path that does not exist), or -1 when the kernel cannot tell (older kernel, or statx failed).
int ck_is_mount_point(const char *path);

/// Whether overlayfs can be instantiated here (fsopen succeeds).
int ck_overlay_supported(void);

/// chmod of the inode open as `fd` (an `O_PATH` descriptor, never a symlink's): fchmodat2(fd, "", mode,
/// AT_EMPTY_PATH) where the kernel has it (6.6+), else chmod of `/proc/self/fd/N`, which names that very inode (a
/// magic link, not a path walk). Returns 0, or -1 with errno set.
int ck_fchmod_path(int fd, mode_t mode);

/// A hard link named `name` in `dirfd` to the inode open as `fd` (an `O_PATH` descriptor): linkat with
/// AT_EMPTY_PATH (needs CAP_DAC_READ_SEARCH), else through `/proc/self/fd/N` with AT_SYMLINK_FOLLOW. Returns 0, or
/// -1 with errno set.
int ck_link_fd(int fd, int dirfd, const char *name);

/// makedev(3) for the device numbers of tar entries.
dev_t ck_makedev(unsigned int major, unsigned int minor);
unsigned int ck_major(dev_t dev);
unsigned int ck_minor(dev_t dev);

/// A gzip decoder on ISA-L's igzip (about 3x zlib's inflate on x86-64): header and trailer (CRC) checked.
typedef struct ck_gunzip ck_gunzip;
ck_gunzip *ck_gunzip_new(void);
void ck_gunzip_free(ck_gunzip *g);
/// Starts a new gzip member (concatenated gzip streams are one stream).
void ck_gunzip_reset(ck_gunzip *g);
/// Inflates from `in` into `out`; reports bytes consumed and produced, and whether the member ended.
/// Returns 0, or a negative ISA-L error code.
int ck_gunzip_run(ck_gunzip *g, const uint8_t *in, size_t in_len, size_t *consumed, uint8_t *out, size_t out_cap,
                  size_t *produced, int *finished);

#endif
