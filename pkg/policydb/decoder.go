package policydb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strings"
)

// bufSize is the decoder's read window. It must hold the longest string
// the decoder accepts.
const bufSize = 128 << 10

// maxNameLen bounds every string length read from a policy. Nothing the
// kernel names comes near it (CIL caps identifiers at 2048 bytes, paths at
// PATH_MAX), so a larger length is taken as corruption rather than read.
const maxNameLen = 64 << 10

// A decoder reads little-endian words from a policy stream through a
// window of its own, so that skipping a rule costs no allocation. The first
// error sticks: every later read returns zero, and loops over counts taken
// from the input must test err so that a hostile count ends with it.
type decoder struct {
	r        io.Reader
	buf      []byte
	pos, end int   // unread bytes are buf[pos:end]
	off      int64 // input offset of buf[pos]
	size     int64 // input length when known, else -1
	eof      bool
	section  string // what is being read, for errors
	err      error

	// names collects every string a caller keeps, so that the policy
	// holds them in one string instead of one allocation each.
	names strings.Builder
}

func newDecoder(r io.Reader, size int64) *decoder {
	n := bufSize
	if size >= 0 && size < int64(n) {
		n = int(size) + 1 // +1 so that a Read at the end reports io.EOF at once
	}
	d := &decoder{r: r, buf: make([]byte, n), size: size}
	if size > 0 {
		// Names are a good part of a policy without its rules; start
		// with room for many, rather than growing from nothing.
		d.names.Grow(int(min(size/4, 1<<20)))
	}
	return d
}

// fail records the first error.
func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *decoder) truncated() {
	d.fail(fmt.Errorf("%w at offset %d in the %s", ErrTruncated, d.off, d.section))
}

// malformed records corruption found at the current offset.
func (d *decoder) malformed(format string, args ...any) {
	d.fail(fmt.Errorf("%w at offset %d in the %s: %s", ErrMalformed, d.off, d.section, fmt.Sprintf(format, args...)))
}

// fill makes n bytes available in buf[pos:], reporting truncation if the
// input ends first. n must not exceed len(d.buf).
func (d *decoder) fill(n int) bool {
	if d.err != nil {
		return false
	}
	if d.end-d.pos >= n {
		return true
	}
	if n > len(d.buf) {
		d.truncated()
		return false
	}
	copy(d.buf, d.buf[d.pos:d.end])
	d.end -= d.pos
	d.pos = 0
	for d.end < n && !d.eof {
		m, err := d.r.Read(d.buf[d.end:])
		d.end += m
		if errors.Is(err, io.EOF) {
			d.eof = true
		} else if err != nil {
			d.fail(fmt.Errorf("reading the %s at offset %d: %w", d.section, d.off, err))
			return false
		}
	}
	if d.end < n {
		d.truncated()
		return false
	}
	return true
}

// next consumes n bytes and returns them; the slice is valid until the next
// read.
func (d *decoder) next(n int) []byte {
	if !d.fill(n) {
		return nil
	}
	b := d.buf[d.pos : d.pos+n]
	d.pos += n
	d.off += int64(n)
	return b
}

func (d *decoder) u32() uint32 {
	b := d.next(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

// u32s reads len(dst) words.
func (d *decoder) u32s(dst []uint32) {
	b := d.next(4 * len(dst))
	if b == nil {
		clear(dst)
		return
	}
	for i := range dst {
		dst[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
}

// skip consumes n bytes without looking at them.
func (d *decoder) skip(n int64) {
	if d.err != nil {
		return
	}
	if d.size >= 0 && n > d.size-d.off {
		d.truncated()
		return
	}
	for n > 0 {
		step := min(n, int64(len(d.buf)))
		if d.next(int(step)) == nil {
			return
		}
		n -= step
	}
}

// remaining is how many bytes the input still holds, or -1 when unknown.
func (d *decoder) remaining() int64 {
	if d.size < 0 {
		return -1
	}
	return d.size - d.off
}

// count checks a count of records of at least minSize bytes each against
// what the input still holds, and returns how many to allocate room for:
// never more than the bytes present can describe, so a hostile count
// cannot cause a large allocation.
func (d *decoder) count(n uint32, minSize int) int {
	if d.err != nil {
		return 0
	}
	rem := d.remaining()
	if rem < 0 {
		return int(min(n, 1024)) // unknown length: let append grow as records arrive
	}
	if int64(n)*int64(minSize) > rem {
		d.fail(fmt.Errorf("%w at offset %d in the %s: %d entries need at least %d bytes, %d remain",
			ErrTruncated, d.off, d.section, n, int64(n)*int64(minSize), rem))
		return 0
	}
	return int(n)
}

// strLen validates a string length.
func (d *decoder) strLen(n uint32) bool {
	if d.err != nil {
		return false
	}
	if n == 0 || n > maxNameLen {
		d.malformed("string length %d", n)
		return false
	}
	return true
}

// skipString consumes a string of length n.
func (d *decoder) skipString(n uint32) {
	if d.strLen(n) {
		d.skip(int64(n))
	}
}

// A nameRef locates a kept string in decoder.names.
type nameRef struct{ off, len uint32 }

// name consumes a string of length n and keeps it.
func (d *decoder) name(n uint32) nameRef {
	if !d.strLen(n) {
		return nameRef{}
	}
	b := d.next(int(n))
	if b == nil {
		return nameRef{}
	}
	ref := nameRef{uint32(d.names.Len()), n}
	d.names.Write(b)
	return ref
}

// mapSize is the bit width of an ebitmap node, the only one the format uses.
const mapSize = 64

// ebitmap reads an extensible bitmap and, unless dst is nil, appends the
// bits set in it to *dst in increasing order. Bits are numbered from 0.
func (d *decoder) ebitmap(dst *[]uint32) {
	var h [3]uint32
	d.u32s(h[:])
	if d.err != nil {
		return
	}
	unit, highbit, count := h[0], h[1], h[2]
	switch {
	case unit != mapSize:
		d.malformed("bitmap unit %d, want %d", unit, mapSize)
		return
	case (highbit == 0) != (count == 0):
		d.malformed("bitmap with high bit %d and %d nodes", highbit, count)
		return
	case highbit%mapSize != 0:
		d.malformed("bitmap high bit %d is not a multiple of %d", highbit, mapSize)
		return
	}
	if d.count(count, 12) == 0 {
		return
	}
	var next uint32 // lowest start bit the next node may have
	for i := uint32(0); i < count && d.err == nil; i++ {
		b := d.next(12)
		if b == nil {
			return
		}
		start := binary.LittleEndian.Uint32(b)
		word := binary.LittleEndian.Uint64(b[4:])
		switch {
		case start%mapSize != 0:
			d.malformed("bitmap node starts at bit %d", start)
			return
		case start < next || start > highbit-mapSize:
			d.malformed("bitmap node at bit %d out of order or past high bit %d", start, highbit)
			return
		case word == 0:
			d.malformed("empty bitmap node at bit %d", start)
			return
		}
		next = start + mapSize
		for ; word != 0 && dst != nil; word &= word - 1 {
			*dst = append(*dst, start+uint32(bits.TrailingZeros64(word)))
		}
	}
}
