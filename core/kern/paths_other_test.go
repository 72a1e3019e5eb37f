//go:build !amd64

package kern

// pathCases lists every Gemmer this architecture has, with whether the CPU
// runs it.
func pathCases() []pathCase {
	return []pathCase{{Blocked{}, true}}
}
