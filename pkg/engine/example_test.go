package engine_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/confine-policy/confine/pkg/engine"
	"github.com/confine-policy/confine/pkg/inspect"
)

// Inspect a container with whichever engine knows it, and say so when
// more than one does. This example needs real engines, so it is compiled
// but not run.
func ExampleInspect() {
	res, err := engine.Inspect(context.Background(), "web", "")
	if err != nil {
		log.Fatal(err)
	}
	if len(res.AlsoKnownBy) > 0 {
		names := []string{string(res.Engine)}
		for _, e := range res.AlsoKnownBy {
			names = append(names, string(e))
		}
		log.Printf("%s all know web; used %s's (%s); give -e to choose",
			strings.Join(names, ", "), res.Engine, res.Command())
	}
	containers, err := inspect.Parse(strings.NewReader(string(res.Output)), "")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(containers[0].Name)
}

// An OCI runtime has no command that inspects a container by ID, so
// Inspect runs nothing for it.
func ExampleInspect_oci() {
	_, err := engine.Inspect(context.Background(), "web", inspect.OCI)
	fmt.Println(err)
	fmt.Println(errors.Is(err, engine.ErrNoInspector))
	// Output:
	// container web: oci: no command inspects a container by ID
	// true
}

func ExampleResult_Command() {
	r := &engine.Result{Engine: inspect.Docker, Argv: []string{"docker", "inspect", "my web"}}
	fmt.Println(r.Command())
	// Output:
	// docker inspect 'my web'
}
