#ifndef CCONTAINERKIT_H
#define CCONTAINERKIT_H
/* The post-clone child of a container, in C: filled in by the runtime issue. */
int ck_placeholder(void);
#endif
