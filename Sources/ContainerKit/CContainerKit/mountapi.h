#ifndef CK_MOUNTAPI_H
#define CK_MOUNTAPI_H
/* The new mount API's flags (open_tree, move_mount: Linux 5.2), for C library headers that predate them. One
 * place for the template strategy (mntns.c) and the mounts made by descriptor (mounts.c). */
#include <fcntl.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#endif
