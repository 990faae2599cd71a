# Builds, installs and packages confine: README.md, "Install", says how.
#
#   make                  build/confine, and beside it the man pages,
#                         templates and shell completions it makes
#   make install          installs them under $(DESTDIR)$(PREFIX)
#   make uninstall        removes what make install installed
#   make deb, make rpm    the packages, in dist/, made from make install
#   make version          the packages' version, from the binary's
#
# The binary is rebuilt only when a file it is made of, or the commit Go
# stamps it with, changes, so that `sudo make install` after `make` only
# copies.

PREFIX ?= /usr/local
DESTDIR ?=
bindir ?= $(PREFIX)/bin
datadir ?= $(PREFIX)/share
mandir ?= $(datadir)/man
# The recipe confine prints names /usr/share/confine/templates: with
# PREFIX=/usr, as the packages install, the templates are where it looks.
templatedir ?= $(datadir)/confine/templates
bashcompdir ?= $(datadir)/bash-completion/completions
# zsh's own default; Debian's zsh reads /usr/share/zsh/vendor-completions
# instead, where make deb puts the file.
zshcompdir ?= $(datadir)/zsh/site-functions
fishcompdir ?= $(datadir)/fish/vendor_completions.d

GO ?= go
# A static binary, the same on every distribution; -buildvcs=auto stamps
# it with the commit and tag that --version prints and the packages'
# version comes from, and -B gobuildid gives it the GNU build ID rpm
# wants of an ELF file.
GOBUILDFLAGS ?= -buildvcs=auto -trimpath -ldflags='-s -w -B gobuildid'
export CGO_ENABLED ?= 0

MAINTAINER ?= confine maintainers <maintainers@users.noreply.r-seed-25db606a.example>

# What the binary is made of: its sources, the files they embed, how it
# is built, and the commit (git rewrites its index at every commit and
# checkout).
sources := Makefile go.mod go.sum $(shell find cmd internal pkg templates -type f ! -name '*_test.go') $(wildcard .git/HEAD .git/index)

.PHONY: all install uninstall deb rpm version clean
.DELETE_ON_ERROR:

all: build/stamp

build/confine: $(sources)
	$(GO) build $(GOBUILDFLAGS) -o $@ ./cmd/confine

build/stamp: build/confine
	rm -rf build/man build/templates build/completions
	build/confine man --write build/man >/dev/null
	build/confine templates --write build/templates >/dev/null
	mkdir -p build/completions
	build/confine completion bash >build/completions/confine
	build/confine completion zsh >build/completions/_confine
	build/confine completion fish >build/completions/confine.fish
	touch $@

install: build/stamp
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(templatedir) $(DESTDIR)$(mandir)/man8 \
		$(DESTDIR)$(bashcompdir) $(DESTDIR)$(zshcompdir) $(DESTDIR)$(fishcompdir)
	install -m 0755 build/confine $(DESTDIR)$(bindir)/confine
	install -m 0644 build/templates/*.cil $(DESTDIR)$(templatedir)/
	install -m 0644 build/man/*.8 $(DESTDIR)$(mandir)/man8/
	install -m 0644 build/completions/confine $(DESTDIR)$(bashcompdir)/confine
	install -m 0644 build/completions/_confine $(DESTDIR)$(zshcompdir)/_confine
	install -m 0644 build/completions/confine.fish $(DESTDIR)$(fishcompdir)/confine.fish

# Removes the files install installs, by the names this confine gives
# them, and the directories that are confine's alone once empty.
uninstall: build/stamp
	for f in build/templates/*.cil; do rm -f "$(DESTDIR)$(templatedir)/$${f##*/}"; done
	for f in build/man/*.8; do rm -f "$(DESTDIR)$(mandir)/man8/$${f##*/}"; done
	rm -f $(DESTDIR)$(bindir)/confine $(DESTDIR)$(bashcompdir)/confine \
		$(DESTDIR)$(zshcompdir)/_confine $(DESTDIR)$(fishcompdir)/confine.fish
	-rmdir $(DESTDIR)$(templatedir) $(DESTDIR)$(datadir)/confine 2>/dev/null

version: build/confine
	@packaging/version build/confine

# The deb: make install into a staging tree with Debian's paths, the man
# pages compressed and the documents Debian wants, then dpkg-deb with a
# control file filled in from packaging/deb/control.
deb: build/stamp
	rm -rf build/deb
	$(MAKE) install DESTDIR=$(CURDIR)/build/deb PREFIX=/usr zshcompdir=/usr/share/zsh/vendor-completions
	gzip -9n build/deb/usr/share/man/man8/*.8
	install -d build/deb/usr/share/doc/confine build/deb/DEBIAN
	install -m 0644 packaging/deb/copyright build/deb/usr/share/doc/confine/copyright
	install -m 0644 README.md build/deb/usr/share/doc/confine/README.md
	cd build/deb && find usr -type f -exec md5sum {} + | sort -k 2 >DEBIAN/md5sums
	v=$$(packaging/version build/confine) && \
	sed -e "s/@VERSION@/$$v/" -e "s/@ARCH@/$$(dpkg --print-architecture)/" \
		-e "s/@SIZE@/$$(du -sk --exclude=DEBIAN build/deb | cut -f1)/" \
		-e "s/@MAINTAINER@/$(MAINTAINER)/" packaging/deb/control >build/deb/DEBIAN/control && \
	mkdir -p dist && \
	dpkg-deb --root-owner-group --build build/deb dist/confine_$${v}_$$(dpkg --print-architecture).deb

# The rpm: rpmbuild with packaging/confine.spec, in this tree (the build
# needs the git checkout for its version), and %install is make install.
# RPMBUILDFLAGS=--nodeps builds it where rpm knows no installed packages,
# as on Debian.
RPMBUILDFLAGS ?=
rpm: build/stamp
	rm -rf build/rpm
	v=$$(packaging/version build/confine) && \
	rpmbuild -bb --build-in-place $(RPMBUILDFLAGS) \
		--define "_topdir $(CURDIR)/build/rpm" \
		--define "confine_version $$v" packaging/confine.spec
	mkdir -p dist
	mv build/rpm/RPMS/*/confine-*.rpm dist/

clean:
	rm -rf build dist
