package e2e

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopEngines()
	summary(os.Stdout)
	os.Exit(code)
}
