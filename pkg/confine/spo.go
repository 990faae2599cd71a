package confine

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/confine-policy/confine/pkg/spo"
)

// SelinuxProfiles returns the modules as the Security Profiles Operator's
// SelinuxProfile resources (see spo.SelinuxProfile), in one YAML stream,
// with what to know before applying them: the rules and templates SPO
// refuses by default, kept or left out as opts says, and then the one
// setting of the operator in namespace ("" for SPO's default) that lets
// them all through.
func (ms *Modules) SelinuxProfiles(opts spo.Options, namespace string) ([]byte, []string, error) {
	var stream bytes.Buffer
	var warnings []string
	var docs []*spo.SelinuxProfileDoc
	for i, m := range ms.Modules {
		doc, w, err := spo.SelinuxProfile(m.Module, opts)
		if errors.Is(err, spo.ErrBadName) {
			return nil, nil, usage(fmt.Errorf("module %s: %w", m.Name, err))
		}
		if err != nil {
			return nil, nil, fmt.Errorf("module %s: %w", m.Name, err)
		}
		text, err := doc.YAML()
		if err != nil {
			return nil, nil, err
		}
		if i > 0 {
			stream.WriteString("---\n")
		}
		stream.Write(text)
		warnings = append(warnings, w...)
		docs = append(docs, doc)
	}
	return stream.Bytes(), append(warnings, spo.Advice(namespace, docs...)...), nil
}
