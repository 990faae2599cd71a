package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cpuguy83/go-md2man/v2/md2man"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/confine-policy/confine/pkg/confine"
)

// manSection is the manual section of confine's pages: it is run by the
// system's administrator, as semodule and udica are.
const manSection = "8"

// manFallbackDate is the date the pages carry when neither
// SOURCE_DATE_EPOCH nor the build says one: the month they were first
// written. A build from a checkout (go build -buildvcs=auto, as the README
// says) records its commit's time, so only binaries built without VCS
// data (and test binaries) use it; the clock is never read, so the same
// confine always writes the same pages.
var manFallbackDate = time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC)

func newMan(s *streams) *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "man [--write DIR]",
		Short: "Print or write confine's manual pages",
		Long: `man prints confine's manual page, confine(8), on standard output. With
--write DIR it writes that page and one for each command instead
(confine-generate.8, confine-label.8 and the others), into DIR, creating
it if needed, all of them or none; it prints the path of each.

The pages are made from the commands' own help, so they say what this
confine does. They are the same for the same confine: they are dated
from SOURCE_DATE_EPOCH when it is set (seconds since 1970, as
reproducible builds set it), else from the commit confine was built
from (a fixed date when the build recorded none), never from the clock.

` + exitStatusHelp,
		Example: `  # Install the pages where man looks for local ones, and read one
  confine man --write /usr/local/share/man/man8
  man confine-generate
  # Read confine(8) without installing anything
  confine man | man -l -`,
		Args: positional(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			header, err := manHeader()
			if err != nil {
				return usageError(err)
			}
			// A tree of its own, as registered: the pages change the
			// commands' text, and the tree being run holds what cobra
			// adds when it runs (its completion command), which is not
			// confine's to document.
			pages, err := manPages(newRoot(s), header)
			if err != nil {
				return policyError(fmt.Errorf("making the man pages: %w", err))
			}
			if dir == "" {
				_, err := s.out.Write(pages[0].Data)
				return err
			}
			paths, err := confine.WriteFiles(dir, pages)
			if err != nil {
				return policyError(fmt.Errorf("writing the man pages: %w", err))
			}
			for _, path := range paths {
				fmt.Fprintln(s.out, path)
			}
			return nil
		},
	}
	c.Flags().StringVar(&dir, "write", "", "write every page into `DIR`, such as /usr/local/share/man/man8, creating it if needed")
	return c
}

// manHeader returns the pages' .TH header: section 8, dated as newMan's
// help says, from "confine" and its version when the build has one.
func manHeader() (doc.GenManHeader, error) {
	v := confine.BuildVersion()
	date := manFallbackDate
	switch epoch := os.Getenv("SOURCE_DATE_EPOCH"); {
	case epoch != "":
		secs, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil || secs < 0 {
			return doc.GenManHeader{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want a number of seconds since 1970", epoch)
		}
		date = time.Unix(secs, 0)
	case !v.Time.IsZero():
		date = v.Time
	}
	// In UTC, so that the month does not depend on where the pages are
	// made.
	date = date.UTC()
	source := "confine"
	if v.Version != "" && v.Version != "(devel)" {
		source += " " + v.Version
	}
	return doc.GenManHeader{Section: manSection, Date: &date, Source: source, Manual: "System Manager's Manual"}, nil
}

// manCommands returns c and every command below it that a user can run,
// depth first, in the order help lists them. Each gets a page.
func manCommands(c *cobra.Command) []*cobra.Command {
	cs := []*cobra.Command{c}
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() && !sub.IsAdditionalHelpTopicCommand() {
			cs = append(cs, manCommands(sub)...)
		}
	}
	return cs
}

// manName returns the name of c's page, without the section: the command
// line with dashes, such as confine-generate.
func manName(c *cobra.Command) string {
	return strings.ReplaceAll(c.CommandPath(), " ", "-")
}

// manPages renders a page for root and for each command below it (see
// manCommands), root's first, with cobra's generator. The commands' Long
// and Example are changed on the way: give it a tree of its own.
func manPages(root *cobra.Command, header doc.GenManHeader) ([]confine.File, error) {
	cs := manCommands(root)
	var names []string
	for _, c := range cs {
		names = append(names, manName(c))
	}
	var pages []confine.File
	for _, c := range cs {
		page, err := manPage(c, header, names)
		if err != nil {
			return nil, fmt.Errorf("%s(%s): %w", manName(c), manSection, err)
		}
		pages = append(pages, confine.File{Name: manName(c) + "." + manSection, Data: page})
	}
	return pages, nil
}

// manPage renders c's page: cobra's NAME, SYNOPSIS, DESCRIPTION (the Long
// text, with its exit statuses taken out), OPTIONS and EXAMPLES (when c
// has an Example), with confine's own sections where man's usual order
// puts them: the commands (on a page of a command that has some), EXIT
// STATUS, and a SEE ALSO naming every other page.
func manPage(c *cobra.Command, header doc.GenManHeader, names []string) ([]byte, error) {
	description, statuses, err := splitExitStatus(c.Long)
	if err != nil {
		return nil, err
	}
	c.Long = textToMarkdown(description)
	c.Example = dedent(c.Example)
	c.DisableAutoGenTag = true // no HISTORY section, which would carry the date again
	var buf bytes.Buffer
	if err := doc.GenMan(c, &header, &buf); err != nil {
		return nil, err
	}
	preamble, sections, err := manSections(buf.String())
	if err != nil {
		return nil, err
	}

	var commands, exit, seeAlso strings.Builder
	for _, sub := range manCommands(c)[1:] {
		if sub.Parent() == c {
			fmt.Fprintf(&commands, "**%s**\n: %s; see **%s**(%s).\n\n", escapeMarkdown(sub.CommandPath()), escapeMarkdown(sub.Short), escapeMarkdown(manName(sub)), manSection)
		}
	}
	for _, st := range statuses {
		fmt.Fprintf(&exit, "**%d**\n: %s\n\n", st.code, escapeMarkdown(st.text))
	}
	var refs []string
	for _, n := range names {
		if n != manName(c) {
			refs = append(refs, fmt.Sprintf("**%s**(%s)", escapeMarkdown(n), manSection))
		}
	}
	refs = append(refs, "**semodule**(8)", "**udica**(8)")
	seeAlso.WriteString(strings.Join(refs, ", ") + "\n")

	own := map[string]string{"EXIT STATUS": exit.String(), "SEE ALSO": seeAlso.String()}
	if commands.Len() > 0 {
		own["COMMANDS"] = commands.String()
	}
	rendered := map[string]string{}
	for title, md := range own {
		if rendered[title], err = renderSection(title, md); err != nil {
			return nil, err
		}
	}
	// A name in SEE ALSO is one word: "\-" is a hyphen the line is not
	// broken at, which renders as the same character.
	rendered["SEE ALSO"] = strings.ReplaceAll(rendered["SEE ALSO"], "-", `\-`)
	for _, title := range []string{"OPTIONS", "OPTIONS INHERITED FROM PARENT COMMANDS"} {
		if text, ok := sections[title]; ok {
			if sections[title], err = manOptions(text); err != nil {
				return nil, err
			}
		}
	}

	// The renderer turns hyphenation off before .TH, which turns it on
	// again (a command's name broken across lines reads as two words).
	before, th, ok := strings.Cut(preamble, ".TH ")
	if !ok || strings.TrimSpace(before) != ".nh" {
		return nil, fmt.Errorf("cobra's page begins %.30q, not .nh and .TH", preamble)
	}
	out := strings.Replace(".TH "+th, "\n", "\n.nh\n", 1)
	// cobra's sections, and where confine's go among them; cobra's SEE
	// ALSO names only the parent and children, so confine's replaces it.
	for _, title := range []string{"NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "OPTIONS INHERITED FROM PARENT COMMANDS", "EXIT STATUS", "EXAMPLE", "SEE ALSO"} {
		text, ok := rendered[title]
		if !ok {
			text, ok = sections[title]
			delete(sections, title)
		}
		if title == "EXAMPLE" && ok {
			text = ".SH EXAMPLES" + strings.TrimPrefix(text, ".SH EXAMPLE")
		}
		out += text
	}
	delete(sections, "SEE ALSO")
	if len(sections) > 0 {
		return nil, fmt.Errorf("cobra wrote sections confine does not place: %v", slices.Sorted(maps.Keys(sections)))
	}
	// .EE, the end of an example, turns hyphenation on again too.
	out = strings.ReplaceAll(out, "\n.EE\n", "\n.EE\n.nh\n")
	return []byte(out), nil
}

// manSections splits a page cobra rendered into what comes before its
// first section, and its sections by title, each from its .SH line.
func manSections(page string) (preamble string, sections map[string]string, err error) {
	parts := strings.Split(page, "\n.SH ")
	sections = map[string]string{}
	for _, part := range parts[1:] {
		title, _, _ := strings.Cut(part, "\n")
		if _, dup := sections[title]; dup {
			return "", nil, fmt.Errorf("two %s sections", title)
		}
		sections[title] = ".SH " + part + "\n"
	}
	for _, required := range []string{"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS"} {
		if _, ok := sections[required]; !ok {
			return "", nil, fmt.Errorf("cobra wrote no %s section", required)
		}
	}
	return parts[0] + "\n", sections, nil
}

// manOptions turns an OPTIONS section of cobra's, where each flag is a
// paragraph with its usage after a tab, into man's tagged paragraphs: the
// flag, and below it its usage, indented.
func manOptions(section string) (string, error) {
	lines := strings.Split(strings.TrimRight(section, "\n"), "\n")
	out := []string{lines[0]} // .SH OPTIONS
	usage := false
	for i := 1; i < len(lines); i++ {
		line := lines[i]
		switch {
		case line == "" || line == ".PP":
			usage = false // .TP separates the flags
		case i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t"):
			out = append(out, ".TP", line, strings.TrimPrefix(lines[i+1], "\t"))
			usage = true
			i++
		case usage:
			out = append(out, line) // a usage of several lines
		default:
			return "", fmt.Errorf("%s: %q is neither a flag before its usage nor a usage", lines[0], line)
		}
	}
	return strings.Join(out, "\n") + "\n\n", nil
}

// renderSection renders the Markdown text md as the roff section title,
// with the renderer cobra's generator uses.
func renderSection(title, md string) (string, error) {
	roff := string(md2man.Render([]byte("## " + title + "\n\n" + md)))
	// The renderer starts each document by turning hyphenation off; the
	// page has done so already.
	body, ok := strings.CutPrefix(roff, ".nh\n\n")
	if !ok {
		return "", fmt.Errorf("the %s section rendered as %.20q, not .nh and a section", title, roff)
	}
	return strings.TrimRight(body, "\n") + "\n\n", nil
}

// An exitStatus is one line of a command's exit status list.
type exitStatus struct {
	code int
	text string
}

var (
	// exitStatusEntry is the first line of an exit status, as in
	// exitStatusHelp: "  2  usage error: ..."; the lines that go on with
	// its text are indented further.
	exitStatusEntry = regexp.MustCompile(`^  ([0-9]+)  (\S.*)$`)
	exitStatusMore  = regexp.MustCompile(`^     +(\S.*)$`)
)

// splitExitStatus splits a command's Long text into its description and
// the exit statuses it ends with: exitStatusHelp, or a list of the
// command's own written as exitStatusHelp is. --help prints the text
// whole; a man page has the statuses in a section of their own. A text
// without them has exitStatusHelp's, the rule of every command.
func splitExitStatus(long string) (string, []exitStatus, error) {
	description, list, ok := strings.Cut(long, "Exit status:\n")
	if !ok {
		_, statuses, err := splitExitStatus(exitStatusHelp)
		return long, statuses, err
	}
	if strings.Contains(list, "Exit status:\n") || (description != "" && !strings.HasSuffix(description, "\n\n")) {
		return "", nil, errors.New(`the Long text must end with one "Exit status:" list, after a blank line: exitStatusHelp, or the command's own written as it is`)
	}
	var statuses []exitStatus
	for _, line := range strings.Split(strings.TrimRight(list, "\n"), "\n") {
		if m := exitStatusEntry.FindStringSubmatch(line); m != nil {
			code, _ := strconv.Atoi(m[1])
			statuses = append(statuses, exitStatus{code, m[2]})
		} else if m := exitStatusMore.FindStringSubmatch(line); m != nil && statuses != nil {
			statuses[len(statuses)-1].text += " " + m[1]
		} else {
			return "", nil, fmt.Errorf("exit status list: %q is neither \"  N  TEXT\" nor more of the text above it", line)
		}
	}
	return strings.TrimRight(description, "\n"), statuses, nil
}

// textToMarkdown turns help text, which is plain text, into Markdown that
// reads the same in a man page: a paragraph is filled, one indented
// whole (commands, lists) is kept as it is, and no character is taken
// for Markdown's.
func textToMarkdown(text string) string {
	var out []string
	for _, para := range strings.Split(text, "\n\n") {
		lines := strings.Split(strings.Trim(para, "\n"), "\n")
		indented := true
		for _, line := range lines {
			indented = indented && strings.HasPrefix(line, " ")
		}
		if indented {
			para = "    " + strings.Join(strings.Split(dedent(strings.Join(lines, "\n")), "\n"), "\n    ")
		} else {
			para = escapeMarkdown(strings.Join(lines, "\n"))
		}
		out = append(out, para)
	}
	return strings.Join(out, "\n\n")
}

// escapeMarkdown escapes what Markdown would take for its own in s, so
// that s renders as written: the characters that mark emphasis, code,
// links, HTML and tables anywhere, and those that start a heading, a list
// or a definition at the start of a line.
func escapeMarkdown(s string) string {
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		var b strings.Builder
		start := true // no character of the line but spaces yet
		for j, r := range line {
			switch {
			case strings.ContainsRune("\\`*_[]<>&|~{}", r):
				b.WriteByte('\\')
			case start && strings.ContainsRune("#-+:=", r):
				b.WriteByte('\\')
			case (r == '.' || r == ')') && j > 0 && strings.Trim(line[:j], " 0123456789") == "" && strings.TrimSpace(line[:j]) != "":
				b.WriteByte('\\') // "1." or "1)" would start a numbered list
			}
			start = start && r == ' '
			b.WriteRune(r)
		}
		lines[i] = b.String()
	}
	return strings.Join(lines, "\n")
}

// dedent removes the indentation all of text's lines share, as the
// Examples of help have.
func dedent(text string) string {
	lines := strings.Split(text, "\n")
	indent := -1
	for _, line := range lines {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if n := len(line) - len(strings.TrimLeft(line, " ")); indent < 0 || n < indent {
			indent = n
		}
	}
	for i, line := range lines {
		if len(line) >= indent && indent > 0 {
			lines[i] = line[indent:]
		}
	}
	return strings.Join(lines, "\n")
}
