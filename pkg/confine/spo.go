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
	var texts [][]byte
	var warnings []string
	var docs []*spo.SelinuxProfileDoc
	for _, m := range ms.Modules {
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
		texts = append(texts, text)
		warnings = append(warnings, w...)
		docs = append(docs, doc)
	}
	return yamlStream(texts), append(warnings, spo.Advice(namespace, docs...)...), nil
}

// yamlStream joins YAML documents, each ending in a newline, into one
// stream for kubectl apply -f.
func yamlStream(docs [][]byte) []byte { return bytes.Join(docs, []byte("---\n")) }
