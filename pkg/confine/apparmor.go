package confine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/confine-policy/confine/internal/atomicfile"
	"github.com/confine-policy/confine/pkg/aaload"
	"github.com/confine-policy/confine/pkg/apparmor"
	"github.com/confine-policy/confine/pkg/inspect"
	"github.com/confine-policy/confine/pkg/recipe"
)

// ProfileOptions are the choices generating AppArmor profiles takes.
type ProfileOptions struct {
	// Name names the profile of a single container; "" names each
	// profile after its container.
	Name string
	// Output is the file the profile is written to: "" for NAME, "-"
	// for the writer given to Write. It names one file, so it takes one
	// container.
	Output string
	// Dir is the directory the recipe installs profiles into, and Load
	// its default; "" for aaload.DefaultDir.
	Dir string
	// Profile are the generator's options; Name is set for each profile.
	Profile apparmor.Options
}

// A Profile is one container's AppArmor profile, ready to be written.
type Profile struct {
	*apparmor.Profile
	// Text is the profile file's content.
	Text []byte
	// Path is the file it is written to; "" for Write's writer.
	Path string
	// Recipe is how to install it and run its container.
	Recipe *recipe.AppArmor
}

// Profiles are the profiles GenerateProfiles made.
type Profiles struct {
	Profiles []Profile
	// Dir is the directory the recipes install the profiles into ("" for
	// aaload.DefaultDir), and Load's default.
	Dir string
}

// GenerateProfiles builds the AppArmor profiles for cs, each checked and
// with its recipe, and writes nothing: a bad name or path in one
// container leaves no profile of the others behind either. It reads
// nothing of the host: a profile depends on the container alone.
func GenerateProfiles(cs []inspect.Container, opts ProfileOptions) (*Profiles, error) {
	if opts.Name != "" {
		if err := apparmor.ValidateName(opts.Name); err != nil {
			return nil, usage(fmt.Errorf("NAME: %w", err))
		}
		if len(cs) > 1 {
			return nil, usage(fmt.Errorf("the input holds %d containers, so NAME would be ambiguous: give no NAME to write one profile per container, named after it", len(cs)))
		}
	}
	if opts.Output != "" && len(cs) > 1 {
		return nil, usage(fmt.Errorf("-o names one file, but the input holds %d containers", len(cs)))
	}
	out := &Profiles{Dir: opts.Dir}
	var names []string
	for i, c := range cs {
		po := opts.Profile
		po.Name = opts.Name
		if po.Name == "" && strings.TrimPrefix(c.Name, "/") == "" {
			return nil, usage(fmt.Errorf("container %d has no name to name its profile after: give NAME", i+1))
		}
		p, err := apparmor.Generate(c, po)
		switch {
		case errors.Is(err, apparmor.ErrBadName):
			return nil, usage(fmt.Errorf("container %s: %w: give NAME", c.Name, err))
		case err != nil:
			return nil, input(fmt.Errorf("container %s: %w", c.Name, err))
		}
		if j := slices.Index(names, p.Name); j >= 0 {
			return nil, usage(fmt.Errorf("containers %d and %d would both write profile %s: give them distinct names", j+1, i+1, p.Name))
		}
		names = append(names, p.Name)
		text, err := p.Text()
		if err != nil {
			return nil, err
		}
		prof := Profile{Profile: p, Text: text, Path: p.Name}
		switch opts.Output {
		case "":
		case "-":
			prof.Path = ""
		default:
			prof.Path = opts.Output
		}
		prof.Recipe = &recipe.AppArmor{Name: p.Name, File: prof.Path, Dir: opts.Dir}
		out.Profiles = append(out.Profiles, prof)
	}
	return out, nil
}

// Write writes the profiles to their files, all or nothing, as
// Modules.Write does. A profile without a path is written to w, once the
// files are in place.
func (ps *Profiles) Write(w io.Writer) error {
	var files []atomicfile.File
	for _, p := range ps.Profiles {
		if p.Path != "" {
			files = append(files, atomicfile.File{Path: p.Path, Data: p.Text, Perm: 0o644})
		}
	}
	if err := atomicfile.WriteAll(files); err != nil {
		return err
	}
	for _, p := range ps.Profiles {
		if p.Path == "" {
			if _, err := w.Write(p.Text); err != nil {
				return err
			}
		}
	}
	return nil
}

// Load installs the profiles into the directory opts names (by default
// ps.Dir) and loads them into the kernel, all or none, as aaload.Load
// does; each profile's Path is then its installed file, and its recipe
// says it was loaded. Write need not be called after it.
func (ps *Profiles) Load(ctx context.Context, opts aaload.Options) (*aaload.Result, error) {
	if opts.Dir == "" {
		opts.Dir = ps.Dir
	}
	var profiles []aaload.Profile
	for _, p := range ps.Profiles {
		profiles = append(profiles, aaload.Profile{Name: p.Name, Text: p.Text})
	}
	res, err := aaload.Load(ctx, profiles, opts)
	if errors.Is(err, aaload.ErrNotOurs) {
		return nil, usage(err)
	}
	if err != nil {
		return nil, err
	}
	for i := range ps.Profiles {
		p := &ps.Profiles[i]
		p.Path, p.Recipe.File, p.Recipe.Dir, p.Recipe.Loaded = res.Paths[i], res.Paths[i], opts.Dir, res
	}
	return res, nil
}
