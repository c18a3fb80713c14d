/* test-clone3-vm.c: sv_clone3_vm (core/common/clone3-vm.c), the start of a child that shares
 * our memory: it runs its function on its own stack, sees and changes our memory, exits with
 * the function's value, and a refused clone3 makes no child and says why. */
#include "clone3-vm.h"

#include <glib.h>
#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define STACK_SIZE (256u << 10)

static volatile int seen_by_child;

static int
child_main (void *arg)
{
  int value = *(int *) arg;

  /* Our memory: the parent reads this after the child exited. */
  seen_by_child = value;
  return value + 1;
}

static void
test_child_shares_memory (void)
{
  char *stack = mmap (NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  struct clone_args args = { .flags = CLONE_VM,
                             .exit_signal = SIGCHLD,
                             .stack = (guint64) (guintptr) stack,
                             .stack_size = STACK_SIZE };
  int value = 41, status = 0;
  long pid;

  g_assert_true (stack != MAP_FAILED);
  seen_by_child = 0;
  pid = sv_clone3_vm (&args, child_main, &value);
  if (pid == -ENOSYS)
    {
      munmap (stack, STACK_SIZE);
      g_test_skip ("clone3 with CLONE_VM is not built for this architecture or kernel");
      return;
    }
  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (waitpid ((pid_t) pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 42);
  g_assert_cmpint (seen_by_child, ==, 41);
  munmap (stack, STACK_SIZE);
}

static void
test_refused_makes_no_child (void)
{
  /* CLONE_THREAD without CLONE_SIGHAND: EINVAL from every kernel with clone3. */
  struct clone_args args = { .flags = CLONE_VM | CLONE_THREAD, .exit_signal = 0 };
  int value = 0;
  long pid;

  errno = 0;
  pid = sv_clone3_vm (&args, child_main, &value);
  if (pid == -ENOSYS)
    {
      g_test_skip ("clone3 with CLONE_VM is not built for this architecture or kernel");
      return;
    }
  g_assert_cmpint (pid, ==, -EINVAL);
  g_assert_cmpint (errno, ==, 0);
  g_assert_cmpint (waitpid (-1, NULL, WNOHANG), ==, -1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/clone3-vm/child-shares-memory", test_child_shares_memory);
  g_test_add_func ("/clone3-vm/refused-makes-no-child", test_refused_makes_no_child);
  return g_test_run ();
}
