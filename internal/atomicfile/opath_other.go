//go:build darwin || freebsd || netbsd || openbsd

package atomicfile

// oPath is zero where there is no O_PATH: directories are opened for
// reading, so walking through one needs read permission on it.
const oPath = 0
