/* A running container's root file system replaced under its init (ContainerSandbox's reset and snapshot).
 *
 * A sandbox's reset swaps its overlay's upper directory for an empty one. Making a new init for that (namespaces,
 * a network namespace, cgroups, every mount) costs as much as a start; here the init, its namespaces and cgroup
 * stay, and only the root mount changes. A threaded process cannot setns() into a mount namespace, so a helper
 * does it: cloned with CLONE_VM | CLONE_VFORK (no page table copied; the calling thread waits for it), it enters
 * the container's mount namespace, stacks the new root on the old one, moves the old root's top-level submounts
 * (/proc, /dev, /sys, binds: their subtrees go with them) onto it, creating their mount points, and pivots:
 * pivot_root moves every process whose root or cwd was the old root (the init) to the new one, and the old root,
 * then stacked on the new, is detached. setns and exec start at the namespace's topmost root mount: the new one.
 *
 * Before the swap, the helper also enters the container's IPC namespace (when it has its own) and removes every
 * System V IPC object left there (shared memory, semaphore sets, message queues): a fresh container has none,
 * and the processes that made them are dead by then. They are listed by index (SHM_INFO and SHM_STAT_ANY, and
 * the same for the others), without reading /proc/sysvipc.
 *
 * The helper runs system calls only, on a stack in the caller's frame, with every signal blocked. */
#define _GNU_SOURCE
#include "internal.h"
#include "mountapi.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

struct ck_swap {
  int mntns;
  int ipcns;
  int tree;
  const char *const *paths;
  int count;
  int err;
  const char *step;
  const char *object;
};

static int ck_swap_failed(struct ck_swap *s, const char *step, const char *object) {
  s->err = errno;
  s->step = step;
  s->object = object;
  return 1;
}

/* The mount point for `path` (absolute, inside the container) below `root`: its missing directories made, and
 * the last component a directory or, for a file's bind, an empty file, as the runtime made it in the old root.
 * No symlink is followed. Returns an O_PATH descriptor of it, or -1. */
static int ck_swap_mount_point(int root, const char *path, int directory) {
  char name[256];
  int dir = dup(root);
  while (dir >= 0) {
    while (*path == '/') path++;
    size_t n = 0;
    while (path[n] != '\0' && path[n] != '/') n++;
    if (n == 0) return dir;
    if (n >= sizeof name) {
      close(dir);
      errno = ENAMETOOLONG;
      return -1;
    }
    memcpy(name, path, n);
    name[n] = '\0';
    path += n;
    while (*path == '/') path++;
    int last = *path == '\0';
    /* A file's mount point is made by mknodat, never opened for anything but O_PATH: what the image or a sandbox
     * process left there (a FIFO would block an open for writing forever, a device node would be opened from the
     * host) is only looked at. */
    int made = last && !directory ? mknodat(dir, name, S_IFREG | 0644, 0) : mkdirat(dir, name, 0755);
    if (made != 0 && errno != EEXIST) {
      close(dir);
      return -1;
    }
    int next = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC | (last && !directory ? 0 : O_DIRECTORY));
    int e = errno;
    close(dir);
    errno = e;
    if (last && !directory && next >= 0) {
      /* As rootfs.c's ck_create_in: a file is bound onto a regular file only (not a FIFO, socket, device). */
      struct stat st;
      int ok = fstat(next, &st) == 0;
      if (!ok || !S_ISREG(st.st_mode)) {
        e = ok ? EEXIST : errno;
        close(next);
        errno = e;
        return -1;
      }
    }
    if (last) return next;
    dir = next;
  }
  return -1;
}

/* glibc leaves semctl's fourth argument for the caller to define. */
union ck_semun {
  struct semid_ds *buf;
  struct seminfo *info;
};

/* Removes every System V IPC object of the caller's IPC namespace. SHM_INFO, MSG_INFO and SEM_INFO return the
 * highest index in use; *_STAT_ANY turns an index into its object's id whatever the object's permissions. An object
 * gone meanwhile (EINVAL, EIDRM) is skipped. */
static void ck_swap_remove_ipc(void) {
  struct shm_info shm_info;
  struct shmid_ds shm;
  int last = shmctl(0, SHM_INFO, (struct shmid_ds *)&shm_info);
  for (int i = 0; i <= last; i++) {
    int id = shmctl(i, SHM_STAT_ANY, &shm);
    if (id >= 0) shmctl(id, IPC_RMID, NULL);
  }
  struct msginfo msg_info;
  struct msqid_ds msg;
  last = msgctl(0, MSG_INFO, (struct msqid_ds *)&msg_info);
  for (int i = 0; i <= last; i++) {
    int id = msgctl(i, MSG_STAT_ANY, &msg);
    if (id >= 0) msgctl(id, IPC_RMID, NULL);
  }
  struct seminfo sem_info;
  struct semid_ds sem;
  last = semctl(0, 0, SEM_INFO, (union ck_semun){.info = &sem_info});
  for (int i = 0; i <= last; i++) {
    int id = semctl(i, 0, SEM_STAT_ANY, (union ck_semun){.buf = &sem});
    if (id >= 0) semctl(id, 0, IPC_RMID);
  }
}

static int ck_swap_child(void *arg) {
  struct ck_swap *s = arg;
  if (s->ipcns >= 0) {
    if (setns(s->ipcns, CLONE_NEWIPC) != 0) return ck_swap_failed(s, "setns", "IPC namespace");
    ck_swap_remove_ipc();
  }
  if (setns(s->mntns, CLONE_NEWNS) != 0) return ck_swap_failed(s, "setns", "mount namespace");
  /* Our root is now the namespace's: the old root file system, through which the submounts are reached. */
  int old = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (old < 0) return ck_swap_failed(s, "open", "/");
  if (syscall(SYS_move_mount, s->tree, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) != 0)
    return ck_swap_failed(s, "attach the new root", "/");
  for (int i = 0; i < s->count; i++) {
    int from = ck_open_in_root(old, s->paths[i], O_PATH | O_NOFOLLOW);
    if (from < 0) return ck_swap_failed(s, "open", s->paths[i]);
    struct stat st;
    if (fstat(from, &st) != 0) return ck_swap_failed(s, "stat", s->paths[i]);
    int to = ck_swap_mount_point(s->tree, s->paths[i], S_ISDIR(st.st_mode));
    if (to < 0) return ck_swap_failed(s, "make mount point", s->paths[i]);
    if (ck_attach_tree(from, to) != 0) return ck_swap_failed(s, "move mount", s->paths[i]);
    close(from);
    close(to);
  }
  if (fchdir(s->tree) != 0) return ck_swap_failed(s, "chdir", "new root");
  if (syscall(SYS_pivot_root, ".", ".") != 0) return ck_swap_failed(s, "pivot_root", "new root");
  if (umount2(".", MNT_DETACH) != 0) return ck_swap_failed(s, "unmount", "old root");
  return 0;
}

int ck_swap_root(int mntns, int ipcns, const char *new_root, const char *const *paths, int count, const char **step,
                 const char **object) {
  /* The container may share this process's IPC namespace: its objects are then not the container's to remove. */
  struct stat theirs, ours;
  if (ipcns >= 0 && fstat(ipcns, &theirs) == 0 && stat("/proc/self/ns/ipc", &ours) == 0 &&
      theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino)
    ipcns = -1;
  struct ck_swap s = {
      .mntns = mntns, .ipcns = ipcns, .paths = paths, .count = count, .step = "clone", .object = new_root};
  *step = "open_tree";
  *object = new_root;
  s.tree = ck_tree(AT_FDCWD, new_root, 0);
  if (s.tree < 0) return -errno;
  /* A clone of a shared mount is its peer: private, so nothing of the container's reaches the host's tree. */
  if (ck_tree_propagation(s.tree, MS_PRIVATE) != 0) {
    int e = errno;
    close(s.tree);
    *step = "make private";
    return -e;
  }
  /* The helper's stack: the calling thread waits (CLONE_VFORK) until the helper has exited. */
  enum { size = 64 * 1024 };
  char stack[size] __attribute__((aligned(64)));
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = clone(ck_swap_child, stack + size, CLONE_VM | CLONE_VFORK, &s);
  int err = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  int status = 0;
  if (pid > 0) {
    while (waitpid(pid, &status, __WCLONE) < 0 && errno == EINTR) {
    }
  }
  close(s.tree);
  if (pid < 0) {
    *step = "clone";
    return -err;
  }
  *step = s.step;
  *object = s.object;
  if (s.err != 0) return -s.err;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

dev_t ck_dev_number(unsigned int major, unsigned int minor) { return makedev(major, minor); }
