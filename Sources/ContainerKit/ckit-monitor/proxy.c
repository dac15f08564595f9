#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

/* "FD:PROTO:IP:PORT": a socket ckit bound (so port conflicts were reported before anything started), and where
 * connections go. */
int proxy_parse(struct proxy *p, const char *spec) {
  char proto[8], ip[64];
  int fd, port;
  if (sscanf(spec, "%d:%7[a-z]:%63[0-9.]:%d", &fd, proto, ip, &port) != 4) return -1;
  if (fd < 3 || port <= 0 || port > 65535) return -1;
  struct in_addr a;
  if (inet_pton(AF_INET, ip, &a) != 1) return -1;
  if (strcmp(proto, "tcp") == 0) p->udp = 0;
  else if (strcmp(proto, "udp") == 0) p->udp = 1;
  else return -1;
  p->listen_fd = fd;
  p->target_ip = a.s_addr;
  p->target_port = htons((uint16_t)port);
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return 0;
}

/* Copies both ways until both directions are closed, passing half-closes on with shutdown(). */
static void relay(int a, int b) {
  char buf[16384];
  int open_a = 1, open_b = 1;
  while (open_a || open_b) {
    struct pollfd fds[2] = {{a, open_a ? POLLIN : 0, 0}, {b, open_b ? POLLIN : 0, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < 2; i++) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      int from = i == 0 ? a : b, to = i == 0 ? b : a;
      ssize_t n = read(from, buf, sizeof(buf));
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        shutdown(to, SHUT_WR);
        if (i == 0) open_a = 0; else open_b = 0;
        if (n < 0) return;
        continue;
      }
      for (ssize_t off = 0; off < n;) {
        ssize_t w = write(to, buf + off, (size_t)(n - off));
        if (w < 0) {
          if (errno == EINTR) continue;
          return;
        }
        off += w;
      }
    }
  }
}

void proxy_accept(struct proxy *p, int *close_in_child, int nclose) {
  int c = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0) return;
  pid_t pid = fork();
  if (pid == 0) {
    (void)close_in_child;
    (void)nclose;
    /* Only this connection: a lingering copy of a listening socket would keep the port taken after stop. */
    for (int fd = 3; fd < 1024; fd++)
      if (fd != c) close(fd);
    signal(SIGCHLD, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = p->target_port, .sin_addr = {p->target_ip}};
    /* The server may still be starting: retry briefly, as a client would see a slow accept. */
    for (int tries = 0; t >= 0 && connect(t, (struct sockaddr *)&sa, sizeof(sa)) != 0; tries++) {
      if (tries >= 20 || (errno != ECONNREFUSED && errno != EINTR)) _exit(1);
      close(t);
      struct timespec d = {0, 50 * 1000 * 1000};
      nanosleep(&d, NULL);
      t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    }
    if (t < 0) _exit(1);
    relay(c, t);
    _exit(0);
  }
  close(c);
}

/* UDP sessions: one connected socket per client, so replies find their way back; the least recently used is
 * dropped when the table is full. */
#define UDP_SESSIONS 32
static struct {
  struct proxy *owner;
  int fd;
  struct sockaddr_in client;
  time_t last;
} sessions[UDP_SESSIONS];

static int session_for(struct proxy *p, struct sockaddr_in *client) {
  int free_slot = -1, oldest = 0;
  for (int i = 0; i < UDP_SESSIONS; i++) {
    if (sessions[i].owner == p && sessions[i].fd > 0 && sessions[i].client.sin_addr.s_addr == client->sin_addr.s_addr &&
        sessions[i].client.sin_port == client->sin_port)
      return i;
    if (sessions[i].fd <= 0 && free_slot < 0) free_slot = i;
    if (sessions[i].last < sessions[oldest].last) oldest = i;
  }
  int i = free_slot >= 0 ? free_slot : oldest;
  if (sessions[i].fd > 0) close(sessions[i].fd);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = p->target_port, .sin_addr = {p->target_ip}};
  if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    if (fd >= 0) close(fd);
    sessions[i].fd = 0;
    return -1;
  }
  sessions[i].owner = p;
  sessions[i].fd = fd;
  sessions[i].client = *client;
  return i;
}

void proxy_udp_datagram(struct proxy *p) {
  char buf[65536];
  struct sockaddr_in client;
  socklen_t len = sizeof(client);
  ssize_t n = recvfrom(p->listen_fd, buf, sizeof(buf), 0, (struct sockaddr *)&client, &len);
  if (n < 0) return;
  int i = session_for(p, &client);
  if (i < 0) return;
  sessions[i].last = time(NULL);
  send(sessions[i].fd, buf, (size_t)n, 0);
}

int proxy_udp_fds(struct proxy *p, int *fds, int max) {
  int n = 0;
  for (int i = 0; i < UDP_SESSIONS && n < max; i++)
    if (sessions[i].owner == p && sessions[i].fd > 0) fds[n++] = sessions[i].fd;
  return n;
}

void proxy_udp_reply(struct proxy *p, int fd) {
  char buf[65536];
  for (int i = 0; i < UDP_SESSIONS; i++) {
    if (sessions[i].owner != p || sessions[i].fd != fd) continue;
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0) return;
    sessions[i].last = time(NULL);
    sendto(p->listen_fd, buf, (size_t)n, 0, (struct sockaddr *)&sessions[i].client, sizeof(sessions[i].client));
    return;
  }
}
