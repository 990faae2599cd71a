package policy

import (
	"embed"
	"maps"
	"strings"

	"github.com/confine-policy/confine/templates"
)

// secretFiles hold, per flavour, the types that label credentials: one
// type per line, a tab, and what it holds.
//
//go:embed secrets/*.txt
var secretFiles embed.FS

// secrets maps each flavour to its secret types and what they hold; the
// zero flavour, for a caller that names none, has both lists.
var secrets = func() map[templates.Flavor]map[string]string {
	all := map[templates.Flavor]map[string]string{0: {}}
	for _, f := range []templates.Flavor{templates.Fedora, templates.Refpolicy} {
		// The files are part of the binary, and a test reads every line;
		// a line without a tab would hold a type with no reason.
		data, _ := secretFiles.ReadFile("secrets/" + f.String() + ".txt")
		all[f] = map[string]string{}
		for line := range strings.Lines(string(data)) {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			typ, what, _ := strings.Cut(line, "\t")
			all[f][typ] = what
			all[0][typ] = what
		}
	}
	return all
}()

// SecretTypes returns the types that hold credentials on hosts of the
// flavour (both flavours' for the zero Flavor), with what each holds. A
// mount grants none of them unless Options.AllowTypes names it.
func SecretTypes(f templates.Flavor) map[string]string {
	return maps.Clone(secrets[f])
}
