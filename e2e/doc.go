// Package e2e holds confine's end-to-end tests. They create real
// containers with docker and podman, generate modules from what the
// engines report of them, and prove those modules against Debian's real
// reference policy.
//
// The tests need root and the packages that scripts/test installs. Without
// them they skip, and under CONFINE_REQUIRE_TOOLS=1 they fail instead. The
// engines get storage of their own for the run, so the host's containers,
// images and networks are neither seen nor touched, and nothing is left
// running afterwards.
package e2e
