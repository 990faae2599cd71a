package confine

import (
	"errors"
	"fmt"

	"github.com/confine-policy/confine/pkg/apparmor"
	"github.com/confine-policy/confine/pkg/spo"
)

// AppArmorProfiles returns the profiles as the Security Profiles
// Operator's AppArmorProfile resources (see spo.AppArmorProfile), in one
// YAML stream, with the warnings of what SPO's abstract cannot say as the
// profiles do. Each resource is named after its profile, unless
// opts.Name names the one resource of a single profile; that name is
// what a pod's appArmorProfile.localhostProfile gives.
func (ps *Profiles) AppArmorProfiles(opts spo.AppArmorOptions) ([]byte, []string, error) {
	if opts.Name != "" && len(ps.Profiles) > 1 {
		return nil, nil, usage(fmt.Errorf("an AppArmorProfile name names one resource, but there are %d profiles", len(ps.Profiles)))
	}
	var texts [][]byte
	var warnings []string
	for _, p := range ps.Profiles {
		doc, w, err := spo.AppArmorProfile(p.Profile, opts)
		switch {
		case errors.Is(err, spo.ErrBadName):
			return nil, nil, usage(fmt.Errorf("profile %s: %w", p.Name, err))
		case errors.Is(err, apparmor.ErrBadRule):
			return nil, nil, input(fmt.Errorf("container %s: %w", p.Container, err))
		case err != nil:
			return nil, nil, fmt.Errorf("profile %s: %w", p.Name, err)
		}
		text, err := doc.YAML()
		if err != nil {
			return nil, nil, err
		}
		texts = append(texts, text)
		warnings = append(warnings, w...)
	}
	return yamlStream(texts), warnings, nil
}
