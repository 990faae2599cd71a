# Looks paths up with libselinux's selabel_lookup_raw, for the differential
# tests of pkg/fcontext.
#
# Usage: /usr/bin/python3 selabel.py FILE_CONTEXTS
# Reads lines "MODE HEXPATH" ("-" for the empty path) on stdin and writes
# "ok CONTEXT" or "err ERRNO" for each on stdout, or only "refused" if
# libselinux refuses to open the file.
#
# The handle is opened with the python3-selinux module, with
# SELABEL_OPT_PATH set, so libselinux reads FILE_CONTEXTS and the
# .homedirs, .local, .subs and .subs_dist beside it. Lookups go through
# ctypes to the same libselinux, because the module's bindings take str
# only and paths need not be UTF-8.
import ctypes
import sys

import selinux

opt = selinux.selinux_opt()
opt.type = selinux.SELABEL_OPT_PATH
opt.value = sys.argv[1]
handle = selinux.selabel_open(selinux.SELABEL_CTX_FILE, opt, 1)
if handle is None:
    # libselinux refuses the whole file; it says why on stderr.
    print("refused")
    sys.exit(0)

lib = ctypes.CDLL("libselinux.so.1", use_errno=True)
lib.selabel_lookup_raw.argtypes = [
    ctypes.c_void_p,
    ctypes.POINTER(ctypes.c_char_p),
    ctypes.c_char_p,
    ctypes.c_int,
]
lib.freecon.argtypes = [ctypes.c_char_p]

out = sys.stdout
for line in sys.stdin:
    mode, hexpath = line.split()
    path = b"" if hexpath == "-" else bytes.fromhex(hexpath)
    con = ctypes.c_char_p()
    ctypes.set_errno(0)
    if lib.selabel_lookup_raw(int(handle), ctypes.byref(con), path, int(mode)) == 0:
        out.write("ok " + con.value.decode() + "\n")
        lib.freecon(con)
    else:
        out.write("err %d\n" % ctypes.get_errno())
out.flush()
