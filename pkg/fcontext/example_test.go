package fcontext_test

import (
	"fmt"
	"log"
	"path/filepath"

	"github.com/confine-policy/confine/pkg/fcontext"
)

// The example policy is testdata/fcontext/example: a few lines of
// file_contexts, and /var/run as an alias of /run.
var exampleDir = filepath.Join("..", "..", "testdata", "fcontext", "example")

func ExampleContexts_Lookup() {
	c, warnings, err := fcontext.Load(exampleDir)
	if err != nil {
		log.Fatal(err)
	}
	for _, w := range warnings {
		log.Print(w)
	}
	for _, p := range []struct {
		path string
		ft   fcontext.FileType
	}{
		{"/var/lib/mysql/ibdata1", fcontext.RegularFile},
		{"/var/lib/mysql/mysql.sock", fcontext.Socket},
		{"/var/run/mysqld/", fcontext.Directory},
		{"/tmp/x", fcontext.RegularFile},
	} {
		m, err := c.Lookup(p.path, p.ft)
		switch {
		case err != nil:
			fmt.Println(p.path, err)
		case m.NoLabel:
			fmt.Printf("%s <<none>> (%s:%d)\n", p.path, filepath.Base(m.Source.File), m.Source.Line)
		default:
			fmt.Printf("%s %s (%s:%d)\n", p.path, m.Context, filepath.Base(m.Source.File), m.Source.Line)
		}
	}
	// Output:
	// /var/lib/mysql/ibdata1 system_u:object_r:mysqld_db_t:s0 (file_contexts:4)
	// /var/lib/mysql/mysql.sock system_u:object_r:mysqld_var_run_t:s0 (file_contexts:5)
	// /var/run/mysqld/ system_u:object_r:var_run_t:s0 (file_contexts:6)
	// /tmp/x <<none>> (file_contexts:8)
}

func ExampleContexts_Under() {
	c, _, err := fcontext.Load(exampleDir)
	if err != nil {
		log.Fatal(err)
	}
	for _, mount := range []string{"/srv", "/var/lib"} {
		ms, err := c.Under(mount)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(mount)
		for _, m := range ms {
			fmt.Printf("  %-20s %-24s line %d\n", m.Context.Type, m.Pattern, m.Source.Line)
		}
	}
	// Output:
	// /srv
	//   default_t            /.*                      line 1
	//   httpd_sys_content_t  /(var|srv)/www(/.*)?     line 7
	// /var/lib
	//   var_lib_t            /var/lib(/.*)?           line 3
	//   mysqld_db_t          /var/lib/mysql(/.*)?     line 4
	//   mysqld_var_run_t     /var/lib/mysql/mysql\.sock line 5
}

// Open reads one file alone, such as a module's own file contexts or
// file_contexts.local, without the homedirs, local and subs files Load
// adds beside it: /var/run is no alias of /run here.
func ExampleOpen() {
	c, _, err := fcontext.Open(filepath.Join(exampleDir, "file_contexts"))
	if err != nil {
		log.Fatal(err)
	}
	for _, path := range []string{"/run/mysqld", "/var/run/mysqld"} {
		m, err := c.Lookup(path, fcontext.Directory)
		if err != nil {
			fmt.Println(path, err)
			continue
		}
		fmt.Println(path, m.Context.Type)
	}
	// Output:
	// /run/mysqld var_run_t
	// /var/run/mysqld var_t
}
