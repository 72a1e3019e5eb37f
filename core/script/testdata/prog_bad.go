package tool

import (
	"net/http"
	"os"
)

func run() int {
	os.Remove("x")
	_ = http.StatusOK
	for i := range 3 {
		_ = i
	}
	return max(1, 2)
}
