/* The container's filesystem: its mounts, /dev, masked and read-only paths, pivot_root. Runs in the child.
 *
 * The rootfs is the image's, and an image is not trusted: its `/dev` may be a symlink to a host directory, a mount
 * destination a symlink to `../../..`. So no path inside it is ever glued to the rootfs's path as a string. Each is
 * resolved from the rootfs's descriptor with openat2(RESOLVE_IN_ROOT), which follows symlinks as if the rootfs were
 * "/"; what is missing is created relative to the resolved parent (mkdirat, mknodat, symlinkat, openat
 * O_CREAT|O_EXCL|O_NOFOLLOW, unlinkat); and every mount targets the descriptor that was resolved (mounts.c). */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define CK_PATH 4096

/* The rootfs (the mount pivot_root will make the root), and its identity: a destination that resolves to the root
 * itself (a link to `../../..`) must not be mounted over, which would hide the whole image. */
static int ck_root = -1;
static dev_t ck_root_dev;
static ino_t ck_root_ino;

void ck_rootfs_forget(void) { ck_root = -1; }

static void ck_open_root(const struct ck_plan *plan) {
  if (ck_root >= 0) close(ck_root);
  ck_root = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct stat st;
  if (ck_root < 0 || fstat(ck_root, &st) != 0) ck_fail(plan, "open rootfs", errno, plan->rootfs, 1);
  ck_root_dev = st.st_dev;
  ck_root_ino = st.st_ino;
}

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

/* "/a/b/c" -> "a/b" and "c" (trailing slashes dropped); the parent of "/c" is "". */
static void ck_split(const char *path, char *parent, size_t psize, char *name, size_t nsize) {
  while (*path == '/') path++;
  ck_join(parent, psize, path, NULL);
  size_t n = ck_strlen(parent);
  while (n > 0 && parent[n - 1] == '/') parent[--n] = '\0';
  size_t i = n;
  while (i > 0 && parent[i - 1] != '/') i--;
  ck_join(name, nsize, parent + i, NULL);
  parent[i > 0 ? i - 1 : 0] = '\0';
}

static int ck_resolve_depth(const char *path, int kind, int create, int depth);

/* An O_PATH descriptor of `path` inside the rootfs (the last component followed, in the root). With `create`,
 * what is missing is made first: directories, and the last component as `kind` (then the descriptor is the new
 * file's, open for writing). -1 with errno. */
static int ck_resolve(const char *path, int kind, int create) { return ck_resolve_depth(path, kind, create, 0); }

/* Creates `name` in the resolved directory `parent` and opens it, not following it. */
static int ck_create_in(int parent, const char *name, int file) {
  if (file) return openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (mkdirat(parent, name, 0755) != 0) return -1;
  return openat(parent, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
}

static int ck_resolve_depth(const char *path, int kind, int create, int depth) {
  char rel[CK_PATH];
  while (*path == '/') path++;
  ck_join(rel, sizeof rel, path, NULL);
  size_t n = ck_strlen(rel);
  while (n > 0 && rel[n - 1] == '/') rel[--n] = '\0';
  int fd = ck_open_in_root(ck_root, rel, O_PATH);
  if (fd >= 0 || errno != ENOENT || !create) return fd;
  if (depth > 8) {
    errno = ELOOP;
    return -1;
  }
  /* The deepest ancestor that exists, searched from the end: most destinations lack only their last components.
   * rel[start..] is what is missing. */
  size_t start = n;
  int parent;
  for (;;) {
    while (start > 0 && rel[start - 1] != '/') start--;
    if (start == 0) {
      parent = ck_open_in_root(ck_root, "", O_PATH | O_DIRECTORY);
      break;
    }
    rel[start - 1] = '\0';
    parent = ck_open_in_root(ck_root, rel, O_PATH | O_DIRECTORY);
    int e = errno;
    rel[start - 1] = '/';
    if (parent >= 0) break;
    if (e != ENOENT) {
      errno = e;
      return -1;
    }
    start--;
  }
  if (parent < 0) return -1;
  for (size_t i = start;;) {
    size_t end = i;
    while (rel[end] != '\0' && rel[end] != '/') end++;
    int last = rel[end] == '\0';
    if (end == i && !last) { /* "a//b" */
      i = end + 1;
      continue;
    }
    char name[256];
    if (end - i >= sizeof name) {
      close(parent);
      errno = ENAMETOOLONG;
      return -1;
    }
    memcpy(name, rel + i, end - i);
    name[end - i] = '\0';
    fd = ck_create_in(parent, name, last && kind == CK_DEST_FILE);
    if (fd < 0 && errno == EEXIST) {
      /* Something is there after all: a symlink whose target is missing. Its target is made, resolved in the root
       * as the link itself is, then the link followed. */
      char saved = rel[end];
      rel[end] = '\0';
      char target[CK_PATH];
      ssize_t tl = readlinkat(parent, name, target, sizeof target - 1);
      if (tl > 0) {
        target[tl] = '\0';
        char full[CK_PATH];
        if (target[0] == '/') {
          ck_join(full, sizeof full, target, NULL);
        } else {
          /* Relative to the link's directory: rel up to the link's name. */
          ck_join(full, sizeof full, rel, NULL);
          full[i] = '\0';
          ck_join(full, sizeof full, full, target);
        }
        int made = ck_resolve_depth(full, last ? kind : CK_DEST_DIR, 1, depth + 1);
        if (made >= 0) close(made);
      }
      fd = ck_open_in_root(ck_root, rel, O_PATH);
      rel[end] = saved;
    }
    int e = errno;
    close(parent);
    if (fd < 0) {
      errno = e;
      return -1;
    }
    if (last) return fd;
    parent = fd;
    i = end + 1;
  }
}

static int ck_is_root_fd(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 && st.st_dev == ck_root_dev && st.st_ino == ck_root_ino;
}

static __attribute__((noreturn)) void ck_mount_fail(const struct ck_plan *plan, const struct ck_mount *m) {
  int e = errno;
  char object[CK_PATH];
  ck_join(object, sizeof object, m->source != NULL ? m->source : m->fstype, " on ");
  ck_join(object, sizeof object, object, m->destination);
  ck_fail(plan, "mount", e, object, 1);
}

/* A mount's destination, made if missing, as a descriptor. One that an image's symlink turns into the root itself
 * is refused: mounted over, the root would hide the image and the container could not start but with an error
 * that says nothing of why. */
static int ck_target(const struct ck_plan *plan, const struct ck_mount *m) {
  int fd = ck_resolve(m->destination, m->dest_kind, 1);
  if (fd < 0) ck_mount_fail(plan, m);
  const char *d = m->destination;
  while (*d == '/') d++;
  if (*d != '\0' && ck_is_root_fd(fd)) {
    char object[CK_PATH];
    ck_join(object, sizeof object, m->destination, " (a symlink to the container's root)");
    ck_fail(plan, "mount destination", ELOOP, object, 1);
  }
  return fd;
}


/* The classic strategy: the namespace is a copy of the caller's, a bind's tree a clone made now (after the
 * propagation change, so a clone of a slave is a slave), and the root is entered with pivot_root. */
static int ck_classic_source_tree(const struct ck_plan *plan, int set, int index, const char *path, int recursive) {
  (void)plan;
  (void)set;
  (void)index;
  return ck_tree(AT_FDCWD, path, recursive);
}

static void ck_classic_enter_root(const struct ck_plan *plan, int rootfd) {
  if (plan->no_pivot) {
    char root[32];
    ck_fd_path(root, sizeof root, rootfd);
    if (mount(root, "/", NULL, MS_MOVE, NULL) != 0) ck_fail(plan, "move rootfs", errno, plan->rootfs, 1);
    if (chroot(".") != 0) ck_fail(plan, "chroot", errno, plan->rootfs, 1);
    return;
  }
  if (syscall(SYS_pivot_root, ".", ".") != 0) ck_fail(plan, "pivot_root", errno, plan->rootfs, 1);
  /* The old root now sits on top of the new one: detach it. The first propagation change left no mount here
   * shared (ck_setup_rootfs), so the unmount cannot reach the host. */
  if (umount2(".", MNT_DETACH) != 0) ck_fail(plan, "unmount old root", errno, "/", 1);
}

const struct ck_mntns_strategy ck_classic_mntns = {
    .prepare = NULL,
    .source_tree = ck_classic_source_tree,
    .enter_root = ck_classic_enter_root,
};

/* Flags and propagation on the detached tree, then attached onto `target`; the tree is closed. */
static int ck_bind_tree(int tree, unsigned long flags, unsigned long propagation, int target) {
  int r = ck_tree_propagation(tree, propagation);
  if (r == 0) r = ck_tree_flags(tree, flags);
  if (r == 0) r = ck_attach_tree(tree, target);
  int e = errno;
  close(tree);
  errno = e;
  return r;
}

/* A symlink inside the rootfs, made in its resolved parent. */
static void ck_symlink_in_root(const struct ck_plan *plan, const char *path, const char *target) {
  char parent[CK_PATH], name[256];
  ck_split(path, parent, sizeof parent, name, sizeof name);
  int dir = ck_resolve(parent, CK_DEST_DIR, 1);
  if (dir < 0) ck_fail(plan, "symlink", errno, path, 1);
  if (symlinkat(target, dir, name) != 0 && errno != EEXIST) ck_fail(plan, "symlink", errno, path, 1);
  close(dir);
}

/* A bind-remount of the mount at the destination with the step's flags, through the mount root's descriptor. */
static void ck_remount(const struct ck_plan *plan, const struct ck_mount *m) {
  int fd = ck_resolve(m->destination, CK_DEST_DIR, 0);
  if (fd < 0) {
    if (m->optional && errno == ENOENT) return;
    ck_mount_fail(plan, m);
  }
  /* Optional: only when a mount is there; an optional bind that was skipped left a plain directory. */
  if (!m->optional || ck_is_mount_root_fd(fd)) {
    if (ck_tree_flags(fd, m->flags) != 0) ck_mount_fail(plan, m);
  }
  close(fd);
}

static void ck_mount_one(const struct ck_plan *plan, const struct ck_mntns_strategy *ns, int index) {
  const struct ck_mount *m = &plan->mounts[index];
  if (m->symlink_target != NULL) {
    ck_symlink_in_root(plan, m->destination, m->symlink_target);
    return;
  }
  if (m->remount) {
    ck_remount(plan, m);
    return;
  }
  if (m->bind != CK_BIND_NONE) {
    int tree = ns->source_tree(plan, CK_TPL_SOURCE, index, m->source, m->bind == CK_RBIND);
    if (tree < 0) {
      if (m->optional && errno == ENOENT) return;
      ck_mount_fail(plan, m);
    }
    int target = ck_target(plan, m);
    if (ck_bind_tree(tree, m->flags, m->propagation, target) != 0) ck_mount_fail(plan, m);
    close(target);
    return;
  }
  int target = ck_target(plan, m);
  char path[32];
  ck_fd_path(path, sizeof path, target);
  if (mount(m->source, path, m->fstype, m->flags, m->data) != 0) {
    if ((errno != EPERM && errno != EACCES && errno != EBUSY) || m->fallback_source == NULL) ck_mount_fail(plan, m);
    /* sysfs without a network namespace of our own, mqueue without an ipc one...: the host's, read-only. */
    int tree = ns->source_tree(plan, CK_TPL_FALLBACK, index, m->fallback_source, 1);
    unsigned long flags = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
    if (tree < 0 || ck_bind_tree(tree, flags, m->propagation, target) != 0) ck_mount_fail(plan, m);
  } else if (m->propagation != 0) {
    /* The new mount lies on top of the target's descriptor, not at it: its root is looked up again, in the root,
     * and must be a mount's root. (Spec mounts of a new filesystem rarely name a propagation.) */
    int top = ck_resolve(m->destination, CK_DEST_DIR, 0);
    if (top < 0) ck_mount_fail(plan, m);
    if (!ck_is_mount_root_fd(top)) {
      errno = EINVAL;
      ck_mount_fail(plan, m);
    }
    ck_fd_path(path, sizeof path, top);
    if (mount(NULL, path, NULL, m->propagation, NULL) != 0) ck_mount_fail(plan, m);
    close(top);
  }
  close(target);
}

/* A device node, made in its resolved directory (the fresh /dev tmpfs, usually). What an image put in its way is
 * unlinked from that directory, unless it is a directory; where mknod is not allowed (a user namespace) the host's
 * device is bound onto a file made there. */
static void ck_make_device(const struct ck_plan *plan, const struct ck_mntns_strategy *ns, int index, char *dir_path,
                           int *dir) {
  const struct ck_device *d = &plan->devices[index];
  char parent[CK_PATH], name[256];
  ck_split(d->path, parent, sizeof parent, name, sizeof name);
  /* Devices mostly share /dev: its descriptor is kept from one to the next. */
  if (*dir < 0 || strcmp(parent, dir_path) != 0) {
    if (*dir >= 0) close(*dir);
    *dir = ck_resolve(parent, CK_DEST_DIR, 1);
    if (*dir < 0) ck_fail(plan, "create device", errno, d->path, 1);
    ck_join(dir_path, CK_PATH, parent, NULL);
  }
  if (!d->prefer_bind && !plan->new_user_ns) {
    dev_t dev = makedev(d->major, d->minor);
    int r = mknodat(*dir, name, d->mode, dev);
    if (r != 0 && errno == EEXIST && unlinkat(*dir, name, 0) == 0) r = mknodat(*dir, name, d->mode, dev);
    if (r == 0) {
      /* Not following a link that might have replaced the node meanwhile. */
      if (fchownat(*dir, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) != 0)
        ck_fail(plan, "create device", errno, d->path, 1);
      return;
    }
    if (errno != EPERM || d->host_path == NULL) ck_fail(plan, "create device", errno, d->path, 1);
  }
  if (d->host_path == NULL) ck_fail(plan, "create device", EPERM, d->path, 1);
  int tree = ns->source_tree(plan, CK_TPL_DEVICE, index, d->host_path, 0);
  if (tree < 0) ck_fail(plan, "bind device", errno, d->path, 1);
  int target = openat(*dir, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (target < 0 && errno == EEXIST) {
    /* The image's own file there: bound over, if it is neither a directory nor a symlink. */
    target = openat(*dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (target >= 0 && fstat(target, &st) == 0 && (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode))) {
      close(target);
      target = -1;
      errno = S_ISDIR(st.st_mode) ? EISDIR : ELOOP;
    }
  }
  if (target < 0) ck_fail(plan, "create device", errno, d->path, 1);
  if (ck_bind_tree(tree, 0, 0, target) != 0) ck_fail(plan, "bind device", errno, d->path, 1);
  close(target);
}

static const char *const ck_dev_links[][2] = {
    {"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
    {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},
};

int ck_dev_link(int i, const char **target, const char **name) {
  if (i < 0 || (size_t)i >= sizeof ck_dev_links / sizeof ck_dev_links[0]) return -1;
  *target = ck_dev_links[i][0];
  *name = ck_dev_links[i][1];
  return 0;
}

static void ck_dev_symlinks(const struct ck_plan *plan) {
  int dir = ck_resolve("/dev", CK_DEST_DIR, 1);
  if (dir < 0) ck_fail(plan, "symlink", errno, "/dev", 1);
  for (size_t i = 0; i < sizeof ck_dev_links / sizeof ck_dev_links[0]; i++) {
    if (symlinkat(ck_dev_links[i][0], dir, ck_dev_links[i][1]) != 0 && errno != EEXIST) {
      char object[64];
      ck_join(object, sizeof object, "/dev/", ck_dev_links[i][1]);
      ck_fail(plan, "symlink", errno, object, 1);
    }
  }
  close(dir);
}

/* Masked paths: an empty read-only tmpfs over a directory, the container's /dev/null over a file. Resolved in the
 * root, before pivot_root, like every other path of the image. */
static void ck_mask_paths(const struct ck_plan *plan) {
  int null = -1;
  char null_path[32], path[32];
  for (int i = 0; i < plan->masked_count; i++) {
    const char *p = plan->masked_paths[i];
    int fd = ck_resolve(p, CK_DEST_DIR, 0);
    if (fd < 0) {
      if (errno == ENOENT || errno == ENOTDIR) continue;
      ck_fail(plan, "mask", errno, p, 1);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) ck_fail(plan, "mask", errno, p, 1);
    ck_fd_path(path, sizeof path, fd);
    int r;
    if (S_ISDIR(st.st_mode)) {
      r = mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0k");
    } else {
      if (null < 0) {
        null = ck_resolve("/dev/null", CK_DEST_FILE, 0);
        if (null < 0) ck_fail(plan, "mask", errno, "/dev/null", 1);
        ck_fd_path(null_path, sizeof null_path, null);
      }
      r = mount(null_path, path, NULL, MS_BIND, NULL);
    }
    if (r != 0) ck_fail(plan, "mask", errno, p, 1);
    close(fd);
  }
  if (null >= 0) close(null);
  for (int i = 0; i < plan->readonly_count; i++) {
    const char *p = plan->readonly_paths[i];
    int fd = ck_resolve(p, CK_DEST_DIR, 0);
    if (fd < 0) {
      if (errno == ENOENT) continue;
      ck_fail(plan, "make readonly", errno, p, 1);
    }
    int tree = ck_tree(fd, NULL, 1);
    if (tree < 0 || ck_bind_tree(tree, MS_RDONLY, 0, fd) != 0) ck_fail(plan, "make readonly", errno, p, 1);
    close(fd);
  }
}

/* The last steps before the process enters its root: the parent's hooks (prestart, createRuntime) at the
 * barrier, then the createContainer hooks, in the container's mount namespace with everything mounted: paths still
 * resolve on the host, and the hook sees the rootfs at plan->rootfs. */
static void ck_before_root(const struct ck_plan *plan) {
  if (plan->hooks_barrier) {
    char go;
    ck_send(plan, CK_MSG_HOOKS, 0, 0, "hooks", "");
    if (read(plan->sync_fd, &go, 1) != 1) _exit(1);
  }
  if (plan->create_container_count > 0)
    ck_run_hooks(plan, "createContainer", plan->create_container_hooks, plan->create_container_count,
                 plan->create_state_fd);
}

/* linux.sysctl, through the container's own /proc (resolved in the root, and refused unless it is a procfs: a
 * /proc/sys path of the image is never written). The values are the container's: its namespaces are made. */
static void ck_write_sysctls(const struct ck_plan *plan) {
  char path[32];
  for (int i = 0; i < plan->sysctl_count; i++) {
    const char *file = plan->sysctl_files[i];
    int fd = ck_resolve(file, CK_DEST_FILE, 0);
    if (fd < 0) ck_fail(plan, "sysctl", errno, file, 1);
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0) ck_fail(plan, "sysctl", errno, file, 1);
    if (fs.f_type != PROC_SUPER_MAGIC) ck_fail(plan, "sysctl", ENOENT, file, 1);
    ck_fd_path(path, sizeof path, fd);
    int w = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
    if (w < 0) ck_fail(plan, "sysctl", errno, file, 1);
    size_t n = ck_strlen(plan->sysctl_values[i]);
    if (write(w, plan->sysctl_values[i], n) != (ssize_t)n) ck_fail(plan, "sysctl", errno, file, 1);
    close(w);
    close(fd);
  }
}

void ck_setup_rootfs(const struct ck_plan *plan, const struct ck_mntns_strategy *ns) {
  umask(022);
  if (ns->prepare != NULL) ns->prepare(plan);
  /* Nothing we mount may propagate back to the host: every mount slave (private when asked), also for a shared or
   * unbindable rootfsPropagation, which the root gets once it is "/" (below): pivot_root refuses a shared root (or
   * parent) with EINVAL, and an unbindable tree cannot be bound onto itself. */
  unsigned long first = (plan->rootfs_propagation & MS_PRIVATE) ? MS_PRIVATE : MS_SLAVE;
  if (mount(NULL, "/", NULL, MS_REC | first, NULL) != 0) ck_fail(plan, "set rootfs propagation", errno, "/", 1);
  /* pivot_root needs the new root to be a mount point. A rootfs that already is one (an overlay the engine mounted
   * there) is used as it is: this namespace's copy of it is already slave or private like every other mount here,
   * and its submounts came with the copy. Binding it onto itself only cost a copy_tree. */
  if (!ck_is_mount_root(plan->rootfs) && mount(plan->rootfs, plan->rootfs, NULL, MS_BIND | MS_REC, NULL) != 0)
    ck_fail(plan, "bind rootfs", errno, plan->rootfs, 1);
  ck_open_root(plan);
  for (int i = 0; i < plan->mount_count; i++) {
    ck_mount_one(plan, ns, i);
    /* A mount onto the rootfs itself hides what the descriptor refers to: take the new top. */
    const char *d = plan->mounts[i].destination;
    while (*d == '/') d++;
    if (*d == '\0') ck_open_root(plan);
  }
  /* Device nodes get their modes as the plan says, not less the umask. */
  umask(0);
  char dir_path[CK_PATH] = "";
  int dir = -1;
  for (int i = 0; i < plan->device_count; i++) ck_make_device(plan, ns, i, dir_path, &dir);
  if (dir >= 0) close(dir);
  umask(022);
  if (plan->dev_symlinks) ck_dev_symlinks(plan);
  /* Before the masked and read-only paths: podman's /proc/sys is read-only, and its sysctls are written first. */
  ck_write_sysctls(plan);
  ck_mask_paths(plan);
  ck_before_root(plan);

  /* A working directory the image lacks is made (root's, 0755), as runc makes it for Docker's `-w`: resolved in the
   * rootfs like every other path, after the mounts (it may lie in a volume) and before the rootfs turns read-only. */
  if (plan->cwd != NULL) {
    int cwd = ck_resolve(plan->cwd, CK_DEST_DIR, 1);
    if (cwd < 0) ck_fail(plan, "cwd", errno, plan->cwd, 1);
    close(cwd);
  }

  if (fchdir(ck_root) != 0) ck_fail(plan, "chdir", errno, plan->rootfs, 1);
  ns->enter_root(plan, ck_root);
  close(ck_root);
  ck_root = -1;
  if (chdir("/") != 0) ck_fail(plan, "chdir", errno, "/", 1);
  if ((plan->rootfs_propagation & (MS_SHARED | MS_UNBINDABLE)) &&
      mount(NULL, "/", NULL, plan->rootfs_propagation, NULL) != 0)
    ck_fail(plan, "set rootfs propagation", errno, "/", 1);
}

void ck_chroot_rootfs(const struct ck_plan *plan) {
  ck_before_root(plan);
  if (chdir(plan->rootfs) != 0) ck_fail(plan, "chdir", errno, plan->rootfs, 1);
  if (chroot(".") != 0) ck_fail(plan, "chroot", errno, plan->rootfs, 1);
  if (chdir("/") != 0) ck_fail(plan, "chdir", errno, "/", 1);
}

void ck_finish_rootfs(const struct ck_plan *plan) {
  if (plan->rootfs_readonly) {
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | ck_locked_flags("/");
    if (mount(NULL, "/", NULL, flags, NULL) != 0) ck_fail(plan, "make rootfs readonly", errno, "/", 1);
  }
}
