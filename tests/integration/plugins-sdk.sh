#!/bin/bash
# plugins-sdk: a plugin builds out of tree against an installed Sysvisor, knowing it only
# through pkg-config.  Sysvisor is built and installed into a private prefix (meson setup
# --prefix, meson install); examples/idmap-fixed is built with its Makefile,
# which uses only `pkg-config --cflags --libs sysvisor-plugin`, and installed into
# `pkg-config --variable=pluginsdir sysvisor-plugin`; the installed sysvisor-runc then finds it
# in its own plugin directory and runs a container with it as the idmap backend.  The example
# is also the one docs/PLUGINS.md shows: the two must not drift apart.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
. "$SV_LIB_DIR/busybox-rootfs.sh"
. "$SV_LIB_DIR/runtime.sh"
sv_require_root
sv_require_probe
sv_require_cmd meson ninja make pkg-config cc jq nm

SRC=${SV_SOURCE_ROOT:-$SV_SRC_ROOT}
T=$SV_TEST_TMP
PREFIX=$T/prefix
HOST_ID=300000

# ---- the docs show the example as it is
doc_example=$(awk '/^<!-- example: idmap-fixed.c -->$/ { getline; inside = 1; next }
                   inside && /^```$/ { exit } inside' "$SRC/docs/PLUGINS.md")
[ -n "$doc_example" ] || sv_fail "docs/PLUGINS.md has no idmap-fixed.c block"
assert_eq "$(cat "$SRC/examples/idmap-fixed/idmap-fixed.c")" "$doc_example" \
  "docs/PLUGINS.md shows examples/idmap-fixed/idmap-fixed.c as it is"

# ---- install Sysvisor into a private prefix
sv_log "building and installing Sysvisor into $PREFIX"
meson setup "$T/build" "$SRC" --prefix "$PREFIX" --libdir lib -Dintegration_tests=false \
  >"$T/setup.log" 2>&1 || sv_fail "meson setup: $(tail -n 20 "$T/setup.log")"
meson install -C "$T/build" >"$T/install.log" 2>&1 \
  || sv_fail "meson install: $(tail -n 30 "$T/install.log")"
export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
unset PKG_CONFIG_LIBDIR

# ---- what sysvisor-plugin.pc tells a plugin
assert_ok pkg-config --exists --print-errors sysvisor-plugin
assert_eq "$(meson introspect --projectinfo "$T/build" | jq -r .version)" \
  "$(pkg-config --modversion sysvisor-plugin)" "version"
assert_eq "$PREFIX/lib/sysvisor/plugins" "$(pkg-config --variable=pluginsdir sysvisor-plugin)" \
  "pluginsdir: where the installed sysvisor-runc loads plugins from"
assert_eq "$PREFIX/include" "$(pkg-config --variable=includedir sysvisor-plugin)" "includedir"
assert_ok cmp "$PREFIX/include/sysvisor/plugin.h" "$SRC/core/include/sysvisor/plugin.h"
assert_match "glib-2\.0" "$(pkg-config --print-requires sysvisor-plugin)" "requires glib-2.0"
assert_match "gmodule-2\.0" "$(pkg-config --print-requires sysvisor-plugin)" "requires gmodule-2.0"
assert_match "-I$PREFIX/include( |$)" "$(pkg-config --cflags sysvisor-plugin)" "cflags: the SDK"
assert_match "glib-2\.0" "$(pkg-config --cflags sysvisor-plugin)" "cflags: GLib"
assert_match "-lgmodule-2\.0" "$(pkg-config --libs sysvisor-plugin)" "libs: GModule"

# ---- build the example out of tree, with nothing but its Makefile and pkg-config
cp -r "$SRC/examples/idmap-fixed" "$T/example"
rm -f "$T/example"/*.so
assert_ok make -C "$T/example"
assert_match "pkg-config|-I$PREFIX/include" "$SV_OUT" "make used the installed SDK"
so=$T/example/idmap-fixed.so
assert_eq "sv_plugin_entry" "$(nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }')" \
  "the plugin exports sv_plugin_entry only"
assert_ok make -C "$T/example" install
installed=$PREFIX/lib/sysvisor/plugins/idmap-fixed.so
assert_eq "0:0 644" "$(stat -c '%u:%g %a' "$installed")" "make install: root-owned, mode 0644"
assert_file_exists "$PREFIX/lib/sysvisor/plugins/idmap-exclusive.so" "Sysvisor's own plugins beside it"

# ---- the installed runtime loads it from its own plugin directory
unset SYSVISOR_PLUGIN_DIR
# shellcheck disable=SC2034 # the runtime sv_rt drives (common.sh)
SV_RUNTIME=$PREFIX/sbin/sysvisor-runc
sv_use_plugins idmap-fixed none none "[idmap-fixed]" "host-id = $HOST_ID" "size = 65536"
assert_ok sv_rt plugins --format json
assert_eq "idmap-fixed" "$(jq -r '.[0].backend' <<<"$SV_OUT")" "plugins: backend"
assert_eq "$installed" "$(jq -r '.[0].path' <<<"$SV_OUT")" "plugins: loaded from pluginsdir"
assert_eq "ok" "$(jq -r '.[0].probe' <<<"$SV_OUT")" "plugins: its probe passes"

b=$T/bundle
sv_core_bundle "$b" /sv-probe uidmap gidmap owner / ids
chown -R "$HOST_ID:$HOST_ID" "$b/rootfs"
out=$(sv_rt --debug --log "$T/run.json" --log-format json run --bundle "$b" "$SV_ID-a" </dev/null 2>&1) \
  || sv_fail "run with idmap-fixed: $out"
assert_eq "0 $HOST_ID 65536
0 $HOST_ID 65536
0:0
uid=0 gid=0 groups=" "$out" "the container runs in the plugin's range"
msgs=$(jq -r .msg "$T/run.json")
assert_match "idmap: using plugin idmap-fixed \($installed\)" "$msgs" "log: plugin loaded"
assert_match "sysvisor-idmap-fixed: container $SV_ID-a: host ids $HOST_ID-$((HOST_ID + 65535))" \
  "$msgs" "log: the plugin's own record"
assert_match "idmap-fixed: prepare done" "$msgs" "log: prepare"
assert_match "idmap-fixed: release done" "$msgs" "log: release"
sv_assert_nothing_left "$SV_ID-a" "$b"

# ---- its settings errors reach the user as one line with the fix
sv_use_plugins idmap-fixed none none "[idmap-fixed]" "host-id = 0"
assert_fail sv_rt run --bundle "$b" "$SV_ID-b"
assert_eq "sysvisor-runc: plugin idmap-fixed cannot run on this host: plugins.conf [idmap-fixed] host-id = \"0\": give a number from 1 to 4294967294" \
  "$SV_OUT" "host id 0 refused"
sv_assert_nothing_left "$SV_ID-b" "$b"

# ---- uninstalled, it is missing with the path and the fix
assert_ok make -C "$T/example" uninstall
assert_fail sv_rt run --bundle "$b" "$SV_ID-c"
assert_match "^sysvisor-runc: $SYSVISOR_PLUGINS_CONF:2: idmap = idmap-fixed: plugin \"idmap-fixed\" is not installed: $installed is missing" \
  "$SV_OUT" "missing plugin"
sv_assert_nothing_left "$SV_ID-c" "$b"
echo "plugins-sdk: ok"
