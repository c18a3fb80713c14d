#!/bin/bash
# oci-cgroups: linux.resources land in the container's cgroup on this host's cgroup v1
# (hybrid) layout and on a pure cgroup v2 view; cgroupsPath as a path and as systemd
# "slice:prefix:name"; root inside owns its delegated subtree; delete removes it all.
set -eu
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/runtime.sh"
sv_require_root
sv_require_runtime
sv_require_probe

# remove_deep_cgroups DIR: what a failed delete left of a deep nest of "c" sub-cgroups (on
# exit; by name with perl: the shell's cd needs a path, too long down there)
remove_deep_cgroups() {
  [ -d "$1" ] || return 0
  perl -e 'my $d = shift; chdir $d or exit 1; my $n = 0;
           while (-d "c" && chdir "c") { $n++ }
           while ($n-- > 0) { chdir ".." or exit 1; rmdir "c" }
           chdir "/"; rmdir $d' "$1" || true
  rmdir "$(dirname "$1")" 2>/dev/null || true
}

# rm_dominv NAME: the directories the "domain invalid" case made, in every hierarchy (on exit)
rm_dominv() {
  local d
  for d in /sys/fs/cgroup/*/"$1"/a /sys/fs/cgroup/*/"$1"/b /sys/fs/cgroup/*/"$1"; do
    [ -d "$d" ] && rmdir "$d"
  done
  return 0
}

sv_use_plugins none none none
b=$SV_TEST_TMP/bundle
sv_core_bundle "$b" /sv-probe signal-wait
cg=/sys/fs/cgroup

if [ "$(stat -f -c %T $cg)" = tmpfs ]; then
  # cgroup v1 (hybrid here): the limits, read back from the host.
  id=$SV_ID-v1
  sv_spec_set "$b" '.linux.resources = {"memory": {"limit": 67108864},
      "pids": {"limit": 20}, "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0"}}'
  sv_rt_bg run -d --bundle "$b" "$id"
  assert_eq 67108864 "$(cat $cg/memory/sysvisor/$id/memory.limit_in_bytes)" "memory limit"
  assert_eq 20 "$(cat $cg/pids/sysvisor/$id/pids.max)" "pids limit"
  assert_eq 512 "$(cat $cg/cpu/sysvisor/$id/cpu.shares)" "cpu shares"
  assert_eq 50000 "$(cat $cg/cpu/sysvisor/$id/cpu.cfs_quota_us)" "cpu quota"
  assert_eq 0 "$(cat $cg/cpuset/sysvisor/$id/cpuset.cpus)" "cpuset"
  pid=$(sv_state_field "$id" pid)
  assert_match "memory:/sysvisor/$id" "$(cat /proc/$pid/cgroup)" "the init is in the cgroup"
  # In every hierarchy (the init writes itself into v1 `tasks`, is born in cgroup2 by clone3
  # CLONE_INTO_CGROUP: core/cgroups/cgroups-entry.h), also where clone3 is refused.
  assert_eq "" "$(grep -v ":/sysvisor/$id\$" /proc/$pid/cgroup)" "the init is in every hierarchy"
  "$SV_PROBE" no-clone3-exec "$SV_RUNC" --root "$SV_ROOT" run -d --bundle "$b" "$id-n" \
    </dev/null >"$SV_TEST_TMP/bg.out" 2>&1 || sv_fail "run -d without clone3: $(cat "$SV_TEST_TMP/bg.out")"
  pid=$(sv_state_field "$id-n" pid)
  assert_eq "" "$(grep -v ":/sysvisor/$id-n\$" /proc/$pid/cgroup)" "clone3 refused: still in every hierarchy"
  assert_ok sv_rt delete --force "$id-n"
  sv_assert_nothing_left "$id-n" "$b"
  # A cgroup2 cgroup that takes no process ("domain invalid": a sibling was made threaded):
  # the init cannot be born in it, and the error names the cgroup and what refused it; the
  # container's cgroups and state go.  (The test's own directories go on exit, also on failure.)
  if [ "$(stat -f -c %T $cg/unified 2>/dev/null)" = cgroup2fs ]; then
    dom=sv-test-dominv
    sv_on_exit "rm_dominv $dom"
    mkdir -p "$cg/unified/$dom/a" "$cg/unified/$dom/b"
    echo threaded >"$cg/unified/$dom/a/cgroup.type"
    assert_eq "domain invalid" "$(cat "$cg/unified/$dom/b/cgroup.type")" "the test's cgroup"
    sv_spec_set "$b" '.linux.cgroupsPath = "/'$dom'/b"'
    assert_fail "$SV_RUNC" --root "$SV_ROOT" run -d --bundle "$b" "$id-d" </dev/null
    re="writing \"[0-9]+\" to $cg/unified/$dom/b/cgroup.procs: Operation not supported"
    assert_match "^sysvisor-runc: moving process [0-9]+ into cgroup /$dom/b: $re\$" "$SV_OUT" \
      "one line naming the cgroup"
    sv_assert_nothing_left "$id-d" "$b"
    assert_eq "" "$(find $cg -mindepth 3 -maxdepth 3 -path "*/$dom/b" -not -path "$cg/unified/*")" \
      "the container's v1 cgroups are removed"
    sv_spec_set "$b" 'del(.linux.cgroupsPath)'
  fi
  # Inside: a cgroup namespace rooted at the container's cgroup, delegated to its root.
  out=$(sv_rt exec "$id" sh -c 'cat /proc/self/cgroup | grep memory; cat /sys/fs/cgroup/memory/memory.limit_in_bytes;
        mkdir /sys/fs/cgroup/pids/sub && echo $$ > /sys/fs/cgroup/pids/sub/cgroup.procs && echo delegated')
  assert_eq $'[0-9]+:memory:/\n67108864\ndelegated' "$(sed -E '1s/^[0-9]+/[0-9]+/' <<<"$out")" "cgroup view inside"
  # Root inside nests sub-cgroups until a path names no deeper one (~2000 levels: from the
  # host, deeper than PATH_MAX): delete walks them by name and removes them all.
  sv_on_exit "remove_deep_cgroups $cg/pids/sysvisor/$id/sub"
  out=$(sv_rt exec "$id" sh -c 'cd /sys/fs/cgroup/pids/sub && i=0
        while mkdir c 2>/dev/null && cd c 2>/dev/null; do i=$((i+1)); done; echo $i')
  [ "$out" -gt 1500 ] || sv_fail "nested only $out sub-cgroups inside"
  assert_ok sv_rt delete --force "$id"
  sv_assert_nothing_left "$id" "$b"
  assert_file_absent "$cg/pids/sysvisor/$id" "sub-cgroups made inside are removed too, $out deep"
fi

# cgroupsPath as a path, and as systemd slice:prefix:name with --systemd-cgroup.  The parents
# these make (sv-test-path, sv.slice/sv-test.slice) go too, also when the test fails.
rm_test_parents() {
  local d
  for d in $cg/*/sv-test-path $cg/sv-test-path $cg/*/sv.slice/sv-test.slice $cg/sv.slice/sv-test.slice \
           $cg/*/sv.slice $cg/sv.slice; do
    [ -d "$d" ] && rmdir "$d" 2>/dev/null
  done
  return 0
}
sv_on_exit rm_test_parents
sv_spec_set "$b" 'del(.linux.resources) | .linux.cgroupsPath = "/sv-test-path/'"$SV_ID"'"'
sv_rt_bg run -d --bundle "$b" "$SV_ID-p"
pid=$(sv_state_field "$SV_ID-p" pid)
assert_match "/sv-test-path/$SV_ID" "$(cat /proc/$pid/cgroup)" "cgroupsPath as a path"
sv_rt delete --force "$SV_ID-p"
assert_eq "" "$(find $cg -maxdepth 3 -path "*sv-test-path/$SV_ID" 2>/dev/null)" "path removed"
rm_test_parents

sv_spec_set "$b" '.linux.cgroupsPath = "sv-test.slice:sysvisor:'"$SV_ID"'"'
"$SV_RUNC" --root "$SV_ROOT" --systemd-cgroup run -d --bundle "$b" "$SV_ID-s" </dev/null >/dev/null 2>&1 \
  || sv_fail "run with --systemd-cgroup failed"
pid=$(sv_state_field "$SV_ID-s" pid)
assert_match "/sv-test.slice/sysvisor-$SV_ID.scope" "$(cat /proc/$pid/cgroup)" "systemd cgroup path"
sv_rt delete --force "$SV_ID-s"
rm_test_parents
assert_eq "" "$(find $cg -maxdepth 3 -name sv-test.slice 2>/dev/null)" "the slice made for the test is removed"
sv_spec_set "$b" '.linux.cgroupsPath = "not-a-systemd-path"'
assert_fail "$SV_RUNC" --root "$SV_ROOT" --systemd-cgroup run --bundle "$b" "$SV_ID-s" </dev/null
assert_match 'linux.cgroupsPath' "$SV_OUT"
sv_assert_nothing_left "$SV_ID-s" "$b"
sv_spec_set "$b" 'del(.linux.cgroupsPath)'

# A pure cgroup v2 view: a mount namespace whose /sys/fs/cgroup is the cgroup2 hierarchy.
# Where its root has the memory, pids and cpu controllers (a pure v2 host; here they are bound
# to v1), the limits are read back too.
[ -n "$(sv_cgroup2_mount)" ] || { echo "oci-cgroups: no cgroup2 mount; v2 part skipped"; exit 0; }
sv_cgroup2_keep
id=$SV_ID-v2
limits=:
if [ "$(grep -ow 'memory\|pids\|cpu' "$(sv_cgroup2_mount)/cgroup.controllers" | sort | xargs)" \
     = "cpu memory pids" ]; then
  sv_spec_set "$b" '.linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 20},
      "cpu": {"shares": 512, "quota": 50000, "period": 100000}}'
  limits="echo limits \$(cd $cg/sysvisor/$id && cat memory.max pids.max cpu.weight cpu.max)"
fi
out=$(sv_in_cgroup2_view "$SV_RUNC --root $SV_ROOT run -d --bundle $b $id \
  </dev/null >/dev/null 2>&1 &&
  pid=\$($SV_RUNC --root $SV_ROOT state $id | jq -r .pid) &&
  cat /proc/\$pid/cgroup && cat $cg/sysvisor/$id/cgroup.procs && $limits &&
  $SV_RUNC --root $SV_ROOT exec $id cat /proc/self/cgroup &&
  $SV_RUNC --root $SV_ROOT delete --force $id && test ! -e $cg/sysvisor/$id && echo gone")
assert_match "(^|"$'\n'")0::/sysvisor/$id"$'\n' "$out" "v2: the init's cgroup"
assert_match $'\n0::/\n' "$out" "v2: the container sees the root of its cgroup namespace"
assert_match 'gone$' "$out" "v2: delete removes the cgroup"
if [ "$limits" != : ]; then
  assert_match $'\nlimits 67108864 20 20 50000 100000\n' "$out" \
    "v2: memory.max, pids.max, cpu.weight (shares 512), cpu.max"
else
  echo "oci-cgroups: memory, pids or cpu not on in the cgroup2 root; v2 limits not read back"
fi
sv_assert_nothing_left "$id" "$b"

# A failed create below a cgroup that was there before (the test's own, with no controller on
# in it) leaves that cgroup as it was: the new cgroups below it removed and the controllers the
# runtime turned on in it for the container off again. A create that works leaves them on (as
# runc does): the same check fails there. The root's controllers are turned on first so that
# the parent has some (put back by sv_cgroup2_keep).
v2=$(sv_cgroup2_mount)
par=sv-oci-cgroups-$SV_ID
sv_cgroup2_test_parent "$par"
ctrls=$SV_CG2_CTRLS
cp "$b/config.json" "$SV_TEST_TMP/v2.json"
sv_spec_set "$b" '.process.args = ["/no/such/binary"] | .linux.cgroupsPath = $p' --arg p "/$par/x/y"
out=$(sv_in_cgroup2_view "$SV_RUNC --root $SV_ROOT run --bundle $b $SV_ID-v2bad </dev/null 2>&1;
  echo rc=\$?")
assert_match 'process.args\[0\].*'$'\n''rc=[1-9]' "$out" "v2: the bad create fails"
assert_file_absent "$v2/$par/x" "v2: the failed create's new cgroups are removed"
assert_eq "" "$(cat "$v2/$par/cgroup.subtree_control")" \
  "v2: the controllers the failed create turned on in the parent are off again"
sv_assert_nothing_left "$SV_ID-v2bad"
cp "$SV_TEST_TMP/v2.json" "$b/config.json"
sv_spec_set "$b" '.linux.cgroupsPath = $p' --arg p "/$par/ok"
out=$(sv_in_cgroup2_view "$SV_RUNC --root $SV_ROOT run -d --bundle $b $SV_ID-v2ok </dev/null >/dev/null &&
  cat $cg/$par/cgroup.subtree_control && $SV_RUNC --root $SV_ROOT delete --force $SV_ID-v2ok" 2>&1)
assert_eq "$ctrls" "$out" "v2: a create that works turns the parent's controllers on"
assert_ok sv_cgroup2_restore
echo "oci-cgroups: ok"
