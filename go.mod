module github.com/confine-policy/confine

go 1.26

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/moby/moby/api v1.56.1 // indirect
	github.com/opencontainers/runtime-spec v1.3.0 // indirect
	github.com/opencontainers/selinux v1.15.1 // indirect
	github.com/spf13/cobra v1.10.2 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
)
