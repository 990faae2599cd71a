package templates_test

import (
	"fmt"
	"path/filepath"

	"github.com/confine-policy/confine/templates"
)

// The load recipe names each inherited block's template file once, in the
// flavour's directory.
func ExampleFile() {
	flavor, err := templates.ParseFlavor("refpolicy")
	if err != nil {
		fmt.Println(err)
		return
	}
	seen := map[string]bool{}
	for _, block := range []string{"container", "restricted_net_container", "net_container", "home_rw_container"} {
		file, err := templates.File(block)
		if err != nil {
			fmt.Println(err)
			return
		}
		if !seen[file] {
			seen[file] = true
			fmt.Println(filepath.Join(flavor.Dir(), file))
		}
	}
	_, err = templates.File("home_manage_container")
	fmt.Println(err)
	// Output:
	// /usr/share/confine/templates/base_container.cil
	// /usr/share/confine/templates/net_container.cil
	// /usr/share/confine/templates/home_container.cil
	// unknown template block "home_manage_container"
}
