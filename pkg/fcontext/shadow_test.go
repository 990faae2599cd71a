package fcontext

import (
	"slices"
	"strings"
	"testing"
)

// TestCoversBelow checks which entries are recognised as matching every
// path below a directory: only those do shadow earlier entries.
func TestCoversBelow(t *testing.T) {
	text := strings.Join([]string{
		`/srv/.*	u:r:a_t:s0`,
		`/srv/([^/]*/)?www(/.*)?	u:r:b_t:s0`,
		`/srv/www(/.*)?	--	u:r:c_t:s0`, // regular files only
		`/srv/www/[^/]+	u:r:d_t:s0`,    // one level only
		`/home/[^/]+/.+	u:r:e_t:s0`,
		`/srv/w.w(/.*)?	u:r:f_t:s0`,
		`/srv/www/.*\.html	u:r:g_t:s0`,
		`/srv/(www|web)/.*	u:r:h_t:s0`,
		`/srv/www(/.*)?	<<none>>`,
		`/srv/www	u:r:i_t:s0`,
		`/srv/www/(.|\n)*\z	u:r:j_t:s0`, // "." takes newlines too (DOTALL): covers
	}, "\n") + "\n"
	tab, _ := build([]file{{name: "file_contexts", data: text}}, file{}, file{})
	for _, tt := range []struct {
		dir  string
		want []string // patterns of the covering entries
	}{
		{"/srv/www", []string{`/srv/.*`, `/srv/([^/]*/)?www(/.*)?`, `/srv/w.w(/.*)?`, `/srv/(www|web)/.*`, `/srv/www(/.*)?`, `/srv/www/(.|\n)*\z`}},
		{"/srv", []string{`/srv/.*`}},
		{"/srv/x/www", []string{`/srv/.*`, `/srv/([^/]*/)?www(/.*)?`}},
		{"/home/joe", []string{`/home/[^/]+/.+`}},
		{"/home", nil}, // /home/joe itself is not matched by /home/[^/]+/.+
	} {
		var got []string
		for k := range tab.entries {
			if tab.coversBelow(k, tt.dir) {
				got = append(got, tab.entries[k].pattern)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("covering %s:\n\tgot  %q\n\twant %q", tt.dir, got, tt.want)
		}
	}
}
