package policy

import "slices"

// A forbidden grant is one that the reference policy, and Fedora's, which
// is derived from it, refuse to every container domain with a neverallow
// rule. A binary policy keeps no neverallow rule, so confine cannot learn
// them from the host; a module that grants one does not load ("neverallow
// check failed"), so confine leaves the permission out and says why. The
// end-to-end tests compile modules that meet each of these into Debian's
// reference policy.
type forbidden struct {
	target  string // a type, or "process" for the container's own domain
	classes []string
	perms   []string
	why     string
}

var forbiddenGrants = []forbidden{
	{"process", []string{"capability"}, []string{"sys_module"}, "only the domains that load kernel modules may have it"},
	{"process", []string{"capability2"}, []string{"mac_override"}, "no domain may have it"},
	{"fixed_disk_device_t", []string{"blk_file", "chr_file"}, []string{"read", "write", "append"}, "raw disk access is kept to storage administration"},
	{"scsi_generic_device_t", []string{"blk_file", "chr_file"}, []string{"read", "write", "append"}, "raw SCSI access is kept to storage administration"},
	{"memory_device_t", []string{"blk_file", "chr_file"}, []string{"read", "write", "append"}, "raw memory access is kept to the kernel's own tools"},
	{"shadow_t", []string{"file"}, []string{"read", "write", "create"}, "only the password tools may use shadow passwords"},
	{"proc_kmsg_t", []string{"file"}, []string{"read"}, "only the kernel log daemon may read it"},
	{"proc_kcore_t", []string{"file"}, nil, "nothing may use the kernel's memory image"},
}

// forbiddenWhy says why the policy forbids a permission, or "" when it
// does not.
func forbiddenWhy(target, class, perm string) string {
	for _, f := range forbiddenGrants {
		if f.target == target && slices.Contains(f.classes, class) && (f.perms == nil || slices.Contains(f.perms, perm)) {
			return f.why
		}
	}
	return ""
}
