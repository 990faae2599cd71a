package cmd_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/confine-policy/confine/internal/hosttest"
	"github.com/confine-policy/confine/internal/testutil"
)

// TestDenialsCommand runs confine denials on the records the enforcing
// guest's kernel wrote, for the Fedora 41 host, and compares the whole
// transcripts with testdata/cmd/denials/NAME.golden.
func TestDenialsCommand(t *testing.T) {
	root := hosttest.FedoraRoot(t)
	data := filepath.Join(testutil.RepoRoot(), "testdata")
	for _, tc := range []struct{ name, args, stdin string }{
		{"compare", "denials --root ROOT --module testdata/cmd/denials/web.cil web testdata/audit/enforcing-guest.log", ""},
		{"no-module", "denials --root ROOT web testdata/audit/enforcing-guest.log", ""},
		{"stdin", "denials --root ROOT web -", "testdata/audit/enforcing-guest.log"},
		{"other-domain", "denials --root ROOT db testdata/audit/enforcing-guest.log", ""},
		{"bad-name", "denials --root ROOT web)(allow testdata/audit/enforcing-guest.log", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := strings.ReplaceAll(tc.args, "testdata/", data+"/")
			transcript, _ := generated(t, root, args, tc.stdin)
			transcript = strings.ReplaceAll(transcript, data+"/", "testdata/")
			testutil.Golden(t, filepath.Join(data, "cmd", "denials", tc.name+".golden"), []byte(transcript))
		})
	}
}
