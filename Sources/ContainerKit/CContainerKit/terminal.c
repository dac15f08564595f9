/* The container's terminal, allocated as runc and crun do: from the container's own devpts instance, once its
 * rootfs is in place, so its /dev/pts lists the terminal and ttyname() names a path that exists inside. Runs in
 * the child: system calls only. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* The master travels to the parent on the sync socket, attached to a CK_MSG_TERMINAL message. */
static void ck_send_master(const struct ck_plan *plan, int master) {
  struct ck_message msg;
  memset(&msg, 0, sizeof msg);
  msg.kind = CK_MSG_TERMINAL;
  ck_join(msg.step, sizeof msg.step, "terminal", NULL);
  int r = ck_send_with_fd(plan->sync_fd, &msg, sizeof msg, master);
  if (r != 0) ck_fail(plan, "send terminal", -r, "sync socket", 1);
}

/* The slave on /dev/console: programs that write to the console reach the terminal. After pivot_root, so every
 * path resolves inside the container; still, /dev is the image's when the plan mounts none, so /dev/console is
 * made in the resolved /dev (never following a link there) and the slave's own mount attached onto it. */
static void ck_bind_console(const struct ck_plan *plan, int slave) {
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int dev = root < 0 ? -1 : ck_open_in_root(root, "dev", O_PATH | O_DIRECTORY);
  if (dev < 0) ck_fail(plan, "create", errno, "/dev", 1);
  int console = openat(dev, "console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (console < 0 && errno == EEXIST) console = ck_open_in_root(root, "dev/console", O_PATH);
  if (console < 0) ck_fail(plan, "create", errno, "/dev/console", 1);
  int tree = ck_tree(slave, NULL, 0);
  if (tree < 0 || ck_attach_tree(tree, console) != 0) ck_fail(plan, "bind console", errno, "/dev/console", 1);
  close(tree);
  close(console);
  close(dev);
  close(root);
}

int ck_open_terminal(const struct ck_plan *plan) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) ck_fail(plan, "open terminal", errno, "/dev/ptmx", 1);
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) != 0) ck_fail(plan, "unlock terminal", errno, "/dev/ptmx", 1);
  unsigned int index = 0;
  if (ioctl(master, TIOCGPTN, &index) != 0) ck_fail(plan, "open terminal", errno, "/dev/ptmx", 1);
  char num[24], slave_path[64];
  ck_itoa(num, sizeof num, (long)index);
  ck_join(slave_path, sizeof slave_path, "/dev/pts/", num);
  /* From the master itself rather than by path: no other file can stand in at /dev/pts/N. */
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) slave = open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) ck_fail(plan, "open terminal", errno, slave_path, 1);
  if (plan->terminal_rows != 0 || plan->terminal_cols != 0) {
    struct winsize ws;
    memset(&ws, 0, sizeof ws);
    ws.ws_row = plan->terminal_rows;
    ws.ws_col = plan->terminal_cols;
    if (ioctl(master, TIOCSWINSZ, &ws) != 0) ck_fail(plan, "set terminal size", errno, slave_path, 1);
  }
  /* The program's user owns its terminal, as with runc; a refusal (unmapped ids) leaves it root's. */
  if (plan->uid != 0) (void)fchown(slave, plan->uid, (gid_t)-1);
  if (plan->console_mount) ck_bind_console(plan, slave);
  ck_send_master(plan, master);
  close(master);
  return slave;
}
