package ansible

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/confine-policy/confine/pkg/cil"
)

// The names of the files Files returns, beside the archive's (see
// ArchiveName).
const (
	PlaybookFile  = "deploy-module.yml"
	VariablesFile = "variables-deploy-module.yml"
)

// DefaultHosts is the host pattern the playbook runs on unless
// Bundle.Hosts or confine_hosts names another.
const DefaultHosts = "all"

// DefaultDir is where the playbook unpacks the archive on each host,
// unless confine_dest names another directory.
const DefaultDir = "/var/lib/confine/policy"

var (
	// ErrNoModule is returned for a bundle without a module.
	ErrNoModule = errors.New("no module to deploy")
	// ErrBadName is returned for a module, template or archive name
	// that cannot be one: a module's and the archive's must be CIL
	// names, a template's a CIL name followed by ".cil".
	ErrBadName = errors.New("bad name")
	// ErrDuplicate is returned when two modules have one name, when a
	// template file has a module's name, or when one template file is
	// given twice with different contents.
	ErrDuplicate = errors.New("named twice")
	// ErrNoName is returned for several modules without Bundle.Name:
	// their archive needs one.
	ErrNoName = errors.New("several modules need a bundle name")
	// ErrBadHosts is returned for a host pattern the playbook cannot
	// quote.
	ErrBadHosts = errors.New("bad host pattern")
)

// A Module is one policy module: semodule installs it as Name from
// NAME.cil.
type Module struct {
	Name string
	CIL  []byte
}

// A File is a file by its name, with no directory, and its contents.
type File struct {
	Name string
	Data []byte
}

// A Bundle is what one playbook deploys.
type Bundle struct {
	// Name names the archive, NAME-policy.tar.gz: "" for the module's
	// name when there is one module. With several, it must be set.
	Name string
	// Modules are the modules, in the order policy lists them.
	Modules []Module
	// Templates are the files the modules need installed with them, in
	// order, such as recipe.Recipe.Templates with templates.Data: the
	// template files they inherit and, on Debian,
	// templates.DebianEnginesFile. A file given again with the same
	// contents, as by the next module's recipe, counts once.
	Templates []File
	// Hosts is the host pattern the play runs on unless confine_hosts
	// names another: "" for DefaultHosts.
	Hosts string
}

//go:embed deploy-module.yml
var playbook string

// hostsDefault is where the playbook says which hosts it runs on by
// default.
const hostsDefault = "default('" + DefaultHosts + "')"

// epoch dates every file in the archive.
var epoch = time.Unix(0, 0)

// ArchiveName returns the name of the archive of the bundle called name.
func ArchiveName(name string) string { return name + "-policy.tar.gz" }

// Files returns the files that deploy b with Ansible, in the order
// PlaybookFile, VariablesFile, then the archive (ArchiveName), to be
// written into one directory. The same bundle gives the same bytes.
func Files(b Bundle) ([]File, error) {
	name, policy, tmpls, err := b.check()
	if err != nil {
		return nil, err
	}
	book, err := Playbook(b.Hosts)
	if err != nil {
		return nil, err
	}
	var mods []string
	for _, m := range b.Modules {
		mods = append(mods, m.Name+".cil")
	}
	vars := fmt.Sprintf("archive: %s\npolicy: %s\nfinal_policy: %s", ArchiveName(name), strings.Join(policy, " "), strings.Join(mods, " "))

	files := slices.Clone(tmpls)
	for _, m := range b.Modules {
		files = append(files, File{Name: m.Name + ".cil", Data: m.CIL})
	}
	archive, err := pack(files)
	if err != nil {
		return nil, err
	}
	return []File{
		{Name: PlaybookFile, Data: book},
		{Name: VariablesFile, Data: []byte(vars)},
		{Name: ArchiveName(name), Data: archive},
	}, nil
}

// Playbook returns the playbook, which runs on the host pattern hosts
// unless confine_hosts names another: "" for DefaultHosts. It is the same
// for every bundle; the variables file says what it installs.
func Playbook(hosts string) ([]byte, error) {
	if hosts == "" {
		hosts = DefaultHosts
	}
	if err := checkHosts(hosts); err != nil {
		return nil, err
	}
	if strings.Count(playbook, hostsDefault) != 1 {
		return nil, fmt.Errorf("ansible: the playbook does not say %s once", hostsDefault)
	}
	return []byte(strings.Replace(playbook, hostsDefault, "default('"+hosts+"')", 1)), nil
}

// checkHosts refuses what would end the playbook's quoting of a host
// pattern (a double-quoted YAML string holding a single-quoted Jinja
// one), or start a Jinja expression in it.
func checkHosts(hosts string) error {
	if strings.TrimSpace(hosts) != hosts || strings.ContainsAny(hosts, "'\"\\{}%#") || strings.ContainsFunc(hosts, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return fmt.Errorf("ansible: %w %q: quotes, backslashes, braces, '%%', '#', control characters and outer spaces are not allowed", ErrBadHosts, hosts)
	}
	return nil
}

// check validates b and returns the archive's name, the files of the
// semodule transaction (the modules, then the templates) and the
// templates without repeats.
func (b Bundle) check() (name string, policy []string, tmpls []File, err error) {
	if len(b.Modules) == 0 {
		return "", nil, nil, fmt.Errorf("ansible: %w", ErrNoModule)
	}
	name = b.Name
	if name == "" {
		if len(b.Modules) > 1 {
			return "", nil, nil, fmt.Errorf("ansible: %w", ErrNoName)
		}
		name = b.Modules[0].Name
	}
	if err := cil.ValidateName(name); err != nil {
		return "", nil, nil, fmt.Errorf("ansible: archive: %w: %w", ErrBadName, err)
	}
	if err := fits(ArchiveName(name)); err != nil {
		return "", nil, nil, err
	}
	for _, m := range b.Modules {
		if err := cil.ValidateName(m.Name); err != nil {
			return "", nil, nil, fmt.Errorf("ansible: module: %w: %w", ErrBadName, err)
		}
		file := m.Name + ".cil"
		if err := fits(file); err != nil {
			return "", nil, nil, err
		}
		if slices.Contains(policy, file) {
			return "", nil, nil, fmt.Errorf("ansible: module %s %w", m.Name, ErrDuplicate)
		}
		policy = append(policy, file)
	}
	for _, t := range b.Templates {
		stem, ok := strings.CutSuffix(t.Name, ".cil")
		if !ok {
			return "", nil, nil, fmt.Errorf("ansible: template %q: %w: not a .cil file", t.Name, ErrBadName)
		}
		if err := cil.ValidateName(stem); err != nil {
			return "", nil, nil, fmt.Errorf("ansible: template %q: %w: %w", t.Name, ErrBadName, err)
		}
		if err := fits(t.Name); err != nil {
			return "", nil, nil, err
		}
		if i := slices.IndexFunc(tmpls, func(have File) bool { return have.Name == t.Name }); i >= 0 {
			if !bytes.Equal(tmpls[i].Data, t.Data) {
				return "", nil, nil, fmt.Errorf("ansible: template %s %w with different contents", t.Name, ErrDuplicate)
			}
			continue
		}
		if slices.Contains(policy, t.Name) {
			return "", nil, nil, fmt.Errorf("ansible: template %s %w: a module has its name", t.Name, ErrDuplicate)
		}
		tmpls = append(tmpls, t)
		policy = append(policy, t.Name)
	}
	return name, policy, tmpls, nil
}

// maxFileName is the longest file name Linux's file systems keep.
const maxFileName = 255

// fits refuses a file name longer than a host can keep.
func fits(file string) error {
	if len(file) > maxFileName {
		return fmt.Errorf("ansible: %w: file name %.40q... is longer than %d bytes", ErrBadName, file, maxFileName)
	}
	return nil
}

// pack returns a gzipped tar archive of files, sorted by name, with
// nothing in it that changes from one run to the next.
func pack(files []File) ([]byte, error) {
	files = slices.Clone(files)
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(zw)
	for _, f := range files {
		hdr := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     f.Name,
			Size:     int64(len(f.Data)),
			Mode:     0o644,
			Uname:    "root",
			Gname:    "root",
			ModTime:  epoch,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("ansible: archive: %w", err)
		}
		if _, err := tw.Write(f.Data); err != nil {
			return nil, fmt.Errorf("ansible: archive: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("ansible: archive: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("ansible: archive: %w", err)
	}
	return buf.Bytes(), nil
}
