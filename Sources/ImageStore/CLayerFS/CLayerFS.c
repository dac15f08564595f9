#define _GNU_SOURCE
#include "CLayerFS.h"

#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

const int CK_AT_EMPTY_PATH = AT_EMPTY_PATH;
const uint64_t CK_RESOLVE_IN_ROOT = RESOLVE_IN_ROOT;
const uint64_t CK_RESOLVE_BENEATH = RESOLVE_BENEATH;
const uint64_t CK_RESOLVE_NO_MAGICLINKS = RESOLVE_NO_MAGICLINKS;
const uint64_t CK_RESOLVE_NO_SYMLINKS = RESOLVE_NO_SYMLINKS;
const uint64_t CK_RESOLVE_NO_XDEV = RESOLVE_NO_XDEV;

int ck_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve) {
  struct open_how how;
  memset(&how, 0, sizeof(how));
  how.flags = flags;
  how.mode = mode;
  how.resolve = resolve;
  long r;
  do {
    r = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
  } while (r < 0 && (errno == EINTR || errno == EAGAIN));
  return (int)r;
}

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/// Set once fchmodat2 answered ENOSYS: older kernels skip straight to the /proc path.
static int fchmodat2_missing;

int ck_fchmod_path(int fd, mode_t mode) {
  if (!__atomic_load_n(&fchmodat2_missing, __ATOMIC_RELAXED)) {
    long r = syscall(SYS_fchmodat2, fd, "", mode, AT_EMPTY_PATH);
    if (r == 0) return 0;
    if (errno != ENOSYS) return -1;
    __atomic_store_n(&fchmodat2_missing, 1, __ATOMIC_RELAXED);
  }
  char proc[32];
  snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
  return chmod(proc, mode);
}

int ck_link_fd(int fd, int dirfd, const char *name) {
  if (linkat(fd, "", dirfd, name, AT_EMPTY_PATH) == 0) return 0;
  if (errno != ENOENT) return -1;
  char proc[32];
  snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
  return linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW);
}

int ck_mount_overlay(const char *target, const char *const *lowers, int nlowers, const char *upper,
                     const char *work, int volatile_upper, const char **failed_step) {
  int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
  if (fsfd < 0) {
    *failed_step = "fsopen";
    return -1;
  }
  int saved;
  for (int i = 0; i < nlowers; i++) {
    if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", lowers[i], 0) < 0) {
      *failed_step = "fsconfig lowerdir+";
      goto fail;
    }
  }
  if (upper != NULL) {
    if (fsconfig(fsfd, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0) {
      *failed_step = "fsconfig upperdir";
      goto fail;
    }
    if (fsconfig(fsfd, FSCONFIG_SET_STRING, "workdir", work, 0) < 0) {
      *failed_step = "fsconfig workdir";
      goto fail;
    }
    if (volatile_upper && fsconfig(fsfd, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0) {
      *failed_step = "fsconfig volatile";
      goto fail;
    }
  }
  if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
    *failed_step = "fsconfig create";
    goto fail;
  }
  int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
  if (mfd < 0) {
    *failed_step = "fsmount";
    goto fail;
  }
  if (move_mount(mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
    *failed_step = "move_mount";
    saved = errno;
    close(mfd);
    close(fsfd);
    errno = saved;
    return -1;
  }
  close(mfd);
  close(fsfd);
  return 0;
fail:
  saved = errno;
  close(fsfd);
  errno = saved;
  return -1;
}

int ck_overlay_supported(void) {
  int fd = fsopen("overlay", FSOPEN_CLOEXEC);
  if (fd < 0) return 0;
  close(fd);
  return 1;
}

int ck_is_mount_point(const char *path) {
  struct statx stx;
  if (statx(AT_FDCWD, path, AT_NO_AUTOMOUNT | AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx) != 0)
    return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
#ifdef STATX_ATTR_MOUNT_ROOT
  if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) ? 1 : 0;
#endif
  return -1;
}

dev_t ck_makedev(unsigned int major, unsigned int minor) { return makedev(major, minor); }
unsigned int ck_major(dev_t dev) { return major(dev); }
unsigned int ck_minor(dev_t dev) { return minor(dev); }

struct ck_gunzip {
  struct inflate_state state;
};

ck_gunzip *ck_gunzip_new(void) {
  ck_gunzip *g = calloc(1, sizeof(*g));
  if (g == NULL) return NULL;
  isal_inflate_init(&g->state);
  g->state.crc_flag = ISAL_GZIP;
  return g;
}

void ck_gunzip_free(ck_gunzip *g) { free(g); }

void ck_gunzip_reset(ck_gunzip *g) {
  isal_inflate_reset(&g->state);
  g->state.crc_flag = ISAL_GZIP;
}

int ck_gunzip_run(ck_gunzip *g, const uint8_t *in, size_t in_len, size_t *consumed, uint8_t *out, size_t out_cap,
                  size_t *produced, int *finished) {
  g->state.next_in = (uint8_t *)in;
  g->state.avail_in = (uint32_t)in_len;
  g->state.next_out = out;
  g->state.avail_out = (uint32_t)out_cap;
  int r = isal_inflate(&g->state);
  *consumed = in_len - g->state.avail_in;
  *produced = out_cap - g->state.avail_out;
  *finished = g->state.block_state == ISAL_BLOCK_FINISH;
  return r < 0 ? r : 0;
}
