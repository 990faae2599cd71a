package spoproof

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// A SelinuxDoc is one SelinuxProfile resource, as SPO's v1 API documents
// its fields, written apart from pkg/spo's types so that a field pkg/spo
// misspells or invents fails to decode. SPO's daemon installs it as a CIL
// block of its name that inherits each System profile, with one allow
// rule per type, class and permissions, @self the block's own process.
type SelinuxDoc struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Inherit []struct {
			Kind string `yaml:"kind"`
			Name string `yaml:"name"`
		} `yaml:"inherit"`
		Mode  string                         `yaml:"mode"`
		Allow map[string]map[string][]string `yaml:"allow"`
	} `yaml:"spec"`
}

// DecodeSelinux reads a YAML stream of SelinuxProfiles. A field SPO's
// schema does not have, another kind or API version is an error.
func DecodeSelinux(stream []byte) ([]*SelinuxDoc, error) {
	dec := yaml.NewDecoder(bytes.NewReader(stream))
	dec.KnownFields(true)
	var docs []*SelinuxDoc
	for {
		d := new(SelinuxDoc)
		err := dec.Decode(d)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("spoproof: document %d: %w", len(docs)+1, err)
		}
		if d.APIVersion != "security-profiles-operator.x-k8s.io/v1" || d.Kind != "SelinuxProfile" {
			return nil, fmt.Errorf("spoproof: document %d is a %s of %s, not a SelinuxProfile of security-profiles-operator.x-k8s.io/v1", len(docs)+1, d.Kind, d.APIVersion)
		}
		docs = append(docs, d)
	}
}
