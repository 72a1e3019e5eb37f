package kern

// pathCases lists every Gemmer this architecture has, with whether the CPU
// runs it.
func pathCases() []pathCase {
	return []pathCase{
		{AVX512{}, hasAVX512},
		{AVX2{}, hasAVX2},
		{Blocked{}, true},
	}
}
