/* Mounts made by descriptor, for the child: a path inside the rootfs is resolved once, in the root, and what is
 * mounted there is attached onto that descriptor. A string handed to mount(2) would be resolved again by the
 * kernel, and in between a process sharing a volume could swap a component for a symlink (CVE-2021-30465).
 *
 * A bind is a detached tree (open_tree), given its flags and propagation while it is detached (mount_setattr) and
 * attached onto the target's descriptor (move_mount): no step looks the target up again. A new filesystem is
 * mount(2)ed on the /proc/self/fd path of the target's descriptor, which the kernel follows to that very file.
 * System calls only. */
#define _GNU_SOURCE
#include "internal.h"
#include "mountapi.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>


/* struct mount_attr and its bits (linux/mount.h), under names of our own: glibc's sys/mount.h and the kernel's
 * header define them differently depending on their versions. */
struct ck_mount_attr {
  uint64_t attr_set;
  uint64_t attr_clr;
  uint64_t propagation;
  uint64_t userns_fd;
};
enum {
  CK_ATTR_RDONLY = 0x1,
  CK_ATTR_NOSUID = 0x2,
  CK_ATTR_NODEV = 0x4,
  CK_ATTR_NOEXEC = 0x8,
  CK_ATTR_ATIME = 0x70, /* the mask of the three atime modes; relatime is 0 */
  CK_ATTR_NOATIME = 0x10,
  CK_ATTR_STRICTATIME = 0x20,
  CK_ATTR_NODIRATIME = 0x80,
};

int ck_open_in_root(int rootfd, const char *rel, int flags) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = (uint64_t)(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  while (*rel == '/') rel++;
  /* With RESOLVE_IN_ROOT, a ".." fails with EAGAIN when any rename or mount on the system raced with it (the
   * kernel cannot then vouch that it stayed inside): a busy host's normal, to be retried. */
  int fd, tries = 0;
  do {
    fd = (int)syscall(SYS_openat2, rootfd, rel[0] != '\0' ? rel : ".", &how, sizeof how);
  } while (fd < 0 && errno == EAGAIN && ++tries < 1000);
  return fd;
}

void ck_fd_path(char *buf, size_t size, int fd) {
  char num[16];
  ck_itoa(num, sizeof num, fd);
  ck_join(buf, size, "/proc/self/fd/", num);
}

int ck_tree(int dirfd, const char *path, int recursive) {
  unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
  if (path == NULL) flags |= AT_EMPTY_PATH;
  return (int)syscall(SYS_open_tree, dirfd, path != NULL ? path : "", flags);
}

int ck_tree_propagation(int tree, unsigned long propagation) {
  struct ck_mount_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.propagation = propagation & (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE);
  if (attr.propagation == 0) return 0;
  unsigned int at = AT_EMPTY_PATH | ((propagation & MS_REC) ? AT_RECURSIVE : 0);
  return (int)syscall(SYS_mount_setattr, tree, "", at, &attr, sizeof attr);
}

/* Only sets what `flags` asks for: a flag the kernel locked (an unprivileged user namespace's mounts) is never
 * cleared, so unlike a bind remount this needs no look at the mount's current flags first. */
int ck_tree_flags(int fd, unsigned long flags) {
  struct ck_mount_attr attr;
  memset(&attr, 0, sizeof attr);
  if (flags & MS_RDONLY) attr.attr_set |= CK_ATTR_RDONLY;
  if (flags & MS_NOSUID) attr.attr_set |= CK_ATTR_NOSUID;
  if (flags & MS_NODEV) attr.attr_set |= CK_ATTR_NODEV;
  if (flags & MS_NOEXEC) attr.attr_set |= CK_ATTR_NOEXEC;
  if (flags & MS_NODIRATIME) attr.attr_set |= CK_ATTR_NODIRATIME;
  if (flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)) {
    attr.attr_clr |= CK_ATTR_ATIME;
    if (flags & MS_NOATIME) attr.attr_set |= CK_ATTR_NOATIME;
    else if (flags & MS_STRICTATIME) attr.attr_set |= CK_ATTR_STRICTATIME;
  }
  if (attr.attr_set == 0 && attr.attr_clr == 0) return 0;
  return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr);
}

int ck_attach_tree(int tree, int target) {
  return (int)syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

int ck_is_mount_root_fd(int fd) {
  struct statx stx;
  if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, 0, &stx) != 0) return 0;
  return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}
