/* test-seccomp.c: compile OCI seccomp profiles and check what a process that loaded the
 * filter observes.  Each behaviour test forks a child that sets no_new_privs, loads the
 * program with sv_seccomp_load and makes raw syscalls; it reports through its exit code (an
 * errno, or a step number) or dies of the signal the filter sends.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sv-seccomp.h"
#include "json-util.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/* Exit codes of a child that could not even run its probe. */
#define CHILD_NNP_FAILED 250
#define CHILD_LOAD_FAILED 251
/* run_confined() returns this plus the signal for a child killed by a signal. */
#define KILLED_BY 1000

typedef int (*Probe) (gconstpointer data);

static SvSeccompProgram *
compile_profile (const char *json, GError **error)
{
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (JsonNode) root = json_from_string (json, &parse_error);

  g_assert_no_error (parse_error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return sv_seccomp_compile (json_node_get_object (root), "linux.seccomp", error);
}

static SvSeccompProgram *
compile_ok (const char *json)
{
  g_autoptr (GError) error = NULL;
  SvSeccompProgram *prog = compile_profile (json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (prog);
  g_assert_cmpuint (prog->n_filter, >, 0);
  return prog;
}

/* Compile @json, expect it to fail with @domain, @code and a message that starts with
 * @prefix. */
static void
assert_compile_fails_in (const char *json, GQuark domain, int code, const char *prefix)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SvSeccompProgram) prog = compile_profile (json, &error);

  g_assert_null (prog);
  g_assert_error (error, domain, code);
  if (!g_str_has_prefix (error->message, prefix))
    g_error ("message \"%s\" does not start with \"%s\"", error->message, prefix);
}

/* The same for seccomp.c's own checks (G_IO_ERROR); an absent required field is reported by
 * json-util (SV_SPEC_ERROR_MISSING). */
static void
assert_compile_fails (const char *json, int code, const char *prefix)
{
  assert_compile_fails_in (json, G_IO_ERROR, code, prefix);
}

/* Fork a child that loads @prog and exits with @probe's result.  Returns the exit status, or
 * KILLED_BY + the signal that killed it. */
static int
run_confined (const SvSeccompProgram *prog, Probe probe, gconstpointer data)
{
  int status = 0;
  pid_t pid;

  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      struct rlimit no_core = { 0, 0 };

      setrlimit (RLIMIT_CORE, &no_core); /* SIGSYS dumps core by default */
      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        _exit (CHILD_NNP_FAILED);
      if (sv_seccomp_load (prog) != 0)
        _exit (CHILD_LOAD_FAILED);
      /* exit_group directly: a sanitizer's _exit interceptor makes syscalls that the
       * filter may deny */
      syscall (SYS_exit_group, probe (data));
      _exit (CHILD_LOAD_FAILED);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  if (WIFSIGNALED (status))
    return KILLED_BY + WTERMSIG (status);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

/* 0 when the raw syscall succeeded, else its errno. */
static int
errno_of (long rc)
{
  return rc < 0 ? errno : 0;
}

static int
probe_mkdir (gconstpointer data)
{
  return errno_of (syscall (SYS_mkdirat, AT_FDCWD, (const char *) data, 0700));
}

static int
probe_personality (gconstpointer data)
{
  return errno_of (syscall (SYS_personality, *(const unsigned long *) data));
}

/* getpriority(which, who): two harmless arguments to compare. */
typedef struct
{
  unsigned long which, who;
} PriorityCall;

static int
probe_getpriority (gconstpointer data)
{
  const PriorityCall *c = data;

  return errno_of (syscall (SYS_getpriority, c->which, c->who));
}

/* A scratch directory; the child's probe creates @sub inside it. */
typedef struct
{
  char *dir;
  char *sub;
} Scratch;

static void
scratch_init (Scratch *s)
{
  g_autoptr (GError) error = NULL;

  s->dir = g_dir_make_tmp ("sv-seccomp-XXXXXX", &error);
  g_assert_no_error (error);
  s->sub = g_build_filename (s->dir, "sub", NULL);
}

static void
scratch_clear (Scratch *s)
{
  rmdir (s->sub);
  rmdir (s->dir);
  g_clear_pointer (&s->sub, g_free);
  g_clear_pointer (&s->dir, g_free);
}

/* ---- actions and return codes ------------------------------------------------------- */

static void
test_errno_ret_applies (void)
{
  g_autoptr (SvSeccompProgram) prog = compile_ok (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],"
      "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42}]}");
  Scratch s;

  scratch_init (&s);
  g_assert_cmpint (run_confined (prog, probe_mkdir, s.sub), ==, 42);
  g_assert_false (g_file_test (s.sub, G_FILE_TEST_EXISTS));
  scratch_clear (&s);
}

static void
test_errno_ret_defaults_to_eperm (void)
{
  g_autoptr (SvSeccompProgram) prog = compile_ok (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],"
      "\"action\":\"SCMP_ACT_ERRNO\"}]}");
  Scratch s;

  scratch_init (&s);
  g_assert_cmpint (run_confined (prog, probe_mkdir, s.sub), ==, EPERM);
  scratch_clear (&s);
}

static void
test_default_errno_ret_applies (void)
{
  g_autoptr (SvSeccompProgram) prog =
      compile_ok ("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":42,"
                  "\"syscalls\":[{\"names\":[\"exit\",\"exit_group\",\"statx\"],"
                  "\"action\":\"SCMP_ACT_ALLOW\"}]}");
  Scratch s;

  scratch_init (&s);
  g_assert_cmpint (run_confined (prog, probe_mkdir, s.sub), ==, 42);
  scratch_clear (&s);
}

/* As runc: a syscall newer than all the profile names (mkdirat, 258 > exit_group, 231 on
 * x86_64) gets ENOSYS, not the default action. */
static void
test_newer_syscall_gets_enosys (void)
{
  g_autoptr (SvSeccompProgram) prog = compile_ok (
      "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":42,"
      "\"syscalls\":[{\"names\":[\"exit\",\"exit_group\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
  Scratch s;

#if !defined(__x86_64__)
  g_test_skip ("syscall numbers of x86_64");
  return;
#endif
  scratch_init (&s);
  g_assert_cmpint (run_confined (prog, probe_mkdir, s.sub), ==, ENOSYS);
  scratch_clear (&s);
}

static void
test_allowed_syscall_works (void)
{
  g_autoptr (SvSeccompProgram) prog =
      compile_ok ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"rmdir\"],"
                  "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42}]}");
  Scratch s;

  scratch_init (&s);
  g_assert_cmpint (run_confined (prog, probe_mkdir, s.sub), ==, 0);
  g_assert_true (g_file_test (s.sub, G_FILE_TEST_IS_DIR));
  scratch_clear (&s);
}

static void
assert_mkdir_killed (const char *action)
{
  g_autofree char *json = g_strdup_printf (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],"
      "\"action\":\"%s\"}]}",
      action);
  g_autoptr (SvSeccompProgram) prog = compile_ok (json);
  Scratch s;

  scratch_init (&s);
  g_assert_cmpint (run_confined (prog, probe_mkdir, s.sub), ==, KILLED_BY + SIGSYS);
  g_assert_false (g_file_test (s.sub, G_FILE_TEST_EXISTS));
  scratch_clear (&s);
}

static void
test_kill_actions (void)
{
  assert_mkdir_killed ("SCMP_ACT_KILL");
  assert_mkdir_killed ("SCMP_ACT_KILL_THREAD");
  assert_mkdir_killed ("SCMP_ACT_KILL_PROCESS");
  assert_mkdir_killed ("SCMP_ACT_TRAP"); /* SIGSYS, not caught */
}

static void
test_trace_without_tracer (void)
{
  g_autoptr (SvSeccompProgram) prog = compile_ok (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],"
      "\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":7}]}");
  Scratch s;

  /* With no tracer attached the kernel fails the syscall with ENOSYS. */
  scratch_init (&s);
  g_assert_cmpint (run_confined (prog, probe_mkdir, s.sub), ==, ENOSYS);
  scratch_clear (&s);
}

static void
test_log_allows (void)
{
  g_autoptr (SvSeccompProgram) prog = compile_ok (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],"
      "\"action\":\"SCMP_ACT_LOG\"}]}");
  Scratch s;

  scratch_init (&s);
  g_assert_cmpint (run_confined (prog, probe_mkdir, s.sub), ==, 0);
  scratch_clear (&s);
}

static void
test_rule_equal_to_default_skipped (void)
{
  g_autoptr (SvSeccompProgram) allow = compile_ok (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],"
      "\"action\":\"SCMP_ACT_ALLOW\"}]}");
  g_autoptr (SvSeccompProgram) eperm = compile_ok (
      "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
      "{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1},"
      "{\"names\":[\"exit\",\"exit_group\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
  Scratch s;

  scratch_init (&s);
  g_assert_cmpint (run_confined (allow, probe_mkdir, s.sub), ==, 0);
  rmdir (s.sub);
  g_assert_cmpint (run_confined (eperm, probe_mkdir, s.sub), ==, EPERM);
  scratch_clear (&s);
}

static void
test_errno_ret_on_allow_rejected (void)
{
  assert_compile_fails ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                        "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_KILL\"},"
                        "{\"names\":[\"rmdir\"],\"action\":\"SCMP_ACT_LOG\",\"errnoRet\":3}]}",
                        G_IO_ERROR_INVALID_ARGUMENT,
                        "linux.seccomp.syscalls[1].errnoRet: SCMP_ACT_LOG takes no return code");
  assert_compile_fails ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":3}",
                        G_IO_ERROR_INVALID_ARGUMENT,
                        "linux.seccomp.defaultErrnoRet: SCMP_ACT_ALLOW takes no return code");
  assert_compile_fails ("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":70000}",
                        G_IO_ERROR_INVALID_ARGUMENT,
                        "linux.seccomp.defaultErrnoRet: 70000 is out of range");
}

/* ---- errors that name the field ----------------------------------------------------- */

static void
test_unknown_action_names_field (void)
{
  assert_compile_fails ("{\"defaultAction\":\"SCMP_ACT_FOO\"}", G_IO_ERROR_INVALID_ARGUMENT,
                        "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\" (known: ");
  assert_compile_fails ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                        "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"},"
                        "{\"names\":[\"rmdir\"],\"action\":\"allow\"}]}",
                        G_IO_ERROR_INVALID_ARGUMENT,
                        "linux.seccomp.syscalls[1].action: unknown action \"allow\"");
}

static void
test_missing_fields_named (void)
{
  assert_compile_fails_in ("{\"syscalls\":[]}", SV_SPEC_ERROR, SV_SPEC_ERROR_MISSING,
                           "linux.seccomp.defaultAction: required field is missing");
  assert_compile_fails_in ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                           "{\"action\":\"SCMP_ACT_ERRNO\"}]}",
                           SV_SPEC_ERROR, SV_SPEC_ERROR_MISSING,
                           "linux.seccomp.syscalls[0].names: required field is missing");
  assert_compile_fails ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                        "{\"names\":[],\"action\":\"SCMP_ACT_ERRNO\"}]}",
                        G_IO_ERROR_INVALID_ARGUMENT,
                        "linux.seccomp.syscalls[0].names: must name at least one syscall");
  assert_compile_fails ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                        "{\"names\":\"mkdir\",\"action\":\"SCMP_ACT_ERRNO\"}]}",
                        G_IO_ERROR_INVALID_ARGUMENT,
                        "linux.seccomp.syscalls[0].names: must be an array");
  assert_compile_fails ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                        "{\"names\":[\"mkdir\",7],\"action\":\"SCMP_ACT_ERRNO\"}]}",
                        G_IO_ERROR_INVALID_ARGUMENT,
                        "linux.seccomp.syscalls[0].names[1]: must be a string");
  assert_compile_fails ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[\"mkdir\"]}",
                        G_IO_ERROR_INVALID_ARGUMENT,
                        "linux.seccomp.syscalls[0]: must be an object");
}

static void
test_unknown_syscall_names_field (void)
{
  assert_compile_fails ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                        "{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_LOG\"},"
                        "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"},"
                        "{\"names\":[\"rmdir\"],\"action\":\"SCMP_ACT_ERRNO\"},"
                        "{\"names\":[\"chdir\",\"fooo\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
                        G_IO_ERROR_INVALID_ARGUMENT,
                        "linux.seccomp.syscalls[3].names[1]: unknown syscall \"fooo\": ");
}

static void
test_recent_syscall_skipped (void)
{
  /* Real syscalls newer than libseccomp 2.5.4: skipped when libseccomp cannot resolve them,
   * and the other names of the entry still apply. */
  g_autoptr (SvSeccompProgram) prog = compile_ok (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mseal\",\"listns\","
      "\"statmount\",\"mkdir\",\"lsm_list_modules\",\"mkdirat\",\"file_setattr\"],"
      "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42}]}");
  Scratch s;

  scratch_init (&s);
  g_assert_cmpint (run_confined (prog, probe_mkdir, s.sub), ==, 42);
  scratch_clear (&s);
}

static void
test_foreign_syscall_accepted (void)
{
  /* socketcall and set_tls exist on x86 and arm, not on every architecture: libseccomp knows
   * them everywhere and emits nothing where they do not exist. */
  g_autoptr (SvSeccompProgram) prog = compile_ok (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"socketcall\","
      "\"set_tls\",\"s390_runtime_instr\",\"arch_prctl\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");

  g_assert_nonnull (prog);
}

static void
test_notify_needs_listener_path (void)
{
  assert_compile_fails ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                        "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"},"
                        "{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
                        G_IO_ERROR_INVALID_ARGUMENT,
                        "linux.seccomp.syscalls[1]: SCMP_ACT_NOTIFY needs "
                        "linux.seccomp.listenerPath");
  assert_compile_fails ("{\"defaultAction\":\"SCMP_ACT_NOTIFY\","
                        "\"listenerPath\":\"/run/seccomp-agent.sock\"}",
                        G_IO_ERROR_INVALID_ARGUMENT,
                        "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default "
                        "action");
}

static void
test_listener_path_loads_with_listener (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = json_from_string ("{\"defaultAction\":\"SCMP_ACT_ALLOW\","
                                                "\"listenerPath\":\"/run/agent.sock\","
                                                "\"syscalls\":[{\"names\":[\"mount\"],"
                                                "\"action\":\"SCMP_ACT_NOTIFY\"}]}",
                                                NULL);
  g_autoptr (SvSeccompProgram) prog =
      sv_seccomp_compile (json_node_get_object (node), "linux.seccomp", &error);

  g_assert_no_error (error);
  g_assert_true (sv_seccomp_notifies (prog));
}

static void
test_unknown_arch_names_field (void)
{
  assert_compile_fails ("{\"defaultAction\":\"SCMP_ACT_ALLOW\","
                        "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_Z80\"]}",
                        G_IO_ERROR_INVALID_ARGUMENT,
                        "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_Z80\"");
}

static void
test_foreign_archs_accepted (void)
{
  /* Every architecture of a Docker-style archMap, whatever the native one is. */
  g_autoptr (SvSeccompProgram) prog = compile_ok (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\","
      "\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\",\"SCMP_ARCH_AARCH64\",\"SCMP_ARCH_ARM\"],"
      "\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\","
      "\"errnoRet\":42}]}");
  Scratch s;

  scratch_init (&s);
  g_assert_cmpint (run_confined (prog, probe_mkdir, s.sub), ==, 42);
  scratch_clear (&s);
}

static void
test_flags (void)
{
  g_autoptr (SvSeccompProgram) prog = compile_ok (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_TSYNC\","
      "\"SECCOMP_FILTER_FLAG_LOG\",\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],"
      "\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\","
      "\"errnoRet\":42}]}");
  g_autoptr (SvSeccompProgram) none = compile_ok ("{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
  Scratch s;

  g_assert_cmphex (prog->flags, ==,
                   (1u << 0) | (1u << 1) | (1u << 2)); /* TSYNC | LOG | SPEC_ALLOW */
  g_assert_cmphex (none->flags, ==, 0);
  scratch_init (&s);
  g_assert_cmpint (run_confined (prog, probe_mkdir, s.sub), ==, 42);
  scratch_clear (&s);
}

static void
test_unknown_flag_names_field (void)
{
  assert_compile_fails ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":["
                        "\"SECCOMP_FILTER_FLAG_LOG\",\"SECCOMP_FILTER_FLAG_FOO\"]}",
                        G_IO_ERROR_INVALID_ARGUMENT,
                        "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_FOO\"");
  assert_compile_fails ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":["
                        "\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"]}",
                        G_IO_ERROR_NOT_SUPPORTED,
                        "linux.seccomp.flags[0]: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV only "
                        "applies to seccomp notify");
}

/* ---- argument comparisons ----------------------------------------------------------- */

static void
test_args_compare (void)
{
  g_autoptr (SvSeccompProgram) prog = compile_ok (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"personality\"],"
      "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42,"
      "\"args\":[{\"index\":0,\"value\":4294967295,\"op\":\"SCMP_CMP_NE\"}]}]}");
  const unsigned long query = 0xffffffffUL, linux_persona = 0, bsd = 0x0006;

  g_assert_cmpint (run_confined (prog, probe_personality, &query), ==, 0);
  g_assert_cmpint (run_confined (prog, probe_personality, &linux_persona), ==, 42);
  g_assert_cmpint (run_confined (prog, probe_personality, &bsd), ==, 42);
}

static void
test_args_masked_eq (void)
{
  /* value is the mask, valueTwo what the masked argument must equal. */
  g_autoptr (SvSeccompProgram) prog = compile_ok (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"personality\"],"
      "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42,\"args\":[{\"index\":0,"
      "\"value\":4294901760,\"valueTwo\":131072,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}");
  const unsigned long addr_no_randomize = 0x0040000, uname26 = 0x0020000,
                      uname26_linux32 = 0x0020008, query = 0xffffffffUL;

  g_assert_cmpint (run_confined (prog, probe_personality, &uname26), ==, 42);
  g_assert_cmpint (run_confined (prog, probe_personality, &uname26_linux32), ==, 42);
  g_assert_cmpint (run_confined (prog, probe_personality, &addr_no_randomize), ==, 0);
  g_assert_cmpint (run_confined (prog, probe_personality, &query), ==, 0);
}

static void
test_args_full_64_bits (void)
{
  g_autoptr (SvSeccompProgram) prog = compile_ok (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"personality\"],"
      "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42,"
      "\"args\":[{\"index\":0,\"value\":18446744073709551615,\"op\":\"SCMP_CMP_EQ\"}]}]}");
  const unsigned long all_ones = G_MAXULONG, query = 0xffffffffUL;

  if (sizeof (unsigned long) < 8)
    {
      g_test_skip ("64-bit syscall arguments only");
      return;
    }
  g_assert_cmpint (run_confined (prog, probe_personality, &all_ones), ==, 42);
  g_assert_cmpint (run_confined (prog, probe_personality, &query), ==, 0);
}

static void
test_args_different_indexes_and (void)
{
  /* Comparisons on different arguments all have to match. */
  g_autoptr (SvSeccompProgram) prog = compile_ok (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getpriority\"],"
      "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42,\"args\":["
      "{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQ\"},"
      "{\"index\":1,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}");
  const PriorityCall self = { PRIO_PROCESS, 0 },
                     by_pid = { PRIO_PROCESS, (unsigned long) getpid () },
                     group = { PRIO_PGRP, 0 };

  g_assert_cmpint (run_confined (prog, probe_getpriority, &self), ==, 42);
  g_assert_cmpint (run_confined (prog, probe_getpriority, &by_pid), ==, 0);
  g_assert_cmpint (run_confined (prog, probe_getpriority, &group), ==, 0);
}

static void
test_args_repeated_index_or (void)
{
  /* Two comparisons of the same argument: one rule each, so either one matching applies the
   * action (libseccomp cannot AND them, and such a rule could never match anyway). */
  g_autoptr (SvSeccompProgram) prog = compile_ok (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getpriority\"],"
      "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42,\"args\":["
      "{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"},"
      "{\"index\":0,\"value\":2,\"op\":\"SCMP_CMP_EQ\"}]}]}");
  const PriorityCall process = { PRIO_PROCESS, 0 }, group = { PRIO_PGRP, 0 },
                     user = { PRIO_USER, 0 };

  g_assert_cmpint (run_confined (prog, probe_getpriority, &group), ==, 42);
  g_assert_cmpint (run_confined (prog, probe_getpriority, &user), ==, 42);
  g_assert_cmpint (run_confined (prog, probe_getpriority, &process), ==, 0);
}

static void
test_bad_args_name_field (void)
{
  assert_compile_fails ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":["
                        "\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
                        "\"value\":1,\"op\":\"SCMP_CMP_EQ\"},{\"index\":6,\"value\":1,"
                        "\"op\":\"SCMP_CMP_EQ\"}]}]}",
                        G_IO_ERROR_INVALID_ARGUMENT,
                        "linux.seccomp.syscalls[0].args[1].index: 6 is out of range (0 to 5)");
  assert_compile_fails (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":["
      "\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
      "\"value\":1,\"op\":\"SCMP_CMP_FOO\"}]}]}",
      G_IO_ERROR_INVALID_ARGUMENT,
      "linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_FOO\"");
  assert_compile_fails_in (
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":["
      "\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
      "\"op\":\"SCMP_CMP_EQ\"}]}]}",
      SV_SPEC_ERROR, SV_SPEC_ERROR_MISSING,
      "linux.seccomp.syscalls[0].args[0].value: required field is missing");
  assert_compile_fails ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":["
                        "\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
                        "\"value\":\"8\",\"op\":\"SCMP_CMP_EQ\"}]}]}",
                        G_IO_ERROR_INVALID_ARGUMENT,
                        "linux.seccomp.syscalls[0].args[0].value: must be an integer");
}

/* ---- a profile in the shape of Docker's default one --------------------------------- */

#if defined(__x86_64__)
#define NATIVE_ARCHS "\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\""
#elif defined(__aarch64__)
#define NATIVE_ARCHS "\"SCMP_ARCH_AARCH64\",\"SCMP_ARCH_ARM\""
#else
#define NATIVE_ARCHS ""
#endif

/* Written for this test (not a copy of moby's file): what Docker's default profile looks
 * like — deny by default with EPERM, a long allow list that names syscalls of several
 * architectures and some newer than libseccomp 2.5.4, clone3 answered with ENOSYS, argument
 * filters on clone, personality and socket, and Docker's own keys (comment, includes,
 * excludes) that an OCI runtime does not read. */
static const char docker_shaped_profile[] =
    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
    "\"architectures\":[" NATIVE_ARCHS "],"
    "\"syscalls\":["
    "{\"names\":[\"accept\",\"accept4\",\"access\",\"adjtimex\",\"alarm\",\"bind\",\"brk\","
    "\"capget\",\"capset\",\"chdir\",\"chmod\",\"chown\",\"chown32\",\"clock_adjtime\","
    "\"clock_adjtime64\",\"clock_getres\",\"clock_getres_time64\",\"clock_gettime\","
    "\"clock_gettime64\",\"clock_nanosleep\",\"clock_nanosleep_time64\",\"close\","
    "\"close_range\",\"connect\",\"copy_file_range\",\"creat\",\"dup\",\"dup2\",\"dup3\","
    "\"epoll_create\",\"epoll_create1\",\"epoll_ctl\",\"epoll_ctl_old\",\"epoll_pwait\","
    "\"epoll_pwait2\",\"epoll_wait\",\"epoll_wait_old\",\"eventfd\",\"eventfd2\",\"execve\","
    "\"execveat\",\"exit\",\"exit_group\",\"faccessat\",\"faccessat2\",\"fadvise64\","
    "\"fadvise64_64\",\"fallocate\",\"fanotify_mark\",\"fchdir\",\"fchmod\",\"fchmodat\","
    "\"fchmodat2\",\"fchown\",\"fchown32\",\"fchownat\",\"fcntl\",\"fcntl64\",\"fdatasync\","
    "\"fgetxattr\",\"flistxattr\",\"flock\",\"fork\",\"fremovexattr\",\"fsetxattr\",\"fstat\","
    "\"fstat64\",\"fstatat64\",\"fstatfs\",\"fstatfs64\",\"fsync\",\"ftruncate\","
    "\"ftruncate64\",\"futex\",\"futex_requeue\",\"futex_time64\",\"futex_wait\","
    "\"futex_waitv\",\"futex_wake\",\"futimesat\",\"getcpu\",\"getcwd\",\"getdents\","
    "\"getdents64\",\"getegid\",\"getegid32\",\"geteuid\",\"geteuid32\",\"getgid\","
    "\"getgid32\",\"getgroups\",\"getgroups32\",\"getitimer\",\"getpeername\",\"getpgid\","
    "\"getpgrp\",\"getpid\",\"getppid\",\"getpriority\",\"getrandom\",\"getresgid\","
    "\"getresgid32\",\"getresuid\",\"getresuid32\",\"getrlimit\",\"get_robust_list\","
    "\"getrusage\",\"getsid\",\"getsockname\",\"getsockopt\",\"get_thread_area\",\"gettid\","
    "\"gettimeofday\",\"getuid\",\"getuid32\",\"getxattr\",\"inotify_add_watch\","
    "\"inotify_init\",\"inotify_init1\",\"inotify_rm_watch\",\"io_cancel\",\"ioctl\","
    "\"io_destroy\",\"io_getevents\",\"io_pgetevents\",\"io_pgetevents_time64\",\"ioprio_get\","
    "\"ioprio_set\",\"io_setup\",\"io_submit\",\"ipc\",\"kill\",\"landlock_add_rule\","
    "\"landlock_create_ruleset\",\"landlock_restrict_self\",\"lchown\",\"lchown32\","
    "\"lgetxattr\",\"link\",\"linkat\",\"listen\",\"listxattr\",\"llistxattr\",\"_llseek\","
    "\"lremovexattr\",\"lseek\",\"lsetxattr\",\"lstat\",\"lstat64\",\"madvise\",\"membarrier\","
    "\"memfd_create\",\"memfd_secret\",\"mincore\",\"mkdir\",\"mkdirat\",\"mknod\",\"mknodat\","
    "\"mlock\",\"mlock2\",\"mlockall\",\"mmap\",\"mmap2\",\"mprotect\",\"mq_getsetattr\","
    "\"mq_notify\",\"mq_open\",\"mq_timedreceive\",\"mq_timedreceive_time64\","
    "\"mq_timedsend\",\"mq_timedsend_time64\",\"mq_unlink\",\"mremap\",\"msgctl\",\"msgget\","
    "\"msgrcv\",\"msgsnd\",\"msync\",\"munlock\",\"munlockall\",\"munmap\","
    "\"name_to_handle_at\",\"nanosleep\",\"newfstatat\",\"_newselect\",\"open\",\"openat\","
    "\"openat2\",\"pause\",\"pidfd_open\",\"pidfd_send_signal\",\"pipe\",\"pipe2\","
    "\"pkey_alloc\",\"pkey_free\",\"pkey_mprotect\",\"poll\",\"ppoll\",\"ppoll_time64\","
    "\"prctl\",\"pread64\",\"preadv\",\"preadv2\",\"prlimit64\",\"process_mrelease\","
    "\"pselect6\",\"pselect6_time64\",\"pwrite64\",\"pwritev\",\"pwritev2\",\"read\","
    "\"readahead\",\"readlink\",\"readlinkat\",\"readv\",\"recv\",\"recvfrom\",\"recvmmsg\","
    "\"recvmmsg_time64\",\"recvmsg\",\"remap_file_pages\",\"removexattr\",\"rename\","
    "\"renameat\",\"renameat2\",\"restart_syscall\",\"rmdir\",\"rseq\",\"rt_sigaction\","
    "\"rt_sigpending\",\"rt_sigprocmask\",\"rt_sigqueueinfo\",\"rt_sigreturn\","
    "\"rt_sigsuspend\",\"rt_sigtimedwait\",\"rt_sigtimedwait_time64\",\"rt_tgsigqueueinfo\","
    "\"sched_getaffinity\",\"sched_getattr\",\"sched_getparam\",\"sched_get_priority_max\","
    "\"sched_get_priority_min\",\"sched_getscheduler\",\"sched_rr_get_interval\","
    "\"sched_rr_get_interval_time64\",\"sched_setaffinity\",\"sched_setattr\","
    "\"sched_setparam\",\"sched_setscheduler\",\"sched_yield\",\"seccomp\",\"select\","
    "\"semctl\",\"semget\",\"semop\",\"semtimedop\",\"semtimedop_time64\",\"send\","
    "\"sendfile\",\"sendfile64\",\"sendmmsg\",\"sendmsg\",\"sendto\",\"setfsgid\","
    "\"setfsgid32\",\"setfsuid\",\"setfsuid32\",\"setgid\",\"setgid32\",\"setgroups\","
    "\"setgroups32\",\"setitimer\",\"setpgid\",\"setpriority\",\"setregid\",\"setregid32\","
    "\"setresgid\",\"setresgid32\",\"setresuid\",\"setresuid32\",\"setreuid\",\"setreuid32\","
    "\"setrlimit\",\"set_robust_list\",\"setsid\",\"setsockopt\",\"set_thread_area\","
    "\"set_tid_address\",\"setuid\",\"setuid32\",\"setxattr\",\"shmat\",\"shmctl\",\"shmdt\","
    "\"shmget\",\"shutdown\",\"sigaltstack\",\"signalfd\",\"signalfd4\",\"sigprocmask\","
    "\"sigreturn\",\"socketcall\",\"socketpair\",\"splice\",\"stat\",\"stat64\",\"statfs\","
    "\"statfs64\",\"statx\",\"symlink\",\"symlinkat\",\"sync\",\"sync_file_range\",\"syncfs\","
    "\"sysinfo\",\"tee\",\"tgkill\",\"time\",\"timer_create\",\"timer_delete\","
    "\"timer_getoverrun\",\"timer_gettime\",\"timer_gettime64\",\"timer_settime\","
    "\"timer_settime64\",\"timerfd_create\",\"timerfd_gettime\",\"timerfd_gettime64\","
    "\"timerfd_settime\",\"timerfd_settime64\",\"times\",\"tkill\",\"truncate\","
    "\"truncate64\",\"ugetrlimit\",\"umask\",\"uname\",\"unlink\",\"unlinkat\",\"utime\","
    "\"utimensat\",\"utimensat_time64\",\"utimes\",\"vfork\",\"vmsplice\",\"wait4\","
    "\"waitid\",\"waitpid\",\"write\",\"writev\"],"
    "\"action\":\"SCMP_ACT_ALLOW\"},"
    /* newer than libseccomp 2.5.4 */
    "{\"names\":[\"statmount\",\"listmount\",\"mseal\",\"lsm_get_self_attr\","
    "\"lsm_list_modules\",\"uretprobe\",\"file_getattr\",\"file_setattr\",\"listns\"],"
    "\"action\":\"SCMP_ACT_ALLOW\",\"comment\":\"recent syscalls\"},"
    /* personality: a few personas, one comparison of argument 0 each */
    "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":["
    "{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQ\"},"
    "{\"index\":0,\"value\":8,\"op\":\"SCMP_CMP_EQ\"},"
    "{\"index\":0,\"value\":131072,\"op\":\"SCMP_CMP_EQ\"},"
    "{\"index\":0,\"value\":131080,\"op\":\"SCMP_CMP_EQ\"},"
    "{\"index\":0,\"value\":4294967295,\"op\":\"SCMP_CMP_EQ\"}]},"
    /* socket: anything but AF_VSOCK */
    "{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\","
    "\"args\":[{\"index\":0,\"value\":40,\"op\":\"SCMP_CMP_NE\"}]},"
    "{\"names\":[\"arch_prctl\",\"modify_ldt\"],\"action\":\"SCMP_ACT_ALLOW\","
    "\"includes\":{\"arches\":[\"amd64\",\"x32\",\"x86\"]}},"
    "{\"names\":[\"arm_fadvise64_64\",\"arm_sync_file_range\",\"sync_file_range2\","
    "\"breakpoint\",\"cacheflush\",\"set_tls\"],\"action\":\"SCMP_ACT_ALLOW\","
    "\"includes\":{\"arches\":[\"arm\",\"arm64\"]}},"
    "{\"names\":[\"s390_pci_mmio_read\",\"s390_pci_mmio_write\",\"s390_runtime_instr\"],"
    "\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"arches\":[\"s390\",\"s390x\"]}},"
    /* clone: no new namespaces (mask of the CLONE_NEW* flags) without CAP_SYS_ADMIN */
    "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
    "\"value\":2114060288,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}],"
    "\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"],\"arches\":[\"s390\",\"s390x\"]},"
    "\"comment\":\"s390 swaps the first two clone arguments\"},"
    /* clone3 cannot be filtered on its flags: ENOSYS makes libc fall back to clone */
    "{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38,"
    "\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
    "{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"4.8\"}},"
    "{\"names\":[\"bpf\",\"mount\",\"umount2\",\"unshare\",\"setns\",\"pivot_root\"],"
    "\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}}"
    "]}";

static int
probe_docker_shaped (gconstpointer data)
{
  int fd = GPOINTER_TO_INT (data);
  long s;

  if (syscall (SYS_getpid) <= 0)
    return 10;
  if (syscall (SYS_write, fd, "x", 1) != 1)
    return 11;
  if (syscall (SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3L, 0L) != -1 || errno != EPERM)
    return 12;
  if (syscall (__NR_clone3, NULL, 0L) != -1 || errno != ENOSYS)
    return 13;
  if (syscall (SYS_personality, 0xffffffffUL) < 0)
    return 14;
  if (syscall (SYS_personality, 0x0040000UL) != -1 || errno != EPERM)
    return 15;
  s = syscall (SYS_socket, AF_UNIX, SOCK_STREAM, 0);
  if (s < 0 || syscall (SYS_close, s) != 0)
    return 16;
  if (syscall (SYS_socket, AF_VSOCK, SOCK_STREAM, 0) != -1 || errno != EPERM)
    return 17;
  return 0;
}

static void
test_docker_default_profile_compiles (void)
{
  g_autoptr (SvSeccompProgram) prog = compile_ok (docker_shaped_profile);
  char c = 0;
  int fds[2];

  g_assert_cmpuint (prog->n_filter, <=, 4096);
  g_assert_no_errno (pipe (fds));
  g_assert_cmpint (run_confined (prog, probe_docker_shaped, GINT_TO_POINTER (fds[1])), ==, 0);
  g_assert_cmpint (read (fds[0], &c, 1), ==, 1);
  g_assert_cmpint (c, ==, 'x');
  close (fds[0]);
  close (fds[1]);
}

static int
probe_basics (gconstpointer data)
{
  int fd = GPOINTER_TO_INT (data);

  if (syscall (SYS_getpid) <= 0)
    return 10;
  if (syscall (SYS_write, fd, "x", 1) != 1)
    return 11;
  return 0;
}

/* The linux.seccomp of a real bundle, e.g. the config.json dockerd wrote for a container:
 * SV_TEST_DOCKER_CONFIG=/run/containerd/io.containerd.runtime.v2.task/moby/<id>/config.json */
static void
test_docker_bundle_profile_compiles (void)
{
  const char *config = g_getenv ("SV_TEST_DOCKER_CONFIG");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (SvSeccompProgram) prog = NULL;
  JsonObject *root, *linux_;
  int fds[2];

  if (config == NULL)
    {
      g_test_skip ("set SV_TEST_DOCKER_CONFIG to a bundle's config.json");
      return;
    }
  json_parser_load_from_file (parser, config, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_object_has_member (root, "linux"));
  linux_ = json_object_get_object_member (root, "linux");
  g_assert_true (json_object_has_member (linux_, "seccomp"));
  prog = sv_seccomp_compile (json_object_get_object_member (linux_, "seccomp"), "linux.seccomp",
                             &error);
  g_assert_no_error (error);
  g_assert_no_errno (pipe (fds));
  g_assert_cmpint (run_confined (prog, probe_basics, GINT_TO_POINTER (fds[1])), ==, 0);
  close (fds[0]);
  close (fds[1]);
}

/* ---- features and load ------------------------------------------------------------- */

static gboolean
array_has (JsonObject *o, const char *member, const char *value)
{
  JsonArray *a = json_object_get_array_member (o, member);

  for (guint i = 0; i < json_array_get_length (a); i++)
    if (g_str_equal (json_array_get_string_element (a, i), value))
      return TRUE;
  return FALSE;
}

static void
test_features (void)
{
  g_autoptr (JsonNode) node = sv_seccomp_features ();
  g_autofree char *version = sv_seccomp_library_version ();
  JsonObject *o = json_node_get_object (node);
  JsonArray *supported = json_object_get_array_member (o, "supportedFlags");

  g_assert_true (json_object_get_boolean_member (o, "enabled"));
  g_assert_true (array_has (o, "actions", "SCMP_ACT_ERRNO"));
  g_assert_true (array_has (o, "actions", "SCMP_ACT_KILL_PROCESS"));
  g_assert_true (array_has (o, "actions", "SCMP_ACT_NOTIFY"));
  g_assert_true (array_has (o, "operators", "SCMP_CMP_MASKED_EQ"));
  g_assert_true (array_has (o, "archs", "SCMP_ARCH_X86_64"));
  g_assert_true (array_has (o, "archs", "SCMP_ARCH_AARCH64"));
  g_assert_true (array_has (o, "knownFlags", "SECCOMP_FILTER_FLAG_TSYNC"));
  g_assert_true (array_has (o, "supportedFlags", "SECCOMP_FILTER_FLAG_LOG"));
  g_assert_false (array_has (o, "supportedFlags", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
  for (guint i = 0; i < json_array_get_length (supported); i++)
    g_assert_true (array_has (o, "knownFlags", json_array_get_string_element (supported, i)));
  g_assert_true (g_regex_match_simple ("^[0-9]+\\.[0-9]+\\.[0-9]+$", version, 0, 0));
}

static void
test_load_rejects_empty (void)
{
  SvSeccompProgram empty = { NULL, 0, 0 };

  g_assert_cmpint (sv_seccomp_load (NULL), ==, -EINVAL);
  g_assert_cmpint (sv_seccomp_load (&empty), ==, -EINVAL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/seccomp/errno-ret-applies", test_errno_ret_applies);
  g_test_add_func ("/seccomp/errno-ret-defaults-to-eperm", test_errno_ret_defaults_to_eperm);
  g_test_add_func ("/seccomp/default-errno-ret-applies", test_default_errno_ret_applies);
  g_test_add_func ("/seccomp/allowed-syscall-works", test_allowed_syscall_works);
  g_test_add_func ("/seccomp/kill-and-trap-send-sigsys", test_kill_actions);
  g_test_add_func ("/seccomp/trace-without-tracer-is-enosys", test_trace_without_tracer);
  g_test_add_func ("/seccomp/log-allows", test_log_allows);
  g_test_add_func ("/seccomp/rule-equal-to-default-skipped", test_rule_equal_to_default_skipped);
  g_test_add_func ("/seccomp/errno-ret-on-other-action-names-field",
                   test_errno_ret_on_allow_rejected);
  g_test_add_func ("/seccomp/unknown-action-names-field", test_unknown_action_names_field);
  g_test_add_func ("/seccomp/missing-or-mistyped-field-named", test_missing_fields_named);
  g_test_add_func ("/seccomp/unknown-syscall-names-field", test_unknown_syscall_names_field);
  g_test_add_func ("/seccomp/recent-syscall-skipped", test_recent_syscall_skipped);
  g_test_add_func ("/seccomp/foreign-arch-syscall-accepted", test_foreign_syscall_accepted);
  g_test_add_func ("/seccomp/newer-syscall-gets-enosys", test_newer_syscall_gets_enosys);
  g_test_add_func ("/seccomp/notify-needs-listener-path", test_notify_needs_listener_path);
  g_test_add_func ("/seccomp/listener-path-loads-with-listener",
                   test_listener_path_loads_with_listener);
  g_test_add_func ("/seccomp/unknown-arch-names-field", test_unknown_arch_names_field);
  g_test_add_func ("/seccomp/foreign-archs-accepted", test_foreign_archs_accepted);
  g_test_add_func ("/seccomp/flags-become-program-flags", test_flags);
  g_test_add_func ("/seccomp/unknown-flag-names-field", test_unknown_flag_names_field);
  g_test_add_func ("/seccomp/args-compare", test_args_compare);
  g_test_add_func ("/seccomp/args-masked-eq", test_args_masked_eq);
  g_test_add_func ("/seccomp/args-full-64-bits", test_args_full_64_bits);
  g_test_add_func ("/seccomp/args-different-indexes-all-match", test_args_different_indexes_and);
  g_test_add_func ("/seccomp/args-repeated-index-any-matches", test_args_repeated_index_or);
  g_test_add_func ("/seccomp/bad-args-name-field", test_bad_args_name_field);
  g_test_add_func ("/seccomp/docker-default-profile-compiles",
                   test_docker_default_profile_compiles);
  g_test_add_func ("/seccomp/docker-bundle-profile-compiles",
                   test_docker_bundle_profile_compiles);
  g_test_add_func ("/seccomp/features", test_features);
  g_test_add_func ("/seccomp/load-rejects-empty-program", test_load_rejects_empty);

  return g_test_run ();
}
