/* sysvisor-fs: its error domain (svfs-error.h). */
#include "svfs-error.h"

G_DEFINE_QUARK (svfs - error - quark, svfs_error)
