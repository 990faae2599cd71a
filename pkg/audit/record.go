package audit

import (
	"encoding/hex"
	"slices"
	"strconv"
	"strings"

	"github.com/confine-policy/confine/pkg/secontext"
)

// kind is what a record turned out to be.
type kind int

const (
	ignored    kind = iota // no AVC decision: another record type, a notice
	denied                 // a denial, read
	granted                // an "avc:  granted" record
	unreadable             // an AVC record that could not be read
)

// records splits a line into its records: at every "type=T msg=audit("
// or "type=T audit(" header, when there is one, dropping what comes
// before the first (a syslog prefix); the whole line otherwise.
func records(line string) []string {
	var starts []int
	for i := 0; ; {
		j := strings.Index(line[i:], "type=")
		if j < 0 {
			break
		}
		p := i + j
		if (p == 0 || line[p-1] == ' ') && header(line[p:]) {
			starts = append(starts, p)
		}
		i = p + len("type=")
	}
	if len(starts) == 0 {
		return []string{line}
	}
	recs := make([]string, len(starts))
	for i, p := range starts {
		end := len(line)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		recs[i] = line[p:end]
	}
	return recs
}

// header reports whether s starts with a record header: "type=T "
// followed by "msg=audit(" (audit.log, ausearch) or "audit(" (the
// kernel's console lines).
func header(s string) bool {
	t, rest, ok := strings.Cut(s[len("type="):], " ")
	return ok && t != "" && (strings.HasPrefix(rest, "msg=audit(") || strings.HasPrefix(rest, "audit("))
}

// readRecord reads one record. The Denial it gives for a denial lacks
// Line and Count.
func readRecord(rec string) (Denial, kind) {
	// Enriched audit.log lines append interpreted fields after a GS byte.
	if i := strings.IndexByte(rec, 0x1d); i >= 0 {
		rec = rec[:i]
	}
	a := strings.Index(rec, "avc:")
	if a < 0 {
		return Denial{}, ignored
	}
	pre, body := rec[:a], rec[a+len("avc:"):]
	event, ok := eventOf(pre)
	if !ok {
		return Denial{}, ignored
	}
	if strings.HasSuffix(pre, "msg='") {
		// A USER_AVC's denial ends with the quote; later fields, if
		// any, are the object manager's.
		if q := strings.LastIndexByte(body, '\''); q >= 0 {
			body = body[:q]
		}
	}
	body = strings.TrimLeft(body, " \t")
	word := body[:len(body)-len(strings.TrimLeft(body, "abcdefghijklmnopqrstuvwxyz"))]
	switch word {
	case "denied":
	case "granted":
		return Denial{}, granted
	case "received":
		return Denial{}, ignored // "avc:  received policyload notice (seqno=2)"
	default:
		return Denial{}, unreadable
	}
	body = strings.TrimLeft(body[len(word):], " \t")
	inside, rest, ok := strings.Cut(body, "}")
	inside, open := strings.CutPrefix(inside, "{")
	if !ok || !open {
		return Denial{}, unreadable
	}
	perms := strings.Fields(inside)
	if len(perms) == 0 {
		return Denial{}, unreadable
	}
	slices.Sort(perms)
	perms = slices.Compact(perms)

	f := fields(rest, interpreted(pre))
	d := Denial{
		Event:  event,
		Perms:  perms,
		Source: f["scontext"].text,
		Target: f["tcontext"].text,
		Class:  f["tclass"].text,
	}
	var okS, okT bool
	d.SourceType, okS = contextType(d.Source)
	d.TargetType, okT = contextType(d.Target)
	if !okS || !okT || d.Class == "" {
		return Denial{}, unreadable
	}
	d.Permissive = f["permissive"].text == "1"
	d.Comm = f["comm"].decoded()
	d.Name = f["name"].decoded()
	d.Path = f["path"].decoded()
	for _, k := range []string{"src", "dest", "lport", "fport"} {
		if v, ok := f[k]; ok {
			if p, err := strconv.Atoi(v.text); err == nil && p > 0 && p <= 65535 {
				d.Port = p
				break
			}
		}
	}
	// The strings are cut from the line: copy them, so that a Denial
	// does not keep a long line alive.
	for _, s := range []*string{&d.Source, &d.Target, &d.SourceType, &d.TargetType, &d.Class, &d.Comm, &d.Name, &d.Path} {
		*s = strings.Clone(*s)
	}
	for i, p := range d.Perms {
		d.Perms[i] = strings.Clone(p)
	}
	return d, denied
}

// eventOf names the event of a record from what precedes its "avc:":
// its header's type, journald's "AVC" or "USER_AVC" word, or, with
// neither, whether the denial is quoted in msg='...' as userspace object
// managers write it. It is false for the other record types.
func eventOf(pre string) (string, bool) {
	if t, ok := strings.CutPrefix(pre, "type="); ok {
		t, _, _ = strings.Cut(t, " ")
		switch t {
		case "AVC", "1400":
			return "AVC", true
		case "USER_AVC", "1107":
			return "USER_AVC", true
		}
		return "", false
	}
	for w := range strings.FieldsSeq(pre) {
		if w == "AVC" || w == "USER_AVC" {
			return w, true
		}
	}
	if strings.HasSuffix(pre, "msg='") {
		return "USER_AVC", true
	}
	return "AVC", true
}

// interpreted reports whether the record is ausearch -i's: its stamp is
// a date, where a raw record's is SECONDS.MILLISECONDS:SERIAL. A record
// with no stamp at all (journald's) is raw.
func interpreted(pre string) bool {
	_, stamp, ok := strings.Cut(pre, "audit(")
	if !ok {
		return false
	}
	stamp, _, _ = strings.Cut(stamp, ")")
	sec, rest, ok1 := strings.Cut(stamp, ".")
	ms, serial, ok2 := strings.Cut(rest, ":")
	return !ok1 || !ok2 || !digits(sec) || !digits(ms) || !digits(serial)
}

func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// contextType gives the type of a context, and whether it is one.
func contextType(c string) (string, bool) {
	ctx, err := secontext.Parse(c)
	return ctx.Type, err == nil
}

// A value is a field's value as the record writes it.
type value struct {
	text string
	// hex is true for a raw record's unquoted value of a field the
	// kernel writes in hexadecimal when it holds a special byte.
	hex bool
}

// decoded gives the value, decoded from hexadecimal when the record
// wrote it so.
func (v value) decoded() string {
	if v.hex && len(v.text)%2 == 0 && strings.Trim(v.text, "0123456789ABCDEF") == "" {
		if b, err := hex.DecodeString(v.text); err == nil {
			return string(b)
		}
	}
	return v.text
}

// escaped are the fields the kernel and ausearch may write in hex (raw)
// or with spaces in them (interpreted), of those Parse reads.
var escaped = map[string]bool{"comm": true, "name": true, "path": true}

// fields reads the key=value fields of s, the text after a denial's
// braces; words with no "=" (such as "for") are skipped, and the first
// of two fields of one name counts. In interpreted text, a plain value
// of an escaped field runs on across spaces up to the next "key=".
func fields(s string, interp bool) map[string]value {
	f := map[string]value{}
	i := 0
	for i < len(s) {
		if s[i] == ' ' || s[i] == '\t' {
			i++
			continue
		}
		start := i
		for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '=' {
			i++
		}
		if i == len(s) || s[i] != '=' || !isKey(s[start:i]) {
			for i < len(s) && s[i] != ' ' && s[i] != '\t' {
				i++
			}
			continue
		}
		k := s[start:i]
		i++ // the '='
		var v value
		if i < len(s) && s[i] == '"' {
			if q := strings.IndexByte(s[i+1:], '"'); q >= 0 {
				v.text = s[i+1 : i+1+q]
				i += q + 2
			} else {
				end := spaceAt(s, i)
				v.text = s[i+1 : end]
				i = end
			}
		} else {
			end := spaceAt(s, i)
			if interp && escaped[k] {
				for {
					next := end
					for next < len(s) && (s[next] == ' ' || s[next] == '\t') {
						next++
					}
					if next == len(s) || startsField(s[next:]) {
						break
					}
					end = spaceAt(s, next)
				}
			}
			v = value{text: s[i:end], hex: !interp && escaped[k]}
			i = end
		}
		if _, dup := f[k]; !dup {
			f[k] = v
		}
	}
	return f
}

// spaceAt gives the index of the first space or tab of s at or after
// i, or len(s).
func spaceAt(s string, i int) int {
	for i < len(s) && s[i] != ' ' && s[i] != '\t' {
		i++
	}
	return i
}

// startsField reports whether s starts with "key=".
func startsField(s string) bool {
	i := 0
	for i < len(s) && s[i] != '=' && s[i] != ' ' && s[i] != '\t' {
		i++
	}
	return i < len(s) && s[i] == '=' && isKey(s[:i])
}

// isKey reports whether k can name a field: a letter or underscore,
// then letters, digits, underscores and hyphens (old-auid).
func isKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-'):
		default:
			return false
		}
	}
	return true
}
