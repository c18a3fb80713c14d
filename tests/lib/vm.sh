# shellcheck shell=bash
# tests/lib/vm.sh - a throw-away Debian 12 virtual machine that runs integration tests against
# this build on a host of another layout than the one it was built on (a pure cgroup v2 host:
# only cgroup2 mounted, every controller on it, as systemd sets a Debian 12 host up).
#
#   . tests/lib/common.sh; . tests/lib/vm.sh
#   kdir=$(sv_vm_kernel)                  # Debian 12's own kernel (cloud flavour), cached
#   sv_vm_image IMG "$kdir" TEST...       # an ext4 image: a Debian rootfs, this tree, the tests
#   sv_vm_boot IMG "$kdir" LOG            # boots it (QEMU, TCG: no KVM needed); the status of
#                                         # the tests run inside, their output in LOG
#
# Nothing of the host is changed: the kernel package is downloaded (not installed) into
# $SV_CACHE_DIR, the image is made by mkfs.ext4 -d from a directory (no loop mount), and the
# machine's disk is that image alone.
#
# Environment:
#   SV_VM_KERNEL_PKG  the kernel package (default: what linux-image-cloud-amd64 depends on)
#   SV_VM_TIMEOUT     seconds the machine may run (default 1200)

# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=debian-rootfs.sh
. "$(dirname "${BASH_SOURCE[0]}")/debian-rootfs.sh"

# What the tests need inside the machine: the runtime's libraries, and the tools they call.
_SV_VM_PACKAGES=libglib2.0-0,libjson-glib-1.0-0,libseccomp2,libmount1,libfuse3-3,fuse3
_SV_VM_PACKAGES=$_SV_VM_PACKAGES,busybox-static,jq,runc,crun,kmod,util-linux,zstd,python3,procps
_SV_VM_PACKAGES=$_SV_VM_PACKAGES,lxcfs,docker.io

# sv_vm_kernel: the cached directory holding vmlinuz and lib/modules/VERSION of the kernel
# package (downloaded with apt-get download and unpacked with dpkg -x on first use).
sv_vm_kernel() {
  local pkg=${SV_VM_KERNEL_PKG:-} dir work deb
  if [ -z "$pkg" ]; then
    pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
            awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
  fi
  [ -n "$pkg" ] || { echo "sv_vm_kernel: no kernel package (apt-get update?)" >&2; return 1; }
  dir=$SV_CACHE_DIR/vm-kernel-$pkg
  if [ ! -e "$dir/vmlinuz" ]; then
    mkdir -p "$SV_CACHE_DIR"
    work=$(mktemp -d /var/tmp/sv-vm-kernel.XXXXXX)
    # (apt's _apt user cannot write the temporary directory: the download runs as root)
    if ! (cd "$work" && apt-get download -q "$pkg" >"$work/log" 2>&1); then
      echo "sv_vm_kernel: apt-get download $pkg failed: $(tail -n 2 "$work/log")" >&2
      rm -rf "$work"
      return 1
    fi
    deb=$(ls "$work"/*.deb)
    dpkg -x "$deb" "$work/x" && mkdir -p "$work/k" &&
      mv "$work"/x/boot/vmlinuz-* "$work/k/vmlinuz" &&
      mkdir -p "$work/k/lib" && mv "$work/x/lib/modules" "$work/k/lib/" ||
      { echo "sv_vm_kernel: cannot unpack $deb" >&2; rm -rf "$work"; return 1; }
    rm -rf "$dir" && mv "$work/k" "$dir"
    rm -rf "$work"
  fi
  echo "$dir"
}

# _sv_vm_init: the machine's /sbin/init: the mounts of a systemd host that the tests rely on
# (cgroup2 alone on /sys/fs/cgroup, its controllers delegated from the root), then the tests.
_sv_vm_init() {
  cat <<'EOF'
#!/bin/bash
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm /dev/mqueue
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin; ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
rm -f /dev/ptmx; ln -s pts/ptmx /dev/ptmx
mount -t tmpfs shm /dev/shm
mount -t mqueue mqueue /dev/mqueue
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -o remount,rw /
mount -t tmpfs run /run
hostname sv-vm
ip link set lo up 2>/dev/null || busybox ip link set lo up
exec >/dev/ttyS0 2>&1
depmod -a 2>/dev/null
for m in fuse overlay veth; do modprobe "$m" 2>/dev/null; done
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
  echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
done
echo "sv-vm: kernel $(uname -r); cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
rc=0
/sv-vm-tests.sh || rc=$?
echo "sv-vm: result $rc"
sync
echo o >/proc/sysrq-trigger
sleep 30
EOF
}

# _sv_vm_runner: the machine's /sv-vm-tests.sh: each test of /sv-vm-tests.list ("NAME PATH"
# lines, the path found by sv_vm_image) in turn, with the environment meson gave this test
# (/sv-vm-env); a failed test's output follows its line.  Its status is the number of tests
# that failed (a skip is no failure).
_sv_vm_runner() {
  cat <<'EOF'
#!/bin/bash
. /sv-vm-env
fails=0
while read -r t f; do
  s=$(date +%s) rc=0
  log=/tmp/${t//\//-}.log
  bash "$f" >"$log" 2>&1 </dev/null || rc=$?
  case $rc in 0) r=OK ;; 77) r=SKIP ;; *) r="FAIL ($rc)"; fails=$((fails + 1)) ;; esac
  echo "sv-vm: $t $r in $(($(date +%s) - s)) s"
  [ "$rc" = 0 ] || tail -n 40 "$log" | sed 's/^/    /'
done </sv-vm-tests.list
exit "$fails"
EOF
}

# _sv_vm_env: the environment the tests get inside, as here (the same paths).
_sv_vm_env() {
  local v
  for v in SYSVISOR_RUNC SV_PROBE SYSVISOR_FS SYSVISOR_PLUGIN_DIR SV_BUILD_ROOT SV_SOURCE_ROOT \
    SV_SRC_ROOT SV_CACHE_DIR SV_SELFTEST_NO_DOCKER; do
    [ -n "${!v:-}" ] && printf 'export %s=%q\n' "$v" "${!v}"
  done
  echo 'export PATH=/usr/sbin:/usr/bin:/sbin:/bin'
}

# sv_vm_image IMG KERNEL_DIR TEST...: a raw ext4 image: the cached Debian rootfs with what the
# tests need, the kernel's modules, this source tree and build (at the same paths), the test
# caches they use, and the init that runs TEST... (names of tests/integration/*.sh, or DIR/NAME
# for tests/DIR/NAME.sh).
sv_vm_image() {
  local img=$1 kdir=$2 root tar kver size build t f
  shift 2
  root=$(dirname "$img")/vm-root
  tar=$(SV_DEBIAN_EXTRA=$_SV_VM_PACKAGES sv_debian_tarball) || return 1
  mkdir -p "$root"
  if [[ $tar == *.zst ]]; then zstd -dc "$tar"; else gzip -dc "$tar"; fi |
    tar --numeric-owner -x -C "$root" || { echo "sv_vm_image: cannot unpack $tar" >&2; return 1; }
  kver=$(ls "$kdir/lib/modules")
  mkdir -p "$root/lib/modules" && cp -a "$kdir/lib/modules/$kver" "$root/lib/modules/"
  # the tree and the build at their own paths (the build holds absolute ones); other builds
  # of the tree (build-asan, ...) stay out
  build=$(cd "$(dirname "$SV_RUNC")/.." && pwd)
  mkdir -p "$root$SV_SRC_ROOT" "$root$build"
  tar -C "$SV_SRC_ROOT" --exclude=./.git --exclude='./build*' -cf - . | tar -x -C "$root$SV_SRC_ROOT"
  tar -C "$build" -cf - . | tar -x -C "$root$build"
  # the test images the tests inside unpack: busybox's, and the plain Debian one (made here
  # if not cached yet: the machine has no debootstrap)
  mkdir -p "$root$SV_CACHE_DIR"
  cp "$SV_CACHE_DIR"/busybox-rootfs-*.tar "$root$SV_CACHE_DIR/" 2>/dev/null || true
  tar=$(sv_debian_tarball) && cp "$tar" "$root$SV_CACHE_DIR/" || return 1
  _sv_vm_init >"$root/sbin/sv-vm-init" && chmod 755 "$root/sbin/sv-vm-init"
  _sv_vm_runner >"$root/sv-vm-tests.sh" && chmod 755 "$root/sv-vm-tests.sh"
  _sv_vm_env >"$root/sv-vm-env"
  for t in "$@"; do
    f=$SV_SRC_ROOT/tests/integration/$t.sh
    [[ $t == */* ]] && f=$SV_SRC_ROOT/tests/$t.sh
    [ -f "$f" ] || { echo "sv_vm_image: no test $t ($f)" >&2; return 1; }
    echo "$t $f"
  done >"$root/sv-vm-tests.list" || return 1
  size=$(( $(du -sm "$root" | cut -f1) + 1536 ))
  truncate -s "${size}M" "$img" && mkfs.ext4 -q -F -d "$root" "$img" ||
    { echo "sv_vm_image: mkfs.ext4 -d failed" >&2; return 1; }
  rm -rf --one-file-system "$root"
}

# sv_vm_boot IMG KERNEL_DIR LOG: runs the machine until it powers off; its console in LOG.
# Prints nothing; returns the tests' status (124 when the machine ran out of time, 125 when
# it never reported one, 126 when its kernel's watchdog saw a CPU locked up: the machine is
# stopped then, its console says in what task and with which stack).
sv_vm_boot() {
  local img=$1 kdir=$2 log=$3 rc=0 pid
  # (loglevel 5: warnings too, such as the stack of a locked-up CPU)
  timeout "${SV_VM_TIMEOUT:-1200}" qemu-system-x86_64 -machine q35 -accel tcg,thread=multi \
    -cpu max -smp 2 -m 3072 -kernel "$kdir/vmlinuz" \
    -append "root=/dev/nvme0n1 rw console=ttyS0 init=/sbin/sv-vm-init loglevel=5 panic=-1" \
    -drive "file=$img,if=none,id=d0,format=raw" -device nvme,drive=d0,serial=sv \
    -display none -serial "file:$log" -monitor none -no-reboot &
  pid=$!
  # a test stopped early (meson's timeout, ^C) stops the machine too (timeout passes it on)
  sv_on_exit "kill $pid 2>/dev/null || true"
  while kill -0 "$pid" 2>/dev/null; do
    if grep -q 'watchdog: BUG: soft lockup' "$log" 2>/dev/null; then
      sleep 5 # (its stack)
      kill "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      return 126
    fi
    sleep 2
  done
  wait "$pid" || rc=$?
  [ "$rc" = 124 ] && return 124
  rc=$(sed -n 's/^sv-vm: result \([0-9]*\).*/\1/p' "$log" | tail -n 1)
  [ -n "$rc" ] || return 125
  return "$rc"
}
