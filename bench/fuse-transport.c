/* fuse-transport: what the kernel's FUSE transport alone costs a read, over /dev/fuse or over
 * io_uring (bench/fuse-transport-bench.sh runs it; see bench/README.md).
 *
 *   fuse-transport serve MOUNTPOINT dev|uring   serve one file, "f", until SIGTERM
 *   fuse-transport resend MOUNTPOINT dev|uring  a restart with a read in flight (below)
 *
 * serve mounts a FUSE file system with one 26-byte file (direct I/O, as sysvisor-fs serves its
 * files) and answers its requests with no library: "dev" on one thread reading /dev/fuse,
 * sysvisor-fs's one listener; "uring" on one thread per CPU, pinned there, each with its own
 * io_uring and one ring entry for that CPU's queue (the kernel's fuse.enable_uring must be Y),
 * the /dev/fuse thread answering INIT and what the kernel still sends that way.  On SIGTERM
 * it prints "requests N ring R cpu_s S" (R: answered through the rings) and exits; unmounting
 * is the caller's (the readers are procfs-read-loop's -t mode).  resend mounts, lets a first
 * server take a reader's READ and never answer it, kills that server, starts a second one that
 * sends FUSE_NOTIFY_RESEND, and prints "resend dev|uring: answered" if the read then completes
 * within 5 s, "lost" if not (the mount is then forced off, which ends the read).
 *
 * The io_uring protocol (kernel >= 6.14, fs/fuse/dev_uring.c): each entry registers a header
 * buffer (the request's fuse_in_header, the opcode's first argument, the entry's in/out
 * record) and a payload buffer (the other arguments) with FUSE_IO_URING_CMD_REGISTER; a
 * request comes as that command's completion; the answer (fuse_out_header in the header
 * buffer, its arguments in the payload) goes back with FUSE_IO_URING_CMD_COMMIT_AND_FETCH,
 * which also waits for the next request.  The kernel queues a request on the queue of the CPU
 * its caller runs on. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <linux/io_uring.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The io_uring part of the FUSE ABI (7.42), newer than this system's linux/fuse.h. */
#define URING_CMD_REGISTER 1
#define URING_CMD_COMMIT_AND_FETCH 2
struct uring_ent_in_out
{
  uint64_t flags;
  uint64_t commit_id;
  uint32_t payload_sz;
  uint32_t padding;
  uint64_t reserved;
};
struct uring_req_header
{
  char in_out[128];
  char op_in[128];
  struct uring_ent_in_out ent;
};
struct uring_cmd_req
{
  uint64_t flags;
  uint64_t commit_id;
  uint16_t qid;
  uint8_t padding[6];
};

#define PAYLOAD_SIZE (1 << 20)
#define REQUEST_MAX (PAYLOAD_SIZE + 4096)
#define REPLY_MAX (1 << 17)

static int fuse_fd;
static const char file_text[] = "0.12 0.34 0.56 1/234 5678\n";
static atomic_long requests, ring_requests;
static atomic_int init_done;
static int hang_reads; /* resend: the first server never answers a READ */

static void
fill_attr (struct fuse_attr *a, uint64_t ino)
{
  memset (a, 0, sizeof *a);
  a->ino = ino;
  a->mode = ino == FUSE_ROOT_ID ? (S_IFDIR | 0755) : (S_IFREG | 0444);
  a->nlink = ino == FUSE_ROOT_ID ? 2 : 1;
  a->blksize = 4096;
}

static long
answer_init (const struct fuse_init_in *in, struct fuse_init_out *o)
{
  memset (o, 0, sizeof *o);
  o->major = FUSE_KERNEL_VERSION;
  o->minor = in->minor < FUSE_KERNEL_MINOR_VERSION ? in->minor : FUSE_KERNEL_MINOR_VERSION;
  o->max_readahead = in->max_readahead;
  o->max_write = REPLY_MAX;
  o->max_background = 16;
  o->congestion_threshold = 12;
  o->time_gran = 1;
  return sizeof *o;
}

static long
answer_lookup (const struct fuse_in_header *in, const char *name, struct fuse_entry_out *e,
               int *err)
{
  if (in->nodeid != FUSE_ROOT_ID || strcmp (name, "f") != 0)
    {
      *err = -ENOENT;
      return 0;
    }
  memset (e, 0, sizeof *e);
  e->nodeid = 2;
  e->entry_valid = e->attr_valid = 86400;
  fill_attr (&e->attr, 2);
  return sizeof *e;
}

static long
answer_read (const struct fuse_read_in *r, char *out)
{
  size_t len = sizeof file_text - 1, n;
  if (r->offset >= len)
    return 0;
  n = len - r->offset < r->size ? len - r->offset : r->size;
  memcpy (out, file_text + r->offset, n);
  return (long) n;
}

/* One request (its header and arguments, contiguous): the answer's arguments go to out and
 * their size is returned, or *err is set; -1: no answer (forgets, interrupts). */
static long
answer (const struct fuse_in_header *in, const char *arg, char *out, int *err)
{
  *err = 0;
  atomic_fetch_add (&requests, 1);
  switch (in->opcode)
    {
    case FUSE_INIT:
      atomic_store (&init_done, 1);
      return answer_init ((const void *) arg, (void *) out);
    case FUSE_LOOKUP:
      return answer_lookup (in, arg, (void *) out, err);
    case FUSE_GETATTR:
      {
        struct fuse_attr_out *a = (void *) out;
        memset (a, 0, sizeof *a);
        a->attr_valid = 86400;
        fill_attr (&a->attr, in->nodeid);
        return sizeof *a;
      }
    case FUSE_OPEN:
      {
        struct fuse_open_out *o = (void *) out;
        memset (o, 0, sizeof *o);
        o->open_flags = FOPEN_DIRECT_IO;
        return sizeof *o;
      }
    case FUSE_READ:
      while (hang_reads)
        pause ();
      return answer_read ((const void *) arg, out);
    case FUSE_RELEASE:
    case FUSE_DESTROY:
      return 0;
    case FUSE_FORGET:
    case FUSE_BATCH_FORGET:
    case FUSE_INTERRUPT:
      return -1;
    default:
      *err = -ENOSYS;
      return 0;
    }
}

static void *
dev_thread (void *unused)
{
  static char buf[REQUEST_MAX], out[REPLY_MAX];
  (void) unused;
  for (;;)
    {
      ssize_t n = read (fuse_fd, buf, sizeof buf);
      if (n < 0 && errno == ENODEV)
        exit (0);
      if (n < (ssize_t) sizeof (struct fuse_in_header))
        continue;
      const struct fuse_in_header *in = (const void *) buf;
      int err;
      long len = answer (in, buf + sizeof *in, out, &err);
      if (len < 0)
        continue;
      len = err ? 0 : len;
      struct fuse_out_header oh = { .len = sizeof oh + len, .error = err, .unique = in->unique };
      struct iovec iov[2] = { { &oh, sizeof oh }, { out, len } };
      if (writev (fuse_fd, iov, 2) < 0 && errno != ENOENT)
        perror ("fuse-transport: writev /dev/fuse");
    }
  return NULL;
}

typedef struct
{
  int fd;
  unsigned *sq_tail, *sq_mask, *sq_array;
  unsigned *cq_head, *cq_tail, *cq_mask;
  struct io_uring_cqe *cqes;
  char *sqes;
} Ring;

static void *
ring_map (int fd, size_t size, off_t what)
{
  void *p = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, what);
  if (p == MAP_FAILED)
    {
      perror ("fuse-transport: mmap of the io_uring");
      exit (1);
    }
  return p;
}

static void
ring_setup (Ring *r)
{
  struct io_uring_params p;
  memset (&p, 0, sizeof p);
  p.flags = IORING_SETUP_SQE128; /* the FUSE command is 128-byte SQE's */
  r->fd = (int) syscall (__NR_io_uring_setup, 4, &p);
  if (r->fd < 0)
    {
      perror ("fuse-transport: io_uring_setup");
      exit (1);
    }
  char *sq =
      ring_map (r->fd, p.sq_off.array + p.sq_entries * sizeof (unsigned), IORING_OFF_SQ_RING);
  char *cq = ring_map (r->fd, p.cq_off.cqes + p.cq_entries * sizeof (struct io_uring_cqe),
                       IORING_OFF_CQ_RING);
  r->sqes = ring_map (r->fd, p.sq_entries * 128, IORING_OFF_SQES);
  r->sq_tail = (void *) (sq + p.sq_off.tail);
  r->sq_mask = (void *) (sq + p.sq_off.ring_mask);
  r->sq_array = (void *) (sq + p.sq_off.array);
  r->cq_head = (void *) (cq + p.cq_off.head);
  r->cq_tail = (void *) (cq + p.cq_off.tail);
  r->cq_mask = (void *) (cq + p.cq_off.ring_mask);
  r->cqes = (void *) (cq + p.cq_off.cqes);
}

/* Queue one FUSE command for the entry whose buffers iov names, submit it and wait for the
 * next completion: a request in the entry (0) or an error (-errno). */
static int
ring_command (Ring *r, unsigned op, struct iovec *iov, uint64_t commit_id, unsigned qid)
{
  unsigned tail = *r->sq_tail, idx = tail & *r->sq_mask, head;
  struct io_uring_sqe *sqe = (void *) (r->sqes + (size_t) idx * 128);
  struct uring_cmd_req *cmd = (void *) sqe->cmd;
  memset (sqe, 0, 128);
  sqe->opcode = IORING_OP_URING_CMD;
  sqe->fd = fuse_fd;
  sqe->cmd_op = op;
  sqe->addr = (uintptr_t) iov;
  sqe->len = 2;
  cmd->commit_id = commit_id;
  cmd->qid = (uint16_t) qid;
  r->sq_array[idx] = idx;
  __atomic_store_n (r->sq_tail, tail + 1, __ATOMIC_RELEASE);
  if (syscall (__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
    return -errno;
  for (;;)
    {
      head = *r->cq_head;
      if (head != __atomic_load_n (r->cq_tail, __ATOMIC_ACQUIRE))
        break;
      if (syscall (__NR_io_uring_enter, r->fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0
          && errno != EINTR)
        return -errno;
    }
  int res = r->cqes[head & *r->cq_mask].res;
  __atomic_store_n (r->cq_head, head + 1, __ATOMIC_RELEASE);
  return res;
}

/* The request in an entry, made contiguous as /dev/fuse gives it: its in_header.len less the
 * payload is the opcode's first argument, in op_in. */
static const struct fuse_in_header *
entry_request (const struct uring_req_header *h, const char *payload, char *buf)
{
  const struct fuse_in_header *in = (const void *) h->in_out;
  size_t first = in->len - sizeof *in - h->ent.payload_sz;
  memcpy (buf, in, sizeof *in);
  memcpy (buf + sizeof *in, h->op_in, first);
  memcpy (buf + sizeof *in + first, payload, h->ent.payload_sz);
  return (const void *) buf;
}

static void *
ring_thread (void *arg)
{
  char *buf = malloc (REQUEST_MAX), *out = malloc (REPLY_MAX);
  unsigned qid = (unsigned) (uintptr_t) arg;
  cpu_set_t cpus;
  Ring r;
  CPU_ZERO (&cpus);
  CPU_SET (qid, &cpus);
  sched_setaffinity (0, sizeof cpus, &cpus);
  ring_setup (&r);
  struct uring_req_header *h = calloc (1, sizeof *h);
  char *payload = calloc (1, PAYLOAD_SIZE);
  struct iovec iov[2] = { { h, sizeof *h }, { payload, PAYLOAD_SIZE } };
  int res = ring_command (&r, URING_CMD_REGISTER, iov, 0, qid);
  while (res == 0)
    {
      const struct fuse_in_header *in = entry_request (h, payload, buf);
      uint64_t unique = in->unique, commit_id = h->ent.commit_id;
      int err;
      long len = answer (in, buf + sizeof *in, out, &err);
      atomic_fetch_add (&ring_requests, 1);
      len = len < 0 || err ? 0 : len;
      struct fuse_out_header *oh = (void *) h->in_out;
      *oh = (struct fuse_out_header){ .len = sizeof *oh + len, .error = err, .unique = unique };
      memcpy (payload, out, len);
      h->ent.payload_sz = (uint32_t) len;
      res = ring_command (&r, URING_CMD_COMMIT_AND_FETCH, iov, commit_id, qid);
    }
  if (res != -ENOTCONN && res != -ECANCELED)
    fprintf (stderr, "fuse-transport: ring of cpu %u: %s\n", qid, strerror (-res));
  return NULL;
}

static void
on_term (int sig)
{
  struct rusage ru;
  (void) sig;
  getrusage (RUSAGE_SELF, &ru);
  printf ("requests %ld ring %ld cpu_s %.3f\n", atomic_load (&requests),
          atomic_load (&ring_requests),
          ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
              + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
  fflush (stdout);
  _exit (0);
}

static int
mount_fuse (const char *mountpoint)
{
  char opts[128];
  fuse_fd = open ("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fuse_fd < 0)
    {
      perror ("fuse-transport: /dev/fuse");
      return -1;
    }
  snprintf (opts, sizeof opts, "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", fuse_fd);
  if (mount ("fuse-transport", mountpoint, "fuse.fuse-transport", MS_NOSUID | MS_NODEV, opts) < 0)
    {
      perror ("fuse-transport: mount");
      return -1;
    }
  return 0;
}

/* A server's threads; the rings register once INIT is answered (by this process or an
 * earlier one).  With resend, the server then asks the kernel for the requests an earlier
 * server had taken (FUSE_NOTIFY_RESEND, 7 in the ABI since 7.40). */
static void
serve_threads (int uring, int resend)
{
  pthread_t t;
  signal (SIGTERM, on_term);
  pthread_create (&t, NULL, dev_thread, NULL);
  if (uring)
    {
      for (int i = 0; i < 500 && !resend && !atomic_load (&init_done); i++)
        usleep (10000);
      long ncpu = sysconf (_SC_NPROCESSORS_CONF);
      for (long q = 0; q < ncpu; q++)
        pthread_create (&t, NULL, ring_thread, (void *) (uintptr_t) q);
      usleep (300000); /* registered */
    }
  struct fuse_out_header oh = { .len = sizeof oh, .error = 7, .unique = 0 };
  if (resend && write (fuse_fd, &oh, sizeof oh) != sizeof oh)
    perror ("fuse-transport: FUSE_NOTIFY_RESEND");
  for (;;)
    pause ();
}

static int
serve (const char *mountpoint, int uring)
{
  if (mount_fuse (mountpoint) < 0)
    return 1;
  serve_threads (uring, 0);
  return 0;
}

static pid_t
fork_server (int uring, int resend, int hang)
{
  pid_t pid = fork ();
  if (pid == 0)
    {
      hang_reads = hang;
      serve_threads (uring, resend);
    }
  return pid;
}

static int
reader_done (pid_t reader, double seconds)
{
  int status;
  for (int i = 0; i < seconds * 20; i++)
    {
      if (waitpid (reader, &status, WNOHANG) == reader)
        return WIFEXITED (status) && WEXITSTATUS (status) == 0;
      usleep (50000);
    }
  return -1;
}

/* A read held by a server that is then killed: does the next server, which sends
 * FUSE_NOTIFY_RESEND, get it and answer it?  Prints "resend TRANSPORT: answered|lost". */
static int
resend_test (const char *mountpoint, int uring)
{
  char path[4096], buf[64];
  struct stat st;
  if (mount_fuse (mountpoint) < 0)
    return 1;
  snprintf (path, sizeof path, "%s/f", mountpoint);
  pid_t first = fork_server (uring, 0, 1), reader;
  stat (path, &st);
  usleep (500000); /* the first server's rings registered */
  if ((reader = fork ()) == 0)
    {
      int fd = open (path, O_RDONLY);
      _exit (fd >= 0 && read (fd, buf, sizeof buf) > 0 ? 0 : 1);
    }
  int held = reader_done (reader, 1) < 0;
  kill (first, SIGKILL);
  waitpid (first, NULL, 0);
  pid_t next = fork_server (uring, 1, 0);
  int answered = held && reader_done (reader, 5) == 1;
  printf ("resend %s: %s\n", uring ? "uring" : "dev",
          !held      ? "not held (bench bug)"
          : answered ? "answered"
                     : "lost");
  kill (next, SIGKILL);
  waitpid (next, NULL, 0);
  umount2 (mountpoint, MNT_FORCE); /* aborts the connection: a lost read ends */
  umount2 (mountpoint, MNT_DETACH);
  waitpid (reader, NULL, 0);
  return held ? 0 : 1;
}

int
main (int argc, char **argv)
{
  int uring = argc == 4 && strcmp (argv[3], "uring") == 0;
  if (argc == 4 && (uring || strcmp (argv[3], "dev") == 0))
    {
      if (strcmp (argv[1], "serve") == 0)
        return serve (argv[2], uring);
      if (strcmp (argv[1], "resend") == 0)
        return resend_test (argv[2], uring);
    }
  fprintf (stderr, "usage: fuse-transport serve|resend MOUNTPOINT dev|uring\n");
  return 2;
}
