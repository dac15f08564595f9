/* The container's filesystem: its mounts, /dev, pivot_root, masked and read-only paths. Runs in the child. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <linux/openat2.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define CK_PATH 4096

/* Flags a remount must keep: in a user namespace the kernel refuses to clear them ("locked" flags). */
static unsigned long ck_locked_flags(const char *path) {
  struct statvfs st;
  if (statvfs(path, &st) != 0) return 0;
  return st.f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_RDONLY);
}

/* Whether path is the root of a mount (what pivot_root needs of a new root), from statx as LayerFS checks it: no
 * /proc/self/mountinfo read, whose length grows with every mount on the host. */
static int ck_is_mount_root(const char *path) {
  struct statx stx;
  struct statx root;
  if (statx(AT_FDCWD, path, 0, STATX_INO, &stx) != 0 || statx(AT_FDCWD, "/", 0, STATX_INO, &root) != 0) return 0;
  /* The current root itself is a mount root too, but pivot_root(".", ".") cannot swap it with itself: bind it. */
  if (stx.stx_ino == root.stx_ino && stx.stx_dev_major == root.stx_dev_major && stx.stx_dev_minor == root.stx_dev_minor)
    return 0;
  return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

int ck_mkdir_p(char *path, mode_t mode) {
  size_t n = ck_strlen(path);
  for (size_t i = 1; i <= n; i++) {
    if (path[i] == '/' || path[i] == '\0') {
      char saved = path[i];
      path[i] = '\0';
      int r = mkdir(path, mode);
      int e = errno;
      path[i] = saved;
      if (r != 0 && e != EEXIST) {
        errno = e;
        return -1;
      }
    }
  }
  return 0;
}

static int ck_make_parent(const char *path) {
  char parent[CK_PATH];
  ck_join(parent, sizeof parent, path, NULL);
  size_t n = ck_strlen(parent);
  while (n > 0 && parent[n - 1] != '/') n--;
  if (n <= 1) return 0;
  parent[n - 1] = '\0';
  return ck_mkdir_p(parent, 0755);
}

int ck_make_file(const char *path) {
  if (ck_make_parent(path) != 0) return -1;
  struct stat st;
  if (lstat(path, &st) == 0) return 0;
  int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return -1;
  close(fd);
  return 0;
}

/* openat2 below the rootfs with every symlink resolved as if the rootfs were "/": an image's symlink cannot send
 * a mount (or a mkdir) onto the host. */
static int ck_open_in_root(int rootfd, const char *rel, int flags) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = (uint64_t)(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return (int)syscall(SYS_openat2, rootfd, rel[0] != '\0' ? rel : ".", &how, sizeof how);
}

/* Creates what is missing of `destination` (directories, and the last component as `kind`) inside the rootfs and
 * writes the real host path of the result to `out`. Returns 0, or -1 with errno. */
static int ck_resolve_dest_depth(const struct ck_plan *plan, const char *destination, int kind, char *out, size_t size,
                                 int depth);

/* The rootfs (its bind mount, once made), opened once for all the mounts' destinations instead of once each; -1
 * outside ck_setup_rootfs, or after a mount onto the rootfs itself hid what it refers to. */
static int ck_root_fd = -1;

static void ck_release_root(int fd) {
  if (fd != ck_root_fd) close(fd);
}

static int ck_resolve_dest(const struct ck_plan *plan, const char *destination, int kind, char *out, size_t size) {
  return ck_resolve_dest_depth(plan, destination, kind, out, size, 0);
}

static int ck_resolve_dest_depth(const struct ck_plan *plan, const char *destination, int kind, char *out, size_t size,
                                 int depth) {
  if (depth > 8) {
    errno = ELOOP;
    return -1;
  }
  int rootfd = ck_root_fd >= 0 ? ck_root_fd : open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) return -1;
  char rel[CK_PATH];
  const char *d = destination;
  while (*d == '/') d++;
  ck_join(rel, sizeof rel, d, NULL);
  size_t n = ck_strlen(rel);
  while (n > 0 && rel[n - 1] == '/') rel[--n] = '\0';
  int fd = -1;
  /* Most destinations exist, or all but their last components: find the deepest existing ancestor from the end, so
   * that only what is missing is walked (each prefix is opened from the root, so a walk costs one openat2 per
   * component). Any error but ENOENT leaves it to the walk to report. */
  size_t start = 0;
  size_t known_missing = (size_t)-1; /* the shortest prefix the search found missing: the walk need not try it */
  for (size_t j = n;;) {
    char saved = rel[j];
    rel[j] = '\0';
    int probe = ck_open_in_root(rootfd, rel, O_PATH);
    int e = errno;
    rel[j] = saved;
    if (probe >= 0) {
      if (j == n) {
        fd = probe;
        goto resolved;
      }
      close(probe);
      start = j + 1;
      break;
    }
    if (e != ENOENT) {
      known_missing = (size_t)-1;
      break;
    }
    known_missing = j;
    while (j > 0 && rel[j - 1] != '/') j--;
    if (j == 0) break;
    j--;
  }
  for (size_t i = start; i <= n; i++) {
    if (rel[i] != '/' && rel[i] != '\0') continue;
    int last = rel[i] == '\0';
    char saved = rel[i];
    rel[i] = '\0';
    if (i == known_missing) {
      fd = -1;
      errno = ENOENT;
    } else {
      fd = ck_open_in_root(rootfd, rel, O_PATH);
    }
    if (fd < 0 && errno == ENOENT) {
      /* Create the component inside its (already resolved) parent. */
      size_t j = i;
      while (j > 0 && rel[j - 1] != '/') j--;
      char name[256];
      ck_join(name, sizeof name, rel + j, NULL);
      if (j > 0) rel[j - 1] = '\0';
      int parent = ck_open_in_root(rootfd, j > 0 ? rel : "", O_PATH | O_DIRECTORY);
      if (j > 0) rel[j - 1] = '/';
      if (parent < 0) {
        int e = errno;
        ck_release_root(rootfd);
        errno = e;
        return -1;
      }
      int r;
      if (last && kind == CK_DEST_FILE) {
        r = openat(parent, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (r >= 0) close(r);
      } else {
        r = mkdirat(parent, name, 0755);
      }
      int e = errno;
      if (r < 0 && e == EEXIST) {
        /* A dangling symlink: create its target, resolved inside the rootfs too. */
        char target[CK_PATH];
        ssize_t tl = readlinkat(parent, name, target, sizeof target - 1);
        if (tl > 0) {
          target[tl] = '\0';
          char full[CK_PATH];
          if (target[0] == '/') {
            ck_join(full, sizeof full, target, NULL);
          } else {
            ck_join(full, sizeof full, "/", rel);
            size_t fl = ck_strlen(full);
            while (fl > 0 && full[fl - 1] != '/') fl--;
            full[fl] = '\0';
            ck_join(full, sizeof full, full, target);
          }
          char ignored[CK_PATH];
          if (ck_resolve_dest_depth(plan, full, last ? kind : CK_DEST_DIR, ignored, sizeof ignored, depth + 1) == 0)
            r = 0;
        }
      }
      e = errno;
      close(parent);
      if (r < 0 && e != EEXIST) {
        ck_release_root(rootfd);
        errno = e;
        return -1;
      }
      fd = ck_open_in_root(rootfd, rel, O_PATH);
    }
    rel[i] = saved;
    if (fd < 0) {
      int e = errno;
      ck_release_root(rootfd);
      errno = e;
      return -1;
    }
    if (!last) close(fd);
    else break;
  }
resolved:
  ck_release_root(rootfd);
  char link[64], num[24];
  int v = fd, k = 0;
  char tmp[24];
  do {
    tmp[k++] = (char)('0' + v % 10);
    v /= 10;
  } while (v > 0);
  for (int i = 0; i < k; i++) num[i] = tmp[k - 1 - i];
  num[k] = '\0';
  ck_join(link, sizeof link, "/proc/self/fd/", num);
  ssize_t len = readlink(link, out, size - 1);
  int e = errno;
  close(fd);
  if (len < 0) {
    errno = e;
    return -1;
  }
  out[len] = '\0';
  return 0;
}

static __attribute__((noreturn)) void ck_mount_fail(const struct ck_plan *plan, const struct ck_mount *m) {
  int e = errno;
  char object[CK_PATH];
  ck_join(object, sizeof object, m->source != NULL ? m->source : m->fstype, " on ");
  ck_join(object, sizeof object, object, m->destination);
  ck_fail(plan, "mount", e, object, 1);
}

static void ck_remount_bind(const struct ck_plan *plan, const struct ck_mount *m, const char *dest) {
  unsigned long flags = MS_BIND | MS_REMOUNT | m->flags | (m->bind == CK_RBIND ? MS_REC : 0);
  flags |= ck_locked_flags(dest) & ~MS_RDONLY;
  if (mount(NULL, dest, NULL, flags, NULL) != 0) ck_mount_fail(plan, m);
}

/* A symlink inside the rootfs, its directory resolved there. */
static void ck_symlink_in_root(const struct ck_plan *plan, const struct ck_mount *m) {
  char parent[CK_PATH], dir[CK_PATH], path[CK_PATH];
  ck_join(parent, sizeof parent, m->destination, NULL);
  size_t n = ck_strlen(parent);
  while (n > 0 && parent[n - 1] != '/') n--;
  const char *name = m->destination + n;
  parent[n > 1 ? n - 1 : 1] = '\0';
  if (ck_resolve_dest(plan, parent, CK_DEST_DIR, dir, sizeof dir) != 0) ck_fail(plan, "symlink", errno, m->destination, 1);
  ck_join(path, sizeof path, dir, "/");
  ck_join(path, sizeof path, path, name);
  if (symlink(m->symlink_target, path) != 0 && errno != EEXIST) ck_fail(plan, "symlink", errno, m->destination, 1);
}

static void ck_mount_one(const struct ck_plan *plan, const struct ck_mount *m) {
  char dest[CK_PATH];
  if (m->symlink_target != NULL) {
    ck_symlink_in_root(plan, m);
    return;
  }
  if (m->optional && m->bind != CK_BIND_NONE && m->source != NULL && access(ck_template_source(plan, m), F_OK) != 0)
    return;
  if (m->remount) {
    if (ck_resolve_dest(plan, m->destination, CK_DEST_DIR, dest, sizeof dest) != 0) {
      if (m->optional && errno == ENOENT) return;
      ck_mount_fail(plan, m);
    }
    if (m->optional) {
      /* Only when a mount is there: an optional bind that was skipped left a plain directory. */
      char parent[CK_PATH];
      struct stat a, b;
      ck_join(parent, sizeof parent, dest, "/..");
      if (stat(dest, &a) != 0 || stat(parent, &b) != 0 || a.st_dev == b.st_dev) return;
    }
    unsigned long flags = MS_BIND | MS_REMOUNT | m->flags | ck_locked_flags(dest);
    if (mount(NULL, dest, NULL, flags, NULL) != 0) ck_mount_fail(plan, m);
    return;
  }
  if (ck_resolve_dest(plan, m->destination, m->dest_kind, dest, sizeof dest) != 0) {
    if (errno != ENOSYS) ck_mount_fail(plan, m);
    /* No openat2 (before Linux 5.6): plain paths. */
    ck_join(dest, sizeof dest, plan->rootfs, m->destination);
    if (m->dest_kind == CK_DEST_FILE) {
      if (ck_make_file(dest) != 0) ck_mount_fail(plan, m);
    } else if (ck_mkdir_p(dest, 0755) != 0) {
      ck_mount_fail(plan, m);
    }
  }
  if (m->bind != CK_BIND_NONE) {
    unsigned long flags = MS_BIND | (m->bind == CK_RBIND ? MS_REC : 0);
    if (mount(ck_template_source(plan, m), dest, NULL, flags, NULL) != 0) ck_mount_fail(plan, m);
    if (m->flags != 0) ck_remount_bind(plan, m, dest);
  } else if (mount(m->source, dest, m->fstype, m->flags, m->data) != 0) {
    if ((errno != EPERM && errno != EACCES && errno != EBUSY) || m->fallback_source == NULL) ck_mount_fail(plan, m);
    /* sysfs without a network namespace of our own, mqueue without an ipc one...: the host's, read-only. */
    if (mount(ck_template_fallback(plan, m), dest, NULL, MS_BIND | MS_REC, NULL) != 0) ck_mount_fail(plan, m);
    if (m->flags & MS_RDONLY) {
      unsigned long flags = MS_BIND | MS_REMOUNT | MS_REC | MS_RDONLY | ck_locked_flags(dest);
      if (mount(NULL, dest, NULL, flags, NULL) != 0) ck_mount_fail(plan, m);
    }
  }
  if (m->propagation != 0 && mount(NULL, dest, NULL, m->propagation, NULL) != 0) ck_mount_fail(plan, m);
}

static void ck_make_device(const struct ck_plan *plan, const struct ck_device *d) {
  char path[CK_PATH];
  ck_join(path, sizeof path, plan->rootfs, d->path);
  if (!d->prefer_bind && !plan->new_user_ns) {
    /* mknod first: the device's directory is there (/dev is the fresh tmpfs) and nothing is in the way, so the
     * parents are made and an old node replaced only when mknod says so. */
    dev_t dev = makedev(d->major, d->minor);
    int r = mknod(path, d->mode, dev);
    if (r != 0 && errno == ENOENT) {
      if (ck_make_parent(path) != 0) ck_fail(plan, "create device", errno, d->path, 1);
      r = mknod(path, d->mode, dev);
    }
    if (r != 0 && errno == EEXIST) {
      unlink(path);
      r = mknod(path, d->mode, dev);
    }
    if (r == 0) {
      if (chmod(path, d->mode & 07777) != 0 || chown(path, d->uid, d->gid) != 0)
        ck_fail(plan, "create device", errno, d->path, 1);
      return;
    }
    if (errno != EPERM || d->host_path == NULL) ck_fail(plan, "create device", errno, d->path, 1);
  }
  if (d->host_path == NULL) ck_fail(plan, "create device", EPERM, d->path, 1);
  if (ck_make_file(path) != 0) ck_fail(plan, "create device", errno, d->path, 1);
  if (mount(ck_template_device(plan, d), path, NULL, MS_BIND, NULL) != 0)
    ck_fail(plan, "bind device", errno, d->path, 1);
}

static void ck_dev_symlinks(const struct ck_plan *plan) {
  static const char *const links[][2] = {
      {"/proc/self/fd", "/dev/fd"},     {"/proc/self/fd/0", "/dev/stdin"}, {"/proc/self/fd/1", "/dev/stdout"},
      {"/proc/self/fd/2", "/dev/stderr"}, {"pts/ptmx", "/dev/ptmx"},
  };
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
    char path[CK_PATH];
    ck_join(path, sizeof path, plan->rootfs, links[i][1]);
    if (symlink(links[i][0], path) != 0 && errno != EEXIST) ck_fail(plan, "symlink", errno, links[i][1], 1);
  }
}

void ck_setup_rootfs(const struct ck_plan *plan) {
  umask(022);
  if (ck_tpl_active) ck_template_skeleton(plan);
  /* Nothing we mount may propagate back to the host. */
  if (mount(NULL, "/", NULL, MS_REC | (plan->rootfs_propagation ? plan->rootfs_propagation : MS_SLAVE), NULL) != 0)
    ck_fail(plan, "set rootfs propagation", errno, "/", 1);
  /* pivot_root needs the new root to be a mount point. A rootfs that already is one (an overlay the engine mounted
   * there) is used as it is: this namespace's copy of it is already slave or private like every other mount here,
   * and its submounts came with the copy. Binding it onto itself only cost a copy_tree. */
  if (!ck_is_mount_root(plan->rootfs) && mount(plan->rootfs, plan->rootfs, NULL, MS_BIND | MS_REC, NULL) != 0)
    ck_fail(plan, "bind rootfs", errno, plan->rootfs, 1);
  ck_root_fd = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  for (int i = 0; i < plan->mount_count; i++) {
    ck_mount_one(plan, &plan->mounts[i]);
    const char *d = plan->mounts[i].destination;
    while (*d == '/') d++;
    if (*d == '\0' && ck_root_fd >= 0) {
      close(ck_root_fd);
      ck_root_fd = -1;
    }
  }
  if (ck_root_fd >= 0) close(ck_root_fd);
  ck_root_fd = -1;
  for (int i = 0; i < plan->device_count; i++) ck_make_device(plan, &plan->devices[i]);
  if (plan->dev_symlinks) ck_dev_symlinks(plan);

  if (plan->hooks_barrier) {
    char go;
    ck_send(plan, CK_MSG_HOOKS, 0, 0, "hooks", "");
    if (read(plan->sync_fd, &go, 1) != 1) _exit(1);
  }
  /* In the container's mount namespace with everything mounted, before pivot_root: paths still resolve on the
   * host, and the hook sees the rootfs at plan->rootfs. */
  if (plan->create_container_count > 0)
    ck_run_hooks(plan, "createContainer", plan->create_container_hooks, plan->create_container_count,
                 plan->create_state_fd);

  if (chdir(plan->rootfs) != 0) ck_fail(plan, "chdir", errno, plan->rootfs, 1);
  if (ck_tpl_active) {
    ck_template_finish(plan);
  } else if (plan->no_pivot) {
    if (mount(plan->rootfs, "/", NULL, MS_MOVE, NULL) != 0) ck_fail(plan, "move rootfs", errno, plan->rootfs, 1);
    if (chroot(".") != 0) ck_fail(plan, "chroot", errno, plan->rootfs, 1);
  } else {
    if (syscall(SYS_pivot_root, ".", ".") != 0) ck_fail(plan, "pivot_root", errno, plan->rootfs, 1);
    /* The old root now sits on top of the new one: detach it, without the unmount reaching the host. Unless the
     * spec asked for shared propagation, the first change above already left no mount here shared, and a second
     * recursive pass would only walk every mount of the host's copy again. */
    if ((plan->rootfs_propagation & MS_SHARED) && mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) != 0)
      ck_fail(plan, "make old root slave", errno, "/", 1);
    if (umount2(".", MNT_DETACH) != 0) ck_fail(plan, "unmount old root", errno, "/", 1);
  }
  if (chdir("/") != 0) ck_fail(plan, "chdir", errno, "/", 1);
}

void ck_finish_rootfs(const struct ck_plan *plan) {
  struct stat st;
  for (int i = 0; i < plan->masked_count; i++) {
    const char *p = plan->masked_paths[i];
    if (stat(p, &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) continue;
      ck_fail(plan, "mask", errno, p, 1);
    }
    int r = S_ISDIR(st.st_mode) ? mount("tmpfs", p, "tmpfs", MS_RDONLY, "size=0k")
                                : mount("/dev/null", p, NULL, MS_BIND, NULL);
    if (r != 0) ck_fail(plan, "mask", errno, p, 1);
  }
  for (int i = 0; i < plan->readonly_count; i++) {
    const char *p = plan->readonly_paths[i];
    if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) != 0) {
      if (errno == ENOENT) continue;
      ck_fail(plan, "make readonly", errno, p, 1);
    }
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_REC | MS_RDONLY | ck_locked_flags(p);
    if (mount(NULL, p, NULL, flags, NULL) != 0) ck_fail(plan, "make readonly", errno, p, 1);
  }
  if (plan->rootfs_readonly) {
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | ck_locked_flags("/");
    if (mount(NULL, "/", NULL, flags, NULL) != 0) ck_fail(plan, "make rootfs readonly", errno, "/", 1);
  }
}
