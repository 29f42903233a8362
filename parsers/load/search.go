package load

import "bytes"

// The context scan searches every candidate file for a few short strings. bytes.Index
// scans for the needle's first byte, which in manifests is often a letter on every
// other position ("elector:" starts with 'e'); starting from the needle's rarest byte
// instead (a digit of "api-00625", the 'S' of a kind) skips most of the text in one
// vectorised IndexByte.

// commonness ranks bytes by how often they occur in config text: higher is more common.
var commonness = func() (r [256]uint8) {
	for i := range r {
		r[i] = 1
	}
	const order = "zqjxkvbywgpfmucdlhrsnioate :-\n" // ascending
	for i := 0; i < len(order); i++ {
		r[order[i]] = uint8(10 + i)
	}
	r['.'], r['/'], r['"'] = 30, 30, 25
	return r
}()

// finder finds one needle, by its rarest byte.
type finder struct {
	needle []byte
	at     int // index of the rarest byte in needle
}

func newFinder(needle []byte) finder {
	f := finder{needle: needle}
	for i := 1; i < len(needle); i++ {
		if commonness[needle[i]] < commonness[needle[f.at]] {
			f.at = i
		}
	}
	return f
}

// index returns the first index of the needle in s, or -1.
func (f finder) index(s []byte) int {
	n := len(f.needle)
	if n == 0 {
		return 0
	}
	c := f.needle[f.at]
	for off := f.at; off < len(s); {
		j := bytes.IndexByte(s[off:], c)
		if j < 0 {
			return -1
		}
		i := off + j - f.at
		if i+n > len(s) {
			return -1
		}
		if bytes.Equal(s[i:i+n], f.needle) {
			return i
		}
		off += j + 1
	}
	return -1
}

func (f finder) in(s []byte) bool { return f.index(s) >= 0 }
