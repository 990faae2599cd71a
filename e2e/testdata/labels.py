# The end-to-end proof's oracle for mounts: what restorecon would label
# each file below a mount source, found and labelled without confine.
#
# Usage: /usr/bin/python3 labels.py FILE_CONTEXTS < SOURCES
# Reads one mount source per line on stdin. For each, it walks the tree
# below it (not following symlinks; the source itself is followed, as a
# bind mount follows it), and looks every path up with libselinux's
# selabel_lookup_raw for the file type lstat gives it, and writes one line
# per path: SOURCE, CLASS, TYPE and PATH, separated by tabs. A path that
# nothing labels (no match, or <<none>>) has the type "-".
import os
import stat
import sys

import selinux

opt = selinux.selinux_opt()
opt.type = selinux.SELABEL_OPT_PATH
opt.value = sys.argv[1]
handle = selinux.selabel_open(selinux.SELABEL_CTX_FILE, opt, 1)
if handle is None:
    sys.exit("libselinux refuses " + sys.argv[1])

CLASSES = [
    (stat.S_ISDIR, "dir"),
    (stat.S_ISLNK, "lnk_file"),
    (stat.S_ISFIFO, "fifo_file"),
    (stat.S_ISSOCK, "sock_file"),
    (stat.S_ISCHR, "chr_file"),
    (stat.S_ISBLK, "blk_file"),
    (stat.S_ISREG, "file"),
]


def label(path, st):
    for test, name in CLASSES:
        if test(st.st_mode):
            cls = name
            break
    try:
        con = selinux.selabel_lookup_raw(handle, path, stat.S_IFMT(st.st_mode))[1]
        typ = con.split(":")[2]
    except OSError:
        typ = "-"
    return cls, typ


out = sys.stdout
for line in sys.stdin:
    source = line.rstrip("\n")
    real = os.path.realpath(source)
    # (path as the mount shows it, path looked up, status)
    paths = [(source, real, os.stat(real))]
    if stat.S_ISDIR(paths[0][2].st_mode):
        for top, dirs, files in os.walk(real):
            dirs.sort()
            for name in sorted(dirs) + sorted(files):
                p = os.path.join(top, name)
                paths.append((source + p[len(real):], p, os.lstat(p)))
    for shown, looked_up, st in paths:
        cls, typ = label(looked_up, st)
        out.write("%s\t%s\t%s\t%s\n" % (source, cls, typ, shown))
out.flush()
