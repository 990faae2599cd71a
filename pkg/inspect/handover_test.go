package inspect

import "testing"

func TestHandOverWarning(t *testing.T) {
	tests := []struct {
		mount Mount
		want  string
	}{
		{Mount{Source: "/var/run/docker.sock", Destination: "/var/run/docker.sock", Type: Bind},
			"mount /var/run/docker.sock -> /var/run/docker.sock (rw) hands the docker socket to the container: no AppArmor profile can confine a container given that"},
		{Mount{Source: "/etc/", Destination: "/host/etc", ReadOnly: true, Type: Bind},
			"mount /etc/ -> /host/etc (ro) hands the host's configuration to the container: no AppArmor profile can confine a container given that"},
		{Mount{Source: "/srv/www", Destination: "/www", ReadOnly: true, Type: Bind}, ""},
		{Mount{Source: "/etc/app", Destination: "/etc", Type: Bind}, ""},
		{Mount{Destination: "/proc", Type: Tmpfs}, ""},
		{Mount{Source: "proc", Destination: "/x", Type: Volume}, ""},
	}
	for _, tt := range tests {
		if got := tt.mount.HandOverWarning("AppArmor profile"); got != tt.want {
			t.Errorf("%v: got %q, want %q", tt.mount, got, tt.want)
		}
	}
	if got, want := (Mount{Destination: "/run", Type: Tmpfs}).String(), "tmpfs /run (rw)"; got != want {
		t.Errorf("String of a tmpfs: got %q, want %q", got, want)
	}
}
