package atomicfile

import "golang.org/x/sys/unix"

// oPath opens directories for walking only, so that a directory one may
// search but not read can still be walked through.
const oPath = unix.O_PATH
