package e2e

import (
	"fmt"
	"io"
	"sync/atomic"
)

// stats counts what the end-to-end tests did, for the line CI prints: a
// green run should say how much it proved.
var stats struct {
	containers atomic.Int64 // created with a real engine
	compiled   atomic.Int64 // modules compiled into the reference policy
	proved     atomic.Int64 // permissions a module adds, each proved needed
	needs      atomic.Int64 // permissions the containers need, proved allowed
	forbidden  atomic.Int64 // permissions they need that the policy forbids, proved so
	caught     atomic.Int64 // deliberately wrong modules the proof caught
	readme     atomic.Int64 // commands of the README's Debian path run as written

	aaWritten  atomic.Int64 // AppArmor profiles written for the containers
	aaCompiled atomic.Int64 // profiles apparmor_parser compiled
	aaProved   atomic.Int64 // profiles internal/aaproof proved
	aaCaught   atomic.Int64 // read-only mounts flipped to read-write the proof caught

	ansible atomic.Pointer[ansibleRuns] // what the plays of confine -d did
	spo     atomic.Pointer[spoRun]      // what TestSelinuxProfiles proved
}

// spoRun is what TestSelinuxProfiles proved: how many profiles the one
// stream held, how many grants their compiled rules matched the modules'
// in, and how many profiles with a permission lost were caught.
type spoRun struct {
	profiles, grants, caught int
}

// ansibleRuns are the recaps of TestAnsible's plays.
type ansibleRuns struct {
	module, installed, refused, ghost string
}

// summary writes what the tests did, if they did anything.
func summary(w io.Writer) {
	if stats.containers.Load() == 0 && stats.compiled.Load() == 0 {
		return
	}
	fmt.Fprintf(w, "e2e: %d containers created with docker and podman; %d modules compiled into Debian's reference policy; %d rule differences (permissions added) proved, %d permissions the containers need shown allowed and %d shown forbidden by a neverallow rule; %d deliberately wrong modules caught\n",
		stats.containers.Load(), stats.compiled.Load(), stats.proved.Load(), stats.needs.Load(), stats.forbidden.Load(), stats.caught.Load())
	for _, line := range figureLines() {
		fmt.Fprintln(w, line)
	}
	if n := stats.aaWritten.Load(); n > 0 {
		fmt.Fprintf(w, "e2e (AppArmor): %d profiles written with confine apparmor for the containers; %d compiled with apparmor_parser -Q -K; %d proved against the engines' inspect output with python3-apparmor; %d read-only mounts flipped to read-write caught\n",
			n, stats.aaCompiled.Load(), stats.aaProved.Load(), stats.aaCaught.Load())
	}
	if a := stats.ansible.Load(); a != nil {
		fmt.Fprintf(w, "e2e (Ansible): the play confine -d wrote for %s installed it into a copy of the policy store and its check passed (%s); with a rule the policy cannot load the play failed and the store was unchanged (%s); told to look for a module the store lacks, the check failed (%s)\n",
			a.module, a.installed, a.refused, a.ghost)
	}
	if r := stats.spo.Load(); r != nil {
		fmt.Fprintf(w, "e2e (SPO): one YAML stream of %d SelinuxProfiles for the containers, each document decoded strictly; translated back to CIL as SPO installs them and compiled into the reference policy, their domains' rules equal the CIL modules' (%d grants); %d profile with one permission lost caught\n",
			r.profiles, r.grants, r.caught)
	}
	if n := stats.readme.Load(); n > 0 {
		fmt.Fprintf(w, "e2e: the README's path from a fresh Debian host ran as written (%d commands) into a copy of the policy store, and semodule lists the module\n", n)
	}
}
