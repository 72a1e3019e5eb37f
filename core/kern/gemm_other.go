//go:build !amd64

package kern

func available() []Gemmer { return []Gemmer{Blocked{}} }

func best() Gemmer { return Blocked{} }
