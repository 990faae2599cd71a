// Package engine runs a container engine's inspect command for a container
// ID, the way `confine -i ID` needs: it finds out which engine knows the
// container and returns that engine's inspect output for pkg/inspect to
// read.
//
// Inspect asks one engine when told which, and otherwise every engine it
// knows that is installed, at the same time:
//
//	podman   podman inspect ID
//	docker   docker inspect ID
//	crictl   crictl inspect ID                  (engine crio)
//	nerdctl  nerdctl inspect --mode=native ID   (engine containerd)
//
// Asked together, the first of them in that order that knows the container
// wins, however quickly the others answer, and the Result names the others
// that know it too, so that a caller can say that the choice was ambiguous.
// An engine knows the container when its command exits 0 and prints
// something other than nothing, an empty list ("[]") or null.
//
// The commands are the ones a user would type: the executable is found on
// PATH, and it runs with confine's whole environment, so that DOCKER_HOST,
// CONTAINER_HOST, CONTAINER_CONNECTION and the like choose the daemon or
// connection as they would in the user's shell. Standard input is the null
// device. Each command is stopped after Timeout, or sooner when the
// caller's context ends. When no engine knows the container, the error
// holds each one's exit status and standard error, trimmed to one line.
//
// The package depends on pkg/inspect and the standard library.
package engine
