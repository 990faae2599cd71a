//go:build !unix

package atomicfile

import "io/fs"

// umask is zero where there is none.
func umask() fs.FileMode { return 0 }
